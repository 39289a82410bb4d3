"""Many fits at once: the folds (and seeds) of a protocol trained on one fit axis.

:func:`fit_stacked` trains several fits of the reference model together in one
:class:`~samm_pipeline.learn.stacked.StackedModel`, each exactly as
:func:`~samm_pipeline.learn.fit.fit_model` trains one: its own initial weights
(``build_model`` under its own seed), its own training set and batch order
(batch size from ``[train]``, reshuffled every epoch), its own Adam state, its
own ReduceLROnPlateau schedule, its own early stopping on its own validation
set with its best weights restored, and, without a validation set, exactly its
own number of epochs. A fit that has stopped takes no more steps; the fits of
one epoch step together, a fit whose epoch has fewer batches than another's
sitting out the steps it does not have.

The rules of the callbacks are Keras's (``EarlyStopping`` with
``min_delta = 0``; ``ReduceLROnPlateau`` with ``min_delta = 1e-4``, no
cooldown), so the history has the same columns as a Keras fit's: ``epoch``,
``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``val_uf1``,
``val_uar``, ``learning_rate``.

Memory per fit: the model, its Adam moments and its best weights (about 15 MB
at 478 landmarks) plus its training set (``n_samples x T x 3L x 4`` bytes);
pass fewer tasks per call to use less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.faults import checkpoint
from samm_pipeline.config import TrainConfig
from samm_pipeline.learn.evaluate import uf1_uar
from samm_pipeline.learn.fit import FitTask, class_weights, seeded
from samm_pipeline.learn.model import L2_FACTOR

KERAS_PLATEAU_MIN_DELTA = 1e-4
"""``ReduceLROnPlateau``'s default ``min_delta`` (EarlyStopping's is 0)."""

COMPACT_SHARE = 0.75
"""Rebuild the fit axis without the finished fits once the running ones are
this share of it or fewer (a rebuild costs a new graph trace, seconds)."""


@dataclass
class _Schedule:
    """One fit's callbacks: Keras's EarlyStopping and ReduceLROnPlateau rules."""

    learning_rate: float
    has_validation: bool
    config: TrainConfig
    plateau_best: float | None = None
    plateau_wait: int = 0
    stop_best: float = math.inf
    stop_wait: int = 0
    best_epoch: int | None = None
    stopped: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    best_weights: dict[str, NDArray] | None = None

    def end_epoch(self, epoch: int, logs: dict[str, float]) -> bool:
        """Apply the rules after ``epoch`` (0-based); True when the weights of
        this epoch are the best so far (to be kept)."""
        keep = False
        if self.has_validation:  # EarlyStopping(val_loss, patience, restore best)
            current = logs["val_loss"]
            if self.best_epoch is None:
                keep, self.best_epoch = True, epoch
            self.stop_wait += 1
            if current < self.stop_best:
                self.stop_best, self.best_epoch, keep = current, epoch, True
                self.stop_wait = 0
            elif self.stop_wait >= self.config.early_stopping_patience and epoch > 0:
                self.stopped = True
        logs["learning_rate"] = float(np.float32(self.learning_rate))
        current = logs["val_loss" if self.has_validation else "loss"]
        best = self.plateau_best
        if best is None or current + KERAS_PLATEAU_MIN_DELTA < best:
            self.plateau_best, self.plateau_wait = current, 0
        else:
            self.plateau_wait += 1
            if self.plateau_wait >= self.config.reduce_lr_patience:
                self.learning_rate *= self.config.reduce_lr_factor
                self.plateau_wait = 0
        self.history.append({"epoch": epoch + 1, **logs})
        return keep


def _class_weight_table(
    labels: NDArray[np.integer], n_classes: int
) -> NDArray[np.float32]:
    """:func:`~samm_pipeline.learn.fit.class_weights` as a per-class array
    (1 for absent classes)."""
    table = np.ones(n_classes, np.float32)
    for index, weight in class_weights(labels, n_classes).items():
        table[index] = weight
    return table


def fit_stacked(
    tasks: list[FitTask], n_classes: int, config: TrainConfig, *, dropout: bool = True
) -> list[tuple[Any, list[dict[str, Any]], int]]:
    """Train every task at once; return each fit as ``fit_model`` does.

    Parameters
    ----------
    tasks
        The fits (their sequences share one shape ``(T, F)``).
    n_classes
        Number of classes.
    config
        The ``[train]`` section (batch size, learning rate, patience, factor,
        class weighting).
    dropout
        Apply the model's dropout layers, each fit with masks from its own
        generator (off only to compare with Keras step by step).

    Returns
    -------
    list
        Per task, in order: ``(model, history, best_epoch)`` with ``model`` a
        ``build_model`` Keras model holding the fit's final (or best) weights.
    """
    from samm_pipeline.learn.model import build_model
    from samm_pipeline.learn.stacked import StackedModel, write_keras

    if not tasks:
        return []
    shape = tasks[0].train_x.shape[1:]
    models = []
    for task in tasks:
        with seeded(task.seed):
            models.append(
                build_model(shape, n_classes, learning_rate=config.learning_rate)
            )
    stacked = StackedModel.from_keras(models)
    schedules = [
        _Schedule(config.learning_rate, task.has_validation, config) for task in tasks
    ]
    on_axis = list(range(len(tasks)))  # task index of each row of `stacked`
    last: dict[int, dict[str, NDArray]] = {}  # final weights of fits taken off
    batch = config.batch_size
    rngs = [np.random.default_rng([task.seed, 7]) for task in tasks]
    drop_rngs = [np.random.default_rng([task.seed, 11]) for task in tasks]
    weights_of_class = [
        _class_weight_table(task.train_y, n_classes)
        if config.class_weight == "balanced"
        else np.ones(n_classes, np.float32)
        for task in tasks
    ]
    for epoch in range(max(task.epochs for task in tasks)):
        running = [
            k
            for k, task in enumerate(tasks)
            if epoch < task.epochs and not schedules[k].stopped
        ]
        if not running:
            break
        if len(running) <= COMPACT_SHARE * len(on_axis):
            # Finished fits leave the axis: every step streams every fit on it.
            current = stacked.get_weights()
            for row, k in enumerate(on_axis):
                if k not in running:
                    last[k] = {name: value[row] for name, value in current.items()}
            stacked = stacked.subset([on_axis.index(k) for k in running])
            on_axis = running
        row_of = {k: on_axis.index(k) for k in running}
        stacked.learning_rates.assign(
            np.array([schedules[k].learning_rate for k in on_axis], np.float32)
        )
        _train_epoch(
            stacked, tasks, running, row_of, (rngs, drop_rngs if dropout else None),
            weights_of_class, batch, epoch, schedules, n_classes,
        )  # fmt: skip
        checkpoint("train.epoch")  # a crash point for the fault-injection tests
    current = stacked.get_weights()
    for row, k in enumerate(on_axis):
        last[k] = {name: value[row] for name, value in current.items()}
    results = []
    for k, task in enumerate(tasks):
        # EarlyStopping restores the best weights; a fixed run keeps its last.
        chosen = schedules[k].best_weights if task.has_validation else None
        model = write_keras(chosen or last[k], models[k])
        history = schedules[k].history
        for row in history:
            row["fold"] = task.name
        if task.has_validation and history:
            best_epoch = int(np.argmin([row["val_loss"] for row in history])) + 1
        else:
            best_epoch = len(history)
        results.append((model, history, best_epoch))
    return results


def _train_epoch(
    stacked: Any,
    tasks: list[FitTask],
    running: list[int],
    row_of: dict[int, int],
    generators: tuple[list[np.random.Generator], list[np.random.Generator] | None],
    weights_of_class: list[NDArray[np.float32]],
    batch: int,
    epoch: int,
    schedules: list[_Schedule],
    n_classes: int,
) -> None:
    """One epoch of every running fit, then its validation and callbacks.

    ``generators``: per fit, the batch-order generator and the dropout one
    (``None``: no dropout)."""
    from samm_pipeline.learn.stacked import dropout_masks

    rngs, drop_rngs = generators
    n_rows = stacked.n_fits
    shape = tasks[running[0]].train_x.shape[1:]
    orders = {k: rngs[k].permutation(len(tasks[k].train_x)) for k in running}
    n_steps = max(math.ceil(len(orders[k]) / batch) for k in running)
    loss_sum, correct, seen, weighed = (np.zeros(n_rows) for _ in range(4))
    for step in range(n_steps):
        x = np.zeros((n_rows, batch, *shape), np.float32)
        y = np.zeros((n_rows, batch), np.int64)
        sample_weights = np.zeros((n_rows, batch), np.float32)
        active = np.zeros(n_rows, bool)
        masks = (
            (np.ones((n_rows, batch, shape[0], 64), np.float32),
             np.ones((n_rows, batch, 64), np.float32))
            if drop_rngs is not None
            else None
        )  # fmt: skip
        for k in running:
            chosen = orders[k][step * batch : (step + 1) * batch]
            if not len(chosen):
                continue
            row, size = row_of[k], len(chosen)
            active[row] = True
            x[row, :size] = tasks[k].train_x[chosen]
            y[row, :size] = tasks[k].train_y[chosen]
            sample_weights[row, :size] = weights_of_class[k][y[row, :size]]
            if masks is not None:
                masks[0][row], masks[1][row] = dropout_masks(
                    drop_rngs[k], batch, shape[0]
                )
        losses, hits = stacked.train_step(
            x,
            y,
            sample_weights,
            active,
            masks,
        )
        size = (sample_weights > 0).sum(axis=1)
        loss_sum += np.where(active, losses * size, 0.0)
        seen += np.where(active, size, 0)
        correct += np.where(active, hits, 0.0)
        weighed += np.where(active, sample_weights.sum(axis=1), 0.0)
    validation = _validate(stacked, tasks, running, row_of, n_classes)
    for k in running:
        row = row_of[k]
        logs = {
            "loss": float(loss_sum[row] / max(seen[row], 1)),
            "accuracy": float(correct[row] / max(weighed[row], 1e-12)),
            **validation.get(k, {}),
        }
        if schedules[k].end_epoch(epoch, logs):
            schedules[k].best_weights = {
                name: value[0] for name, value in stacked.get_weights([row]).items()
            }


def _validate(
    stacked: Any,
    tasks: list[FitTask],
    running: list[int],
    row_of: dict[int, int],
    n_classes: int,
) -> dict[int, dict[str, float]]:
    """Validation loss (with the L2 term), accuracy, UF1 and UAR per fit."""
    watched = [k for k in running if tasks[k].has_validation]
    if not watched:
        return {}
    longest = max(len(tasks[k].val_x) for k in watched)
    shape = tasks[watched[0]].val_x.shape[1:]
    x = np.zeros((stacked.n_fits, longest, *shape), np.float32)
    for k in watched:
        x[row_of[k], : len(tasks[k].val_x)] = tasks[k].val_x
    probabilities = stacked.predict(x)
    dense = stacked.variables["dense_kernel"].numpy()
    out = {}
    for k in watched:
        row, labels = row_of[k], tasks[k].val_y
        p = probabilities[row, : len(labels)]
        picked = np.clip(p[np.arange(len(labels)), labels], 1e-7, 1.0)
        predicted = p.argmax(axis=1)
        uf1, uar = uf1_uar(labels, predicted, n_classes)
        penalty = L2_FACTOR * np.sum(dense[row] ** 2)
        out[k] = {
            "val_loss": float(-np.log(picked).mean() + penalty),
            "val_accuracy": float((predicted == labels).mean()),
            "val_uf1": uf1,
            "val_uar": uar,
        }
    return out
