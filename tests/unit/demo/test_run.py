"""Tests of samm_pipeline.demo.run: the demo run definition, written once.

The definition is package data (``samm_pipeline/demo/demo.toml``);
``pipeline/demo.toml`` must be a link to that file, not a copy, and the
``demo`` command must run exactly it (with ``--config`` on top).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from samm_pipeline.cli import cli
from samm_pipeline.config import (
    Config,
    config_from_mapping,
    load_config,
    load_config_over,
)
from samm_pipeline.demo import run
from samm_pipeline.demo.run import load_demo_definition

REPOSITORY = Path(__file__).resolve().parents[3]
PIPELINE_DEMO = REPOSITORY / "pipeline" / "demo.toml"
PACKAGED_DEMO = REPOSITORY / "samm_pipeline" / "demo" / "demo.toml"


def demo_command_config(
    monkeypatch: pytest.MonkeyPatch, arguments: list[str], workdir: Path
) -> Config:
    """The config ``samm-pipeline ARGUMENTS demo`` hands to ``run_demo``."""
    seen: list[Config] = []

    def fake_run_demo(workdir: Path, config: Config, **kwargs: object):
        seen.append(config)
        return SimpleNamespace(summary_lines=lambda: ["fake demo"])

    monkeypatch.setattr(run, "run_demo", fake_run_demo)
    result = CliRunner().invoke(cli, [*arguments, "demo", "--workdir", str(workdir)])
    assert result.exit_code == 0, result.output
    assert "fake demo" in result.output and len(seen) == 1
    return seen[0]


def test_the_definition_is_package_data() -> None:
    assert files("samm_pipeline.demo").joinpath("demo.toml").is_file()
    definition = load_demo_definition()
    config = config_from_mapping(definition)
    # The two documented departures from the reference defaults, for time.
    assert (config.train.batch_size, Config().train.batch_size) == (32, 2)
    assert (config.evaluate.protocol, config.evaluate.loso_selection) == (
        "loso",
        "fixed",
    )
    assert config.evaluate.loso_epochs == 30


def test_each_call_gives_a_new_definition() -> None:
    first = load_demo_definition()
    first["train"]["epochs"] = 1
    assert load_demo_definition()["train"]["epochs"] == 100


def test_pipeline_demo_toml_is_a_link_to_the_packaged_file() -> None:
    assert PIPELINE_DEMO.is_symlink()
    # Relative, so that it works in any checkout.
    assert os.readlink(PIPELINE_DEMO) == "../samm_pipeline/demo/demo.toml"
    assert PIPELINE_DEMO.resolve() == PACKAGED_DEMO.resolve()
    assert PACKAGED_DEMO.is_file() and not PACKAGED_DEMO.is_symlink()
    assert load_config(PIPELINE_DEMO) == config_from_mapping(load_demo_definition())


def test_demo_command_runs_the_packaged_definition(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = demo_command_config(monkeypatch, ["-q"], tmp_path / "work")
    assert config == config_from_mapping(load_demo_definition())
    assert config == load_config(PIPELINE_DEMO)


def test_demo_command_loads_config_on_top_of_the_definition(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    small = tmp_path / "small.toml"
    small.write_text("[demo]\nsubjects = 3\n", encoding="utf-8")
    config = demo_command_config(
        monkeypatch, ["-q", "--config", str(small)], tmp_path / "work"
    )
    assert config.demo.subjects == 3
    assert config == load_config_over(load_demo_definition(), small)
    assert config.train == config_from_mapping(load_demo_definition()).train
