"""The content of a run's report: metrics, per-clip predictions, report.md, figures.

Pure assembly from a protocol's result; :func:`samm_pipeline.io.runs.write_run`
writes it. Kept apart from the wiring in :mod:`samm_pipeline.learn.pipeline` so
that the run's numbers are built in one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from samm_pipeline.learn.evaluate import Evaluation, evaluate_predictions
from samm_pipeline.learn.protocol import ProtocolResult
from samm_pipeline.prepare.cache import PreparedClips
from samm_pipeline.prepare.labels import LabelledClips


def history_rows(results: list[ProtocolResult]) -> list[dict[str, Any]]:
    """Every fold's epochs, then the final model's if it is not one of the
    folds; with several seeds, every run's, each row with its ``seed``."""
    history = []
    for result in results:
        rows = [row for fold in result.folds for row in fold.history]
        if result.final is not None and result.final not in result.folds:
            rows += result.final.history
        if len(results) > 1:
            rows = [{**row, "seed": result.seed} for row in rows]
        history += rows
    return history


SCORES = ("uf1", "uar", "accuracy")


def seed_summary(evaluations: list[tuple[int, Any]]) -> dict[str, Any]:
    """Per seed and mean ± standard deviation (n - 1) of UF1, UAR, accuracy.

    >>> from types import SimpleNamespace as S
    >>> runs = [(1, S(uf1=0.5, uar=0.6, accuracy=0.7)),
    ...         (2, S(uf1=0.7, uar=0.6, accuracy=0.9))]
    >>> summary = seed_summary(runs)
    >>> summary["mean"]["uf1"], round(summary["sd"]["uf1"], 4)
    (0.6, 0.1414)
    """
    table = np.array([[getattr(e, name) for name in SCORES] for _, e in evaluations])
    spread = table.std(axis=0, ddof=1) if len(table) > 1 else np.zeros(len(SCORES))
    return {
        "runs": [
            {"seed": seed, **{name: getattr(e, name) for name in SCORES}}
            for seed, e in evaluations
        ],
        "mean": dict(zip(SCORES, table.mean(axis=0).tolist(), strict=True)),
        "sd": dict(zip(SCORES, spread.tolist(), strict=True)),
    }


def dataset_evaluations(
    result: ProtocolResult, data: LabelledClips
) -> dict[str, Evaluation]:
    """Per dataset, the scores of its clips' pooled predictions: subsets of
    the same run (the MEGC composite's per-dataset columns). Empty for one
    dataset."""
    names = data.dataset_names
    if len(names) < 2:
        return {}
    datasets = np.asarray(data.datasets)
    out = {}
    for name in names:
        chosen = (datasets == name) & result.evaluated
        if chosen.any():
            out[name] = evaluate_predictions(
                data.labels[chosen],
                result.probabilities[chosen].argmax(axis=1),
                data.classes,
            )
    return out


def metrics_document(
    result: ProtocolResult,
    evaluation: Evaluation,
    prepared: PreparedClips,
    data: LabelledClips,
    evaluations: list[tuple[int, Evaluation]] | None = None,
    results: list[ProtocolResult] | None = None,
) -> dict[str, Any]:
    """The ``metrics.json`` document: the first seed's run, and with several
    seeds their scores under ``seeds`` (per seed, mean and sd); with several
    datasets each one's scores under ``datasets`` (and per seed under
    ``seeds.datasets``)."""
    extra: dict[str, Any] = {}
    if evaluations and len(evaluations) > 1:
        extra["seeds"] = seed_summary(evaluations)
    per_dataset = dataset_evaluations(result, data)
    if per_dataset:
        extra["datasets"] = {name: e.to_dict() for name, e in per_dataset.items()}
        if results and len(results) > 1:
            runs = [(run.seed, dataset_evaluations(run, data)) for run in results]
            extra["seeds"]["datasets"] = {
                name: seed_summary([(seed, scores[name]) for seed, scores in runs])
                for name in per_dataset
            }
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
        **extra,
    }


def prediction_rows(
    results: list[ProtocolResult], data: LabelledClips
) -> list[list[Any]]:
    """``predictions.csv``: a header, then one row per evaluated clip (per
    clip and seed, with a ``seed`` column, when there are several seeds)."""
    several = len(results) > 1
    datasets = len(data.dataset_names) > 1
    rows: list[list[Any]] = [
        (["seed"] if several else [])
        + (["dataset"] if datasets else [])
        + ["clip", "subject", "fold", "true", "predicted"]
        + [f"p_{name}" for name in data.classes]
    ]
    for result in results:
        for index in np.flatnonzero(result.evaluated):
            probabilities = result.probabilities[index]
            rows.append(
                ([result.seed] if several else [])
                + ([data.datasets[index]] if datasets else [])
                + [
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


def report_markdown(
    report: Any,
    evaluation: Evaluation,
    meta: dict[str, Any],
    evaluations: list[tuple[int, Evaluation]] | None = None,
) -> str:
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
            if report.protocol != "holdout"
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
        if report.protocol != "holdout"
        else "Metrics on the held-out subjects.",
        "",
        *_dataset_lines(report),
        "| class | clips | recall | F1 |",
        "|---|---|---|---|",
        *[
            f"| {name} | {evaluation.support[name]} | "
            f"{evaluation.per_class_recall[name]:.3f} | "
            f"{evaluation.per_class_f1[name]:.3f} |"
            for name in evaluation.classes
        ],
        "",
        *_seed_lines(evaluations or [], evaluation),
        "![confusion matrix](confusion_matrix.png)",
        "",
        "![training curves](training_curves.png)",
        "",
    ]
    return "\n".join(lines)


def _seed_lines(
    evaluations: list[tuple[int, Evaluation]], evaluation: Evaluation
) -> list[str]:
    """The repeated-seed table of ``report.md`` (nothing for one seed)."""
    if len(evaluations) < 2:
        return []
    summary = seed_summary(evaluations)
    base = evaluation.baseline
    return [
        f"Repeated over {len(evaluations)} seeds (the whole protocol each time; "
        "the figures above, the confusion matrix and the saved model are the "
        f"first seed's, {evaluations[0][0]}):",
        "",
        "| seed | UF1 | UAR | accuracy |",
        "|---|---|---|---|",
        *[
            f"| {run['seed']} | {run['uf1']:.3f} | {run['uar']:.3f} | "
            f"{run['accuracy']:.3f} |"
            for run in summary["runs"]
        ],
        "| mean ± sd | "
        + " | ".join(
            f"{summary['mean'][name]:.3f} ± {summary['sd'][name]:.3f}"
            for name in SCORES
        )
        + " |",
        f"| baseline | {base['uf1']:.3f} | {base['uar']:.3f} | "
        f"{base['accuracy']:.3f} |",
        "",
    ]


def _dataset_lines(report: Any) -> list[str]:
    """The per-dataset table of ``report.md``, in the MEGC2019 results layout
    (full composite, then each dataset; UF1 and UAR), baseline beside."""
    if not report.datasets:
        return []
    full = report.evaluation
    columns = [("full", full), *report.datasets]
    header = " | ".join(f"{name} UF1 | {name} UAR" for name, _ in columns)
    return [
        "Scores per dataset (subsets of the same pooled predictions; the "
        "baseline predicts each set's most frequent class):",
        "",
        f"| | {header} |",
        "|---|" + "---|" * (2 * len(columns)),
        "| this run | "
        + " | ".join(f"{e.uf1:.3f} | {e.uar:.3f}" for _, e in columns)
        + " |",
        "| majority-class baseline | "
        + " | ".join(
            f"{e.baseline['uf1']:.3f} | {e.baseline['uar']:.3f}" for _, e in columns
        )
        + " |",
        "",
        "| dataset | clips | " + " | ".join(f"{c} recall" for c in full.classes) + " |",
        "|---|---|" + "---|" * len(full.classes),
        *[
            f"| {name} | {e.n_samples} | "
            + " | ".join(
                f"{e.per_class_recall[c]:.3f}" if e.support[c] else "–"
                for c in full.classes
            )
            + " |"
            for name, e in columns
        ],
        "",
    ]
