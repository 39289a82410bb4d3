"""Augmentation: shapes, purity, reproducibility, flips, monotone warps, no leakage."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samm_pipeline.config import AugmentConfig
from samm_pipeline.landmarks import FLIP_PERMUTATION, LEFT_EYE, RIGHT_EYE
from samm_pipeline.learn.augment import (
    add_noise,
    augment_sequence,
    augment_training_set,
    flip_sequence,
    time_warp,
)
from samm_pipeline.prepare.labels import holdout_split

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def sequences(draw):
    n_frames = draw(st.integers(2, 25))
    n_landmarks = draw(st.sampled_from([468, 478]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_frames, 3 * n_landmarks)).astype(np.float32)


CONFIGS = st.builds(
    AugmentConfig,
    aug_times=st.integers(0, 4),
    keep_clean=st.booleans(),
    noise_sigma=st.floats(0, 0.2),
    warp_sigma=st.floats(0, 0.3),
    warp_probability=st.floats(0, 1),
    flip_probability=st.floats(0, 1),
)


@SETTINGS
@given(sequences(), CONFIGS, st.integers(0, 1000))
def test_copies_keep_shape_dtype_and_never_mutate(sequence, config, seed):
    before = sequence.copy()
    out = augment_sequence(sequence, config, np.random.default_rng(seed))
    assert out.shape == sequence.shape and out.dtype == np.float32
    np.testing.assert_array_equal(sequence, before)
    assert out is not sequence


@SETTINGS
@given(sequences(), CONFIGS, st.integers(0, 1000))
def test_reproducible_for_a_seed(sequence, config, seed):
    first = augment_sequence(sequence, config, np.random.default_rng(seed))
    second = augment_sequence(sequence, config, np.random.default_rng(seed))
    np.testing.assert_array_equal(first, second)


@SETTINGS
@given(sequences())
def test_flipping_twice_is_identity(sequence):
    np.testing.assert_array_equal(flip_sequence(flip_sequence(sequence)), sequence)


def test_flip_swaps_eyes_and_negates_x():
    sequence = np.zeros((1, 478 * 3), np.float32)
    sequence[0, 33 * 3] = 1.0  # x of the right eye's outer corner
    flipped = flip_sequence(sequence).reshape(1, 478, 3)
    assert flipped[0, 263, 0] == -1.0  # now the left eye's outer corner
    assert sorted(FLIP_PERMUTATION[i] for i in LEFT_EYE) == sorted(RIGHT_EYE)
    assert all(FLIP_PERMUTATION[FLIP_PERMUTATION[i]] == i for i in range(478))


@SETTINGS
@given(st.integers(2, 40), st.floats(0, 0.5), st.integers(0, 1000))
def test_time_warp_is_monotone(n_frames, sigma, seed):
    """A feature increasing in time stays non-decreasing: time never reverses."""
    ramp = np.repeat(np.arange(n_frames, dtype=np.float32)[:, None], 3, axis=1)
    warped = time_warp(ramp, sigma, np.random.default_rng(seed))
    assert np.all(np.diff(warped[:, 0]) >= -1e-5)
    assert warped.min() >= 0 and warped.max() <= n_frames - 1


def test_noise_has_the_configured_scale():
    out = add_noise(np.zeros((100, 300)), 0.03, np.random.default_rng(0))
    assert abs(out.std() - 0.03) < 0.002


def test_copies_are_independent_not_chained():
    """Copy k is not copy k-1 plus more noise (the reference's chaining bug)."""
    clean = np.zeros((20, 30), np.float32)
    config = AugmentConfig(aug_times=8, keep_clean=False, warp_probability=0)
    result = augment_training_set(
        clean[None], np.array([0]), config, np.random.default_rng(0)
    )
    spread = [float(np.std(sample)) for sample in result.sequences]
    assert max(spread) < 0.03 * 1.3  # chained copies would reach 0.03 * sqrt(8)


@SETTINGS
@given(st.integers(1, 6), st.integers(0, 3), st.booleans())
def test_training_set_counts(n_clips, aug_times, keep_clean):
    config = AugmentConfig(aug_times=aug_times, keep_clean=keep_clean)
    data = np.zeros((n_clips, 5, 9), np.float32)
    result = augment_training_set(
        data, np.arange(n_clips), config, np.random.default_rng(0)
    )
    per_clip = aug_times + int(keep_clean)
    assert len(result.sequences) == len(result.labels) == n_clips * per_clip
    assert np.array_equal(
        np.bincount(result.source, minlength=n_clips), [per_clip] * n_clips
    )
    np.testing.assert_array_equal(result.labels, result.source)


@settings(max_examples=25, deadline=None)
@given(st.integers(4, 12), st.integers(2, 4), st.integers(0, 10_000))
def test_no_validation_clip_reaches_training(n_subjects, n_classes, seed):
    """Split first, augment the training side only: every augmented sample is
    nearest to a training clip and to no validation clip."""
    rng = np.random.default_rng(seed)
    n_clips = n_subjects * n_classes
    subjects = [f"s{i % n_subjects}" for i in range(n_clips)]
    labels = np.array([i // n_subjects for i in range(n_clips)])
    # Each clip is a distinct constant level, far from every other clip.
    data = (np.arange(n_clips, dtype=np.float32) * 100)[:, None, None] * np.ones(
        (1, 6, 468 * 3), np.float32
    )
    train, test = holdout_split(labels, subjects, test_fraction=0.25, seed=seed)
    assert not {subjects[i] for i in train} & {subjects[i] for i in test}
    result = augment_training_set(
        data[train],
        labels[train],
        AugmentConfig(aug_times=3, flip_probability=0.5),
        rng,
    )
    origin = train[result.source]
    assert set(origin.tolist()) <= set(train.tolist())
    levels = np.abs(result.sequences).mean(axis=(1, 2))
    nearest = np.abs(levels[:, None] - np.arange(n_clips)[None] * 100).argmin(axis=1)
    assert not set(nearest.tolist()) & set(test.tolist())
