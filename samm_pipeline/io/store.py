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
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline._support.faults import checkpoint
from samm_pipeline.clip import Clip
from samm_pipeline.errors import DataError, OutputExistsError, storage_error
from samm_pipeline.landmarks import N_COORDS, SEQUENCE_DIMS, VALID_LANDMARK_COUNTS

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


def store_location(path: str | os.PathLike[str]) -> Path | str:
    """Where a store lives: a local :class:`~pathlib.Path`, or an fsspec URL.

    A path without ``://`` is local, and so is a ``file://`` URL (local stores
    keep Zarr's atomic local writes). Anything else (``memory://``,
    ``s3://``, ``gs://``, ``az://``...) stays a URL string, opened through
    fsspec; its protocol may need an extra package (``s3fs`` for ``s3://``).

    Examples
    --------
    >>> store_location("data/s.zarr")
    PosixPath('data/s.zarr')
    >>> store_location("file:///tmp/s.zarr")
    PosixPath('/tmp/s.zarr')
    >>> store_location("s3://bucket/runs/s.zarr/")
    's3://bucket/runs/s.zarr'
    """
    text = os.fspath(path)
    protocol, separator, rest = text.partition("://")
    if not separator:
        return Path(text)
    if protocol == "file":
        return Path(rest)
    return text.rstrip("/")


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of a store URL and the store's path on it."""
    try:
        import fsspec
    except ImportError:
        raise DataError(
            f"store {url}: store URLs need fsspec; run `pip install fsspec`"
        ) from None
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as error:  # e.g. "Install s3fs to access S3"
        raise DataError(
            f"store {url}: {error}; install the package fsspec names for this "
            "protocol (s3:// needs `pip install s3fs`, gs:// gcsfs, az:// adlfs)"
        ) from None
    except ValueError as error:  # an unknown protocol
        raise DataError(
            f"store {url}: {error}; give a local path or an fsspec URL such as "
            "s3://bucket/landmarks.zarr"
        ) from None


def _has_metadata(location: Path | str) -> bool:
    """True when the store's root ``zarr.json`` exists."""
    if isinstance(location, Path):
        return (location / "zarr.json").is_file()
    filesystem, root = _filesystem(location)
    return bool(filesystem.isfile(f"{root}/zarr.json"))


def _exists(location: Path | str) -> bool:
    if isinstance(location, Path):
        return location.exists()
    filesystem, root = _filesystem(location)
    return bool(filesystem.exists(root))


def _is_empty_folder(location: Path | str) -> bool:
    if isinstance(location, Path):
        return location.is_dir() and not any(location.iterdir())
    filesystem, root = _filesystem(location)
    return bool(filesystem.isdir(root)) and not filesystem.ls(root)


def _remove(location: Path | str) -> None:
    if isinstance(location, Path):
        shutil.rmtree(location)
    else:
        filesystem, root = _filesystem(location)
        filesystem.rm(root, recursive=True)


def _open_group(location: Path | str, mode: str) -> Any:
    import zarr

    if isinstance(location, Path):
        return zarr.open_group(str(location), mode=mode, zarr_format=3)
    _filesystem(location)  # a one-line error for a missing fsspec backend
    return zarr.open_group(location, mode=mode, zarr_format=3)


def _clean_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
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
        if not _has_metadata(self.path):
            raise DataError(
                f"no landmark store at {self.path}; create it with "
                f"`samm-pipeline extract DATA_DIR --store {self.path}`"
            )
        try:
            self._root = _open_group(self.path, "r")
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
        if _exists(self.path):
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
                _remove(self.path)
        self._root = _open_group(self.path, "a")
        attrs = dict(self._root.attrs)
        if not attrs:
            self._root.attrs.update({**wanted, "failures": {}})
        self.failures: dict[str, str] = dict(self._root.attrs.get("failures", {}))

    def _existing_attrs(self) -> dict[str, Any]:
        if not _has_metadata(self.path):
            if _is_empty_folder(self.path):
                return {}
            raise OutputExistsError(
                f"{self.path} exists but is not a landmark store; "
                "give a new --store path"
            )
        try:
            attrs = dict(_open_group(self.path, "r").attrs)
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
        entry_attrs = _clean_attrs({**attrs, "class": class_name, "clip": clip})
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
