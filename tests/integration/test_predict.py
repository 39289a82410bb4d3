"""Prediction and streaming detection end to end: real clips, FaceMesh, Keras.

One small demo (3 pseudo-subjects x 6 classes x 1 clip at 256 px) is made,
extracted and trained with a hold-out split once per module; the tests then
predict its validation clips from their video files and from the store, and
stream one clip through the detector frame by frame.
"""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import DetectConfig, apply_overrides, load_config_over
from samm_pipeline.demo.run import load_demo_definition, run_demo
from samm_pipeline.infer.detect import StreamingDetector
from samm_pipeline.infer.predict import predict_clips
from samm_pipeline.infer.trained import load_trained
from samm_pipeline.io.frames import iter_frames
from samm_pipeline.io.store import open_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """A hold-out run on a small demo; returns (workdir, validation rows)."""
    workdir = tmp_path_factory.mktemp("predict") / "demo"
    config = apply_overrides(
        load_config_over(load_demo_definition(), None),
        {
            "demo.subjects": 3,
            "demo.clips_per_class": 1,
            "demo.size": 256,
            "augment.aug_times": 1,
            "train.epochs": 4,
            "evaluate.protocol": "holdout",
            "evaluate.test_fraction": 0.34,
        },
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAMM_PIPELINE_CACHE", str(workdir.parent / "cache"))
        run_demo(workdir, config, progress=False)
    with (workdir / "run" / "predictions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "the hold-out run recorded no validation predictions"
    return workdir, rows


def _video_of(workdir: Path, key: str) -> Path:
    class_name, clip = key.split("/")
    (video,) = (workdir / "clips" / class_name).glob(f"{clip}.*")
    return video


def test_predict_reproduces_the_runs_validation_probabilities(demo_run):
    workdir, rows = demo_run
    trained = load_trained(workdir / "run")
    keys = [row["clip"] for row in rows]
    videos = [str(_video_of(workdir, key)) for key in keys]
    recorded = np.array(
        [[float(row[f"p_{name}"]) for name in trained.classes] for row in rows]
    )

    from_store = predict_clips(trained, keys)
    from_video = predict_clips(trained, videos, jobs=2)
    for report in (from_store, from_video):
        assert not report.failures, report.failures
        got = np.stack([item.probabilities for item in report.clips])
        np.testing.assert_allclose(got, recorded, atol=2e-5)
        assert [item.predicted for item in report.clips] == [
            row["predicted"] for row in rows
        ]
    assert {item.kind for item in from_store.clips} == {"store"}
    assert {item.kind for item in from_video.clips} == {"video"}

    accuracy = np.mean([row["predicted"] == row["true"] for row in rows])
    metrics = json.loads((workdir / "run" / "metrics.json").read_text())
    assert accuracy == pytest.approx(metrics["accuracy"])


def test_cli_predict_lists_failures_and_still_predicts_the_rest(
    demo_run, tmp_path, video_writer, blank_rgb
):
    workdir, rows = demo_run
    video = _video_of(workdir, rows[0]["clip"])
    faceless = video_writer(tmp_path / "blank.mp4", [blank_rgb] * 5)
    arguments = [
        "-q", "predict", "--model", str(workdir / "run"), "--csv",
        str(video), str(faceless), str(tmp_path / "missing.mp4"),
    ]  # fmt: skip
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 1, result.output
    lines = result.stdout.strip().splitlines()
    table = list(csv.DictReader(lines))
    assert [row["clip"] for row in table] == arguments[5:]
    assert table[0]["predicted"] == rows[0]["predicted"]
    assert table[1]["predicted"] == table[2]["predicted"] == ""
    assert "no face found" in result.stderr
    assert "missing.mp4" in result.stderr
    assert result.stderr.count("error:") == 2


def test_streaming_detector_classifies_a_clip_frame_by_frame(demo_run):
    workdir, rows = demo_run
    trained = load_trained(workdir / "run")
    key = rows[0]["clip"]
    video = _video_of(workdir, key)
    frames = list(iter_frames(video))
    # min_frames chosen so that the last prediction falls on the last frame.
    min_frames = 10 + (len(frames) - 10) % 5
    config = DetectConfig(window=len(frames), min_frames=min_frames, stride=5)
    predictions = []
    with StreamingDetector(trained, config, fps=60.0) as detector:
        for frame in frames:
            prediction = detector.push(frame)
            if prediction is not None:
                predictions.append(prediction)
    # Predictions start once min_frames face frames are in, then every stride.
    assert [p.frame for p in predictions] == list(range(min_frames - 1, len(frames), 5))
    assert all(p.label in trained.classes for p in predictions)
    for prediction in predictions:
        assert sum(prediction.probabilities.values()) == pytest.approx(1, abs=1e-4)
        assert prediction.time == pytest.approx(prediction.frame / 60.0)
    # The last window is the whole clip, tracked from frame 0 as extraction
    # does, so its answer is the clip's own prediction from the store.
    stored = open_store(workdir / "landmarks.zarr")[key]
    expected = trained.predict_clip(stored)
    last = np.array([predictions[-1].probabilities[c] for c in trained.classes])
    np.testing.assert_allclose(last, expected, atol=1e-4)


def test_cli_detect_prints_a_timeline(demo_run):
    workdir, rows = demo_run
    video = _video_of(workdir, rows[0]["clip"])
    result = CliRunner().invoke(
        cli,
        [
            "-q", "detect", "--model", str(workdir / "run"), "--video", str(video),
            "--no-realtime", "--stride", "4", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert len(events) >= 3
    times = [event["time"] for event in events]
    assert times == sorted(times)
    assert {event["label"] for event in events} <= set(
        json.loads((workdir / "run" / "model.json").read_text())["classes"]
    )
    assert "predictions" in result.stderr


def test_detect_refuses_a_camera_that_does_not_open(demo_run):
    workdir, _ = demo_run
    result = CliRunner().invoke(
        cli, ["detect", "--model", str(workdir / "run"), "--camera", "97"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: camera 97 does not open")
    assert result.stderr.count("\n") == 1


def test_a_model_json_that_disagrees_with_model_keras_is_refused(demo_run, tmp_path):
    import shutil

    from samm_pipeline.errors import DataError

    workdir, _ = demo_run
    copy = tmp_path / "run"
    shutil.copytree(workdir / "run", copy)
    meta = json.loads((copy / "model.json").read_text())
    meta["classes"] = meta["classes"][:-1]
    (copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="disagrees with"):
        load_trained(copy)


def test_the_demo_recognises_its_spotted_micro_expressions(demo_run, tmp_path):
    """Spot then recognise: the run's model labels every spotted micro
    interval, and the STRS in metrics.json is what the interval log gives
    by the MEGC 2023 rule (recomputed here); ``spot --model`` repeats it."""
    workdir, _ = demo_run
    classes = json.loads((workdir / "run" / "model.json").read_text())["classes"]
    metrics = json.loads((workdir / "spotted" / "metrics.json").read_text())
    with (workdir / "spotted" / "intervals.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    micro = [row for row in rows if row["type"] == "micro" and row["outcome"] != "FN"]
    assert micro and all(row["label"] in classes for row in micro)
    assert all(row["label"] == "" for row in rows if row["type"] == "macro")
    pairs = [
        (row["truth_label"], row["label"])
        for row in micro
        if row["outcome"] == "TP" and row["truth_label"] in classes
    ]
    recognition = metrics["recognition"]
    assert recognition["n_scored"] == len(pairs)
    truths = sorted(
        {row["truth_label"] for row in rows if row["type"] == "micro"} & set(classes)
    )
    precision = recall = 0.0
    for name in truths:
        hits = sum(t == g == name for t, g in pairs)
        guessed = sum(g == name for _, g in pairs)
        precision += (hits / guessed if guessed else 0.0) / len(truths)
        actual = sum(t == name for t, _ in pairs)
        recall += (hits / actual if actual else 0.0) / len(truths)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
    tp = sum(row["outcome"] == "TP" for row in micro)
    fn = sum(row["type"] == "micro" and row["outcome"] == "FN" for row in rows)
    spot_f1 = 2 * tp / (len(micro) + tp + fn)
    assert pairs  # the demo's long videos have spotted, labelled micro TPs
    assert recognition["analysis"]["f1"] == pytest.approx(f1)
    assert recognition["strs"] == pytest.approx(spot_f1 * f1)

    out = tmp_path / "spotted"
    result = CliRunner().invoke(
        cli,
        ["spot", "--store", str(workdir / "longvideos.zarr"), "--output", str(out),
         "--model", str(workdir / "run"), "--no-figures"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "STRS" in result.output or "no STRS" in result.output
    again = json.loads((out / "metrics.json").read_text())["recognition"]
    assert again["analysis"] == recognition["analysis"]


def test_detect_with_the_spot_gate_classifies_the_spotted_intervals(demo_run):
    """A demo long video (a frame folder) through real FaceMesh and Keras:
    with --spot-gate every prediction is a spotted interval, in order, and the
    planted expressions the offline spotter finds are among them."""
    workdir, _ = demo_run
    folder = workdir / "longvideos" / "SAMM_longvideos" / "006_1"
    result = CliRunner().invoke(
        cli,
        ["-q", "detect", "--model", str(workdir / "run"), "--video", str(folder),
         "--fps", "30", "--spot-gate", "--no-realtime", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert events and all(event["kind"] in ("micro", "macro") for event in events)
    spans = [(event["onset"], event["offset"]) for event in events]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    assert all(event["frame"] >= event["offset"] for event in events)
    with (workdir / "spotted" / "intervals.csv").open(encoding="utf-8") as handle:
        hits = [
            (int(row["onset"]), int(row["offset"]))
            for row in csv.DictReader(handle)
            if row["video"] == "006_1" and row["outcome"] == "TP"
        ]
    assert hits
    for onset, offset in hits:  # each offline hit, the gate finds (IoU >= 0.5)
        assert any(
            (min(offset, b) - max(onset, a) + 1) / (max(offset, b) - min(onset, a) + 1)
            >= 0.5
            for a, b in spans
        )
