"""The tiny store the figure tests draw (a plain module: tests import its constants).

``write_store(path)`` writes 468-landmark clips of classes happiness (the lips
move) and surprise (both eyebrows move): each moving landmark goes up 4 px at
640x480 from frame ``ONSET`` to a peak at ``APEX`` and back by ``OFFSET``
(``N_FRAMES`` frames at ``FPS``), while the whole head drifts 6 px right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.landmarks import LEFT_EYEBROW, LIPS, REGIONS, RIGHT_EYEBROW

N_FRAMES, ONSET, APEX, OFFSET, FPS = 30, 8, 15, 22, 100.0
MOVING = {"happiness": LIPS, "surprise": LEFT_EYEBROW + RIGHT_EYEBROW}
REGION_ROW = {name: row for row, name in enumerate(REGIONS)}


def make_clip(moving: tuple[int, ...], seed: int, missing=()) -> np.ndarray:
    """A (30, 468, 3) face-like clip: ``moving`` landmarks go up 4 px (at
    640x480) and back, peaking at frame 15; the head drifts 6 px right."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.3, 0.7, size=(468, 3))
    clip = np.repeat(base[None], N_FRAMES, axis=0)
    profile = np.interp(np.arange(N_FRAMES), [ONSET, APEX, OFFSET], [0.0, 1.0, 0.0])
    clip[:, list(moving), 1] -= profile[:, None] * 4 / 480
    clip[:, :, 0] += np.linspace(0, 6 / 640, N_FRAMES)[:, None]
    clip += rng.normal(0, 0.05 / 640, clip.shape)
    clip[list(missing)] = np.nan
    return clip.astype(np.float32)


def write_store(path: Path) -> Path:
    """happiness/h0, h1 (lips move; h1 has frames 3-4 without a face) and
    surprise/s0, s1 (brows move); 468 landmarks, 640x480, 100 fps."""
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    for class_name, moving in MOVING.items():
        for index in range(2):
            missing = (3, 4) if (class_name, index) == ("happiness", 1) else ()
            landmarks = make_clip(moving, seed=index, missing=missing)
            writer.write_clip(
                f"{class_name}/{class_name[0]}{index}",
                landmarks,
                {
                    "source": f"{class_name}{index}.mp4",
                    "source_size": 1,
                    "source_mtime_ns": 1,
                    "fps": FPS,
                    "width": 640,
                    "height": 480,
                    "n_frames": N_FRAMES,
                    "n_detected": N_FRAMES - len(missing),
                    "subject": f"s{index}",
                    "dataset": "folders",
                    "onset": ONSET,
                    "apex": APEX,
                    "offset": OFFSET,
                },
            )
    return path
