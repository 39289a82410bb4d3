"""Matplotlib figures for run reports and notebooks.

Every function returns a :class:`matplotlib.figure.Figure` built without
``pyplot`` (so no GUI backend and no global state) and never calls ``show``;
save it with ``figure.savefig(path)`` or let Jupyter display it.

The run-report figures (confusion matrix, training curves) live here; the
figures of one clip (face mesh, region motion, preprocessing stages,
animation) in :mod:`samm_pipeline.viz.clip` and of a whole store (class
motion heatmap, dataset overview, a run's figures) in
:mod:`samm_pipeline.viz.store`; all are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from samm_pipeline.viz.clip import (
    _figure,
    plot_face_mesh,
    plot_preprocessing,
    plot_region_motion,
    region_motion,
    save_clip_animation,
)
from samm_pipeline.viz.store import (
    class_motion_profiles,
    plot_class_motion_heatmap,
    plot_dataset_overview,
    run_figures,
    write_store_figures,
)

__all__ = [
    "class_motion_profiles",
    "plot_class_motion_heatmap",
    "plot_confusion_matrix",
    "plot_dataset_overview",
    "plot_face_mesh",
    "plot_preprocessing",
    "plot_region_motion",
    "plot_training_curves",
    "region_motion",
    "run_figures",
    "save_clip_animation",
    "write_store_figures",
]


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
    figure = _figure(size + 1.2, size)
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
    figure = _figure(10, 4)
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
