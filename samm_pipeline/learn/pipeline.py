"""A training run end to end: store → arrays → protocol → artifacts.

Artifacts (in ``--output DIR``, written into a temporary sibling folder and
renamed into place only when complete, so a crash never leaves a
half-written run that looks finished):

- ``model.keras``: the final model (Keras 3 format);
- ``model.json``: everything prediction needs to repeat the preprocessing
  (classes, label map, landmark count, target length, every ``[align]``,
  ``[augment]``, ``[train]``, ``[evaluate]`` setting, seed, package
  versions, the store's extractor settings and fingerprint);
- ``history.csv``, ``metrics.json``, ``predictions.csv``,
  ``confusion_matrix.png``, ``training_curves.png``, ``report.md``.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from samm_pipeline._support.faults import checkpoint
from samm_pipeline.config import Config, config_to_dict
from samm_pipeline.errors import DataError, OutputExistsError, storage_error
from samm_pipeline.learn.evaluate import Evaluation, evaluate_predictions
from samm_pipeline.learn.fit import ProtocolResult, run_protocol
from samm_pipeline.prepare.dataset import (
    LabelledClips,
    label_clips,
    prepare_clips,
    require_clips,
)

logger = logging.getLogger(__name__)

MODEL_FORMAT = "samm-pipeline-model"
MODEL_FORMAT_VERSION = 1
ARTIFACTS = (
    "model.keras",
    "model.json",
    "history.csv",
    "metrics.json",
    "predictions.csv",
    "confusion_matrix.png",
    "training_curves.png",
    "report.md",
)


@dataclass(frozen=True)
class TrainingReport:
    """What a training run produced."""

    output: Path
    protocol: str
    evaluation: Evaluation
    n_clips: int
    n_subjects: int
    classes: tuple[str, ...]
    n_skipped: int
    n_dropped: int
    from_cache: bool
    seconds: float

    def summary_line(self) -> str:
        """One line for the end of the run."""
        return f"{self.protocol}: {self.evaluation.summary_line()} -> {self.output}"


def package_versions() -> dict[str, str]:
    """Versions of the packages a model depends on."""
    out = {}
    for name in (
        "samm-pipeline",
        "tensorflow",
        "keras",
        "mediapipe",
        "numpy",
        "fastdtw",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def check_output(output: Path, overwrite: bool) -> None:
    """Refuse a non-empty output folder unless ``overwrite``."""
    if output.exists() and not output.is_dir():
        raise OutputExistsError(f"--output {output} is a file; give a folder path")
    if output.is_dir() and any(output.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"output folder {output} is not empty; pass --overwrite to replace it "
            "or choose another --output"
        )
    _report_leftovers(output)


def _report_leftovers(output: Path) -> None:
    """Warn about folders that interrupted runs left beside ``output``.

    A crash before the swap leaves ``.NAME.partial-*`` marked ``INCOMPLETE``
    (safe to delete); a crash between the swap's two renames leaves complete
    runs in ``.NAME.partial-*`` / ``.NAME.replaced-*/NAME``, which the
    message says how to restore.
    """
    leftovers = sorted(
        path
        for pattern in (f".{output.name}.partial-*", f".{output.name}.replaced-*")
        for path in output.parent.glob(pattern)
    )
    for path in leftovers:
        complete = [
            folder
            for folder in (path, path / output.name)
            if (folder / "model.json").is_file()
            and not (folder / "INCOMPLETE").exists()
        ]
        if complete:
            logger.warning(
                "%s is a complete run left by an interrupted swap; if %s is "
                "missing, restore it with `mv '%s' '%s'`",
                complete[0],
                output,
                complete[0],
                output,
            )
        else:
            logger.warning(
                "%s was left by an interrupted run; it is not a run and is safe "
                "to delete",
                path,
            )


def check_store_matches(store: Any, config: Config) -> None:
    """Refuse a store made with other extractor settings than the config says."""
    expected = 478 if config.extract.refine_landmarks else 468
    extractor = store.extractor
    problems = []
    if store.n_landmarks != expected:
        problems.append(
            f"{store.n_landmarks} landmarks, the config expects {expected} "
            f"(refine_landmarks = {str(config.extract.refine_landmarks).lower()})"
        )
    stored = extractor.get("min_detection_confidence")
    if stored is not None and stored != config.extract.min_detection_confidence:
        problems.append(
            f"min_detection_confidence {stored}, the config expects "
            f"{config.extract.min_detection_confidence}"
        )
    if problems:
        raise DataError(
            f"store {store.path} was extracted with {'; '.join(problems)}; "
            "fix [extract] in the config or re-extract with "
            "`samm-pipeline extract --overwrite`"
        )


def run_training(
    store_path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    config: Config,
    *,
    overwrite: bool = False,
    jobs: int | None = None,
    progress: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> TrainingReport:
    """Train and evaluate from a landmark store; write the artifacts.

    Parameters
    ----------
    store_path
        The landmark store.
    output
        Folder for the artifacts (refused if not empty, unless ``overwrite``).
    config
        The whole run definition; the protocol is ``config.evaluate.protocol``.
    jobs
        Folds in parallel (default ``config.evaluate.jobs``).
    cache_dir
        Stage-2 cache location (default: see :func:`dataset.default_cache_dir`).
    """
    from samm_pipeline.io.store import open_store

    start = time.perf_counter()
    output = Path(output)
    check_output(output, overwrite)
    store = open_store(store_path)
    require_clips(store)  # before the settings check: the more useful message
    check_store_matches(store, config)
    prepared = prepare_clips(store, config.align, cache_dir=cache_dir)
    data = label_clips(prepared, config.train)
    protocol = config.evaluate.protocol
    result = run_protocol(
        data,
        protocol=protocol,
        train=config.train,
        augment=config.augment,
        evaluate=config.evaluate,
        jobs=jobs or config.evaluate.jobs,
        progress=progress,
    )
    evaluated = result.evaluated
    evaluation = evaluate_predictions(
        data.labels[evaluated],
        result.probabilities[evaluated].argmax(axis=1),
        data.classes,
    )
    report = TrainingReport(
        output=output,
        protocol=protocol,
        evaluation=evaluation,
        n_clips=len(data.keys),
        n_subjects=data.n_subjects,
        classes=data.classes,
        n_skipped=len(prepared.skipped),
        n_dropped=len(data.dropped),
        from_cache=prepared.from_cache,
        seconds=0.0,
    )
    meta = _model_metadata(store, prepared, data, config, result)
    _write_artifacts(
        output, overwrite, result, data, prepared, evaluation, meta, report
    )
    return dataclasses.replace(report, seconds=time.perf_counter() - start)


def _clip_statistics(
    store: Any, keys: Sequence[str], crop_to_annotation: bool
) -> dict[str, float | None]:
    """Median length of the training clips, in frames and in seconds.

    With ``crop_to_annotation``, the onset-to-offset length where the entry
    has valid markers (what preprocessing kept), else the whole clip.

    Notes
    -----
    The streaming detector sizes its window from these when no ``window`` is
    given: a model trained on 200 fps clips of 0.5 s needs a 0.5 s window on
    a 30 fps camera, i.e. the duration, not the frame count, carries over.
    """
    frames, seconds = [], []
    for key in keys:
        attrs = store.entry_attrs(key)
        n_frames = attrs.get("n_frames")
        if not n_frames:
            continue
        onset, offset = attrs.get("onset"), attrs.get("offset")
        if crop_to_annotation and onset is not None and offset is not None:
            if 0 <= onset <= offset:
                n_frames = min(n_frames, offset - onset + 1)
        frames.append(float(n_frames))
        if attrs.get("fps"):
            seconds.append(float(n_frames) / float(attrs["fps"]))
    return {
        "median_frames": float(np.median(frames)) if frames else None,
        "median_seconds": float(np.median(seconds)) if seconds else None,
    }


def _model_metadata(
    store: Any,
    prepared: Any,
    data: LabelledClips,
    config: Config,
    result: ProtocolResult,
) -> dict[str, Any]:
    sections = config_to_dict(config)
    return {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "classes": list(data.classes),
        "labels": config.train.labels,
        "label_map": dict(config.train.label_map),
        "class_selection": list(config.train.classes),
        "n_landmarks": prepared.n_landmarks,
        "target_length": config.align.target_length,
        "input_shape": list(data.sequences.shape[1:]),
        "align": sections["align"],
        "augment": sections["augment"],
        "train": sections["train"],
        "evaluate": sections["evaluate"],
        "detect": sections["detect"],
        "seed": config.train.seed,
        "clips": _clip_statistics(store, data.keys, config.align.crop_to_annotation),
        "protocol": result.protocol,
        "final_model": {
            "trained_on": "all clips"
            if result.protocol == "loso"
            else "hold-out train",
            "epochs": len(result.final.history),
            "best_epoch": result.final.best_epoch,
        },
        "versions": package_versions(),
        "store": {
            "path": str(store.path.resolve())
            if isinstance(store.path, Path)
            else store.path,
            "n_landmarks": store.n_landmarks,
            "extractor": store.extractor,
            "fingerprint": prepared.cache_key,
            "n_clips": len(store),
        },
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _write_artifacts(
    output: Path,
    overwrite: bool,
    result: ProtocolResult,
    data: LabelledClips,
    prepared: Any,
    evaluation: Evaluation,
    meta: dict[str, Any],
    report: TrainingReport,
) -> None:
    """Write everything into a temporary sibling, then swap it into place."""
    from samm_pipeline.viz.figures import plot_confusion_matrix, plot_training_curves

    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent)
    )
    try:
        (staging / "INCOMPLETE").write_text(
            "This run was interrupted before its artifacts were complete.\n"
        )
        result.final.model.save(staging / "model.keras")
        (staging / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
        history = [row for fold in result.folds for row in fold.history]
        if result.final not in result.folds:
            history += result.final.history
        _write_csv(staging / "history.csv", history)
        metrics = {
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
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        _write_predictions(staging / "predictions.csv", result, data)
        plot_confusion_matrix(
            evaluation.confusion,
            data.classes,
            title=(
                f"{result.protocol}: UF1 {evaluation.uf1:.2f}, UAR {evaluation.uar:.2f}"
            ),
        ).savefig(staging / "confusion_matrix.png", dpi=110)
        plot_training_curves(history).savefig(staging / "training_curves.png", dpi=110)
        (staging / "report.md").write_text(_report_markdown(report, evaluation, meta))
        checkpoint("run.artifacts-written")
        (staging / "INCOMPLETE").unlink()
        _swap_into_place(staging, output)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        failure = (
            storage_error(error, f"the run's artifacts for {output}")
            if isinstance(error, OSError)
            else None
        )
        if failure is not None:
            raise failure from None
        raise


def _swap_into_place(staging: Path, output: Path) -> None:
    """Rename the finished staging folder to ``output``, keeping the old run
    until the new one is in place.

    Notes
    -----
    Both steps are renames within one folder, so at every instant ``output``
    is the old complete run, the new complete run, or (between the two
    renames only) absent with both runs complete beside it; it is never a
    mix, and a half-written run always carries its ``INCOMPLETE`` marker.
    """
    if not output.exists():
        os.replace(staging, output)
        return
    aside = Path(
        tempfile.mkdtemp(prefix=f".{output.name}.replaced-", dir=output.parent)
    )
    os.replace(output, aside / output.name)
    os.replace(staging, output)
    shutil.rmtree(aside, ignore_errors=True)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _write_predictions(path: Path, result: ProtocolResult, data: LabelledClips) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["clip", "subject", "fold", "true", "predicted"]
            + [f"p_{name}" for name in data.classes]
        )
        for index in np.flatnonzero(result.evaluated):
            probabilities = result.probabilities[index]
            writer.writerow(
                [
                    data.keys[index],
                    data.subjects[index],
                    result.fold_of[index],
                    data.classes[data.labels[index]],
                    data.classes[int(probabilities.argmax())],
                    *[f"{value:.6f}" for value in probabilities],
                ]
            )


def _report_markdown(
    report: TrainingReport, evaluation: Evaluation, meta: dict[str, Any]
) -> str:
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
