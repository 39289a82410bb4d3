"""Shared fixtures.

Fixtures build their own tiny data; nothing here reads ``../shared`` or the
network. Real-MediaPipe and real-Keras tests are marked ``slow`` and still run
in CI.
"""

from __future__ import annotations

import os

# Quiet native loggers of MediaPipe / TensorFlow in test output.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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


def moving_face(
    face: np.ndarray, n_frames: int, phase: float = 0.0
) -> list[np.ndarray]:
    """``face`` shifted sideways by up to 2 px per frame (a real tracker input);
    ``phase`` (in frames) makes clips of one face differ."""
    return [
        np.roll(face, round(2 * np.sin((index + phase) / 3)), axis=1)
        for index in range(n_frames)
    ]
