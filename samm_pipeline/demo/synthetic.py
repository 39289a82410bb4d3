"""Demo and test data: micro-expression clips rendered from public-domain faces.

The licensed datasets (SAMM, CASME II) cannot be shipped, so the package makes
its own. :func:`make_demo_dataset` writes the class-folder layout
``out_dir/<class>/<clip>.mp4`` plus ``out_dir/clips.csv`` (subject, fps and the
onset/apex/offset frame of every clip), ready for stage 1.

How a clip is made
------------------
1. A base face is one of the public-domain photographs bundled in installed
   wheels (matplotlib's ``grace_hopper.jpg``, scikit-image's ``astronaut``) or
   its mirror image. FaceMesh runs once on each (static mode, cached in the
   process) so that the motion sits on the face's own landmarks.
2. A pseudo-subject fixes a base face, scale, rotation, position, brightness,
   contrast, colour balance, motion amplitude, tempo and sensor-noise level;
   every clip jitters these a little.
3. The expression is a smooth, local image warp modelled on FACS action units:
   a sum of Gaussian displacement blobs centred on landmarks (AU12 moves both
   lip corners up and out, ...), scaled so that its largest displacement at the
   apex is a few pixels (about 2-5 px at 512 px output, like a real
   micro-expression). Its strength follows a raised cosine: neutral frames,
   onset, apex, offset, neutral frames.
4. Every frame is one bilinear ``cv2.remap`` of the photograph (similarity
   transform, expression warp and a sub-pixel head drift composed into one
   map) plus Gaussian sensor noise, written with OpenCV's ``mp4v`` encoder.

Classes differ only by the local facial motion: every other parameter is drawn
from the same distributions, in the same order, whatever the class.

Notes
-----
Randomness flows from one :class:`numpy.random.SeedSequence` built from
``seed``: one child per subject, and from it one child for the subject's
parameters and one per clip. A seed therefore gives byte-identical files, and
the clips do not depend on the order in which worker threads render them.
"""

from __future__ import annotations

import csv
import functools
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from samm_pipeline import landmarks as lm
from samm_pipeline.errors import DataError, OutputExistsError

DEMO_CLASSES: Final = ("anger", "contempt", "happiness", "other", "sadness", "surprise")
"""Class names of the demo dataset (its sub-folders), sorted."""

CSV_NAME: Final = "clips.csv"
CSV_COLUMNS: Final = (
    "clip", "class", "subject", "fps", "onset", "apex", "offset",
    "n_frames", "face", "amplitude_px", "action_units", "path",
)  # fmt: skip
"""Columns of ``clips.csv``. ``onset``, ``apex`` and ``offset`` are 0-based frame
indices; ``amplitude_px`` is the largest warp displacement at the apex in output
pixels; ``path`` is the video relative to the dataset folder."""

SUBJECT_PATTERN: Final = r"^(?P<subject>s\d+)_"
"""Regex that recovers the subject id from a clip name (``s01_happiness_02``)."""

CLASS_ACTION_UNITS: Final[dict[str, str]] = {
    "anger": "AU4",
    "contempt": "AU14L",
    "happiness": "AU12",
    "other": "AU45 | AU17 | local",
    "sadness": "AU15+AU1",
    "surprise": "AU1+AU2",
}
"""FACS action units rendered per class ("other" picks one per clip)."""

CLASS_REGIONS: Final[dict[str, tuple[int, ...]]] = {
    "anger": lm.RIGHT_EYEBROW + lm.LEFT_EYEBROW,
    "contempt": (lm.MOUTH_CORNER_LEFT,),
    "happiness": (lm.MOUTH_CORNER_RIGHT, lm.MOUTH_CORNER_LEFT),
    "other": (),
    "sadness": (lm.MOUTH_CORNER_RIGHT, lm.MOUTH_CORNER_LEFT),
    "surprise": lm.RIGHT_EYEBROW + lm.LEFT_EYEBROW,
}
"""Landmarks each class moves most (its main action unit is centred on them).

Contempt always moves the subject's own left lip corner; mirrored base faces
put it on either side of the image. Sadness also lifts the inner brows at half
strength. "Other" moves a different place per clip (see the ``action_units``
column of ``clips.csv``), so it has no fixed region.
"""

REFERENCE_SIZE: Final = 512
"""Output size (px) at which the amplitudes are stated; they scale with size."""

_AMPLITUDE_RANGE_PX: Final = (2.5, 3.8)  # per subject at 512 px; x0.85-1.15 per clip
_FACE_WIDTH_RANGE: Final = (0.36, 0.46)  # cheek-to-cheek width / output size
_NOISE_SIGMA_RANGE: Final = (0.8, 2.2)  # grey levels
_BASE_CHEEK_WIDTH_PX: Final = 256.0  # bundled photos are upsampled to this width
_MIN_SIZE: Final = 128
_MAX_SIZE: Final = 4096
_FOURCC: Final = "mp4v"


@dataclass(frozen=True)
class DemoDataset:
    """What :func:`make_demo_dataset` wrote.

    Attributes
    ----------
    root
        The dataset folder (class-folder layout).
    csv_path
        ``root / "clips.csv"``: one row per clip, columns :data:`CSV_COLUMNS`.
    classes
        Class names (sub-folders), sorted.
    subjects
        Subject ids, e.g. ``("s01", "s02")``.
    n_clips
        Number of clips written.
    n_frames_total
        Frames over all clips.
    fps, size, seed
        The generation settings.
    """

    root: Path
    csv_path: Path
    classes: tuple[str, ...]
    subjects: tuple[str, ...]
    n_clips: int
    n_frames_total: int
    fps: float
    size: int
    seed: int


@dataclass(frozen=True)
class _BaseFace:
    """A bundled photograph (RGB) and its FaceMesh landmarks in pixels, (478, 2)."""

    name: str
    image: NDArray[np.uint8]
    points: NDArray[np.float64]


@dataclass(frozen=True)
class _Subject:
    """Parameters fixed for all clips of one pseudo-subject."""

    subject: str
    face: _BaseFace
    face_width: float  # fraction of the output size
    angle_deg: float
    offset: tuple[float, float]  # face centre shift, fraction of the output size
    brightness: float
    contrast: float
    colour_gain: tuple[float, float, float]  # R, G, B
    amplitude_px: float  # at REFERENCE_SIZE
    tempo: float
    noise_sigma: float


@dataclass(frozen=True)
class _Action:
    """One action unit: Gaussian displacement blobs ``(landmark, lateral, up)``.

    ``lateral`` points away from the face's midline and ``up`` towards the
    forehead. ``sigma`` (blob width) is in units of the distance between the
    outer eye corners; ``gain`` scales the clip's amplitude for this action.
    """

    name: str
    blobs: tuple[tuple[int, float, float], ...]
    sigma: float
    gain: float = 1.0


# Each eyebrow as (upper line, lower line), from its outer to its inner end.
_BROW_LINES: Final = (
    ((70, 63, 105, 66, 107), (46, 53, 52, 65, 55)),  # subject's right brow
    ((300, 293, 334, 296, 336), (276, 283, 282, 295, 285)),  # subject's left brow
)


def _brows(
    lateral: Sequence[float], up: Sequence[float]
) -> tuple[tuple[int, float, float], ...]:
    """Blobs on both eyebrows; ``lateral``/``up`` per point, outer to inner."""
    return tuple(
        (index, lateral[k], up[k])
        for lines in _BROW_LINES
        for line in lines
        for k, index in enumerate(line)
    )


# The brow and lip-corner blobs are 0.12 eye distances wide: the skin around
# a brow or a lip corner moves with it. With brow blobs of 0.07, FaceMesh's
# brows on Grace Hopper (whose brows lie along a glasses rim) moved at the
# apex 0.05-0.4x as much as on the astronaut, and anger and surprise were
# confused on her face; 0.12 raised the demo's LOSO UF1 by 0.04-0.06
# (README, "What the demo shows"). The peak displacement does not depend on
# the width (each action is rescaled to its gain x amplitude). FaceMesh
# follows a brow warp with about half its size (mouth corners: all of it),
# hence the 1.2x gain for the brow action units.
_ACTIONS: Final[dict[str, tuple[_Action, ...]]] = {
    # Corrugator (AU4): brows down, inner ends drawn together.
    "anger": (
        _Action(
            "AU4",
            _brows(
                lateral=(0, 0, -0.2, -0.5, -0.7), up=(-0.4, -0.7, -0.95, -0.85, -0.7)
            ),
            sigma=0.12,
            gain=1.2,
        ),
    ),
    # Risorius/buccinator (AU14, one side): lip corner out and a little up.
    "contempt": (_Action("AU14L", ((lm.MOUTH_CORNER_LEFT, 0.85, 0.5),), sigma=0.12),),
    # Zygomaticus major (AU12): both lip corners up and out.
    "happiness": (
        _Action(
            "AU12",
            ((lm.MOUTH_CORNER_RIGHT, 0.6, 0.8), (lm.MOUTH_CORNER_LEFT, 0.6, 0.8)),
            sigma=0.12,
        ),
    ),
    # Depressor anguli oris (AU15): lip corners down; inner brows up (AU1).
    "sadness": (
        _Action(
            "AU15",
            ((lm.MOUTH_CORNER_RIGHT, 0.15, -1.0), (lm.MOUTH_CORNER_LEFT, 0.15, -1.0)),
            sigma=0.12,
        ),
        _Action(
            "AU1",
            tuple((index, 0.0, 1.0) for index in (107, 55, 336, 285)),
            sigma=0.08,
            gain=0.5,
        ),
    ),
    # Frontalis (AU1+AU2): whole brows up.
    "surprise": (
        _Action(
            "AU1+AU2",
            _brows(lateral=(0.1, 0.05, 0, 0, 0), up=(1.0, 1.0, 1.0, 0.95, 0.9)),
            sigma=0.12,
            gain=1.2,
        ),
    ),
}
_BLINK: Final = _Action(
    "AU45", tuple((index, 0.0, -1.0) for index in (158, 159, 160, 385, 386, 387)), 0.05
)
_CHIN_RAISE: Final = _Action("AU17", ((17, 0.0, 1.0), (199, 0.0, 1.0)), 0.1)
_LOCAL_ANCHORS: Final = (50, 280, 151, 203, 423)  # cheeks, forehead, nasolabial


@functools.lru_cache(maxsize=1)
def _base_faces() -> tuple[_BaseFace, ...]:
    """Load the bundled photos and their mirrors and find their landmarks, once."""
    import cv2
    import matplotlib.cbook
    import skimage.data
    from PIL import Image

    from samm_pipeline.extract.facemesh import FaceMeshLandmarker, to_pixels

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    with Image.open(path) as image:
        grace = np.asarray(image.convert("RGB"))
    photos = {"grace_hopper": grace, "astronaut": np.asarray(skimage.data.astronaut())}
    faces = []
    with FaceMeshLandmarker(refine_landmarks=True, static_image_mode=True) as finder:
        for mirrored in (False, True):
            for name, photo in photos.items():
                image = np.ascontiguousarray(photo[:, ::-1] if mirrored else photo)
                found = finder.process(image)
                full_name = f"{name}_mirrored" if mirrored else name
                if found is None:
                    raise DataError(
                        f"FaceMesh found no face in the bundled image '{full_name}'; "
                        "reinstall mediapipe==0.10.21, matplotlib and scikit-image."
                    )
                # Upsample once (bicubic) so that the per-frame bilinear warp
                # only ever resamples a smooth image of about the output scale.
                cheeks = to_pixels(found[[234, 454]], image.shape[1], image.shape[0])
                factor = _BASE_CHEEK_WIDTH_PX / float(
                    np.hypot(*(cheeks[1] - cheeks[0]))
                )
                if factor > 1.0:
                    image = cv2.resize(
                        image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC
                    )
                points = to_pixels(found, image.shape[1], image.shape[0])
                image.setflags(write=False)
                faces.append(_BaseFace(full_name, image, points))
    return tuple(faces)


def _draw_subject(index: int, face: _BaseFace, rng: np.random.Generator) -> _Subject:
    """Draw the fixed parameters of pseudo-subject ``index`` (0-based)."""
    return _Subject(
        subject=f"s{index + 1:02d}",
        face=face,
        face_width=rng.uniform(*_FACE_WIDTH_RANGE),
        angle_deg=rng.uniform(-4.0, 4.0),
        offset=(rng.uniform(-0.04, 0.04), rng.uniform(-0.03, 0.05)),
        brightness=rng.uniform(-20.0, 20.0),
        contrast=rng.uniform(0.85, 1.15),
        colour_gain=tuple(rng.uniform(0.94, 1.06, size=3)),
        amplitude_px=rng.uniform(*_AMPLITUDE_RANGE_PX),
        tempo=rng.uniform(0.85, 1.2),
        noise_sigma=rng.uniform(*_NOISE_SIGMA_RANGE),
    )


def _draw_timing(
    rng: np.random.Generator, tempo: float, fps: float
) -> tuple[int, int, int, int]:
    """Draw ``(onset, apex, offset, n_frames)``; the motion lasts about 0.2-0.5 s.

    Lead-in (0.15-0.3 s) and tail (0.1-0.2 s) are neutral; every phase has at
    least 2 frames, so ``0 < onset < apex < offset < n_frames - 1``.
    """
    lead, rise, fall, tail = rng.uniform(
        (0.15, 0.08, 0.12, 0.1), (0.3, 0.16, 0.26, 0.2)
    )
    onset = max(2, round(lead * fps))
    apex = onset + max(2, round(rise * tempo * fps))
    offset = apex + max(2, round(fall * tempo * fps))
    return onset, apex, offset, offset + max(2, round(tail * fps)) + 1


def expression_profile(
    n_frames: int, onset: int, apex: int, offset: int
) -> NDArray[np.float64]:
    """Return the expression strength per frame, from 0 (neutral) to 1 (apex).

    A raised cosine up from ``onset`` to ``apex`` and back down to ``offset``,
    zero outside, so the motion starts and stops with zero velocity. Requires
    ``onset < apex < offset``.

    Examples
    --------
    >>> expression_profile(7, 1, 3, 5).round(2).tolist()
    [0.0, 0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    frames = np.arange(n_frames, dtype=np.float64)
    rising = np.clip((frames - onset) / (apex - onset), 0.0, 1.0)
    falling = np.clip((frames - apex) / (offset - apex), 0.0, 1.0)
    return 0.25 * (1.0 - np.cos(np.pi * rising)) * (1.0 + np.cos(np.pi * falling))


def _similarity(
    scale: float,
    angle_deg: float,
    source: NDArray[np.float64],
    target: NDArray[np.float64],
) -> NDArray[np.float64]:
    """2x3 matrix: scale and rotate about ``source``, then move it to ``target``."""
    cos, sin = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    linear = scale * np.array([[cos, -sin], [sin, cos]])
    return np.hstack([linear, (target - linear @ source)[:, None]])


def _action_field(
    actions: Sequence[_Action],
    points: NDArray[np.float64],
    amplitude_px: float,
    size: int,
) -> tuple[NDArray[np.float32], tuple[slice, slice]]:
    """Displacement field (x, y in px) of the apex frame, where it is non-zero.

    Each action is a sum of separable Gaussian blobs at its landmarks
    (``points``: ``(n_landmarks, 2)`` in output pixels), rescaled so that its
    largest displacement is ``gain * amplitude_px``. Blobs stop at 4 sigma, so
    the field is zero outside a window: returns the field over that window,
    ``(n_rows, n_cols, 2)``, and the window as ``(rows, cols)`` slices.
    """
    eye_line = points[lm.EYE_OUTER_LEFT] - points[lm.EYE_OUTER_RIGHT]
    eye_distance = float(np.hypot(*eye_line))
    across = eye_line / eye_distance
    up = np.array([across[1], -across[0]])  # image y points down
    midline = points[lm.NOSE_BRIDGE]
    blobs = [
        (points[index], lateral, upward, action.sigma * eye_distance, number)
        for number, action in enumerate(actions)
        for index, lateral, upward in action.blobs
    ]
    centres = np.array([blob[0] for blob in blobs])
    reach = 4.0 * np.array([[blob[3]] for blob in blobs])
    low = np.clip(np.floor(centres - reach).min(axis=0), 0, size - 1).astype(int)
    high = np.clip(np.ceil(centres + reach).max(axis=0) + 1, 1, size).astype(int)
    grid_x = np.arange(low[0], high[0], dtype=np.float64)
    grid_y = np.arange(low[1], high[1], dtype=np.float64)
    parts = np.zeros((len(actions), grid_y.size, grid_x.size, 2))
    for centre, lateral, upward, sigma, number in blobs:
        side = 1.0 if float((centre - midline) @ across) >= 0 else -1.0
        vector = lateral * side * across + upward * up
        weight_x = np.exp(-0.5 * ((grid_x - centre[0]) / sigma) ** 2)
        weight_y = np.exp(-0.5 * ((grid_y - centre[1]) / sigma) ** 2)
        parts[number] += np.multiply.outer(weight_y, weight_x)[..., None] * vector
    field = np.zeros(parts.shape[1:])
    for action, part in zip(actions, parts, strict=True):
        peak = float(np.hypot(part[..., 0], part[..., 1]).max())
        if peak > 0:
            field += part * (action.gain * amplitude_px / peak)
    window = (slice(low[1], high[1]), slice(low[0], high[0]))
    return field.astype(np.float32), window


def _draw_other_action(rng: np.random.Generator) -> _Action:
    """A partial blink, a chin raise, or a small push in a random direction."""
    kind = rng.integers(3)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    anchor = int(rng.choice(_LOCAL_ANCHORS))
    if kind == 0:
        return _BLINK
    if kind == 1:
        return _CHIN_RAISE
    return _Action(f"local{anchor}", ((anchor, math.cos(angle), math.sin(angle)),), 0.1)


def _write_clip(
    path: Path,
    subject: _Subject,
    actions: Sequence[_Action],
    timing: tuple[int, int, int, int],
    amplitude_px: float,
    size: int,
    fps: float,
    rng: np.random.Generator,
) -> float:
    """Render one clip, write it as an ``mp4v`` video; return the peak warp (px)."""
    import cv2
    from scipy.special import ndtri

    onset, apex, offset, n_frames = timing
    face = subject.face
    centre = face.points[list(lm.FACE_OVAL)].mean(axis=0)
    cheek_width = float(np.hypot(*(face.points[454] - face.points[234])))
    scale = subject.face_width * size / cheek_width * rng.uniform(0.99, 1.01)
    target = size * (0.5 + np.asarray(subject.offset) + rng.uniform(-0.005, 0.005, 2))
    angle_deg = subject.angle_deg + rng.uniform(-0.5, 0.5)
    to_output = _similarity(scale, angle_deg, centre, target)
    points = face.points @ to_output[:, :2].T + to_output[:, 2]
    field, (rows, cols) = _action_field(actions, points, amplitude_px, size)

    # One remap per frame: output pixel p samples the photo at A^-1 (p - d - drift)
    # with d the expression field (non-zero only in rows x cols) and drift a
    # sub-pixel translation of the whole head.
    to_source = cv2.invertAffineTransform(to_output)
    linear_inv = to_source[:, :2]
    # Crop the photo to what this clip can reach, then adjust only that part.
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], dtype=np.float64)
    reached = corners @ linear_inv.T + to_source[:, 2]
    height, width = face.image.shape[:2]
    x0, y0 = np.maximum(np.floor(reached.min(axis=0)) - 8, 0).astype(int)
    x1, y1 = np.minimum(np.ceil(reached.max(axis=0)) + 8, (width, height)).astype(int)
    crop = face.image[y0:y1, x0:x1, ::-1].astype(np.float32)  # BGR for the writer
    gain = subject.contrast * np.asarray(subject.colour_gain[::-1], dtype=np.float32)
    shift = subject.brightness + rng.uniform(-3.0, 3.0) + 128.0 * (1 - subject.contrast)
    source = np.clip(crop * gain + shift + 0.5, 0, 255).astype(np.uint8)
    linear_inv32 = linear_inv.astype(np.float32)
    axis = np.arange(size, dtype=np.float32)[:, None]
    base_map = (
        axis[None, :, :] * linear_inv32[:, 0] + axis[:, None, :] * linear_inv32[:, 1]
    )
    base_map += (to_source[:, 2] - (x0, y0)).astype(np.float32)
    field_map = -(field @ linear_inv32.T)

    drift_px = rng.uniform(0.2, 0.8) * size / REFERENCE_SIZE
    drift_phase = rng.uniform(0.0, 2.0 * np.pi, size=2)
    drift_cycles = rng.uniform(0.3, 1.0)
    # Integer Gaussian sensor noise: random bytes through an inverse-CDF table,
    # several times faster than standard_normal for whole frames.
    levels = ndtri((np.arange(256) + 0.5) / 256)
    noise_table = np.round(subject.noise_sigma * levels).astype(np.int16)
    strength = expression_profile(n_frames, onset, apex, offset)

    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*_FOURCC), fps, (size, size)
    )
    if not writer.isOpened():
        raise DataError(
            f"OpenCV cannot write '{path}' with the {_FOURCC} codec; "
            "reinstall opencv-contrib-python (its wheels include FFmpeg)."
        )
    try:
        for frame_index in range(n_frames):
            phase = 2 * np.pi * drift_cycles * frame_index / n_frames + drift_phase
            drift_x, drift_y = -(linear_inv @ (drift_px * np.sin(phase)))
            frame_map = cv2.add(base_map, (float(drift_x), float(drift_y), 0.0, 0.0))
            frame_map[rows, cols] += strength[frame_index] * field_map
            frame = cv2.remap(
                source, frame_map, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
            )
            noise_bytes = np.frombuffer(rng.bytes(frame.size), dtype=np.uint8)
            noise = cv2.LUT(noise_bytes.reshape(frame.shape), noise_table)
            writer.write(cv2.add(frame, noise, dtype=cv2.CV_8U))
    finally:
        writer.release()
    return float(np.hypot(field[..., 0], field[..., 1]).max())


def _make_clip(
    root: Path,
    subject: _Subject,
    class_name: str,
    clip_index: int,
    size: int,
    fps: float,
    rng: np.random.Generator,
) -> list[object]:
    """Plan, render and write one clip; return its ``clips.csv`` row."""
    # Class-independent draws come first and always happen, so that every class
    # sees the same distributions of timing, amplitude, drift and noise.
    timing = _draw_timing(rng, subject.tempo, fps)
    amplitude_px = (
        subject.amplitude_px * rng.uniform(0.85, 1.15) * size / REFERENCE_SIZE
    )
    other = _draw_other_action(rng)
    actions = (other,) if class_name == "other" else _ACTIONS[class_name]
    clip = f"{subject.subject}_{class_name}_{clip_index:02d}"
    relative = f"{class_name}/{clip}.mp4"
    peak_px = _write_clip(
        root / relative, subject, actions, timing, amplitude_px, size, fps, rng
    )
    onset, apex, offset, n_frames = timing
    action_units = "+".join(action.name for action in actions)
    return [
        clip, class_name, subject.subject, repr(fps), onset, apex, offset,
        n_frames, subject.face.name, f"{peak_px:.3f}", action_units, relative,
    ]  # fmt: skip


def _plan_jobs(
    n_subjects: int, clips_per_class: int, seed: int
) -> list[tuple[_Subject, str, int, np.random.SeedSequence]]:
    """Draw the subjects; list ``(subject, class, clip index, clip seed)`` per clip."""
    faces = _base_faces()
    names = [(c, k) for c in DEMO_CLASSES for k in range(1, clips_per_class + 1)]
    jobs = []
    for index, subject_seed in enumerate(
        np.random.SeedSequence(seed).spawn(n_subjects)
    ):
        style_seed, *clip_seeds = subject_seed.spawn(1 + len(names))
        face = faces[index % len(faces)]
        subject = _draw_subject(index, face, np.random.default_rng(style_seed))
        jobs += [
            (subject, class_name, clip_index, clip_seed)
            for (class_name, clip_index), clip_seed in zip(
                names, clip_seeds, strict=True
            )
        ]
    return jobs


def _n_workers() -> int:
    """Render threads: the CPUs this process may use, at most 4."""
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not available on macOS and Windows
        n_cpus = os.cpu_count() or 1
    return max(1, min(4, n_cpus))


def _check_arguments(
    n_subjects: int, clips_per_class: int, seed: int, size: int, fps: float
) -> None:
    """Raise one ``ValueError`` listing every out-of-range argument."""

    def is_int(value: object) -> bool:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)

    problems = []
    if not is_int(n_subjects) or n_subjects < 1:
        problems.append(f"n_subjects must be an integer >= 1, got {n_subjects!r}")
    if not is_int(clips_per_class) or clips_per_class < 1:
        problems.append(
            f"clips_per_class must be an integer >= 1, got {clips_per_class!r}"
        )
    if not is_int(seed) or seed < 0:
        problems.append(f"seed must be an integer >= 0, got {seed!r}")
    if not is_int(size) or not _MIN_SIZE <= size <= _MAX_SIZE or size % 2:
        problems.append(
            f"size must be an even integer from {_MIN_SIZE} to {_MAX_SIZE} "
            f"(the mp4v encoder needs even sizes), got {size!r}"
        )
    is_number = isinstance(fps, (int, float, np.number)) and not isinstance(fps, bool)
    if not is_number or not 10.0 <= fps <= 1000.0:
        problems.append(f"fps must be a number from 10 to 1000, got {fps!r}")
    if problems:
        raise ValueError("; ".join(problems))


def _check_output(out_dir: Path, overwrite: bool) -> None:
    """Refuse a file, or a non-empty folder unless ``overwrite``."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(
            f"output path '{out_dir}' is a file, not a folder; choose another folder."
        )
    if not overwrite and out_dir.is_dir() and any(out_dir.iterdir()):
        raise OutputExistsError(
            f"output folder '{out_dir}' is not empty; pass --overwrite to replace it "
            "or choose another folder."
        )


def _move_into_place(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` by renames, so it is never half-written."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    out_dir.rename(retired / out_dir.name)
    try:
        staging.rename(out_dir)
    except BaseException:
        (retired / out_dir.name).rename(out_dir)
        raise
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def make_demo_dataset(
    out_dir: str | os.PathLike,
    *,
    n_subjects: int = 6,
    clips_per_class: int = 4,
    seed: int = 0,
    size: int = 512,
    fps: float = 60.0,
    overwrite: bool = False,
    progress: bool = True,
) -> DemoDataset:
    """Render a demo micro-expression dataset in the class-folder layout.

    Writes ``out_dir/<class>/<clip>.mp4`` for every subject, class of
    :data:`DEMO_CLASSES` and clip index, and ``out_dir/clips.csv`` (columns
    :data:`CSV_COLUMNS`). Clip names are ``<subject>_<class>_<nn>``, e.g.
    ``s01_happiness_02``, so :data:`SUBJECT_PATTERN` recovers the subject.

    Parameters
    ----------
    out_dir
        Output folder; it must not exist or be empty unless ``overwrite``.
    n_subjects
        Pseudo-subjects (>= 1). They cycle through 4 base faces (2 photos and
        their mirror images) and differ in scale, pose, lighting, amplitude,
        tempo and noise.
    clips_per_class
        Clips per subject and class (>= 1).
    seed
        Seed (>= 0); the same seed gives the same files.
    size
        Width and height of the square RGB frames in pixels (even, 128-4096).
        Motion amplitudes (about 2-5 px at 512) scale with it.
    fps
        Frame rate (10-1000). Timings are drawn in seconds, so a clip has about
        30-60 frames at 60 fps and proportionally more at higher rates.
    overwrite
        Replace a non-empty ``out_dir``.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    DemoDataset
        Paths and counts of what was written.

    Raises
    ------
    ValueError
        An argument is out of range.
    OutputExistsError
        ``out_dir`` is a file, or a non-empty folder and ``overwrite`` is false.

    Notes
    -----
    Everything is written into a temporary sibling folder that is renamed into
    place at the end and removed on any error, so ``out_dir`` is never left
    half-written; with ``overwrite`` the old folder is removed only after the
    new one is complete.

    Examples
    --------
    ``make_demo_dataset("data/demo", n_subjects=2).n_clips`` writes and
    counts 2 subjects x 6 classes x 4 clips = 48 clips.
    """
    from tqdm import tqdm

    _check_arguments(n_subjects, clips_per_class, seed, size, fps)
    out_dir = Path(out_dir).expanduser().absolute()
    _check_output(out_dir, overwrite)
    seed, size, fps = int(seed), int(size), float(fps)
    jobs = _plan_jobs(n_subjects, clips_per_class, seed)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        for class_name in DEMO_CLASSES:
            (staging / class_name).mkdir()
        bar = tqdm(
            total=len(jobs),
            desc="demo clips",
            unit="clip",
            file=sys.stderr,
            disable=not progress,
        )
        # Threads suffice: OpenCV's remap and encoder release the GIL, and each
        # clip has its own generator, so the output does not depend on order.
        with bar, ThreadPoolExecutor(max_workers=_n_workers()) as pool:
            futures = [
                pool.submit(
                    _make_clip,
                    staging,
                    subject,
                    class_name,
                    clip_index,
                    size,
                    fps,
                    np.random.default_rng(clip_seed),
                )
                for subject, class_name, clip_index, clip_seed in jobs
            ]
            try:
                for future in as_completed(futures):
                    future.result()
                    bar.update()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        rows = [future.result() for future in futures]
        with (staging / CSV_NAME).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows(rows)
        _move_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return DemoDataset(
        root=out_dir,
        csv_path=out_dir / CSV_NAME,
        classes=DEMO_CLASSES,
        subjects=tuple(dict.fromkeys(job[0].subject for job in jobs)),
        n_clips=len(rows),
        n_frames_total=sum(int(row[CSV_COLUMNS.index("n_frames")]) for row in rows),
        fps=fps,
        size=size,
        seed=seed,
    )
