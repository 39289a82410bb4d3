"""The Zarr landmark store: the one module that knows its layout.

Layout (Zarr format 3)::

    <store>.zarr/
      zarr.json        root attributes: schema_version, n_landmarks (468|478),
                       extractor {name, mediapipe_version, refine_landmarks,
                       min_detection_confidence, min_tracking_confidence},
                       failures {key or item: reason}
      <class>/<clip>   float32 (n_frames, n_landmarks, 3), fill value NaN,
                       dimension names ("frame", "landmark", "coord");
                       a NaN row for every frame without a face.
                       attributes: class, clip, source (relative to the dataset
                       root), source_size, source_mtime_ns (the fingerprint),
                       fps, width, height, n_frames, n_detected, subject,
                       dataset, onset, apex, offset (null when unknown),
                       complete

Guarantees
----------
- An entry counts only when its ``complete`` attribute is true. The data is
  written first and the flag last, so a crash leaves an incomplete entry that
  readers never return and the next extraction redoes.
- One writer: worker processes return arrays; only the parent writes.
- A store made with other extractor settings is never mixed into: opening it
  for writing with different settings raises unless ``overwrite`` is given.
- Class and clip names are validated as keys (see :func:`validate_name`).
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from samm_pipeline.clip import Clip
from samm_pipeline.errors import DataError
from samm_pipeline.io.location import (
    has_metadata,
    open_group,
    store_location,
)

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""Version of the layout above; bumped when readers would misread a store."""

FRAMES_PER_CHUNK = 256
"""Frames per Zarr chunk: about 1.4 MB raw at 478 landmarks."""

CLIP_ATTRIBUTES = (
    "class",
    "clip",
    "source",
    "source_size",
    "source_mtime_ns",
    "fps",
    "width",
    "height",
    "n_frames",
    "n_detected",
    "subject",
    "dataset",
    "onset",
    "apex",
    "offset",
    "complete",
)
"""Attributes every complete entry carries, in the order they are written."""

SUMMARY_COLUMNS = (
    "key",
    "class",
    "clip",
    "subject",
    "n_frames",
    "n_detected",
    "fps",
    "width",
    "height",
    "onset",
    "apex",
    "offset",
    "dataset",
    "source",
)


def validate_name(name: str, *, what: str = "name") -> str:
    """Return ``name`` if it can be a class or clip name in the store.

    A name must be non-empty, must not contain ``/`` or ``\\``, must not be
    ``.`` or ``..``, must not start with ``__`` (reserved by Zarr) and must
    not contain control characters. Spaces and non-ASCII letters are fine.

    Raises
    ------
    DataError
        Naming the offending name and what to do.

    Examples
    --------
    >>> validate_name("Happiness")
    'Happiness'
    >>> validate_name("Überraschung 1")
    'Überraschung 1'
    >>> validate_name("a/b")
    Traceback (most recent call last):
    ...
    samm_pipeline.errors.DataError: name 'a/b' cannot be a store key: it contains '/'; rename the file or folder
    """  # noqa: E501
    problem = None
    if not name or not name.strip():
        problem = "it is empty"
    elif "/" in name or "\\" in name:
        problem = "it contains '/'" if "/" in name else "it contains '\\'"
    elif name in (".", ".."):
        problem = f"it is {name!r}"
    elif name.startswith("__"):
        problem = "it starts with '__' (reserved by Zarr)"
    elif any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        problem = "it contains control characters"
    elif name == "zarr.json":
        problem = "it is 'zarr.json' (reserved by Zarr)"
    if problem:
        raise DataError(
            f"{what} {name!r} cannot be a store key: {problem}; "
            "rename the file or folder"
        )
    return name


def make_key(class_name: str, clip: str) -> str:
    """Return the store key ``"<class>/<clip>"`` after validating both parts."""
    return (
        f"{validate_name(class_name, what='class')}/{validate_name(clip, what='clip')}"
    )


def split_key(key: str) -> tuple[str, str]:
    """Split ``"<class>/<clip>"`` into its parts, validating both."""
    parts = key.split("/")
    if len(parts) != 2:
        raise DataError(
            f"store key {key!r} is not '<class>/<clip>'; "
            "list the keys with `samm-pipeline inspect --store PATH`"
        )
    return validate_name(parts[0], what="class"), validate_name(parts[1], what="clip")


def clean_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Make attribute values JSON-safe (NaN and numpy scalars)."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out[key] = value
    return out


class LandmarkStore(Mapping[str, Clip]):
    """Read access to a landmark store: a mapping from key to :class:`Clip`.

    Opening reads only the root metadata; the list of entries is read on first
    use and arrays only when a clip is asked for. Incomplete entries (a crash
    during their write) are never returned.

    Parameters
    ----------
    path
        The store folder (``*.zarr``), or an fsspec URL such as
        ``s3://bucket/landmarks.zarr`` (see :func:`store_location`).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = store_location(path)
        if not has_metadata(self.path):
            raise DataError(
                f"no landmark store at {self.path}; create it with "
                f"`samm-pipeline extract DATA_DIR --store {self.path}`"
            )
        try:
            self._root = open_group(self.path, "r")
            attrs = dict(self._root.attrs)
        except Exception as error:  # zarr raises several types for bad metadata
            raise DataError(
                f"{self.path} is not a readable Zarr store ({error}); "
                "re-create it with `samm-pipeline extract --overwrite`"
            ) from None
        if "schema_version" not in attrs or "n_landmarks" not in attrs:
            raise DataError(
                f"{self.path} is a Zarr group but not a samm-pipeline landmark store; "
                "give the store written by `samm-pipeline extract`"
            )
        if attrs["schema_version"] > SCHEMA_VERSION:
            raise DataError(
                f"store {self.path} has schema version {attrs['schema_version']}, "
                f"newer than this samm-pipeline understands ({SCHEMA_VERSION}); "
                "upgrade samm-pipeline"
            )
        self.attrs: dict[str, Any] = attrs
        self._entries: dict[str, dict[str, Any]] | None = None

    # -- metadata ----------------------------------------------------------

    @property
    def n_landmarks(self) -> int:
        """468 or 478."""
        return int(self.attrs["n_landmarks"])

    @property
    def extractor(self) -> dict[str, Any]:
        """The extractor settings every entry was made with."""
        return dict(self.attrs.get("extractor", {}))

    @property
    def failures(self) -> dict[str, str]:
        """Clips or dataset items that could not be extracted, with reasons."""
        return dict(self.attrs.get("failures", {}))

    def _scan(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            local = _scan_local_entries(self.path)
            if local is not None:
                self._entries = local
                return local
            entries: dict[str, dict[str, Any]] = {}
            for class_name, group in sorted(self._root.groups()):
                for clip, array in sorted(group.arrays()):
                    attrs = dict(array.attrs)
                    if attrs.get("complete") is True:
                        entries[f"{class_name}/{clip}"] = attrs
            self._entries = entries
        return self._entries

    @property
    def classes(self) -> list[str]:
        """Sorted class names that have at least one complete entry."""
        return sorted({key.split("/")[0] for key in self._scan()})

    def entry_attrs(self, key: str) -> dict[str, Any]:
        """Attributes of one complete entry without loading its array."""
        try:
            return dict(self._scan()[key])
        except KeyError:
            raise self._missing(key) from None

    def landmark_array(self, key: str) -> Any:
        """One complete entry's array, unread: slice it to read a window.

        ``store.landmark_array(key)[1000:1200]`` reads only the chunks of
        those frames (:data:`FRAMES_PER_CHUNK` frames each), so a notebook or
        the spotter can go through a 7,000-frame video without loading it
        whole. Shape ``(n_frames, n_landmarks, 3)``, float32, NaN rows where
        no face was found.

        Raises
        ------
        DataError
            No complete entry ``key``.
        """
        if key not in self._scan():
            raise self._missing(key)
        return self._root[key]

    def to_xarray(self, key: str) -> Any:
        """Load one clip as an :class:`xarray.DataArray` (see :meth:`Clip.to_xarray`).

        Raises
        ------
        DataError
            No complete entry ``key``.
        """
        return self.load(key).to_xarray()

    def _missing(self, key: str) -> DataError:
        return DataError(
            f"no complete entry {key!r} in store {self.path}; "
            "list the keys with `samm-pipeline inspect --store "
            f"{self.path}` or rerun extract to complete it"
        )

    # -- Mapping -----------------------------------------------------------

    def __getitem__(self, key: str) -> Clip:
        attrs = self._scan().get(key)
        if attrs is None:
            raise KeyError(key)
        array = self._root[key]
        landmarks = np.asarray(array[...], dtype=np.float32)
        return Clip(key=key, landmarks=landmarks, attrs=attrs)

    def load(self, key: str) -> Clip:
        """Like ``store[key]`` but raising a one-line :class:`DataError`."""
        try:
            return self[key]
        except KeyError:
            raise self._missing(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._scan())

    def __len__(self) -> int:
        return len(self._scan())

    def __contains__(self, key: object) -> bool:
        return key in self._scan()

    def __repr__(self) -> str:
        return (
            f"LandmarkStore({str(self.path)!r}: {len(self)} clips, "
            f"{len(self.classes)} classes, {self.n_landmarks} landmarks)"
        )

    def summary(self) -> Any:
        """Return a pandas DataFrame, one row per complete entry.

        Columns: key, class, clip, subject, n_frames, n_detected, fps, width,
        height, onset, apex, offset, dataset, source. No array is read.
        """
        import pandas as pd

        rows = []
        for key, attrs in self._scan().items():
            class_name, clip = key.split("/")
            row = {column: attrs.get(column) for column in SUMMARY_COLUMNS}
            row.update({"key": key, "class": class_name, "clip": clip})
            rows.append(row)
        frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
        for column in ("n_frames", "n_detected", "width", "height"):
            frame[column] = frame[column].astype("int64")
        for column in ("onset", "apex", "offset"):
            frame[column] = frame[column].astype("Int64")
        frame["fps"] = frame["fps"].astype("float64")
        return frame

    def class_summary(self) -> Any:
        """Return a DataFrame per class: clips, subjects, frames, missing-face %.

        The last row, ``TOTAL``, sums over classes.
        """
        import pandas as pd

        summary = self.summary()
        columns = ["class", "clips", "subjects", "frames", "detected", "missing_pct"]
        if summary.empty:
            return pd.DataFrame(columns=columns)
        # Unknown subjects ("") are not counted as a subject.
        summary["subject"] = summary["subject"].replace("", None)
        grouped = summary.groupby("class", sort=True)
        table = pd.DataFrame(
            {
                "clips": grouped.size(),
                "subjects": grouped["subject"].nunique(),
                "frames": grouped["n_frames"].sum(),
                "detected": grouped["n_detected"].sum(),
            }
        )
        table.loc["TOTAL"] = [
            len(summary),
            summary["subject"].nunique(),
            summary["n_frames"].sum(),
            summary["n_detected"].sum(),
        ]
        table["missing_pct"] = (
            100.0 * (1 - table["detected"] / table["frames"].clip(lower=1))
        ).round(1)
        return table.rename_axis("class").reset_index()[columns]


def _scan_local_entries(path: Any) -> dict[str, dict[str, Any]] | None:
    """Attributes of every complete entry of a store on local disk, by key.

    Reads each ``<class>/<clip>/zarr.json`` (the Zarr format 3 node metadata)
    directly, in key order; returns ``None`` when ``path`` is not a local
    folder (the caller then lists through Zarr).

    Notes
    -----
    Listing through ``zarr`` costs about 0.4 ms per entry (it builds an array
    object per entry); reading the JSON documents costs about 0.04 ms, which
    keeps the first listing of a 2,000-clip store well under a second
    (``tests/benchmarks/bench_store_open.py``). A test checks both listings
    agree.
    """
    if not isinstance(path, Path) or not path.is_dir():
        return None
    entries: dict[str, dict[str, Any]] = {}
    for class_dir in sorted(os.scandir(path), key=lambda entry: entry.name):
        if not class_dir.is_dir() or _node_type(class_dir.path) != "group":
            continue
        for clip_dir in sorted(os.scandir(class_dir.path), key=lambda e: e.name):
            if not clip_dir.is_dir():
                continue
            metadata = _node_metadata(clip_dir.path)
            if metadata.get("node_type") != "array":
                continue
            attrs = dict(metadata.get("attributes") or {})
            if attrs.get("complete") is True:
                entries[f"{class_dir.name}/{clip_dir.name}"] = attrs
    return entries


def _node_metadata(folder: str) -> dict[str, Any]:
    """The ``zarr.json`` of a node folder, ``{}`` when missing or unreadable."""
    try:
        with open(os.path.join(folder, "zarr.json"), "rb") as handle:
            metadata = json.load(handle)
    except (OSError, ValueError):
        return {}
    return metadata if isinstance(metadata, dict) else {}


def _node_type(folder: str) -> str | None:
    return _node_metadata(folder).get("node_type")


def open_store(path: str | os.PathLike[str]) -> LandmarkStore:
    """Open a landmark store for reading (see :class:`LandmarkStore`)."""
    return LandmarkStore(path)
