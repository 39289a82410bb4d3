"""spot_video end to end on synthetic long videos at 30 and 200 fps."""

from __future__ import annotations

import numpy as np
import pytest

from samm_pipeline.spot import signal as signal_module
from samm_pipeline.spot.evaluate import evaluate_spotting
from samm_pipeline.spot.intervals import Interval, interval_iou
from samm_pipeline.spot.spotter import spot_video
from tests.unit.spot.synthetic import BROW_RAISE, MOUTH_SMILE, synthetic_video


@pytest.mark.parametrize("fps", [30.0, 200.0])
def test_the_brow_micro_and_the_mouth_macro_are_found_with_their_types(fps):
    found = spot_video(synthetic_video(fps), fps)
    micro = Interval(*BROW_RAISE.frames(fps), "micro")
    macro = Interval(*MOUTH_SMILE.frames(fps), "macro")
    assert [i.kind for i in found] == ["micro", "macro"]
    assert interval_iou(found[0], micro) >= 0.5
    assert interval_iou(found[1], macro) >= 0.5
    result = evaluate_spotting({"v": found}, {"v": [micro, macro]})
    assert result.counts["overall"].f1 == 1.0


@pytest.mark.parametrize("fps", [30.0, 200.0])
def test_head_motion_alone_gives_no_interval(fps):
    assert spot_video(synthetic_video(fps, movements=()), fps) == []


def test_without_head_motion_removal_the_nod_would_be_spotted(monkeypatch):
    """The quick nod is an expression to a spotter that does not align frames."""

    def identity(points, reference):
        n = len(points)
        return np.ones(n), np.repeat(np.eye(2)[None], n, axis=0), np.zeros((n, 2))

    monkeypatch.setattr(signal_module, "similarity_transforms", identity)
    assert spot_video(synthetic_video(30.0, movements=()), 30.0)
