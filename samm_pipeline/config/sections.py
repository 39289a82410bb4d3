"""The run definition's sections: one frozen dataclass per stage, with the choices
and ranges each key takes (the one place they are written)."""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - exercised on Python 3.10 only
    pass

# The string choices, written once: the CLI builds its click choices and the
# dataset discovery its checks from these (``typing.get_args``).
DatasetLayout = Literal["folders", "samm", "casme2", "smic", "casme3", "mmew"]
Layout = Literal["auto", DatasetLayout]
HeadMotion = Literal["procrustes", "none"]
ZScore = Literal["clip", "feature", "none"]
MissingFrames = Literal["drop", "interpolate"]
AlignMethod = Literal["fastdtw", "linear"]
LabelScheme = Literal["asis", "samm5", "megc3", "custom"]
EvalProtocol = Literal["holdout", "loso", "megc", "lodo"]
LosoSelection = Literal["fixed", "inner"]
ClassWeight = Literal["none", "balanced"]
TrainEngine = Literal["keras", "stacked"]
Backend = Literal["loky", "threading", "dask"]
OutputFormat = Literal["table", "json", "csv"]

DEMO_SIZE_RANGE = (128, 4096)
"""Frame sizes (pixels, even) the demo generator renders; ``[demo] size`` is
checked against the same range."""
DEMO_FPS_RANGE = (10.0, 1000.0)
"""Frame rates the demo generator accepts; ``[demo] fps`` is checked against it."""


def _opt(
    default: Any,
    doc: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    factory: bool = False,
) -> Any:
    """Declare a config field with its documentation and allowed range."""
    metadata = {"doc": doc, "ge": ge, "le": le, "gt": gt, "lt": lt}
    if factory:
        return field(default_factory=default, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class PathsConfig:
    """Where a run reads and writes (relative paths are relative to the CWD)."""

    data: str = _opt("", "dataset root for `extract` (empty: give it on the CLI)")
    store: str = _opt("", "Zarr landmark store (empty: give it on the CLI)")
    stores: tuple[str, ...] = _opt(
        tuple, "several stores trained on together (instead of store)", factory=True
    )
    output: str = _opt("", "training output folder (empty: give it on the CLI)")


@dataclass(frozen=True)
class ExtractConfig:
    """Stage 1: FaceMesh landmark extraction into the store."""

    refine_landmarks: bool = _opt(True, "478 landmarks (with irises) instead of 468")
    min_detection_confidence: float = _opt(0.5, "face detector threshold", ge=0, le=1)
    min_tracking_confidence: float = _opt(0.5, "re-detect below this", ge=0, le=1)
    layout: Layout = _opt(
        "auto", "dataset layout: auto, folders, samm, casme2, smic, casme3 or mmew"
    )
    subject_pattern: str = _opt(
        "", "regex on the clip name whose first group is the subject (folders layout)"
    )
    annotations: str = _opt(
        "", "spreadsheet or CSV with labels and onset/apex/offset (empty: look for it)"
    )
    fps: float = _opt(
        0.0, "frame rate for image folders without one (0: from dataset)", ge=0
    )
    jobs: int = _opt(0, "worker processes (0: all cores)", ge=0)
    backend: Backend = _opt(
        "loky", "loky (processes), threading, or dask (a Dask cluster)"
    )
    scheduler: str = _opt(
        "", "Dask scheduler address (backend = 'dask'; empty: a local cluster)"
    )


@dataclass(frozen=True)
class AlignConfig:
    """Stage 2 preprocessing: cleaning, head-motion removal, time alignment."""

    target_length: int = _opt(20, "frames per aligned sequence", ge=2, le=10_000)
    method: AlignMethod = _opt("fastdtw", "fastdtw (reference) or linear resampling")
    radius: int = _opt(1, "fastdtw radius (fastdtw fails with 0)", ge=1, le=1000)
    landmarks: tuple[int, ...] = _opt(
        tuple, "landmark indices used for DTW (empty: all)", factory=True, ge=0, le=477
    )
    min_detected_frames: int = _opt(5, "skip clips with fewer face frames", ge=1)
    missing_frames: MissingFrames = _opt(
        "drop", "frames without a face: drop or interpolate"
    )
    crop_to_annotation: bool = _opt(False, "crop to onset..offset when known")
    head_motion: HeadMotion = _opt(
        "procrustes", "procrustes (align frames to the first) or none (reference)"
    )
    zscore: ZScore = _opt(
        "clip",
        "clip (median-centre each feature, one scale per clip), feature "
        "(reference) or none",
    )
    stable_landmarks: tuple[int, ...] = _opt(
        tuple,
        "landmarks for the Procrustes fit (empty: built-in stable set)",
        factory=True,
        ge=0,
        le=477,
    )


@dataclass(frozen=True)
class AugmentConfig:
    """Training-set augmentation (applied after the split, training part only)."""

    aug_times: int = _opt(5, "augmented copies per training clip", ge=0, le=1000)
    keep_clean: bool = _opt(True, "keep the clean sequence beside its copies")
    noise_sigma: float = _opt(0.03, "Gaussian noise sigma (z-scored units)", ge=0)
    warp_sigma: float = _opt(0.1, "temporal warp jitter sigma", ge=0)
    warp_probability: float = _opt(0.5, "chance a copy is time-warped", ge=0, le=1)
    flip_probability: float = _opt(0.0, "chance a copy is mirrored", ge=0, le=1)


@dataclass(frozen=True)
class TrainConfig:
    """Model fitting."""

    classes: tuple[str, ...] = _opt(tuple, "classes to use (empty: all)", factory=True)
    labels: LabelScheme = _opt("asis", "label map: asis, samm5, megc3 or custom")
    label_map: dict[str, str] = _opt(
        dict, "custom map from store class to label (labels = 'custom')", factory=True
    )
    epochs: int = _opt(100, "maximum epochs", ge=1, le=100_000)
    batch_size: int = _opt(2, "batch size", ge=1, le=65_536)
    learning_rate: float = _opt(1e-4, "Adam learning rate", gt=0, le=1)
    early_stopping_patience: int = _opt(5, "epochs without improvement", ge=1)
    reduce_lr_factor: float = _opt(0.5, "ReduceLROnPlateau factor", gt=0, lt=1)
    reduce_lr_patience: int = _opt(3, "ReduceLROnPlateau patience", ge=1)
    class_weight: ClassWeight = _opt("none", "none or balanced")
    seed: int = _opt(42, "seed for Python, NumPy and TensorFlow", ge=0, le=2**32 - 1)
    seeds: int = _opt(
        1, "runs of the whole protocol, seeds seed, seed + 1000, ...", ge=1, le=100
    )
    engine: TrainEngine = _opt(
        "keras",
        "keras: one fit at a time; stacked: the LOSO folds on one fit axis "
        "(experimental)",
    )
    fits_per_chunk: int = _opt(
        16, "stacked engine: fits trained together (memory grows with it)", ge=1
    )


@dataclass(frozen=True)
class EvaluateConfig:
    """Evaluation protocol."""

    protocol: EvalProtocol = _opt(
        "holdout",
        "holdout, loso, megc (LOSO over the subjects of every store, scored in "
        "full and per dataset, MEGC 3-class labels) or lodo (leave one dataset out)",
    )
    test_fraction: float = _opt(0.2, "hold-out validation fraction", gt=0, lt=1)
    loso_selection: LosoSelection = _opt(
        "inner", "LOSO epoch choice: inner split of training subjects, or fixed"
    )
    loso_epochs: int = _opt(30, "epochs per fold when loso_selection = fixed", ge=1)
    jobs: int = _opt(1, "folds trained in parallel", ge=1)
    backend: Backend = _opt(
        "loky", "LOSO folds on loky (processes), threading, or dask (a Dask cluster)"
    )
    scheduler: str = _opt(
        "", "Dask scheduler address (backend = 'dask'; empty: a local cluster)"
    )


@dataclass(frozen=True)
class DetectConfig:
    """Streaming detection."""

    window: int = _opt(0, "frames in the sliding window (0: the model's)", ge=0)
    min_frames: int = _opt(10, "face frames needed before predicting", ge=2)
    stride: int = _opt(5, "predict every N frames", ge=1)
    motion_threshold: float = _opt(
        0.0, "classify only windows moving more, in px (0: off)", ge=0
    )
    realtime: bool = _opt(True, "play video files at their own pace")


@dataclass(frozen=True)
class DemoConfig:
    """Synthetic demo data (`make-demo-data`, `demo`)."""

    subjects: int = _opt(6, "pseudo-subjects", ge=1, le=1000)
    clips_per_class: int = _opt(4, "clips per class and subject", ge=1, le=1000)
    seed: int = _opt(0, "random seed", ge=0, le=2**32 - 1)
    size: int = _opt(
        512,
        "frame width and height in pixels (even)",
        ge=DEMO_SIZE_RANGE[0],
        le=DEMO_SIZE_RANGE[1],
    )
    fps: float = _opt(60.0, "frame rate", ge=DEMO_FPS_RANGE[0], le=DEMO_FPS_RANGE[1])


@dataclass(frozen=True)
class Config:
    """A complete run definition: one section per stage."""

    paths: PathsConfig = field(default_factory=PathsConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
    detect: DetectConfig = field(default_factory=DetectConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)


SECTIONS: dict[str, type] = typing.get_type_hints(Config)
"""Section name -> its dataclass, in file order."""
