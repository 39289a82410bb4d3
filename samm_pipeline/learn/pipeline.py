"""A training run end to end: store → arrays → protocol → run folder (wiring only).

:func:`run_training` opens the store, checks it matches the configuration,
prepares the arrays (:mod:`samm_pipeline.prepare`), runs the protocol
(:mod:`samm_pipeline.learn.protocol`), evaluates the pooled predictions and
hands the artifacts (:mod:`samm_pipeline.learn.report`) to the run-folder
writer (:mod:`samm_pipeline.io.runs`), which owns the folder's format.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samm_pipeline.clip import annotated_span
from samm_pipeline.config import Config, config_to_dict
from samm_pipeline.errors import DataError
from samm_pipeline.io.runs import RunArtifacts, check_output, describe_model, write_run
from samm_pipeline.learn.evaluate import Evaluation, evaluate_predictions
from samm_pipeline.learn.protocol import run_seeds
from samm_pipeline.learn.report import (
    history_rows,
    metrics_document,
    prediction_rows,
    report_markdown,
    run_figures_of,
    seed_summary,
)
from samm_pipeline.prepare.cache import prepare_clips, require_clips
from samm_pipeline.prepare.labels import label_clips

logger = logging.getLogger(__name__)


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
    seeds: tuple[tuple[int, Evaluation], ...] = ()

    def summary_line(self) -> str:
        """One line for the end of the run (with several seeds, their mean ± sd)."""
        line = f"{self.protocol}: {self.evaluation.summary_line()}"
        if self.seeds:
            summary = seed_summary(list(self.seeds))
            mean, sd = summary["mean"], summary["sd"]
            line += (
                f"; over {len(self.seeds)} seeds UF1 {mean['uf1']:.3f} ± "
                f"{sd['uf1']:.3f}, UAR {mean['uar']:.3f} ± {sd['uar']:.3f}, "
                f"accuracy {mean['accuracy']:.3f} ± {sd['accuracy']:.3f}"
            )
        return f"{line} -> {self.output}"


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
        Stage-2 cache location (default:
        :func:`~samm_pipeline.prepare.cache.default_cache_dir`).
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
    results = run_seeds(
        data,
        protocol=protocol,
        train=config.train,
        augment=config.augment,
        evaluate=config.evaluate,
        jobs=jobs or config.evaluate.jobs,
        progress=progress,
    )
    evaluations = [
        (
            run.seed,
            evaluate_predictions(
                data.labels[run.evaluated],
                run.probabilities[run.evaluated].argmax(axis=1),
                data.classes,
            ),
        )
        for run in results
    ]
    result, evaluation = results[0], evaluations[0][1]
    final = result.final
    if final is None:  # pragma: no cover - the first run always refits
        raise RuntimeError("the first run has no final model")
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
        seeds=tuple(evaluations) if len(evaluations) > 1 else (),
    )
    sections = config_to_dict(config)
    meta = describe_model(
        classes=data.classes,
        labels=config.train.labels,
        label_map=config.train.label_map,
        class_selection=config.train.classes,
        n_landmarks=prepared.n_landmarks,
        target_length=config.align.target_length,
        input_shape=data.sequences.shape[1:],
        sections=sections,
        seed=config.train.seed,
        clips=_clip_statistics(store, data.keys, config.align.crop_to_annotation),
        protocol=result.protocol,
        final_model={
            "trained_on": "all clips" if protocol == "loso" else "hold-out train",
            "epochs": len(final.history),
            "best_epoch": final.best_epoch,
            "seed": result.seed,
        },
        store={
            "path": str(store.path.resolve())
            if isinstance(store.path, Path)
            else store.path,
            "n_landmarks": store.n_landmarks,
            "extractor": store.extractor,
            "fingerprint": prepared.cache_key,
            "n_clips": len(store),
        },
    )
    history = history_rows(results)
    write_run(
        output,
        RunArtifacts(
            model=final.model,
            meta=meta,
            history=history,
            metrics=metrics_document(result, evaluation, prepared, data, evaluations),
            predictions=prediction_rows(results, data),
            figures=run_figures_of(result, evaluation, history),
            report=report_markdown(report, evaluation, meta, evaluations),
        ),
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
        span = annotated_span(attrs.get("onset"), attrs.get("offset"))
        if crop_to_annotation and span is not None:
            n_frames = min(n_frames, span[1] - span[0] + 1)
        frames.append(float(n_frames))
        if attrs.get("fps"):
            seconds.append(float(n_frames) / float(attrs["fps"]))
    return {
        "median_frames": float(np.median(frames)) if frames else None,
        "median_seconds": float(np.median(seconds)) if seconds else None,
    }
