"""Spatial clean-up of landmark sequences (pure functions).

- :func:`fill_missing`: frames without a face (NaN rows) dropped, as the
  reference does, or linearly interpolated.
- :func:`remove_head_motion`: every frame rigidly aligned to the clip's first
  frame by a similarity Procrustes fit (rotation, uniform scale, translation)
  on the x, y of stable landmarks. Head motion is larger than a 2-4 px
  micro-expression; without this step the classifier mostly sees the head.
- :func:`zscore`: the reference's per-clip, per-feature standardisation, and
  :func:`zscore_clip`: each feature centred on its median over time, the
  whole clip divided by one deviation (the default; see its Notes).

Landmark arrays are ``(n_frames, n_landmarks, 3)``; flattened sequences are
``(n_frames, 3 * n_landmarks)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.landmarks import STABLE_LANDMARKS

ZSCORE_EPSILON = 1e-8
"""Added to the standard deviation, so a constant feature becomes 0, not NaN."""


def fill_missing(
    landmarks: NDArray[np.floating], mode: Literal["drop", "interpolate"] = "drop"
) -> NDArray[np.float64]:
    """Remove NaN frames (``"drop"``) or interpolate them over time.

    Interpolation is linear between the nearest frames with a face; leading
    and trailing gaps take the nearest such frame. The input is not changed.

    >>> clip = np.array([[[0.0, 0, 0]], [[np.nan] * 3], [[2.0, 2, 2]]])
    >>> fill_missing(clip, "drop").shape
    (2, 1, 3)
    >>> fill_missing(clip, "interpolate")[1, 0].tolist()
    [1.0, 1.0, 1.0]
    """
    data = np.asarray(landmarks, dtype=np.float64)
    present = ~np.isnan(data).any(axis=tuple(range(1, data.ndim)))
    if mode == "drop" or present.all() or not present.any():
        return data[present].copy()
    frames = np.arange(len(data))
    flat = data.reshape(len(data), -1)
    filled = np.empty_like(flat)
    known = frames[present]
    for column in range(flat.shape[1]):
        filled[:, column] = np.interp(frames, known, flat[present, column])
    return filled.reshape(data.shape)


def similarity_transforms(
    points: NDArray[np.floating], reference: NDArray[np.floating]
) -> tuple[NDArray, NDArray, NDArray]:
    """Least-squares similarity maps taking each frame's points onto ``reference``.

    Parameters
    ----------
    points
        ``(n_frames, k, 2)`` anchor points per frame.
    reference
        ``(k, 2)`` anchor points to map onto.

    Returns
    -------
    scale, rotation, translation
        ``(n_frames,)``, ``(n_frames, 2, 2)``, ``(n_frames, 2)`` such that
        ``scale * p @ rotation.T + translation`` approximates ``reference``
        (Umeyama's method; proper rotations only, no reflection).
    """
    source = np.asarray(points, dtype=np.float64)
    target = np.asarray(reference, dtype=np.float64)
    source_mean = source.mean(axis=1, keepdims=True)
    target_mean = target.mean(axis=0)
    centred = source - source_mean
    target_centred = target - target_mean
    covariance = np.einsum("ki,tkj->tij", target_centred, centred) / source.shape[1]
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.sign(np.linalg.det(u @ vt))
    correction = np.ones((len(source), 2))
    correction[:, 1] = np.where(sign == 0, 1.0, sign)
    rotation = u @ (correction[:, :, None] * vt)
    variance = (centred**2).sum(axis=(1, 2)) / source.shape[1]
    scale = (singular * correction).sum(axis=1) / np.maximum(variance, 1e-12)
    translation = target_mean - scale[:, None] * np.einsum(
        "tij,tj->ti", rotation, source_mean[:, 0, :]
    )
    return scale, rotation, translation


def remove_head_motion(
    landmarks: NDArray[np.floating],
    *,
    stable: Sequence[int] = STABLE_LANDMARKS,
) -> NDArray[np.float64]:
    """Align every frame to the first by a similarity fit on ``stable`` landmarks.

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)`` in pixel-proportional units (x and y on
        the same scale), without NaN.
    stable
        Landmarks that barely move with expressions (the fit's anchors).

    Returns
    -------
    numpy.ndarray
        Same shape: x, y mapped by each frame's fitted transform; z scaled by
        the same factor. The first frame is unchanged.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> face = rng.random((1, 30, 3))
    >>> turn = np.array([[0.0, -1.0], [1.0, 0.0]])  # 90 degrees
    >>> moved = face.copy(); moved[..., :2] = 2.0 * face[..., :2] @ turn.T + 5.0
    >>> clip = np.concatenate([face, moved])
    >>> out = remove_head_motion(clip, stable=range(30))
    >>> bool(np.allclose(out[1, :, :2], face[0, :, :2]))
    True
    """
    data = np.asarray(landmarks, dtype=np.float64)
    anchors = list(stable)
    scale, rotation, translation = similarity_transforms(
        data[:, anchors, :2], data[0, anchors, :2]
    )
    out = np.empty_like(data)
    out[..., :2] = (
        scale[:, None, None] * np.einsum("tij,tkj->tki", rotation, data[..., :2])
        + translation[:, None, :]
    )
    out[..., 2] = data[..., 2] * scale[:, None]
    return out


def zscore(sequence: NDArray[np.floating]) -> NDArray[np.float64]:
    """Standardise each feature of one clip over time (the reference's step).

    >>> np.round(zscore(np.array([[1.0, 5.0], [3.0, 5.0]])), 6).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    data = np.asarray(sequence, dtype=np.float64)
    return (data - data.mean(axis=0)) / (data.std(axis=0) + ZSCORE_EPSILON)


def zscore_clip(sequence: NDArray[np.floating]) -> NDArray[np.float64]:
    """Centre each feature on its median over time; divide by the clip's deviation.

    Notes
    -----
    Two changes to the reference's per-feature z-score, each measured on the
    demo data (LOSO, same model and epochs; docs/findings.md,
    "Standardisation"):

    - *One scale per clip.* The reference divides every feature by its own
      standard deviation. After head motion is removed most landmarks only
      jitter (about 0.3 px on FaceMesh) while a micro-expression moves a few
      by 2-4 px; per-feature division makes the jitter of still landmarks
      look exactly as large as the expression, and which landmarks moved
      (the class) is lost.
    - *Median, not mean.* A micro-expression occupies a minority of a clip's
      frames, so the median is the neutral level and a movement stays
      one-signed (brows up is negative, brows down positive). Mean-centring
      gives every bump an opposite baseline of equal area, and the model's
      ReLU + global-average-pooling path then sees a bump and its mirror
      image almost alike: brows up (surprise) and down (anger) were confused.

    >>> out = zscore_clip(np.array([[0.0, 10.0], [2.0, 10.0]]))
    >>> np.round(out, 4).tolist()
    [[-1.4142, 0.0], [1.4142, 0.0]]
    >>> round(float(out.std()), 6)
    1.0
    """
    data = np.asarray(sequence, dtype=np.float64)
    centred = data - np.median(data, axis=0)
    return centred / (centred.std() + ZSCORE_EPSILON)


def to_pixel_units(
    landmarks: NDArray[np.floating], width: int | None, height: int | None
) -> NDArray[np.float64]:
    """Scale MediaPipe's normalised x, y (and z, which follows x) to pixels.

    MediaPipe divides x by the width and y by the height, so a rotation is
    not rigid in those units unless the frame is square; Procrustes needs
    both axes on one scale. Unknown sizes leave the data as it is.
    """
    data = np.asarray(landmarks, dtype=np.float64).copy()
    if width and height:
        data[..., 0] *= width
        data[..., 1] *= height
        data[..., 2] *= width
    return data


def stabilised_landmarks(
    landmarks: NDArray[np.floating],
    width: int | None,
    height: int | None,
    *,
    head_motion: bool = True,
) -> NDArray[np.float64]:
    """Landmarks in pixels with head motion removed, NaN rows kept in place.

    For looking at motion (figures, the streaming detector's motion gate):
    frames without a face are interpolated for the Procrustes fit (the same
    :func:`remove_head_motion` training uses, on
    :data:`~samm_pipeline.landmarks.STABLE_LANDMARKS`) and set back to NaN
    afterwards, so the result stays frame-aligned with the video. Sizes
    unknown: MediaPipe's normalised units.
    """
    data = to_pixel_units(landmarks, width, height)
    present = ~np.isnan(data).any(axis=tuple(range(1, data.ndim)))
    if not present.any():
        return data
    filled = fill_missing(data, "interpolate")
    if head_motion and max(STABLE_LANDMARKS) < data.shape[1]:
        filled = remove_head_motion(filled, stable=STABLE_LANDMARKS)
    filled[~present] = np.nan
    return filled
