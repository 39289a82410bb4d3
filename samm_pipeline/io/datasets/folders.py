"""The class-folder layout: ``ROOT/<class>/<clip>.mp4`` or ``ROOT/<class>/<clip>/``.

A class folder holds videos (``.mp4, .avi, .mov, .mkv, .webm``) and folders of
frame images; its name is the class of every clip in it. Anything else in it
(notes, thumbnails) is ignored. Subjects come from an optional regex on the
clip id; an optional annotation table (``ROOT/clips.csv`` unless another one is
given) has a ``clip`` column and optional ``class, subject, fps, onset, apex,
offset`` columns, onset/apex/offset being 0-based frame indices. An annotation
subject wins over the regex.

This layout is what :func:`~samm_pipeline.io.datasets.detect_layout` falls
back to when no labelled layout recognises the root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final, Literal

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets.listing import resolve_annotations, visible_entries
from samm_pipeline.io.datasets.markers import MARKERS, frame_markers
from samm_pipeline.io.datasets.records import ClipRecord, Problems
from samm_pipeline.io.datasets.tables import Table, cell_float, cell_text, read_table
from samm_pipeline.io.frames import VIDEO_SUFFIXES, list_frame_files

ANNOTATIONS_CSV: Final = "clips.csv"
"""Annotation table looked for in a class-folder root when none is given."""


def _subject_from(pattern: re.Pattern[str] | None, clip: str) -> str:
    """The subject a regex finds in a clip id (group ``subject``, else group 1).

    >>> _subject_from(re.compile(r"^(\\d+)_"), "006_1_2")
    '006'
    >>> _subject_from(re.compile(r"^(\\d+)_"), "clip")
    ''
    """
    match = pattern.search(clip) if pattern is not None else None
    if match is None:
        return ""
    if "subject" in match.re.groupindex:
        return match.group("subject") or ""
    return (match.group(1) if match.re.groups else match.group(0)) or ""


_FOLDER_COLUMNS: Final = {
    "class": "class",
    "subject": "subject",
    "fps": "fps",
    "onset": "onset",
    "apex": "apex",
    "offset": "offset",
}


def discover_folders(
    root: Path,
    subject_pattern: re.Pattern[str] | None,
    annotations: str,
    fps: float,
    problems: Problems,
) -> list[ClipRecord]:
    """Class folders: ``ROOT/<class>/<clip>.mp4`` or ``ROOT/<class>/<clip>/``.

    Parameters
    ----------
    root
        Absolute dataset folder.
    subject_pattern
        Compiled ``subject_pattern`` of
        :func:`~samm_pipeline.io.datasets.discover_clips`, or ``None``.
    annotations
        Annotation table path as the user gave it; empty: ``ROOT/clips.csv``
        if present, else none.
    fps
        If > 0, the frame rate of every frame-folder clip.
    problems
        Where problems of single clips and rows are added.

    Returns
    -------
    list of ClipRecord
        In class-folder order, then clip order.

    Raises
    ------
    DataError
        ``root`` has no class folder, or the annotation table is missing,
        unreadable or has no ``clip`` column.
    """
    class_dirs = [entry for entry in visible_entries(root) if entry.is_dir()]
    if not class_dirs:
        raise DataError(
            f"dataset folder {root} has no class folders; expected "
            "ROOT/<class>/<clip>.mp4 or ROOT/<class>/<clip>/ with frame images "
            "(or choose --layout samm / casme2)"
        )
    table_path = (
        resolve_annotations(annotations, root)
        if annotations
        else root / ANNOTATIONS_CSV
    )
    table = None
    if annotations or table_path.is_file():
        table = read_table(table_path, {"clip": "clip"}, _FOLDER_COLUMNS)
    rows_by_clip: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
    for number, cells in table.rows if table else ():
        rows_by_clip.setdefault(cell_text(table.cell(cells, "clip")), []).append(
            (number, cells)
        )
    used_rows: set[int] = set()

    records = []
    for class_dir in class_dirs:
        class_name = class_dir.name
        seen: set[str] = set()
        for entry in visible_entries(Path(class_dir.path)):
            relative = f"{class_name}/{entry.name}"
            n_frames: int | None = None
            if entry.is_dir():
                kind: Literal["video", "frames"] = "frames"
                clip = entry.name
                try:
                    n_frames = len(list_frame_files(Path(entry.path)))
                except DataError as error:
                    problems.add(relative, str(error))
                    continue
                if n_frames == 0:
                    problems.add(relative, "folder holds no frame images; clip skipped")
                    continue
            elif os.path.splitext(entry.name)[1].lower() in VIDEO_SUFFIXES:
                kind, clip = "video", os.path.splitext(entry.name)[0]
            else:
                continue  # not a clip: notes, thumbnails...
            if clip in seen:
                problems.add(
                    relative,
                    f"another clip in {class_name} is also named {clip!r}; "
                    "this one is skipped (rename one of them)",
                )
                continue
            seen.add(clip)
            subject = _subject_from(subject_pattern, clip)
            clip_fps = None
            markers: tuple[int | None, ...] = (None, None, None)
            if table is not None:
                row = _folder_row(table, rows_by_clip, clip, class_name, problems)
                if row is None and clip not in rows_by_clip:
                    problems.add(
                        relative,
                        f"clip has no row in {table.name}; onset/apex/offset unknown",
                    )
                elif row is not None:
                    number, cells = row
                    used_rows.add(number)
                    subject = cell_text(table.cell(cells, "subject")) or subject
                    row_fps = cell_float(table.cell(cells, "fps"))
                    clip_fps = row_fps if row_fps and row_fps > 0 else None
                    markers = frame_markers(
                        {name: table.cell(cells, name) for name in MARKERS},
                        numbers=None,
                        n_frames=n_frames,
                        required=False,
                        item=f"row {number} of {table.name}",
                        problems=problems,
                    )
            if kind == "frames" and fps > 0:
                clip_fps = fps
            records.append(
                ClipRecord(
                    class_name=class_name,
                    clip=clip,
                    source=Path(entry.path),
                    kind=kind,
                    dataset="folders",
                    root=root,
                    subject=subject,
                    fps=clip_fps,
                    onset=markers[0],
                    apex=markers[1],
                    offset=markers[2],
                )
            )
        if not seen:
            problems.add(
                class_name,
                "class folder holds no video files or frame folders; ignored",
            )
    found = {record.clip for record in records}
    for clip, rows in rows_by_clip.items():
        for number, _ in rows:
            if number not in used_rows and clip not in found:
                problems.add(
                    f"row {number} of {table.name if table else ''}",
                    f"no clip {clip!r} in any class folder; row not used",
                )
    return records


def _folder_row(
    table: Table,
    rows_by_clip: dict[str, list[tuple[int, tuple[Any, ...]]]],
    clip: str,
    class_name: str,
    problems: Problems,
) -> tuple[int, tuple[Any, ...]] | None:
    """The annotation row of a clip; a row naming another class is a problem."""
    rows = rows_by_clip.get(clip, [])
    if "class" not in table.columns:
        return rows[0] if rows else None
    for number, cells in rows:
        if cell_text(table.cell(cells, "class")).casefold() == class_name.casefold():
            return number, cells
    for number, cells in rows:
        problems.add(
            f"row {number} of {table.name}",
            f"class {cell_text(table.cell(cells, 'class'))!r} disagrees with "
            f"the folder {class_name}/ holding clip {clip!r}; row not used "
            "(fix the row or move the clip)",
        )
    return None
