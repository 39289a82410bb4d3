"""The content of a run's report: metrics, per-clip predictions, report.md, figures.

Pure assembly from a protocol's result; :func:`samm_pipeline.io.runs.write_run`
writes it. Kept apart from the wiring in :mod:`samm_pipeline.learn.pipeline` so
that the run's numbers are built in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from samm_pipeline.learn.evaluate import Evaluation
from samm_pipeline.learn.protocol import ProtocolResult
from samm_pipeline.prepare.cache import PreparedClips
from samm_pipeline.prepare.labels import LabelledClips


def history_rows(result: ProtocolResult) -> list[dict[str, Any]]:
    """Every fold's epochs, then the final model's if it is not one of the folds."""
    history = [row for fold in result.folds for row in fold.history]
    if result.final not in result.folds:
        history += result.final.history
    return history


def metrics_document(
    result: ProtocolResult,
    evaluation: Evaluation,
    prepared: PreparedClips,
    data: LabelledClips,
) -> dict[str, Any]:
    """The ``metrics.json`` document."""
    return {
        "protocol": result.protocol,
        **evaluation.to_dict(),
        "folds": [
            {
                "fold": fold.name,
                "n_test": len(fold.test_indices),
                "best_epoch": fold.best_epoch,
                "epochs": len(fold.history),
                "n_train_samples": fold.n_train_samples,
                "seconds": round(fold.seconds, 2),
            }
            for fold in result.folds
        ],
        "n_skipped": len(prepared.skipped),
        "skipped": prepared.skipped,
        "dropped_by_labels": data.dropped,
        "seconds": round(result.seconds, 2),
    }


def prediction_rows(result: ProtocolResult, data: LabelledClips) -> list[list[Any]]:
    """``predictions.csv``: a header, then one row per evaluated clip."""
    rows: list[list[Any]] = [
        ["clip", "subject", "fold", "true", "predicted"]
        + [f"p_{name}" for name in data.classes]
    ]
    for index in np.flatnonzero(result.evaluated):
        probabilities = result.probabilities[index]
        rows.append(
            [
                data.keys[index],
                data.subjects[index],
                result.fold_of[index],
                data.classes[data.labels[index]],
                data.classes[int(probabilities.argmax())],
                *[f"{value:.6f}" for value in probabilities],
            ]
        )
    return rows


def run_figures_of(
    result: ProtocolResult, evaluation: Evaluation, history: list[dict[str, Any]]
) -> dict[str, Any]:
    """The confusion matrix and training curves of a run (matplotlib figures)."""
    from samm_pipeline.viz.run import plot_confusion_matrix, plot_training_curves

    return {
        "confusion_matrix": plot_confusion_matrix(
            evaluation.confusion,
            evaluation.classes,
            title=(
                f"{result.protocol}: UF1 {evaluation.uf1:.2f}, UAR {evaluation.uar:.2f}"
            ),
        ),
        "training_curves": plot_training_curves(history),
    }


def report_markdown(report: Any, evaluation: Evaluation, meta: dict[str, Any]) -> str:
    """``report.md``: the run in a page, with the baseline beside every score.

    ``report`` is the :class:`~samm_pipeline.learn.pipeline.TrainingReport`.
    """
    base = evaluation.baseline
    lines = [
        f"# Training run: {report.protocol}",
        "",
        f"- clips: {report.n_clips} ({report.n_subjects} subjects), classes: "
        f"{', '.join(report.classes)}",
        f"- skipped in preprocessing: {report.n_skipped}; left out by the label "
        f"map/classes: {report.n_dropped}",
        f"- preprocessing: head_motion = {meta['align']['head_motion']}, zscore = "
        f"{meta['align']['zscore']}, target_length = {meta['target_length']}, "
        f"{meta['align']['method']} (cached arrays reused: {report.from_cache})",
        f"- training: batch {meta['train']['batch_size']}, "
        + (
            f"{meta['evaluate']['loso_epochs']} epochs per fold (fixed)"
            if report.protocol == "loso"
            and meta["evaluate"]["loso_selection"] == "fixed"
            else f"up to {meta['train']['epochs']} epochs with early stopping"
        )
        + f", seed {meta['seed']}",
        "",
        "| metric | model | majority-class baseline |",
        "|---|---|---|",
        f"| UF1 | {evaluation.uf1:.3f} | {base['uf1']:.3f} |",
        f"| UAR | {evaluation.uar:.3f} | {base['uar']:.3f} |",
        f"| accuracy | {evaluation.accuracy:.3f} | {base['accuracy']:.3f} |",
        "",
        "UF1/UAR are computed on the predictions of all folds pooled."
        if report.protocol == "loso"
        else "Metrics on the held-out subjects.",
        "",
        "| class | clips | recall | F1 |",
        "|---|---|---|---|",
        *[
            f"| {name} | {evaluation.support[name]} | "
            f"{evaluation.per_class_recall[name]:.3f} | "
            f"{evaluation.per_class_f1[name]:.3f} |"
            for name in evaluation.classes
        ],
        "",
        "![confusion matrix](confusion_matrix.png)",
        "",
        "![training curves](training_curves.png)",
        "",
    ]
    return "\n".join(lines)
