"""The MEGC composite end to end: three demo datasets as distributed, real FaceMesh.

``make-demo-data`` writes three tiny datasets in the SMIC-HS (100 fps, BMP
frames cut to the micro-expression, classes from the folders), CASME II
(200 fps, JPEG frames and the coding sheet) and SAMM (200 fps, JPEG frames and
the FACS-codes sheet with notes above its header) layouts, each with its own
class names: 2 subjects x 3 classes x 1 clip at 128 px, 18 clips in all.
``extract --layout auto`` reads each with real MediaPipe into its own store;
``train --protocol megc`` and ``--protocol lodo`` train on the three at once
(the stacked engine, 3 epochs per fold). Everything goes through the CLI.
"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.io.store import open_store

pytestmark = pytest.mark.slow

# name -> (make-demo-data arguments, fps, clip id of subject 1's positive clip)
DATASETS = {
    "smic": (["--layout", "smic"], 100.0, "s1_po_01"),
    "casme2": (
        ["--layout", "casme2", "--classes", "disgust,happiness,surprise"],
        200.0,
        "sub01_EP02_01",
    ),
    "samm": (
        ["--layout", "samm", "--classes", "Anger,Happiness,Surprise"],
        200.0,
        "006_3_1",
    ),
}
RUN_TOML = """
[extract]
refine_landmarks = false
jobs = 1
[train]
batch_size = 16
engine = "stacked"
[augment]
aug_times = 1
[evaluate]
loso_epochs = 3
loso_selection = "fixed"
"""


def invoke(arguments: list[str]) -> str:
    """Run the CLI in-process; return its output, failing on a non-zero exit."""
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def composite(tmp_path_factory):
    """(work folder, config path, store paths): the three datasets extracted."""
    root = tmp_path_factory.mktemp("megc_demo")
    config = root / "run.toml"
    config.write_text(RUN_TOML)
    stores = []
    for name, (layout, _, _) in DATASETS.items():
        data, store = root / name, root / f"{name}.zarr"
        invoke(["-q", "make-demo-data", str(data), "--subjects", "2",
                "--clips-per-class", "1", "--size", "128", *layout])  # fmt: skip
        output = invoke(["-q", "--config", str(config), "extract", str(data),
                         "--store", str(store), "--layout", "auto"])  # fmt: skip
        assert "6 extracted, 0 unchanged, 0 failed of 6 clips" in output
        stores.append(store)
    return root, config, stores


def train(composite, protocol: str, *extra: str) -> tuple[str, dict, list[dict]]:
    root, config, stores = composite
    output = root / protocol
    line = invoke(
        ["-q", "--config", str(config), "train",
         *[arg for store in stores for arg in ("--store", str(store))],
         "--output", str(output), "--protocol", protocol, *extra],
    )  # fmt: skip
    with (output / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return line, json.loads((output / "metrics.json").read_text()), rows


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SAMM_PIPELINE_CACHE", str(tmp_path_factory.getbasetemp()))


def test_each_layout_is_extracted_with_its_own_classes_and_fps(composite):
    _, _, stores = composite
    for (name, (_, fps, positive)), path in zip(DATASETS.items(), stores, strict=True):
        store = open_store(path)
        summary = store.summary()
        assert len(store) == 6 and set(summary["fps"]) == {fps}
        assert summary["n_detected"].sum() == summary["n_frames"].sum()
        assert set(summary["dataset"]) == {name}
        assert any(key.endswith("/" + positive) for key in store)


def test_megc_reports_full_and_per_dataset_scores_with_the_baseline(composite):
    line, metrics, rows = train(composite, "megc")
    assert "megc: UF1" in line and "majority-class baseline" in line
    for name in DATASETS:
        assert f"{name} UF1" in line
    assert metrics["protocol"] == "megc" and metrics["n_samples"] == 18
    assert metrics["classes"] == ["negative", "positive", "surprise"]
    assert not metrics["dropped_by_labels"]
    # LOSO over every subject of every dataset, subjects prefixed by dataset.
    assert sorted(fold["fold"] for fold in metrics["folds"]) == sorted(
        f"{name}/{subject}"
        for name, subjects in (
            ("smic", ("s1", "s2")),
            ("casme2", ("sub01", "sub02")),
            ("samm", ("006", "007")),
        )
        for subject in subjects
    )
    assert set(metrics["datasets"]) == set(DATASETS)
    for name, scores in metrics["datasets"].items():
        assert scores["n_samples"] == 6 == sum(row["dataset"] == name for row in rows)
        assert 0.0 <= scores["uf1"] <= 1.0 and 0.0 <= scores["uar"] <= 1.0
        assert set(scores["baseline"]) >= {"uf1", "uar"}
    # Each dataset's own class names went through the MEGC map.
    true = {(row["dataset"], row["clip"].split("/")[1], row["true"]) for row in rows}
    assert ("casme2", "disgust", "negative") in true
    assert ("samm", "Anger", "negative") in true
    assert ("smic", "positive", "positive") in true


def test_lodo_tests_each_dataset_on_the_other_two(composite):
    line, metrics, rows = train(composite, "lodo", "--labels", "megc3")
    assert "per dataset" in line
    assert [fold["fold"] for fold in metrics["folds"]] == list(DATASETS)
    assert all(row["fold"] == row["dataset"] for row in rows) and len(rows) == 18
