"""Training end to end on a real Keras model and a real store.

The store is built here: 3 classes x 4 subjects x 3 clips of 468 face-like
landmarks (16 frames); each class moves its own landmarks (mouth corners up,
brows up, jaw down) by a smooth bump, under head drift and jitter.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import Config, apply_overrides
from samm_pipeline.errors import DataError, OutputExistsError
from samm_pipeline.infer.trained import load_trained
from samm_pipeline.io.runs import ARTIFACTS
from samm_pipeline.io.store import open_store
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.learn.pipeline import run_training
from samm_pipeline.learn.protocol import run_protocol
from samm_pipeline.prepare.cache import prepare_clips
from samm_pipeline.prepare.labels import label_clips

pytestmark = pytest.mark.slow

MOVES = {"happy": [61, 291], "surprised": [105, 334, 66, 296], "open": [17, 14, 152]}


def make_store(path: Path, *, subjects: int = 4, clips: int = 3, with_subjects=True):
    rng = np.random.default_rng(7)
    base = rng.uniform(0.3, 0.7, size=(468, 3)).astype(np.float32)
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    bump = np.sin(np.linspace(0, np.pi, 16)) ** 2
    for class_index, (class_name, moved) in enumerate(MOVES.items()):
        for subject in range(subjects):
            for clip in range(clips):
                frames = np.repeat(base[None], 16, axis=0).copy()
                frames += np.cumsum(rng.normal(0, 0.0005, (16, 1, 3)), axis=0)
                frames += rng.normal(0, 0.0003, frames.shape)
                direction = -1 if class_index < 2 else 1
                frames[:, moved, 1] += direction * 0.006 * bump[:, None]
                key = f"{class_name}/s{subject}_{class_name}_{clip}"
                writer.write_clip(
                    key,
                    frames.astype(np.float32),
                    {
                        "source": key, "source_size": 1, "source_mtime_ns": 1,
                        "fps": 30.0, "width": 512, "height": 512, "n_frames": 16,
                        "n_detected": 16,
                        "subject": f"s{subject}" if with_subjects else "",
                    },
                )  # fmt: skip
    return path


def config(**overrides):
    base = {
        "extract.refine_landmarks": False,
        "train.epochs": 6,
        "train.batch_size": 16,
        "augment.aug_times": 2,
        "evaluate.loso_epochs": 3,
        "evaluate.loso_selection": "fixed",
    }
    return apply_overrides(Config(), {**base, **overrides})


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("train") / "s.zarr")


@pytest.fixture(scope="module")
def holdout_run(store, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    output = tmp_path_factory.mktemp("runs") / "holdout"
    report = run_training(store, output, config(), progress=False, cache_dir=cache)
    return report, output, cache


def test_holdout_writes_every_artifact(holdout_run):
    report, output, _ = holdout_run
    assert sorted(p.name for p in output.iterdir()) == sorted(ARTIFACTS)
    meta = json.loads((output / "model.json").read_text())
    assert meta["classes"] == ["happy", "open", "surprised"]
    assert meta["n_landmarks"] == 468 and meta["target_length"] == 20
    assert meta["input_shape"] == [20, 468 * 3]
    assert meta["align"]["head_motion"] == "procrustes"
    assert meta["train"]["epochs"] == 6 and meta["seed"] == 42
    assert meta["versions"]["tensorflow"].startswith("2.19")
    assert meta["store"]["fingerprint"]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["protocol"] == "holdout"
    assert 0 <= metrics["uf1"] <= 1 and metrics["baseline"]["class"]
    with (output / "history.csv").open() as handle:
        history = list(csv.DictReader(handle))
    assert {"loss", "val_loss", "val_uf1", "val_uar", "epoch"} <= set(history[0])
    assert 1 <= len(history) <= 6
    assert "UF1" in (output / "report.md").read_text()
    assert report.evaluation.uf1 == pytest.approx(metrics["uf1"])


def test_holdout_validation_subjects_are_not_in_training(holdout_run, store):
    _, output, _ = holdout_run
    with (output / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    validation_subjects = {row["subject"] for row in rows}
    assert validation_subjects and len(validation_subjects) < 4
    assert {row["fold"] for row in rows} == {"holdout"}


def test_saved_model_reproduces_recorded_probabilities(holdout_run, store):
    """model.keras + model.json, run on the validation clips read from the store,
    give the probabilities recorded in predictions.csv."""
    _, output, _ = holdout_run
    trained = load_trained(output)
    opened = open_store(store)
    with (output / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        clip = opened[row["clip"]]
        probabilities = trained.predict_clip(clip)
        recorded = [float(row[f"p_{name}"]) for name in trained.classes]
        np.testing.assert_allclose(probabilities, recorded, atol=2e-5)
        assert trained.classes[int(np.argmax(probabilities))] == row["predicted"]


def test_changing_only_epochs_reuses_the_cached_arrays(holdout_run, store, tmp_path):
    _, _, cache = holdout_run
    report = run_training(
        store, tmp_path / "again", config(**{"train.epochs": 2}), progress=False,
        cache_dir=cache,
    )  # fmt: skip
    assert report.from_cache
    changed = run_training(
        store, tmp_path / "other", config(**{"align.target_length": 12}),
        progress=False, cache_dir=cache,
    )  # fmt: skip
    assert not changed.from_cache


def test_loso_pools_every_clip_once(store, tmp_path):
    output = tmp_path / "loso"
    report = run_training(
        store, output, config(**{"evaluate.protocol": "loso"}), progress=False,
        cache_dir=tmp_path,
    )  # fmt: skip
    with (output / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 36 == report.evaluation.n_samples
    assert {row["fold"] for row in rows} == {"s0", "s1", "s2", "s3"}
    assert all(row["fold"] == row["subject"] for row in rows)
    metrics = json.loads((output / "metrics.json").read_text())
    assert [fold["fold"] for fold in metrics["folds"]] == ["s0", "s1", "s2", "s3"]
    meta = json.loads((output / "model.json").read_text())
    assert meta["final_model"]["trained_on"] == "all clips"
    assert load_trained(output).classes == report.classes


def test_loso_inner_split_never_uses_the_test_subject(store, tmp_path, monkeypatch):
    """Epochs are chosen on training subjects only: record what fit_model sees."""
    import samm_pipeline.learn.fit as train_module

    seen = []
    real_fit = train_module.fit_model

    def recording_fit(train_x, train_y, n_classes, cfg, **kwargs):
        seen.append((train_x, kwargs.get("val_x")))
        return real_fit(train_x, train_y, n_classes, cfg, **{**kwargs, "epochs": 1})

    monkeypatch.setattr(train_module, "fit_model", recording_fit)
    prepared = prepare_clips(open_store(store), config().align, cache_dir=tmp_path)
    data = label_clips(prepared, config().train)
    result = run_protocol(
        data,
        protocol="loso",
        train=config().train,
        augment=config(**{"augment.aug_times": 0}).augment,
        evaluate=config(**{"evaluate.loso_selection": "inner"}).evaluate,
        progress=False,
    )
    for fold, (train_x, val_x) in zip(result.folds, seen, strict=False):
        test_rows = {data.sequences[i].tobytes() for i in fold.test_indices}
        assert val_x is not None and len(val_x)
        assert not {row.tobytes() for row in val_x} & test_rows
        assert not {row.tobytes() for row in train_x} & test_rows


@pytest.mark.parametrize(
    ("make", "overrides", "error", "fragment"),
    [
        (lambda p: make_store(p, with_subjects=False), {"evaluate.protocol": "loso"},
         DataError, "needs subjects"),
        (lambda p: make_store(p, subjects=2), {"evaluate.protocol": "loso",
         "evaluate.loso_selection": "inner"}, DataError, "at least 3 subjects"),
        (lambda p: make_store(p), {"train.classes": ("happy",)}, DataError,
         "only one class"),
        (lambda p: make_store(p, subjects=1, clips=1), {}, DataError, "single clip"),
        (lambda p: make_store(p), {"extract.refine_landmarks": True}, DataError,
         "468 landmarks, the config expects 478"),
    ],
)  # fmt: skip
def test_bad_input_is_refused(tmp_path, make, overrides, error, fragment):
    store = make(tmp_path / "s.zarr")
    with pytest.raises(error, match=fragment):
        run_training(
            store, tmp_path / "out", config(**overrides), progress=False,
            cache_dir=tmp_path,
        )  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_cli_train_refuses_a_non_empty_output(store, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(
        cli, ["train", "--store", str(store), "--output", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "is not empty; pass --overwrite" in result.output
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"
    with pytest.raises(OutputExistsError):
        run_training(store, tmp_path / "out", config(), progress=False)


def test_cli_train_on_an_empty_store(tmp_path):
    StoreWriter(tmp_path / "e.zarr", extractor={"name": "test"}, n_landmarks=468)
    result = CliRunner().invoke(
        cli,
        ["train", "--store", str(tmp_path / "e.zarr"), "--output", str(tmp_path / "o")],
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "no complete clip" in result.output


def test_a_crash_while_writing_leaves_no_run(store, tmp_path, monkeypatch):
    import samm_pipeline.io.runs as runs_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    # history.csv is written after model.keras and model.json: a crash half-way.
    monkeypatch.setattr(runs_module, "_write_csv", broken)
    with pytest.raises(RuntimeError):
        run_training(
            store, tmp_path / "out", config(), progress=False, cache_dir=tmp_path
        )
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.partial-*"))


def test_loso_on_the_stacked_engine(store, tmp_path):
    """The folds on one fit axis: same artifacts, every clip pooled once, the
    final model predicts as saved; and chunks of fits sent to two worker
    processes give the predictions of one process (same seed)."""
    overrides = {
        "evaluate.protocol": "loso",
        "evaluate.loso_selection": "inner",
        "train.engine": "stacked",
        "train.batch_size": 2,
        "train.epochs": 3,
        "train.fits_per_chunk": 3,  # two chunks: 3 folds, then 1 fold + final
    }
    tables, reports = [], []
    for name, jobs in (("here", 1), ("workers", 2)):
        reports.append(
            run_training(
                store, tmp_path / name, config(**overrides, **{"evaluate.jobs": jobs}),
                progress=False, cache_dir=tmp_path,
            )
        )  # fmt: skip
        assert sorted(path.name for path in (tmp_path / name).iterdir()) == sorted(
            ARTIFACTS
        )
        with (tmp_path / name / "predictions.csv").open() as handle:
            rows = sorted(csv.DictReader(handle), key=lambda row: row["clip"])
        tables.append(
            np.array([[float(v) for k, v in row.items() if k.startswith("p_")]
                      for row in rows])
        )  # fmt: skip
    np.testing.assert_allclose(tables[0], tables[1], atol=1e-5)
    assert len(rows) == 36 and {row["fold"] for row in rows} == {"s0", "s1", "s2", "s3"}
    with (tmp_path / "here" / "history.csv").open() as handle:
        history = list(csv.DictReader(handle))
    expected = {"loss", "accuracy", "val_loss", "val_uf1", "val_uar", "learning_rate"}
    assert expected <= set(history[0])
    assert {row["fold"] for row in history} == {"s0", "s1", "s2", "s3", "final"}
    trained = load_trained(tmp_path / "workers")
    clip = open_store(store)[rows[0]["clip"]]
    assert trained.predict_clip(clip).shape == (len(reports[0].classes),)


def test_repeated_seeds_report_each_and_their_mean(store, tmp_path):
    """--seeds 2 on the stacked engine: every seed's predictions kept, per-seed
    scores with mean ± sd in metrics.json, report.md and the summary line; the
    saved model is the first seed's refit."""
    overrides = {
        "evaluate.protocol": "loso",
        "train.engine": "stacked",
        "train.seeds": 2,
        "train.seed": 5,
    }
    report = run_training(
        store, tmp_path / "run", config(**overrides), progress=False,
        cache_dir=tmp_path,
    )  # fmt: skip
    run = tmp_path / "run"
    with (run / "predictions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 72 and {row["seed"] for row in rows} == {"5", "1005"}
    seeds = json.loads((run / "metrics.json").read_text())["seeds"]
    assert [entry["seed"] for entry in seeds["runs"]] == [5, 1005]
    uf1s = [entry["uf1"] for entry in seeds["runs"]]
    assert seeds["mean"]["uf1"] == pytest.approx(np.mean(uf1s))
    assert seeds["sd"]["uf1"] == pytest.approx(np.std(uf1s, ddof=1))
    assert "over 2 seeds UF1" in report.summary_line()
    assert "| mean ± sd |" in (run / "report.md").read_text()
    meta = json.loads((run / "model.json").read_text())
    assert meta["final_model"]["seed"] == 5
    # the first seed's run is the one a single-seed run gives
    single = run_training(
        store, tmp_path / "one", config(**{**overrides, "train.seeds": 1}),
        progress=False, cache_dir=tmp_path,
    )  # fmt: skip
    assert single.evaluation.uf1 == pytest.approx(report.evaluation.uf1)
