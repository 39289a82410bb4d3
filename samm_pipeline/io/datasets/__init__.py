"""Discover the clips of a dataset: class folders, SAMM or CASME II.

:func:`discover_clips` turns a dataset root into a sorted list of
:class:`ClipRecord` (class, clip id, source path, subject, fps and
onset/apex/offset) plus a list of :class:`DiscoveryProblem` (things it skipped
or could not use, each with a reason). It lists folders and reads the label
spreadsheet; it never opens a video or an image, so it stays fast on datasets
of thousands of clips.

The modules:

- :mod:`~samm_pipeline.io.datasets.records`: :class:`ClipRecord`,
  :class:`DiscoveryProblem`, :class:`Discovery`, the problems collector and
  the :class:`~samm_pipeline.io.datasets.records.LayoutReader` contract;
- :mod:`~samm_pipeline.io.datasets.tables`: read CSV / Excel label tables
  (header row found by its cells, columns by name) and their cells;
- :mod:`~samm_pipeline.io.datasets.listing`: list folders, find label files;
- :mod:`~samm_pipeline.io.datasets.markers`: onset/apex/offset cells to frame
  indices;
- :mod:`~samm_pipeline.io.datasets.folders`: the class-folder layout;
- :mod:`~samm_pipeline.io.datasets.annotated`: SAMM and CASME II;
- this ``__init__``: :func:`detect_layout`, :func:`discover_clips` and the
  registry :data:`LAYOUT_READERS`.

Layouts
-------
``folders``
    ``ROOT/<class>/<clip>.{mp4,avi,mov,mkv,webm}`` or ``ROOT/<class>/<clip>/``
    holding frame images; optional ``ROOT/clips.csv`` (or ``annotations``)
    with a ``clip`` column and optional ``class, subject, fps, onset, apex,
    offset`` columns, onset/apex/offset being 0-based frame indices.
``samm``
    ``ROOT/006/006_1_2/006_05562.jpg`` and ``SAMM_Micro_FACS_Codes_v2.xlsx``;
    class = ``Estimated Emotion``, 200 fps.
``casme2``
    ``ROOT/sub01/EP02_01f/img46.jpg`` and ``CASME2-coding-*.xlsx``;
    class = ``Estimated Emotion``, 200 fps, clip id ``sub01_EP02_01f``.

With ``layout="auto"`` the first registered layout whose label spreadsheet is
in ROOT wins; failing that, the first whose folder names ROOT's match;
failing that, ``folders``.

What is fatal and what is a problem
-----------------------------------
A :class:`~samm_pipeline.errors.DataError` is raised when nothing sensible can
be discovered: the root is missing, the SAMM / CASME II spreadsheet (it defines
the classes) is missing, unreadable or lacks a required column, or a
class-folder root has no class folder. Everything that concerns single clips
or rows (a row without a folder, a folder without a row, a frame folder
without images, an onset that is not a number or lies outside the frames) is
recorded as a problem and the rest of the dataset is used.

Adding a layout
---------------
Write a sibling module with an object that satisfies
:class:`~samm_pipeline.io.datasets.records.LayoutReader` (a
:class:`~samm_pipeline.io.datasets.annotated.SheetLayout` if the dataset is
organised like SAMM), add its name to
:data:`samm_pipeline.config.DatasetLayout` and the object to
:data:`LAYOUT_READERS`.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Final, get_args

from samm_pipeline.config import DatasetLayout, Layout
from samm_pipeline.errors import ConfigError, DataError
from samm_pipeline.io.datasets.annotated import (
    CASME2_FPS,
    CASME2_LAYOUT,
    SAMM_FPS,
    SAMM_LAYOUT,
)
from samm_pipeline.io.datasets.folders import ANNOTATIONS_CSV, discover_folders
from samm_pipeline.io.datasets.records import (
    ClipRecord,
    Discovery,
    DiscoveryProblem,
    LayoutReader,
    Problems,
)
from samm_pipeline.io.datasets.tables import find_header_row, normalize_header

__all__ = [
    "ANNOTATIONS_CSV",
    "CASME2_FPS",
    "LAYOUT_READERS",
    "SAMM_FPS",
    "ClipRecord",
    "Discovery",
    "DiscoveryProblem",
    "detect_layout",
    "discover_clips",
    "find_header_row",
    "normalize_header",
]

LAYOUT_READERS: Final[tuple[LayoutReader, ...]] = (SAMM_LAYOUT, CASME2_LAYOUT)
"""The labelled layouts, in detection order; ``folders`` is the fallback."""

_READERS_BY_NAME: Final[dict[DatasetLayout, LayoutReader]] = {
    reader.dataset: reader for reader in LAYOUT_READERS
}


def detect_layout(root: Path) -> DatasetLayout:
    """Guess a dataset's layout from its top-level names.

    ``samm`` if ROOT holds a ``SAMM*.xlsx`` or 3-digit subject folders with
    ``NNN_N_N`` clip folders; ``casme2`` if it holds a ``CASME2*.xlsx`` or
    ``subNN`` folders with ``EP*`` clip folders; ``folders`` otherwise.

    Notes
    -----
    Every label file is looked for before any folder shape: a file names its
    dataset, a folder name only suggests one.
    """
    root = Path(root)
    for reader in LAYOUT_READERS:
        if reader.has_label_file(root):
            return reader.dataset
    for reader in LAYOUT_READERS:
        if reader.has_folder_shape(root):
            return reader.dataset
    return "folders"


def discover_clips(
    root: str | os.PathLike[str],
    *,
    layout: Layout = "auto",
    subject_pattern: str = "",
    annotations: str = "",
    fps: float = 0.0,
) -> Discovery:
    """Find every clip of a dataset and what its labels say about it.

    Parameters
    ----------
    root
        Dataset folder.
    layout
        ``"auto"`` (:func:`detect_layout`), ``"folders"``, ``"samm"`` or
        ``"casme2"``.
    subject_pattern
        Folders layout: regex searched in each clip id; its group named
        ``subject`` (else group 1, else the whole match) is the subject id.
        Annotation subjects win over it.
    annotations
        Label table (CSV or Excel). Empty: ``ROOT/clips.csv`` if present
        (folders), the ``SAMM*.xlsx`` / ``CASME2*.xlsx`` in ROOT otherwise.
    fps
        If > 0, the frame rate of every frame-folder clip (it overrides the
        dataset's 200 fps and annotation values; videos keep annotation fps or
        their container's).

    Returns
    -------
    Discovery
        Clips sorted by key, and the problems met, in a deterministic order.

    Raises
    ------
    DataError
        Root missing; label spreadsheet missing, unreadable or lacking a
        required column; class-folder root without class folders.
    ConfigError
        Unknown ``layout``, invalid ``subject_pattern`` or negative ``fps``.
    """
    if layout not in get_args(Layout):
        raise ConfigError(
            f"layout {layout!r} is unknown; use one of {', '.join(get_args(Layout))}"
        )
    if not (fps >= 0 and math.isfinite(fps)):
        raise ConfigError(f"fps {fps} must be 0 (from the dataset) or positive")
    try:
        pattern = re.compile(subject_pattern) if subject_pattern else None
    except re.error as error:
        raise ConfigError(
            f"subject_pattern {subject_pattern!r} is not a valid regex ({error}); "
            r"fix it, e.g. '^(\d+)_'"
        ) from error
    root_path = Path(os.path.abspath(Path(root).expanduser()))
    if not root_path.is_dir():
        state = "is not a folder" if root_path.exists() else "does not exist"
        raise DataError(f"dataset folder {root_path} {state}; check DATA_DIR")

    problems = Problems()
    try:
        chosen: DatasetLayout = detect_layout(root_path) if layout == "auto" else layout
        if chosen == "folders":
            records = discover_folders(root_path, pattern, annotations, fps, problems)
        else:
            reader = _READERS_BY_NAME[chosen]
            records = reader.discover(root_path, annotations, fps, problems)
    except OSError as error:  # an unreadable sub-folder: permissions, I/O
        raise DataError(
            f"cannot list {error.filename or root_path} "
            f"({error.strerror or error}); check its permissions"
        ) from error
    return Discovery(
        layout=chosen,
        root=root_path,
        clips=tuple(sorted(records, key=lambda record: record.key)),
        problems=tuple(problems),
    )
