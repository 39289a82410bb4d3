"""Figures of a training run: confusion matrix and training curves.

Drawn into every run folder by ``train`` and again, from a finished folder,
by :func:`run_figures` (the ``plot --run`` command and notebooks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samm_pipeline.errors import DataError
from samm_pipeline.viz.base import new_figure


def plot_confusion_matrix(
    matrix: Sequence[Sequence[int]] | np.ndarray,
    classes: Sequence[str],
    *,
    title: str = "Confusion matrix",
) -> Any:
    """Counts with row-normalised shading; rows are true classes.

    Parameters
    ----------
    matrix
        ``(n_classes, n_classes)`` counts, row = true, column = predicted.
    classes
        Class names in matrix order.
    """
    counts = np.asarray(matrix, dtype=float)
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    size = 1.6 + 0.65 * len(classes)
    figure = new_figure(size + 1.2, size)
    axes = figure.add_subplot()
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(classes)), labels=classes, rotation=45, ha="right")
    axes.set_yticks(range(len(classes)), labels=classes)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    for row in range(len(classes)):
        for column in range(len(classes)):
            axes.text(
                column,
                row,
                f"{int(counts[row, column])}",
                ha="center",
                va="center",
                color="white" if shares[row, column] > 0.5 else "black",
                fontsize=9,
            )
    figure.colorbar(image, ax=axes, label="share of the true class")
    return figure


def plot_training_curves(history: Sequence[Mapping[str, Any]]) -> Any:
    """Loss and validation UF1/UAR per epoch, one line per fold.

    Parameters
    ----------
    history
        Rows with ``fold``, ``epoch``, ``loss`` and optionally ``val_loss``,
        ``val_uf1``, ``val_uar`` (as in ``history.csv``).
    """
    figure = new_figure(10, 4)
    loss_axes, score_axes = figure.subplots(1, 2)
    folds: dict[str, list[Mapping[str, Any]]] = {}
    for row in history:
        folds.setdefault(str(row.get("fold", "")), []).append(row)
    for fold, rows in folds.items():
        epochs = [row["epoch"] for row in rows]
        (line,) = loss_axes.plot(epochs, [row["loss"] for row in rows], label=fold)
        if all("val_loss" in row for row in rows):
            loss_axes.plot(
                epochs, [row["val_loss"] for row in rows], "--", color=line.get_color()
            )
        if all("val_uf1" in row for row in rows):
            score_axes.plot(
                epochs, [row["val_uf1"] for row in rows], color=line.get_color()
            )
            score_axes.plot(
                epochs, [row["val_uar"] for row in rows], ":", color=line.get_color()
            )
    loss_axes.set_xlabel("epoch")
    loss_axes.set_ylabel("loss (solid: training, dashed: validation)")
    loss_axes.set_title("Loss")
    score_axes.set_xlabel("epoch")
    score_axes.set_ylabel("validation UF1 (solid), UAR (dotted)")
    score_axes.set_ylim(0, 1.02)
    score_axes.set_title("Validation UF1 / UAR")
    if 1 < len(folds) <= 12:
        loss_axes.legend(fontsize=7, ncols=2)
    elif len(folds) == 1:
        loss_axes.legend(fontsize=8)
    return figure


def run_figures(run_dir: str | Path) -> dict[str, Any]:
    """Training curves and confusion matrix of a finished ``train`` run.

    Reads ``history.csv`` and ``metrics.json`` from ``run_dir`` (through
    :func:`samm_pipeline.io.runs.read_run_results`) and returns
    ``{"training_curves": Figure, "confusion_matrix": Figure}``, drawn by the
    same functions as the run report.

    Raises
    ------
    DataError
        A file is missing or is not what ``train`` writes.
    """
    from samm_pipeline.io.runs import read_run_results

    run = Path(run_dir)
    metrics, history = read_run_results(run)
    try:
        return {
            "training_curves": plot_training_curves(history),
            "confusion_matrix": plot_confusion_matrix(
                metrics["confusion"],
                metrics["classes"],
                title=(
                    f"{metrics.get('protocol', '')}: UF1 {metrics['uf1']:.2f}, "
                    f"UAR {metrics['uar']:.2f}"
                ),
            ),
        }
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise DataError(
            f"{run}: metrics.json or history.csv is not what `samm-pipeline train` "
            f"writes ({type(error).__name__}: {error}); retrain or give another "
            "--run folder"
        ) from None
