"""Blink suppression: eye openness, blink frames, and blinks not spotted."""

from __future__ import annotations

import numpy as np
import pytest

from samm_pipeline.spot import blink as blink_module
from samm_pipeline.spot.blink import blink_frames, eye_openness
from samm_pipeline.spot.intervals import Interval, interval_iou
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.signal import motion_signal
from samm_pipeline.spot.spotter import spot_video
from tests.unit.spot.synthetic import (
    BROW_RAISE,
    MOUTH_SMILE,
    blink,
    neutral_face,
    synthetic_video,
)

OFF = SpotSettings(blink_suppression=False)


@pytest.mark.parametrize("fps", [30.0, 200.0])
def test_a_blink_dragging_the_brows_is_spotted_only_without_suppression(fps):
    video = synthetic_video(fps, movements=blink(5.0), eyes=True)
    assert spot_video(video, fps, OFF), "the blink must look like an expression"
    assert spot_video(video, fps) == []


@pytest.mark.parametrize("fps", [30.0, 200.0])
def test_a_brow_micro_expression_without_a_blink_is_still_found(fps):
    movements = (BROW_RAISE, *blink(6.0), *blink(12.0), MOUTH_SMILE)
    found = spot_video(synthetic_video(fps, movements=movements, eyes=True), fps)
    micro = Interval(*BROW_RAISE.frames(fps), "micro")
    macro = Interval(*MOUTH_SMILE.frames(fps), "macro")
    assert [i.kind for i in found] == ["micro", "macro"]
    assert interval_iou(found[0], micro) >= 0.5
    assert interval_iou(found[1], macro) >= 0.5


@pytest.mark.parametrize("fps", [30.0, 200.0])
def test_the_blink_frames_cover_the_blink_in_seconds_at_any_fps(fps):
    video = synthetic_video(fps, seconds=8.0, movements=blink(5.0), eyes=True)
    signal = motion_signal(video, fps)
    blinks = np.flatnonzero(signal.blinks)
    onset, offset = blink(5.0)[0].frames(fps)
    assert blinks.min() <= onset and blinks.max() >= offset
    # closed over the middle of 0.15 s, widened by 0.1 s either side
    assert 0.25 <= len(blinks) / fps <= 0.4
    assert (signal.combined[signal.blinks] == 0).all()
    assert motion_signal(video, fps, OFF).blinks is None


def test_openness_ignores_the_face_size_and_frames_without_a_face(monkeypatch):
    face = neutral_face(eyes=True)
    small = face.copy()
    small[:, :2] = 0.5 + 0.5 * (face[:, :2] - 0.5)
    video = np.stack([face, small, np.full_like(face, np.nan), face] * 3)
    openness = eye_openness(video)
    assert openness[0] == pytest.approx(openness[1])
    assert np.isnan(openness[2])
    monkeypatch.setattr(blink_module, "WINDOW_FRAMES", 5)  # read window by window
    np.testing.assert_array_equal(eye_openness(video), openness)


def test_blink_frames_use_the_median_and_widen_by_seconds():
    openness = np.ones(40)
    openness[20] = 0.7  # below 0.75 of the median
    openness[30] = 0.8  # not below
    openness[5] = np.nan  # no face: never a blink
    closed = blink_frames(openness, 10.0, 0.75, 0.2)
    assert np.flatnonzero(closed).tolist() == [18, 19, 20, 21, 22]
    assert np.flatnonzero(blink_frames(openness, 10.0, 0.75, 0.0)).tolist() == [20]
    assert not blink_frames(np.full(5, np.nan), 10.0, 0.75, 0.1).any()


def test_blink_settings_have_ranges():
    with pytest.raises(ValueError) as error:
        SpotSettings(blink_openness_fraction=1.0, blink_margin_seconds=-0.1)
    assert "blink_openness_fraction" in str(error.value)
    assert "blink_margin_seconds" in str(error.value)
