"""The MEGC spotting evaluation against counts worked out by hand."""

from __future__ import annotations

import json

import pytest

from samm_pipeline.spot.evaluate import (
    INTERVAL_COLUMNS,
    SpotCounts,
    evaluate_spotting,
    match_intervals,
)
from samm_pipeline.spot.intervals import Interval, interval_iou


def _case():
    """Three videos; the IoUs are written beside each prediction.

    a: micro truths [10,19], [40,49]; macro truth [100,199].
       micro [10,19] hits [10,19] (IoU 1); micro [12,21] overlaps it and could
       hit [10,19] too (IoU 8/12) but that truth is taken: FP; micro [40,44]
       hits [40,49] at IoU exactly 5/10 = 0.5: TP; macro [100,148] has IoU
       49/100 = 0.49 with [100,199], just below: FP (and the truth a FN);
       macro [300,310] hits nothing: FP.
    b: one micro truth, no prediction: FN.
    c: one micro prediction, no truth: FP.
    """
    truths = {
        "a": [
            Interval(10, 19, "micro"),
            Interval(40, 49, "micro"),
            Interval(100, 199, "macro"),
        ],
        "b": [Interval(0, 9, "micro")],
    }
    predictions = {
        "a": [
            Interval(10, 19, "micro", 3.0),
            Interval(12, 21, "micro", 2.0),
            Interval(40, 44, "micro", 1.0),
            Interval(100, 148, "macro", 1.0),
            Interval(300, 310, "macro", 1.0),
        ],
        "c": [Interval(5, 8, "micro", 1.0)],
    }
    return predictions, truths


def test_iou_at_and_just_below_one_half():
    assert interval_iou(Interval(40, 44), Interval(40, 49)) == 0.5
    assert interval_iou(Interval(100, 148), Interval(100, 199)) == pytest.approx(0.49)


def test_counts_of_the_hand_computed_case():
    predictions, truths = _case()
    counts = evaluate_spotting(predictions, truths).counts
    assert counts["micro"] == SpotCounts(n_truths=3, n_predictions=4, true_positives=2)
    assert counts["macro"] == SpotCounts(n_truths=1, n_predictions=2, true_positives=0)
    assert counts["overall"] == SpotCounts(
        n_truths=4, n_predictions=6, true_positives=2
    )
    micro = counts["micro"]
    assert (micro.false_positives, micro.false_negatives) == (2, 1)
    assert micro.precision == 0.5
    assert micro.recall == pytest.approx(2 / 3)
    assert micro.f1 == pytest.approx(4 / 7)
    assert counts["macro"].f1 == 0.0


def test_overall_pools_the_counts_not_the_f1s():
    predictions, truths = _case()
    counts = evaluate_spotting(predictions, truths).counts
    assert counts["overall"].precision == pytest.approx(1 / 3)
    assert counts["overall"].recall == 0.5
    assert counts["overall"].f1 == pytest.approx(0.4)
    mean_of_f1s = (counts["micro"].f1 + counts["macro"].f1) / 2
    assert counts["overall"].f1 != pytest.approx(mean_of_f1s)


def test_records_log_every_prediction_and_every_missed_truth():
    predictions, truths = _case()
    records = evaluate_spotting(predictions, truths).records
    table = [(r.video, r.type, r.outcome, r.onset, r.truth_onset) for r in records]
    assert table == [
        ("a", "micro", "TP", 10, 10),
        ("a", "micro", "FP", 12, None),
        ("a", "micro", "TP", 40, 40),
        ("a", "macro", "FP", 100, None),
        ("a", "macro", "FN", None, 100),
        ("a", "macro", "FP", 300, None),
        ("b", "micro", "FN", None, 0),
        ("c", "micro", "FP", 5, None),
    ]
    assert records[2].iou == 0.5
    assert list(records[0].as_row()) == list(INTERVAL_COLUMNS)


def test_a_truth_is_matched_once():
    truth = [Interval(0, 9, "micro")]
    twice = [Interval(0, 9, "micro"), Interval(0, 8, "micro"), Interval(1, 9, "micro")]
    counts = evaluate_spotting({"v": twice}, {"v": truth}).counts["micro"]
    assert (counts.true_positives, counts.false_positives) == (1, 2)


def test_the_matching_is_maximum_not_greedy():
    """A greedy best-IoU match pairs [0,4] with [0,3] and leaves [0,2] without
    a truth; the maximum matching finds both hits."""
    truths = [Interval(0, 3), Interval(2, 5)]
    predictions = [Interval(0, 4), Interval(0, 2)]
    assert interval_iou(predictions[0], truths[0]) > interval_iou(
        predictions[0], truths[1]
    )
    pairs = match_intervals(predictions, truths)
    assert [(p, t) for p, t, _ in pairs] == [(0, 1), (1, 0)]


def test_a_prediction_hits_only_a_truth_of_its_own_type():
    result = evaluate_spotting(
        {"v": [Interval(0, 9, "micro")]}, {"v": [Interval(0, 9, "macro")]}
    )
    assert result.counts["overall"] == SpotCounts(1, 1, 0)
    assert [r.outcome for r in result.records] == ["FP", "FN"]


@pytest.mark.parametrize(
    ("predictions", "truths", "expected"),
    [
        ({}, {}, SpotCounts(0, 0, 0)),
        ({}, {"v": [Interval(0, 9)]}, SpotCounts(1, 0, 0)),
        ({"v": [Interval(0, 9)]}, {}, SpotCounts(0, 1, 0)),
    ],
)
def test_empty_sides_score_zero_without_dividing_by_zero(predictions, truths, expected):
    result = evaluate_spotting(predictions, truths)
    counts = result.counts["overall"]
    assert counts == expected
    assert (counts.precision, counts.recall, counts.f1) == (0.0, 0.0, 0.0)
    json.dumps(result.metrics())  # JSON-ready


def test_metrics_hold_every_type():
    predictions, truths = _case()
    metrics = evaluate_spotting(predictions, truths).metrics()
    assert metrics["iou_threshold"] == 0.5
    assert metrics["n_videos"] == 3
    assert metrics["overall"]["tp"] == 2 and metrics["overall"]["fp"] == 4
    assert metrics["micro"]["fn"] == 1 and metrics["macro"]["fn"] == 1
