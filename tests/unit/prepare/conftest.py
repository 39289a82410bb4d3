"""Builders for the prepare tests: face-like landmark clips and a small store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.io.store_writer import StoreWriter


def _clip(n_frames: int, seed: int, missing=()) -> np.ndarray:
    """A face-like (n_frames, 468, 3) clip in normalised coordinates."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.3, 0.7, size=(468, 3)).astype(np.float32)
    drift = np.cumsum(rng.normal(0, 0.001, size=(n_frames, 1, 3)), axis=0)
    clip = (base + drift + rng.normal(0, 0.0005, (n_frames, 468, 3))).astype(np.float32)
    for index in missing:
        clip[index] = np.nan
    return clip


def _write_store(path: Path, clips: dict[str, tuple[np.ndarray, str]]) -> Path:
    """A 468-landmark store; ``clips`` maps key -> (landmarks, subject)."""
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    for key, (landmarks, subject) in clips.items():
        detected = int((~np.isnan(landmarks).any(axis=(1, 2))).sum())
        writer.write_clip(
            key,
            landmarks,
            {
                "source": key + ".mp4",
                "source_size": 1,
                "source_mtime_ns": 1,
                "fps": 30.0,
                "width": 640,
                "height": 480,
                "n_frames": len(landmarks),
                "n_detected": detected,
                "subject": subject,
                "dataset": "folders",
                "onset": 2,
                "apex": 4,
                "offset": 7,
            },
        )
    return path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Classes Anger (3 clips), happiness (2), Others (2), Fear (1 clip with 3 face
    frames), subjects s1..s3; clip Anger/c0 has 2 frames without a face."""
    clips = {
        "Anger/c0": (_clip(30, 0, missing=[3, 4]), "s1"),
        "Anger/c1": (_clip(25, 1), "s2"),
        "Anger/c2": (_clip(12, 2), "s3"),
        "happiness/c3": (_clip(40, 3), "s1"),
        "happiness/c4": (_clip(18, 4), "s2"),
        "Others/c5": (_clip(22, 5), "s3"),
        "Others/c6": (_clip(22, 6), ""),
        "Fear/c7": (_clip(10, 7, missing=range(3, 10)), "s1"),
    }
    return _write_store(tmp_path / "s.zarr", clips)


@pytest.fixture(scope="session")
def face_like_clip():
    """``face_like_clip(n_frames, seed, missing=())``: a face-like
    ``(n_frames, 468, 3)`` clip in normalised coordinates, NaN rows at
    ``missing``."""
    return _clip
