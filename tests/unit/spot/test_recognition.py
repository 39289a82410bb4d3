"""Spot then recognise: STRS on hand-computed cases."""

from __future__ import annotations

import pytest

from samm_pipeline.spot.evaluate import evaluate_spotting
from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.recognition import evaluate_recognition


def test_strs_counts_only_the_spotted_micro_true_positives():
    truths = {
        "v1": [
            Interval(10, 19, "micro", label="positive"),
            Interval(40, 49, "micro", label="negative"),
            Interval(70, 79, "micro", label="negative"),  # missed: not recognised
            Interval(100, 199, "macro", label="positive"),  # macro: never analysed
        ],
        "v2": [
            Interval(0, 9, "micro", label="Surprise"),  # case-insensitive
            Interval(30, 39, "micro", label="others"),  # not a model class
            Interval(60, 69, "micro"),  # no emotion annotated
        ],
    }
    predictions = {
        "v1": [
            Interval(10, 19, "micro", label="positive"),  # TP, right
            Interval(41, 49, "micro", label="positive"),  # TP, wrong
            Interval(120, 130, "micro", label="negative"),  # FP: not analysed
            Interval(100, 199, "macro", label=""),
        ],
        "v2": [
            Interval(0, 9, "micro", label="surprise"),  # TP, right
            Interval(30, 39, "micro", label="negative"),  # TP, unknown truth
            Interval(60, 69, "micro", label="negative"),  # TP, no truth label
        ],
    }
    spotting = evaluate_spotting(predictions, truths)
    micro = spotting.counts["micro"]
    assert (micro.true_positives, micro.n_predictions, micro.n_truths) == (5, 6, 6)
    result = evaluate_recognition(spotting, ("negative", "positive", "surprise"))
    assert (result.n_true_positives, result.n_scored) == (5, 3)
    assert (result.n_unknown, result.n_unlabelled) == (1, 1)
    # scored pairs: (positive, positive), (negative, positive), (surprise, surprise)
    # negative: P 0/0 -> 0, R 0/1; positive: P 1/2, R 1/1; surprise: P 1, R 1
    assert result.analysis.classes == ("negative", "positive", "surprise")
    assert result.analysis.precision == pytest.approx((0 + 0.5 + 1) / 3)
    assert result.analysis.recall == pytest.approx((0 + 1 + 1) / 3)
    p, r = 0.5, 2 / 3
    assert result.analysis.f1 == pytest.approx(2 * p * r / (p + r))
    assert result.analysis.uf1 == pytest.approx((0 + 2 / 3 + 1) / 3)
    assert result.analysis.n_correct == 2
    assert result.spotting_f1 == pytest.approx(5 / 6)
    assert result.strs == pytest.approx(5 / 6 * 2 * p * r / (p + r))
    # majority baseline: the three classes tie at one pair each; the first
    # seen (positive) is given to all three pairs: right once
    assert result.baseline.n_correct == 1
    assert result.baseline.precision == pytest.approx((0 + 1 / 3 + 0) / 3)
    assert result.baseline.recall == pytest.approx((0 + 1 + 0) / 3)
    assert result.baseline_strs == pytest.approx(5 / 6 * result.baseline.f1)
    assert "STRS" in result.summary() and result.metrics()["n_scored"] == 3


def test_without_annotated_emotions_there_is_no_strs():
    truths = {"v": [Interval(0, 9, "micro")]}
    spotting = evaluate_spotting({"v": [Interval(0, 9, "micro", label="x")]}, truths)
    result = evaluate_recognition(spotting, ("x",))
    assert result.strs is None and result.n_unlabelled == 1
    assert "no emotion annotated" in result.summary()


def test_a_perfect_recogniser_scores_its_spotting_f1():
    truths = {"v": [Interval(0, 9, "micro", label="a"), Interval(20, 29, label="b")]}
    predictions = {
        "v": [Interval(0, 9, "micro", label="a"), Interval(20, 29, label="b")]
    }
    result = evaluate_recognition(evaluate_spotting(predictions, truths), "ab")
    assert result.analysis.f1 == result.analysis.uf1 == result.analysis.uar == 1.0
    assert result.strs == result.spotting_f1 == 1.0


def test_an_emotion_never_spotted_still_counts_as_a_class():
    """As the STRS-Metric script: the analysis classes are every annotated
    micro emotion the model knows, so a missed class scores P = R = 0."""
    truths = {"v": [Interval(0, 9, "micro", label="a"), Interval(40, 49, label="b")]}
    spotting = evaluate_spotting({"v": [Interval(0, 9, "micro", label="a")]}, truths)
    result = evaluate_recognition(spotting, ("a", "b"))
    assert result.analysis.classes == ("a", "b")
    assert result.analysis.precision == result.analysis.recall == 0.5
    assert result.strs == pytest.approx(spotting.counts["micro"].f1 * 0.5)
    # a class the model predicts but no truth has is not an analysis class
    wrong = evaluate_spotting({"v": [Interval(0, 9, "micro", label="c")]}, truths)
    assert evaluate_recognition(wrong, ("a", "b", "c")).analysis.classes == ("a", "b")
