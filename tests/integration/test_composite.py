"""Several stores in one run: the MEGC composite and leave-one-dataset-out.

Three real stores are built here, one per dataset, each with that dataset's
own class names (SAMM's, CASME II's and SMIC's) and its own fps; the MEGC
3-class map turns them into negative / positive / surprise, each moving its
own landmarks. Training runs a real Keras model (the stacked engine, which
trains every fold at once).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import Config, apply_overrides, config_to_toml
from samm_pipeline.errors import ConfigError, DataError
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.learn.evaluate import evaluate_predictions
from samm_pipeline.learn.pipeline import run_training

pytestmark = pytest.mark.slow

# dataset -> (fps, {store class: MEGC class}); the extra classes are dropped.
DATASETS = {
    "samm": (200.0, {"Anger": "negative", "Happiness": "positive",
                     "Surprise": "surprise", "Other": None}),
    "casme2": (200.0, {"repression": "negative", "happiness": "positive",
                       "surprise": "surprise", "fear": None}),
    "smic": (100.0, {"negative": "negative", "positive": "positive",
                     "surprise": "surprise"}),
}  # fmt: skip
MOVES = {"negative": [105, 334, 66, 296], "positive": [61, 291], "surprise": [17, 152]}


def make_dataset_store(
    path: Path, dataset: str, *, subjects: int = 2, clips: int = 2, landmarks=468
) -> Path:
    """A store of one dataset: its classes, fps and ``dataset`` attribute."""
    fps, classes = DATASETS[dataset]
    rng = np.random.default_rng(len(path.name) + subjects)
    base = rng.uniform(0.3, 0.7, size=(landmarks, 3)).astype(np.float32)
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=landmarks)
    bump = np.sin(np.linspace(0, np.pi, 16)) ** 2
    for class_name, megc in classes.items():
        moved = MOVES[megc or "negative"][:1] if megc is None else MOVES[megc]
        for subject in range(subjects):
            for clip in range(clips):
                frames = np.repeat(base[None], 16, axis=0).copy()
                frames += rng.normal(0, 0.0003, frames.shape)
                frames[:, moved, 1] += 0.006 * bump[:, None]
                key = f"{class_name}/{dataset}{subject}_{class_name}_{clip}"
                writer.write_clip(
                    key,
                    frames.astype(np.float32),
                    {
                        "source": key, "source_size": 1, "source_mtime_ns": 1,
                        "fps": fps, "width": 512, "height": 512, "n_frames": 16,
                        "n_detected": 16, "subject": f"{subject:03d}",
                        "dataset": dataset, "class": class_name,
                    },
                )  # fmt: skip
    return path


def config(**overrides):
    base = {
        "extract.refine_landmarks": False,
        "train.batch_size": 16,
        "train.engine": "stacked",
        "augment.aug_times": 1,
        "evaluate.loso_epochs": 3,
        "evaluate.loso_selection": "fixed",
    }
    return apply_overrides(Config(), {**base, **overrides})


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("composite")
    return [make_dataset_store(root / f"{name}.zarr", name) for name in DATASETS]


@pytest.fixture(scope="module")
def megc_run(stores, tmp_path_factory):
    output = tmp_path_factory.mktemp("runs") / "megc"
    report = run_training(
        stores, output, config(**{"evaluate.protocol": "megc"}), progress=False,
        cache_dir=tmp_path_factory.mktemp("cache"),
    )  # fmt: skip
    with (output / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return report, output, rows


def test_megc_is_loso_over_every_subject_of_every_dataset(megc_run):
    report, output, rows = megc_run
    # megc implies the MEGC 3-class map, per dataset: SAMM Other and CASME II
    # fear are left out; 3 datasets x 3 kept classes x 2 subjects x 2 clips.
    assert report.classes == ("negative", "positive", "surprise")
    assert len(rows) == 36 == report.evaluation.n_samples
    assert {row["dataset"] for row in rows} == set(DATASETS)
    # Subjects are prefixed by their dataset: "000" of SAMM is not CASME II's.
    assert {row["fold"] for row in rows} == {
        f"{name}/{subject:03d}" for name in DATASETS for subject in range(2)
    }
    assert all(row["fold"] == row["subject"] for row in rows)
    assert all(row["clip"].startswith(row["dataset"] + "/") for row in rows)
    metrics = json.loads((output / "metrics.json").read_text())
    dropped = metrics["dropped_by_labels"]
    assert len(dropped) == 8 and all(
        key.startswith(("samm/Other/", "casme2/fear/")) for key in dropped
    )
    meta = json.loads((output / "model.json").read_text())
    assert meta["labels"] == "megc3"
    assert [entry["dataset"] for entry in meta["stores"]] == list(DATASETS)


def test_per_dataset_scores_are_subsets_of_the_pooled_predictions(megc_run):
    report, output, rows = megc_run
    metrics = json.loads((output / "metrics.json").read_text())
    classes = list(report.classes)
    assert set(metrics["datasets"]) == set(DATASETS)
    for name, scores in metrics["datasets"].items():
        mine = [row for row in rows if row["dataset"] == name]
        expected = evaluate_predictions(
            [classes.index(row["true"]) for row in mine],
            [classes.index(row["predicted"]) for row in mine],
            classes,
        )
        assert scores["uf1"] == pytest.approx(expected.uf1)
        assert scores["uar"] == pytest.approx(expected.uar)
        assert scores["baseline"] == expected.baseline
        assert scores["n_samples"] == len(mine) == 12
    text = (output / "report.md").read_text()
    assert "| | full UF1 | full UAR | samm UF1 | samm UAR | casme2 UF1" in text
    assert "| majority-class baseline |" in text
    line = report.summary_line()
    assert all(f"{name} UF1" in line for name in DATASETS)


def test_lodo_tests_each_dataset_on_a_model_trained_on_the_others(
    stores, tmp_path, monkeypatch
):
    monkeypatch.setenv("SAMM_PIPELINE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "run.toml").write_text(config_to_toml(config()))
    output = tmp_path / "lodo"
    result = CliRunner().invoke(
        cli,
        ["--quiet", "--config", str(tmp_path / "run.toml"), "train",
         *[arg for s in stores for arg in ("--store", str(s))],
         "--output", str(output), "--protocol", "lodo", "--labels", "megc3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "per dataset" in result.output
    with (output / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 36
    assert all(row["fold"] == row["dataset"] for row in rows)
    metrics = json.loads((output / "metrics.json").read_text())
    assert [fold["fold"] for fold in metrics["folds"]] == list(DATASETS)
    # Each fold trained on the other two datasets' clips only.
    for fold in metrics["folds"]:
        assert fold["n_test"] == 12


def test_stores_of_other_extractor_settings_are_refused(stores, tmp_path):
    other = make_dataset_store(tmp_path / "smic478.zarr", "smic", landmarks=478)
    with pytest.raises(DataError, match=r"smic478\.zarr was extracted with 478"):
        run_training(
            [stores[0], other], tmp_path / "out", config(), progress=False,
            cache_dir=tmp_path,
        )  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_lodo_needs_two_datasets_and_megc_its_own_labels(stores, tmp_path):
    with pytest.raises(DataError, match="at least 2 datasets"):
        run_training(
            stores[0], tmp_path / "a", config(**{"evaluate.protocol": "lodo"}),
            progress=False, cache_dir=tmp_path,
        )  # fmt: skip
    with pytest.raises(ConfigError, match="megc3"):
        config(**{"evaluate.protocol": "megc", "train.labels": "samm5"})
