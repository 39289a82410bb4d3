"""The spotter's one trained part, its threshold, chosen leave-one-subject-out.

The spotter has no learned weights; ``threshold_fraction`` (the ``p`` of the
per-video threshold ``mean + p (max - mean)``) is the setting one would choose
by looking at scores, so it is the one chosen here. Choosing it on the videos
it is then scored on leaks the test truths into the result. With ``[spot]
threshold_tuning = "loso"`` the value for each subject's videos is the one of
``threshold_grid`` that gives the best pooled overall F1 (MEGC, IoU >= 0.5) on
the **other** subjects' annotated videos, so no video is spotted with a
threshold its own annotations helped choose, as a trained spotter is evaluated
leave-one-subject-out in the MEGC protocol.

Ties are broken towards the configured ``threshold_fraction``, then towards
the smaller value, and reported (``tied``). The other defaults (``min_height``,
``threshold_outside_macro``, ...) were set once, on the demo's long videos;
they are not chosen per fold. Every candidate threshold is applied to the same motion
signals (computed once per video), so tuning costs one peak search per video
and grid value. Pure: no store, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from samm_pipeline.spot.evaluate import evaluate_spotting
from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.peaks import find_intervals
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.signal import MotionSignal


@dataclass(frozen=True)
class LosoThresholds:
    """The thresholds chosen leave-one-subject-out.

    Attributes
    ----------
    chosen
        Held-out subject -> the ``threshold_fraction`` its videos use.
    tied
        Held-out subject -> whether another grid value scored the same (the
        tie went to the value nearest the configured one).
    scores
        Held-out subject -> {grid value: pooled overall F1 on the other
        subjects' videos}.
    """

    chosen: Mapping[str, float]
    tied: Mapping[str, bool]
    scores: Mapping[str, Mapping[float, float]]

    def summary(self) -> str:
        """``threshold_fraction chosen leave-one-subject-out: 0.15 (4 subjects)``."""
        counts: dict[float, int] = {}
        for value in self.chosen.values():
            counts[value] = counts.get(value, 0) + 1
        parts = ", ".join(
            f"{value:g} ({count} subject{'s' if count > 1 else ''})"
            for value, count in sorted(counts.items())
        )
        return f"threshold_fraction chosen leave-one-subject-out: {parts}"

    def metrics(self) -> dict[str, Any]:
        """JSON-ready, for ``metrics.json``."""
        return {
            "mode": "loso",
            "criterion": "pooled overall F1 (IoU >= 0.5) on the other subjects' "
            "annotated videos",
            "chosen": dict(self.chosen),
            "tied": dict(self.tied),
            "scores": {
                subject: {f"{value:g}": f1 for value, f1 in scores.items()}
                for subject, scores in self.scores.items()
            },
        }


def tune_threshold_loso(
    signals: Mapping[str, MotionSignal],
    truths: Mapping[str, Sequence[Interval]],
    subjects: Mapping[str, str],
    settings: SpotSettings,
) -> LosoThresholds:
    """Choose ``threshold_fraction`` for each subject from the others' videos.

    Parameters
    ----------
    signals
        Video -> its motion signal (annotated videos only are used).
    truths
        Video -> its annotated intervals.
    subjects
        Video -> its subject.
    settings
        The spotter's settings; ``threshold_grid`` gives the candidates.

    Raises
    ------
    ValueError
        Fewer than two subjects with annotated videos (nothing to hold out
        against).
    """
    videos = [video for video in truths if video in signals and video in subjects]
    people = sorted({subjects[video] for video in videos})
    if len(people) < 2:
        raise ValueError(
            "leave-one-subject-out threshold tuning needs annotated videos of at "
            f"least 2 subjects, got {len(people)}"
        )
    grid = sorted(set(settings.threshold_grid))
    predicted = {
        value: {
            video: find_intervals(
                signals[video], replace(settings, threshold_fraction=value)
            )
            for video in videos
        }
        for value in grid
    }
    chosen: dict[str, float] = {}
    tied: dict[str, bool] = {}
    scores: dict[str, dict[float, float]] = {}
    for person in people:
        others = [video for video in videos if subjects[video] != person]
        scores[person] = {
            value: evaluate_spotting(
                {video: predicted[value][video] for video in others},
                {video: truths[video] for video in others},
            )
            .counts["overall"]
            .f1
            for value in grid
        }
        chosen[person] = max(
            grid,
            key=lambda value: (
                scores[person][value],
                -abs(value - settings.threshold_fraction),
                -value,
            ),
        )
        best = scores[person][chosen[person]]
        tied[person] = sum(f1 == best for f1 in scores[person].values()) > 1
    return LosoThresholds(chosen, tied, scores)
