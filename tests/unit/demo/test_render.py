"""Tests of samm_pipeline.demo.render: the written videos and their warp size.

Reads the ``small_demo`` dataset (fixture in ``tests/fixtures.py``: 2 subjects
x 6 classes x 1 clip at 128 px, 60 fps). The real-FaceMesh check of the motion
itself is in ``tests/integration/test_synthetic_facemesh.py``.
"""

from __future__ import annotations

import cv2
import pytest


def test_videos_match_the_csv(small_demo, csv_reader, video_reader) -> None:
    for row in csv_reader(small_demo.csv_path)[:4]:
        video = small_demo.root / row["path"]
        capture = cv2.VideoCapture(str(video))
        fps = capture.get(cv2.CAP_PROP_FPS)
        capture.release()
        frames = video_reader(video)
        assert len(frames) == int(row["n_frames"])
        assert frames[0].shape == (128, 128, 3)
        assert fps == pytest.approx(60.0)


def test_amplitude_is_micro_expression_scale(small_demo, csv_reader) -> None:
    # Stated at 512 px and scaled with the frame size (128 px here).
    for row in csv_reader(small_demo.csv_path):
        amplitude_at_512 = float(row["amplitude_px"]) * 512 / small_demo.size
        assert 1.5 <= amplitude_at_512 <= 5.5, row
