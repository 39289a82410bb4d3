"""The threshold chosen leave-one-subject-out: a subject's own truths never
choose the threshold its videos are spotted with."""

from __future__ import annotations

import numpy as np
import pytest

from samm_pipeline.config import SpotSettings
from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.peaks import find_intervals
from samm_pipeline.spot.signal import MotionSignal
from samm_pipeline.spot.tune import tune_threshold_loso

FPS = 30.0
BUMPS = ((60, 10.0), (150, 3.0))  # (onset, height): a strong and a weak movement


def _signal(bumps=BUMPS, n_frames=240) -> MotionSignal:
    fine = np.zeros(n_frames)
    for onset, height in bumps:
        fine[onset : onset + 9] = height * np.hanning(11)[1:-1]
    return MotionSignal(
        fps=FPS, regions=("lips",), displacement=fine[:, None], noise=np.ones(1),
        combined=fine, micro=fine, macro=fine, present=np.ones(n_frames, bool),
    )  # fmt: skip


def _truth(onset: int) -> Interval:
    return Interval(onset, onset + 8, "micro")


SETTINGS = SpotSettings(min_height=0.0, threshold_grid=(0.2, 0.5))


def test_each_subject_gets_the_threshold_the_others_videos_choose():
    signals = {"a1": _signal(), "b1": _signal(), "c1": _signal()}
    truths = {
        "a1": [_truth(60)],  # the weak movement is not an expression here
        "b1": [_truth(60), _truth(150)],
        "c1": [_truth(60), _truth(150)],
    }
    subjects = {"a1": "A", "b1": "B", "c1": "C"}
    # a threshold of 0.2 finds both movements, 0.5 only the strong one
    low = find_intervals(signals["a1"], SETTINGS)
    assert [i.onset for i in low] == pytest.approx([60, 150], abs=2)
    result = tune_threshold_loso(signals, truths, subjects, SETTINGS)
    # A alone would choose 0.5; the others' videos choose 0.2 for it
    assert result.scores["A"][0.2] == 1.0 and result.scores["A"][0.5] < 1.0
    assert result.chosen == {"A": 0.2, "B": 0.2, "C": 0.2}
    assert result.tied == {"A": False, "B": False, "C": False}
    # B held out: A (prefers 0.5) and C (prefers 0.2) pooled -> 6/7 against 4/5
    assert result.scores["B"][0.2] == pytest.approx(6 / 7)
    assert result.scores["B"][0.5] == pytest.approx(4 / 5)
    assert "0.2 (3 subjects)" in result.summary()
    assert result.metrics()["chosen"] == {"A": 0.2, "B": 0.2, "C": 0.2}


def test_ties_go_to_the_configured_fraction_and_one_subject_is_refused():
    signals = {"a": _signal(), "b": _signal()}
    truths = {"a": [_truth(60)], "b": [_truth(60)]}
    settings = SpotSettings(min_height=0.0, threshold_grid=(0.5, 0.6, 0.7))
    result = tune_threshold_loso(signals, truths, {"a": "A", "b": "B"}, settings)
    assert set(result.chosen.values()) == {0.5}  # all score 1.0; 0.5 is nearest 0.15
    assert all(result.tied.values())
    with pytest.raises(ValueError, match="at least 2 subjects"):
        tune_threshold_loso(signals, truths, {"a": "A", "b": "A"}, settings)
