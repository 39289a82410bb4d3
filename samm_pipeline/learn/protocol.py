"""Evaluation protocols: hold-out and leave-one-subject-out, with pooled predictions.

:func:`run_protocol` checks the data can run the protocol, runs its folds
(:func:`~samm_pipeline.learn.fit.run_fold`; LOSO folds in parallel on the
configured engine), pools the test predictions of every fold and refits the
final model; :mod:`samm_pipeline.learn.pipeline` evaluates and writes the run.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.parallel import (
    Task,
    dask_client,
    run_tasks,
    threads_per_task,
)
from samm_pipeline._support.tensorflow import configure_tensorflow
from samm_pipeline.config import AugmentConfig, EvaluateConfig, TrainConfig
from samm_pipeline.errors import DataError
from samm_pipeline.learn.fit import FoldResult, fold_task, run_fold
from samm_pipeline.prepare.labels import (
    LabelledClips,
    dataset_folds,
    holdout_split,
    loso_folds,
)

logger = logging.getLogger(__name__)


@dataclass
class ProtocolResult:
    """Pooled predictions of a protocol and the final model."""

    protocol: str
    folds: list[FoldResult]
    fold_of: NDArray[np.object_]
    probabilities: NDArray[np.float32]
    evaluated: NDArray[np.bool_]
    final: FoldResult | None
    seconds: float
    seed: int = 0


def check_trainable(
    data: LabelledClips, protocol: str, evaluate: EvaluateConfig
) -> None:
    """Refuse data a protocol cannot run on, with one-line reasons."""
    counts = np.bincount(data.labels, minlength=len(data.classes))
    if len(data.classes) < 2:
        raise DataError(
            f"only one class ({data.classes[0]!r}) has clips; training needs at "
            "least 2 (check [train] classes and labels, or the store)"
        )
    lonely = [
        name for name, count in zip(data.classes, counts, strict=True) if count < 2
    ]
    if lonely:
        raise DataError(
            f"class(es) {lonely} have a single clip; need at least 2 per class: "
            "drop them with [train] classes or add clips"
        )
    if protocol == "lodo":
        dataset_folds(data.datasets)  # raises unless there are 2 datasets or more
        if data.n_subjects < 2 and evaluate.loso_selection == "inner":
            raise DataError(
                "--protocol lodo chooses epochs on an inner split of the training "
                "subjects, but the data has fewer than 2 subjects; set "
                "[evaluate] loso_selection = 'fixed'"
            )
    elif protocol in ("loso", "megc"):
        if data.n_subjects == 0:
            raise DataError(
                f"--protocol {protocol} needs subjects, but no clip in the store "
                "has one; "
                "set [extract] subject_pattern or annotations and re-extract, "
                "or use --protocol holdout"
            )
        needed = 3 if evaluate.loso_selection == "inner" else 2
        if data.n_subjects < needed:
            raise DataError(
                f"--protocol {protocol} with loso_selection = "
                f"{evaluate.loso_selection!r} needs at least {needed} subjects; "
                f"the data has {data.n_subjects}"
            )
    elif len(set(data.groups)) < 2:
        raise DataError(
            "a hold-out split needs clips of at least 2 subjects (or clips "
            "without subjects); found 1"
        )


def run_protocol(
    data: LabelledClips,
    *,
    protocol: str,
    train: TrainConfig,
    augment: AugmentConfig,
    evaluate: EvaluateConfig,
    jobs: int = 1,
    progress: bool = True,
    refit: bool = True,
) -> ProtocolResult:
    """Run hold-out or LOSO on labelled data; refit the final model for LOSO.

    With ``refit`` false a LOSO run skips the final refit (``final`` is
    ``None``): the other seeds of :func:`run_seeds` need only their folds.

    Hold-out: one grouped, stratified split; early stopping on it; the final
    model is that fit. LOSO: one fold per subject, epochs chosen on an inner
    split of the training subjects (``loso_selection = "inner"``) or fixed
    (``"fixed"``); predictions pooled; then the final model is refit on all
    subjects with the same procedure. Folds run in parallel with ``jobs``
    on ``evaluate.backend`` (loky, threading, or Dask at ``evaluate.scheduler``);
    with the same seed, loky and Dask give exactly the predictions of folds
    run in this process (threads share TensorFlow's global seed and do not).
    """
    start = time.perf_counter()
    check_trainable(data, protocol, evaluate)
    n_clips = len(data.labels)
    seed = train.seed
    common = {"train": train, "augment": augment, "evaluate": evaluate}
    if protocol == "holdout":
        train_idx, test_idx = holdout_split(
            data.labels, data.groups, test_fraction=evaluate.test_fraction, seed=seed
        )
        configure_tensorflow()
        fold = run_fold(
            "holdout", data, train_idx, test_idx, seed=seed, validation="test",
            keep_model=True, **common,
        )  # fmt: skip
        folds, final = [fold], fold
    else:
        folds_spec = protocol_folds(data, protocol)
        validation = "inner" if evaluate.loso_selection == "inner" else "none"
        if train.engine == "stacked":
            ((folds, final),) = _run_stacked(
                data, folds_spec, [seed], validation=validation, progress=progress,
                jobs=jobs, **common,
            )  # fmt: skip
        else:
            folds = _run_folds(
                data, folds_spec, validation=validation, jobs=jobs,
                progress=progress, **common,
            )  # fmt: skip
            configure_tensorflow()
            final = (
                run_fold(
                    "final",
                    data,
                    np.arange(n_clips),
                    np.array([], dtype=np.intp),
                    seed=seed,
                    validation=validation,
                    keep_model=True,
                    **common,
                )
                if refit
                else None
            )
    return _pooled(data, protocol, folds, final, seed, time.perf_counter() - start)


def protocol_folds(
    data: LabelledClips, protocol: str
) -> list[tuple[str, NDArray[np.intp], NDArray[np.intp]]]:
    """The folds of a cross-validation protocol: one per subject (``loso``,
    ``megc``: every subject of every dataset) or per dataset (``lodo``)."""
    if protocol == "lodo":
        return dataset_folds(data.datasets)
    return loso_folds(data.subjects, data.keys)


def _pooled(
    data: LabelledClips,
    protocol: str,
    folds: list[FoldResult],
    final: FoldResult | None,
    seed: int,
    seconds: float,
) -> ProtocolResult:
    """Every fold's test predictions in one array per clip."""
    n_clips = len(data.labels)
    fold_of = np.full(n_clips, "", dtype=object)
    probabilities = np.zeros((n_clips, len(data.classes)), np.float32)
    evaluated = np.zeros(n_clips, bool)
    for fold in folds:
        fold_of[fold.test_indices] = fold.name
        probabilities[fold.test_indices] = fold.probabilities
        evaluated[fold.test_indices] = True
    return ProtocolResult(
        protocol=protocol,
        folds=folds,
        fold_of=fold_of,
        probabilities=probabilities,
        evaluated=evaluated,
        final=final,
        seconds=seconds,
        seed=seed,
    )


SEED_STRIDE = 1000
"""Seeds of repeated runs are ``seed, seed + 1000, ...``: each fold adds its
index to its run's seed, so runs with nearby seeds would share folds' seeds."""


def run_seeds(
    data: LabelledClips,
    *,
    protocol: str,
    train: TrainConfig,
    augment: AugmentConfig,
    evaluate: EvaluateConfig,
    jobs: int = 1,
    progress: bool = True,
) -> list[ProtocolResult]:
    """The protocol once per seed (``[train] seeds`` runs); the first refits.

    The runs' seeds are ``train.seed + 1000 * i``. On the stacked engine the
    LOSO folds of every seed train together, in chunks of ``fits_per_chunk``;
    otherwise the runs follow one another. Only the first run refits the
    final model (the saved one).
    """
    seeds = [train.seed + SEED_STRIDE * index for index in range(train.seeds)]
    common = {"augment": augment, "evaluate": evaluate}
    if protocol != "holdout" and train.engine == "stacked" and len(seeds) > 1:
        start = time.perf_counter()
        check_trainable(data, protocol, evaluate)
        validation = "inner" if evaluate.loso_selection == "inner" else "none"
        runs = _run_stacked(
            data, protocol_folds(data, protocol), seeds,
            validation=validation, progress=progress, train=train, jobs=jobs,
            **common,
        )  # fmt: skip
        seconds = (time.perf_counter() - start) / len(seeds)
        return [
            _pooled(data, protocol, folds, final, seed, seconds)
            for seed, (folds, final) in zip(seeds, runs, strict=True)
        ]
    return [
        run_protocol(
            data,
            protocol=protocol,
            train=dataclasses.replace(train, seed=seed),
            jobs=jobs,
            progress=progress,
            refit=index == 0,
            **common,
        )
        for index, seed in enumerate(seeds)
    ]


def _engine(
    stack: ExitStack, evaluate: EvaluateConfig, jobs: int
) -> tuple[Any, int | None]:
    """The Dask client (or ``None``) and the TensorFlow threads per task.

    Each task's TensorFlow gets the cores of its host divided by the tasks
    running there; in this process (one task at a time, or threading) its one
    TensorFlow pool is shared by every task, so it is left whole.
    """
    if evaluate.backend == "dask":
        client = stack.enter_context(dask_client(evaluate.scheduler, jobs))
        return client, threads_per_task(client)
    if jobs > 1 and evaluate.backend == "loky":
        return None, max(1, (os.cpu_count() or 1) // jobs)
    configure_tensorflow()
    return None, None


def _run_folds(
    data: LabelledClips,
    folds_spec: list[tuple[str, NDArray[np.intp], NDArray[np.intp]]],
    *,
    validation: str,
    jobs: int,
    progress: bool,
    train: TrainConfig,
    augment: AugmentConfig,
    evaluate: EvaluateConfig,
) -> list[FoldResult]:
    """LOSO folds, in this process or on ``evaluate.backend``'s workers.

    ``jobs`` folds run at once (loky, threading, or a local Dask cluster of
    ``jobs`` workers; a Dask scheduler address brings its own workers). Each
    fold's TensorFlow gets the cores of its host divided by the folds running
    there. A fold lost with its worker process is run again.
    """
    from tqdm.auto import tqdm

    seeds = [train.seed + index for index in range(len(folds_spec))]
    common = {"train": train, "augment": augment, "evaluate": evaluate}
    bar = tqdm(total=len(folds_spec), unit="fold", desc="LOSO", disable=not progress)
    results: list[FoldResult] = []
    backend = evaluate.backend
    try:
        with ExitStack() as stack:
            client, threads = _engine(stack, evaluate, jobs)
            tasks = [
                Task(
                    name,
                    run_fold,
                    (name, data, train_idx, test_idx),
                    {
                        "seed": seed,
                        "validation": validation,
                        "threads": threads,
                        **common,
                    },
                )
                for (name, train_idx, test_idx), seed in zip(
                    folds_spec, seeds, strict=True
                )
            ]
            for _, result in run_tasks(
                tasks, backend=backend, jobs=jobs, client=client, what="fold"
            ):
                results.append(result)
                bar.update(1)
    finally:
        bar.close()
    order = {name: index for index, (name, _, _) in enumerate(folds_spec)}
    return sorted(results, key=lambda result: order[result.name])


def _run_stacked(
    data: LabelledClips,
    folds_spec: list[tuple[str, NDArray[np.intp], NDArray[np.intp]]],
    seeds: list[int],
    *,
    validation: str,
    progress: bool,
    train: TrainConfig,
    augment: AugmentConfig,
    evaluate: EvaluateConfig,
    jobs: int = 1,
) -> list[tuple[list[FoldResult], FoldResult | None]]:
    """LOSO folds of every seed, and the first seed's final refit, on one fit
    axis, ``fits_per_chunk`` at once.

    Each fold gets exactly the data, seed and validation of the one-at-a-time
    path (:func:`~samm_pipeline.learn.fit.fold_task`), and its seed is its
    run's seed plus its index, as there. Chunks are tasks: in this process
    (``jobs`` 1), on ``jobs`` loky or thread workers, or on a Dask cluster
    (``evaluate.backend``), each worker training its chunk on its own fit
    axis; the final model comes back as weights.
    """
    from tqdm.auto import tqdm

    n_clips = len(data.labels)
    specs = [
        (run, name, train_idx, test_idx, seed + index)
        for run, seed in enumerate(seeds)
        for index, (name, train_idx, test_idx) in enumerate(folds_spec)
    ]
    specs.append((0, "final", np.arange(n_clips), np.array([], np.intp), seeds[0]))
    chunks = [
        specs[first : first + train.fits_per_chunk]
        for first in range(0, len(specs), train.fits_per_chunk)
    ]
    common = {
        "validation": validation, "train": train, "augment": augment,
        "evaluate": evaluate,
    }  # fmt: skip
    results: dict[tuple[int, str], FoldResult] = {}
    backend = evaluate.backend
    with ExitStack() as stack:
        bar = stack.enter_context(
            tqdm(total=len(specs), unit="fit", desc="LOSO (stacked)",
                 disable=not progress)
        )  # fmt: skip
        client, threads = _engine(stack, evaluate, jobs)
        tasks = [
            Task(f"chunk {index}", fit_chunk, (data, chunk),
                 {**common, "threads": threads})
            for index, chunk in enumerate(chunks)
        ]  # fmt: skip
        for _, fitted in run_tasks(
            tasks, backend=backend, jobs=jobs, client=client, what="chunk of fits"
        ):
            for run, result in fitted:
                results[run, result.name] = result
            bar.update(len(fitted))
    final = results.get((0, "final"))
    if final is not None and final.model is not None:  # weights -> a Keras model
        final.model = _keras_model(final.model, data, train)
    return [
        (
            [results[run, name] for name, _, _ in folds_spec],
            results.get((run, "final")),
        )
        for run in range(len(seeds))
    ]


def fit_chunk(
    data: LabelledClips,
    chunk: list[tuple[int, str, NDArray[np.intp], NDArray[np.intp], int]],
    *,
    validation: str,
    train: TrainConfig,
    augment: AugmentConfig,
    evaluate: EvaluateConfig,
    threads: int | None = None,
) -> list[tuple[int, FoldResult]]:
    """Train one chunk of fits together (a worker task); predict their tests.

    ``chunk`` holds ``(run, fold name, train indices, test indices, seed)``.
    Returns ``(run, FoldResult)`` per fit; the final refit's ``model`` is its
    weights (arrays travel between processes, Keras models do not).
    """
    from samm_pipeline.learn.fit_stacked import fit_stacked
    from samm_pipeline.learn.stacked import keras_weights

    start = time.perf_counter()
    configure_tensorflow(threads)
    n_classes = len(data.classes)
    tasks = [
        fold_task(
            name,
            data,
            train_idx,
            test_idx,
            seed=seed,
            validation=validation,
            train=train,
            augment=augment,
            evaluate=evaluate,
        )
        for _, name, train_idx, test_idx, seed in chunk
    ]
    fitted = fit_stacked(tasks, n_classes, train)
    seconds = (time.perf_counter() - start) / len(chunk)
    out = []
    for (run, name, _, test_idx, _), task, (model, history, best) in zip(
        chunk, tasks, fitted, strict=True
    ):
        probabilities = (
            np.asarray(model(data.sequences[test_idx], training=False), np.float32)
            if len(test_idx)
            else np.zeros((0, n_classes), np.float32)
        )
        result = FoldResult(
            name=name,
            test_indices=np.asarray(test_idx),
            probabilities=probabilities,
            history=history,
            best_epoch=best,
            n_train_samples=len(task.train_x),
            seconds=seconds,
            model=keras_weights(model) if name == "final" else None,
        )
        out.append((run, result))
    return out


def _keras_model(weights: dict[str, NDArray], data: LabelledClips, train: TrainConfig):
    """A ``build_model`` model holding ``weights`` (the final refit's)."""
    from samm_pipeline.learn.model import build_model
    from samm_pipeline.learn.stacked import write_keras

    model = build_model(
        data.sequences.shape[1:], len(data.classes), learning_rate=train.learning_rate
    )
    return write_keras(weights, model)
