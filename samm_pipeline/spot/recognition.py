"""Spot then recognise: the recognition of spotted intervals, and STRS (pure).

The MEGC 2023 spot-then-recognise task scores a recogniser on what the
spotter found: only the **true positives** of micro-expression spotting (a
prediction matched to a truth at IoU >= 0.5) are recognised against their
truth's emotion, and

- per class ``c``: ``P_c = TP_c / (TP_c + FP_c)`` and ``R_c = TP_c / (TP_c +
  FN_c)`` over those matched pairs (``TP_c``: truth and prediction both
  ``c``; ``FP_c``: predicted ``c``, truth another class; ``FN_c``: truth
  ``c``, predicted another);
- the *analysis* F1 is ``2 P R / (P + R)`` with ``P`` and ``R`` the means of
  ``P_c`` and ``R_c`` over the analysis classes (the STRS-Metric script's
  ``f1_all``); UF1 (the mean of the per-class F1s) and UAR (the mean of
  ``R_c``) are reported beside it (that script's ``uar`` is the mean of
  ``P_c``; ours is the recall the name means);
- **STRS** = micro-expression spotting F1 x analysis F1.

Choices made here:

- **The analysis classes** are the emotions of *all* the annotated
  micro-expressions (spotted or not) that the recogniser can output, as
  the script's default (every ground-truth emotion) limited to what the
  model knows, which is MEGC's fixed analysis set when the model was
  trained on it (``--labels megc3``). A class with no spotted true
  positive, or one only ever predicted wrongly, scores ``P_c = R_c = 0``
  and so lowers the analysis F1, as in the script. Compared
  case-insensitively.
- A matched pair whose truth emotion the model does not know (CAS(ME)²'s
  ``others`` for a three-class model) is left out and counted
  (``n_unknown``), as the challenge leaves emotions outside its analysis
  set out; one without a truth emotion (SAMM-LV's sheet has none) cannot
  be scored (``n_unlabelled``); without any scored pair there is no STRS.
- The baseline beside it: every matched pair given the most frequent truth
  class among them (the majority-class rule the recognition reports use),
  with its own analysis F1 and STRS. It uses the test truths, so it is an
  upper bound for a constant recogniser, not a trained one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from samm_pipeline.spot.evaluate import IntervalRecord, SpottingEvaluation


@dataclass(frozen=True)
class AnalysisScores:
    """Recognition scores on matched pairs (module notes)."""

    classes: tuple[str, ...]
    precision: float
    recall: float
    f1: float
    uf1: float
    uar: float
    n_correct: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "classes": list(self.classes),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "uf1": self.uf1,
            "uar": self.uar,
            "n_correct": self.n_correct,
        }


def analysis_scores(
    pairs: Sequence[tuple[str, str]], classes: Iterable[str] | None = None
) -> AnalysisScores:
    """Scores of ``(truth, predicted)`` class pairs, averaged over ``classes``.

    ``classes`` defaults to the truths of the pairs; a class with no pair
    scores ``P_c = R_c = 0``.

    >>> pairs = [("pos", "pos"), ("pos", "neg"), ("neg", "neg"), ("neg", "neg")]
    >>> scores = analysis_scores(pairs)
    >>> scores.classes, round(scores.precision, 4), scores.recall
    (('neg', 'pos'), 0.8333, 0.75)
    >>> round(scores.f1, 4), round(scores.uf1, 4), scores.uar, scores.n_correct
    (0.7895, 0.7333, 0.75, 3)
    >>> analysis_scores([]).f1
    0.0
    >>> round(analysis_scores(pairs, ["neg", "pos", "sur"]).f1, 4)  # sur: 0, 0
    0.5263
    """
    classes = tuple(sorted(set(classes or ()) | {truth for truth, _ in pairs}))
    if not classes:
        return AnalysisScores((), 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    precisions, recalls, f1s = [], [], []
    for name in classes:
        hits = sum(truth == name and guess == name for truth, guess in pairs)
        guessed = sum(guess == name for _, guess in pairs)
        actual = sum(truth == name for truth, _ in pairs)
        precision = hits / guessed if guessed else 0.0
        recall = hits / actual if actual else 0.0
        precisions.append(precision)
        recalls.append(recall)
        total = precision + recall
        f1s.append(2 * precision * recall / total if total else 0.0)
    mean_p, mean_r = float(np.mean(precisions)), float(np.mean(recalls))
    f1 = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r else 0.0
    return AnalysisScores(
        classes,
        mean_p,
        mean_r,
        f1,
        float(np.mean(f1s)),
        mean_r,
        sum(truth == guess for truth, guess in pairs),
    )


@dataclass(frozen=True)
class RecognitionEvaluation:
    """Spot then recognise: the analysis of the spotted micro true positives.

    Attributes
    ----------
    spotting_f1
        Micro-expression spotting F1 (IoU >= 0.5).
    analysis
        Scores of the recogniser on the scored pairs.
    baseline
        Scores of the majority-class rule on the same pairs.
    n_true_positives
        Spotted micro true positives.
    n_scored
        Those with a truth emotion the recogniser knows (scored).
    n_unlabelled, n_unknown
        Those without a truth emotion, and with one outside the classes.
    model_classes
        The recogniser's classes.
    """

    spotting_f1: float
    analysis: AnalysisScores
    baseline: AnalysisScores
    n_true_positives: int
    n_scored: int
    n_unlabelled: int
    n_unknown: int
    model_classes: tuple[str, ...]

    @property
    def strs(self) -> float | None:
        """Spotting F1 x analysis F1; ``None`` when no pair could be scored."""
        return self.spotting_f1 * self.analysis.f1 if self.n_scored else None

    @property
    def baseline_strs(self) -> float | None:
        """Spotting F1 x the majority rule's analysis F1 (``None``: no pair)."""
        return self.spotting_f1 * self.baseline.f1 if self.n_scored else None

    def summary(self) -> str:
        """One clause for the command's summary line."""
        if not self.n_scored:
            why = (
                "no emotion annotated"
                if self.n_unlabelled
                else "no truth emotion among the model's classes"
            )
            return (
                f"recognition: {self.n_true_positives} spotted micro TPs, none "
                f"scored ({why}); no STRS"
            )
        return (
            f"recognition of {self.n_scored} spotted micro TPs: analysis F1 "
            f"{self.analysis.f1:.3f} (UF1 {self.analysis.uf1:.3f}, UAR "
            f"{self.analysis.uar:.3f}), STRS {self.strs:.3f}; majority-class "
            f"baseline analysis F1 {self.baseline.f1:.3f}, STRS "
            f"{self.baseline_strs:.3f}"
        )

    def metrics(self) -> dict[str, Any]:
        """JSON-ready, for ``metrics.json``."""
        return {
            "definition": "MEGC 2023 STRS: micro spotting F1 x analysis F1 on the "
            "spotted micro true positives; analysis F1 = 2PR/(P+R) of the "
            "per-class precision and recall averaged over the emotions of all "
            "annotated micro-expressions that the model can output",
            "spotting_f1": self.spotting_f1,
            "strs": self.strs,
            "analysis": self.analysis.as_dict(),
            "baseline": {
                "rule": "every scored pair given the most frequent truth class",
                "strs": self.baseline_strs,
                **self.baseline.as_dict(),
            },
            "n_true_positives": self.n_true_positives,
            "n_scored": self.n_scored,
            "n_unlabelled": self.n_unlabelled,
            "n_unknown": self.n_unknown,
            "model_classes": list(self.model_classes),
        }


def evaluate_recognition(
    evaluation: SpottingEvaluation, model_classes: Iterable[str]
) -> RecognitionEvaluation:
    """STRS of a spotting evaluation whose predictions carry recognised labels.

    Parameters
    ----------
    evaluation
        From :func:`~samm_pipeline.spot.evaluate.evaluate_spotting`, with each
        micro prediction's ``label`` set by the recogniser and the truths'
        ``label`` from the annotations.
    model_classes
        The classes the recogniser can output.
    """
    known = {name.casefold(): name for name in model_classes}
    micro = [record for record in evaluation.records if record.type == "micro"]
    matched: list[IntervalRecord] = [r for r in micro if r.outcome == "TP"]
    analysed = {
        truth
        for record in micro
        if record.outcome in ("TP", "FN")
        and (truth := record.truth_label.strip().casefold()) in known
    }
    pairs, unlabelled, unknown = [], 0, 0
    for record in matched:
        truth = record.truth_label.strip().casefold()
        if not truth:
            unlabelled += 1
        elif truth not in known:
            unknown += 1
        else:
            pairs.append((truth, record.label.strip().casefold()))
    majority = Counter(truth for truth, _ in pairs).most_common(1)
    constant = [(truth, majority[0][0]) for truth, _ in pairs] if majority else []
    return RecognitionEvaluation(
        spotting_f1=evaluation.counts["micro"].f1,
        analysis=analysis_scores(pairs, analysed),
        baseline=analysis_scores(constant, analysed),
        n_true_positives=len(matched),
        n_scored=len(pairs),
        n_unlabelled=unlabelled,
        n_unknown=unknown,
        model_classes=tuple(model_classes),
    )
