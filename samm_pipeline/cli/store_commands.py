"""Commands that make or read a landmark store.

``make-demo-data``, ``extract``, ``inspect`` and ``plot``.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import click

from samm_pipeline.cli.group import (
    UserError,
    cli,
    configured_stores,
    engine_options,
    engine_overrides,
    load_run_config,
    path_or_config,
    store_or_config,
)
from samm_pipeline.config import Layout

DEMO_LAYOUT_CHOICES = ("folders", "samm", "casme2", "smic")
"""``make-demo-data --layout``: the demo's layouts
(:data:`samm_pipeline.demo.layouts.DEMO_LAYOUT_NAMES`, spelt out here so that
the CLI starts without NumPy; a test checks they agree)."""


@cli.command("make-demo-data")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--subjects", type=int, default=None, help="Pseudo-subjects [demo.subjects]."
)
@click.option(
    "--clips-per-class",
    type=int,
    default=None,
    help="Clips per class and subject [demo.clips_per_class].",
)
@click.option("--seed", type=int, default=None, help="Random seed [demo.seed].")
@click.option(
    "--size", type=int, default=None, help="Frame size in pixels [demo.size]."
)
@click.option(
    "--layout",
    type=click.Choice(DEMO_LAYOUT_CHOICES),
    default="folders",
    show_default=True,
    help="Class folders of videos, or a dataset as distributed (frame folders "
    "and its label sheet).",
)
@click.option(
    "--fps",
    type=float,
    default=None,
    help="Frame rate [demo.fps for folders; else the dataset's: SAMM and "
    "CASME II 200, SMIC 100].",
)
@click.option(
    "--classes",
    default=None,
    help="Comma-separated classes of the layout to write (default all), "
    "e.g. Anger,Happiness,Surprise for samm.",
)
@click.option("--overwrite", is_flag=True, help="Replace OUT if it is not empty.")
@click.pass_context
def make_demo_data_command(
    ctx: click.Context,
    out: Path,
    subjects: int | None,
    clips_per_class: int | None,
    seed: int | None,
    size: int | None,
    layout: str,
    fps: float | None,
    classes: str | None,
    overwrite: bool,
) -> None:
    """Write synthetic micro-expression clips to OUT (class folders + clips.csv).

    Clips are rendered from public-domain faces bundled with matplotlib and
    scikit-image; each class is a small local motion modelled on facial action
    units, at micro-expression scale (a few pixels). With --layout samm,
    casme2 or smic, OUT is that dataset's tree as distributed, with its class
    names, frame rate and label sheet, ready for `extract --layout auto`.
    """
    config = load_run_config(
        ctx,
        {
            "demo.subjects": subjects,
            "demo.clips_per_class": clips_per_class,
            "demo.seed": seed,
            "demo.size": size,
        },
    ).demo
    from samm_pipeline.demo.run import write_demo_clips

    try:
        dataset = write_demo_clips(
            out,
            config,
            layout=layout,
            fps=fps,
            classes=None if classes is None else classes.split(","),
            overwrite=overwrite,
            progress=not ctx.obj["quiet"],
        )
    except ValueError as error:  # argument checks beyond the config ranges
        raise UserError(f"make-demo-data: {error}") from None
    if dataset.layout == "folders":
        labels = f"labels in {dataset.csv_path}"
    else:
        where = dataset.label_path.name if dataset.label_path else "the folders"
        labels = f"labels in {where}, ground truth in {dataset.csv_path.name}"
    click.echo(
        f"wrote {dataset.n_clips} clips ({dataset.n_frames_total} frames, "
        f"{len(dataset.classes)} classes: {', '.join(dataset.classes)}, "
        f"{dataset.fps:g} fps, {dataset.layout} layout) to {dataset.root}; {labels}"
    )


@cli.command("extract")
@click.argument(
    "data_dir", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--store",
    "store_path",
    default=None,
    help="Zarr store to create or complete: a folder or an fsspec URL "
    "(s3://...) [paths.store].",
)
@click.option(
    "--layout",
    type=click.Choice(get_args(Layout)),
    default=None,
    help="Dataset layout [extract.layout].",
)
@click.option(
    "--jobs",
    type=int,
    default=None,
    help="Worker processes, 0 = all cores [extract.jobs].",
)
@click.option(
    "--subject-pattern",
    default=None,
    help="Regex on clip names; group 1 = subject [extract.subject_pattern].",
)
@click.option(
    "--annotations",
    default=None,
    help="Labels/subjects/onsets spreadsheet or CSV [extract.annotations].",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Re-extract every clip (deletes a store made with other settings).",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any clip failed.")
@engine_options("extract", "clips")
@click.pass_context
def extract_command(
    ctx: click.Context,
    data_dir: Path | None,
    store_path: str | None,
    layout: str | None,
    jobs: int | None,
    subject_pattern: str | None,
    annotations: str | None,
    overwrite: bool,
    strict: bool,
    backend: str | None,
    scheduler: str | None,
) -> None:
    """Extract FaceMesh landmarks of every clip under DATA_DIR into the store.

    Reruns skip clips whose source is unchanged, redo changed or incomplete
    ones, and retry earlier failures. Bad clips are recorded and listed at the
    end; the rest is extracted.
    """
    config = load_run_config(
        ctx,
        {
            "extract.layout": layout,
            "extract.jobs": jobs,
            "extract.subject_pattern": subject_pattern,
            "extract.annotations": annotations,
            **engine_overrides("extract", backend, scheduler),
        },
    )
    data_dir = path_or_config(data_dir, config.paths.data, "DATA_DIR")
    store = store_or_config(store_path, config.paths.store)
    from samm_pipeline.extract.runner import run_extraction

    report = run_extraction(
        data_dir,
        store,
        config.extract,
        overwrite=overwrite,
        progress=not ctx.obj["quiet"],
    )
    for item, reason in sorted(report.failures.items()):
        click.echo(f"failed: {item}: {reason}")
    click.echo(report.summary_line())
    if report.failures:
        click.echo(
            f"{len(report.failures)} failure(s); see them again with "
            f"`samm-pipeline inspect --store {store}`",
            err=True,
        )
        if strict:
            ctx.exit(1)


@cli.command("inspect")
@click.option(
    "--store",
    "store_paths",
    multiple=True,
    help="Zarr store to describe, a folder or an fsspec URL; repeat it to put "
    "datasets side by side [paths.store, paths.stores].",
)
@click.pass_context
def inspect_command(ctx: click.Context, store_paths: tuple[str, ...]) -> None:
    """Describe landmark stores: classes, clips, frames, missing faces, failures.

    With several stores (a composite such as SMIC + CASME II + SAMM) the
    datasets are also shown side by side: clips per class per dataset, then
    clips, subjects, classes, fps and frames per clip (median, min, max) of
    each.
    """
    config = load_run_config(ctx)
    from samm_pipeline.io.overview import compare_datasets, summaries_by_dataset
    from samm_pipeline.io.store import open_store

    stores = [
        open_store(location)
        for location in configured_stores(store_paths, config.paths)
    ]
    for store in stores:
        extractor = store.extractor
        made_with = (
            f"{extractor.get('name', '?')} {extractor.get('mediapipe_version', '')}"
        )
        click.echo(
            f"store {store.path}: {len(store)} clips, {store.n_landmarks} "
            f"landmarks, {made_with.strip()}"
        )
        if len(stores) == 1 and len(table := store.class_summary()):
            click.echo(table.to_string(index=False))
    if len(stores) > 1:
        comparison = compare_datasets(summaries_by_dataset(stores))
        click.echo("clips per class and dataset:")
        click.echo(comparison.clips_per_class.to_string())
        click.echo("datasets (frames per clip: median, min, max):")
        click.echo(comparison.datasets.to_string())
    for store in stores:
        failures = store.failures
        where = f" in {store.path}" if len(stores) > 1 else ""
        click.echo(f"{len(failures)} failure(s){where}")
        for item, reason in sorted(failures.items()):
            click.echo(f"  {item}: {reason}")


@cli.command("plot")
@click.option(
    "--store",
    "store_paths",
    multiple=True,
    help="Zarr store to draw, a folder or an fsspec URL [paths.store]; repeat "
    "it to draw the dataset overview of several side by side.",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the PNG files (created).",
)
@click.option("--key", default=None, help="Clip of the per-clip figures (CLASS/CLIP).")
@click.option(
    "--run",
    "run_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A train --output folder: adds training curves and confusion matrix.",
)
@click.option(
    "--figure",
    "names",
    multiple=True,
    help="Draw only this figure (repeatable): dataset_overview, face_mesh, "
    "region_motion, preprocessing, class_motion_heatmap; with --run also "
    "training_curves, confusion_matrix.",
)
@click.option("--dpi", type=click.IntRange(30, 600), default=100, show_default=True)
@click.pass_context
def plot_command(
    ctx: click.Context,
    store_paths: tuple[str, ...],
    output: Path,
    key: str | None,
    run_dir: Path | None,
    names: tuple[str, ...],
    dpi: int,
) -> None:
    """Draw the inspection figures of a store (and a run) as PNG files.

    Dataset overview, class-average motion heatmap, and for one clip (--key,
    default the first): face mesh, region motion, preprocessing stages (with
    the [align] settings of --config). With several --store, the dataset
    overview shows them side by side and the other figures are the first
    store's. Prints the paths written.
    """
    config = load_run_config(ctx)
    from samm_pipeline.io.store import open_store
    from samm_pipeline.viz import write_store_figures

    store, *others = [
        open_store(location)
        for location in configured_stores(store_paths, config.paths)
    ]
    written = write_store_figures(
        store,
        output,
        other_stores=others,
        key=key,
        run_dir=run_dir,
        config=config.align,
        names=names or None,
        dpi=dpi,
    )
    for path in written.values():
        click.echo(str(path))
