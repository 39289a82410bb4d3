"""Model fitting: one split, one fold, reproducibly seeded.

:func:`fit_model` fits the fusion model on one training set, with per-epoch
UF1/UAR on a validation set logged into the history, EarlyStopping (patience
5, best weights restored) and ReduceLROnPlateau (0.5, 3) on that validation
set, exactly as the reference; without a validation set it trains a fixed
number of epochs. :func:`run_fold` does a whole fold (augment the training
indices only, fit, predict the test indices) and can run in a worker
process; :mod:`samm_pipeline.learn.protocol` arranges the folds.

TensorFlow and Keras are imported inside the functions.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.faults import checkpoint
from samm_pipeline._support.tensorflow import configure_tensorflow
from samm_pipeline.config import AugmentConfig, EvaluateConfig, TrainConfig
from samm_pipeline.learn.augment import augment_training_set
from samm_pipeline.learn.evaluate import uf1_uar
from samm_pipeline.prepare.labels import LabelledClips, holdout_split

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


def class_weights(labels: NDArray[np.integer], n_classes: int) -> dict[int, float]:
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
        class_weight=class_weights(train_y, n_classes)
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


@dataclass(frozen=True)
class FitTask:
    """One fit: its data, epochs and seed.

    Attributes
    ----------
    name
        The fold's name (kept in the history).
    train_x, train_y
        ``(n, T, F)`` float32 sequences and ``(n,)`` labels (augmented).
    val_x, val_y
        The validation set early stopping watches, or ``None`` for a fixed
        number of epochs.
    epochs
        The most epochs (exactly this many without a validation set).
    seed
        Seeds the initial weights, the batch order and the dropout masks.
    """

    name: str
    train_x: NDArray[np.float32]
    train_y: NDArray[np.int64]
    val_x: NDArray[np.float32] | None
    val_y: NDArray[np.int64] | None
    epochs: int
    seed: int

    @property
    def has_validation(self) -> bool:
        """Whether early stopping watches a validation set."""
        return self.val_x is not None and self.val_y is not None and len(self.val_x) > 0


def fold_task(
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
) -> FitTask:
    """What one fold fits on: its augmented training set and validation set.

    ``validation`` is as in :func:`run_fold`; the augmentation draws from a
    generator seeded by the fold's seed and sizes, so a fold gets the same
    data whichever engine fits it.
    """
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
    return FitTask(
        name=name,
        train_x=augmented.sequences,
        train_y=augmented.labels,
        val_x=data.sequences[val_indices] if len(val_indices) else None,
        val_y=data.labels[val_indices] if len(val_indices) else None,
        epochs=evaluate.loso_epochs if validation == "none" else train.epochs,
        seed=seed,
    )


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
        protocol, as the reference and the MEGC protocol define it); or
        ``"none"``: train exactly ``evaluate.loso_epochs`` epochs.
    keep_model
        Return the fitted model too (not across processes).
    threads
        TensorFlow threads for this process (parallel folds).
    """
    start = time.perf_counter()
    configure_tensorflow(threads)
    n_classes = len(data.classes)
    task = fold_task(
        name, data, train_indices, test_indices,
        train=train, augment=augment, evaluate=evaluate,
        seed=seed, validation=validation,
    )  # fmt: skip
    model, history, best_epoch = fit_model(
        task.train_x,
        task.train_y,
        n_classes,
        train,
        val_x=task.val_x,
        val_y=task.val_y,
        epochs=task.epochs,
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
        n_train_samples=len(task.train_x),
        seconds=time.perf_counter() - start,
        model=model if keep_model else None,
    )
