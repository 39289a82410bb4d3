"""Stage 2, whole store: every clip prepared once, cached on disk.

:func:`prepare_clips` runs :func:`~samm_pipeline.prepare.preprocess.preprocess_clip`
over every complete store entry and keeps the result under a key made from the
``[align]`` settings, every entry's fingerprint and the preprocessing code
itself (:func:`cache_key`), so relabelling or retraining never redoes it and a
code change never serves stale arrays. Labels and splits are in
:mod:`samm_pipeline.prepare.labels`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.prepare.preprocess import preprocess_clip

logger = logging.getLogger(__name__)

CACHE_VERSION = 2
"""Bumped whenever the cache file's layout changes. Changes to the code that
computes the arrays invalidate the cache by themselves (see
:func:`_preprocessing_code_hash`)."""


def _preprocessing_code_hash() -> str:
    """Hash of the source of every module the cached arrays depend on.

    A stale cache once served arrays standardised by an older version of
    :func:`~samm_pipeline.prepare.normalize.zscore_clip`; hashing the code makes any
    change to alignment, normalisation, the per-clip steps or the clip's
    metadata parsing recompute the arrays.
    """
    import inspect

    from samm_pipeline import clip
    from samm_pipeline.prepare import align, normalize, preprocess

    sources = [
        inspect.getsource(module) for module in (align, normalize, preprocess, clip)
    ]
    return hashlib.sha256("".join(sources).encode("utf-8")).hexdigest()[:16]


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
        sequence, reason = preprocess_clip(clip, config)
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
