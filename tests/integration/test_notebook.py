"""The inspection notebook runs end to end against a small store made here."""

from __future__ import annotations

import csv
import json
import runpy
from pathlib import Path

import numpy as np
import pytest

NOTEBOOK = Path(__file__).parents[2] / "pipeline" / "notebooks" / "inspect_store.py"


def _write_store(path: Path) -> Path:
    """Two classes x 2 clips of 24 frames, 468 landmarks; the lips (happy) or
    the brows (sad) move and come back; 60 fps, 320x240."""
    from samm_pipeline.io.store_writer import StoreWriter
    from samm_pipeline.landmarks import LEFT_EYEBROW, LIPS, RIGHT_EYEBROW

    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    moving = {"happy": LIPS, "sad": LEFT_EYEBROW + RIGHT_EYEBROW}
    for class_name, indices in moving.items():
        for index in range(2):
            rng = np.random.default_rng(index)
            clip = np.repeat(rng.uniform(0.3, 0.7, (1, 468, 3)), 24, axis=0)
            clip[:, list(indices), 1] += np.interp(
                range(24), [6, 12, 18], [0, 0.01, 0]
            )[:, None]
            clip += rng.normal(0, 1e-4, clip.shape)
            writer.write_clip(
                f"{class_name}/{class_name}{index}",
                clip.astype(np.float32),
                {"source": f"{class_name}{index}.mp4", "source_size": 1,
                 "source_mtime_ns": 1, "fps": 60.0, "width": 320, "height": 240,
                 "n_frames": 24, "n_detected": 24, "subject": f"s{index}",
                 "dataset": "folders", "onset": 6, "apex": 12, "offset": 18},
            )  # fmt: skip
    return path


def _write_run(folder: Path) -> Path:
    """history.csv and metrics.json with the columns and keys `train` writes."""
    folder.mkdir()
    with (folder / "history.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["fold", "epoch", "loss", "val_loss", "val_uf1", "val_uar"])
        writer.writerows([["s0", 1, 1.0, 1.1, 0.4, 0.5], ["s0", 2, 0.8, 0.9, 0.6, 0.6]])
    metrics = {"protocol": "loso", "uf1": 0.75, "uar": 0.75,
               "classes": ["happy", "sad"], "confusion": [[2, 0], [1, 1]]}  # fmt: skip
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


@pytest.mark.slow
def test_notebook_runs_and_draws_every_figure(tmp_path, monkeypatch):
    store = _write_store(tmp_path / "store.zarr")
    run = _write_run(tmp_path / "run")
    figures = tmp_path / "figures"
    monkeypatch.setenv("SAMM_PIPELINE_STORE", str(store))
    monkeypatch.setenv("SAMM_PIPELINE_RUN", str(run))
    monkeypatch.setenv("SAMM_PIPELINE_KEY", "sad/sad1")
    monkeypatch.setenv("SAMM_PIPELINE_FIGURES", str(figures))
    namespace = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    assert namespace["key"] == "sad/sad1"
    assert namespace["array"].dims == ("frame", "landmark", "coord")
    assert namespace["summary"]["key"].tolist() == [
        "happy/happy0", "happy/happy1", "sad/sad0", "sad/sad1",
    ]  # fmt: skip
    assert sorted(namespace["saved"]) == sorted(
        ["dataset_overview", "class_motion_heatmap", "face_mesh", "region_motion",
         "preprocessing", "training_curves", "confusion_matrix"]
    )  # fmt: skip
    for path in namespace["saved"].values():
        assert path.read_bytes().startswith(b"\x89PNG")


def test_notebook_without_a_run_skips_the_run_figures(tmp_path, monkeypatch, capsys):
    store = _write_store(tmp_path / "store.zarr")
    monkeypatch.setenv("SAMM_PIPELINE_STORE", str(store))
    monkeypatch.setenv("SAMM_PIPELINE_RUN", str(tmp_path / "no-run"))
    monkeypatch.delenv("SAMM_PIPELINE_KEY", raising=False)
    monkeypatch.setenv("SAMM_PIPELINE_FIGURES", str(tmp_path / "figures"))
    namespace = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    assert namespace["key"] == "happy/happy0"
    assert "training_curves" not in namespace["saved"]
    assert "no run at" in capsys.readouterr().out
