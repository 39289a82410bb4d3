"""Figures of a whole store, and the plot command that writes them all."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.landmarks import REGIONS
from samm_pipeline.viz import (
    class_motion_profiles,
    plot_class_motion_heatmap,
    plot_dataset_overview,
)
from tests.unit.viz.figure_data import (
    N_FRAMES,
    REGION_ROW,
)


def test_class_motion_heatmap(render, store):
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


def test_dataset_overview(render, store):
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


def test_a_one_frame_span_profiles_the_whole_clip(store):
    """A span of one frame cannot be resampled: the clip is taken whole, as
    when no span is known, instead of being dropped."""
    from samm_pipeline.clip import Clip

    clip = next(store[key] for key in store if key.startswith("happiness/"))
    attrs = dict(clip.attrs)
    # same onset (it sets the neutral frames), no usable span
    whole = {"a/x": Clip("a/x", clip.landmarks, {**attrs, "onset": 5, "offset": None})}
    single = {"a/x": Clip("a/x", clip.landmarks, {**attrs, "onset": 5, "offset": 5})}
    np.testing.assert_allclose(
        class_motion_profiles(single)["a"], class_motion_profiles(whole)["a"]
    )


def test_dataset_overview_of_several_stores_side_by_side(render, tmp_path):
    from samm_pipeline.io.store import open_store
    from tests.unit.io.dataset_stores import SAMM, SMIC, write_dataset_store

    stores = [
        open_store(write_dataset_store(tmp_path / "a.zarr", "smic", 100.0, SMIC)),
        open_store(write_dataset_store(tmp_path / "b.zarr", "samm", 200.0, SAMM)),
    ]
    figure = plot_dataset_overview(stores)
    render(figure)
    counts, subjects, frames, missing = figure.axes
    assert [label.get_text() for label in counts.get_xticklabels()] == [
        "Anger", "negative", "surprise",
    ]  # fmt: skip
    # one bar per dataset and class, in dataset order: smic's, then samm's
    assert [patch.get_height() for patch in counts.patches] == [0, 2, 1, 2, 0, 1]
    assert [text.get_text() for text in counts.get_legend().get_texts()] == [
        "smic", "samm",
    ]  # fmt: skip
    assert counts.get_title() == "Clips per class (6 in all)"
    assert [patch.get_height() for patch in subjects.patches] == [2, 3]
    assert [label.get_text() for label in frames.get_xticklabels()] == [
        "smic\n100 fps", "samm\n200 fps",
    ]  # fmt: skip
    assert [patch.get_height() for patch in missing.patches] == pytest.approx(
        [0.0, round(100 / 360, 1)]
    )
    # a mapping of names to summaries draws the same figure
    again = plot_dataset_overview({"x": stores[0].summary(), "y": stores[1]})
    assert [t.get_text() for t in again.axes[0].get_legend().get_texts()] == ["x", "y"]
    # one store alone keeps the per-class figure
    assert len(plot_dataset_overview([stores[0]]).axes) == 3


def test_plot_command_draws_several_stores_side_by_side(store, tmp_path):
    from tests.unit.io.dataset_stores import SMIC, write_dataset_store

    other = write_dataset_store(tmp_path / "smic.zarr", "smic", 100.0, SMIC)
    output = tmp_path / "figures"
    result = CliRunner().invoke(
        cli,
        ["plot", "--store", str(store.path), "--store", str(other),
         "--output", str(output), "--figure", "dataset_overview", "--dpi", "40"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.split() == [str(output / "dataset_overview.png")]
    assert (output / "dataset_overview.png").stat().st_size > 0
