"""The motion signal: local motion seen, head motion removed, memory windowed."""

from __future__ import annotations

import numpy as np
import pytest

from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.signal import motion_signal
from tests.unit.spot.synthetic import BROW_RAISE, synthetic_video


def test_a_brow_raise_moves_the_brow_regions_only():
    fps = 30.0
    signal = motion_signal(synthetic_video(fps, movements=(BROW_RAISE,)), fps)
    onset, offset = BROW_RAISE.frames(fps)
    apex = (onset + offset) // 2
    ratio = signal.displacement[apex] / signal.noise
    brows = [signal.regions.index(n) for n in ("left_eyebrow", "right_eyebrow")]
    others = [i for i in range(len(signal.regions)) if i not in brows]
    assert ratio[brows].min() > 3.0
    assert ratio[others].max() < 2.0
    assert signal.micro.argmax() in range(onset, offset + 1)


def test_frames_without_a_face_keep_the_signal_aligned_and_finite():
    fps = 30.0
    video = synthetic_video(fps, seconds=6.0, movements=(BROW_RAISE,))
    video[50:60] = np.nan
    video[:3] = np.nan
    signal = motion_signal(video, fps)
    assert signal.n_frames == len(video)
    assert np.isfinite(signal.combined).all()
    assert not signal.present[50:60].any() and signal.present[60:].all()


def test_a_video_without_any_face_gives_a_flat_signal():
    video = np.full((40, 478, 3), np.nan, dtype=np.float32)
    signal = motion_signal(video, 30.0)
    assert (signal.combined == 0).all() and not signal.present.any()


class _CountingArray:
    """An array that records how many frames each read asks for."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.shape = data.shape
        self.reads: list[int] = []

    def __getitem__(self, key: slice) -> np.ndarray:
        block = self.data[key]
        self.reads.append(len(block))
        return block


def test_a_long_video_is_read_window_by_window():
    fps = 200.0
    video = synthetic_video(fps, seconds=40.0, movements=())
    lazy = _CountingArray(video)
    signal = motion_signal(lazy, fps)
    assert max(lazy.reads) < len(video) / 2
    np.testing.assert_allclose(signal.combined, motion_signal(video, fps).combined)


def test_the_pixel_size_puts_x_and_y_on_one_scale():
    fps = 30.0
    video = synthetic_video(fps, seconds=4.0, movements=())
    signal = motion_signal(video, fps, width=640, height=480)
    assert np.isfinite(signal.combined).all()


@pytest.mark.parametrize("shape", [(10, 20, 3), (10, 478)])
def test_a_wrong_shape_is_refused(shape):
    with pytest.raises(ValueError, match="n_landmarks"):
        motion_signal(np.zeros(shape), 30.0)


def test_fps_must_be_positive():
    with pytest.raises(ValueError, match="fps"):
        motion_signal(np.zeros((10, 478, 3)), 0.0, SpotSettings())
