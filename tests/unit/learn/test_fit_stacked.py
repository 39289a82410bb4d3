"""Many fits at once keep Keras's rules: early stopping, learning-rate plateaus."""

from __future__ import annotations

import numpy as np
import pytest

from samm_pipeline.config import TrainConfig
from samm_pipeline.learn.fit_stacked import _Schedule

LOSS_CURVES = [
    [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 0.5],  # stops at epoch 7
    [1.0, 0.99995, 0.99992, 0.9999, 0.99989, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85],
    [0.5, 0.4, 0.3, 0.2, 0.1, 0.05],  # always improving
    [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3],  # flat
]


def _keras_reference(losses, config, has_validation):
    """Epoch losses through Keras's own callbacks on a tiny model."""
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
    monitor = "val_loss" if has_validation else "loss"
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(
            monitor=monitor,
            factor=config.reduce_lr_factor,
            patience=config.reduce_lr_patience,
        )
    ]
    if has_validation:
        callbacks.insert(
            0,
            keras.callbacks.EarlyStopping(
                monitor=monitor,
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            ),
        )
    for callback in callbacks:
        callback.set_model(model)
        callback.on_train_begin()
    rates, stopped_at = [], None
    for epoch, loss in enumerate(losses):
        logs = {monitor: loss}
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        rates.append(logs["learning_rate"])
        if model.stop_training:
            stopped_at = epoch
            break
    best = callbacks[0].best_epoch if has_validation else None
    return rates, stopped_at, best


@pytest.mark.slow
@pytest.mark.parametrize("has_validation", [True, False])
@pytest.mark.parametrize("losses", LOSS_CURVES)
def test_the_schedule_follows_the_keras_callbacks(losses, has_validation):
    config = TrainConfig()
    expected_rates, expected_stop, expected_best = _keras_reference(
        losses, config, has_validation
    )
    schedule = _Schedule(config.learning_rate, has_validation, config)
    kept = []
    for epoch, loss in enumerate(losses):
        logs = {"val_loss": loss, "loss": loss} if has_validation else {"loss": loss}
        if schedule.end_epoch(epoch, logs):
            kept.append(epoch)
        if schedule.stopped:
            break
    rates = [row["learning_rate"] for row in schedule.history]
    np.testing.assert_allclose(rates, expected_rates, rtol=1e-6)
    assert (epoch if schedule.stopped else None) == expected_stop
    if has_validation:
        assert kept[-1] == schedule.best_epoch == expected_best


def _task(name, seed, epochs, *, validation=False, n=7):
    from samm_pipeline.learn.fit import FitTask

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8, 12)).astype(np.float32)
    y = rng.integers(0, 3, n)
    val = (x[:3] + 0.1, y[:3]) if validation else (None, None)
    return FitTask(name, x, y, *val, epochs=epochs, seed=seed)


@pytest.mark.slow
def test_a_fit_trained_beside_others_equals_the_fit_alone():
    """Batch order, dropout masks, Adam state and schedule belong to the fit: a
    fit trained in a chunk (whose other fits finish early and leave the axis,
    with an odd-sized last batch, and whose epochs are longer or shorter
    than its neighbour's, so that it sits out steps) ends with the weights it
    gets alone."""
    from samm_pipeline.learn.fit_stacked import fit_stacked
    from samm_pipeline.learn.stacked import keras_weights

    config = TrainConfig(batch_size=2)
    together = [
        _task("a", 1, 1),
        _task("b", 2, 4, validation=True),
        _task("c", 3, 4, n=11),
        _task("d", 4, 1),
    ]
    fitted = fit_stacked(together, 3, config)
    for index in (1, 2):
        alone = fit_stacked([together[index]], 3, config)[0]
        assert len(fitted[index][1]) == len(alone[1]) == 4
        for (name, value), expected in zip(
            keras_weights(fitted[index][0]).items(),
            keras_weights(alone[0]).values(),
            strict=True,
        ):
            atol = 4e-4 if name == "conv1_bias" else 1e-5  # see test_stacked
            np.testing.assert_allclose(value, expected, rtol=1e-4, atol=atol)
        for row, lone in zip(fitted[index][1], alone[1], strict=True):
            assert np.isfinite(row["loss"]) and np.isfinite(row.get("val_loss", 0))
            assert row["loss"] == pytest.approx(lone["loss"], rel=1e-4)
    assert [len(history) for _, history, _ in fitted] == [1, 4, 4, 1]
