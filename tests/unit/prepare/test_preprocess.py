"""Per-clip preprocessing: crop, missing frames, normalisation modes."""

from __future__ import annotations

import numpy as np

from samm_pipeline.clip import Clip
from samm_pipeline.config import AlignConfig
from samm_pipeline.prepare.preprocess import preprocess_clip


def test_preprocess_crop_and_missing_frames(face_like_clip):
    attrs = {"onset": 2, "offset": 7, "width": 100, "height": 100}
    clip = Clip("c/x", face_like_clip(12, 0, missing=[5]), attrs)
    cropped, _ = preprocess_clip(
        clip, AlignConfig(crop_to_annotation=True, method="linear")
    )
    whole, _ = preprocess_clip(clip, AlignConfig(method="linear"))
    assert cropped.shape == whole.shape == (20, 468 * 3)
    assert not np.array_equal(cropped, whole)
    config = AlignConfig(min_detected_frames=6, crop_to_annotation=True)
    skipped, reason = preprocess_clip(clip, config)
    assert skipped is None and "5 frames with a face" in reason
    interpolated, _ = preprocess_clip(clip, AlignConfig(missing_frames="interpolate"))
    assert interpolated is not None and not np.isnan(interpolated).any()


def test_normalisation_modes(face_like_clip):
    clip = Clip("c/x", face_like_clip(15, 1), {"width": 640, "height": 480})
    raw, _ = preprocess_clip(clip, AlignConfig(head_motion="none", zscore="none"))
    assert 0.2 < float(np.mean(raw)) < 0.8  # MediaPipe's normalised units kept
    for head_motion in ("none", "procrustes"):
        feature, _ = preprocess_clip(
            clip, AlignConfig(head_motion=head_motion, zscore="feature")
        )
        np.testing.assert_allclose(feature.mean(axis=0), 0, atol=1e-4)
        np.testing.assert_allclose(feature.std(axis=0), 1, atol=1e-3)
        pooled, _ = preprocess_clip(
            clip, AlignConfig(head_motion=head_motion, zscore="clip")
        )
        np.testing.assert_allclose(np.median(pooled, axis=0), 0, atol=1e-4)
        assert abs(float(pooled.std()) - 1) < 1e-3
        assert pooled.std(axis=0).max() > 2 * pooled.std(axis=0).min()
