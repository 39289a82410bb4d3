"""``make-demo-videos``: demo long videos for spotting, in the SAMM-LV layout."""

from __future__ import annotations

from pathlib import Path

import click

from samm_pipeline.cli.group import UserError, cli


@cli.command("make-demo-videos")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--videos", type=int, default=5, show_default=True, help="Videos.")
@click.option(
    "--seconds", type=float, default=30.0, show_default=True, help="Video length."
)
@click.option(
    "--micro", type=int, default=3, show_default=True, help="Micro-expressions a video."
)
@click.option(
    "--macro", type=int, default=2, show_default=True, help="Macro-expressions a video."
)
@click.option("--fps", type=float, default=30.0, show_default=True, help="Frame rate.")
@click.option(
    "--size", type=int, default=320, show_default=True, help="Frame size in pixels."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it is not empty.")
@click.pass_context
def make_demo_videos_command(
    ctx: click.Context,
    out: Path,
    videos: int,
    seconds: float,
    micro: int,
    macro: int,
    fps: float,
    size: int,
    seed: int,
    overwrite: bool,
) -> None:
    """Write synthetic long videos with planted expressions to OUT (SAMM-LV layout).

    Each video shows one pseudo-subject with micro-expressions (0.2-0.5 s)
    and macro-expressions (1-3 s) at random frames, among blinks,
    speech-like mouth motion and a slow head drift; the SAMM Long Videos
    sheet in OUT lists the expressions, events.csv every event. Extract with
    the frame rate written into OUT/longvideos.toml, then spot:

        samm-pipeline --config OUT/longvideos.toml extract OUT --store S

        samm-pipeline spot --store S --output DIR
    """
    from samm_pipeline.demo.longvideo import make_demo_long_videos

    try:
        dataset = make_demo_long_videos(
            out,
            n_videos=videos,
            seconds=seconds,
            n_micro=micro,
            n_macro=macro,
            fps=fps,
            size=size,
            seed=seed,
            overwrite=overwrite,
            progress=not ctx.obj["quiet"],
        )
    except ValueError as error:
        raise UserError(f"make-demo-videos: {error}") from None
    click.echo(
        f"wrote {len(dataset.videos)} long videos ({dataset.n_frames_total} frames, "
        f"{dataset.fps:g} fps, {dataset.size} px) to {dataset.root}: "
        f"{dataset.count('micro')} micro- and {dataset.count('macro')} "
        f"macro-expressions in {dataset.sheet_path.name}; distractors "
        f"{dataset.count('blink')} blinks, {dataset.count('speech')} speech bursts "
        f"(all in {dataset.events_path.name}); next: samm-pipeline --config "
        f"{dataset.config_path} extract {dataset.root} --store STORE"
    )
