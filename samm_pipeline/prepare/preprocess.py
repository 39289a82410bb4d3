"""Stage 2, per clip: from stored landmarks to one aligned, normalised sequence.

Pure: takes a :class:`~samm_pipeline.clip.Clip` and the ``[align]`` section,
returns a new array, touches no disk. Training (through the cache in
:mod:`samm_pipeline.prepare.cache`), prediction, the streaming detector and the
preprocessing figure all call :func:`preprocess_clip`, so a model always sees
exactly the preprocessing it was trained with.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.clip import Clip
from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.landmarks import STABLE_LANDMARKS
from samm_pipeline.prepare.align import align_sequence, feature_columns
from samm_pipeline.prepare.normalize import (
    fill_missing,
    remove_head_motion,
    to_pixel_units,
    zscore,
    zscore_clip,
)


def preprocess_clip(
    clip: Clip,
    config: AlignConfig,
) -> tuple[NDArray[np.float32] | None, str | None]:
    """Turn one stored clip into an aligned, normalised sequence.

    Parameters
    ----------
    clip
        Landmarks ``(n_frames, n_landmarks, 3)`` as stored (NaN rows without a
        face); its frame size and annotated span are used.
    config
        The ``[align]`` section.

    Returns
    -------
    sequence, reason
        float32 ``(target_length, 3 * n_landmarks)`` and ``None``, or
        ``None`` and why the clip is skipped.
    """
    data = np.asarray(clip.landmarks, dtype=np.float64)
    n_landmarks = data.shape[1]
    span = clip.span
    if config.crop_to_annotation and span is not None:
        data = data[span[0] : span[1] + 1]
    n_detected = int((~np.isnan(data).any(axis=(1, 2))).sum())
    if n_detected < config.min_detected_frames:
        return None, (
            f"{n_detected} frames with a face, fewer than min_detected_frames "
            f"({config.min_detected_frames})"
        )
    data = fill_missing(data, config.missing_frames)
    if config.head_motion == "procrustes":
        stable = config.stable_landmarks or STABLE_LANDMARKS
        if max(stable) >= n_landmarks:
            raise DataError(
                f"[align] stable_landmarks go up to {max(stable)} but the store "
                f"has {n_landmarks} landmarks; choose indices below {n_landmarks}"
            )
        data = remove_head_motion(
            to_pixel_units(data, clip.width, clip.height),
            stable=stable,
        )
    flat = data.reshape(len(data), -1)
    try:
        columns = feature_columns(config.landmarks, n_landmarks)
    except ValueError as error:
        raise DataError(f"[align] landmarks: {error}") from None
    aligned = align_sequence(
        flat,
        config.target_length,
        method=config.method,
        radius=config.radius,
        columns=columns,
    )
    if config.zscore == "clip":
        aligned = zscore_clip(aligned)
    elif config.zscore == "feature":
        aligned = zscore(aligned)
    return np.asarray(aligned, dtype=np.float32), None
