"""Predict new clips with a trained run, exactly as it was trained.

:func:`predict_clips` classifies video files, frame folders and store keys:
files are extracted in parallel with the extractor settings of the model's
store (as stage 1 does), keys are read from a store, and every clip goes
through :meth:`~samm_pipeline.infer.trained.TrainedModel.preprocess`. The
streaming detector is in :mod:`samm_pipeline.infer.detect`.
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

from samm_pipeline.clip import Clip
from samm_pipeline.errors import DataError, SammError
from samm_pipeline.infer.trained import TrainedModel

logger = logging.getLogger(__name__)


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
    loaded: dict[int, Clip | str] = {}
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
            Clip(result.key, result.landmarks, result.attrs)
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
        results[index] = ClipPrediction(
            clip,
            kinds[index],
            n_frames=item.n_frames,
            n_detected=int(item.detected.sum()),
        )
        try:
            sequences[index] = trained.preprocess(item)
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
) -> dict[int, Clip | str]:
    """Each key's clip from the store, or why not."""
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
    loaded: dict[int, Clip | str] = {}
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
            loaded[index] = store.load(clip)
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
