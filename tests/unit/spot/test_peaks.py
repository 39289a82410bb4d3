"""Peaks to intervals on hand-made signals."""

from __future__ import annotations

import numpy as np

from samm_pipeline.spot.peaks import find_intervals, relative_threshold, widen_peak
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.signal import MotionSignal, smooth


def _signal(values: np.ndarray, fps: float, settings: SpotSettings) -> MotionSignal:
    n = len(values)
    return MotionSignal(
        fps=fps,
        regions=("lips",),
        displacement=np.zeros((n, 1)),
        noise=np.ones(1),
        combined=values,
        micro=smooth(values, settings.micro_smooth_seconds, fps),
        macro=smooth(values, settings.macro_smooth_seconds, fps),
        present=np.ones(n, dtype=bool),
    )


def _box(fps: float, spans: list[tuple[float, float, float]], seconds=20.0):
    """A signal of 0 with boxes (start s, duration s, height)."""
    values = np.zeros(round(seconds * fps))
    for start, duration, height in spans:
        onset = round(start * fps)
        values[onset : onset + round(duration * fps)] = height
    return values


def test_threshold_is_relative_with_a_floor():
    values = np.array([1.0, 1.0, 1.0, 5.0])  # mean 2, max 5
    assert relative_threshold(values, 0.25) == 2.75
    assert relative_threshold(values, 0.25, floor=3.0) == 3.0


def test_widening_stops_where_the_signal_falls_back():
    fine = np.array([0, 0, 1, 4, 5, 4, 1, 0, 3, 0.0])
    assert widen_peak(fine, 4, 2.0, 100) == (3, 5)
    assert widen_peak(fine, 4, 0.5, 1) == (3, 5)  # search bounded


def test_a_short_and_a_long_movement_get_their_types_at_both_rates():
    settings = SpotSettings()
    for fps in (30.0, 200.0):
        values = _box(fps, [(3.0, 0.3, 4.0), (10.0, 2.0, 3.0)])
        found = find_intervals(_signal(values, fps, settings), settings)
        assert [i.kind for i in found] == ["micro", "macro"], fps
        assert abs(found[0].onset - 3.0 * fps) <= 0.1 * fps
        assert abs(found[1].offset - 12.0 * fps) <= 0.1 * fps


def test_a_calm_video_gives_nothing_despite_the_relative_threshold():
    settings = SpotSettings()
    values = np.random.default_rng(0).normal(0.0, 0.1, 3000)
    assert find_intervals(_signal(values, 200.0, settings), settings) == []
    lowered = SpotSettings(min_height=0.0)
    assert find_intervals(_signal(values, 200.0, lowered), lowered)


def test_fixed_widening_is_peak_plus_minus_half_width():
    settings = SpotSettings(widen="fixed", half_width_seconds=0.2)
    values = _box(30.0, [(5.0, 0.1, 4.0)])
    (found,) = find_intervals(_signal(values, 30.0, settings), settings)
    assert found.n_frames == 2 * 6 + 1
    assert found.kind == "micro"


def test_a_strong_macro_expression_does_not_hide_a_weak_micro_expression():
    """The fine threshold is set outside the macro-expressions found first."""
    from dataclasses import replace

    from samm_pipeline.spot.peaks import video_thresholds

    fine = np.zeros(600)
    fine[100:160] = 10.0 * np.hanning(62)[1:-1]  # a 2 s macro-expression
    fine[400:409] = 1.3 * np.hanning(11)[1:-1]  # a 0.3 s micro-expression
    signal = MotionSignal(
        fps=30.0, regions=("lips",), displacement=fine[:, None], noise=np.ones(1),
        combined=fine, micro=fine, macro=fine, present=np.ones(600, bool),
    )  # fmt: skip
    settings = SpotSettings()
    whole = replace(settings, threshold_outside_macro=False)
    assert video_thresholds(signal, whole)["micro"] > 1.3
    assert [i.kind for i in find_intervals(signal, whole)] == ["macro"]
    thresholds = video_thresholds(signal, settings)
    assert thresholds["micro"] == 1.0  # the floor: nothing else moves
    assert thresholds["macro"] == video_thresholds(signal, whole)["macro"]
    found = find_intervals(signal, settings)
    assert [(i.kind, i.onset // 10) for i in found] == [("macro", 10), ("micro", 40)]
