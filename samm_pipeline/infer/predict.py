"""Load a trained run and predict new clips with exactly its preprocessing.

A run folder holds ``model.keras`` and ``model.json``; :func:`load_trained`
reads both (Keras safe mode), checks that they agree, and rebuilds the
``[align]`` settings the model was trained with, so :meth:`TrainedModel.
predict_landmarks` repeats the training preprocessing on new landmark arrays.
:func:`predict_clips` classifies video files, frame folders and store keys:
files are extracted in parallel with the extractor settings of the model's
store (as stage 1 does), keys are read from a store. The streaming detector
is in :mod:`samm_pipeline.infer.detect`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import AlignConfig, ExtractConfig, config_from_mapping
from samm_pipeline.errors import DataError, SammError
from samm_pipeline.learn.pipeline import MODEL_FORMAT
from samm_pipeline.prepare.dataset import preprocess_clip

logger = logging.getLogger(__name__)


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
    from samm_pipeline._support.native_logs import quiet_native_logs
    from samm_pipeline._support.tensorflow import configure_tensorflow

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


@dataclass(frozen=True)
class ClipPrediction:
    """The model's answer for one clip given to :func:`predict_clips`.

    Attributes
    ----------
    clip
        The clip as given (path or store key).
    kind
        ``"video"``, ``"frames"`` or ``"store"``.
    probabilities
        ``(n_classes,)`` in the model's class order, or ``None`` on failure.
    predicted
        The most probable class, or ``None`` on failure.
    error
        Why the clip could not be classified (one line), else ``None``.
    n_frames, n_detected
        Frames read and frames with a face.
    """

    clip: str
    kind: str
    probabilities: NDArray[np.float32] | None = None
    predicted: str | None = None
    error: str | None = None
    n_frames: int = 0
    n_detected: int = 0

    @property
    def probability(self) -> float | None:
        """Probability of the predicted class."""
        return None if self.probabilities is None else float(self.probabilities.max())


@dataclass(frozen=True)
class PredictionReport:
    """All clips of one :func:`predict_clips` call, in the order given."""

    classes: tuple[str, ...]
    clips: tuple[ClipPrediction, ...]
    seconds: float = 0.0
    store: str | None = None
    failures: dict[str, str] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per clip: clip, kind, predicted, probability, p_<class>."""
        rows = []
        for item in self.clips:
            row: dict[str, Any] = {
                "clip": item.clip,
                "kind": item.kind,
                "predicted": item.predicted,
                "probability": item.probability,
            }
            for index, name in enumerate(self.classes):
                row[f"p_{name}"] = (
                    None
                    if item.probabilities is None
                    else float(item.probabilities[index])
                )
            row["error"] = item.error
            rows.append(row)
        return rows


def _clip_kind(clip: str) -> str | None:
    """``"video"`` or ``"frames"`` for an existing path, else ``None``."""
    path = Path(clip)
    if path.is_dir():
        return "frames"
    if path.is_file():
        return "video"
    return None


def predict_clips(
    trained: TrainedModel,
    clips: Sequence[str],
    *,
    store: str | os.PathLike[str] | None = None,
    jobs: int = 1,
    landmarker_factory: Any = None,
) -> PredictionReport:
    """Classify clips given as video files, frame folders or store keys.

    Parameters
    ----------
    trained
        From :func:`load_trained`.
    clips
        Each an existing video file, an existing folder of frame images, or
        a ``<class>/<clip>`` key of ``store``.
    store
        Store to read keys from; default: the store recorded in
        ``model.json``. Opened only when some clip is not an existing path.
    jobs
        Clips extracted in parallel (as stage 1; ``0``: all cores).
    landmarker_factory
        Makes a landmarker per clip (tests); MediaPipe FaceMesh by default.

    Returns
    -------
    PredictionReport
        One :class:`ClipPrediction` per clip, in the order given; a clip that
        cannot be read or classified carries its ``error`` and the others
        are still classified.
    """
    import time

    from samm_pipeline.extract.worker import extract_clips
    from samm_pipeline.io.datasets import ClipRecord

    start = time.perf_counter()
    kinds = [_clip_kind(clip) or "store" for clip in clips]
    # Each clip's landmarks and attributes, or why it has none.
    loaded: dict[int, tuple[NDArray[np.floating], Mapping[str, Any]] | str] = {}
    keys = {i: clip for i, clip in enumerate(clips) if kinds[i] == "store"}
    store_path = None
    if keys:
        store_path = str(store or trained.store_path or "")
        loaded.update(_load_keys(trained, keys, store_path))
    records = [
        ClipRecord(
            class_name="predict",
            clip=str(index),  # a safe key; the caller's name stays in `clips`
            source=Path(clip).resolve(),
            kind=kinds[index],  # type: ignore[arg-type]
            dataset="folders",
            root=Path(clip).resolve().parent,
        )
        for index, clip in enumerate(clips)
        if kinds[index] != "store"
    ]
    for result in extract_clips(
        records, trained.extract_config(), jobs=jobs,
        landmarker_factory=landmarker_factory,
    ):  # fmt: skip
        index = int(result.key.rsplit("/", 1)[1])
        loaded[index] = (
            (result.landmarks, result.attrs)
            if result.landmarks is not None
            else f"{clips[index]}: {result.error}"
        )

    results: dict[int, ClipPrediction] = {}
    sequences: dict[int, NDArray[np.float32]] = {}
    for index, item in loaded.items():
        clip = clips[index]
        if isinstance(item, str):
            results[index] = ClipPrediction(clip, kinds[index], error=item)
            continue
        landmarks, attrs = item
        detected = ~np.isnan(landmarks).any(axis=(1, 2))
        results[index] = ClipPrediction(
            clip, kinds[index], n_frames=len(landmarks), n_detected=int(detected.sum())
        )
        try:
            sequences[index] = trained.preprocess(landmarks, attrs)
        except DataError as error:
            results[index] = dataclasses.replace(
                results[index], error=f"{clip}: {error}"
            )
    if sequences:
        order = sorted(sequences)
        probabilities = trained.predict_sequences(
            np.stack([sequences[i] for i in order])
        )
        for index, row in zip(order, probabilities, strict=True):
            results[index] = dataclasses.replace(
                results[index],
                probabilities=row,
                predicted=trained.classes[int(row.argmax())],
            )
    ordered = tuple(results[index] for index in range(len(clips)))
    return PredictionReport(
        classes=trained.classes,
        clips=ordered,
        seconds=time.perf_counter() - start,
        store=store_path,
        failures={item.clip: item.error for item in ordered if item.error},
    )


def _load_keys(
    trained: TrainedModel, keys: Mapping[int, str], store_path: str
) -> dict[int, tuple[NDArray[np.floating], Mapping[str, Any]] | str]:
    """Each key's landmarks and attributes from the store, or why not."""
    from samm_pipeline.io.store import open_store

    if not store_path:
        reason = (
            "is neither a file nor a folder, and no store is known to look it "
            "up in; check the path or give --store"
        )
        return {index: f"{clip} {reason}" for index, clip in keys.items()}
    try:
        store = open_store(store_path)
    except SammError as error:
        return {
            index: f"{clip} is neither a file nor a folder, and {error}"
            for index, clip in keys.items()
        }
    loaded: dict[int, tuple[NDArray[np.floating], Mapping[str, Any]] | str] = {}
    for index, clip in keys.items():
        if clip not in store:
            loaded[index] = (
                f"{clip} is neither a file, a folder nor a key of store "
                f"{store_path}; check the path, or list keys with "
                f"`samm-pipeline inspect --store {store_path}`"
            )
        elif store.n_landmarks != trained.n_landmarks:
            loaded[index] = (
                f"{clip}: store {store_path} has {store.n_landmarks} landmarks "
                f"but the model was trained on {trained.n_landmarks}; use a store "
                "extracted with the model's refine_landmarks setting"
            )
        else:
            entry = store.load(clip)
            loaded[index] = (np.asarray(entry.landmarks), entry.attrs)
    return loaded


def format_predictions(report: PredictionReport, output_format: str = "table") -> str:
    """Render a report as an aligned text table, JSON or CSV.

    The table has one row per clip: clip, predicted class, its probability
    and every class's probability; failed clips show ``failed``.
    """
    rows = report.rows()
    if output_format == "json":
        document = {
            "classes": list(report.classes),
            "clips": rows,
            "failures": report.failures,
        }
        return json.dumps(document, indent=2) + "\n"
    columns = ["clip", "predicted", "probability", *(f"p_{c}" for c in report.classes)]
    if output_format == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=[*columns, "error"], lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row[name] for name in [*columns, "error"]})
        return buffer.getvalue()
    if output_format != "table":
        raise ValueError(f"unknown format {output_format!r}")

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    table = [columns]
    for row in rows:
        if row["error"] is None:
            table.append([cell(row[name]) for name in columns])
        else:
            table.append([row["clip"], "failed", *("-" for _ in columns[2:])])
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "".join(
        "  ".join(
            text.ljust(width) for text, width in zip(line, widths, strict=True)
        ).rstrip()
        + "\n"
        for line in table
    )
