"""Discover a dataset's clips: class folders, SAMM, CASME II, SMIC, CAS(ME)^3, MMEW.

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
  indices, and the annotation checks every layout shares;
- :mod:`~samm_pipeline.io.datasets.folders`: the class-folder layout;
- :mod:`~samm_pipeline.io.datasets.annotated`: SAMM and CASME II;
- :mod:`~samm_pipeline.io.datasets.smic`, :mod:`~samm_pipeline.io.datasets.casme3`,
  :mod:`~samm_pipeline.io.datasets.mmew`: SMIC, CAS(ME)^3 part A, MMEW;
- :mod:`~samm_pipeline.io.datasets.longvideos`: the spotting datasets SAMM
  Long Videos and CAS(ME)² (one record per long video, its intervals
  annotated);
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
``smic``
    SMIC ``ROOT/HS/s1/micro/negative/s1_ne_01/image586319.bmp`` (class from
    the folder, no label file) or SMIC-E
    ``ROOT/HS_long/SMIC-HS-E/s01/s1_ne_01/image308866.jpg`` with
    ``SMIC-HS-E_annotation.xlsx`` (``Subject, Filename, OnsetF, OffsetF``);
    HS 100 fps, VIS and NIR 25 fps, one sub-dataset per store (HS first).
``casme3``
    CAS(ME)^3 part A: ``ROOT/spNO.1/a/color/355.jpg`` (recordings; each
    micro-expression is a window of one) or ``ROOT/frame/spNO.1_a_355/``
    (cut clips), and ``cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx``
    (``Subject, Filename, Onset, Apex, Offset, emotion``); 30 fps, clip id
    ``spNO.1_a_355``.
``mmew``
    ``ROOT/Micro_Expression/<emotion>/<clip>/1.jpg`` and
    ``MMEW_Micro_Exp.xlsx`` (``Subject, Filename, OnsetFrame, ApexFrame,
    OffsetFrame, Estimated Emotion``); 90 fps.
``samm_lv``
    ``ROOT/SAMM_longvideos/006_1/006_1_0001.jpg`` and
    ``SAMM_LongVideos_V*_Release.xlsx``; one record per long video with its
    annotated intervals, 200 fps.
``casme2_lv``
    ``ROOT/rawpic/s15/15_0101disgustingteeth/img1.jpg`` and
    ``CAS(ME)^2code_final.xlsx`` (code sheet without header, ``naming rule1``
    and ``naming rule2``); one record per long video, 30 fps.

With ``layout="auto"`` the first registered layout whose label file is in
ROOT wins; failing that, the first whose folder names ROOT's match; failing
that, ``folders``. The trees and files were learnt from the loaders of MEB
(github.com/tvaranka/meb, ``meb/datasets``) and other public code reading the
datasets as distributed; see docs/datasets.md.

What is fatal and what is a problem
-----------------------------------
A :class:`~samm_pipeline.errors.DataError` is raised when nothing sensible can
be discovered: the root is missing, a label spreadsheet the layout needs (SAMM,
CASME II, CAS(ME)^3 and MMEW take their classes from it) is missing, ambiguous,
unreadable or lacks a required column, a SMIC root's frame rate cannot be
told, or a class-folder root has no class folder. Everything that concerns
single clips or rows (a row without a folder, a folder without a row, a frame
folder without images, an onset that is not a number, lies outside the frames
or after the offset, a marker frame missing on disk, a gap in the frames
onset..offset) is recorded as a problem and the rest of the dataset is used.

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
from samm_pipeline.io.datasets.casme3 import CASME3_FPS, CASME3_LAYOUT
from samm_pipeline.io.datasets.folders import ANNOTATIONS_CSV, discover_folders
from samm_pipeline.io.datasets.longvideos import (
    CASME2_LV_FPS,
    CASME2_LV_LAYOUT,
    SAMM_LV_FPS,
    SAMM_LV_LAYOUT,
)
from samm_pipeline.io.datasets.mmew import MMEW_FPS, MMEW_LAYOUT
from samm_pipeline.io.datasets.records import (
    ClipRecord,
    Discovery,
    DiscoveryProblem,
    LayoutReader,
    Problems,
)
from samm_pipeline.io.datasets.smic import SMIC_FPS, SMIC_LAYOUT
from samm_pipeline.io.datasets.tables import find_header_row, normalize_header

__all__ = [
    "ANNOTATIONS_CSV",
    "CASME2_FPS",
    "CASME2_LV_FPS",
    "CASME3_FPS",
    "LAYOUT_READERS",
    "MMEW_FPS",
    "SAMM_FPS",
    "SAMM_LV_FPS",
    "SMIC_FPS",
    "ClipRecord",
    "Discovery",
    "DiscoveryProblem",
    "detect_layout",
    "discover_clips",
    "find_header_row",
    "normalize_header",
]

LAYOUT_READERS: Final[tuple[LayoutReader, ...]] = (
    SAMM_LV_LAYOUT,  # before SAMM: its sheet's name starts with SAMM too
    CASME2_LV_LAYOUT,
    SAMM_LAYOUT,
    CASME2_LAYOUT,
    CASME3_LAYOUT,
    MMEW_LAYOUT,
    SMIC_LAYOUT,
)
"""The labelled layouts, in detection order; ``folders`` is the fallback.
The long-video layouts come first: ``SAMM_LongVideos_*.xlsx`` would
otherwise pass for SAMM's ``SAMM*.xlsx``."""

_READERS_BY_NAME: Final[dict[DatasetLayout, LayoutReader]] = {
    reader.dataset: reader for reader in LAYOUT_READERS
}


def detect_layout(root: Path) -> DatasetLayout:
    """Guess a dataset's layout from its top-level names.

    ``samm`` if ROOT holds a ``SAMM*.xlsx`` or 3-digit subject folders with
    ``NNN_N_N`` clip folders; ``casme2`` if it holds a ``CASME2*.xlsx`` or
    ``subNN`` folders with ``EP*`` clip folders; ``casme3`` for a
    ``cas(me)3*.xlsx`` or ``spNO.N`` folders; ``mmew`` for an ``MMEW*`` sheet
    or a ``Micro_Expression`` folder; ``smic`` for a ``SMIC*`` sheet or
    ``sN`` subject folders (in ROOT or an ``HS`` / ``VIS`` / ``NIR`` folder
    below) with ``micro`` or ``sN_ne_NN`` folders; ``folders`` otherwise.

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
        ``"auto"`` (:func:`detect_layout`) or a layout name: ``"folders"``,
        ``"samm"``, ``"casme2"``, ``"smic"``, ``"casme3"``, ``"mmew"``.
    subject_pattern
        Folders layout: regex searched in each clip id; its group named
        ``subject`` (else group 1, else the whole match) is the subject id.
        Annotation subjects win over it.
    annotations
        Label table (CSV or Excel). Empty: ``ROOT/clips.csv`` if present
        (folders), the layout's label file in ROOT otherwise.
    fps
        If > 0, the frame rate of every frame-folder clip (it overrides the
        dataset's rate and annotation values; videos keep annotation fps or
        their container's).

    Returns
    -------
    Discovery
        Clips sorted by key, and the problems met, in a deterministic order.

    Raises
    ------
    DataError
        Root missing; label spreadsheet missing, ambiguous, unreadable or
        lacking a required column; SMIC frame rate unknown; class-folder root
        without class folders.
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
