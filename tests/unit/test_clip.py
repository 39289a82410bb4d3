"""The typed clip: one parser of an entry's attributes, one annotated-span rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samm_pipeline.clip import Clip, annotated_span


def _clip(attrs, n_frames=10):
    return Clip("happy/a", np.zeros((n_frames, 468, 3), np.float32), attrs)


def test_typed_metadata_from_stored_attributes():
    clip = _clip(
        {
            "fps": 200,
            "width": 640.0,
            "height": np.int64(480),
            "onset": np.int64(2),
            "apex": 4,
            "offset": 7.0,
            "subject": "006",
            "dataset": "samm",
        }
    )
    assert (clip.fps, clip.width, clip.height) == (200.0, 640, 480)
    assert (clip.onset, clip.apex, clip.offset, clip.span) == (2, 4, 7, (2, 7))
    assert (clip.subject, clip.dataset, clip.n_frames) == ("006", "samm", 10)
    assert isinstance(clip.width, int) and isinstance(clip.onset, int)


@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"fps": None, "width": 0, "height": -5, "onset": None, "offset": None},
        {"fps": float("nan"), "width": "wide", "onset": float("nan"), "offset": 3},
        {"fps": True, "onset": True, "offset": 3},
    ],
)
def test_unknown_or_unusable_metadata_is_none(attrs):
    clip = _clip(attrs)
    assert clip.fps is None and clip.width is None and clip.height is None
    assert clip.onset is None and clip.span is None and clip.subject == ""
    assert clip.times is None


def test_markers_are_the_known_frames_inside_the_clip():
    clip = _clip({"onset": 3, "apex": 12, "offset": -1}, n_frames=10)
    assert clip.markers == {"onset": 3}


@given(st.integers(-5, 50), st.integers(-5, 50))
def test_the_span_rule(onset, offset):
    span = annotated_span(onset, offset)
    if 0 <= onset <= offset:
        assert span == (onset, offset)
    else:
        assert span is None
