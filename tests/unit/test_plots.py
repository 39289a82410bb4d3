"""Store figures: each is rendered to PNG and checked for what it drew."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import open_store
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.landmarks import LEFT_EYEBROW, LIPS, REGIONS, RIGHT_EYEBROW
from samm_pipeline.prepare.preprocess import preprocess_clip
from samm_pipeline.viz import (
    class_motion_profiles,
    plot_class_motion_heatmap,
    plot_dataset_overview,
    plot_face_mesh,
    plot_preprocessing,
    plot_region_motion,
    region_motion,
    run_figures,
    save_clip_animation,
)

N_FRAMES, ONSET, APEX, OFFSET, FPS = 30, 8, 15, 22, 100.0
MOVING = {"happiness": LIPS, "surprise": LEFT_EYEBROW + RIGHT_EYEBROW}
REGION_ROW = {name: row for row, name in enumerate(REGIONS)}


def make_clip(moving: tuple[int, ...], seed: int, missing=()) -> np.ndarray:
    """A (30, 468, 3) face-like clip: ``moving`` landmarks go up 4 px (at
    640x480) and back, peaking at frame 15; the head drifts 6 px right."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.3, 0.7, size=(468, 3))
    clip = np.repeat(base[None], N_FRAMES, axis=0)
    profile = np.interp(np.arange(N_FRAMES), [ONSET, APEX, OFFSET], [0.0, 1.0, 0.0])
    clip[:, list(moving), 1] -= profile[:, None] * 4 / 480
    clip[:, :, 0] += np.linspace(0, 6 / 640, N_FRAMES)[:, None]
    clip += rng.normal(0, 0.05 / 640, clip.shape)
    clip[list(missing)] = np.nan
    return clip.astype(np.float32)


def write_store(path: Path) -> Path:
    """happiness/h0, h1 (lips move; h1 has frames 3-4 without a face) and
    surprise/s0, s1 (brows move); 468 landmarks, 640x480, 100 fps."""
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    for class_name, moving in MOVING.items():
        for index in range(2):
            missing = (3, 4) if (class_name, index) == ("happiness", 1) else ()
            landmarks = make_clip(moving, seed=index, missing=missing)
            writer.write_clip(
                f"{class_name}/{class_name[0]}{index}",
                landmarks,
                {
                    "source": f"{class_name}{index}.mp4",
                    "source_size": 1,
                    "source_mtime_ns": 1,
                    "fps": FPS,
                    "width": 640,
                    "height": 480,
                    "n_frames": N_FRAMES,
                    "n_detected": N_FRAMES - len(missing),
                    "subject": f"s{index}",
                    "dataset": "folders",
                    "onset": ONSET,
                    "apex": APEX,
                    "offset": OFFSET,
                },
            )
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return open_store(write_store(tmp_path_factory.mktemp("plots") / "s.zarr"))


def render(figure) -> bytes:
    """PNG bytes of a figure (fails if it cannot be drawn)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


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


def test_face_mesh(store):
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


def test_region_motion_plot(store):
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


def test_preprocessing_panels_use_the_training_preprocessing(store):
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


def test_class_motion_heatmap(store):
    profiles = class_motion_profiles(store, n_bins=10)
    assert sorted(profiles) == ["happiness", "surprise"]
    happy = profiles["happiness"]
    assert happy.shape == (len(REGIONS), 10)
    assert np.argmax(happy.max(axis=1)) == REGION_ROW["lips"]
    assert np.argmax(profiles["surprise"].max(axis=1)) in (
        REGION_ROW["left_eyebrow"],
        REGION_ROW["right_eyebrow"],
    )
    figure = plot_class_motion_heatmap(store, n_bins=10)
    render(figure)
    panels = [axes for axes in figure.axes if axes.get_title()]
    assert [axes.get_title() for axes in panels] == ["happiness", "surprise"]
    assert all(len(axes.images) == 1 for axes in panels)
    np.testing.assert_allclose(panels[0].images[0].get_array(), happy)
    labels = [label.get_text() for label in panels[0].get_yticklabels()]
    assert labels == list(REGIONS)
    assert len(figure.axes) == 3  # two panels and the colour bar


def test_dataset_overview(store):
    figure = plot_dataset_overview(store)
    render(figure)
    counts, frames, missing = figure.axes
    assert [patch.get_height() for patch in counts.patches] == [2, 2]
    assert [label.get_text() for label in counts.get_xticklabels()] == [
        "happiness",
        "surprise",
    ]
    assert counts.get_title() == "Clips per class (4 in all)"
    heights = [patch.get_height() for patch in missing.patches]
    assert heights == pytest.approx([100 * 2 / (2 * N_FRAMES), 0.0])
    assert frames.get_ylabel() == "frames per clip"
    # the summary table gives the same figure
    again = plot_dataset_overview(store.summary())
    assert [p.get_height() for p in again.axes[2].patches] == pytest.approx(heights)


def test_run_figures(tmp_path):
    with pytest.raises(DataError, match=r"history\.csv or metrics\.json"):
        run_figures(tmp_path)
    rows = [
        {"fold": "s1", "epoch": epoch, "loss": 1.0 / epoch, "val_loss": 1.2 / epoch,
         "val_uf1": 0.1 * epoch, "val_uar": 0.1 * epoch}
        for epoch in (1, 2, 3)
    ]  # fmt: skip
    with (tmp_path / "history.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    metrics = {"protocol": "loso", "uf1": 0.5, "uar": 0.6, "classes": ["a", "b"],
               "confusion": [[3, 1], [0, 4]]}  # fmt: skip
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    figures = run_figures(tmp_path)
    assert list(figures) == ["training_curves", "confusion_matrix"]
    loss, scores = figures["training_curves"].axes
    assert len(loss.lines) == 2 and len(scores.lines) == 2
    np.testing.assert_allclose(loss.lines[0].get_ydata(), [1.0, 0.5, 1 / 3])
    matrix_axes = figures["confusion_matrix"].axes[0]
    assert matrix_axes.get_title() == "loso: UF1 0.50, UAR 0.60"
    assert [text.get_text() for text in matrix_axes.texts] == ["3", "1", "0", "4"]
    for figure in figures.values():
        render(figure)


def test_clip_animation_has_one_frame_per_clip_frame(store, tmp_path):
    from PIL import Image

    path = save_clip_animation(store["happiness/h1"], tmp_path / "clip.gif")
    with Image.open(path) as image:
        assert image.n_frames == N_FRAMES
        assert image.info["duration"] == 50  # 100 fps shown at 20 frames/s
    with pytest.raises(DataError, match=r"\.gif"):
        save_clip_animation(store["happiness/h1"], tmp_path / "clip.avi")


def test_plot_command_writes_every_figure(store, tmp_path):
    runner = CliRunner()
    output = tmp_path / "figures"
    result = runner.invoke(
        cli,
        ["plot", "--store", str(store.path), "--output", str(output),
         "--key", "surprise/s1", "--dpi", "40"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in output.iterdir())
    assert names == [
        "class_motion_heatmap.png",
        "dataset_overview.png",
        "face_mesh.png",
        "preprocessing.png",
        "region_motion.png",
    ]
    assert result.output.splitlines()[0] == str(output / "dataset_overview.png")
    missing = runner.invoke(
        cli,
        ["plot", "--store", str(store.path), "--output", str(output), "--key", "x/y"],
    )
    assert missing.exit_code == 1
    assert missing.output.startswith("error: no complete entry 'x/y'")


def test_plot_command_draws_only_the_figures_asked_for(store, tmp_path):
    runner = CliRunner()
    output = tmp_path / "two"
    args = ["plot", "--store", str(store.path), "--output", str(output), "--dpi", "40"]
    result = runner.invoke(
        cli, [*args, "--figure", "region_motion", "--figure", "dataset_overview"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in output.iterdir()) == [
        "dataset_overview.png",
        "region_motion.png",
    ]
    wrong = runner.invoke(cli, [*args, "--figure", "heatmap"])
    assert wrong.exit_code == 1
    assert wrong.output.startswith("error: unknown figure(s) heatmap; choose from")


def test_plot_command_with_a_bad_run_folder_is_one_line_and_draws_nothing(
    store, tmp_path
):
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text("{}")
    (run / "history.csv").write_text("fold,epoch,loss\ns1,1,0.5\n")
    output = tmp_path / "figures"
    result = CliRunner().invoke(
        cli,
        ["plot", "--store", str(store.path), "--output", str(output),
         "--run", str(run)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {run}: metrics.json or history.csv")
    assert result.stderr.count("\n") == 1
    assert not output.exists() or not any(output.iterdir())


def test_run_figures_can_be_chosen_and_need_a_run(store, tmp_path):
    args = ["plot", "--store", str(store.path), "--output", str(tmp_path / "f"),
            "--figure", "training_curves"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "come from a training run; give --run" in result.stderr
