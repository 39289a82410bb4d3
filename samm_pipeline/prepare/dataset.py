"""Stage 2 data: from the landmark store to training arrays, labels and folds.

Two steps, so that relabelling or retraining never redoes the expensive part:

1. :func:`prepare_clips` turns every complete store entry into one aligned,
   normalised sequence ``(target_length, 3 * n_landmarks)``: crop to
   onset-offset (optional), drop or interpolate frames without a face, skip
   clips with too few face frames, remove head motion, DTW-align, standardise.
   It depends only on the ``[align]`` settings and the store entries, and is
   cached on disk under a key made from both (:func:`cache_key`).
2. :func:`label_clips` applies the label map and class selection and gives
   labels and subject groups; :func:`holdout_split` and :func:`loso_folds`
   split them (augmentation happens after, on training indices only).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import AlignConfig, TrainConfig
from samm_pipeline.errors import DataError
from samm_pipeline.landmarks import STABLE_LANDMARKS
from samm_pipeline.prepare.align import align_sequence, feature_columns
from samm_pipeline.prepare.normalize import (
    fill_missing,
    remove_head_motion,
    to_pixel_units,
    zscore,
    zscore_clip,
)

logger = logging.getLogger(__name__)

CACHE_VERSION = 2
"""Bumped whenever the cache file's layout changes. Changes to the code that
computes the arrays invalidate the cache by themselves (see
:func:`_preprocessing_code_hash`)."""


def _preprocessing_code_hash() -> str:
    """Hash of the source of every function the cached arrays depend on.

    A stale cache once served arrays standardised by an older version of
    :func:`~samm_pipeline.prepare.normalize.zscore_clip`; hashing the code makes any
    change to alignment or normalisation recompute the arrays.
    """
    import inspect

    from samm_pipeline.prepare import align, normalize

    sources = [inspect.getsource(align), inspect.getsource(normalize)]
    sources.append(inspect.getsource(preprocess_clip))
    return hashlib.sha256("".join(sources).encode("utf-8")).hexdigest()[:16]


LABEL_MAPS: dict[str, dict[str, str]] = {
    # SAMM 5-class (MEGC): the classes with at least 10 clips; the rest dropped.
    "samm5": {
        "anger": "Anger",
        "contempt": "Contempt",
        "happiness": "Happiness",
        "surprise": "Surprise",
        "other": "Other",
        "others": "Other",
    },
    # MEGC 3-class: negative / positive / surprise; others dropped.
    "megc3": {
        "anger": "negative",
        "contempt": "negative",
        "disgust": "negative",
        "fear": "negative",
        "sadness": "negative",
        "repression": "negative",
        "happiness": "positive",
        "surprise": "surprise",
    },
}
"""Built-in label maps, keyed by lower-case store class."""


def map_label(
    class_name: str, scheme: str, custom: Mapping[str, str] | None = None
) -> str | None:
    """Return the label of a store class under a label scheme, or ``None`` (drop).

    Names are matched case-insensitively and without surrounding spaces.

    >>> map_label("Anger", "samm5"), map_label("Others", "samm5")
    ('Anger', 'Other')
    >>> map_label("Fear", "samm5") is None, map_label("fear", "megc3")
    (True, 'negative')
    >>> map_label("Happy ", "custom", {"happy": "positive"})
    'positive'
    """
    name = class_name.strip()
    if scheme == "asis":
        return name
    if scheme == "custom":
        table = {key.strip().casefold(): value for key, value in (custom or {}).items()}
    else:
        table = LABEL_MAPS[scheme]
    return table.get(name.casefold())


# --------------------------------------------------------------------------
# step 1: per-clip preprocessing (cached)


def preprocess_clip(
    landmarks: NDArray[np.floating],
    attrs: Mapping[str, Any],
    config: AlignConfig,
) -> tuple[NDArray[np.float32] | None, str | None]:
    """Turn one stored clip into an aligned, normalised sequence.

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)`` as stored (NaN rows without a face).
    attrs
        The entry's attributes (width, height, onset, offset are used).
    config
        The ``[align]`` section.

    Returns
    -------
    sequence, reason
        float32 ``(target_length, 3 * n_landmarks)`` and ``None``, or
        ``None`` and why the clip is skipped.
    """
    data = np.asarray(landmarks, dtype=np.float64)
    n_landmarks = data.shape[1]
    if config.crop_to_annotation:
        onset, offset = attrs.get("onset"), attrs.get("offset")
        if onset is not None and offset is not None and 0 <= onset <= offset:
            data = data[onset : offset + 1]
    n_detected = int((~np.isnan(data).any(axis=(1, 2))).sum())
    if n_detected < config.min_detected_frames:
        return None, (
            f"{n_detected} frames with a face, fewer than min_detected_frames "
            f"({config.min_detected_frames})"
        )
    data = fill_missing(data, config.missing_frames)
    if config.head_motion == "procrustes":
        stable = config.stable_landmarks or STABLE_LANDMARKS
        if max(stable) >= n_landmarks:
            raise DataError(
                f"[align] stable_landmarks go up to {max(stable)} but the store "
                f"has {n_landmarks} landmarks; choose indices below {n_landmarks}"
            )
        data = remove_head_motion(
            to_pixel_units(data, attrs.get("width"), attrs.get("height")),
            stable=stable,
        )
    flat = data.reshape(len(data), -1)
    try:
        columns = feature_columns(config.landmarks, n_landmarks)
    except ValueError as error:
        raise DataError(f"[align] landmarks: {error}") from None
    aligned = align_sequence(
        flat,
        config.target_length,
        method=config.method,
        radius=config.radius,
        columns=columns,
    )
    if config.zscore == "clip":
        aligned = zscore_clip(aligned)
    elif config.zscore == "feature":
        aligned = zscore(aligned)
    return np.asarray(aligned, dtype=np.float32), None


@dataclass(frozen=True)
class PreparedClips:
    """Every usable clip of a store, aligned and normalised (label-free).

    Attributes
    ----------
    keys
        Store keys, in store order.
    sequences
        float32 ``(n_clips, target_length, 3 * n_landmarks)``.
    classes
        Store class of each clip (before any label map).
    subjects
        Subject of each clip, ``""`` when unknown.
    skipped
        Clips left out, with the reason.
    n_landmarks
        468 or 478.
    cache_key
        The key the arrays are cached under.
    from_cache
        Whether this run read them from the cache.
    seconds
        Time spent preparing (or loading).
    """

    keys: tuple[str, ...]
    sequences: NDArray[np.float32]
    classes: tuple[str, ...]
    subjects: tuple[str, ...]
    skipped: dict[str, str]
    n_landmarks: int
    cache_key: str
    from_cache: bool = False
    seconds: float = 0.0


def cache_key(store: Any, config: AlignConfig) -> str:
    """Hash of the ``[align]`` settings and every complete entry's fingerprint.

    Entry fingerprints are the source's relative path, size and mtime plus
    the extraction results that preprocessing reads; the store's extractor
    settings are included too. Changing a model or training option does not
    change the key; re-extracting a clip or changing an ``[align]`` key does.
    """
    fingerprint_fields = (
        "source",
        "source_size",
        "source_mtime_ns",
        "n_frames",
        "n_detected",
        "width",
        "height",
        "onset",
        "offset",
        "subject",
    )
    entries = [
        [key, *[store.entry_attrs(key).get(name) for name in fingerprint_fields]]
        for key in store
    ]
    payload = {
        "version": CACHE_VERSION,
        "code": _preprocessing_code_hash(),
        "align": dataclasses.asdict(config),
        "n_landmarks": store.n_landmarks,
        "extractor": store.extractor,
        "entries": entries,
    }
    text = json.dumps(payload, sort_keys=True, default=list)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def default_cache_dir() -> Path:
    """``$SAMM_PIPELINE_CACHE``, else ``$XDG_CACHE_HOME/samm-pipeline``, else
    ``~/.cache/samm-pipeline``."""
    if os.environ.get("SAMM_PIPELINE_CACHE"):
        return Path(os.environ["SAMM_PIPELINE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "samm-pipeline"


def _cache_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / "stage2" / f"{key}.npz"


def _load_cached(path: Path, key: str) -> PreparedClips | None:
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            sequences = archive["sequences"]
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as error:
        logger.warning("ignoring unreadable stage-2 cache %s (%s)", path, error)
        return None
    return PreparedClips(
        keys=tuple(meta["keys"]),
        sequences=sequences,
        classes=tuple(meta["classes"]),
        subjects=tuple(meta["subjects"]),
        skipped=dict(meta["skipped"]),
        n_landmarks=int(meta["n_landmarks"]),
        cache_key=key,
        from_cache=True,
    )


def _save_cached(path: Path, prepared: PreparedClips) -> None:
    """Write atomically (temporary file, then rename), so readers never see half."""
    meta = {
        "keys": prepared.keys,
        "classes": prepared.classes,
        "subjects": prepared.subjects,
        "skipped": prepared.skipped,
        "n_landmarks": prepared.n_landmarks,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            np.savez(file, sequences=prepared.sequences, meta=json.dumps(meta))
        os.replace(temporary, path)
    except OSError as error:
        logger.warning("could not write the stage-2 cache %s (%s)", path, error)


def require_clips(store: Any) -> None:
    """Raise a one-line :class:`DataError` when ``store`` has no complete clip."""
    if len(store) == 0:
        raise DataError(
            f"store {store.path} has no complete clip; run "
            f"`samm-pipeline extract DATA_DIR --store {store.path}` first"
        )


def prepare_clips(
    store: Any,
    config: AlignConfig,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> PreparedClips:
    """Align and normalise every complete entry of ``store`` (cached).

    Parameters
    ----------
    store
        A :class:`~samm_pipeline.io.store.LandmarkStore`.
    config
        The ``[align]`` section.
    cache_dir
        Where prepared arrays are kept (:func:`default_cache_dir` if None).
    use_cache
        Read and write the cache.

    Raises
    ------
    DataError
        The store has no complete entry, or no clip survives preprocessing.
    """
    start = time.perf_counter()
    require_clips(store)
    key = cache_key(store, config)
    path = _cache_file(Path(cache_dir) if cache_dir else default_cache_dir(), key)
    if use_cache and path.is_file():
        cached = _load_cached(path, key)
        if cached is not None:
            logger.info("stage-2 arrays from cache %s", path)
            return dataclasses.replace(cached, seconds=time.perf_counter() - start)
    keys, sequences, classes, subjects = [], [], [], []
    skipped: dict[str, str] = {}
    for entry_key in store:
        clip = store[entry_key]
        sequence, reason = preprocess_clip(clip.landmarks, clip.attrs, config)
        if sequence is None:
            skipped[entry_key] = reason or "skipped"
            continue
        keys.append(entry_key)
        sequences.append(sequence)
        classes.append(clip.class_name)
        subjects.append(clip.subject)
    if not sequences:
        raise DataError(
            f"no clip of store {store.path} has {config.min_detected_frames} or more "
            "frames with a face; lower [align] min_detected_frames or check the store "
            "with `samm-pipeline inspect`"
        )
    prepared = PreparedClips(
        keys=tuple(keys),
        sequences=np.stack(sequences).astype(np.float32),
        classes=tuple(classes),
        subjects=tuple(subjects),
        skipped=skipped,
        n_landmarks=store.n_landmarks,
        cache_key=key,
        from_cache=False,
    )
    if use_cache:
        _save_cached(path, prepared)
    if skipped:
        logger.info("%d clip(s) skipped in preprocessing", len(skipped))
    return dataclasses.replace(prepared, seconds=time.perf_counter() - start)


# --------------------------------------------------------------------------
# step 2: labels and groups


@dataclass(frozen=True)
class LabelledClips:
    """Prepared clips with labels, ready to split.

    Attributes
    ----------
    keys, sequences, subjects
        As in :class:`PreparedClips`, for the clips kept.
    labels
        ``(n_clips,)`` integer label, an index into ``classes``.
    classes
        Label names, sorted.
    groups
        Subject per clip; a clip without a subject is its own group (its key).
    dropped
        Clips whose class the label map or class selection leaves out.
    """

    keys: tuple[str, ...]
    sequences: NDArray[np.float32]
    labels: NDArray[np.int64]
    classes: tuple[str, ...]
    subjects: tuple[str, ...]
    groups: tuple[str, ...]
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def n_subjects(self) -> int:
        """Distinct known subjects."""
        return len({subject for subject in self.subjects if subject})


def label_clips(prepared: PreparedClips, config: TrainConfig) -> LabelledClips:
    """Apply the label map and the class selection of ``[train]``.

    Raises
    ------
    DataError
        No clip keeps a label, or a selected class does not occur.
    """
    wanted = {name.strip().casefold() for name in config.classes}
    keep, labels, dropped = [], [], {}
    for index, (key, class_name) in enumerate(
        zip(prepared.keys, prepared.classes, strict=True)
    ):
        label = map_label(class_name, config.labels, config.label_map)
        if label is None:
            dropped[key] = f"class {class_name!r} is not in label map {config.labels!r}"
            continue
        if wanted and label.casefold() not in wanted:
            dropped[key] = f"label {label!r} is not among [train] classes"
            continue
        keep.append(index)
        labels.append(label)
    if not keep:
        raise DataError(
            f"no clip keeps a label with labels = {config.labels!r}"
            + (f" and classes = {list(config.classes)}" if config.classes else "")
            + f"; the store's classes are {sorted(set(prepared.classes))}"
        )
    found = {label.casefold() for label in labels}
    missing = sorted(name for name in wanted if name not in found)
    if missing:
        raise DataError(
            f"[train] classes {missing} do not occur after label map "
            f"{config.labels!r}; available: {sorted(set(labels))}"
        )
    classes = tuple(sorted(set(labels)))
    index_of = {name: position for position, name in enumerate(classes)}
    subjects = tuple(prepared.subjects[i] for i in keep)
    keys = tuple(prepared.keys[i] for i in keep)
    return LabelledClips(
        keys=keys,
        sequences=prepared.sequences[keep],
        labels=np.array([index_of[label] for label in labels], dtype=np.int64),
        classes=classes,
        subjects=subjects,
        groups=tuple(
            subject or key for subject, key in zip(subjects, keys, strict=True)
        ),
        dropped=dropped,
    )


# --------------------------------------------------------------------------
# splits


def holdout_split(
    labels: Sequence[int] | NDArray[np.integer],
    groups: Sequence[str],
    *,
    test_fraction: float,
    seed: int,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Stratified, group-aware hold-out split: ``(train_indices, test_indices)``.

    Groups (subjects, or clips when unknown) never straddle the split;
    classes are balanced across it as far as the groups allow. Deterministic
    for a seed.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    labels = np.asarray(labels)
    group_array = np.asarray(groups)
    n_groups = len(set(group_array.tolist()))
    if n_groups < 2:
        raise DataError(
            "a hold-out split needs clips of at least 2 subjects (or clips); "
            f"found {n_groups}"
        )
    n_splits = int(min(max(2, round(1.0 / test_fraction)), n_groups))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    import warnings

    with warnings.catch_warnings():
        # "The least populated class has only k members": expected on small sets.
        warnings.simplefilter("ignore", UserWarning)
        train, test = next(splitter.split(np.zeros(len(labels)), labels, group_array))
    return np.sort(train), np.sort(test)


def loso_folds(
    subjects: Sequence[str], keys: Sequence[str] | None = None
) -> list[tuple[str, NDArray[np.intp], NDArray[np.intp]]]:
    """Leave-one-subject-out folds: ``(subject, train_indices, test_indices)``.

    Clips without a subject each form their own group (a one-clip fold).

    Raises
    ------
    DataError
        No clip has a subject, or there is only one subject.
    """
    known = sorted({subject for subject in subjects if subject})
    if not known:
        raise DataError(
            "leave-one-subject-out needs subjects, but no clip in the store has one; "
            "set [extract] subject_pattern or annotations and re-extract, "
            "or use --protocol holdout"
        )
    groups = [
        subject or (keys[index] if keys is not None else f"clip{index}")
        for index, subject in enumerate(subjects)
    ]
    names = sorted(set(groups))
    if len(names) < 2:
        raise DataError(
            f"leave-one-subject-out needs at least 2 subjects; found {names}"
        )
    group_array = np.asarray(groups)
    indices = np.arange(len(groups))
    return [
        (name, indices[group_array != name], indices[group_array == name])
        for name in names
    ]
