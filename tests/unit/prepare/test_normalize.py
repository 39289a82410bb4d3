"""Spatial clean-up: missing frames, head-motion removal, z-score."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samm_pipeline.landmarks import STABLE_LANDMARKS
from samm_pipeline.prepare.normalize import (
    ZSCORE_EPSILON,
    fill_missing,
    remove_head_motion,
    to_pixel_units,
    zscore,
)


def _face(seed: int, n_landmarks: int = 478) -> np.ndarray:
    rng = np.random.default_rng(seed)
    face = np.zeros((n_landmarks, 3))
    face[:, :2] = rng.uniform(100, 400, size=(n_landmarks, 2))
    face[:, 2] = rng.normal(0, 10, n_landmarks)
    return face


def _move(face: np.ndarray, angle: float, scale: float, shift) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    out = face.copy()
    out[:, :2] = scale * face[:, :2] @ rotation.T + np.asarray(shift)
    out[:, 2] = face[:, 2] * scale
    return out


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 1000),
    st.lists(
        st.tuples(
            st.floats(-0.5, 0.5),
            st.floats(0.7, 1.4),
            st.floats(-50, 50),
            st.floats(-50, 50),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_rigid_head_motion_is_removed_exactly(seed, poses):
    face = _face(seed)
    clip = np.stack([face] + [_move(face, a, s, (x, y)) for a, s, x, y in poses])
    out = remove_head_motion(clip)
    np.testing.assert_allclose(out, np.broadcast_to(face, out.shape), atol=1e-6)


def test_expression_survives_head_motion_removal():
    """A 3 px mouth-corner motion under 20 px of head drift is recovered."""
    face = _face(0)
    expressed = face.copy()
    expressed[[61, 291], 1] -= 3.0  # lip corners up (not stable landmarks)
    moved = _move(expressed, 0.05, 1.03, (20.0, -12.0))
    out = remove_head_motion(np.stack([face, moved]))
    motion = np.linalg.norm(out[1, :, :2] - face[:, :2], axis=1)
    assert motion[[61, 291]].min() > 2.5
    others = np.setdiff1d(np.arange(478), [61, 291])
    assert np.median(motion[others]) < 0.2
    raw_motion = np.linalg.norm(moved[:, :2] - face[:, :2], axis=1)
    assert np.median(raw_motion[others]) > 10  # the head motion that was removed


def test_head_motion_removal_does_not_mutate_and_keeps_frame_0():
    face = _face(3)
    clip = np.stack([face, _move(face, 0.1, 1.1, (3, 4))])
    before = clip.copy()
    out = remove_head_motion(clip, stable=STABLE_LANDMARKS)
    np.testing.assert_array_equal(clip, before)
    np.testing.assert_allclose(out[0], face, atol=1e-9)


def test_fill_missing_drop_and_interpolate():
    clip = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    clip[[0, 2]] = np.nan
    before = clip.copy()
    dropped = fill_missing(clip, "drop")
    assert dropped.shape == (3, 2, 3) and not np.isnan(dropped).any()
    filled = fill_missing(clip, "interpolate")
    assert filled.shape == clip.shape and not np.isnan(filled).any()
    np.testing.assert_allclose(filled[2], (clip[1] + clip[3]) / 2)
    np.testing.assert_allclose(filled[0], clip[1])  # leading gap: nearest face
    np.testing.assert_array_equal(np.isnan(clip), np.isnan(before))


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 30), st.integers(1, 12), st.integers(0, 10_000))
def test_zscore_standardises_each_feature(n_frames, n_features, seed):
    data = np.random.default_rng(seed).normal(5, 3, size=(n_frames, n_features))
    out = zscore(data)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-9)
    # std / (std + epsilon): 1 up to the epsilon that keeps constants finite
    # (two close frames have a tiny std, so this is not 1 within 1e-6).
    spread = data.std(axis=0)
    np.testing.assert_allclose(out.std(axis=0), spread / (spread + ZSCORE_EPSILON))


def test_zscore_of_a_constant_feature_is_zero():
    assert np.all(zscore(np.ones((4, 2))) == 0)


def test_pixel_units_make_axes_comparable():
    points = np.array([[[0.5, 0.5, 0.1]]])
    out = to_pixel_units(points, 640, 360)
    assert out[0, 0].tolist() == [320.0, 180.0, 64.0]
    assert to_pixel_units(points, None, None)[0, 0].tolist() == [0.5, 0.5, 0.1]
