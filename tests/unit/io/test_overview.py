"""Datasets side by side: ``compare_datasets``, store naming, ``inspect``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.io.overview import compare_datasets, summaries_by_dataset
from samm_pipeline.io.store import open_store
from tests.unit.io.dataset_stores import SAMM, SMIC, write_dataset_store


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("overview")
    return [
        write_dataset_store(root / "a.zarr", "smic", 100.0, SMIC),
        write_dataset_store(root / "b.zarr", "samm", 200.0, SAMM),
    ]


def test_compare_puts_each_dataset_in_its_own_column(stores):
    summaries = summaries_by_dataset([open_store(path) for path in stores])
    assert list(summaries) == ["smic", "samm"]
    comparison = compare_datasets(summaries)
    counts = comparison.clips_per_class
    assert list(counts.columns) == ["smic", "samm", "all"]
    assert list(counts.index) == ["Anger", "negative", "surprise"]
    assert counts.loc["Anger"].tolist() == [0, 2, 2]
    assert counts.loc["surprise"].tolist() == [1, 1, 2]  # same name, both sets
    table = comparison.datasets
    assert table.loc["smic", "fps"] == "100" and table.loc["samm", "fps"] == "200"
    assert table.loc["smic", "subjects"] == 2 and table.loc["samm", "subjects"] == 3
    frames = table.loc["smic", ["frames_median", "frames_min", "frames_max"]]
    assert frames.tolist() == [30.0, 20, 40]
    assert table.loc["samm", "missing_pct"] == pytest.approx(round(100 / 360, 1))
    assert table.loc["smic", "missing_pct"] == 0.0


def test_a_second_store_of_one_dataset_is_named_by_its_folder(stores, tmp_path):
    again = write_dataset_store(tmp_path / "smic_vis.zarr", "smic", 25.0, SMIC)
    summaries = summaries_by_dataset([open_store(stores[0]), open_store(again)])
    assert list(summaries) == ["smic", "smic_vis.zarr"]
    table = compare_datasets(summaries).datasets
    assert table.loc["smic_vis.zarr", "fps"] == "25"


def test_inspect_shows_several_stores_side_by_side(stores):
    result = CliRunner().invoke(
        cli, ["inspect", "--store", str(stores[0]), "--store", str(stores[1])]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"store {stores[0]}: 3 clips, 468 landmarks")
    assert lines[1].startswith(f"store {stores[1]}: 3 clips")
    assert "clips per class and dataset:" in lines
    header = lines[lines.index("clips per class and dataset:") + 1].split()
    assert header == ["smic", "samm", "all"]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.strip()}
    assert rows["Anger"] == ["0", "2", "2"]
    assert rows["smic"] == ["3", "2", "2", "100", "30.0", "20", "40", "0.0"]
    assert rows["samm"][:7] == ["3", "3", "2", "200", "120.0", "100", "140"]
    assert f"0 failure(s) in {stores[1]}" in lines


def test_inspect_of_one_store_keeps_its_class_table(stores):
    result = CliRunner().invoke(cli, ["inspect", "--store", str(stores[1])])
    assert result.exit_code == 0, result.output
    assert "clips per class and dataset:" not in result.output
    assert result.output.splitlines()[1].split() == [
        "class", "clips", "subjects", "frames", "detected", "missing_pct",
    ]  # fmt: skip
    assert result.output.splitlines()[-1] == "0 failure(s)"


def test_inspect_reads_paths_stores_of_the_config(stores, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(f"[paths]\nstores = ['{stores[0]}', '{stores[1]}']\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "inspect"])
    assert result.exit_code == 0, result.output
    assert "clips per class and dataset:" in result.output
