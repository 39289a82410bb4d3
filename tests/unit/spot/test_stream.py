"""The streaming spotter: causal, bounded, and it finds what the offline one finds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from samm_pipeline.spot.evaluate import evaluate_spotting
from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.stream import StreamingSpotter
from tests.unit.spot.synthetic import BROW_RAISE, MOUTH_SMILE, synthetic_video


def _stream(video, fps, **options):
    spotter = StreamingSpotter(fps, **options)
    reported = []  # (frame index when reported, interval)
    for index, frame in enumerate(video):
        reported += [(index, item) for item in spotter.push(frame)]
    reported += [(len(video), item) for item in spotter.flush()]
    return spotter, reported


@pytest.mark.parametrize(("fps", "update_seconds"), [(30.0, 0.2), (200.0, 0.5)])
def test_the_stream_finds_the_micro_and_macro_expressions_after_they_end(
    fps, update_seconds
):
    video = synthetic_video(fps)
    spotter, reported = _stream(video, fps, update_seconds=update_seconds)
    found = [item for _, item in reported]
    truths = [
        Interval(*BROW_RAISE.frames(fps), "micro"),
        Interval(*MOUTH_SMILE.frames(fps), "macro"),
    ]
    result = evaluate_spotting({"v": found}, {"v": truths})
    assert result.counts["overall"].f1 == 1.0
    # causal: an interval is reported only once its offset is lag frames old
    assert all(when >= item.offset + spotter.lag for when, item in reported)
    # bounded: only the recent history is held
    assert len(spotter.frames) == spotter.frames.maxlen < len(video)
    # each reported once, in order, apart
    assert all(a.offset < b.onset for a, b in itertools.pairwise(found))


def test_a_still_face_and_a_faceless_stream_give_nothing():
    video = synthetic_video(30.0, movements=())
    _, reported = _stream(video, 30.0, update_seconds=1.0)
    assert reported == []
    spotter = StreamingSpotter(30.0)
    assert [spotter.push(None) for _ in range(100)] == [[]] * 100
    assert spotter.flush() == []


def test_the_window_returns_held_frames_and_bad_frames_are_refused():
    video = synthetic_video(30.0)
    spotter = StreamingSpotter(30.0, update_seconds=60.0)
    for frame in video:
        spotter.push(frame)
    first = spotter.first_frame
    np.testing.assert_array_equal(spotter.window(first, first + 5), video[first:][:5])
    assert len(spotter.window(0, first)) == 0
    with pytest.raises(ValueError, match="landmarks"):
        spotter.push(np.zeros((468, 3)))
    with pytest.raises(ValueError, match="fps"):
        StreamingSpotter(0.0)


def test_each_frame_counts_once_in_the_running_threshold_and_empty_flushes():
    assert StreamingSpotter(30.0).flush() == []  # nothing pushed: nothing to do
    video = synthetic_video(30.0, movements=())
    spotter = StreamingSpotter(30.0, update_seconds=0.2)
    for frame in video[:90]:
        spotter.push(frame)
    # the first updates come before lag frames exist: nothing counted twice
    assert spotter._running["macro"].count == spotter._settled == 90 - spotter.lag


def test_what_is_reported_by_a_frame_does_not_depend_on_later_frames():
    """Causality: two streams that share their first 10 s report the same
    intervals up to then, whatever follows (here: the smile, or a still face)."""
    video = synthetic_video(30.0)
    still = np.repeat(video[299:300], len(video) - 300, axis=0)
    other = np.concatenate([video[:300], still])
    _, first = _stream(video, 30.0, update_seconds=0.5)
    _, second = _stream(other, 30.0, update_seconds=0.5)
    early = [(when, item) for when, item in first if when < 300]
    assert early and early == [(when, item) for when, item in second if when < 300]
    assert first != second  # the continuations do differ afterwards
