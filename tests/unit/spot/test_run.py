"""run_spotting and the ``spot`` command on a tiny store of synthetic long videos.

The store holds two long videos at 30 fps (the synthetic face of
:mod:`tests.unit.spot.synthetic`: a 0.3 s brow raise and a 2 s smile, with
head motion), their intervals in the entry attributes, and one ordinary clip
without intervals.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import SpotRegion, SpotSettings
from samm_pipeline.errors import DataError
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.landmarks import REGIONS
from samm_pipeline.spot.run import run_spotting
from samm_pipeline.spot.video import truth_intervals
from tests.unit.spot.synthetic import BROW_RAISE, MOUTH_SMILE, synthetic_video

FPS = 30.0


def _intervals(fps: float) -> list[dict]:
    micro, macro = BROW_RAISE.frames(fps), MOUTH_SMILE.frames(fps)
    return [
        {"onset": micro[0], "apex": None, "offset": micro[1], "type": "micro",
         "label": "surprise"},
        {"onset": macro[0], "apex": None, "offset": macro[1], "type": "macro",
         "label": "happiness"},
    ]  # fmt: skip


@pytest.fixture
def long_store(tmp_path):
    path = tmp_path / "long.zarr"
    writer = StoreWriter(path, extractor={"name": "synthetic"}, n_landmarks=478)
    video = synthetic_video(FPS).astype(np.float32)
    common = {"fps": FPS, "width": 512, "height": 512, "dataset": "samm_lv"}
    for clip in ("006_1", "007_2"):
        attrs = {**common, "n_frames": len(video), "intervals": _intervals(FPS)}
        writer.write_clip(f"long_videos/{clip}", video, attrs)
    writer.write_clip("happy/short", video[:40], {**common, "n_frames": 40})
    return path


def test_the_spot_regions_are_the_landmark_regions():
    from typing import get_args

    assert set(get_args(SpotRegion)) == set(REGIONS)


def test_truth_intervals_read_the_attributes():
    truths = truth_intervals({"intervals": _intervals(FPS)}, FPS)
    assert [t.kind for t in truths] == ["micro", "macro"]
    assert truth_intervals({"onset": 1}, FPS) is None


def test_long_videos_are_spotted_scored_and_logged(long_store, tmp_path):
    seen = []
    report = run_spotting(
        long_store,
        tmp_path / "out",
        SpotSettings(),
        timeline=lambda path, spotted: seen.append((path.name, spotted.video)),
    )
    assert report.n_videos == 2 and sorted(seen) == [
        ("006_1.png", "006_1"),
        ("007_2.png", "007_2"),
    ]
    assert report.evaluation.counts["overall"].f1 == 1.0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["evaluation"]["overall"]["tp"] == 4
    assert metrics["baseline"]["evaluation"]["overall"]["n_predictions"] == 2
    rows = list(csv.DictReader((tmp_path / "out" / "intervals.csv").open()))
    assert {row["outcome"] for row in rows} == {"TP"}
    assert {row["video"] for row in rows} == {"006_1", "007_2"}
    assert "baseline" in report.summary()


def test_every_entry_spots_the_unannotated_clip_without_scoring_it(
    long_store, tmp_path
):
    report = run_spotting(long_store, tmp_path / "out", every_entry=True)
    assert report.n_videos == 3
    assert report.evaluation.counts["overall"].n_truths == 4


def test_a_store_without_long_videos_is_refused(tmp_path):
    path = tmp_path / "short.zarr"
    writer = StoreWriter(path, extractor={"name": "synthetic"}, n_landmarks=478)
    writer.write_clip("happy/a", np.zeros((5, 478, 3), np.float32), {"fps": 30.0})
    with pytest.raises(DataError, match="--all"):
        run_spotting(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_prints_one_line_and_writes_the_figures(long_store, tmp_path):
    out = tmp_path / "spotted"
    result = CliRunner().invoke(
        cli, ["spot", "--store", str(long_store), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "overall 1.000" in result.output and "baseline" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in (out / "timelines").iterdir()) == [
        "006_1.png",
        "007_2.png",
    ]


def test_bad_input_is_one_line_and_exit_1(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["spot", "--store", str(tmp_path / "none.zarr"), "--output", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "error:" in result.output


def test_the_spot_table_is_read_from_the_config(long_store, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text("[spot]\nthreshold_fraction = 2.0\n")
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "spot", "--store", str(long_store), "--output",
         str(tmp_path / "o")],
    )  # fmt: skip
    assert result.exit_code == 1 and "[spot] threshold_fraction" in result.output


class _Recogniser:
    """Answers by video: right on 006_1 (its micro truth is surprise), wrong
    on 007_2."""

    classes = ("happiness", "surprise")

    def __init__(self):
        self.calls = []

    def __call__(self, store, key, interval):
        self.calls.append((key, interval.onset, interval.offset, interval.kind))
        return "surprise" if key.endswith("006_1") else "happiness"


def test_spot_then_recognise_labels_micro_predictions_and_scores_strs(
    long_store, tmp_path
):
    recogniser = _Recogniser()
    report = run_spotting(long_store, tmp_path / "out", recogniser=recogniser)
    assert {kind for *_, kind in recogniser.calls} == {"micro"}
    assert len(recogniser.calls) == report.evaluation.counts["micro"].n_predictions
    recognition = report.recognition
    assert recognition.n_true_positives == 2 and recognition.n_scored == 2
    assert recognition.analysis.n_correct == 1  # 007_2's answer is wrong
    assert recognition.strs == pytest.approx(
        report.evaluation.counts["micro"].f1 * recognition.analysis.f1
    )
    rows = list(csv.DictReader((tmp_path / "out" / "intervals.csv").open()))
    micro = [row for row in rows if row["type"] == "micro"]
    assert {(row["video"], row["label"], row["truth_label"]) for row in micro} == {
        ("006_1", "surprise", "surprise"),
        ("007_2", "happiness", "surprise"),
    }
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["recognition"]["strs"] == pytest.approx(recognition.strs)
    assert "STRS" in report.summary()


def test_loso_threshold_tuning_chooses_per_held_out_subject(tmp_path):
    path = tmp_path / "subjects.zarr"
    writer = StoreWriter(path, extractor={"name": "synthetic"}, n_landmarks=478)
    common = {"fps": FPS, "width": 512, "height": 512, "dataset": "samm_lv"}
    for seed, (clip, subject) in enumerate(
        [("006_1", "006"), ("006_2", "006"), ("007_1", "007")]
    ):
        video = synthetic_video(FPS, seed=seed).astype(np.float32)
        attrs = {**common, "n_frames": len(video), "intervals": _intervals(FPS)}
        writer.write_clip(f"samm_lv/{clip}", video, {**attrs, "subject": subject})
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["spot", "--store", str(path), "--output", str(out), "--no-figures",
         "--threshold-tuning", "loso"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "chosen leave-one-subject-out" in result.output
    tuning = json.loads((out / "metrics.json").read_text())["threshold_tuning"]
    assert set(tuning["chosen"]) == {"006", "007"}
    assert set(tuning["scores"]["007"]) == {
        f"{value:g}" for value in SpotSettings().threshold_grid
    }
    # each video is spotted with its own subject's held-out value
    from dataclasses import replace

    from samm_pipeline.io.store import open_store
    from samm_pipeline.spot.video import spot_entry

    store = open_store(path)
    rows = list(csv.DictReader((out / "intervals.csv").open()))
    for key in store:
        subject = store.entry_attrs(key)["subject"]
        settings = replace(SpotSettings(), threshold_fraction=tuning["chosen"][subject])
        expected = spot_entry(store, key, settings).predictions
        video = key.split("/")[1]
        logged = sorted(
            (int(row["onset"]), int(row["offset"]))
            for row in rows
            if row["video"] == video and row["outcome"] in ("TP", "FP")
        )
        assert logged == sorted((i.onset, i.offset) for i in expected)


def test_loso_threshold_tuning_needs_subjects(long_store, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["spot", "--store", str(long_store), "--output", str(tmp_path / "o"),
         "--threshold-tuning", "loso"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "needs each annotated video's subject" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
