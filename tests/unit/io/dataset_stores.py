"""Tiny stores of named datasets, for the side-by-side views (a plain module).

``write_dataset_store(path, dataset, fps, clips)`` writes one store whose
clips all carry ``dataset`` and ``fps``; ``clips`` maps a class to one
``(subject, n_frames)`` pair per clip. The landmarks are zeros (only the
metadata is read by the views tested); ``n_detected`` is ``n_frames`` minus
one for every clip of subject ``"blink"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from samm_pipeline.io.store_writer import StoreWriter

SMIC = {"negative": [("s1", 20), ("s2", 30)], "surprise": [("s1", 40)]}
"""SMIC-like: 3 clips of 2 subjects, 20-40 frames (median 30)."""
SAMM = {"Anger": [("006", 100), ("007", 140)], "surprise": [("blink", 120)]}
"""SAMM-like: 3 clips of 3 subjects, 100-140 frames; one frame without a face."""


def write_dataset_store(
    path: Path, dataset: str, fps: float, clips: dict[str, list[tuple[str, int]]]
) -> Path:
    """Write a store of one dataset (see the module docstring); return its path."""
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    for class_name, entries in clips.items():
        for index, (subject, n_frames) in enumerate(entries):
            key = f"{class_name}/{subject}_{index}"
            writer.write_clip(
                key,
                np.zeros((n_frames, 468, 3), dtype=np.float32),
                {
                    "source": key, "source_size": 1, "source_mtime_ns": 1,
                    "fps": fps, "width": 128, "height": 128, "n_frames": n_frames,
                    "n_detected": n_frames - (subject == "blink"),
                    "subject": subject, "dataset": dataset, "class": class_name,
                },
            )  # fmt: skip
    return path
