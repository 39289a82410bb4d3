"""The spotting notebook runs end to end against a small long-video store made here.

Two synthetic long videos at 30 fps (:mod:`tests.unit.spot.synthetic`: a
0.3 s brow raise, a 2 s smile, head motion, and in the second a blink), an
ordinary clip without intervals that the listing must leave out, and in the
first video an annotated micro-expression that never happens (a miss), so
that the scores the notebook prints are not all 1.0.
"""

from __future__ import annotations

import runpy
from functools import cache
from pathlib import Path

import numpy as np

from samm_pipeline.spot.evaluate import evaluate_spotting
from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.spotter import spot_video
from tests.unit.spot.synthetic import (
    BROW_RAISE,
    MOUTH_SMILE,
    Movement,
    blink,
    synthetic_video,
)

NOTEBOOK = Path(__file__).parents[2] / "pipeline" / "notebooks" / "spot_long_videos.py"
FPS = 30.0
PHANTOM = Movement((), 1.5, 0.3, (0.0, 0.0))
"""An annotated micro-expression where nothing moves."""

ANNOTATED = {
    "006_1": (PHANTOM, BROW_RAISE, MOUTH_SMILE),
    "007_2": (BROW_RAISE, MOUTH_SMILE),
}
"""Clip id -> the movements its ``intervals`` list."""


@cache
def _videos() -> dict[str, np.ndarray]:
    """Clip id -> landmarks (made once)."""
    return {
        "006_1": synthetic_video(FPS),
        "007_2": synthetic_video(
            FPS, movements=(BROW_RAISE, MOUTH_SMILE, *blink(12.0)), eyes=True
        ),
    }


def _kind(movement: Movement) -> str:
    return "micro" if movement.duration_seconds <= 0.5 else "macro"


def _write_store(path: Path) -> Path:
    from samm_pipeline.io.store_writer import StoreWriter

    writer = StoreWriter(path, extractor={"name": "synthetic"}, n_landmarks=478)
    common = {"fps": FPS, "width": 512, "height": 512, "dataset": "samm_lv"}
    for clip, video in _videos().items():
        intervals = [
            {"onset": on, "apex": None, "offset": off, "type": _kind(movement)}
            for movement in ANNOTATED[clip]
            for on, off in [movement.frames(FPS)]
        ]
        attrs = {**common, "n_frames": len(video), "intervals": intervals}
        writer.write_clip(f"samm_lv/{clip}", video, attrs)
    short = synthetic_video(FPS, seconds=2.0, movements=())
    writer.write_clip("happy/short", short, {**common, "n_frames": len(short)})
    return path


def _truths(clip: str) -> list[Interval]:
    return sorted(
        Interval(*movement.frames(FPS), _kind(movement)) for movement in ANNOTATED[clip]
    )


def test_the_notebook_spots_scores_and_draws_a_long_video(
    tmp_path, monkeypatch, capsys
):
    store = _write_store(tmp_path / "long.zarr")
    figures = tmp_path / "figures"
    monkeypatch.setenv("SAMM_PIPELINE_STORE", str(store))
    monkeypatch.setenv("SAMM_PIPELINE_KEY", "samm_lv/006_1")
    monkeypatch.setenv("SAMM_PIPELINE_FIGURES", str(figures))
    namespace = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    out = capsys.readouterr().out

    # the listing: long videos only, with their annotated counts
    assert "2 long videos" in out and "happy/short" not in out
    assert "samm_lv/006_1: 420 frames at 30.0 fps, 2 micro and 1 macro" in out
    assert "samm_lv/007_2: 420 frames at 30.0 fps, 1 micro and 1 macro" in out

    # the lazy window: the frames asked for, 2 s from 5 s in
    video = _videos()["006_1"]
    np.testing.assert_array_equal(namespace["window"], video[150:210])
    assert "chunks 0-0 of 2" in out

    # the spotting and its scores, against the spotter and evaluation run here
    spotted = namespace["spotted"]
    assert spotted.video == "006_1"
    assert list(spotted.truths) == _truths("006_1")
    truths = {"006_1": _truths("006_1")}
    settings = {"evaluation": SpotSettings(),
                "evaluation_changed": SpotSettings(threshold_fraction=0.2)}  # fmt: skip
    expected = {}
    for name, chosen in settings.items():
        found = spot_video(video, FPS, chosen, width=512, height=512)
        expected[name] = evaluate_spotting({"006_1": found}, truths).counts
        assert namespace[name].counts == expected[name]
        overall = expected[name]["overall"]
        assert (
            f"overall TP {overall.true_positives} FP {overall.false_positives} "
            f"FN {overall.false_negatives} F1 {overall.f1:.3f}"
        ) in out
    before = expected["evaluation"]["overall"]
    after = expected["evaluation_changed"]["overall"]
    assert before.false_negatives >= 1 and 0 < before.f1 < 1  # the phantom is missed
    assert (
        f"overall F1: {before.f1:.3f} (threshold_fraction 0.15) "
        f"-> {after.f1:.3f} (threshold_fraction 0.2)"
    ) in out

    # the figures: both written, real PNGs with something drawn
    assert sorted(namespace["saved"]) == ["region_displacement", "timeline"]
    for path in namespace["saved"].values():
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000


def test_the_notebook_spots_the_video_asked_for_and_shows_its_blinks(
    tmp_path, monkeypatch, capsys
):
    store = _write_store(tmp_path / "long.zarr")
    monkeypatch.setenv("SAMM_PIPELINE_STORE", str(store))
    monkeypatch.setenv("SAMM_PIPELINE_KEY", "samm_lv/007_2")
    monkeypatch.delenv("SAMM_PIPELINE_FIGURES", raising=False)
    namespace = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    out = capsys.readouterr().out
    assert namespace["spotted"].video == "007_2" and namespace["saved"] == {}
    blinks = namespace["signal"].blinks
    assert blinks is not None and blinks[int(12.05 * FPS)]
    assert f"blink frames suppressed: {int(blinks.sum())}" in out
