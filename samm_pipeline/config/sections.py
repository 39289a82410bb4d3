"""The run definition's sections: one frozen dataclass per stage, with the choices
and ranges each key takes (the one place they are written)."""

from __future__ import annotations

import dataclasses
import math
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
DatasetLayout = Literal[
    "folders", "samm", "casme2", "smic", "casme3", "mmew", "samm_lv", "casme2_lv"
]
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
SpotRegion = Literal[
    "lips", "left_eye", "right_eye", "left_eyebrow", "right_eyebrow", "nose",
    "face_oval",
]  # fmt: skip
"""Facial regions the spotter can combine: the keys of
:data:`samm_pipeline.landmarks.REGIONS` (a test keeps the two equal)."""
Widen = Literal["level", "fixed"]
ThresholdTuning = Literal["none", "loso"]
"""How the spotter turns a peak into an interval: where the signal falls back
below a level, or a fixed half-width either side of the peak."""

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
        "auto",
        "dataset layout: auto, folders, samm, casme2, smic, casme3, mmew, "
        "samm_lv (SAMM Long Videos) or casme2_lv (CAS(ME)^2 long videos)",
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
    spot_gate: bool = _opt(
        False, "classify only the intervals the spotter finds ([spot] settings)"
    )
    fps: float = _opt(
        0.0, "frame rate of a frame folder or camera (0: as the source says)", ge=0
    )


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


DEFAULT_SPOT_REGIONS: tuple[SpotRegion, ...] = (
    "left_eyebrow",
    "right_eyebrow",
    "left_eye",
    "right_eye",
    "nose",
    "lips",
)
"""Regions whose motion makes the spotting signal. The face oval is left out:
it moves with speech and with head turns that a 2-D similarity fit cannot
remove."""


@dataclass(frozen=True)
class SpotSettings:
    """Spotting (`spot`): the training-free landmark spotter, times in seconds.

    The ``[spot]`` table of the run definition; :mod:`samm_pipeline.spot`
    takes it as is. Every time scale is in seconds, so one set of settings
    serves 30 fps (CAS(ME)²) and 200 fps (SAMM Long Videos).

    Raises
    ------
    ValueError
        At construction, listing every value out of its range, unknown
        region, or unknown choice (the TOML loader reports the same as a
        :class:`~samm_pipeline.errors.ConfigError`).

    Notes
    -----
    Defaults and why:

    - ``baseline_seconds = 6``: the neutral face at a frame is the median of
      the aligned landmarks over 6 s centred on it, so an expression shorter
      than half of that (3 s; SAMM-LV and CAS(ME)² macro-expressions mostly
      are) never becomes its own baseline, while slow drift does.
    - ``micro_smooth_seconds = 0.1`` and ``macro_smooth_seconds = 0.5``: a
      moving mean well inside a micro-expression (0.2-0.5 s), and one about a
      micro-expression long, so slow macro-expressions stand out of jitter.
    - ``threshold_fraction = 0.15``: the per-video threshold
      ``mean + p * (max - mean)`` (Moilanen et al.; SOFTNet uses 0.55 on a
      learned score). Low because one strong macro-expression would
      otherwise hide every micro-expression of its video; ``min_height``
      keeps calm videos from producing peaks of jitter. It was chosen on the
      demo's long videos (seeds 0-2) before ``threshold_outside_macro``;
      since then 0.10-0.20 score alike there (docs/spotting.md), and
      ``threshold_tuning = "loso"`` chooses it without leakage.
    - ``threshold_outside_macro = true``: the fine signal's threshold is taken
      over the frames outside the macro-expressions found first, so a strong
      macro-expression (its maximum) no longer sets the micro threshold of
      its whole video. On the demo's long videos (seeds 0-4) micro F1 went
      from 0.334 +- 0.106 to 0.539 +- 0.126 and overall from 0.596 +- 0.053
      to 0.652 +- 0.075, better or equal on every seed.
    - ``position_smooth_seconds = 0``: a moving mean of the aligned landmark
      tracks before the displacement (jitter averages out) raised micro F1
      (0.595 against 0.539) but lowered overall F1 (0.617 against 0.652) on
      the same five seeds, so it is off; a setting for data with more jitter.
    - ``min_height = 1.0``: the signal is the RMS over regions of each
      region's displacement above its typical (median) one, in typical
      units: about 0 on an ordinary frame; a single region of six moving
      3.5 times its typical amount reaches 1.
    - ``edge_fraction = 0.1``: onset and offset where the fine signal falls
      below a tenth of the way from the video's median to the peak. The
      signal counts only motion above the typical level, so its edges sit
      inside the movement: on raised-cosine movements (tests/unit/spot) 0.1
      gives IoU 0.67-0.78 with the annotated span, 0.25 only 0.58.
    - ``micro_max_seconds = 0.5``: the field's boundary.
    - ``blink_suppression = true``, ``blink_openness_fraction = 0.75``,
      ``blink_margin_seconds = 0.1``: FaceMesh moves the brows, the nose and
      the lips along with the eyelids at a blink, so every blink looked like
      a micro-expression (most of the micro false positives on the demo's
      long videos). Frames where the eye openness (eyelid distance over
      eye-corner distance, both eyes) falls below 0.75 of the video's median,
      widened by 0.1 s either side, get a combined signal of 0 before
      smoothing (:mod:`samm_pipeline.spot.blink`). An expression during a
      blink is masked too.
    - ``threshold_tuning = "none"``: ``threshold_fraction`` as set. With
      ``"loso"`` it is chosen for each subject's videos from
      ``threshold_grid`` on the other subjects' annotated videos
      (:mod:`samm_pipeline.spot.tune`), so a score never uses a threshold
      picked on its own truths.
    """

    regions: tuple[SpotRegion, ...] = _opt(
        DEFAULT_SPOT_REGIONS, "facial regions combined into the signal (landmarks.py)"
    )
    baseline_seconds: float = _opt(
        6.0, "window of the sliding neutral baseline (median)", ge=0.5, le=600.0
    )
    position_smooth_seconds: float = _opt(
        0.0,
        "moving mean of the aligned landmark tracks before the displacement (0: off)",
        ge=0.0,
        le=1.0,
    )
    micro_smooth_seconds: float = _opt(
        0.1, "moving-mean window of the fine (micro) signal", ge=0.0, le=2.0
    )
    macro_smooth_seconds: float = _opt(
        0.5, "moving-mean window of the coarse (macro) signal", ge=0.0, le=10.0
    )
    threshold_fraction: float = _opt(
        0.15, "p in the per-video threshold mean + p * (max - mean)", ge=0.0, le=1.0
    )
    min_height: float = _opt(
        1.0, "the threshold's floor, in typical displacements above typical", ge=0.0
    )
    threshold_outside_macro: bool = _opt(
        True, "set the fine (micro) threshold on the frames outside macro-expressions"
    )
    peak_distance_seconds: float = _opt(
        0.5, "minimum distance between peaks (scipy find_peaks)", gt=0.0, le=60.0
    )
    widen: Widen = _opt(
        "level", "level (where the signal falls back) or fixed (peak +- half width)"
    )
    edge_fraction: float = _opt(
        0.1, "widen = level: onset/offset at base + f * (peak - base)", ge=0.0, lt=1.0
    )
    half_width_seconds: float = _opt(
        0.25, "widen = fixed: interval = peak +- this", gt=0.0, le=60.0
    )
    merge_gap_seconds: float = _opt(
        0.1, "intervals closer than this are merged", ge=0.0, le=10.0
    )
    micro_max_seconds: float = _opt(
        0.5, "intervals up to this long are micro, longer ones macro", gt=0.0, le=10.0
    )
    blink_suppression: bool = _opt(
        True, "set the motion signal to 0 on blink frames (eyelid landmarks)"
    )
    blink_openness_fraction: float = _opt(
        0.75,
        "blink frame: eye openness below this fraction of the video's median",
        gt=0.0,
        lt=1.0,
    )
    blink_margin_seconds: float = _opt(
        0.1, "blink frames are widened by this either side", ge=0.0, le=2.0
    )
    threshold_tuning: ThresholdTuning = _opt(
        "none",
        "none (threshold_fraction as set) or loso (chosen per held-out subject "
        "from threshold_grid on the other subjects' videos)",
    )
    threshold_grid: tuple[float, ...] = _opt(
        (0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
        "threshold_fraction values threshold_tuning = loso chooses from",
    )

    def __post_init__(self) -> None:
        problems = [
            problem
            for item in dataclasses.fields(self)
            if (problem := _bound_problem(item.name, getattr(self, item.name), item))
        ]
        regions = typing.get_args(SpotRegion)
        unknown = [name for name in self.regions if name not in regions]
        if unknown or not self.regions:
            problems.append(
                f"regions: expected one or more of {sorted(regions)}, got "
                f"{list(self.regions)}"
            )
        if len(set(self.regions)) != len(self.regions):
            problems.append(f"regions: listed twice in {list(self.regions)}")
        if self.widen not in typing.get_args(Widen):
            problems.append(f"widen: expected 'level' or 'fixed', got {self.widen!r}")
        if self.threshold_tuning not in typing.get_args(ThresholdTuning):
            problems.append(
                "threshold_tuning: expected 'none' or 'loso', got "
                f"{self.threshold_tuning!r}"
            )
        grid = self.threshold_grid
        if not grid or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
            for v in grid
        ):
            problems.append(
                f"threshold_grid: expected one or more numbers in [0, 1], got {grid!r}"
            )
        if problems:
            raise ValueError("invalid spot settings: " + "; ".join(problems))


def _bound_problem(name: str, value: Any, item: dataclasses.Field) -> str | None:
    """Why ``value`` is outside the field's declared range, or ``None``."""
    bounds = {key: item.metadata.get(key) for key in ("ge", "gt", "le", "lt")}
    if all(bound is None for bound in bounds.values()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{name}: expected a number, got {value!r}"
    checks = {
        "ge": (lambda v, b: v >= b, ">="),
        "gt": (lambda v, b: v > b, ">"),
        "le": (lambda v, b: v <= b, "<="),
        "lt": (lambda v, b: v < b, "<"),
    }
    failed = [
        f"{sign} {bound}"
        for key, bound in bounds.items()
        if bound is not None
        for test, sign in [checks[key]]
        if not (math.isfinite(value) and test(value, bound))
    ]
    return f"{name}: expected {' and '.join(failed)}, got {value}" if failed else None


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
    spot: SpotSettings = field(default_factory=SpotSettings)


SECTIONS: dict[str, type] = typing.get_type_hints(Config)
"""Section name -> its dataclass, in file order."""
