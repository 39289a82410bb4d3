"""The reference fusion model: a Conv1D branch beside a BiLSTM branch.

:func:`build_model` builds and compiles the Keras Functional model and does
nothing else; fitting, callbacks and data live in :mod:`samm_pipeline.learn.fit`.
Keras is imported inside the function so importing this module stays cheap.
"""

from __future__ import annotations

from typing import Any

L2_FACTOR = 0.01
"""Keras's default L2 factor (what ``kernel_regularizer="l2"`` means)."""


def build_model(
    input_shape: tuple[int, int],
    n_classes: int,
    *,
    learning_rate: float = 1e-4,
) -> Any:
    """Build and compile the fusion model.

    Architecture (the reference, exactly)::

        Input(T, 3L)
          ├─ Conv1D(64, 5, same) → BatchNorm → ReLU → Dropout(0.3)
          └─ Bidirectional(LSTM(32, return_sequences)) → Conv1D(64, 3, same)
        → concatenate → Conv1D(128, 3, same) → GlobalAveragePooling1D
        → Dense(64, relu, L2) → Dropout(0.5) → Dense(n_classes, softmax)

    compiled with Adam(``learning_rate``) and sparse categorical
    cross-entropy.

    Parameters
    ----------
    input_shape
        ``(target_length, n_features)``, e.g. ``(20, 1434)``.
    n_classes
        Number of output classes (at least 2).
    learning_rate
        Adam's learning rate (reference: 1e-4).

    Returns
    -------
    keras.Model
    """
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="landmarks")
    conv = layers.Conv1D(64, 5, padding="same", name="conv_branch")(inputs)
    conv = layers.BatchNormalization(name="conv_bn")(conv)
    conv = layers.ReLU(name="conv_relu")(conv)
    conv = layers.Dropout(0.3, name="conv_dropout")(conv)
    recurrent = layers.Bidirectional(
        layers.LSTM(32, return_sequences=True), name="bilstm"
    )(inputs)
    recurrent = layers.Conv1D(64, 3, padding="same", name="lstm_conv")(recurrent)
    fused = layers.Concatenate(name="fusion")([conv, recurrent])
    fused = layers.Conv1D(128, 3, padding="same", name="fusion_conv")(fused)
    pooled = layers.GlobalAveragePooling1D(name="pool")(fused)
    dense = layers.Dense(
        64,
        activation="relu",
        kernel_regularizer=keras.regularizers.l2(L2_FACTOR),
        name="dense",
    )(pooled)
    dense = layers.Dropout(0.5, name="dense_dropout")(dense)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(dense)
    model = keras.Model(inputs, outputs, name="samm_fusion")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
