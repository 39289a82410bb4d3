"""Time alignment: shapes, identity, DTW path properties, landmark selection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samm_pipeline.prepare.align import (
    align_sequence,
    dtw_path,
    feature_columns,
    resample_linear,
)

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def clips(draw, min_frames: int = 2, max_frames: int = 40):
    n_frames = draw(st.integers(min_frames, max_frames))
    n_landmarks = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(size=(n_frames, 3 * n_landmarks)), axis=0)


@SETTINGS
@given(clips(), st.integers(2, 30))
def test_shape_is_target_by_features(clip, target_length):
    out = align_sequence(clip, target_length)
    assert out.shape == (target_length, clip.shape[1])
    assert out.dtype == np.float32


@SETTINGS
@given(clips())
def test_identity_at_target_length(clip):
    out = align_sequence(clip, len(clip))
    np.testing.assert_allclose(out, clip.astype(np.float32))


@SETTINGS
@given(clips(), st.integers(2, 30))
def test_slots_are_means_of_clip_frames(clip, target_length):
    """Every output value lies within the clip's range for that feature."""
    out = align_sequence(clip, target_length)
    assert np.all(out >= clip.min(axis=0) - 1e-4)
    assert np.all(out <= clip.max(axis=0) + 1e-4)


@SETTINGS
@given(clips(), st.integers(2, 30), st.integers(1, 3))
def test_dtw_path_is_monotone_from_start_to_end(clip, target_length, radius):
    reference = resample_linear(clip, target_length)
    path = dtw_path(clip, reference, radius=radius)
    assert path[0] == (0, 0)
    assert path[-1] == (len(clip) - 1, target_length - 1)
    steps = np.diff(np.array(path), axis=0)
    assert np.all((steps >= 0) & (steps <= 1)) and np.all(steps.sum(axis=1) >= 1)


def _path_cost(clip, reference, path):
    return sum(np.linalg.norm(clip[i] - reference[j]) for i, j in path)


@SETTINGS
@given(clips(min_frames=3), st.integers(2, 30))
def test_both_distance_paths_agree(clip, target_length):
    """Both distance implementations find equally short paths. (They can break
    exact ties differently: a linear reference frame halfway between two clip
    frames is equally far from both.)"""
    reference = resample_linear(clip, target_length)
    by_callable = dtw_path(clip, reference, distance="callable")
    by_p2 = dtw_path(clip, reference, distance="p2")
    assert _path_cost(clip, reference, by_callable) == pytest.approx(
        _path_cost(clip, reference, by_p2), rel=1e-9
    )


def test_dtw_uses_only_the_selected_landmarks():
    """Noise in unselected landmarks cannot change the alignment (the reference
    bug computed DTW on the first 478 numbers of the flattened frame instead)."""
    rng = np.random.default_rng(1)
    n_frames, n_landmarks = 37, 6
    clip = np.cumsum(rng.normal(size=(n_frames, 3 * n_landmarks)), axis=0)
    columns = feature_columns([1, 4], n_landmarks)
    noisy = clip.copy()
    others = np.setdiff1d(np.arange(clip.shape[1]), columns)
    noisy[:, others] += rng.normal(scale=100.0, size=(n_frames, len(others)))
    aligned = align_sequence(clip, 20, columns=columns)
    aligned_noisy = align_sequence(noisy, 20, columns=columns)
    np.testing.assert_array_equal(aligned[:, columns], aligned_noisy[:, columns])
    assert not np.array_equal(
        align_sequence(clip, 20)[:, columns], align_sequence(noisy, 20)[:, columns]
    )


def test_feature_columns():
    assert feature_columns([], 2).tolist() == [0, 1, 2, 3, 4, 5]
    assert feature_columns([477], 478).tolist() == [1431, 1432, 1433]
    with pytest.raises(ValueError, match=r"0\.\.467"):
        feature_columns([470], 468)


def test_short_clips_stretch_and_tiny_clips_are_zeros():
    clip = np.array([[0.0, 0.0, 0.0], [3.0, 3.0, 3.0], [6.0, 6.0, 6.0]])
    out = align_sequence(clip, 20)
    assert out.shape == (20, 3)
    assert out[0, 0] == 0.0 and out[-1, 0] == 6.0
    assert np.all(np.diff(out[:, 0]) >= 0)
    np.testing.assert_array_equal(align_sequence(clip[:1], 20), np.zeros((20, 3)))


def test_linear_method_is_resampling():
    clip = np.arange(30, dtype=float).reshape(10, 3)
    np.testing.assert_allclose(
        align_sequence(clip, 4, method="linear"), resample_linear(clip, 4)
    )


def test_input_is_not_changed():
    clip = np.cumsum(np.ones((15, 6)), axis=0)
    before = clip.copy()
    align_sequence(clip, 20)
    np.testing.assert_array_equal(clip, before)
