"""Render one demo clip and write it as an mp4 video or a folder of frame images.

:func:`render_clip` plans a clip and yields its frames; :func:`write_clip`
writes them as a video (the class-folder layout), :func:`write_frame_folder`
as numbered images (the SAMM, CASME II and SMIC layouts).

Every frame is one bilinear ``cv2.remap`` of the subject's photograph (a
similarity transform, the expression warp of
:func:`~samm_pipeline.demo.actions.action_field` and a sub-pixel head drift
composed into one map) plus Gaussian sensor noise, in BGR order as OpenCV
writes it. The clip's own random draws (pose and lighting jitter, drift,
noise) come from the generator it is given, in a fixed order, so a clip seed
gives byte-identical files.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from samm_pipeline import landmarks as lm
from samm_pipeline.demo.actions import Action, action_field, expression_profile
from samm_pipeline.demo.faces import REFERENCE_SIZE, Subject
from samm_pipeline.errors import DataError

_FOURCC: Final = "mp4v"


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


def render_clip(
    subject: Subject,
    actions: Sequence[Action],
    timing: tuple[int, int, int, int],
    amplitude_px: float,
    size: int,
    rng: np.random.Generator,
) -> tuple[float, Iterator[NDArray[np.uint8]]]:
    """Plan one clip; return its peak warp (px) and an iterator over its frames.

    Parameters
    ----------
    subject
        The pseudo-subject: base face, pose, lighting and noise level.
    actions
        The action units to render (the class's, or one for "other").
    timing
        ``(onset, apex, offset, n_frames)``, 0-based frame indices.
    amplitude_px
        Largest displacement at the apex in output pixels (before each
        action's gain).
    size
        Square frame size in pixels.
    rng
        The clip's generator; the clip's pose, lighting and drift are drawn
        here, each frame's noise as the iterator reaches it.

    Returns
    -------
    tuple
        The largest warp displacement (px) and the ``n_frames`` frames, each
        ``(size, size, 3)`` uint8 in BGR order (what OpenCV writes).

    Notes
    -----
    The frames are made one at a time, so a 200 fps clip never sits in memory
    whole; consume the iterator fully to draw the same numbers whatever is
    written (a writer that keeps only onset..offset still renders the rest).
    """
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
    field, (rows, cols) = action_field(actions, points, amplitude_px, size)

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

    def frames() -> Iterator[NDArray[np.uint8]]:
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
            yield cv2.add(frame, noise, dtype=cv2.CV_8U)

    return float(np.hypot(field[..., 0], field[..., 1]).max()), frames()


def write_clip(
    path: Path,
    subject: Subject,
    actions: Sequence[Action],
    timing: tuple[int, int, int, int],
    amplitude_px: float,
    size: int,
    fps: float,
    rng: np.random.Generator,
) -> float:
    """Render one clip, write it as an ``mp4v`` video; return the peak warp (px).

    ``path`` is the video file to write (its folder must exist), ``fps`` its
    frame rate; the other parameters are those of :func:`render_clip`.

    Raises
    ------
    DataError
        OpenCV cannot open an ``mp4v`` writer for ``path``.
    """
    import cv2

    peak_px, frames = render_clip(subject, actions, timing, amplitude_px, size, rng)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*_FOURCC), fps, (size, size)
    )
    if not writer.isOpened():
        raise DataError(
            f"OpenCV cannot write '{path}' with the {_FOURCC} codec; "
            "reinstall opencv-contrib-python (its wheels include FFmpeg)."
        )
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return peak_px


def write_frame_folder(
    folder: Path,
    names: Sequence[str | None],
    subject: Subject,
    actions: Sequence[Action],
    timing: tuple[int, int, int, int],
    amplitude_px: float,
    size: int,
    rng: np.random.Generator,
) -> float:
    """Render one clip into a folder of frame images; return the peak warp (px).

    ``names[i]`` is the file name of frame ``i`` (its suffix, ``.jpg`` or
    ``.bmp``, picks the format) or ``None`` for a frame not written (SMIC
    clips keep only onset..offset); there is one name per frame of
    ``timing``. The folder is created; the other parameters are those of
    :func:`render_clip`.

    Raises
    ------
    DataError
        OpenCV cannot write a frame.
    """
    import cv2

    if len(names) != timing[3]:
        raise ValueError(f"{len(names)} frame names for {timing[3]} frames")
    peak_px, frames = render_clip(subject, actions, timing, amplitude_px, size, rng)
    folder.mkdir(parents=True)
    for name, frame in zip(names, frames, strict=True):
        if name is not None and not cv2.imwrite(str(folder / name), frame):
            raise DataError(f"OpenCV cannot write the frame image {folder / name}")
    return peak_px
