"""Blinks in a long video from the eyelid landmarks (pure).

FaceMesh moves far more than the eyelids when the eyes close: at a blink the
brows, the nose and the lips follow the eyes (3-11 times their typical
displacement on the demo's long videos), so a blink looks like a brow or
lip micro-expression to the motion signal. The spotter therefore finds the
blinks from the eyelids alone and suppresses the motion signal there
(:func:`~samm_pipeline.spot.signal.motion_signal`).

The eye openness of a frame is the distance of the upper from the lower
eyelid over the distance of the eye corners, both eyes pooled
(``(open_right + open_left) / (width_right + width_left)``): a ratio, so
independent of the face's size in the frame, and per frame, so independent of
the frame rate. A frame is a blink frame when its openness falls below
``fraction`` of the video's median openness (the eyes are open most of the
time); the blink frames are widened by ``margin_seconds`` either side (the
movement of brows and lids starts before and ends after the lids are below
the fraction; a duration in seconds, so 30 and 200 fps behave alike).

Memory stays flat in video length: frames are read :data:`WINDOW_FRAMES` at
a time (``landmarks`` may be a Zarr array) and one number per frame is kept.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import maximum_filter1d

from samm_pipeline.landmarks import (
    EYE_INNER_LEFT,
    EYE_INNER_RIGHT,
    EYE_OUTER_LEFT,
    EYE_OUTER_RIGHT,
    LOWER_EYELID_LEFT,
    LOWER_EYELID_RIGHT,
    UPPER_EYELID_LEFT,
    UPPER_EYELID_RIGHT,
)

WINDOW_FRAMES = 1024
"""Frames read at a time for the openness (a few landmarks of each)."""

EYE_POINTS = (
    UPPER_EYELID_RIGHT,
    LOWER_EYELID_RIGHT,
    EYE_OUTER_RIGHT,
    EYE_INNER_RIGHT,
    UPPER_EYELID_LEFT,
    LOWER_EYELID_LEFT,
    EYE_OUTER_LEFT,
    EYE_INNER_LEFT,
)
"""The landmarks the openness uses: per eye upper lid, lower lid, corners."""


def eye_openness(
    landmarks: Any,
    *,
    width: int | None = None,
    height: int | None = None,
) -> NDArray[np.float64]:
    """The eye openness of every frame (see the module notes).

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)``, NaN rows for frames without a face;
        a NumPy array or anything sliced along frames like one.
    width, height
        Frame size in pixels, so that x and y share one scale; unknown: as
        given.

    Returns
    -------
    numpy.ndarray
        ``(n_frames,)``: eyelid distance over eye-corner distance, both eyes
        pooled; NaN where no face was found (or the corners coincide).

    Examples
    --------
    >>> face = np.zeros((1, 478, 3))
    >>> face[0, [EYE_INNER_RIGHT, EYE_INNER_LEFT], 0] = 0.3, 0.6
    >>> face[0, [EYE_OUTER_LEFT], 0] = 0.9
    >>> face[0, [UPPER_EYELID_RIGHT, UPPER_EYELID_LEFT], 1] = -0.05, -0.1
    >>> face[0, [LOWER_EYELID_RIGHT, LOWER_EYELID_LEFT], 1] = 0.05, 0.1
    >>> eye_openness(face).round(3).tolist()
    [0.5]
    """
    shape = tuple(getattr(landmarks, "shape", np.shape(landmarks)))
    if len(shape) != 3 or shape[2] < 2 or shape[1] <= max(EYE_POINTS):
        raise ValueError(
            "landmarks must be (n_frames, n_landmarks, 3) with 468 or 478 "
            f"landmarks, got shape {shape}"
        )
    scale = np.array([float(width), float(height)] if width and height else [1.0, 1.0])
    out = np.empty(shape[0])
    for start in range(0, shape[0], WINDOW_FRAMES):
        block = np.asarray(landmarks[start : start + WINDOW_FRAMES], dtype=np.float64)
        xy = block[:, list(EYE_POINTS), :2] * scale  # (n, 8, 2)
        lids = np.linalg.norm(xy[:, [0, 4]] - xy[:, [1, 5]], axis=2).sum(axis=1)
        corners = np.linalg.norm(xy[:, [2, 6]] - xy[:, [3, 7]], axis=2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = lids / corners
        out[start : start + len(block)] = np.where(corners > 0, ratio, np.nan)
    return out


def blink_frames(
    openness: NDArray[np.floating],
    fps: float,
    fraction: float,
    margin_seconds: float,
) -> NDArray[np.bool_]:
    """The frames of blinks: openness below ``fraction`` of its median, widened.

    Parameters
    ----------
    openness
        ``(n_frames,)`` eye openness (:func:`eye_openness`), NaN where no
        face was found (never a blink frame).
    fps
        Frames per second (> 0).
    fraction
        A frame is closed when its openness is below ``fraction`` times the
        median openness of the video.
    margin_seconds
        Closed frames are widened by this either side (rounded to frames).

    Returns
    -------
    numpy.ndarray
        ``(n_frames,)`` booleans.

    Examples
    --------
    >>> openness = np.array([1.0, 1.0, 1.0, 0.2, 1.0, 1.0, 1.0, np.nan])
    >>> blink_frames(openness, 10.0, 0.75, 0.1).astype(int).tolist()
    [0, 0, 1, 1, 1, 0, 0, 0]
    """
    data = np.asarray(openness, dtype=np.float64)
    if not np.isfinite(data).any():
        return np.zeros(len(data), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        typical = float(np.nanmedian(data))
    with np.errstate(invalid="ignore"):
        closed = np.isfinite(data) & (data < fraction * typical)
    margin = max(0, round(margin_seconds * fps))
    if margin and closed.any():
        closed = maximum_filter1d(closed.astype(np.uint8), size=2 * margin + 1) > 0
    return closed
