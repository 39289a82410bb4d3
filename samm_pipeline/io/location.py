"""Where a landmark store lives: a local folder or an fsspec URL.

The store modules (:mod:`samm_pipeline.io.store`,
:mod:`samm_pipeline.io.store_writer`) reach the storage only through these
helpers, so a local path keeps Zarr's atomic local writes and a URL
(``memory://``, ``s3://``...) goes through fsspec with one-line errors for a
missing backend.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from samm_pipeline.errors import DataError


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


def url_filesystem(url: str) -> tuple[Any, str]:
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


def has_metadata(location: Path | str) -> bool:
    """True when the store's root ``zarr.json`` exists."""
    if isinstance(location, Path):
        return (location / "zarr.json").is_file()
    filesystem, root = url_filesystem(location)
    return bool(filesystem.isfile(f"{root}/zarr.json"))


def location_exists(location: Path | str) -> bool:
    """True when anything exists at ``location``."""
    if isinstance(location, Path):
        return location.exists()
    filesystem, root = url_filesystem(location)
    return bool(filesystem.exists(root))


def is_empty_folder(location: Path | str) -> bool:
    """True for an existing folder with nothing in it."""
    if isinstance(location, Path):
        return location.is_dir() and not any(location.iterdir())
    filesystem, root = url_filesystem(location)
    return bool(filesystem.isdir(root)) and not filesystem.ls(root)


def remove_location(location: Path | str) -> None:
    """Delete the folder (or the URL's tree) at ``location``."""
    if isinstance(location, Path):
        shutil.rmtree(location)
    else:
        filesystem, root = url_filesystem(location)
        filesystem.rm(root, recursive=True)


def open_group(location: Path | str, mode: str) -> Any:
    """Open the Zarr format 3 group at ``location`` in ``mode``."""
    import zarr

    if isinstance(location, Path):
        return zarr.open_group(str(location), mode=mode, zarr_format=3)
    url_filesystem(location)  # a one-line error for a missing fsspec backend
    return zarr.open_group(location, mode=mode, zarr_format=3)
