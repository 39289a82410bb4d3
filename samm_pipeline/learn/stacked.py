"""The reference model for many fits at once: every weight gets a leading fit axis.

At the reference batch size of 2, a Keras step is a long chain of tiny
operations, and per-operation overhead, not arithmetic, sets the pace. Here K
fits of :func:`~samm_pipeline.learn.model.build_model` (the folds and seeds of
a protocol) are one set of tensors with a leading fit axis, so each operation
serves every fit: the convolutions become batched matrix products over unfolded
time windows, the BiLSTM a loop of batched products. Each fit keeps its own
weights, its own batch, its own Adam state and learning rate, and a fit that
is not active in a step is not updated at all.

The architecture and the arithmetic are those of the Keras model (a test
compares the forward pass and a few training steps with ``build_model``'s on
the same weights): Conv1D(64, 5, same) → BatchNorm (epsilon 1e-3, momentum
0.99) → ReLU → Dropout(0.3) beside BiLSTM(32) → Conv1D(64, 3, same); concat →
Conv1D(128, 3, same) → global average → Dense(64, relu, L2 0.01) →
Dropout(0.5) → Dense(softmax); sparse categorical cross-entropy (from the
logits, as Keras computes it behind a softmax output); Adam (beta 0.9,
0.999, epsilon 1e-7, Keras's bias correction).

Fits are moved in and out of Keras models with :meth:`StackedModel.from_keras`
and :meth:`StackedModel.to_keras`, so initial weights come from ``build_model``
(the same initialisers and seeds) and a finished fit is saved as the usual
``model.keras``. TensorFlow is imported when a model is made.

Memory: the weights, their Adam moments and a best-weights copy are
``4 x 4 bytes x 0.9 M parameters`` (for 478 landmarks) per fit, about 15 MB;
activations are small (``K x 2 x 20`` frames). 30 fits hold about 450 MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.learn.model import L2_FACTOR

BN_EPSILON = 1e-3
BN_MOMENTUM = 0.99
ADAM_BETAS = (0.9, 0.999)
ADAM_EPSILON = 1e-7
CONV_DROPOUT, DENSE_DROPOUT = 0.3, 0.5
LSTM_UNITS = 32

# Layer (of ``build_model``) and attribute -> name here; the kernels of
# convolutions are stored unfolded as (taps * channels, filters), which is
# Keras's (taps, channels, filters) kernel reshaped.
KERAS_WEIGHTS = {
    "conv1_kernel": ("conv_branch", "kernel"),
    "conv1_bias": ("conv_branch", "bias"),
    "bn_gamma": ("conv_bn", "gamma"),
    "bn_beta": ("conv_bn", "beta"),
    "bn_mean": ("conv_bn", "moving_mean"),
    "bn_variance": ("conv_bn", "moving_variance"),
    "forward_kernel": ("bilstm", "forward_layer.cell.kernel"),
    "forward_recurrent": ("bilstm", "forward_layer.cell.recurrent_kernel"),
    "forward_bias": ("bilstm", "forward_layer.cell.bias"),
    "backward_kernel": ("bilstm", "backward_layer.cell.kernel"),
    "backward_recurrent": ("bilstm", "backward_layer.cell.recurrent_kernel"),
    "backward_bias": ("bilstm", "backward_layer.cell.bias"),
    "conv2_kernel": ("lstm_conv", "kernel"),
    "conv2_bias": ("lstm_conv", "bias"),
    "conv3_kernel": ("fusion_conv", "kernel"),
    "conv3_bias": ("fusion_conv", "bias"),
    "dense_kernel": ("dense", "kernel"),
    "dense_bias": ("dense", "bias"),
    "output_kernel": ("probabilities", "kernel"),
    "output_bias": ("probabilities", "bias"),
}
MOVING_STATISTICS = ("bn_mean", "bn_variance")
"""Updated by a training step's batch statistics, not by gradients."""


class StackedModel:
    """K fits of the reference model, trained together.

    Parameters
    ----------
    weights
        Name (see :data:`KERAS_WEIGHTS`) -> array with a leading fit axis.
    learning_rates
        ``(K,)`` initial Adam learning rate of each fit.

    Notes
    -----
    :meth:`train_step` is one compiled TensorFlow graph for all fits; its
    shapes are fixed by the first call (``K``, the batch size, the sequence
    shape), so a protocol keeps one instance per chunk of fits.
    """

    def __init__(
        self,
        weights: dict[str, NDArray[np.floating]],
        learning_rates: Sequence[float],
    ) -> None:
        import tensorflow as tf

        self.names = tuple(KERAS_WEIGHTS)
        self.trainable = tuple(n for n in self.names if n not in MOVING_STATISTICS)
        self.variables = {
            name: tf.Variable(np.asarray(weights[name], np.float32), name=name)
            for name in self.names
        }
        self.n_fits = int(self.variables["conv1_bias"].shape[0])
        self.first_moments = {
            name: tf.Variable(tf.zeros_like(self.variables[name]))
            for name in self.trainable
        }
        self.second_moments = {
            name: tf.Variable(tf.zeros_like(self.variables[name]))
            for name in self.trainable
        }
        self.learning_rates = tf.Variable(np.asarray(learning_rates, np.float32))
        self.iterations = tf.Variable(tf.zeros([self.n_fits]))
        self._step = tf.function(self._train_step, reduce_retracing=True)
        self._predict = tf.function(self._probabilities, reduce_retracing=True)

    # ----------------------------------------------------------------------
    # Keras models in and out

    @classmethod
    def from_keras(cls, models: Sequence[Any]) -> StackedModel:
        """Stack the weights of ``build_model`` models (one per fit)."""
        stacked: dict[str, list[NDArray[np.float32]]] = {}
        for model in models:
            for name, value in keras_weights(model).items():
                stacked.setdefault(name, []).append(value)
        rates = [float(model.optimizer.learning_rate.numpy()) for model in models]
        weights = {name: np.stack(values) for name, values in stacked.items()}
        return cls(weights, rates)

    def to_keras(self, fit: int, model: Any) -> Any:
        """Write fit ``fit``'s weights into a ``build_model`` model; return it."""
        return write_keras({n: v[0] for n, v in self.get_weights([fit]).items()}, model)

    def subset(self, fits: Sequence[int]) -> StackedModel:
        """A new model of the listed fits only, each with its whole state
        (weights, Adam moments and step count, learning rate)."""
        import tensorflow as tf

        chosen = list(fits)
        smaller = StackedModel(
            self.get_weights(chosen),
            self.learning_rates.numpy()[chosen],
        )
        for name in self.trainable:
            smaller.first_moments[name].assign(
                tf.gather(self.first_moments[name], chosen)
            )
            smaller.second_moments[name].assign(
                tf.gather(self.second_moments[name], chosen)
            )
        smaller.iterations.assign(self.iterations.numpy()[chosen])
        return smaller

    def get_weights(self, fits: Sequence[int] | None = None) -> dict[str, NDArray]:
        """A copy of the weights (all fits, or those listed)."""
        if fits is None:
            return {name: var.numpy().copy() for name, var in self.variables.items()}
        import tensorflow as tf

        chosen = tf.constant(list(fits), tf.int32)  # copies only the rows asked for
        return {
            name: tf.gather(var, chosen).numpy() for name, var in self.variables.items()
        }

    # ----------------------------------------------------------------------
    # computation (TensorFlow graphs)

    def _forward(
        self, x: Any, mask: Any, training: bool, keep: tuple[Any, Any] | None
    ) -> Any:
        """Logits ``(K, B, n_classes)`` of ``x`` ``(K, B, T, F)``, and the
        batch-normalisation statistics used."""
        import tensorflow as tf

        w = self.variables
        n_fits, batch, steps = tf.shape(x)[0], tf.shape(x)[1], x.shape[2]
        conv = _conv(x, w["conv1_kernel"], w["conv1_bias"], 5)
        if training:
            # batch statistics over the real samples (mask) and every frame
            weight = mask[:, :, None, None]
            count = tf.reduce_sum(weight, axis=[1, 2, 3], keepdims=True) * steps
            # A fit without a real sample in this step (inactive: its epoch
            # is over) gets zero statistics, not 0/0: a NaN would reach its
            # moving statistics and weights through the 0 * NaN of masking.
            count = tf.maximum(count, 1.0)
            mean = tf.reduce_sum(conv * weight, axis=[1, 2], keepdims=True) / count
            variance = (
                tf.reduce_sum(
                    tf.square(conv - mean) * weight, axis=[1, 2], keepdims=True
                )
                / count
            )
        else:
            mean = w["bn_mean"][:, None, None, :]
            variance = w["bn_variance"][:, None, None, :]
        conv = (conv - mean) * tf.math.rsqrt(variance + BN_EPSILON)
        conv = conv * w["bn_gamma"][:, None, None, :] + w["bn_beta"][:, None, None, :]
        conv = tf.nn.relu(conv)
        if keep is not None:  # dropout: a scaled keep mask per fit and sample
            conv = conv * keep[0]
        flat = tf.reshape(x, [n_fits, -1, x.shape[3]])
        both = tf.concat([w["forward_kernel"], w["backward_kernel"]], axis=-1)
        projected = tf.reshape(
            tf.matmul(flat, both), [n_fits, batch, steps, 8 * LSTM_UNITS]
        )
        gates = 4 * LSTM_UNITS
        forward = _lstm(
            projected[..., :gates] + w["forward_bias"][:, None, None, :],
            w["forward_recurrent"],
            reverse=False,
        )
        backward = _lstm(
            projected[..., gates:] + w["backward_bias"][:, None, None, :],
            w["backward_recurrent"],
            reverse=True,
        )
        recurrent = _conv(
            tf.concat([forward, backward], axis=-1),
            w["conv2_kernel"],
            w["conv2_bias"],
            3,
        )
        fused = _conv(
            tf.concat([conv, recurrent], axis=-1), w["conv3_kernel"], w["conv3_bias"], 3
        )
        pooled = tf.reduce_mean(fused, axis=2)
        dense = tf.nn.relu(
            tf.matmul(pooled, w["dense_kernel"]) + w["dense_bias"][:, None, :]
        )
        if keep is not None:
            dense = dense * keep[1]
        logits = tf.matmul(dense, w["output_kernel"]) + w["output_bias"][:, None, :]
        return logits, (mean, variance)

    def _probabilities(self, x: Any) -> Any:
        import tensorflow as tf

        mask = tf.ones(tf.shape(x)[:2])
        return tf.nn.softmax(self._forward(x, mask, False, None)[0])

    def _train_step(
        self,
        x: Any,
        labels: Any,
        sample_weights: Any,
        active: Any,
        conv_keep: Any,
        dense_keep: Any,
    ) -> Any:
        import tensorflow as tf

        w = self.variables
        real = tf.cast(sample_weights > 0, tf.float32)
        with tf.GradientTape() as tape:
            logits, (mean, variance) = self._forward(
                x, real, True, (conv_keep, dense_keep)
            )
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=labels, logits=logits
            )  # (K, B)
            batch = tf.maximum(tf.reduce_sum(real, axis=1), 1.0)
            loss = tf.reduce_sum(losses * sample_weights, axis=1) / batch
            loss += L2_FACTOR * tf.reduce_sum(tf.square(w["dense_kernel"]), axis=[1, 2])
            total = tf.reduce_sum(loss * active)
        hits = tf.reduce_sum(
            sample_weights
            * tf.cast(
                tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), labels),
                tf.float32,
            ),
            axis=1,
        )
        gradients = tape.gradient(total, [w[name] for name in self.trainable])
        beta1, beta2 = ADAM_BETAS
        self.iterations.assign_add(active)
        step = tf.maximum(self.iterations, 1.0)
        alpha = self.learning_rates * tf.sqrt(1 - beta2**step) / (1 - beta1**step)
        for name, gradient in zip(self.trainable, gradients, strict=True):
            shape = [-1] + [1] * (len(w[name].shape) - 1)
            on = tf.reshape(active, shape)
            m, v = self.first_moments[name], self.second_moments[name]
            m.assign_add(on * (gradient - m) * (1 - beta1))
            v.assign_add(on * (tf.square(gradient) - v) * (1 - beta2))
            w[name].assign_sub(
                on * tf.reshape(alpha, shape) * m / (tf.sqrt(v) + ADAM_EPSILON)
            )
        on = active[:, None]
        w["bn_mean"].assign(
            w["bn_mean"] * (1 - on * (1 - BN_MOMENTUM))
            + on * (1 - BN_MOMENTUM) * mean[:, 0, 0, :]
        )
        w["bn_variance"].assign(
            w["bn_variance"] * (1 - on * (1 - BN_MOMENTUM))
            + on * (1 - BN_MOMENTUM) * variance[:, 0, 0, :]
        )
        return loss, hits

    # ----------------------------------------------------------------------
    # the public steps

    def train_step(
        self,
        x: NDArray[np.float32],
        labels: NDArray[np.integer],
        sample_weights: NDArray[np.float32],
        active: NDArray[np.bool_],
        dropout: tuple[NDArray[np.float32], NDArray[np.float32]] | None = None,
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """One optimiser step of every active fit on its own batch.

        Parameters
        ----------
        x
            ``(K, B, T, F)``: fit ``k``'s batch in row ``k``.
        labels
            ``(K, B)`` class indices.
        sample_weights
            ``(K, B)``: a class weight (1 without class weighting) for a real
            sample, 0 for padding (a fit whose batch is short).
        active
            ``(K,)``: fits that take this step; the others keep their weights,
            moments and statistics unchanged.
        dropout
            Scaled keep masks ``(K, B, T, 64)`` after the first convolution
            and ``(K, B, 64)`` after the dense layer (see
            :func:`dropout_masks`), drawn per fit so that a fit's masks do
            not depend on the others; ``None``: no dropout.

        Returns
        -------
        loss, hits
            ``(K,)`` training loss of each fit's batch (regularisation
            included), and its correct predictions weighted by the sample
            weights (for the running accuracy).
        """
        import tensorflow as tf

        loss, hits = self._step(
            tf.constant(x, tf.float32),
            tf.constant(labels, tf.int32),
            tf.constant(sample_weights, tf.float32),
            tf.constant(np.asarray(active, np.float32)),
            *(
                (tf.constant(dropout[0]), tf.constant(dropout[1]))
                if dropout is not None
                else (tf.ones([*x.shape[:3], 64]), tf.ones([*x.shape[:2], 64]))
            ),
        )
        return loss.numpy(), hits.numpy()

    def predict(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """Probabilities ``(K, B, n_classes)`` in inference mode."""
        import tensorflow as tf

        return self._predict(tf.constant(x, tf.float32)).numpy()


def _keras_variables(model: Any) -> dict[str, Any]:
    """A ``build_model`` model's variables under this module's names."""
    found = {}
    for name, (layer_name, attribute) in KERAS_WEIGHTS.items():
        target = model.get_layer(layer_name)
        for part in attribute.split("."):
            target = getattr(target, part)
        found[name] = target
    return found


def dropout_masks(
    rng: np.random.Generator, batch: int, steps: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """One fit's scaled keep masks for one step: Keras's Dropout(0.3) after
    the first convolution ``(batch, steps, 64)`` and Dropout(0.5) after the
    dense layer ``(batch, 64)`` (kept with probability ``1 - rate``, scaled by
    ``1 / (1 - rate)``)."""
    conv = (rng.random((batch, steps, 64)) >= CONV_DROPOUT) / (1 - CONV_DROPOUT)
    dense = (rng.random((batch, 64)) >= DENSE_DROPOUT) / (1 - DENSE_DROPOUT)
    return conv.astype(np.float32), dense.astype(np.float32)


def write_keras(weights: dict[str, NDArray[np.floating]], model: Any) -> Any:
    """Write one fit's weights (this module's names, no fit axis) into a
    ``build_model`` model; return the model."""
    for name, target in _keras_variables(model).items():
        target.assign(np.asarray(weights[name]).reshape(tuple(target.shape)))
    return model


def keras_weights(model: Any) -> dict[str, NDArray[np.float32]]:
    """A ``build_model`` model's weights under this module's names."""
    out = {}
    for name, variable in _keras_variables(model).items():
        value = np.asarray(variable.numpy(), np.float32)
        if value.ndim == 3:  # a Conv1D kernel (taps, channels, filters)
            value = value.reshape(-1, value.shape[-1])
        out[name] = value
    return out


def _conv(x: Any, kernel: Any, bias: Any, taps: int) -> Any:
    """'same' Conv1D of ``x`` ``(K, B, T, C)`` with an unfolded kernel."""
    import tensorflow as tf

    pad = taps // 2
    steps = x.shape[2]
    padded = tf.pad(x, [[0, 0], [0, 0], [pad, pad], [0, 0]])
    windows = tf.concat([padded[:, :, i : i + steps, :] for i in range(taps)], axis=-1)
    shape = tf.shape(windows)
    out = tf.matmul(tf.reshape(windows, [shape[0], -1, windows.shape[-1]]), kernel)
    return (
        tf.reshape(out, [shape[0], shape[1], steps, kernel.shape[-1]])
        + bias[:, None, None, :]
    )


def _lstm(projected: Any, recurrent: Any, *, reverse: bool) -> Any:
    """Keras's LSTM (gates i, f, c, o) over ``projected`` ``(K, B, T, 4U)``."""
    import tensorflow as tf

    shape = tf.shape(projected)
    state = tf.zeros([shape[0], shape[1], LSTM_UNITS])
    cell = tf.zeros([shape[0], shape[1], LSTM_UNITS])
    steps = projected.shape[2]
    outputs: list[Any] = [None] * steps
    for t in reversed(range(steps)) if reverse else range(steps):
        z = projected[:, :, t, :] + tf.matmul(state, recurrent)
        i, f, g, o = tf.split(z, 4, axis=-1)
        cell = tf.sigmoid(f) * cell + tf.sigmoid(i) * tf.tanh(g)
        state = tf.sigmoid(o) * tf.tanh(cell)
        outputs[t] = state
    return tf.stack(outputs, axis=2)
