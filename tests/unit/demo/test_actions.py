"""Tests of samm_pipeline.demo.actions: classes, action units, warp, profile.

Pure functions on tiny hand-made inputs; nothing is rendered here.
"""

from __future__ import annotations

import numpy as np
import pytest

from samm_pipeline import landmarks
from samm_pipeline.demo.actions import (
    CLASS_ACTION_UNITS,
    CLASS_ACTIONS,
    CLASS_REGIONS,
    DEMO_CLASSES,
    Action,
    action_field,
    draw_other_action,
    expression_profile,
)


def test_constants_describe_every_class() -> None:
    assert len(DEMO_CLASSES) >= 5
    assert list(DEMO_CLASSES) == sorted(DEMO_CLASSES)
    assert set(CLASS_REGIONS) == set(DEMO_CLASSES) == set(CLASS_ACTION_UNITS)
    for name, region in CLASS_REGIONS.items():
        assert all(0 <= index < landmarks.N_LANDMARKS_MESH for index in region), name


def test_each_class_renders_its_stated_action_units_on_its_region() -> None:
    assert set(CLASS_ACTIONS) == set(DEMO_CLASSES) - {"other"}
    for name, actions in CLASS_ACTIONS.items():
        assert "+".join(action.name for action in actions) == CLASS_ACTION_UNITS[name]
        # The main action unit is centred on the class's region.
        main = {index for index, _, _ in actions[0].blobs}
        assert main == set(CLASS_REGIONS[name]), name


def test_other_action_is_a_blink_a_chin_raise_or_a_local_push() -> None:
    names = {draw_other_action(np.random.default_rng(seed)).name for seed in range(60)}
    assert {"AU45", "AU17"} <= names
    local = names - {"AU45", "AU17"}
    assert local and all(name.startswith("local") for name in local)


def test_expression_profile_rises_to_one_at_apex_and_returns_to_zero() -> None:
    profile = expression_profile(40, onset=10, apex=18, offset=30)
    assert profile.shape == (40,)
    assert np.all(profile[:11] == 0) and np.all(profile[30:] == 0)
    assert profile[18] == pytest.approx(1.0)
    assert np.all(np.diff(profile[10:19]) > 0)
    assert np.all(np.diff(profile[18:31]) < 0)


def test_action_field_peaks_at_gain_times_amplitude_inside_its_window() -> None:
    """One blob at the centre of a 128 px frame whose eyes are 40 px apart."""
    points = np.full((landmarks.N_LANDMARKS_REFINED, 2), 64.0)
    points[landmarks.EYE_OUTER_RIGHT] = (44.0, 50.0)
    points[landmarks.EYE_OUTER_LEFT] = (84.0, 50.0)
    action = Action("test", ((0, 0.0, 1.0),), sigma=0.1, gain=1.5)
    field, (rows, cols) = action_field([action], points, amplitude_px=2.0, size=128)
    assert field.dtype == np.float32
    assert field.shape == (rows.stop - rows.start, cols.stop - cols.start, 2)
    magnitude = np.hypot(field[..., 0], field[..., 1])
    assert magnitude.max() == pytest.approx(3.0, rel=1e-6)
    peak_row, peak_col = np.unravel_index(magnitude.argmax(), magnitude.shape)
    assert (rows.start + peak_row, cols.start + peak_col) == (64, 64)
    # "Up" is towards the forehead: negative image y for an upright face.
    assert field[peak_row, peak_col, 1] < 0 and field[peak_row, peak_col, 0] == 0
