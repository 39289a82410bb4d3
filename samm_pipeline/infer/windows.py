"""Window helpers of the streaming detector: its length and its motion energy.

Used by :mod:`~samm_pipeline.infer.detect` (the sliding window, the motion
gate, the spot gate's intervals) and :mod:`~samm_pipeline.infer.spotted` (a
spotted interval widened to the model's clip length). Light: NumPy and the
normalisation step only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import DetectConfig
from samm_pipeline.infer.trained import TrainedModel
from samm_pipeline.prepare.normalize import stabilised_landmarks
from samm_pipeline.spot.intervals import Interval

MOTION_TOP_LANDMARKS = 10
"""Landmarks whose displacement makes up the motion energy (see
:func:`motion_energy`)."""


def motion_energy(
    landmarks: NDArray[np.floating], width: int | None, height: int | None
) -> float:
    """How much the face moves within a window, head motion removed, in pixels.

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)`` normalised FaceMesh coordinates,
        without NaN rows.
    width, height
        Frame size, to measure in pixels (``None``: normalised units).

    Returns
    -------
    float
        The peak over frames of the mean distance (x, y) of the
        :data:`MOTION_TOP_LANDMARKS` most displaced landmarks from their
        median position in the window, after every frame is aligned to the
        first by the same Procrustes fit the training uses.

    Notes
    -----
    A micro-expression moves a few landmarks (a mouth corner, a brow) by a
    few pixels; a mean over all 478 would dilute that fifty-fold below the
    tracker's jitter, so only the most displaced landmarks count. A still
    face scores about the jitter (under 1 px at 512 px).

    Examples
    --------
    >>> still = np.zeros((5, 478, 3)); still[..., 0] = np.linspace(0, 1, 478)
    >>> still[..., 1] = np.linspace(1, 0, 478) ** 2
    >>> motion_energy(still, 100, 100)
    0.0
    """
    if len(landmarks) < 2:
        return 0.0
    aligned = stabilised_landmarks(landmarks, width, height)[..., :2]
    median = np.median(aligned, axis=0)
    distances = np.linalg.norm(aligned - median, axis=-1)
    top = min(MOTION_TOP_LANDMARKS, distances.shape[1])
    largest = np.partition(distances, distances.shape[1] - top, axis=1)[:, -top:]
    return float(largest.mean(axis=1).max())


def window_frames(
    trained: TrainedModel, fps: float | None, config: DetectConfig
) -> int:
    """Frames in the sliding window: ``config.window``, else from the model.

    The model's median training-clip duration times ``fps`` when both are
    known, else its median training-clip frame count, else its
    ``target_length``; never fewer than ``config.min_frames``.
    """
    if config.window > 0:
        frames = config.window
    elif trained.clip_seconds and fps:
        frames = round(trained.clip_seconds * fps)
    elif trained.clip_frames:
        frames = round(trained.clip_frames)
    else:
        frames = trained.target_length
    return max(int(frames), config.min_frames)


def recognition_span(
    interval: Interval, min_frames: int, n_frames: int
) -> tuple[int, int]:
    """Frames ``start:stop`` to classify for a spotted interval.

    Recognition models are trained on onset-to-offset clips, so a spotted
    interval stands for a clip; one shorter than the model's clips is too
    short to classify (and unlike anything the model saw), so it is widened.

    The interval itself when it has at least ``min_frames`` frames, else
    ``min_frames`` frames around its centre, shifted to stay within the
    video's ``n_frames``.

    >>> recognition_span(Interval(100, 129), 10, 1000)
    (100, 130)
    >>> recognition_span(Interval(100, 103), 10, 1000)
    (97, 107)
    >>> recognition_span(Interval(1, 3), 10, 1000)
    (0, 10)
    >>> recognition_span(Interval(996, 998), 10, 1000)
    (990, 1000)
    """
    start, stop = interval.onset, interval.offset + 1
    missing = min_frames - (stop - start)
    if missing > 0:
        start -= missing // 2
        stop = start + min_frames
        shift = max(0, -start) - max(0, stop - n_frames)
        start, stop = start + shift, stop + shift
    return max(0, start), min(n_frames, stop)
