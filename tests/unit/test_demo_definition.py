"""The built-in demo run definition and pipeline/demo.toml stay the same."""

from __future__ import annotations

from pathlib import Path

from samm_pipeline.config import config_from_mapping, load_config
from samm_pipeline.demo.run import DEMO_RUN

PIPELINE = Path(__file__).resolve().parents[2] / "pipeline"


def test_demo_toml_equals_the_built_in_definition():
    assert load_config(PIPELINE / "demo.toml") == config_from_mapping(DEMO_RUN)
