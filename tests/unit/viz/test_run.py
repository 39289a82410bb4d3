"""Figures of a training run, read back from its folder."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.viz import (
    run_figures,
)


def test_run_figures(render, tmp_path):
    with pytest.raises(DataError, match=r"history\.csv or metrics\.json"):
        run_figures(tmp_path)
    rows = [
        {"fold": "s1", "epoch": epoch, "loss": 1.0 / epoch, "val_loss": 1.2 / epoch,
         "val_uf1": 0.1 * epoch, "val_uar": 0.1 * epoch}
        for epoch in (1, 2, 3)
    ]  # fmt: skip
    with (tmp_path / "history.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    metrics = {"protocol": "loso", "uf1": 0.5, "uar": 0.6, "classes": ["a", "b"],
               "confusion": [[3, 1], [0, 4]]}  # fmt: skip
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    figures = run_figures(tmp_path)
    assert list(figures) == ["training_curves", "confusion_matrix"]
    loss, scores = figures["training_curves"].axes
    assert len(loss.lines) == 2 and len(scores.lines) == 2
    np.testing.assert_allclose(loss.lines[0].get_ydata(), [1.0, 0.5, 1 / 3])
    matrix_axes = figures["confusion_matrix"].axes[0]
    assert matrix_axes.get_title() == "loso: UF1 0.50, UAR 0.60"
    assert [text.get_text() for text in matrix_axes.texts] == ["3", "1", "0", "4"]
    for figure in figures.values():
        render(figure)
