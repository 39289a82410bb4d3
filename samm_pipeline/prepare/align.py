"""Time alignment of a landmark sequence to a fixed length (pure functions).

The reference method (kept as the default): the reference sequence is the clip
linearly resampled to ``target_length`` frames; fastdtw finds a warping path
between the clip and that reference; every reference slot becomes the mean of
the clip frames the path maps onto it. The reference script computed the DTW
distance on ``sequence[:, range(478)]`` of the flattened ``(T, 1434)`` array,
i.e. on the first 478 numbers (x, y, z of the first 159 landmarks and part
of the 160th), not on 478 landmarks; here DTW runs on the x, y, z of the
selected landmarks (all by default).

A sequence here is a float array ``(n_frames, n_features)`` with
``n_features = 3 * n_landmarks`` (landmark-major: x, y, z of landmark 0, then
of landmark 1...), without NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.landmarks import N_COORDS

DistanceKind = Literal["callable", "p2"]


def resample_linear(sequence: NDArray[np.floating], target_length: int) -> NDArray:
    """Resample ``(n_frames, n_features)`` to ``target_length`` frames linearly.

    Frame ``k`` of the result is taken at clip time ``k * (n - 1) / (L - 1)``,
    so the first and last frames are kept exactly.

    >>> resample_linear(np.array([[0.0], [2.0]]), 3).ravel().tolist()
    [0.0, 1.0, 2.0]
    """
    data = np.asarray(sequence, dtype=np.float64)
    n_frames = data.shape[0]
    if n_frames == 0:
        return np.zeros((target_length, data.shape[1]))
    if n_frames == 1:
        return np.repeat(data, target_length, axis=0)
    times = np.linspace(0.0, n_frames - 1, target_length)
    lower = np.floor(times).astype(int)
    upper = np.minimum(lower + 1, n_frames - 1)
    weight = (times - lower)[:, None]
    return data[lower] * (1.0 - weight) + data[upper] * weight


def feature_columns(landmarks: Sequence[int], n_landmarks: int) -> NDArray[np.intp]:
    """Columns of the x, y, z of ``landmarks`` in a flattened frame.

    An empty selection means every landmark.

    >>> feature_columns([0, 2], 3).tolist()
    [0, 1, 2, 6, 7, 8]
    """
    if len(landmarks) == 0:
        return np.arange(n_landmarks * N_COORDS)
    indices = np.asarray(landmarks, dtype=np.intp)
    if indices.min() < 0 or indices.max() >= n_landmarks:
        raise ValueError(
            f"landmark indices must be in 0..{n_landmarks - 1}, "
            f"got {indices.min()}..{indices.max()}"
        )
    return (indices[:, None] * N_COORDS + np.arange(N_COORDS)).ravel()


def fastdtw_is_compiled() -> bool:
    """Whether fastdtw's Cython extension is installed (it silently falls back
    to pure Python when it could not compile at install time)."""
    try:
        from fastdtw import _fastdtw  # noqa: F401
    except ImportError:
        return False
    return True


def default_distance() -> DistanceKind:
    """The faster of fastdtw's two distance paths on this installation.

    Measured side by side (``tests/benchmarks/bench_stage2.py``): with the
    pure-Python fastdtw, ``dist=2`` is 15-30% faster than a scipy callable on
    1,434-wide frames; with the Cython build the callable is about 3.5x
    faster than ``dist=2`` (measured: docs/performance.md). Both compute the Euclidean
    distance; paths differ at most where two are exactly equally short.
    """
    return "callable" if fastdtw_is_compiled() else "p2"


def dtw_path(
    sequence: NDArray[np.floating],
    reference: NDArray[np.floating],
    *,
    radius: int = 1,
    distance: DistanceKind | None = None,
) -> list[tuple[int, int]]:
    """fastdtw warping path between two ``(n, d)`` and ``(m, d)`` sequences.

    The path starts at ``(0, 0)``, ends at ``(n - 1, m - 1)`` and never goes
    back in either sequence.

    Parameters
    ----------
    distance
        ``"callable"`` passes ``scipy.spatial.distance.euclidean``; ``"p2"``
        uses fastdtw's own ``dist=2`` p-norm; ``None`` picks the faster one
        here (:func:`default_distance`). Both are the Euclidean distance.

    Examples
    --------
    >>> path = dtw_path(np.array([[0.0], [1.0], [2.0]]), np.array([[0.0], [2.0]]))
    >>> path[0], path[-1]
    ((0, 0), (2, 1))
    """
    from fastdtw import fastdtw

    if distance is None:
        distance = default_distance()
    if distance == "callable":
        from scipy.spatial.distance import euclidean

        metric: object = euclidean
    else:
        metric = 2
    _, path = fastdtw(
        np.asarray(sequence, dtype=np.float64),
        np.asarray(reference, dtype=np.float64),
        radius=radius,
        dist=metric,
    )
    return [(int(i), int(j)) for i, j in path]


def align_sequence(
    sequence: NDArray[np.floating],
    target_length: int,
    *,
    method: Literal["fastdtw", "linear"] = "fastdtw",
    radius: int = 1,
    columns: NDArray[np.intp] | None = None,
    distance: DistanceKind | None = None,
) -> NDArray[np.float32]:
    """Align a clip ``(n_frames, n_features)`` to ``(target_length, n_features)``.

    Parameters
    ----------
    sequence
        The clip, without NaN.
    target_length
        Frames of the result (the reference default is 20).
    method
        ``"fastdtw"`` (reference) or ``"linear"`` resampling only.
    radius
        fastdtw radius.
    columns
        Feature columns the DTW distance is computed on (see
        :func:`feature_columns`); all when ``None``.
    distance
        See :func:`dtw_path`.

    Returns
    -------
    numpy.ndarray
        float32 ``(target_length, n_features)``. A clip of exactly
        ``target_length`` frames comes back unchanged; a clip with fewer
        than 2 frames gives zeros, as the reference does (such clips are
        normally filtered out before).

    Examples
    --------
    >>> clip = np.arange(10, dtype=float).reshape(5, 2)
    >>> np.array_equal(align_sequence(clip, 5), clip)
    True
    >>> align_sequence(clip, 3).shape
    (3, 2)
    """
    data = np.asarray(sequence, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"sequence must be (n_frames, n_features), got {data.shape}")
    if target_length < 1:
        raise ValueError(f"target_length must be >= 1, got {target_length}")
    n_frames, n_features = data.shape
    if n_frames < 2:
        return np.zeros((target_length, n_features), dtype=np.float32)
    if n_frames == target_length:
        return data.astype(np.float32)
    reference = resample_linear(data, target_length)
    if method == "linear":
        return reference.astype(np.float32)
    selected = slice(None) if columns is None else columns
    path = dtw_path(
        data[:, selected], reference[:, selected], radius=radius, distance=distance
    )
    clip_index = np.fromiter((i for i, _ in path), dtype=np.intp, count=len(path))
    slot_index = np.fromiter((j for _, j in path), dtype=np.intp, count=len(path))
    sums = np.zeros((target_length, n_features))
    np.add.at(sums, slot_index, data[clip_index])
    counts = np.bincount(slot_index, minlength=target_length)[:, None]
    return (sums / counts).astype(np.float32)
