"""Spot settings: documented defaults, every problem reported at once."""

from __future__ import annotations

from dataclasses import fields

import pytest

from samm_pipeline.spot.settings import SpotSettings


def test_defaults_are_valid_and_documented():
    settings = SpotSettings()
    assert settings.micro_max_seconds == 0.5
    assert all(item.metadata.get("doc") for item in fields(SpotSettings))


def test_every_problem_is_listed():
    with pytest.raises(ValueError) as error:
        SpotSettings(
            threshold_fraction=1.5,
            peak_distance_seconds=0.0,
            regions=("brows",),
            widen="wide",  # type: ignore[arg-type]
        )
    message = str(error.value)
    for key in ("threshold_fraction", "peak_distance_seconds", "regions", "widen"):
        assert key in message


def test_a_non_number_is_refused():
    with pytest.raises(ValueError, match="baseline_seconds"):
        SpotSettings(baseline_seconds="long")  # type: ignore[arg-type]
