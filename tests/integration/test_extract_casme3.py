"""Stage 1 end to end on a CAS(ME)^3 part A tree: real MediaPipe, a real store.

The recording is built from scikit-image's astronaut portrait (a real face):
``part_A/spNO.1/a/color/1.jpg..8.jpg`` with the label spreadsheet naming one
micro-expression, frames 3..6. Only those four frames may be read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.config import ExtractConfig
from samm_pipeline.extract.runner import run_extraction
from samm_pipeline.io.store import open_store

pytestmark = pytest.mark.slow


def test_casme3_window_of_a_recording(tmp_path: Path, face_rgb, moving_face) -> None:
    import cv2
    from openpyxl import Workbook

    root = tmp_path / "part_A"
    color = root / "spNO.1" / "a" / "color"
    color.mkdir(parents=True)
    frames = moving_face(face_rgb, 8)
    for number, frame in enumerate(frames, start=1):
        assert cv2.imwrite(str(color / f"{number}.jpg"), frame[..., ::-1])
    # a frame outside the window no decoder can read: reading it fails the clip
    (color / "8.jpg").write_bytes(b"not a jpeg")
    book = Workbook()
    sheet = book.active
    sheet.title = "label"
    sheet.append(["Subject", "Filename", "Onset", "Apex", "Offset", "AU",
                  "Objective class", "emotion"])  # fmt: skip
    sheet.append(["spNO.1", "a", 3, 5, 6, "12", "I", "happy"])
    book.save(root / "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx")

    report = run_extraction(
        root, tmp_path / "s.zarr", ExtractConfig(jobs=1), progress=False
    )
    assert report.layout == "casme3"
    store = open_store(tmp_path / "s.zarr")
    assert sorted(store) == ["happy/spNO.1_a_3"]
    clip = store["happy/spNO.1_a_3"]
    assert clip.landmarks.shape == (4, 478, 3) and clip.detected.all()
    assert clip.subject == "spNO.1" and clip.fps == 30.0
    assert (clip.attrs["onset"], clip.attrs["apex"], clip.attrs["offset"]) == (0, 2, 3)
    assert clip.attrs["window"] == [2, 5]
    assert clip.attrs["source"] == "spNO.1/a/color"
    xy = clip.landmarks[..., :2]
    assert np.isfinite(xy).all() and 0.1 < xy.min() and xy.max() < 0.95
