"""Load a trained run and predict with exactly its preprocessing.

A run folder holds ``model.keras`` and ``model.json``; :func:`load_trained`
reads both (Keras safe mode), checks that they agree, and rebuilds the
``[align]`` settings the model was trained with, so :meth:`TrainedModel.
predict_landmarks` repeats the training preprocessing on new landmark arrays.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import AlignConfig, config_from_mapping
from samm_pipeline.dataset import preprocess_clip
from samm_pipeline.errors import DataError
from samm_pipeline.run import MODEL_FORMAT


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
        return np.asarray(self.model(data, training=False), dtype=np.float32)

    def preprocess(
        self, landmarks: NDArray[np.floating], attrs: Mapping[str, Any]
    ) -> NDArray[np.float32]:
        """Training's preprocessing of one ``(n_frames, n_landmarks, 3)`` clip.

        Raises
        ------
        DataError
            The landmark count differs from the model's, or the clip has too
            few frames with a face.
        """
        if landmarks.ndim != 3 or landmarks.shape[1] != self.n_landmarks:
            raise DataError(
                f"clip has {landmarks.shape[1] if landmarks.ndim == 3 else '?'} "
                f"landmarks but model {self.path} was trained on {self.n_landmarks}; "
                "extract with the same refine_landmarks setting"
            )
        sequence, reason = preprocess_clip(landmarks, attrs, self.align)
        if sequence is None:
            raise DataError(f"clip cannot be classified: {reason}")
        return sequence

    def predict_landmarks(
        self, landmarks: NDArray[np.floating], attrs: Mapping[str, Any]
    ) -> NDArray[np.float32]:
        """Class probabilities ``(n_classes,)`` for one raw landmark clip."""
        return self.predict_sequences(self.preprocess(landmarks, attrs))[0]


def load_trained(path: str | os.PathLike[str]) -> TrainedModel:
    """Load ``model.keras`` and ``model.json`` from a run folder.

    Raises
    ------
    DataError
        Folder, ``model.json`` or ``model.keras`` missing or unreadable, or
        the two disagree (input shape, number of classes).
    """
    folder = Path(path)
    meta_path, model_path = folder / "model.json", folder / "model.keras"
    if not folder.is_dir():
        raise DataError(
            f"model folder {folder} not found; give the --output folder of "
            "`samm-pipeline train`"
        )
    if (folder / "INCOMPLETE").exists():
        raise DataError(f"model folder {folder} is from an interrupted run; retrain")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            f"{meta_path} not found; the folder is not a samm-pipeline run"
        ) from None
    except (OSError, ValueError) as error:
        raise DataError(f"{meta_path} cannot be read ({error}); retrain") from None
    if meta.get("format") != MODEL_FORMAT:
        raise DataError(f"{meta_path} is not a samm-pipeline model description")
    if not model_path.is_file():
        raise DataError(f"{model_path} not found; retrain or copy the whole folder")
    import keras

    from samm_pipeline.train import configure_tensorflow

    configure_tensorflow()
    try:
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
