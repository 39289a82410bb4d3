"""Commands that train or use a model: train, demo, predict, detect."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import click

from samm_pipeline.cli.group import (
    cli,
    configured_stores,
    engine_options,
    engine_overrides,
    load_run_config,
    path_or_config,
)
from samm_pipeline.config import (
    Config,
    EvalProtocol,
    LabelScheme,
    OutputFormat,
    apply_overrides,
)


@cli.command("train")
@click.option(
    "--store",
    "store_paths",
    multiple=True,
    help="Landmark store, a folder or an fsspec URL; repeat it to train on "
    "several datasets together [paths.store, paths.stores].",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the model and reports [paths.output].",
)
@click.option(
    "--protocol",
    type=click.Choice(get_args(EvalProtocol)),
    default=None,
    help="Hold-out split or leave-one-subject-out [evaluate.protocol].",
)
@click.option(
    "--labels",
    type=click.Choice(get_args(LabelScheme)),
    default=None,
    help="Label map [train.labels].",
)
@click.option("--epochs", type=int, default=None, help="Maximum epochs [train.epochs].")
@click.option(
    "--batch-size", type=int, default=None, help="Batch size [train.batch_size]."
)
@click.option("--seed", type=int, default=None, help="Random seed [train.seed].")
@click.option(
    "--seeds",
    type=int,
    default=None,
    help="Run the protocol for N seeds; report each and mean ± sd [train.seeds].",
)
@click.option(
    "--jobs", type=int, default=None, help="LOSO folds in parallel [evaluate.jobs]."
)
@click.option("--overwrite", is_flag=True, help="Replace a non-empty --output.")
@engine_options("evaluate", "LOSO folds")
@click.pass_context
def train_command(
    ctx: click.Context,
    store_paths: tuple[str, ...],
    output: Path | None,
    protocol: str | None,
    labels: str | None,
    epochs: int | None,
    batch_size: int | None,
    seed: int | None,
    seeds: int | None,
    jobs: int | None,
    overwrite: bool,
    backend: str | None,
    scheduler: str | None,
) -> None:
    """Train and evaluate the model from landmark stores (never the videos).

    Several --store options train on several datasets together (--protocol
    megc: the MEGC composite; lodo: leave one dataset out). Prints UF1, UAR
    and accuracy beside the majority-class baseline and
    writes model.keras, model.json, metrics, predictions and plots to OUTPUT.
    """
    config = load_run_config(
        ctx,
        {
            "evaluate.protocol": protocol,
            "train.labels": labels,
            "train.epochs": epochs,
            "train.batch_size": batch_size,
            "train.seed": seed,
            "train.seeds": seeds,
            "evaluate.jobs": jobs,
            **engine_overrides("evaluate", backend, scheduler),
        },
    )
    stores = configured_stores(store_paths, config.paths)
    output = path_or_config(output, config.paths.output, "--output")
    from samm_pipeline.learn.pipeline import run_training

    report = run_training(
        stores if len(stores) > 1 else stores[0],
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

    config = load_demo(ctx, {"evaluate.jobs": jobs})
    result = run_demo(workdir, config, progress=not ctx.obj["quiet"])
    for line in result.summary_lines():
        click.echo(line)


def load_demo(ctx: click.Context, overrides: dict[str, Any]) -> Config:
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
    type=click.Choice(get_args(OutputFormat)),
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

    config = load_run_config(ctx, {"extract.jobs": jobs})
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
@click.option(
    "--fps",
    type=float,
    default=None,
    help="Frame rate of a frame folder or camera (0: as the source says) [detect.fps].",
)
@click.option(
    "--spot-gate/--no-spot-gate",
    default=None,
    help="Classify only the intervals the spotter finds, once each ends "
    "([spot] settings) [detect.spot_gate].",
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
    fps: float | None,
    spot_gate: bool | None,
    show: bool,
    as_json: bool,
) -> None:
    """Stream detection from a camera or a video: a timeline of predictions.

    Classifies the last N landmark frames every --stride frames once
    --min-frames of them show a face; prints time, class and probability.
    With --spot-gate, classifies each micro- or macro-expression interval the
    spotter finds instead, once it has ended.
    """
    if (camera is None) == (video is None):
        raise click.UsageError("give exactly one of --camera N and --video FILE")
    config = load_run_config(
        ctx,
        {
            "detect.window": window,
            "detect.min_frames": min_frames,
            "detect.stride": stride,
            "detect.motion_threshold": motion_threshold,
            "detect.realtime": realtime,
            "detect.spot_gate": spot_gate,
            "detect.fps": fps,
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
            spotted = (
                f"  {prediction.kind} frames {prediction.onset}-{prediction.offset}"
                if prediction.onset is not None
                else ""
            )
            click.echo(
                f"{prediction.time:8.2f} s  {prediction.label:<14} "
                f"{prediction.probability:.2f}{spotted}"
            )

    report = run_detection(
        trained,
        video=video,
        camera=camera,
        config=config.detect,
        show=show,
        on_prediction=emit,
        spot=config.spot,
    )
    click.echo(report.summary_line(), err=as_json)
