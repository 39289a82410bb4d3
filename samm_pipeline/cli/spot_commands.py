"""``spot``: find micro- and macro-expression intervals in a store's long videos."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import click

from samm_pipeline.cli.group import (
    cli,
    load_run_config,
    path_or_config,
    store_or_config,
)
from samm_pipeline.config import ThresholdTuning


@cli.command("spot")
@click.option(
    "--store",
    "store_path",
    default=None,
    help="Landmark store holding long videos (a folder or an fsspec URL) "
    "[paths.store].",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for intervals.csv, metrics.json and timelines/ [paths.output].",
)
@click.option(
    "--all",
    "every_entry",
    is_flag=True,
    help="Spot every entry, not only long videos (those with annotated intervals).",
)
@click.option(
    "--threshold-fraction",
    type=float,
    default=None,
    help="p in the per-video threshold mean + p (max - mean) "
    "[spot.threshold_fraction].",
)
@click.option(
    "--threshold-tuning",
    type=click.Choice(get_args(ThresholdTuning)),
    default=None,
    help="loso: choose threshold_fraction for each subject's videos on the other "
    "subjects' annotated videos [spot.threshold_tuning].",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Spot then recognise: classify every spotted micro-expression with this "
    "trained run folder and report STRS (spotting F1 x recognition F1).",
)
@click.option("--no-figures", is_flag=True, help="Skip the timeline figures.")
@click.option("--overwrite", is_flag=True, help="Replace a non-empty --output.")
@click.pass_context
def spot_command(
    ctx: click.Context,
    store_path: str | None,
    output: Path | None,
    every_entry: bool,
    threshold_fraction: float | None,
    threshold_tuning: str | None,
    model_path: Path | None,
    no_figures: bool,
    overwrite: bool,
) -> None:
    """Spot expression intervals in every long video of a store and score them.

    Scores follow the MEGC spotting task: a prediction is a hit at IoU >= 0.5
    with an annotated interval of its type, matched one-to-one; micro, macro
    and overall (pooled counts) precision, recall and F1. Settings come from
    the [spot] table of --config. With --model, each spotted micro-expression
    is recognised and the spotted true positives are scored against their
    annotated emotions (MEGC 2023 STRS).
    """
    config = load_run_config(
        ctx,
        {
            "spot.threshold_fraction": threshold_fraction,
            "spot.threshold_tuning": threshold_tuning,
        },
    )
    store = store_or_config(store_path, config.paths.store)
    folder = path_or_config(output, config.paths.output, "--output")
    from samm_pipeline.spot.run import run_spotting

    timeline = None
    if not no_figures:
        from samm_pipeline.viz.timeline import save_timeline

        timeline = save_timeline
    recogniser = None
    if model_path is not None:
        from samm_pipeline.infer.spotted import SpottedRecogniser
        from samm_pipeline.infer.trained import load_trained

        recogniser = SpottedRecogniser(load_trained(model_path), config.detect)
    report = run_spotting(
        store,
        folder,
        config.spot,
        every_entry=every_entry,
        overwrite=overwrite,
        timeline=timeline,
        recogniser=recogniser,
    )
    for key, reason in report.skipped.items():
        click.echo(f"skipped: {key}: {reason}")
    click.echo(report.summary())
