"""One long video spotted: ``spot_entry`` and what it returns.

:func:`spot_entry` reads one store entry window by window, computes its
motion signal, finds its intervals and reads its annotated ones
(:func:`truth_intervals`) into a :class:`VideoSpotting`, the unit that
:func:`~samm_pipeline.spot.run.run_spotting` scores and logs, a timeline
figure draws, and a notebook inspects. :func:`maximum_baseline` is the
trivial spotter printed beside the scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from samm_pipeline.config.sections import SpotSettings
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import LandmarkStore
from samm_pipeline.spot.intervals import Interval, expression_kind
from samm_pipeline.spot.peaks import find_intervals, video_thresholds
from samm_pipeline.spot.signal import MotionSignal, frames_for, motion_signal


@dataclass(frozen=True)
class VideoSpotting:
    """One video's spotting, for the interval log and its timeline figure.

    Attributes
    ----------
    video
        The entry's clip id (``006_1``), or its key when ``every_entry``
        spots classes with the same clip id.
    signal
        The motion signal the intervals were found on.
    thresholds
        ``{"micro": ..., "macro": ...}``: the per-video peak thresholds of
        the fine and coarse signals.
    predictions
        The spotted intervals.
    truths
        The annotated intervals, or ``None`` when the entry has none.
    """

    video: str
    signal: MotionSignal
    thresholds: Mapping[str, float]
    predictions: tuple[Interval, ...]
    truths: tuple[Interval, ...] | None


def truth_intervals(
    attrs: Mapping[str, Any], fps: float, micro_max_seconds: float = 0.5
) -> tuple[Interval, ...] | None:
    """The annotated intervals of a store entry, or ``None`` if it has none.

    ``attrs["intervals"]`` holds ``{"onset", "apex", "offset", "type"}``
    (0-based, inclusive) and, when the dataset gives an emotion, ``label``;
    ``type`` is ``"micro"`` or ``"macro"`` as the dataset says, else the
    interval's duration decides.

    >>> truth_intervals({"intervals": [{"onset": 5, "offset": 9, "type": "macro"},
    ...     {"onset": 20, "offset": 30, "label": "happiness"}]}, 30.0)
    (Interval(onset=5, offset=9, kind='macro', score=0.0, label=''), \
Interval(onset=20, offset=30, kind='micro', score=0.0, label='happiness'))
    >>> truth_intervals({"onset": 3}, 30.0) is None
    True
    """
    items = attrs.get("intervals")
    if not isinstance(items, list):
        return None
    truths = []
    for item in items:
        onset, offset = int(item["onset"]), int(item["offset"])
        kind = item.get("type")
        if kind not in ("micro", "macro"):
            kind = expression_kind(offset - onset + 1, fps, micro_max_seconds)
        label = item.get("label")
        truths.append(Interval(onset, offset, kind, label=str(label or "")))
    return tuple(sorted(truths))


def spot_signal(signal: MotionSignal, settings: SpotSettings) -> VideoSpotting:
    """Intervals and thresholds of one signal (``video`` left empty)."""
    thresholds = video_thresholds(signal, settings)
    predictions = tuple(find_intervals(signal, settings, thresholds))
    return VideoSpotting("", signal, thresholds, predictions, None)


def maximum_baseline(signal: MotionSignal, settings: SpotSettings) -> list[Interval]:
    """The trivial spotter: one interval at the fine signal's maximum.

    ``half_width_seconds`` either side of the highest frame, typed by its
    duration; nothing for an empty or flat (all-zero) signal.
    """
    fine = np.asarray(signal.micro)
    if len(fine) == 0 or not np.any(fine > 0):
        return []
    apex = int(np.argmax(fine))
    half = frames_for(settings.half_width_seconds, signal.fps)
    onset, offset = max(0, apex - half), min(len(fine) - 1, apex + half)
    kind = expression_kind(offset - onset + 1, signal.fps, settings.micro_max_seconds)
    return [Interval(onset, offset, kind, float(fine[apex]))]


def spot_entry(
    store: LandmarkStore,
    key: str,
    settings: SpotSettings | None = None,
    *,
    video: str | None = None,
) -> VideoSpotting:
    """Spot one store entry: its signal, thresholds, intervals and truths.

    The notebook view of :func:`run_spotting`'s per-video step (the same
    function runs there), e.g.::

        from samm_pipeline import open_store, spot_entry
        from samm_pipeline.viz import plot_spotting_timeline

        store = open_store("sammlv.zarr")
        spotted = spot_entry(store, "samm_lv/006_1")
        plot_spotting_timeline(spotted)

    Parameters
    ----------
    store
        An open landmark store.
    key
        The entry (``class/clip``); its landmarks are read window by window.
    settings
        The ``[spot]`` settings (default: their defaults).
    video
        The name to give it (default: its clip id).

    Returns
    -------
    VideoSpotting
        ``truths`` is ``None`` when the entry has no annotated intervals.

    Raises
    ------
    DataError
        The entry has no frame rate (or no such entry: ``KeyError``).
    """
    settings = settings or SpotSettings()
    attrs = store.entry_attrs(key)
    fps = attrs.get("fps")
    if not fps or fps <= 0:
        raise DataError(f"{key}: no frame rate in the entry; re-extract it")
    signal = motion_signal(
        store.landmark_array(key),
        float(fps),
        settings,
        width=attrs.get("width"),
        height=attrs.get("height"),
    )
    spotted = spot_signal(signal, settings)
    truth = truth_intervals(attrs, float(fps), settings.micro_max_seconds)
    name = video if video is not None else key.split("/", 1)[-1]
    return VideoSpotting(name, signal, spotted.thresholds, spotted.predictions, truth)
