"""The run folder: the one module that knows its format, writes it and reads it.

A ``train --output DIR`` folder holds::

    model.keras            the final model (Keras 3 format)
    model.json             what prediction needs to repeat the preprocessing:
                           format, format_version, classes, labels, label_map,
                           class_selection, n_landmarks, target_length,
                           input_shape, the align / augment / train / evaluate /
                           detect sections, seed, clips (median length of the
                           training clips in frames and seconds), protocol,
                           final_model {trained_on, epochs, best_epoch},
                           versions, store {path, n_landmarks, extractor,
                           fingerprint, n_clips}, created
    history.csv            one row per fold and epoch
    metrics.json           UF1, UAR, accuracy, baseline, per-class scores,
                           confusion matrix, folds, skipped and dropped clips
    predictions.csv        clip, subject, fold, true, predicted, p_<class>...
    confusion_matrix.png   training_curves.png   report.md

Guarantees: the folder is written into a hidden sibling marked ``INCOMPLETE``
and renamed into place only when complete (:mod:`samm_pipeline._support.atomic`);
readers refuse a folder that carries the marker; leftovers of interrupted runs
are told apart (junk, or a complete run to restore) by :func:`check_output`.

Nothing here imports TensorFlow or Keras: the writer calls ``model.save`` on
the object it is given, and :func:`read_run` reads ``model.json`` only (the
model itself is loaded by :func:`samm_pipeline.infer.trained.load_trained`).
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from samm_pipeline._support.atomic import (
    PARTIAL_INFIX,
    REPLACED_INFIX,
    check_output_folder,
    staged_folder,
)
from samm_pipeline._support.faults import checkpoint
from samm_pipeline.errors import DataError, storage_error

logger = logging.getLogger(__name__)

MODEL_FORMAT = "samm-pipeline-model"
"""The ``format`` value of every ``model.json``."""

MODEL_FORMAT_VERSION = 1
"""Bumped when ``model.json`` changes incompatibly."""

INCOMPLETE_MARKER = "INCOMPLETE"
"""Present in a run folder that is still being written (or was interrupted)."""

REQUIRED_META = ("classes", "n_landmarks", "target_length", "align")
"""``model.json`` keys prediction cannot do without."""

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
"""Every file a finished run folder holds."""

FIGURE_DPI = 110


def package_versions() -> dict[str, str]:
    """Versions of the packages a model depends on (for ``model.json``)."""
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


def describe_model(
    *,
    classes: Sequence[str],
    labels: str,
    label_map: Mapping[str, str],
    class_selection: Sequence[str],
    n_landmarks: int,
    target_length: int,
    input_shape: Sequence[int],
    sections: Mapping[str, Mapping[str, Any]],
    seed: int,
    clips: Mapping[str, float | None],
    protocol: str,
    final_model: Mapping[str, Any],
    store: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``model.json`` document (its schema, written once).

    Parameters
    ----------
    sections
        The run's configuration as plain dicts; its ``align``, ``augment``,
        ``train``, ``evaluate`` and ``detect`` sections are recorded.
    clips
        ``median_frames`` and ``median_seconds`` of the training clips.
    final_model
        ``trained_on``, ``epochs`` and ``best_epoch`` of the saved model.
    store
        ``path``, ``n_landmarks``, ``extractor``, ``fingerprint``, ``n_clips``.
    """
    return {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "classes": list(classes),
        "labels": labels,
        "label_map": dict(label_map),
        "class_selection": list(class_selection),
        "n_landmarks": n_landmarks,
        "target_length": target_length,
        "input_shape": list(input_shape),
        **{
            name: dict(sections[name])
            for name in ("align", "augment", "train", "evaluate", "detect")
        },
        "seed": seed,
        "clips": dict(clips),
        "protocol": protocol,
        "final_model": dict(final_model),
        "versions": package_versions(),
        "store": dict(store),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


# --------------------------------------------------------------------------
# writing


@dataclass(frozen=True)
class RunArtifacts:
    """Everything a finished run writes, ready to save.

    Attributes
    ----------
    model
        The final Keras model (saved with its own ``save``).
    meta
        The ``model.json`` document (see :func:`describe_model`).
    history
        ``history.csv`` rows (one per fold and epoch).
    metrics
        The ``metrics.json`` document.
    predictions
        ``predictions.csv``: the header, then one row per evaluated clip.
    figures
        Matplotlib figures by file stem (``confusion_matrix``,
        ``training_curves``).
    report
        The text of ``report.md``.
    """

    model: Any
    meta: Mapping[str, Any]
    history: Sequence[Mapping[str, Any]]
    metrics: Mapping[str, Any]
    predictions: Sequence[Sequence[Any]]
    figures: Mapping[str, Any] = field(default_factory=dict)
    report: str = ""


def check_output(output: Path, overwrite: bool) -> None:
    """Refuse a non-empty output folder unless ``overwrite``; report leftovers.

    Parameters
    ----------
    output
        The ``--output`` folder of a training run.
    overwrite
        Allow replacing a non-empty folder.

    Raises
    ------
    OutputExistsError
        ``output`` is a file, or a non-empty folder without ``overwrite``.
    """
    check_output_folder(output, overwrite=overwrite, option="--output")
    _report_leftovers(output)


def write_run(output: Path, artifacts: RunArtifacts) -> None:
    """Write a run folder atomically: all of it appears at ``output``, or none.

    Parameters
    ----------
    output
        The run folder; an existing one is replaced only once the new one is
        complete.
    artifacts
        Everything the folder holds.

    Raises
    ------
    DataError
        The disk refused a write (full, read-only, ...); nothing is left.
    """
    try:
        with staged_folder(output, marker=INCOMPLETE_MARKER) as staging:
            artifacts.model.save(staging / "model.keras")
            _write_json(staging / "model.json", artifacts.meta)
            _write_csv(staging / "history.csv", artifacts.history)
            _write_json(staging / "metrics.json", artifacts.metrics)
            with (staging / "predictions.csv").open(
                "w", newline="", encoding="utf-8"
            ) as handle:
                csv.writer(handle).writerows(artifacts.predictions)
            for name, figure in artifacts.figures.items():
                figure.savefig(staging / f"{name}.png", dpi=FIGURE_DPI)
            (staging / "report.md").write_text(artifacts.report, encoding="utf-8")
            checkpoint("run.artifacts-written")
    except OSError as error:
        failure = storage_error(error, f"the run's artifacts for {output}")
        if failure is None:
            raise
        raise failure from None


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _report_leftovers(output: Path) -> None:
    """Warn about folders that interrupted runs left beside ``output``.

    A crash before the swap leaves ``.NAME.partial-*`` marked ``INCOMPLETE``
    (safe to delete); a crash between the swap's two renames leaves complete
    runs in ``.NAME.partial-*`` / ``.NAME.replaced-*/NAME``, which the
    message says how to restore.
    """
    leftovers = sorted(
        path
        for infix in (PARTIAL_INFIX, REPLACED_INFIX)
        for path in output.parent.glob(f".{output.name}{infix}*")
    )
    for path in leftovers:
        complete = [
            folder
            for folder in (path, path / output.name)
            if (folder / "model.json").is_file()
            and not (folder / INCOMPLETE_MARKER).exists()
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


# --------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class RunFolder:
    """A finished run folder and its ``model.json``.

    Attributes
    ----------
    path
        The folder.
    meta
        The parsed ``model.json``.
    """

    path: Path
    meta: dict[str, Any]

    @property
    def model_path(self) -> Path:
        """``model.keras`` in the folder."""
        return self.path / "model.keras"

    @property
    def meta_path(self) -> Path:
        """``model.json`` in the folder."""
        return self.path / "model.json"


def read_run(path: str | Path) -> RunFolder:
    """Open a finished run folder: check it is complete and read ``model.json``.

    Parameters
    ----------
    path
        The ``--output`` folder of ``samm-pipeline train``.

    Returns
    -------
    RunFolder
        The folder and its parsed ``model.json``.

    Raises
    ------
    DataError
        Folder missing, interrupted (``INCOMPLETE``), ``model.json`` missing,
        unreadable, not a samm-pipeline model description or lacking a
        required key, or ``model.keras`` missing.
    """
    folder = Path(path)
    meta_path, model_path = folder / "model.json", folder / "model.keras"
    if not folder.is_dir():
        raise DataError(
            f"model folder {folder} not found; give the --output folder of "
            "`samm-pipeline train`"
        )
    if (folder / INCOMPLETE_MARKER).exists():
        raise DataError(f"model folder {folder} is from an interrupted run; retrain")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            f"{meta_path} not found; the folder is not a samm-pipeline run"
        ) from None
    except (OSError, ValueError) as error:
        raise DataError(f"{meta_path} cannot be read ({error}); retrain") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise DataError(f"{meta_path} is not a samm-pipeline model description")
    if not model_path.is_file():
        raise DataError(f"{model_path} not found; retrain or copy the whole folder")
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise DataError(
            f"{meta_path} lacks {', '.join(missing)}; it was not written by "
            "`samm-pipeline train` or was edited: retrain"
        )
    return RunFolder(path=folder, meta=meta)


def read_run_results(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``metrics.json`` and the ``history.csv`` rows of a finished run.

    Raises
    ------
    DataError
        A file is missing, or is not what ``train`` writes.
    """
    import pandas as pd

    run = Path(path)
    missing = [
        name for name in ("history.csv", "metrics.json") if not (run / name).is_file()
    ]
    if missing:
        raise DataError(
            f"{run}: no {' or '.join(missing)}; give the --output folder of a "
            "finished `samm-pipeline train`"
        )
    try:
        metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
        history = pd.read_csv(run / "history.csv").to_dict("records")
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise DataError(
            f"{run}: metrics.json or history.csv is not what `samm-pipeline train` "
            f"writes ({type(error).__name__}: {error}); retrain or give another "
            "--run folder"
        ) from None
    return metrics, history
