"""Training-set augmentation of aligned, normalised sequences (pure functions).

All functions take a sequence ``(n_frames, n_features)`` with
``n_features = 3 * n_landmarks`` (x, y, z per landmark), return a new array
and never change their input; randomness comes only from the
``numpy.random.Generator`` passed in.

Differences from the reference script:

- each augmented copy is made from the clean sequence (the reference fed each
  copy into the next, so copy k carried k rounds of noise);
- the temporal warp's sample times are sorted, so time never runs backwards;
- a horizontal flip (left/right landmark permutation, x negated) is available;
- :func:`augment_training_set` is applied to the training indices of a split
  only, never before the split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import AugmentConfig
from samm_pipeline.landmarks import N_COORDS, flip_permutation


def add_noise(
    sequence: NDArray[np.floating], sigma: float, rng: np.random.Generator
) -> NDArray[np.float32]:
    """Add Gaussian noise of standard deviation ``sigma`` to every value."""
    data = np.asarray(sequence, dtype=np.float32)
    return (data + rng.normal(0.0, sigma, size=data.shape)).astype(np.float32)


def time_warp(
    sequence: NDArray[np.floating], sigma: float, rng: np.random.Generator
) -> NDArray[np.float32]:
    """Resample the sequence at jittered, sorted times (a monotone warp).

    The sample times are the evenly spaced times ``k / (n - 1)`` of the clip
    on [0, 1], each moved by ``N(0, sigma)``, clipped to [0, 1] and sorted;
    features are interpolated linearly at them. Sorting is the fix to the
    reference, whose unsorted times could swap frames.
    """
    data = np.asarray(sequence, dtype=np.float64)
    n_frames = data.shape[0]
    if n_frames < 2:
        return data.astype(np.float32)
    grid = np.linspace(0.0, 1.0, n_frames)
    times = np.sort(np.clip(grid + rng.normal(0.0, sigma, n_frames), 0.0, 1.0))
    position = times * (n_frames - 1)
    lower = np.minimum(np.floor(position).astype(int), n_frames - 1)
    upper = np.minimum(lower + 1, n_frames - 1)
    weight = (position - lower)[:, None]
    return (data[lower] * (1.0 - weight) + data[upper] * weight).astype(np.float32)


def flip_sequence(sequence: NDArray[np.floating]) -> NDArray[np.float32]:
    """Mirror a face left/right: swap paired landmarks and negate x.

    Valid on centred data (z-scored or head-motion aligned around zero);
    flipping twice gives the input back.

    >>> seq = np.arange(2 * 468 * 3, dtype=np.float32).reshape(2, -1)
    >>> bool(np.array_equal(flip_sequence(flip_sequence(seq)), seq))
    True
    """
    data = np.asarray(sequence, dtype=np.float32)
    n_frames, n_features = data.shape
    if n_features % N_COORDS:
        raise ValueError(f"n_features must be 3 * n_landmarks, got {n_features}")
    points = data.reshape(n_frames, n_features // N_COORDS, N_COORDS)
    flipped = points[:, list(flip_permutation(points.shape[1]))].copy()
    flipped[..., 0] = -flipped[..., 0]
    return flipped.reshape(n_frames, n_features)


def augment_sequence(
    sequence: NDArray[np.floating], config: AugmentConfig, rng: np.random.Generator
) -> NDArray[np.float32]:
    """One augmented copy of a clean sequence: noise, maybe warp, maybe flip."""
    copy = np.asarray(sequence, dtype=np.float32)
    if config.warp_probability > 0 and rng.random() < config.warp_probability:
        copy = time_warp(copy, config.warp_sigma, rng)
    if config.flip_probability > 0 and rng.random() < config.flip_probability:
        copy = flip_sequence(copy)
    if config.noise_sigma > 0:
        copy = add_noise(copy, config.noise_sigma, rng)
    return np.array(copy, dtype=np.float32, copy=True)


@dataclass(frozen=True)
class AugmentedSet:
    """Training samples after augmentation.

    Attributes
    ----------
    sequences
        float32 ``(n_samples, n_frames, n_features)``.
    labels
        ``(n_samples,)`` integer labels.
    source
        ``(n_samples,)`` index into the arrays given to
        :func:`augment_training_set` of the clip each sample was made from.
    """

    sequences: NDArray[np.float32]
    labels: NDArray[np.int64]
    source: NDArray[np.int64]


def augment_training_set(
    sequences: NDArray[np.floating],
    labels: NDArray[np.integer],
    config: AugmentConfig,
    rng: np.random.Generator,
) -> AugmentedSet:
    """Augment the training part of a split.

    Pass only the training sequences (after the split): each gets
    ``aug_times`` independent augmented copies of its clean version, plus
    the clean one when ``keep_clean`` is true.
    """
    data = np.asarray(sequences, dtype=np.float32)
    targets = np.asarray(labels, dtype=np.int64)
    if len(data) != len(targets):
        raise ValueError(f"{len(data)} sequences but {len(targets)} labels")
    samples, sample_labels, source = [], [], []
    for index, clean in enumerate(data):
        if config.keep_clean:
            samples.append(clean.copy())
            sample_labels.append(targets[index])
            source.append(index)
        for _ in range(config.aug_times):
            samples.append(augment_sequence(clean, config, rng))
            sample_labels.append(targets[index])
            source.append(index)
    shape = (0, *data.shape[1:])
    return AugmentedSet(
        sequences=np.stack(samples) if samples else np.zeros(shape, np.float32),
        labels=np.asarray(sample_labels, dtype=np.int64),
        source=np.asarray(source, dtype=np.int64),
    )
