"""Intervals: inclusive IoU, type by duration in seconds, merging."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samm_pipeline.spot.intervals import (
    Interval,
    expression_kind,
    interval_iou,
    merge_intervals,
)

spans = st.tuples(st.integers(0, 200), st.integers(0, 50)).map(
    lambda pair: Interval(pair[0], pair[0] + pair[1])
)


@given(spans, spans)
def test_iou_is_symmetric_and_matches_frame_sets(first, second):
    frames_a = set(range(first.onset, first.offset + 1))
    frames_b = set(range(second.onset, second.offset + 1))
    expected = len(frames_a & frames_b) / len(frames_a | frames_b)
    assert interval_iou(first, second) == pytest.approx(expected)
    assert interval_iou(second, first) == interval_iou(first, second)


def test_a_one_frame_interval_counts_one_frame():
    assert Interval(5, 5).n_frames == 1
    assert interval_iou(Interval(5, 5), Interval(5, 5)) == 1.0


@pytest.mark.parametrize(("onset", "offset"), [(5, 4), (-1, 3)])
def test_an_impossible_interval_is_refused(onset, offset):
    with pytest.raises(ValueError, match="onset"):
        Interval(onset, offset)


def test_the_type_depends_on_seconds_not_frames():
    assert expression_kind(15, 30.0) == "micro"
    assert expression_kind(16, 30.0) == "macro"
    assert expression_kind(60, 200.0) == "micro"
    assert expression_kind(60, 30.0) == "macro"


def test_merging_joins_overlaps_and_small_gaps_only():
    parts = [Interval(0, 5), Interval(8, 10), Interval(30, 40)]
    assert [(i.onset, i.offset) for i in merge_intervals(parts, 30.0)] == [
        (0, 5),
        (8, 10),
        (30, 40),
    ]
    merged = merge_intervals(parts, 30.0, gap_frames=2)
    assert [(i.onset, i.offset) for i in merged] == [(0, 10), (30, 40)]
