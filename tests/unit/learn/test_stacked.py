"""The stacked model is the reference model, K times: same forward pass, same steps."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # real Keras models

T, F, N_CLASSES, BATCH = 8, 12, 3, 2


def _keras_models(n_fits: int, *, dropout: bool = True) -> list:
    import keras

    from samm_pipeline.learn.model import build_model

    models = []
    for seed in range(n_fits):
        keras.utils.set_random_seed(seed)
        model = build_model((T, F), N_CLASSES)
        if not dropout:
            for layer in model.layers:
                if isinstance(layer, keras.layers.Dropout):
                    layer.rate = 0.0
        models.append(model)
    return models


def _data(n_fits: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_fits, BATCH, T, F)).astype(np.float32)
    y = rng.integers(0, N_CLASSES, size=(n_fits, BATCH))
    return x, y


def test_forward_pass_equals_build_model_on_the_same_weights():
    from samm_pipeline.learn.stacked import StackedModel

    models = _keras_models(3)
    rng = np.random.default_rng(5)
    for model in models:  # non-trivial normalisation statistics
        bn = model.get_layer("conv_bn")
        bn.moving_mean.assign(rng.normal(size=64).astype(np.float32))
        bn.moving_variance.assign(rng.uniform(0.5, 2, size=64).astype(np.float32))
    stacked = StackedModel.from_keras(models)
    x, _ = _data(3)
    expected = np.stack(
        [model.predict_on_batch(x[k]) for k, model in enumerate(models)]
    )
    np.testing.assert_allclose(stacked.predict(x), expected, rtol=1e-4, atol=1e-6)


def test_training_steps_equal_lone_keras_fits():
    """Same data, initial weights and batch order, dropout off: after a few
    Adam steps every weight (and the normalisation statistics) agrees."""
    from samm_pipeline.learn.stacked import StackedModel, keras_weights

    models = _keras_models(2, dropout=False)
    stacked = StackedModel.from_keras(models)
    for step in range(4):
        x, y = _data(2, seed=step)
        weights = np.ones((2, BATCH), np.float32)
        losses, _ = stacked.train_step(x, y, weights, np.ones(2, bool))
        for k, model in enumerate(models):
            keras_loss = model.train_on_batch(x[k], y[k], return_dict=True)["loss"]
            assert losses[k] == pytest.approx(keras_loss, rel=1e-4)
    for k, model in enumerate(models):
        expected = keras_weights(model)
        got = stacked.get_weights([k])
        # The convolution bias before batch normalisation has a zero gradient
        # in exact arithmetic (normalisation removes it); in float32 it is
        # rounding noise, which Adam scales up to steps of up to 1e-4, so it
        # is compared with that tolerance. Every other weight must agree.
        np.testing.assert_allclose(
            got["conv1_bias"][0], expected.pop("conv1_bias"), atol=4e-4
        )
        for name, value in expected.items():
            np.testing.assert_allclose(
                got[name][0], value, rtol=1e-4, atol=1e-6, err_msg=name
            )


def test_an_inactive_fit_is_not_touched_and_padding_does_not_count():
    from samm_pipeline.learn.stacked import StackedModel

    stacked = StackedModel.from_keras(_keras_models(2))
    before = stacked.get_weights()
    x, y = _data(2)
    weights = np.array([[1.0, 0.0], [1.0, 1.0]], np.float32)  # fit 0: one sample
    stacked.train_step(x, y, weights, np.array([True, False]))
    after = stacked.get_weights()
    for name in before:
        np.testing.assert_array_equal(after[name][1], before[name][1])
    assert not np.array_equal(after["conv1_kernel"][0], before["conv1_kernel"][0])
    # the padded sample of fit 0 changed nothing: a one-sample batch does the same
    again = StackedModel.from_keras(_keras_models(2))
    x_one = x.copy()
    x_one[0, 1] = 123.0  # garbage in the padded row
    again.train_step(x_one, y, weights, np.array([True, False]))
    np.testing.assert_allclose(
        again.get_weights([0])["conv1_kernel"], after["conv1_kernel"][:1], atol=1e-7
    )


def test_a_fit_goes_back_into_a_keras_model():
    from samm_pipeline.learn.stacked import StackedModel

    models = _keras_models(2)
    stacked = StackedModel.from_keras(models)
    x, y = _data(2)
    stacked.train_step(x, y, np.ones((2, BATCH), np.float32), np.ones(2, bool))
    fresh = _keras_models(1)[0]
    stacked.to_keras(1, fresh)
    np.testing.assert_allclose(
        fresh.predict_on_batch(x[1]), stacked.predict(x)[1], rtol=1e-4, atol=1e-6
    )
