"""Model fitting: one split, hold-out and leave-one-subject-out runs.

:func:`fit_model` fits the fusion model on one training set, with per-epoch
UF1/UAR on a validation set logged into the history, EarlyStopping (patience
5, best weights restored) and ReduceLROnPlateau (0.5, 3) on that validation
set, exactly as the reference; without a validation set it trains a fixed
number of epochs. :func:`run_fold` does a whole fold (augment the training
indices only, fit, predict the test indices) and can run in a worker
process. :func:`run_protocol` runs hold-out or LOSO and pools the
predictions; :mod:`samm_pipeline.learn.pipeline` writes the artifacts.

TensorFlow and Keras are imported inside the functions.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.faults import checkpoint
from samm_pipeline._support.parallel import (
    Task,
    dask_client,
    run_tasks,
    threads_per_task,
)
from samm_pipeline._support.tensorflow import configure_tensorflow
from samm_pipeline.config import AugmentConfig, EvaluateConfig, TrainConfig
from samm_pipeline.errors import DataError
from samm_pipeline.learn.augment import augment_training_set
from samm_pipeline.learn.evaluate import uf1_uar
from samm_pipeline.prepare.labels import LabelledClips, holdout_split, loso_folds

logger = logging.getLogger(__name__)


def set_seeds(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed``)."""
    import keras

    keras.utils.set_random_seed(seed)


class _PerThreadRandom:
    """Stands in for the :mod:`random` module inside Keras's seed generator.

    A thread inside :func:`seeded` draws from its own ``random.Random``;
    any other thread from the global :mod:`random`, as before.
    """

    def __init__(self) -> None:
        self.local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(self.local, "rng", None) or random, name)


_KERAS_RANDOM = _PerThreadRandom()


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed everything, and give Keras a private Python RNG for the duration.

    Notes
    -----
    Keras draws the seed of every layer initialiser and dropout layer that
    has none from Python's global :mod:`random`, when the layer is made.
    Other threads may draw from it too: in a Dask worker, tornado's jittered
    periodic callbacks do, so two runs of one fold with the same seed built
    different initial weights (probabilities apart by up to 0.45 in the
    tests). Inside this context Keras draws, in this thread only, from
    ``random.Random(seed)``, which yields exactly what the global one would
    after ``random.seed(seed)`` with no other thread around, so results do
    not change where nothing raced before.
    """
    set_seeds(seed)
    try:
        from keras.src.random import seed_generator
    except ImportError:  # another Keras layout: keep the global RNG
        yield
        return
    seed_generator.python_random = _KERAS_RANDOM
    saved = getattr(_KERAS_RANDOM.local, "rng", None)
    _KERAS_RANDOM.local.rng = random.Random(seed)
    try:
        yield
    finally:
        _KERAS_RANDOM.local.rng = saved


def _class_weights(labels: NDArray[np.integer], n_classes: int) -> dict[int, float]:
    """Balanced weights ``n / (k * count)`` for the classes present."""
    counts = np.bincount(labels, minlength=n_classes)
    present = counts > 0
    total, n_present = counts.sum(), present.sum()
    return {
        int(index): float(total / (n_present * counts[index]))
        for index in np.flatnonzero(present)
    }


def _validation_metrics_callback(
    val_x: NDArray[np.float32], val_y: NDArray[np.int64], n_classes: int
) -> Any:
    """A Keras callback adding ``val_uf1`` and ``val_uar`` to each epoch's logs."""
    import keras

    class ValidationMetrics(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            probabilities = self.model(val_x, training=False)
            predicted = np.asarray(probabilities).argmax(axis=1)
            uf1, uar = uf1_uar(val_y, predicted, n_classes)
            if logs is not None:
                logs["val_uf1"] = uf1
                logs["val_uar"] = uar

    return ValidationMetrics()


def fit_model(
    train_x: NDArray[np.float32],
    train_y: NDArray[np.int64],
    n_classes: int,
    config: TrainConfig,
    *,
    val_x: NDArray[np.float32] | None = None,
    val_y: NDArray[np.int64] | None = None,
    epochs: int | None = None,
    seed: int = 0,
) -> tuple[Any, list[dict[str, float]], int]:
    """Fit a fresh fusion model.

    With a validation set: up to ``epochs`` (default ``config.epochs``) with
    EarlyStopping and ReduceLROnPlateau on ``val_loss``, best weights
    restored, UF1/UAR per epoch in the history. Without one: exactly
    ``epochs`` epochs (ReduceLROnPlateau on the training loss).

    Returns
    -------
    model, history, best_epoch
        The fitted Keras model; one dict per epoch; the 1-based epoch whose
        weights the model holds.
    """
    with seeded(seed):
        return _fit(
            train_x, train_y, n_classes, config,
            val_x=val_x, val_y=val_y, epochs=epochs,
        )  # fmt: skip


def _fit(
    train_x: NDArray[np.float32],
    train_y: NDArray[np.int64],
    n_classes: int,
    config: TrainConfig,
    *,
    val_x: NDArray[np.float32] | None,
    val_y: NDArray[np.int64] | None,
    epochs: int | None,
) -> tuple[Any, list[dict[str, float]], int]:
    """The body of :func:`fit_model`, inside its seeded context."""
    import keras

    from samm_pipeline.learn.model import build_model

    model = build_model(
        train_x.shape[1:], n_classes, learning_rate=config.learning_rate
    )
    n_epochs = epochs or config.epochs
    has_validation = val_x is not None and val_y is not None and len(val_x) > 0
    monitor = "val_loss" if has_validation else "loss"
    callbacks: list[Any] = []
    if has_validation:
        callbacks.append(_validation_metrics_callback(val_x, val_y, n_classes))
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor,
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            )
        )
    callbacks.append(
        keras.callbacks.ReduceLROnPlateau(
            monitor=monitor,
            factor=config.reduce_lr_factor,
            patience=config.reduce_lr_patience,
        )
    )
    # A crash point for the fault-injection tests (a no-op otherwise).
    callbacks.append(
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: checkpoint("train.epoch")
        )
    )
    fitted = model.fit(
        train_x,
        train_y,
        epochs=n_epochs,
        batch_size=config.batch_size,
        validation_data=(val_x, val_y) if has_validation else None,
        class_weight=_class_weights(train_y, n_classes)
        if config.class_weight == "balanced"
        else None,
        callbacks=callbacks,
        shuffle=True,
        verbose=0,
    )
    history = [
        {
            "epoch": index + 1,
            **{name: float(values[index]) for name, values in fitted.history.items()},
        }
        for index in range(len(fitted.history["loss"]))
    ]
    if has_validation and history:
        losses = [row["val_loss"] for row in history]
        best_epoch = int(np.argmin(losses)) + 1
    else:
        best_epoch = len(history)
    return model, history, best_epoch


@dataclass
class FoldResult:
    """What one fold returns (picklable: no model inside)."""

    name: str
    test_indices: NDArray[np.intp]
    probabilities: NDArray[np.float32]
    history: list[dict[str, float]]
    best_epoch: int
    n_train_samples: int
    seconds: float
    model: Any = field(default=None, repr=False)


def run_fold(
    name: str,
    data: LabelledClips,
    train_indices: NDArray[np.intp],
    test_indices: NDArray[np.intp],
    *,
    train: TrainConfig,
    augment: AugmentConfig,
    evaluate: EvaluateConfig,
    seed: int,
    validation: str,
    keep_model: bool = False,
    threads: int | None = None,
) -> FoldResult:
    """Train on ``train_indices`` (augmented) and predict ``test_indices``.

    Parameters
    ----------
    validation
        What early stopping watches: ``"inner"``, a grouped, stratified part
        of the *training* subjects (LOSO: the test subject never chooses an
        epoch); ``"test"``, the test indices themselves (the hold-out
        protocol, as the reference and DESIGN section 7 define it); or
        ``"none"``: train exactly ``evaluate.loso_epochs`` epochs.
    keep_model
        Return the fitted model too (not across processes).
    threads
        TensorFlow threads for this process (parallel folds).
    """
    start = time.perf_counter()
    configure_tensorflow(threads)
    n_classes = len(data.classes)
    rng = np.random.default_rng([seed, len(train_indices), len(test_indices)])
    fit_indices, val_indices = train_indices, np.array([], dtype=np.intp)
    if validation == "test":
        val_indices = np.asarray(test_indices)
    elif validation == "inner":
        groups = [data.groups[i] for i in train_indices]
        inner_train, inner_val = holdout_split(
            data.labels[train_indices],
            groups,
            test_fraction=evaluate.test_fraction,
            seed=seed,
        )
        fit_indices, val_indices = train_indices[inner_train], train_indices[inner_val]
    augmented = augment_training_set(
        data.sequences[fit_indices], data.labels[fit_indices], augment, rng
    )
    model, history, best_epoch = fit_model(
        augmented.sequences,
        augmented.labels,
        n_classes,
        train,
        val_x=data.sequences[val_indices] if len(val_indices) else None,
        val_y=data.labels[val_indices] if len(val_indices) else None,
        epochs=None if validation != "none" else evaluate.loso_epochs,
        seed=seed,
    )
    probabilities = (
        np.asarray(model(data.sequences[test_indices], training=False), np.float32)
        if len(test_indices)
        else np.zeros((0, n_classes), np.float32)
    )
    for row in history:
        row["fold"] = name  # type: ignore[assignment]
    return FoldResult(
        name=name,
        test_indices=np.asarray(test_indices),
        probabilities=probabilities,
        history=history,
        best_epoch=best_epoch,
        n_train_samples=len(augmented.sequences),
        seconds=time.perf_counter() - start,
        model=model if keep_model else None,
    )


@dataclass
class ProtocolResult:
    """Pooled predictions of a protocol and the final model."""

    protocol: str
    folds: list[FoldResult]
    fold_of: NDArray[np.object_]
    probabilities: NDArray[np.float32]
    evaluated: NDArray[np.bool_]
    final: FoldResult
    seconds: float


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
    if protocol == "loso":
        if data.n_subjects == 0:
            raise DataError(
                "--protocol loso needs subjects, but no clip in the store has one; "
                "set [extract] subject_pattern or annotations and re-extract, "
                "or use --protocol holdout"
            )
        needed = 3 if evaluate.loso_selection == "inner" else 2
        if data.n_subjects < needed:
            raise DataError(
                f"--protocol loso with loso_selection = "
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
) -> ProtocolResult:
    """Run hold-out or LOSO on labelled data; refit the final model for LOSO.

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
        folds_spec = loso_folds(data.subjects, data.keys)
        validation = "inner" if evaluate.loso_selection == "inner" else "none"
        folds = _run_folds(
            data, folds_spec, validation=validation, jobs=jobs, progress=progress,
            **common,
        )  # fmt: skip
        configure_tensorflow()
        final = run_fold(
            "final",
            data,
            np.arange(n_clips),
            np.array([], dtype=np.intp),
            seed=seed,
            validation=validation,
            keep_model=True,
            **common,
        )
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
        seconds=time.perf_counter() - start,
    )


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
            client, threads = None, None
            if backend == "dask":
                client = stack.enter_context(dask_client(evaluate.scheduler, jobs))
                threads = threads_per_task(client)
            elif jobs > 1 and backend == "loky":
                threads = max(1, (os.cpu_count() or 1) // jobs)
            else:
                # In this process (one fold at a time, or threading): its one
                # TensorFlow pool is shared by every fold, so leave it whole.
                configure_tensorflow()
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
