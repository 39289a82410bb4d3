"""The MEGC spotting evaluation: one-to-one matches at IoU >= 0.5, pooled counts.

The definition (MEGC 2019-2023 spotting task):

- a prediction is a true positive when its IoU with a ground-truth interval
  is at least 0.5, on inclusive frame indices
  (:func:`~samm_pipeline.spot.intervals.interval_iou`);
- per video with ``m`` truths, ``n`` predictions and ``a`` hits,
  ``FP = n - a`` and ``FN = m - a``;
- the whole dataset counts as one long video: ``recall = sum(a) / sum(m)``,
  ``precision = sum(a) / sum(n)``, ``F1 = 2PR / (P + R)``;
- micro and macro are scored apart, and *overall* pools their counts (its F1
  is not the mean of the two F1s).

Choices this module makes, where public evaluation codes differ:

- **Type.** A micro prediction can only hit a micro truth and a macro
  prediction a macro truth (the MEGC practice: each type is its own task, a
  0.3 s prediction that covers half of a 0.6 s macro truth is a false
  positive for micro and a miss for macro). Overall pools the two.
- **One-to-one, maximum matching.** Each truth is hit at most once and each
  prediction hits at most one truth; among the pairs at IoU >= 0.5 we take a
  *maximum* matching (the largest number of hits; among those, the largest
  total IoU), per video and type, with
  :func:`scipy.optimize.linear_sum_assignment`. A second prediction on an
  already-hit truth is a false positive. The SOFTNet code (a VOC-style
  detection metric) matches greedily: each prediction, by score, takes its
  best-IoU truth if still free, so the result depends on the order of
  equal scores and can miss a hit a different pairing would give; the
  STRS-Metric script counts every (prediction, truth) pair above 0.5 as a
  hit, so one prediction can hit two truths and two predictions one truth;
  some MEGC 2021 entries drop a duplicate prediction from ``n``. With
  IoU >= 0.5 and non-overlapping truths the choices rarely differ, but the
  maximum matching is the one that is order-free and never counts a truth
  twice.
- **Empty counts.** Precision with no prediction, recall with no truth, and
  F1 when precision + recall is 0 are 0.0 (no division by zero; scikit-learn's
  ``zero_division=0``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

from samm_pipeline.spot.intervals import ExpressionKind, Interval, interval_iou

MEGC_IOU_THRESHOLD = 0.5
"""A prediction hits a truth at IoU >= 0.5 (inclusive frame indices)."""

Outcome = Literal["TP", "FP", "FN"]

INTERVAL_COLUMNS = (
    "video",
    "type",
    "outcome",
    "onset",
    "offset",
    "score",
    "truth_onset",
    "truth_offset",
    "iou",
    "label",
    "truth_label",
)
"""Columns of ``intervals.csv``, in order (:meth:`IntervalRecord.as_row`)."""


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class SpotCounts:
    """Counts of one type (or both pooled) over videos, and their scores.

    >>> counts = SpotCounts(n_truths=4, n_predictions=5, true_positives=2)
    >>> counts.false_positives, counts.false_negatives
    (3, 2)
    >>> round(counts.precision, 3), counts.recall, round(counts.f1, 4)
    (0.4, 0.5, 0.4444)
    """

    n_truths: int = 0
    n_predictions: int = 0
    true_positives: int = 0

    @property
    def false_positives(self) -> int:
        """``n - a``: predictions that hit no truth."""
        return self.n_predictions - self.true_positives

    @property
    def false_negatives(self) -> int:
        """``m - a``: truths no prediction hit."""
        return self.n_truths - self.true_positives

    @property
    def precision(self) -> float:
        """``a / n`` (0.0 without predictions)."""
        return _ratio(self.true_positives, self.n_predictions)

    @property
    def recall(self) -> float:
        """``a / m`` (0.0 without truths)."""
        return _ratio(self.true_positives, self.n_truths)

    @property
    def f1(self) -> float:
        """``2PR / (P + R)`` (0.0 when both are 0)."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def __add__(self, other: SpotCounts) -> SpotCounts:
        return SpotCounts(
            self.n_truths + other.n_truths,
            self.n_predictions + other.n_predictions,
            self.true_positives + other.true_positives,
        )

    def as_dict(self) -> dict[str, float | int]:
        """Counts and scores for ``metrics.json``."""
        return {
            "n_truths": self.n_truths,
            "n_predictions": self.n_predictions,
            "tp": self.true_positives,
            "fp": self.false_positives,
            "fn": self.false_negatives,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class IntervalRecord:
    """One row of the interval log: a prediction (TP/FP) or a missed truth (FN).

    ``onset``/``offset``/``score`` are the prediction's (``None`` for FN);
    ``truth_onset``/``truth_offset`` the matched or missed truth's (``None``
    for FP); ``iou`` the match's (``None`` unless TP); ``label`` the
    prediction's recognised class and ``truth_label`` the truth's annotated
    one (empty when unknown).
    """

    video: str
    type: ExpressionKind
    outcome: Outcome
    onset: int | None
    offset: int | None
    score: float | None
    truth_onset: int | None
    truth_offset: int | None
    iou: float | None
    label: str = ""
    truth_label: str = ""

    def as_row(self) -> dict[str, Any]:
        """The record keyed by :data:`INTERVAL_COLUMNS` (``None``: empty cell)."""
        return {name: getattr(self, name) for name in INTERVAL_COLUMNS}


@dataclass(frozen=True)
class SpottingEvaluation:
    """The evaluation of a set of videos.

    Attributes
    ----------
    records
        Per video (sorted by name), type and onset: every prediction (TP or
        FP) and every missed truth (FN).
    counts
        ``"micro"``, ``"macro"`` and ``"overall"`` (the two pooled).
    iou_threshold
        The threshold used.
    """

    records: tuple[IntervalRecord, ...]
    counts: Mapping[str, SpotCounts]
    iou_threshold: float = MEGC_IOU_THRESHOLD

    def metrics(self) -> dict[str, Any]:
        """A JSON-ready dict for ``metrics.json``."""
        return {
            "iou_threshold": self.iou_threshold,
            "matching": "one-to-one maximum matching per video and type",
            "n_videos": len({record.video for record in self.records}),
            **{name: counts.as_dict() for name, counts in self.counts.items()},
        }


def match_intervals(
    predictions: Sequence[Interval],
    truths: Sequence[Interval],
    iou_threshold: float = MEGC_IOU_THRESHOLD,
) -> list[tuple[int, int, float]]:
    """A maximum one-to-one matching of predictions to truths at IoU >= threshold.

    Types are not looked at (the caller splits by type). Among the matchings
    with the most pairs, the one with the largest total IoU is returned.

    Returns
    -------
    list of (prediction index, truth index, IoU)
        Sorted by prediction index.

    Examples
    --------
    Two predictions could hit the truth ``[0, 9]``; it is hit once:

    >>> match_intervals([Interval(0, 9), Interval(1, 9)], [Interval(0, 9)])
    [(0, 0, 1.0)]
    """
    if not predictions or not truths:
        return []
    iou = np.array([[interval_iou(p, t) for t in truths] for p in predictions])
    eligible = iou >= iou_threshold
    if not eligible.any():
        return []
    # Each eligible pair weighs more than any number of IoU sums can make up
    # (bonus > min(n, m)), so the count of pairs is maximised first.
    bonus = min(len(predictions), len(truths)) + 1.0
    weight = np.where(eligible, bonus + iou, 0.0)
    rows, columns = linear_sum_assignment(weight, maximize=True)
    return sorted(
        (int(row), int(column), float(iou[row, column]))
        for row, column in zip(rows, columns, strict=True)
        if eligible[row, column]
    )


def evaluate_video(
    video: str,
    predictions: Iterable[Interval],
    truths: Iterable[Interval],
    iou_threshold: float = MEGC_IOU_THRESHOLD,
) -> tuple[list[IntervalRecord], dict[ExpressionKind, SpotCounts]]:
    """Records and per-type counts of one video (micro matched to micro only)."""
    predicted, annotated = list(predictions), list(truths)
    records: list[IntervalRecord] = []
    counts: dict[ExpressionKind, SpotCounts] = {}
    kind: ExpressionKind
    for kind in ("micro", "macro"):
        preds = sorted(p for p in predicted if p.kind == kind)
        gts = sorted(t for t in annotated if t.kind == kind)
        pairs = match_intervals(preds, gts, iou_threshold)
        hit = {row: (column, value) for row, column, value in pairs}
        for row, pred in enumerate(preds):
            truth, value = (
                (gts[hit[row][0]], hit[row][1]) if row in hit else (None, None)
            )
            records.append(
                IntervalRecord(
                    video, kind, "FP" if truth is None else "TP",
                    pred.onset, pred.offset, pred.score,
                    None if truth is None else truth.onset,
                    None if truth is None else truth.offset,
                    value, pred.label, "" if truth is None else truth.label,
                )
            )  # fmt: skip
        found = {column for _, column, _ in pairs}
        records.extend(
            IntervalRecord(
                video,
                kind,
                "FN",
                None,
                None,
                None,
                truth.onset,
                truth.offset,
                None,
                "",
                truth.label,
            )
            for column, truth in enumerate(gts)
            if column not in found
        )
        counts[kind] = SpotCounts(len(gts), len(preds), len(pairs))
    records.sort(key=lambda r: r.onset if r.onset is not None else r.truth_onset)
    return records, counts


def evaluate_spotting(
    predictions: Mapping[str, Iterable[Interval]],
    truths: Mapping[str, Iterable[Interval]],
    iou_threshold: float = MEGC_IOU_THRESHOLD,
) -> SpottingEvaluation:
    """Score predicted intervals against annotated ones, video by video.

    Parameters
    ----------
    predictions, truths
        Video id -> intervals. A video in only one of them counts with no
        predictions (every truth a miss) or no truths (every prediction a
        false positive).
    iou_threshold
        0.5 in the MEGC definition.

    Returns
    -------
    SpottingEvaluation
        The interval log and the micro, macro and overall (pooled) counts.

    Examples
    --------
    >>> result = evaluate_spotting(
    ...     {"v1": [Interval(10, 19, "micro"), Interval(50, 99, "macro")]},
    ...     {"v1": [Interval(12, 20, "micro"), Interval(200, 260, "macro")]},
    ... )
    >>> [(r.type, r.outcome) for r in result.records]
    [('micro', 'TP'), ('macro', 'FP'), ('macro', 'FN')]
    >>> result.counts["overall"]
    SpotCounts(n_truths=2, n_predictions=2, true_positives=1)
    """
    records: list[IntervalRecord] = []
    totals = {"micro": SpotCounts(), "macro": SpotCounts()}
    for video in sorted(set(predictions) | set(truths)):
        video_records, counts = evaluate_video(
            video, predictions.get(video, ()), truths.get(video, ()), iou_threshold
        )
        records.extend(video_records)
        for kind, count in counts.items():
            totals[kind] = totals[kind] + count
    pooled = {**totals, "overall": totals["micro"] + totals["macro"]}
    return SpottingEvaluation(tuple(records), pooled, iou_threshold)
