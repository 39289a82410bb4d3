"""A trained run, loaded: the Keras model with the settings it was trained with.

:func:`load_trained` reads a run folder (its format is owned by
:mod:`samm_pipeline.io.runs`), loads ``model.keras`` in Keras safe mode, checks
that the two agree, and rebuilds the ``[align]`` settings, so
:meth:`TrainedModel.predict_clip` repeats the training preprocessing on new
landmarks. Importing this module loads neither TensorFlow nor the training
modules; :func:`load_trained` imports Keras when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.native_logs import quiet_native_logs
from samm_pipeline._support.tensorflow import configure_tensorflow
from samm_pipeline.clip import Clip
from samm_pipeline.config import AlignConfig, ExtractConfig, config_from_mapping
from samm_pipeline.errors import DataError
from samm_pipeline.io.runs import read_run
from samm_pipeline.prepare.preprocess import preprocess_clip


@dataclass(frozen=True)
class TrainedModel:
    """A loaded model with the settings it was trained with."""

    model: Any
    meta: dict[str, Any]
    classes: tuple[str, ...]
    align: AlignConfig
    n_landmarks: int
    target_length: int
    path: Path

    def predict_sequences(self, sequences: NDArray[np.floating]) -> NDArray[np.float32]:
        """Probabilities ``(n, n_classes)`` for preprocessed sequences."""
        data = np.asarray(sequences, dtype=np.float32)
        if data.ndim == 2:
            data = data[None]
        # predict_on_batch runs a traced graph: 6 ms per window where an eager
        # call takes 180 ms (the BiLSTM), which the streaming detector needs.
        return np.asarray(self.model.predict_on_batch(data), dtype=np.float32)

    def preprocess(self, clip: Clip) -> NDArray[np.float32]:
        """Training's preprocessing of one clip (``(n_frames, n_landmarks, 3)``).

        Raises
        ------
        DataError
            The landmark count differs from the model's, or the clip has too
            few frames with a face.
        """
        landmarks = clip.landmarks
        if landmarks.ndim != 3 or landmarks.shape[1] != self.n_landmarks:
            raise DataError(
                f"clip has {landmarks.shape[1] if landmarks.ndim == 3 else '?'} "
                f"landmarks but model {self.path} was trained on {self.n_landmarks}; "
                "extract with the same refine_landmarks setting"
            )
        sequence, reason = preprocess_clip(clip, self.align)
        if sequence is None:
            raise DataError(f"clip cannot be classified: {reason}")
        return sequence

    def predict_clip(self, clip: Clip) -> NDArray[np.float32]:
        """Class probabilities ``(n_classes,)`` for one clip of raw landmarks."""
        return self.predict_sequences(self.preprocess(clip))[0]

    def extract_config(self) -> ExtractConfig:
        """The FaceMesh settings of the store the model was trained on.

        New footage must go through the same extractor: a model trained on
        478 refined landmarks cannot read 468, and other thresholds change
        which frames count as a face.
        """
        extractor = self.meta.get("store", {}).get("extractor", {})
        defaults = ExtractConfig()
        return ExtractConfig(
            refine_landmarks=bool(
                extractor.get("refine_landmarks", self.n_landmarks == 478)
            ),
            min_detection_confidence=float(
                extractor.get(
                    "min_detection_confidence", defaults.min_detection_confidence
                )
            ),
            min_tracking_confidence=float(
                extractor.get(
                    "min_tracking_confidence", defaults.min_tracking_confidence
                )
            ),
        )

    @property
    def store_path(self) -> str | None:
        """The store the model was trained on, as recorded in ``model.json``."""
        return self.meta.get("store", {}).get("path")

    @property
    def clip_seconds(self) -> float | None:
        """Median duration of the training clips (``None`` if not recorded)."""
        return self.meta.get("clips", {}).get("median_seconds")

    @property
    def clip_frames(self) -> float | None:
        """Median frame count of the training clips (``None`` if not recorded)."""
        return self.meta.get("clips", {}).get("median_frames")


def load_trained(path: str | Path) -> TrainedModel:
    """Load ``model.keras`` and ``model.json`` from a run folder.

    Raises
    ------
    DataError
        Folder, ``model.json`` or ``model.keras`` missing or unreadable, or
        the two disagree (input shape, number of classes).
    """
    run = read_run(path)
    folder, meta = run.path, run.meta
    meta_path, model_path = run.meta_path, run.model_path
    configure_tensorflow()  # before keras imports TensorFlow: quiet, capped
    import keras

    try:
        # The first device initialisation prints a CUDA probe line on fd 2.
        with quiet_native_logs():
            model = keras.models.load_model(model_path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many types for bad archives
        raise DataError(
            f"{model_path} cannot be loaded ({type(error).__name__}: {error}); retrain"
        ) from None
    align = config_from_mapping({"align": meta["align"]}, source=str(meta_path)).align
    classes = tuple(meta["classes"])
    expected_shape = (meta["target_length"], 3 * meta["n_landmarks"])
    input_shape = tuple(model.input_shape[1:])
    output_units = model.output_shape[-1]
    if input_shape != expected_shape or output_units != len(classes):
        raise DataError(
            f"{model_path} (input {input_shape}, {output_units} classes) disagrees "
            f"with {meta_path} (input {expected_shape}, {len(classes)} classes); "
            "keep the files of one run together or retrain"
        )
    return TrainedModel(
        model=model,
        meta=meta,
        classes=classes,
        align=align,
        n_landmarks=int(meta["n_landmarks"]),
        target_length=int(meta["target_length"]),
        path=folder,
    )
