"""The spotting timeline of one long video: motion signal, thresholds, intervals.

Drawn by ``samm-pipeline spot`` into ``timelines/<video>.png`` and usable in
notebooks. The figure takes a spotting result by its attributes (a
:class:`~samm_pipeline.spot.video.VideoSpotting` or anything shaped like it),
so ``viz`` does not import ``spot``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from samm_pipeline.viz.base import new_figure

_COLOURS = {"micro": "tab:red", "macro": "tab:blue"}


class _Span(Protocol):
    onset: int
    offset: int
    kind: str


class SpottedVideo(Protocol):
    """What a timeline needs (a ``spot.video.VideoSpotting`` provides it).

    ``signal`` has ``fps``, ``micro`` and ``macro`` (``(n_frames,)`` fine and
    coarse motion signals); ``thresholds`` maps ``"micro"``/``"macro"`` to the
    peak thresholds; ``predictions`` and ``truths`` (``None``: not annotated)
    hold intervals with ``onset``, ``offset`` (inclusive frames) and ``kind``.
    """

    video: str
    signal: Any
    thresholds: Mapping[str, float]
    predictions: Sequence[_Span]
    truths: Sequence[_Span] | None


def plot_spotting_timeline(spotted: SpottedVideo) -> Any:
    """The motion signal over time, its thresholds, predicted and true intervals.

    Top: the fine (micro) and coarse (macro) motion signals with their
    per-video thresholds (dashed). Bottom: two lanes, true intervals above
    predicted ones, red for micro and blue for macro, in seconds.

    Returns
    -------
    matplotlib.figure.Figure
    """
    signal = spotted.signal
    fps = float(signal.fps)
    fine, coarse = np.asarray(signal.micro), np.asarray(signal.macro)
    seconds = np.arange(len(fine)) / fps
    figure = new_figure(11.0, 4.2)
    motion, lanes = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    motion.plot(seconds, fine, color="0.3", linewidth=0.8, label="motion (fine)")
    motion.plot(seconds, coarse, color="tab:orange", linewidth=1.2, label="coarse")
    for name, colour in (("micro", "0.3"), ("macro", "tab:orange")):
        if name in spotted.thresholds:
            motion.axhline(
                spotted.thresholds[name],
                color=colour,
                linestyle="--",
                linewidth=0.8,
                label=f"threshold ({'fine' if name == 'micro' else 'coarse'})",
            )
    motion.set_ylabel("motion above typical")
    motion.legend(loc="upper right", fontsize=8, ncols=4)
    motion.set_title(f"{spotted.video}: spotted intervals")
    lanes_drawn = [("predicted", spotted.predictions, 0.0)]
    if spotted.truths is not None:
        lanes_drawn.append(("true", spotted.truths, 1.0))
    for _, spans, row in lanes_drawn:
        for span in spans:
            lanes.broken_barh(
                [(span.onset / fps, (span.offset - span.onset + 1) / fps)],
                (row + 0.15, 0.7),
                color=_COLOURS.get(span.kind, "0.5"),
            )
    lanes.set_yticks(
        [row + 0.5 for _, _, row in lanes_drawn],
        labels=[name for name, _, _ in lanes_drawn],
    )
    lanes.set_ylim(0, len(lanes_drawn))
    lanes.set_xlabel("time (s); red micro, blue macro")
    lanes.set_xlim(0, max(len(fine) / fps, 1.0 / fps))
    return figure


def save_timeline(path: Path, spotted: SpottedVideo) -> None:
    """Draw :func:`plot_spotting_timeline` into a PNG at ``path`` (folders made)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure = plot_spotting_timeline(spotted)
    figure.savefig(path, dpi=100)
