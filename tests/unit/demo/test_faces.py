"""Tests of samm_pipeline.demo.faces: pseudo-subjects and clip timing.

The timing is checked on its own over many draws and in the ``small_demo``
dataset (fixture in ``tests/fixtures.py``); a subject's look is checked on the
rendered neutral frames.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from samm_pipeline.demo.actions import DEMO_CLASSES
from samm_pipeline.demo.faces import draw_timing


@pytest.mark.parametrize("fps", [10.0, 60.0, 200.0, 1000.0])
def test_drawn_timing_keeps_neutral_frames_around_the_motion(fps: float) -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        onset, apex, offset, n_frames = draw_timing(rng, rng.uniform(0.85, 1.2), fps)
        assert 0 < onset < apex < offset < n_frames - 1
        assert min(apex - onset, offset - apex, n_frames - 1 - offset) >= 2


def test_timing_is_ordered_and_within_the_clip(small_demo, csv_reader) -> None:
    for row in csv_reader(small_demo.csv_path):
        onset, apex, offset = (int(row[key]) for key in ("onset", "apex", "offset"))
        n_frames = int(row["n_frames"])
        # Neutral frames before the onset and after the offset.
        assert 0 < onset < apex < offset < n_frames - 1, row
        assert 25 <= n_frames <= 65, row
        duration_s = (offset - onset) / float(row["fps"])
        assert 0.15 <= duration_s <= 0.55, row


def test_subject_parameters_persist_across_its_clips(
    small_demo, csv_reader, video_reader
) -> None:
    """Neutral frames of one subject look alike; those of two subjects do not."""
    first = {
        (row["subject"], row["class"]): video_reader(small_demo.root / row["path"])[0]
        for row in csv_reader(small_demo.csv_path)
    }

    def distance(a: np.ndarray, b: np.ndarray) -> float:
        # Blurred, so that the per-clip sub-pixel jitter of pose does not count.
        blur_a, blur_b = (
            cv2.GaussianBlur(x.astype(np.float32), (0, 0), 2) for x in (a, b)
        )
        return float(np.abs(blur_a - blur_b).mean())

    same = max(distance(first["s01", c], first["s01", "anger"]) for c in DEMO_CLASSES)
    other = distance(first["s01", "anger"], first["s02", "anger"])
    assert same < 12.0 and other > 4 * same, (same, other)
