"""`samm-pipeline demo` end to end, small: real clips, real FaceMesh, real Keras."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli

pytestmark = pytest.mark.slow


def test_demo_runs_end_to_end_and_reuses_its_work(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMM_PIPELINE_CACHE", str(tmp_path / "cache"))
    small = tmp_path / "small.toml"
    small.write_text(
        "[demo]\nsubjects = 3\nclips_per_class = 1\n"
        "[augment]\naug_times = 1\n"
        "[evaluate]\nloso_epochs = 2\n"
    )
    workdir = tmp_path / "work"
    arguments = ["-q", "--config", str(small), "demo", "--workdir", str(workdir)]
    first = CliRunner().invoke(cli, arguments)
    assert first.exit_code == 0, first.output
    assert "LOSO (pooled over folds): UF1" in first.output
    assert "majority-class baseline" in first.output
    assert (workdir / "clips" / "clips.csv").is_file()
    assert (workdir / "landmarks.zarr" / "zarr.json").is_file()
    metrics = json.loads((workdir / "run" / "metrics.json").read_text())
    assert metrics["protocol"] == "loso" and metrics["n_samples"] == 18
    assert [fold["fold"] for fold in metrics["folds"]] == ["s01", "s02", "s03"]
    # The long videos: one per subject (3 here), spotted and scored.
    assert "long videos: spotted" in first.output
    spotted = json.loads((workdir / "spotted" / "metrics.json").read_text())
    assert spotted["n_videos"] == 3
    assert spotted["evaluation"]["overall"]["n_truths"] == 15

    second = CliRunner().invoke(cli, arguments)
    assert second.exit_code == 0, second.output
    assert "reusing the demo clips" in second.output
    assert "reusing the demo long videos" in second.output
