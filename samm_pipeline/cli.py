"""The ``samm-pipeline`` command line: a thin shell over library functions.

Each command parses its options, loads the configuration (file, then CLI
overrides), calls one library function and prints a summary. A user error
(:class:`~samm_pipeline.errors.SammError`) prints one line and exits 1; click's
usage errors exit 2. Heavy modules are imported inside commands so that
``samm-pipeline --help`` stays fast and loads neither TensorFlow nor MediaPipe.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from samm_pipeline import __version__
from samm_pipeline.config import Config, apply_overrides, config_to_toml, load_config
from samm_pipeline.errors import SammError, storage_error

logger = logging.getLogger("samm_pipeline")


class UserError(click.ClickException):
    """A :class:`SammError` shown as ``error: <message>`` with exit status 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class SammGroup(click.Group):
    """A click group that turns library errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SammError as error:
            raise UserError(str(error)) from None
        except OSError as error:
            failure = storage_error(error, error.filename or "a file")
            if failure is None:
                raise
            raise UserError(str(failure)) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


def _configure_logging(verbose: int, quiet: int) -> None:
    level = logging.INFO - 10 * verbose + 10 * quiet
    logging.basicConfig(
        level=max(logging.DEBUG, min(level, logging.CRITICAL)),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logger.setLevel(max(logging.DEBUG, min(level, logging.CRITICAL)))


def _load(ctx: click.Context, overrides: dict[str, Any] | None = None) -> Config:
    """Load the ``--config`` file of the group and apply CLI overrides."""
    config = load_config(ctx.obj.get("config_path"))
    return apply_overrides(config, overrides or {})


@click.group(cls=SammGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="samm-pipeline")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML run definition (e.g. pipeline/samm.toml); defaults otherwise.",
)
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, quiet: int) -> None:
    """Facial micro-expression recognition from cached MediaPipe landmarks.

    Stage 1 (extract) caches FaceMesh landmarks of every clip in a Zarr store;
    stage 2 (train) fits a Conv1D + BiLSTM model from that cache.
    """
    _configure_logging(verbose, quiet)
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    ctx.obj["quiet"] = quiet > 0


@cli.command("config")
@click.pass_context
def config_command(ctx: click.Context) -> None:
    """Print the effective configuration (defaults + --config file) as TOML."""
    config = _load(ctx)
    click.echo(config_to_toml(config), nl=False)


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
@click.option("--overwrite", is_flag=True, help="Replace OUT if it is not empty.")
@click.pass_context
def make_demo_data_command(
    ctx: click.Context,
    out: Path,
    subjects: int | None,
    clips_per_class: int | None,
    seed: int | None,
    size: int | None,
    overwrite: bool,
) -> None:
    """Write synthetic micro-expression clips to OUT (class folders + clips.csv).

    Clips are rendered from public-domain faces bundled with matplotlib and
    scikit-image; each class is a small local motion modelled on facial action
    units, at micro-expression scale (a few pixels).
    """
    config = _load(
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
            out, config, overwrite=overwrite, progress=not ctx.obj["quiet"]
        )
    except ValueError as error:  # argument checks beyond the config ranges
        raise UserError(f"make-demo-data: {error}") from None
    click.echo(
        f"wrote {dataset.n_clips} clips ({dataset.n_frames_total} frames, "
        f"{len(dataset.classes)} classes: {', '.join(dataset.classes)}) "
        f"to {dataset.root}; labels in {dataset.csv_path}"
    )


def _path_or_config(value: Path | None, configured: str, option: str) -> Path:
    """The CLI value, else the config's [paths] value, else a usage error."""
    if value is not None:
        return value
    if configured:
        return Path(configured)
    raise click.UsageError(f"give {option} (or set it under [paths] in --config)")


def _engine_options(section: str, what: str) -> Any:
    """``--backend`` and ``--scheduler`` for a command, overriding ``[section]``."""

    def decorate(command: Any) -> Any:
        command = click.option(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help=f"Dask scheduler (tcp://HOST:8786) for {what}; implies "
            f"--backend dask; none: a local cluster [{section}.scheduler].",
        )(command)
        return click.option(
            "--backend",
            type=click.Choice(["loky", "threading", "dask"]),
            default=None,
            help=f"Where {what} run: loky processes, threads, or a Dask "
            f"cluster [{section}.backend].",
        )(command)

    return decorate


def _engine_overrides(
    section: str, backend: str | None, scheduler: str | None
) -> dict[str, Any]:
    """Config overrides for the two options (a scheduler means Dask)."""
    if scheduler and backend is None:
        backend = "dask"
    return {f"{section}.backend": backend, f"{section}.scheduler": scheduler}


def _store_or_config(value: str | None, configured: str) -> Path | str:
    """The store: CLI value, else [paths] store; URLs stay strings."""
    from samm_pipeline.io.location import store_location

    if value is None and not configured:
        raise click.UsageError("give --store (or set it under [paths] in --config)")
    return store_location(value if value is not None else configured)


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
    type=click.Choice(["auto", "folders", "samm", "casme2"]),
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
@_engine_options("extract", "clips")
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
    config = _load(
        ctx,
        {
            "extract.layout": layout,
            "extract.jobs": jobs,
            "extract.subject_pattern": subject_pattern,
            "extract.annotations": annotations,
            **_engine_overrides("extract", backend, scheduler),
        },
    )
    data_dir = _path_or_config(data_dir, config.paths.data, "DATA_DIR")
    store = _store_or_config(store_path, config.paths.store)
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
    "store_path",
    default=None,
    help="Zarr store to describe, a folder or an fsspec URL [paths.store].",
)
@click.pass_context
def inspect_command(ctx: click.Context, store_path: str | None) -> None:
    """Describe a landmark store: classes, clips, frames, missing faces, failures."""
    config = _load(ctx)
    from samm_pipeline.io.store import open_store

    store = open_store(_store_or_config(store_path, config.paths.store))
    table = store.class_summary()
    extractor = store.extractor
    made_with = f"{extractor.get('name', '?')} {extractor.get('mediapipe_version', '')}"
    click.echo(
        f"store {store.path}: {len(store)} clips, {store.n_landmarks} landmarks, "
        f"{made_with.strip()}"
    )
    if len(table):
        click.echo(table.to_string(index=False))
    failures = store.failures
    click.echo(f"{len(failures)} failure(s)")
    for item, reason in sorted(failures.items()):
        click.echo(f"  {item}: {reason}")


@cli.command("plot")
@click.option(
    "--store",
    "store_path",
    default=None,
    help="Zarr store to draw, a folder or an fsspec URL [paths.store].",
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
    store_path: str | None,
    output: Path,
    key: str | None,
    run_dir: Path | None,
    names: tuple[str, ...],
    dpi: int,
) -> None:
    """Draw the inspection figures of a store (and a run) as PNG files.

    Dataset overview, class-average motion heatmap, and for one clip (--key,
    default the first): face mesh, region motion, preprocessing stages (with
    the [align] settings of --config). Prints the paths written.
    """
    config = _load(ctx)
    from samm_pipeline.io.store import open_store
    from samm_pipeline.viz import write_store_figures

    store = open_store(_store_or_config(store_path, config.paths.store))
    written = write_store_figures(
        store,
        output,
        key=key,
        run_dir=run_dir,
        config=config.align,
        names=names or None,
        dpi=dpi,
    )
    for path in written.values():
        click.echo(str(path))


@cli.command("train")
@click.option(
    "--store",
    "store_path",
    default=None,
    help="Landmark store, a folder or an fsspec URL [paths.store].",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the model and reports [paths.output].",
)
@click.option(
    "--protocol",
    type=click.Choice(["holdout", "loso"]),
    default=None,
    help="Hold-out split or leave-one-subject-out [evaluate.protocol].",
)
@click.option(
    "--labels",
    type=click.Choice(["asis", "samm5", "megc3", "custom"]),
    default=None,
    help="Label map [train.labels].",
)
@click.option("--epochs", type=int, default=None, help="Maximum epochs [train.epochs].")
@click.option(
    "--batch-size", type=int, default=None, help="Batch size [train.batch_size]."
)
@click.option("--seed", type=int, default=None, help="Random seed [train.seed].")
@click.option(
    "--jobs", type=int, default=None, help="LOSO folds in parallel [evaluate.jobs]."
)
@click.option("--overwrite", is_flag=True, help="Replace a non-empty --output.")
@_engine_options("evaluate", "LOSO folds")
@click.pass_context
def train_command(
    ctx: click.Context,
    store_path: str | None,
    output: Path | None,
    protocol: str | None,
    labels: str | None,
    epochs: int | None,
    batch_size: int | None,
    seed: int | None,
    jobs: int | None,
    overwrite: bool,
    backend: str | None,
    scheduler: str | None,
) -> None:
    """Train and evaluate the model from a landmark store (never the videos).

    Prints UF1, UAR and accuracy beside the majority-class baseline and
    writes model.keras, model.json, metrics, predictions and plots to OUTPUT.
    """
    config = _load(
        ctx,
        {
            "evaluate.protocol": protocol,
            "train.labels": labels,
            "train.epochs": epochs,
            "train.batch_size": batch_size,
            "train.seed": seed,
            "evaluate.jobs": jobs,
            **_engine_overrides("evaluate", backend, scheduler),
        },
    )
    store = _store_or_config(store_path, config.paths.store)
    output = _path_or_config(output, config.paths.output, "--output")
    from samm_pipeline.learn.pipeline import run_training

    report = run_training(
        store,
        output,
        config,
        overwrite=overwrite,
        progress=not ctx.obj["quiet"],
    )
    click.echo(report.summary_line())


@cli.command("demo")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="Where the clips, the store and the run go.",
)
@click.option(
    "--jobs", type=int, default=None, help="LOSO folds in parallel [evaluate.jobs]."
)
@click.pass_context
def demo_command(ctx: click.Context, workdir: Path, jobs: int | None) -> None:
    """Make demo clips (if missing), extract, train with LOSO, report.

    Runs the whole pipeline on synthetic micro-expression clips made from
    public-domain faces, with the settings of pipeline/demo.toml (built in);
    --config adds to them. Reruns reuse the clips, the store and the cache.
    """
    from samm_pipeline.demo.run import run_demo

    config = _load_demo(ctx, {"evaluate.jobs": jobs})
    result = run_demo(workdir, config, progress=not ctx.obj["quiet"])
    for line in result.summary_lines():
        click.echo(line)


def _load_demo(ctx: click.Context, overrides: dict[str, Any]) -> Config:
    """The built-in demo run definition, then --config, then CLI options."""
    from samm_pipeline.config import load_config_over
    from samm_pipeline.demo.run import load_demo_definition

    config = load_config_over(load_demo_definition(), ctx.obj.get("config_path"))
    return apply_overrides(config, overrides)


@cli.command("predict")
@click.option(
    "--model",
    "model_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Run folder of `samm-pipeline train` (model.keras + model.json).",
)
@click.argument("clips", nargs=-1, required=True)
@click.option(
    "--store",
    "store_path",
    default=None,
    help="Store to look up <class>/<clip> keys in (default: the model's).",
)
@click.option(
    "--jobs", type=int, default=None, help="Clips extracted in parallel [extract.jobs]."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format on stdout.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--csv", "as_csv", is_flag=True, help="Same as --format csv.")
@click.pass_context
def predict_command(
    ctx: click.Context,
    model_dir: Path,
    clips: tuple[str, ...],
    store_path: str | None,
    jobs: int | None,
    output_format: str,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Class probabilities for CLIPS: video files, frame folders or store keys.

    Files are run through FaceMesh with the extractor settings of the
    model's store, then through exactly the model's preprocessing. Clips
    that fail are listed on stderr (exit 1); the others are still predicted.
    """
    from samm_pipeline.infer.predict import format_predictions, predict_clips
    from samm_pipeline.infer.trained import load_trained

    config = _load(ctx, {"extract.jobs": jobs})
    trained = load_trained(model_dir)
    report = predict_clips(trained, clips, store=store_path, jobs=config.extract.jobs)
    chosen = "json" if as_json else "csv" if as_csv else output_format
    click.echo(format_predictions(report, chosen), nl=False)
    for reason in report.failures.values():
        click.echo(f"error: {reason}", err=True)
    if report.failures:
        ctx.exit(1)


@cli.command("detect")
@click.option(
    "--model",
    "model_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Run folder of `samm-pipeline train` (model.keras + model.json).",
)
@click.option("--camera", type=int, default=None, help="Camera index (0: default).")
@click.option(
    "--video",
    type=click.Path(path_type=Path),
    default=None,
    help="Video file (or frame folder) to play.",
)
@click.option(
    "--window", type=int, default=None, help="Frames in the window [detect.window]."
)
@click.option(
    "--min-frames",
    type=int,
    default=None,
    help="Face frames needed before predicting [detect.min_frames].",
)
@click.option(
    "--stride", type=int, default=None, help="Predict every N frames [detect.stride]."
)
@click.option(
    "--motion-threshold",
    type=float,
    default=None,
    help="Classify only windows moving more (px) [detect.motion_threshold].",
)
@click.option(
    "--realtime/--no-realtime",
    default=None,
    help="Play a video at its own pace, or as fast as possible [detect.realtime].",
)
@click.option("--show", is_flag=True, help="Draw landmarks and label in a window.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def detect_command(
    ctx: click.Context,
    model_dir: Path,
    camera: int | None,
    video: Path | None,
    window: int | None,
    min_frames: int | None,
    stride: int | None,
    motion_threshold: float | None,
    realtime: bool | None,
    show: bool,
    as_json: bool,
) -> None:
    """Stream detection from a camera or a video: a timeline of predictions.

    Classifies the last N landmark frames every --stride frames once
    --min-frames of them show a face; prints time, class and probability.
    """
    if (camera is None) == (video is None):
        raise click.UsageError("give exactly one of --camera N and --video FILE")
    config = _load(
        ctx,
        {
            "detect.window": window,
            "detect.min_frames": min_frames,
            "detect.stride": stride,
            "detect.motion_threshold": motion_threshold,
            "detect.realtime": realtime,
        },
    )
    import json

    from samm_pipeline.infer.detect import run_detection
    from samm_pipeline.infer.trained import load_trained

    trained = load_trained(model_dir)

    def emit(prediction: Any) -> None:
        if as_json:
            click.echo(json.dumps(prediction.to_dict()))
        else:
            click.echo(
                f"{prediction.time:8.2f} s  {prediction.label:<14} "
                f"{prediction.probability:.2f}"
            )

    report = run_detection(
        trained,
        video=video,
        camera=camera,
        config=config.detect,
        show=show,
        on_prediction=emit,
    )
    click.echo(report.summary_line(), err=as_json)


def main() -> None:
    """Entry point of the ``samm-pipeline`` console script."""
    cli(prog_name="samm-pipeline")


if __name__ == "__main__":  # pragma: no cover
    main()
