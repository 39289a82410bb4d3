"""The single writer of a landmark store (the extraction stage's parent process).

The store's layout and its read side are in :mod:`samm_pipeline.io.store`;
this module adds the write side: the source fingerprint that decides which
clips a rerun redoes, and :class:`StoreWriter`, which writes data first and
the ``complete`` flag last, and refuses a store made with other extractor
settings.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.faults import checkpoint
from samm_pipeline.errors import OutputExistsError, storage_error
from samm_pipeline.io.location import (
    has_metadata,
    is_empty_folder,
    location_exists,
    open_group,
    remove_location,
    store_location,
)
from samm_pipeline.io.store import (
    FRAMES_PER_CHUNK,
    SCHEMA_VERSION,
    clean_attrs,
    split_key,
)
from samm_pipeline.landmarks import N_COORDS, SEQUENCE_DIMS, VALID_LANDMARK_COUNTS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fingerprint:
    """What identifies a clip's source: its relative path, size and mtime."""

    source: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path, root: Path) -> Fingerprint:
        """Fingerprint a video file, or a frame folder (sum of sizes, newest mtime)."""
        relative = os.path.relpath(path, root).replace(os.sep, "/")
        if path.is_dir():
            size = 0
            mtime_ns = path.stat().st_mtime_ns
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.is_file():
                        stat = entry.stat()
                        size += stat.st_size
                        mtime_ns = max(mtime_ns, stat.st_mtime_ns)
            return cls(relative, size, mtime_ns)
        stat = path.stat()
        return cls(relative, stat.st_size, stat.st_mtime_ns)


class StoreWriter:
    """The single writer of a landmark store (used by the extraction stage).

    Parameters
    ----------
    path
        The store folder, or an fsspec URL (see :func:`store_location`);
        created when missing.
    extractor
        The extractor settings (JSON-safe dict) this run uses.
    n_landmarks
        468 or 478.
    overwrite
        Replace a store made with other settings (every entry is deleted).

    Raises
    ------
    OutputExistsError
        ``path`` exists with other extractor settings and ``overwrite`` is
        false, or exists and is not a landmark store.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        extractor: Mapping[str, Any],
        n_landmarks: int,
        overwrite: bool = False,
    ) -> None:
        if n_landmarks not in VALID_LANDMARK_COUNTS:
            raise ValueError(f"n_landmarks must be 468 or 478, got {n_landmarks}")
        self.path = store_location(path)
        self.n_landmarks = n_landmarks
        self.extractor = dict(extractor)
        wanted = {
            "schema_version": SCHEMA_VERSION,
            "n_landmarks": n_landmarks,
            "extractor": self.extractor,
        }
        if location_exists(self.path):
            existing = self._existing_attrs()
            same = all(existing.get(key) == value for key, value in wanted.items())
            if not same:
                if not overwrite:
                    raise OutputExistsError(
                        f"store {self.path} was made with other extractor settings "
                        f"({_settings_difference(existing, wanted)}); use another "
                        "--store, or pass --overwrite to delete it and re-extract"
                    )
                logger.warning("deleting store %s made with other settings", self.path)
                remove_location(self.path)
        self._root = open_group(self.path, "a")
        attrs = dict(self._root.attrs)
        if not attrs:
            self._root.attrs.update({**wanted, "failures": {}})
        self.failures: dict[str, str] = dict(self._root.attrs.get("failures", {}))

    def _existing_attrs(self) -> dict[str, Any]:
        if not has_metadata(self.path):
            if is_empty_folder(self.path):
                return {}
            raise OutputExistsError(
                f"{self.path} exists but is not a landmark store; "
                "give a new --store path"
            )
        try:
            attrs = dict(open_group(self.path, "r").attrs)
        except Exception as error:
            raise OutputExistsError(
                f"{self.path} exists but cannot be read as a Zarr store ({error}); "
                "give a new --store path"
            ) from None
        if attrs and "schema_version" not in attrs:
            raise OutputExistsError(
                f"{self.path} is a Zarr group but not a landmark store; "
                "give a new --store path"
            )
        return attrs

    def fingerprint_matches(self, key: str, fingerprint: Fingerprint) -> bool:
        """True when ``key`` is complete and was made from the same source."""
        try:
            attrs = dict(self._root[key].attrs)
        except KeyError:
            return False
        return (
            attrs.get("complete") is True
            and attrs.get("source") == fingerprint.source
            and attrs.get("source_size") == fingerprint.size
            and attrs.get("source_mtime_ns") == fingerprint.mtime_ns
        )

    def write_clip(
        self, key: str, landmarks: NDArray[np.float32], attrs: Mapping[str, Any]
    ) -> None:
        """Write one entry: array first, ``complete: true`` last.

        ``landmarks`` must be float32 ``(n_frames, n_landmarks, 3)``.
        """
        class_name, clip = split_key(key)
        data = np.asarray(landmarks, dtype=np.float32)
        if data.ndim != 3 or data.shape[1:] != (self.n_landmarks, N_COORDS):
            raise ValueError(
                f"{key}: landmarks must be (n_frames, {self.n_landmarks}, 3), "
                f"got {data.shape}"
            )
        with self._writing(key):
            self._write_entry(key, class_name, clip, data, attrs)

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """Turn a full or failing disk into one line naming the store."""
        try:
            yield
        except OSError as error:
            failure = storage_error(error, f"{what} to store {self.path}")
            if failure is None:
                raise
            raise failure from None

    def _write_entry(
        self,
        key: str,
        class_name: str,
        clip: str,
        data: NDArray[np.float32],
        attrs: Mapping[str, Any],
    ) -> None:
        group = self._root.require_group(class_name)
        entry_attrs = clean_attrs({**attrs, "class": class_name, "clip": clip})
        entry_attrs["complete"] = False
        array = group.create_array(
            clip,
            shape=data.shape,
            chunks=(min(FRAMES_PER_CHUNK, max(1, data.shape[0])), *data.shape[1:]),
            dtype="float32",
            fill_value=np.nan,
            dimension_names=SEQUENCE_DIMS,
            attributes=entry_attrs,
            overwrite=True,
        )
        if data.shape[0]:
            array[...] = data
        checkpoint("store.data-written")
        array.attrs.update({"complete": True})
        checkpoint("store.clip-complete")

    def record_failure(self, item: str, reason: str) -> None:
        """Record why ``item`` (a key or a dataset item) was not extracted."""
        self.failures[item] = " ".join(reason.split())
        with self._writing("the failure table"):
            self._root.attrs.update({"failures": dict(sorted(self.failures.items()))})

    def clear_failure(self, item: str) -> None:
        """Forget an earlier failure of ``item`` (it was extracted now)."""
        if self.failures.pop(item, None) is not None:
            with self._writing("the failure table"):
                failures = dict(sorted(self.failures.items()))
                self._root.attrs.update({"failures": failures})

    def replace_failures(self, failures: Mapping[str, str]) -> None:
        """Set the whole failure table at once."""
        self.failures = {
            item: " ".join(reason.split()) for item, reason in failures.items()
        }
        with self._writing("the failure table"):
            self._root.attrs.update({"failures": dict(sorted(self.failures.items()))})


def _settings_difference(existing: Mapping[str, Any], wanted: Mapping[str, Any]) -> str:
    """Describe how two stores' settings differ, in a few words."""
    differences = []
    if existing.get("n_landmarks") != wanted.get("n_landmarks"):
        differences.append(
            f"n_landmarks {existing.get('n_landmarks')} vs {wanted.get('n_landmarks')}"
        )
    old = existing.get("extractor") or {}
    new = wanted.get("extractor") or {}
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            differences.append(f"{name} {old.get(name)!r} vs {new.get(name)!r}")
    if existing.get("schema_version") != wanted.get("schema_version"):
        differences.append(
            f"schema_version {existing.get('schema_version')} "
            f"vs {wanted.get('schema_version')}"
        )
    return (
        "stored vs requested: " + ", ".join(differences) if differences else "unknown"
    )
