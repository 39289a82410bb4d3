"""Figures of one clip: each is rendered to PNG and checked for what it drew."""

from __future__ import annotations

import numpy as np
import pytest

from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.landmarks import LIPS, REGIONS
from samm_pipeline.prepare.preprocess import preprocess_clip
from samm_pipeline.viz import (
    plot_face_mesh,
    plot_preprocessing,
    plot_region_motion,
    region_motion,
    save_clip_animation,
)
from tests.unit.viz.figure_data import (
    APEX,
    FPS,
    N_FRAMES,
    OFFSET,
    ONSET,
    REGION_ROW,
)


def test_region_motion_finds_the_moving_region_despite_head_drift(store):
    clip = store["happiness/h0"]
    motion = region_motion(clip)
    assert motion.shape == (N_FRAMES, len(REGIONS))
    lips = motion[:, REGION_ROW["lips"]]
    assert int(np.argmax(lips)) == APEX
    assert 3.0 < lips[APEX] < 4.5  # lips move 4 px, some landmarks less after fit
    others = np.delete(motion, REGION_ROW["lips"], axis=1)
    assert others.max() < 1.0
    # without head-motion removal the 6 px drift dominates every region
    drifting = region_motion(clip, head_motion=False)
    assert drifting[-1, REGION_ROW["nose"]] > 2.5
    # frames without a face stay NaN, in place
    gaps = region_motion(store["happiness/h1"])
    assert np.isnan(gaps[[3, 4]]).all() and not np.isnan(gaps[[2, 5]]).any()


def test_face_mesh(render, store):
    clip = store["surprise/s0"]
    figure = plot_face_mesh(clip)
    render(figure)
    (axes,) = figure.axes
    assert len(axes.collections) == len(REGIONS) + 1
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert labels == ["other", *REGIONS]
    assert axes.yaxis_inverted()
    assert axes.get_title() == f"surprise/s0, frame {APEX} (apex)"
    assert axes.get_xlabel() == "x (px)"
    lips = axes.collections[1 + REGION_ROW["lips"]].get_offsets()
    expected = clip.landmarks[APEX, list(LIPS), :2] * [640, 480]
    np.testing.assert_allclose(lips, expected, rtol=1e-5)
    # an xarray view is accepted too, and another frame can be chosen
    other = plot_face_mesh(store.to_xarray("surprise/s0"), frame=0)
    assert other.axes[0].get_title() == "surprise/s0, frame 0"
    with pytest.raises(DataError, match="frame 3 has no face"):
        plot_face_mesh(store["happiness/h1"], frame=3)


def test_region_motion_plot(render, store):
    figure = plot_region_motion(store["surprise/s1"])
    render(figure)
    (axes,) = figure.axes
    region_lines = axes.lines[: len(REGIONS)]
    event_lines = axes.lines[len(REGIONS) :]
    assert [line.get_label() for line in region_lines] == list(REGIONS)
    assert [line.get_label() for line in event_lines] == [
        f"onset (frame {ONSET})",
        f"apex (frame {APEX})",
        f"offset (frame {OFFSET})",
    ]
    assert event_lines[1].get_xdata()[0] == pytest.approx(APEX / FPS)
    assert axes.get_xlabel() == "time (s)"
    assert "px" in axes.get_ylabel()
    brow = region_lines[REGION_ROW["left_eyebrow"]]
    assert brow.get_xdata()[np.argmax(brow.get_ydata())] == pytest.approx(APEX / FPS)


def test_preprocessing_panels_use_the_training_preprocessing(render, store):
    clip = store["happiness/h0"]
    config = AlignConfig(target_length=12)
    figure = plot_preprocessing(clip, config)
    render(figure)
    raw, aligned, normalised = figure.axes
    assert [axes.get_xlabel() for axes in (raw, aligned, normalised)] == [
        "frame",
        "aligned frame",
        "aligned frame",
    ]
    assert len(raw.lines) == 6 + 3  # tracked landmarks + onset/apex/offset
    assert len(aligned.lines) == len(normalised.lines) == 6
    assert len(raw.lines[0].get_ydata()) == N_FRAMES
    assert len(aligned.lines[0].get_ydata()) == 12
    expected, _ = preprocess_clip(clip, config)
    mouth_y = expected.reshape(12, 468, 3)[:, 61, 1]
    np.testing.assert_allclose(
        normalised.lines[0].get_ydata(), mouth_y - np.median(mouth_y), atol=1e-5
    )
    short = AlignConfig(min_detected_frames=N_FRAMES + 1)
    with pytest.raises(DataError, match="training skips this clip"):
        plot_preprocessing(clip, short)


def test_clip_animation_has_one_frame_per_clip_frame(store, tmp_path):
    from PIL import Image

    path = save_clip_animation(store["happiness/h1"], tmp_path / "clip.gif")
    with Image.open(path) as image:
        assert image.n_frames == N_FRAMES
        assert image.info["duration"] == 50  # 100 fps shown at 20 frames/s
    with pytest.raises(DataError, match=r"\.gif"):
        save_clip_animation(store["happiness/h1"], tmp_path / "clip.avi")
