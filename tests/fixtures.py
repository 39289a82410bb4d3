"""Shared test builders, loaded by ``tests/conftest.py`` through ``pytest_plugins``.

Everything here builds its own tiny data; nothing reads ``../shared`` or the
network. What each fixture holds:

- ``video_writer``: ``write_video(path, frames, fps=30.0)`` writes RGB frames
  to an mp4 (mp4v) and returns the path;
- ``face_rgb``: a 256x256 RGB crop of scikit-image's astronaut portrait (a
  real face FaceMesh finds);
- ``blank_rgb``: a 256x256 mid-grey noise frame without a face;
- ``moving_face``: ``moving_face(face, n_frames, phase=0)`` gives frames of
  ``face`` moving sideways by up to 2 px (real tracker input).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = 30.0) -> Path:
    """Write RGB frames to an mp4 (mp4v) file with OpenCV; return the path."""
    import cv2

    frames = list(frames)
    height, width = frames[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height)
    )
    if not writer.isOpened():  # pragma: no cover - codec missing
        raise RuntimeError(f"cannot write {path}")
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.fixture(scope="session")
def video_writer():
    """The :func:`write_video` helper, for tests that build clips."""
    return write_video


@pytest.fixture(scope="session")
def face_rgb() -> np.ndarray:
    """A 256x256 RGB crop of scikit-image's bundled astronaut portrait (a real face)."""
    import cv2
    from skimage import data

    image = data.astronaut()[0:300, 100:400]  # face and shoulders
    return cv2.resize(image, (256, 256), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="session")
def blank_rgb() -> np.ndarray:
    """A 256x256 mid-grey noise frame without a face."""
    rng = np.random.default_rng(0)
    return rng.integers(100, 140, size=(256, 256, 3), dtype=np.uint8)


def shifted_face(
    face: np.ndarray, n_frames: int, phase: float = 0.0
) -> list[np.ndarray]:
    """``face`` shifted sideways by up to 2 px per frame (a real tracker input);
    ``phase`` (in frames) makes clips of one face differ."""
    return [
        np.roll(face, round(2 * np.sin((index + phase) / 3)), axis=1)
        for index in range(n_frames)
    ]


@pytest.fixture(scope="session")
def moving_face():
    """The :func:`shifted_face` helper: ``moving_face(face, n_frames, phase=0)``
    gives ``n_frames`` RGB frames of ``face`` moving sideways by up to 2 px."""
    return shifted_face
