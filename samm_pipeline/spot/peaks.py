"""From a motion signal to expression intervals (pure).

At each of two time scales (the fine ``micro`` and coarse ``macro`` smoothing
of :class:`~samm_pipeline.spot.signal.MotionSignal`), peaks above a threshold
set relative to the video (``mean + p * (max - mean)``, never below
``min_height``; the fine one over the frames outside the macro-expressions
found first, :func:`video_thresholds`) at least ``peak_distance_seconds``
apart are found with :func:`scipy.signal.find_peaks`. Each peak becomes an
interval on the fine signal: from the peak (a coarse peak first moves to the
fine signal's highest frame within the coarse window) outwards to where the
fine signal falls below ``base + edge_fraction * (peak - base)``, ``base``
being the video's median (``widen = "level"``), or peak +-
``half_width_seconds`` (``widen = "fixed"``, the usual MEGC baseline rule).
Intervals that overlap or lie within ``merge_gap_seconds`` are merged, and
each is micro or macro by its duration (micro <= ``micro_max_seconds``).

Why widen on the fine signal: a coarse moving mean stretches a 0.3 s
movement to nearly 0.8 s, which would make every micro-expression look like a
macro-expression; the coarse scale only decides *that* something slow moved.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks

from samm_pipeline.spot.intervals import Interval, merge_intervals
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.signal import MotionSignal, frames_for


def relative_threshold(
    values: NDArray[np.floating], fraction: float, floor: float = -np.inf
) -> float:
    """The per-video threshold ``mean + fraction * (max - mean)``, at least ``floor``.

    >>> relative_threshold(np.array([0.0, 0.0, 0.0, 4.0]), 0.5)
    2.5
    >>> relative_threshold(np.array([0.0, 0.0, 0.0, 4.0]), 0.5, floor=3.0)
    3.0
    """
    data = np.asarray(values, dtype=np.float64)
    if len(data) == 0:
        return float(floor)
    mean = float(data.mean())
    return max(mean + fraction * (float(data.max()) - mean), float(floor))


def signal_peaks(
    values: NDArray[np.floating],
    fps: float,
    settings: SpotSettings,
    threshold: float | None = None,
) -> NDArray[np.intp]:
    """Frames of the peaks of one smoothed signal above its threshold.

    ``threshold`` defaults to the signal's own :func:`relative_threshold`
    (the streaming spotter passes one from the stream so far).
    """
    data = np.asarray(values, dtype=np.float64)
    if len(data) == 0:
        return np.zeros(0, dtype=np.intp)
    if threshold is None:
        threshold = relative_threshold(
            data, settings.threshold_fraction, settings.min_height
        )
    distance = frames_for(settings.peak_distance_seconds, fps)
    peaks, _ = find_peaks(data, height=threshold, distance=distance)
    return peaks


def widen_peak(
    fine: NDArray[np.floating],
    apex: int,
    level: float,
    max_frames: int,
) -> tuple[int, int]:
    """Onset and offset around ``apex``: the run of frames with ``fine >= level``.

    The search stops ``max_frames`` either side of the apex.

    >>> widen_peak(np.array([0.0, 1, 3, 5, 3, 1, 0]), 3, 2.0, 10)
    (2, 4)
    """
    lo = max(0, apex - max_frames)
    hi = min(len(fine), apex + max_frames + 1)
    left = fine[lo:apex][::-1] < level
    right = fine[apex + 1 : hi] < level
    onset = apex - int(np.argmax(left)) if left.any() else lo
    offset = apex + int(np.argmax(right)) if right.any() else hi - 1
    return onset, offset


def video_thresholds(signal: MotionSignal, settings: SpotSettings) -> dict[str, float]:
    """The per-video thresholds of the fine (``micro``) and coarse (``macro``) signals.

    Each is ``mean + p (max - mean)``, at least ``min_height``. With
    ``threshold_outside_macro`` the fine signal's is taken over the frames
    outside the macro-expressions found first (with both thresholds on the
    whole video): otherwise one strong macro-expression sets the fine
    threshold for its whole video and hides its micro-expressions
    (docs/spotting.md has the measurements).

    "Macro" is any first-pass interval longer than ``micro_max_seconds``,
    two micro peaks merged into one included. The final intervals come from
    a second pass with these thresholds, so with the lower fine threshold a
    macro-expression's edges can differ from the first pass's. Timelines
    draw the fine threshold returned here across the whole video.
    """
    fraction, floor = settings.threshold_fraction, settings.min_height
    fine = np.asarray(signal.micro, dtype=np.float64)
    thresholds = {
        "micro": relative_threshold(fine, fraction, floor),
        "macro": relative_threshold(np.asarray(signal.macro), fraction, floor),
    }
    if not settings.threshold_outside_macro or len(fine) == 0:
        return thresholds
    outside = np.ones(len(fine), dtype=bool)
    for found in find_intervals(signal, settings, thresholds):
        if found.kind == "macro":
            outside[found.onset : found.offset + 1] = False
    if outside.any():
        thresholds["micro"] = relative_threshold(fine[outside], fraction, floor)
    return thresholds


def find_intervals(
    signal: MotionSignal,
    settings: SpotSettings,
    thresholds: Mapping[str, float] | None = None,
) -> list[Interval]:
    """The expression intervals of one video's motion signal (module notes).

    ``thresholds`` (``{"micro": ..., "macro": ...}``) replaces the per-video
    thresholds of the fine and coarse signals (default:
    :func:`video_thresholds`; the streaming spotter passes its own, from
    what it has seen so far).

    Returns
    -------
    list of Interval
        Sorted by onset, not overlapping; ``score`` is the fine signal at the
        interval's highest peak.
    """
    if thresholds is None:
        thresholds = video_thresholds(signal, settings)
    fps = signal.fps
    fine = np.asarray(signal.micro, dtype=np.float64)
    if len(fine) == 0:
        return []
    base = float(np.median(fine))
    coarse_half = frames_for(settings.macro_smooth_seconds, fps) // 2
    max_frames = frames_for(settings.baseline_seconds / 2, fps)
    half_width = frames_for(settings.half_width_seconds, fps)
    apexes = set(signal_peaks(fine, fps, settings, thresholds["micro"]).tolist())
    coarse = signal_peaks(signal.macro, fps, settings, thresholds["macro"])
    for peak in coarse.tolist():
        lo, hi = max(0, peak - coarse_half), min(len(fine), peak + coarse_half + 1)
        apexes.add(lo + int(np.argmax(fine[lo:hi])))
    candidates = []
    for apex in sorted(apexes):
        height = float(fine[apex])
        if settings.widen == "fixed":
            onset, offset = (
                max(0, apex - half_width),
                min(len(fine) - 1, apex + half_width),
            )
        else:
            level = base + settings.edge_fraction * (height - base)
            onset, offset = widen_peak(fine, apex, level, max_frames)
        candidates.append(Interval(onset, offset, "micro", height))
    return merge_intervals(
        candidates,
        fps,
        gap_frames=round(settings.merge_gap_seconds * fps),
        micro_max_seconds=settings.micro_max_seconds,
    )
