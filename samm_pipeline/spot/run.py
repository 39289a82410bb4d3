"""``run_spotting``: spot every long video of a store, score it, write the folder.

The output folder (written whole or not at all,
:func:`~samm_pipeline._support.atomic.staged_folder`)::

    intervals.csv      one row per prediction (TP / FP, or empty when the
                       video has no annotation) and per missed truth (FN):
                       :data:`~samm_pipeline.spot.evaluate.INTERVAL_COLUMNS`
    metrics.json       micro, macro and overall counts, P, R, F1 (MEGC, pooled),
                       the trivial baseline's, the published references,
                       the settings, speed
    timelines/<video>.png   one timeline figure per video, when a figure
                       writer is given (the CLI passes
                       :func:`samm_pipeline.viz.timeline.save_timeline`)

A long-video entry is a store entry whose attributes hold ``intervals`` (a
list, possibly empty, of ``{"onset", "apex", "offset", "type"}`` with 0-based
inclusive frame indices into the entry; written by the ``samm_lv`` and
``casme2_lv`` layouts and the demo's long videos). ``every_entry`` spots
every complete entry; those without ``intervals`` are spotted but not scored.

The baseline printed beside the scores is a trivial spotter run on the same
signal: one interval per video, ``half_width_seconds`` either side of the
frame where the fine motion signal is highest (the MEGC fixed-width rule
with the most demanding threshold possible: only the maximum). It says what
"find the biggest movement" gets without any peak picking. The published
MDMD baseline (MEGC 2020-2022: overall F1 0.045 on SAMM-LV, 0.038 on
CAS(ME)²) is written into ``metrics.json`` as a reference, not recomputed.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from samm_pipeline._support.atomic import check_output_folder, staged_folder
from samm_pipeline.config.sections import SpotSettings
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import LandmarkStore, open_store
from samm_pipeline.spot.evaluate import (
    INTERVAL_COLUMNS,
    SpottingEvaluation,
    evaluate_spotting,
)
from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.recognition import RecognitionEvaluation, evaluate_recognition
from samm_pipeline.spot.tune import LosoThresholds, tune_threshold_loso
from samm_pipeline.spot.video import (
    VideoSpotting,
    maximum_baseline,
    spot_entry,
    spot_signal,
)

PUBLISHED_REFERENCES: Mapping[str, Mapping[str, float]] = {
    "MDMD baseline (MEGC 2020)": {"samm_lv": 0.045, "casme2_lv": 0.038},
    "SOFTNet (Liong et al. 2021)": {"samm_lv": 0.188, "casme2_lv": 0.202},
    "optical-flow feature difference (He et al. 2022)": {
        "samm_lv": 0.364,
        "casme2_lv": 0.344,
    },
}
"""Published overall F1 at IoU >= 0.5 on the real datasets (pixels or optical
flow), for reference; none is recomputed here."""


TimelineWriter = Callable[[Path, VideoSpotting], None]
"""Writes one video's timeline figure to the given path (PNG)."""


class IntervalRecogniser(Protocol):
    """Recognises a spotted interval of a store entry (spot then recognise).

    :class:`samm_pipeline.infer.spotted.SpottedRecogniser` is the one that
    uses a trained run; ``spot`` itself never loads a model.
    """

    classes: tuple[str, ...]
    """The classes it can answer."""

    def __call__(self, store: LandmarkStore, key: str, interval: Interval) -> str:
        """The class of the entry's frames ``interval.onset..offset``; empty
        when they cannot be classified."""
        ...  # pragma: no cover - a protocol


@dataclass
class SpotReport:
    """What :func:`run_spotting` did."""

    output: Path
    n_videos: int = 0
    n_frames: int = 0
    n_predictions: int = 0
    seconds: float = 0.0
    evaluation: SpottingEvaluation | None = None
    baseline: SpottingEvaluation | None = None
    recognition: RecognitionEvaluation | None = None
    tuning: LosoThresholds | None = None
    datasets: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: videos, scores beside the baseline's, where it went."""
        speed = self.n_frames / self.seconds if self.seconds > 0 else 0.0
        head = (
            f"spotted {self.n_predictions} intervals in {self.n_videos} videos "
            f"({self.n_frames} frames, {speed:,.0f} frames/s)"
        )
        if self.evaluation is None or self.baseline is None:
            return f"{head}; no annotated intervals to score; wrote {self.output}"
        counts, base = self.evaluation.counts, self.baseline.counts
        overall = counts["overall"]
        return (
            f"{head}; F1 at IoU 0.5: overall {overall.f1:.3f} "
            f"(P {overall.precision:.3f}, R {overall.recall:.3f}), "
            f"micro {counts['micro'].f1:.3f}, macro {counts['macro'].f1:.3f}; "
            f"baseline (one interval per video at the motion maximum) overall "
            f"{base['overall'].f1:.3f}, micro {base['micro'].f1:.3f}; "
            + (f"{self.recognition.summary()}; " if self.recognition else "")
            + (f"{self.tuning.summary()}; " if self.tuning else "")
            + f"wrote {self.output}"
        )


def run_spotting(
    store_path: str | Path,
    output: Path,
    settings: SpotSettings | None = None,
    *,
    every_entry: bool = False,
    overwrite: bool = False,
    timeline: TimelineWriter | None = None,
    recogniser: IntervalRecogniser | None = None,
) -> SpotReport:
    """Spot every long video of a store; write intervals.csv and metrics.json.

    Parameters
    ----------
    store_path
        The landmark store (folder or fsspec URL).
    output
        The folder to write (module notes); replaced only with ``overwrite``.
    settings
        The ``[spot]`` settings (default: their defaults).
    every_entry
        Spot every complete entry, not only the long-video ones.
    overwrite
        Replace a non-empty ``output``.
    timeline
        Writes each video's timeline figure; ``None``: no figures.
    recogniser
        Spot then recognise: gives every spotted micro-expression interval
        its class (``label`` in ``intervals.csv``), and the report the STRS
        of the spotted micro true positives
        (:mod:`~samm_pipeline.spot.recognition`); ``None``: spotting only.

    Returns
    -------
    SpotReport

    Raises
    ------
    DataError
        No store at ``store_path``, or no entry to spot in it.
    OutputExistsError
        ``output`` is a file, or a non-empty folder without ``overwrite``.
    """
    settings = settings or SpotSettings()
    output = Path(output)
    check_output_folder(output, overwrite=overwrite)
    store = open_store(store_path)
    keys = [
        key
        for key in store
        if every_entry or isinstance(store.entry_attrs(key).get("intervals"), list)
    ]
    if not keys:
        raise DataError(
            f"store {store.path} has no long-video entry (one with annotated "
            "intervals); extract a long-video dataset (--layout samm_lv or "
            "casme2_lv, or the demo's long videos), or pass --all to spot "
            "every entry"
        )
    clips = [key.split("/", 1)[1] for key in keys]
    names = {
        key: (clip if clips.count(clip) == 1 else key.replace("/", "__"))
        for key, clip in zip(keys, clips, strict=True)
    }
    report = SpotReport(output=output)
    predicted: dict[str, list[Interval]] = {}
    baseline: dict[str, list[Interval]] = {}
    truths: dict[str, tuple[Interval, ...]] = {}
    datasets: set[str] = set()
    start = time.perf_counter()
    with staged_folder(output) as staging:
        videos: list[tuple[str, VideoSpotting]] = []
        subjects: dict[str, str] = {}
        for key in keys:
            attrs = store.entry_attrs(key)
            try:
                spotted = spot_entry(store, key, settings, video=names[key])
            except DataError as error:
                report.skipped[key] = str(error).removeprefix(f"{key}: ")
                continue
            videos.append((key, spotted))
            subjects[spotted.video] = str(attrs.get("subject") or "")
            if spotted.truths is not None:
                datasets.add(str(attrs.get("dataset") or ""))
        if settings.threshold_tuning == "loso":
            videos = _tuned(videos, subjects, settings, report)
        for key, spotted in videos:
            if recogniser is not None:
                spotted = replace(
                    spotted,
                    predictions=tuple(
                        replace(item, label=recogniser(store, key, item))
                        if item.kind == "micro"
                        else item
                        for item in spotted.predictions
                    ),
                )
            video, signal, truth = spotted.video, spotted.signal, spotted.truths
            predicted[video] = list(spotted.predictions)
            if truth is not None:
                truths[video] = truth
                baseline[video] = maximum_baseline(signal, settings)
            report.n_videos += 1
            report.n_frames += signal.n_frames
            report.n_predictions += len(spotted.predictions)
            if timeline is not None:
                timeline(staging / "timelines" / f"{video}.png", spotted)
        report.seconds = time.perf_counter() - start
        if truths:
            report.evaluation = evaluate_spotting(
                {video: predicted[video] for video in truths}, truths
            )
            report.baseline = evaluate_spotting(baseline, truths)
            if recogniser is not None:
                report.recognition = evaluate_recognition(
                    report.evaluation, recogniser.classes
                )
        report.datasets = tuple(sorted(datasets))
        _write_intervals(staging / "intervals.csv", report.evaluation, predicted)
        _write_json(staging / "metrics.json", _metrics(report, settings, store.path))
    return report


def _tuned(
    videos: list[tuple[str, VideoSpotting]],
    subjects: Mapping[str, str],
    settings: SpotSettings,
    report: SpotReport,
) -> list[tuple[str, VideoSpotting]]:
    """Re-spot each annotated video with its subject's held-out threshold.

    Unannotated videos (``every_entry``) keep ``threshold_fraction``: no
    truth of theirs is scored, so none can leak.
    """
    annotated = {s.video: s for _, s in videos if s.truths is not None}
    unknown = sorted(video for video in annotated if not subjects.get(video))
    if unknown:
        raise DataError(
            f"[spot] threshold_tuning = 'loso' needs each annotated video's subject; "
            f"{', '.join(unknown[:3])} {'has' if len(unknown) == 1 else 'have'} "
            "none (re-extract with a layout that records subjects)"
        )
    try:
        report.tuning = tune_threshold_loso(
            {video: spotted.signal for video, spotted in annotated.items()},
            {video: spotted.truths or () for video, spotted in annotated.items()},
            subjects,
            settings,
        )
    except ValueError as error:
        raise DataError(f"[spot] threshold_tuning = 'loso': {error}") from None
    tuned = []
    for key, spotted in videos:
        if spotted.truths is not None:
            chosen = report.tuning.chosen[subjects[spotted.video]]
            again = spot_signal(
                spotted.signal, replace(settings, threshold_fraction=chosen)
            )
            spotted = replace(
                spotted, thresholds=again.thresholds, predictions=again.predictions
            )
        tuned.append((key, spotted))
    return tuned


def _write_intervals(
    path: Path,
    evaluation: SpottingEvaluation | None,
    predicted: Mapping[str, list[Interval]],
) -> None:
    """The interval log: scored rows, then unscored videos' predictions."""
    rows = [record.as_row() for record in evaluation.records] if evaluation else []
    scored = {row["video"] for row in rows}
    rows += [
        {
            "video": video,
            "type": interval.kind,
            "outcome": "",
            "onset": interval.onset,
            "offset": interval.offset,
            "score": interval.score,
            "label": interval.label,
        }
        for video, intervals in sorted(predicted.items())
        if video not in scored
        for interval in intervals
    ]
    rows.sort(key=lambda row: str(row["video"]))
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(INTERVAL_COLUMNS), restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    name: (round(value, 6) if isinstance(value, float) else value)
                    for name, value in row.items()
                    if value is not None
                }
            )


def _metrics(report: SpotReport, settings: SpotSettings, store: Any) -> dict[str, Any]:
    evaluation = report.evaluation.metrics() if report.evaluation else None
    base = report.baseline.metrics() if report.baseline else None
    return {
        "store": str(store),
        "n_videos": report.n_videos,
        "n_frames": report.n_frames,
        "n_predictions": report.n_predictions,
        "seconds": report.seconds,
        "frames_per_second": report.n_frames / report.seconds
        if report.seconds > 0
        else None,
        "datasets": list(report.datasets),
        "evaluation": evaluation,
        "baseline": {
            "rule": "one interval per video, half_width_seconds either side of "
            "the frame where the fine motion signal is highest",
            "evaluation": base,
        },
        "published_overall_f1": PUBLISHED_REFERENCES,
        "recognition": report.recognition.metrics() if report.recognition else None,
        "threshold_tuning": report.tuning.metrics() if report.tuning else None,
        "settings": {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(settings).items()
        },
        "skipped": report.skipped,
    }


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
