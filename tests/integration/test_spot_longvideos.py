"""Spotting end to end on real MediaPipe: a tiny SAMM Long Videos copy, extracted
into a store (one entry per long video, chunked along frames) and spotted.

The frames are scikit-image's astronaut portrait (a real face, 256 px, grey
JPEGs) moving sideways by up to 2 px, 40 per video, in the tree of
:func:`tests.unit.io.datasets.longvideo_trees.write_samm_lv`.
"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.io.store import FRAMES_PER_CHUNK, open_store
from tests.fixtures import shifted_face
from tests.unit.io.datasets.longvideo_trees import write_samm_lv

pytestmark = pytest.mark.slow


def test_a_samm_lv_copy_is_extracted_and_spotted(tmp_path, face_rgb):
    import cv2

    frames = shifted_face(face_rgb, 40)

    def write_frame(path, index):
        gray = cv2.cvtColor(frames[index], cv2.COLOR_RGB2GRAY)
        assert cv2.imwrite(str(path), gray)

    root = write_samm_lv(tmp_path / "data", writer=write_frame)
    store = tmp_path / "lv.zarr"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["-q", "extract", str(root), "--store", str(store), "--layout", "auto",
         "--jobs", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    opened = open_store(store)
    assert sorted(opened) == ["samm_lv/006_1", "samm_lv/007_3"]
    attrs = opened.entry_attrs("samm_lv/006_1")
    assert attrs["fps"] == 200.0 and attrs["dataset"] == "samm_lv"
    assert [item["type"] for item in attrs["intervals"]] == ["macro", "micro"]
    array = opened.landmark_array("samm_lv/006_1")
    assert array.chunks[0] == min(FRAMES_PER_CHUNK, 40)
    assert array[10:20].shape == (10, opened.n_landmarks, 3)

    out = tmp_path / "spotted"
    result = runner.invoke(cli, ["spot", "--store", str(store), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "baseline" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_videos"] == 2
    assert metrics["evaluation"]["overall"]["n_truths"] == 2
    rows = list(csv.DictReader((out / "intervals.csv").open()))
    assert {row["video"] for row in rows} <= {"006_1", "007_3"}
    assert (out / "timelines" / "006_1.png").stat().st_size > 0
