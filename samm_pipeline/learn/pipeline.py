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
    dataset_evaluations,
    history_rows,
    metrics_document,
    prediction_rows,
    report_markdown,
    run_figures_of,
    seed_summary,
)
from samm_pipeline.prepare.cache import PreparedClips, prepare_clips, require_clips
from samm_pipeline.prepare.labels import LabelledClips, combine_datasets, label_clips

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
    datasets: tuple[tuple[str, Evaluation], ...] = ()

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
        if self.datasets:
            line += "; per dataset " + ", ".join(
                f"{name} UF1 {e.uf1:.3f} UAR {e.uar:.3f} (baseline "
                f"{e.baseline['uf1']:.3f}/{e.baseline['uar']:.3f}, {e.n_samples} clips)"
                for name, e in self.datasets
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
    store_path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    config: Config,
    *,
    overwrite: bool = False,
    jobs: int | None = None,
    progress: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> TrainingReport:
    """Train and evaluate from one landmark store or several; write the artifacts.

    Parameters
    ----------
    store_path
        The landmark store, or several (one per dataset) trained on together:
        their clips keep their dataset, and subjects are prefixed by it.
    output
        Folder for the artifacts (refused if not empty, unless ``overwrite``).
    config
        The whole run definition; the protocol is ``config.evaluate.protocol``
        (``megc`` implies the MEGC 3-class labels).
    jobs
        Folds in parallel (default ``config.evaluate.jobs``).
    cache_dir
        Stage-2 cache location (default:
        :func:`~samm_pipeline.prepare.cache.default_cache_dir`).
    """
    start = time.perf_counter()
    output = Path(output)
    check_output(output, overwrite)
    protocol = config.evaluate.protocol
    if protocol == "megc" and config.train.labels == "asis":
        config = dataclasses.replace(
            config, train=dataclasses.replace(config.train, labels="megc3")
        )
    stores, prepared, data = load_datasets(store_path, config, cache_dir)
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
    datasets = dataset_evaluations(result, data)
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
        datasets=tuple(datasets.items()),
    )
    sections = config_to_dict(config)
    described = [_describe_store(store) for store in stores]
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
        clips=_clip_statistics(stores, data, config.align.crop_to_annotation),
        protocol=result.protocol,
        final_model={
            "trained_on": "all clips" if protocol != "holdout" else "hold-out train",
            "epochs": len(final.history),
            "best_epoch": final.best_epoch,
            "seed": result.seed,
        },
        store={**described[0], "fingerprint": prepared.cache_key},
    )
    if len(stores) > 1:
        meta["stores"] = [
            {**entry, "dataset": name}
            for entry, name in zip(described, data.dataset_names, strict=True)
        ]
    history = history_rows(results)
    write_run(
        output,
        RunArtifacts(
            model=final.model,
            meta=meta,
            history=history,
            metrics=metrics_document(
                result, evaluation, prepared, data, evaluations, results
            ),
            predictions=prediction_rows(results, data),
            figures=run_figures_of(result, evaluation, history),
            report=report_markdown(report, evaluation, meta, evaluations),
        ),
    )
    return dataclasses.replace(report, seconds=time.perf_counter() - start)


def load_datasets(
    store_path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    config: Config,
    cache_dir: str | os.PathLike[str] | None = None,
) -> tuple[list[Any], PreparedClips, LabelledClips]:
    """Open, check, prepare and label one store or several (one per dataset).

    Returns the stores, their prepared clips (several stores: one record of
    what was skipped, keys prefixed by dataset) and the labelled clips of
    all of them (:func:`~samm_pipeline.prepare.labels.combine_datasets`).

    Raises
    ------
    DataError
        A store is empty or made with other extractor settings than the
        config (so two stores of different settings are refused).
    """
    from samm_pipeline.io.store import open_store

    paths = (
        [store_path] if isinstance(store_path, (str, os.PathLike)) else list(store_path)
    )
    if not paths:
        raise DataError("no store given; give --store (one or more)")
    stores = [open_store(path) for path in paths]
    for store in stores:
        require_clips(store)  # before the settings check: the more useful message
        check_store_matches(store, config)
    names = _dataset_names(stores)
    prepared = [
        prepare_clips(store, config.align, cache_dir=cache_dir) for store in stores
    ]
    parts = [
        label_clips(part, config.train, layout)
        for part, (layout, _) in zip(prepared, names, strict=True)
    ]
    data = combine_datasets(parts, [name for _, name in names])
    if len(stores) == 1:
        return stores, prepared[0], data
    merged = dataclasses.replace(
        prepared[0],
        skipped={
            f"{name}/{key}": why
            for part, (_, name) in zip(prepared, names, strict=True)
            for key, why in part.skipped.items()
        },
        cache_key="+".join(part.cache_key for part in prepared),
        from_cache=all(part.from_cache for part in prepared),
    )
    return stores, merged, data


def _dataset_names(stores: Sequence[Any]) -> list[tuple[str, str]]:
    """Per store: its layout (the entries' ``dataset``, for label maps) and a
    name unique among the stores (the layout, else the store's folder name)."""
    layouts = []
    for store in stores:
        found = [str(store.entry_attrs(key).get("dataset") or "") for key in store]
        common = max(set(found), key=found.count) if found else ""
        layouts.append(common)
    names = []
    for store, layout in zip(stores, layouts, strict=True):
        stem = Path(str(store.path).rstrip("/")).stem
        unique = layout and layouts.count(layout) == 1
        names.append(layout if unique else f"{layout or 'store'}-{stem}")
    if len(set(names)) != len(names):
        raise DataError(
            f"two stores have the same dataset and folder name ({names}); "
            "give each store its own folder name"
        )
    return list(zip(layouts, names, strict=True))


def _describe_store(store: Any) -> dict[str, Any]:
    """A store's line in ``model.json``."""
    return {
        "path": str(store.path.resolve())
        if isinstance(store.path, Path)
        else store.path,
        "n_landmarks": store.n_landmarks,
        "extractor": store.extractor,
        "n_clips": len(store),
    }


def _clip_statistics(
    stores: Sequence[Any], data: LabelledClips, crop_to_annotation: bool
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
    several = len(stores) > 1
    store_of = dict(zip(data.dataset_names, stores, strict=True)) if several else {}
    for key, dataset in zip(data.keys, data.datasets, strict=True):
        store = store_of[dataset] if several else stores[0]
        attrs = store.entry_attrs(key.removeprefix(f"{dataset}/") if several else key)
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
