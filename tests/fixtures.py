"""Shared test builders, loaded by ``tests/conftest.py`` through ``pytest_plugins``.

Everything here builds its own tiny data; nothing reads ``../shared`` or the
network. What each fixture holds:

- ``video_writer``: ``write_video(path, frames, fps=30.0)`` writes RGB frames
  to an mp4 (mp4v) and returns the path;
- ``face_rgb``: a 256x256 RGB crop of scikit-image's astronaut portrait (a
  real face FaceMesh finds);
- ``blank_rgb``: a 256x256 mid-grey noise frame without a face;
- ``moving_face``: ``moving_face(face, n_frames, phase=0)`` gives frames of
  ``face`` moving sideways by up to 2 px (real tracker input);
- ``small_demo``: a demo dataset (:func:`samm_pipeline.demo.make_demo_dataset`)
  of 2 subjects x 6 classes x 1 clip at 128 px, 60 fps, seed 0 (12 clips of
  about 40 frames, written once per session; read it, do not change it);
- ``csv_reader``: ``read_csv_rows(path)`` gives a CSV file's rows as dicts;
- ``video_reader``: ``read_video_frames(path)`` gives every frame of a video
  as a BGR uint8 array.
"""

from __future__ import annotations

import csv
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


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory):
    """Demo dataset: 2 subjects x 6 classes x 1 clip at 128 px, 60 fps, seed 0.

    Returns the :class:`~samm_pipeline.demo.DemoDataset`; 12 clips of about 40
    frames, shared by the whole session, so tests only read it.
    """
    from samm_pipeline.demo import make_demo_dataset

    out_dir = tmp_path_factory.mktemp("small_demo") / "demo"
    return make_demo_dataset(
        out_dir, n_subjects=2, clips_per_class=1, seed=0, size=128, progress=False
    )


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file (UTF-8, with a header) as dicts."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def csv_reader():
    """The :func:`read_csv_rows` helper: ``csv_reader(path)`` gives the rows."""
    return read_csv_rows


def read_video_frames(video: Path) -> list[np.ndarray]:
    """All frames of a video as BGR uint8 arrays (OpenCV's channel order)."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return frames
            frames.append(frame)
    finally:
        capture.release()


@pytest.fixture(scope="session")
def video_reader():
    """The :func:`read_video_frames` helper: ``video_reader(path)`` gives the
    frames of a video, BGR uint8."""
    return read_video_frames
