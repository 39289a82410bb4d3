"""The per-frame motion signal of a long video, head motion removed (pure).

For every frame: the x, y of the selected regions' landmarks are mapped onto
a reference frame by a similarity Procrustes fit on the stable landmarks
(:func:`~samm_pipeline.prepare.normalize.similarity_transforms`, the fit
training uses), in units of the reference's outer-eye-corner distance. Each
region's displacement is the root mean square distance of its landmarks from
a *sliding neutral baseline*: their median position over
``baseline_seconds`` centred on the frame. Dividing by the region's typical
(median) displacement puts every region in units of its own jitter; the
combined signal is the root mean square over regions of the part above 1
(about 0 on an ordinary frame), and moving means at the micro and macro time
scales smooth it. Blink frames (``blink_suppression``; eyelid landmarks,
:mod:`~samm_pipeline.spot.blink`) get a combined signal of 0 before the
smoothing: FaceMesh moves brows, nose and lips along with a blink.

Why a root mean square of the excess: expressions are local (brows alone,
lips alone). A plain mean over six regions divides a one-region movement by
six and adds the jitter of the five still ones; the RMS of the excess over
the typical level lets a region moving alone count ``1 / sqrt(n_regions)``
of its excess, and still regions (ratio about 1) add almost nothing.

Memory stays flat in video length: frames are read window by window
(``landmarks`` may be a lazily read array, e.g. a Zarr array, indexed with
``landmarks[start:stop]``), the baseline is evaluated every
:data:`BASELINE_STEP_SECONDS` from about :data:`BASELINE_SAMPLES_PER_SECOND`
frames per second of the window and interpolated in between, and what is
kept for the whole video is a few numbers per frame (``n_frames x
n_regions``).

Landmark arrays are ``(n_frames, n_landmarks, 3)`` (468 or 478 landmarks),
MediaPipe's normalised coordinates, a NaN row where no face was found.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import uniform_filter1d

from samm_pipeline.landmarks import (
    EYE_OUTER_LEFT,
    EYE_OUTER_RIGHT,
    REGIONS,
    STABLE_LANDMARKS,
)
from samm_pipeline.prepare.normalize import similarity_transforms
from samm_pipeline.spot.blink import blink_frames, eye_openness
from samm_pipeline.spot.settings import SpotSettings

BASELINE_STEP_SECONDS = 0.25
"""The sliding baseline is computed on this grid and interpolated between."""

BASELINE_SAMPLES_PER_SECOND = 30.0
"""Frames per second of window the baseline median uses (all of them at 30 fps,
every 7th at 200 fps): the median of a few hundred frames is as good as of
all, at a fraction of the cost."""

NOISE_FLOOR = 1e-3
"""Smallest typical displacement a region is divided by, in eye-corner
distances (about 0.1 px for a face 100 px across the eyes, below FaceMesh's
jitter): noise-free synthetic data does not divide by zero."""

GRID_POINTS_PER_BATCH = 32
"""Baseline grid points handled together; bounds the memory of one batch."""


@dataclass(frozen=True)
class MotionSignal:
    """The motion signal of one video and its parts.

    Attributes
    ----------
    fps
        Frames per second of the video.
    regions
        Region names, in the column order of ``displacement``.
    displacement
        ``(n_frames, n_regions)``: each region's RMS landmark distance from
        its sliding neutral baseline, in eye-corner distances; frames without
        a face are interpolated from their neighbours.
    noise
        ``(n_regions,)``: each region's typical (median) displacement.
    combined
        ``(n_frames,)``: root mean square over regions of
        ``max(displacement / noise - 1, 0)``; 0 on ``blinks`` frames.
    micro, macro
        ``combined`` smoothed by moving means of ``micro_smooth_seconds`` and
        ``macro_smooth_seconds``.
    present
        ``(n_frames,)``: whether FaceMesh found a face in the frame.
    blinks
        ``(n_frames,)``: the blink frames where ``combined`` was set to 0
        (:func:`~samm_pipeline.spot.blink.blink_frames`), or ``None`` when
        blink suppression was off.
    """

    fps: float
    regions: tuple[str, ...]
    displacement: NDArray[np.float64]
    noise: NDArray[np.float64]
    combined: NDArray[np.float64]
    micro: NDArray[np.float64]
    macro: NDArray[np.float64]
    present: NDArray[np.bool_]
    blinks: NDArray[np.bool_] | None = None

    @property
    def n_frames(self) -> int:
        """Frames of the video."""
        return len(self.combined)


def frames_for(seconds: float, fps: float) -> int:
    """A duration in whole frames, at least 1.

    >>> frames_for(0.1, 30.0), frames_for(0.1, 200.0), frames_for(0.0, 30.0)
    (3, 20, 1)
    """
    return max(1, round(seconds * fps))


def smooth(values: NDArray[np.floating], seconds: float, fps: float) -> NDArray:
    """Centred moving mean over ``seconds`` (edges repeat the end values).

    >>> smooth(np.array([0.0, 0.0, 3.0, 0.0, 0.0]), 0.3, 10.0).tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    data = np.asarray(values, dtype=np.float64)
    if len(data) == 0:
        return data.copy()
    return uniform_filter1d(data, size=frames_for(seconds, fps), mode="nearest")


def motion_signal(
    landmarks: Any,
    fps: float,
    settings: SpotSettings | None = None,
    *,
    width: int | None = None,
    height: int | None = None,
) -> MotionSignal:
    """The motion signal of a landmark sequence (see the module notes).

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)``, NaN rows for frames without a face;
        a NumPy array or anything sliced along frames like one (read one
        window at a time).
    fps
        Frames per second (> 0).
    settings
        The spotter's settings (default: :class:`SpotSettings` defaults).
    width, height
        Frame size in pixels, so that x and y share one scale (MediaPipe
        divides x by the width and y by the height); unknown: as given.

    Returns
    -------
    MotionSignal

    Raises
    ------
    ValueError
        ``fps`` not positive, or ``landmarks`` not ``(n_frames,
        n_landmarks, 3)`` with every landmark the regions need.
    """
    settings = settings or SpotSettings()
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps}")
    shape = tuple(getattr(landmarks, "shape", np.shape(landmarks)))
    regions = tuple(settings.regions)
    points = [index for name in regions for index in REGIONS[name]]
    anchors = list(STABLE_LANDMARKS)
    needed = anchors + points
    if len(shape) != 3 or shape[2] < 2 or shape[1] <= max(needed):
        raise ValueError(
            "landmarks must be (n_frames, n_landmarks, 3) with 468 or 478 "
            f"landmarks, got shape {shape}"
        )
    n_frames = shape[0]
    scale = np.array([float(width), float(height)] if width and height else [1.0, 1.0])
    reader = _AlignedReader(landmarks, needed, len(anchors), scale)
    if settings.position_smooth_seconds > 0:
        reader.smooth_frames = frames_for(settings.position_smooth_seconds, fps)
    displacement = np.full((n_frames, len(regions)), np.nan)
    present = np.zeros(n_frames, dtype=bool)
    if reader.find_reference(n_frames):
        sizes = [len(REGIONS[name]) for name in regions]
        _fill_displacement(reader, fps, settings, sizes, displacement, present)
    displacement = _interpolate_missing(displacement, present)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no face anywhere
        typical = np.nanmedian(displacement[present], axis=0) if present.any() else None
    noise = np.maximum(
        np.nan_to_num(typical, nan=0.0) if typical is not None else 0.0, NOISE_FLOOR
    ) * np.ones(len(regions))
    excess = np.clip(displacement / noise - 1.0, 0.0, None)
    combined = np.sqrt((excess**2).mean(axis=1))
    if not present.any():
        combined = np.zeros(n_frames)
    blinks = None
    if settings.blink_suppression:
        openness = eye_openness(landmarks, width=width, height=height)
        blinks = blink_frames(
            openness,
            fps,
            settings.blink_openness_fraction,
            settings.blink_margin_seconds,
        )
        combined[blinks] = 0.0
    return MotionSignal(
        fps=float(fps),
        regions=regions,
        displacement=displacement,
        noise=noise,
        combined=combined,
        micro=smooth(combined, settings.micro_smooth_seconds, fps),
        macro=smooth(combined, settings.macro_smooth_seconds, fps),
        present=present,
        blinks=blinks,
    )


class _AlignedReader:
    """Reads frame windows as aligned region points (eye-corner units)."""

    def __init__(
        self, landmarks: Any, needed: list[int], n_anchors: int, scale: NDArray
    ) -> None:
        self.landmarks = landmarks
        self.needed = np.asarray(needed)
        self.n_anchors = n_anchors
        self.scale = scale
        self.reference: NDArray[np.float64] | None = None
        self.unit = 1.0
        self.smooth_frames = 1

    def raw(self, start: int, stop: int) -> NDArray[np.float64]:
        block = np.asarray(self.landmarks[start:stop], dtype=np.float64)
        return block[:, self.needed, :2] * self.scale

    def find_reference(self, n_frames: int, window: int = 1024) -> bool:
        """Take the first frame with a face as the reference; ``False``: none."""
        eyes = [EYE_OUTER_RIGHT, EYE_OUTER_LEFT]
        for start in range(0, n_frames, window):
            block = np.asarray(self.landmarks[start : start + window], dtype=np.float64)
            valid = np.flatnonzero(~np.isnan(block).any(axis=(1, 2)))
            if len(valid):
                frame = block[valid[0], :, :2] * self.scale
                self.reference = frame[self.needed[: self.n_anchors]]
                self.unit = float(np.linalg.norm(frame[eyes[0]] - frame[eyes[1]]))
                self.unit = self.unit if self.unit > 0 else 1.0
                return True
        return False

    def aligned(self, start: int, stop: int) -> tuple[NDArray, NDArray]:
        """Region points ``(n, n_points, 2)`` of frames ``start:stop``, and presence."""
        raw = self.raw(start, stop)
        present = ~np.isnan(raw).any(axis=(1, 2))
        out = np.full((len(raw), len(self.needed) - self.n_anchors, 2), np.nan)
        if present.any():
            kept = raw[present]
            scale, rotation, translation = similarity_transforms(
                kept[:, : self.n_anchors], self.reference
            )
            moved = (
                scale[:, None, None]
                * np.einsum("tij,tkj->tki", rotation, kept[:, self.n_anchors :])
                + translation[:, None, :]
            )
            out[present] = moved / self.unit
        if self.smooth_frames > 1 and present.any():
            out = smooth_positions(out, present, self.smooth_frames)
        return out, present


def _fill_displacement(
    reader: _AlignedReader,
    fps: float,
    settings: SpotSettings,
    sizes: list[int],
    displacement: NDArray,
    present: NDArray,
) -> None:
    """Region displacements of every frame, written into the given arrays."""
    n_frames = len(displacement)
    step = frames_for(BASELINE_STEP_SECONDS, fps)
    half = frames_for(settings.baseline_seconds / 2, fps)
    stride = max(1, round(fps / BASELINE_SAMPLES_PER_SECOND))
    offsets = np.arange(-half, half + 1, stride)
    grid = np.unique(np.r_[np.arange(0, n_frames, step), n_frames - 1])
    starts = np.cumsum([0, *sizes])[:-1]
    for first in range(0, max(len(grid) - 1, 1), GRID_POINTS_PER_BATCH):
        points = grid[first : first + GRID_POINTS_PER_BATCH + 1]
        lo = max(0, int(points[0]) - half)
        hi = min(n_frames, int(points[-1]) + half + 1)
        features, seen = reader.aligned(lo, hi)
        padded = np.concatenate([features, np.full((1, *features.shape[1:]), np.nan)])
        index = points[:, None] + offsets[None, :] - lo
        index[(index < 0) | (index >= len(features))] = len(features)
        baseline = nanmedian_axis1(padded[index])  # (G, n_points, 2)
        last = len(grid) - 1 == first + len(points) - 1
        frames = np.arange(points[0], points[-1] + (1 if last else 0))
        if len(points) == 1:
            weights, left = np.zeros(len(frames)), np.zeros(len(frames), dtype=int)
        else:
            left = np.minimum(
                np.searchsorted(points, frames, "right") - 1, len(points) - 2
            )
            span = points[left + 1] - points[left]
            weights = (frames - points[left]) / span
        reference = (1 - weights)[:, None, None] * baseline[left] + weights[
            :, None, None
        ] * baseline[np.minimum(left + 1, len(points) - 1)]
        squared = ((features[frames - lo] - reference) ** 2).sum(axis=2)
        per_region = np.add.reduceat(squared, starts, axis=1) / np.asarray(sizes)
        displacement[frames] = np.sqrt(per_region)
        present[frames] = seen[frames - lo]


def smooth_positions(
    points: NDArray[np.floating], present: NDArray[np.bool_], frames: int
) -> NDArray[np.float64]:
    """Centred moving mean over ``frames`` of each point's track, faces only.

    A normalised moving mean: frames without a face (``present`` false, NaN
    rows) neither count nor get a value; near a gap or an end the mean is over
    the frames that have one.

    >>> track = np.array([0.0, 3.0, np.nan, 3.0, 0.0])[:, None, None]
    >>> seen = ~np.isnan(track[:, 0, 0])
    >>> smooth_positions(track, seen, 3)[:, 0, 0].tolist()
    [1.5, 1.5, nan, 1.5, 1.5]
    """
    values = np.where(present[:, None, None], points, 0.0)
    weights = uniform_filter1d(present.astype(np.float64), frames, mode="constant")
    total = uniform_filter1d(values, frames, axis=0, mode="constant")
    out = np.full(points.shape, np.nan)
    out[present] = total[present] / weights[present, None, None]
    return out


def nanmedian_axis1(values: NDArray[np.floating]) -> NDArray[np.float64]:
    """``np.nanmedian(values, axis=1)`` by one sort (NaN where all are NaN).

    NumPy's ``nanmedian`` goes through masked arrays for axes shorter than
    600, about 20 times slower here than sorting (NaNs sort last) and
    taking the middle of the finite values.

    >>> data = np.array([[[1.0], [np.nan], [3.0], [2.0]], [[np.nan]] * 4])
    >>> nanmedian_axis1(data).ravel().tolist()
    [2.0, nan]
    >>> values = np.random.default_rng(0).normal(size=(3, 8, 2))
    >>> values[0, :3] = np.nan
    >>> bool(np.allclose(nanmedian_axis1(values), np.nanmedian(values, axis=1)))
    True
    """
    ordered = np.sort(values, axis=1)
    count = np.sum(~np.isnan(values), axis=1, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0), axis=1)
    high = np.take_along_axis(ordered, np.maximum(count // 2, 0), axis=1)
    middle = (low + high) / 2.0
    middle[count == 0] = np.nan
    return middle[:, 0]


def _interpolate_missing(values: NDArray, present: NDArray) -> NDArray:
    """Fill the rows of frames without a face (or baseline) linearly over time."""
    out = values.copy()
    frames = np.arange(len(values))
    for column in range(values.shape[1]):
        known = present & np.isfinite(values[:, column])
        if known.any():
            out[:, column] = np.interp(frames, frames[known], values[known, column])
        else:
            out[:, column] = 0.0
    return out
