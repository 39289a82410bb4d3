"""Metrics as the MER literature reports them (pure numpy).

- **UF1** (unweighted F1): the mean over classes of each class's F1;
- **UAR** (unweighted average recall): the mean over classes of each class's
  recall;
- over leave-one-subject-out they are computed once, on the predictions of
  all folds pooled (the MEGC convention), never averaged over folds;
- the majority-class baseline (always predicting the most frequent class)
  is reported beside them, so a number can be judged.

Classes absent from both the truth and the predictions are left out of the
means (as scikit-learn does with ``labels`` unset); a class that occurs in
the truth but is never predicted counts with F1 = 0 and recall = 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


def confusion_matrix(
    y_true: Sequence[int] | NDArray[np.integer],
    y_pred: Sequence[int] | NDArray[np.integer],
    n_classes: int,
) -> NDArray[np.int64]:
    """``(n_classes, n_classes)`` counts: row = true class, column = predicted.

    >>> confusion_matrix([0, 0, 1], [0, 1, 1], 2).tolist()
    [[1, 1], [0, 1]]
    """
    truth = np.asarray(y_true, dtype=np.int64)
    predicted = np.asarray(y_pred, dtype=np.int64)
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def per_class_scores(matrix: NDArray[np.integer]) -> dict[str, NDArray[np.float64]]:
    """Recall, precision and F1 per class from a confusion matrix (0 when undefined)."""
    counts = np.asarray(matrix, dtype=np.float64)
    true_positive = np.diag(counts)
    actual = counts.sum(axis=1)
    predicted = counts.sum(axis=0)
    recall = np.divide(
        true_positive, actual, out=np.zeros_like(actual), where=actual > 0
    )
    precision = np.divide(
        true_positive, predicted, out=np.zeros_like(predicted), where=predicted > 0
    )
    total = precision + recall
    f1 = np.divide(
        2 * precision * recall, total, out=np.zeros_like(total), where=total > 0
    )
    return {"recall": recall, "precision": precision, "f1": f1}


def uf1_uar(
    y_true: Sequence[int] | NDArray[np.integer],
    y_pred: Sequence[int] | NDArray[np.integer],
    n_classes: int,
) -> tuple[float, float]:
    """UF1 and UAR of a set of predictions.

    >>> uf1_uar([0, 0, 1, 1], [0, 0, 1, 1], 2)
    (1.0, 1.0)
    >>> uf1_uar([0, 0, 0, 1], [0, 0, 0, 0], 2)
    (0.42857142857142855, 0.5)
    """
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    present = (matrix.sum(axis=1) + matrix.sum(axis=0)) > 0
    scores = per_class_scores(matrix)
    uar_classes = matrix.sum(axis=1) > 0
    uf1 = float(scores["f1"][present].mean()) if present.any() else 0.0
    uar = float(scores["recall"][uar_classes].mean()) if uar_classes.any() else 0.0
    return uf1, uar


@dataclass(frozen=True)
class Evaluation:
    """Metrics of one set of predictions (a hold-out split or pooled LOSO)."""

    uf1: float
    uar: float
    accuracy: float
    n_samples: int
    classes: tuple[str, ...]
    per_class_recall: dict[str, float]
    per_class_f1: dict[str, float]
    support: dict[str, int]
    confusion: list[list[int]]
    baseline: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``metrics.json``)."""
        return asdict(self)

    def summary_line(self) -> str:
        """``UF1 0.93, UAR 0.94, accuracy 0.94 (baseline: UF1 0.05 ...)``."""
        base = self.baseline
        return (
            f"UF1 {self.uf1:.3f}, UAR {self.uar:.3f}, accuracy {self.accuracy:.3f} "
            f"on {self.n_samples} clips (majority-class baseline "
            f"'{base.get('class', '?')}': UF1 {base.get('uf1', 0):.3f}, "
            f"UAR {base.get('uar', 0):.3f}, accuracy {base.get('accuracy', 0):.3f})"
        )


def evaluate_predictions(
    y_true: Sequence[int] | NDArray[np.integer],
    y_pred: Sequence[int] | NDArray[np.integer],
    classes: Sequence[str],
) -> Evaluation:
    """UF1, UAR, accuracy, per-class recall and F1, confusion matrix, baseline.

    The baseline always predicts the class most frequent in ``y_true`` (ties:
    the first in ``classes``).
    """
    truth = np.asarray(y_true, dtype=np.int64)
    predicted = np.asarray(y_pred, dtype=np.int64)
    n_classes = len(classes)
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    if len(truth) == 0:
        raise ValueError("no predictions to evaluate")
    matrix = confusion_matrix(truth, predicted, n_classes)
    scores = per_class_scores(matrix)
    uf1, uar = uf1_uar(truth, predicted, n_classes)
    support = matrix.sum(axis=1)
    majority = int(np.argmax(support))
    baseline_pred = np.full_like(truth, majority)
    base_uf1, base_uar = uf1_uar(truth, baseline_pred, n_classes)
    return Evaluation(
        uf1=uf1,
        uar=uar,
        accuracy=float((truth == predicted).mean()),
        n_samples=len(truth),
        classes=tuple(classes),
        per_class_recall={
            c: float(r) for c, r in zip(classes, scores["recall"], strict=True)
        },
        per_class_f1={c: float(f) for c, f in zip(classes, scores["f1"], strict=True)},
        support={c: int(s) for c, s in zip(classes, support, strict=True)},
        confusion=matrix.tolist(),
        baseline={
            "class": classes[majority],
            "uf1": base_uf1,
            "uar": base_uar,
            "accuracy": float((truth == majority).mean()),
        },
    )
