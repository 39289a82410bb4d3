"""Spotting the demo's long videos end to end on real MediaPipe, through the CLI.

``make-demo-videos`` writes 2 videos of 10 s at 30 fps and 256 px (one
micro- and one macro-expression each, among blinks, speech-like mouth
motion and head drift) in the SAMM Long Videos layout; ``extract`` with the
``longvideos.toml`` it writes reads them as ``samm_lv``, and ``spot`` must
find the planted expressions far better than its trivial baseline (one
interval per video at the motion maximum), which a spotter that misses or
misplaces them cannot.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.io.store import open_store

pytestmark = pytest.mark.slow


def test_the_spotter_finds_the_planted_expressions(tmp_path):
    runner = CliRunner()
    data, store, out = tmp_path / "lv", tmp_path / "lv.zarr", tmp_path / "spotted"
    result = runner.invoke(
        cli,
        ["-q", "make-demo-videos", str(data), "--videos", "2", "--seconds", "10",
         "--micro", "1", "--macro", "1", "--size", "256", "--seed", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli,
        ["-q", "--config", str(data / "longvideos.toml"), "extract", str(data),
         "--store", str(store), "--jobs", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    opened = open_store(store)
    assert sorted(opened) == ["samm_lv/006_1", "samm_lv/007_1"]
    assert opened.entry_attrs("samm_lv/006_1")["fps"] == 30.0

    result = runner.invoke(
        cli, ["spot", "--store", str(store), "--output", str(out), "--no-figures"]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    overall = metrics["evaluation"]["overall"]
    macro = metrics["evaluation"]["macro"]
    baseline = metrics["baseline"]["evaluation"]["overall"]
    assert overall["n_truths"] == 4
    assert macro["tp"] == 2  # both macro-expressions, at IoU >= 0.5
    assert overall["f1"] >= 0.4
    assert overall["f1"] >= baseline["f1"] + 0.2
