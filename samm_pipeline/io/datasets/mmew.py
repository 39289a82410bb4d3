"""The MMEW layout: emotion folders of micro-expression clips, with their sheet.

MMEW (``MMEW_Final``) is distributed as::

    MMEW_Final/
      MMEW_Micro_Exp.xlsx            Subject, Filename, OnsetFrame, ApexFrame,
                                     OffsetFrame, Action Units, Estimated Emotion
      Micro_Expression/
        happiness/                   one folder per Estimated Emotion
          S01_happiness_01/          a clip folder (the sheet's Filename)
            1.jpg                    frames numbered from 1
      Macro_Expression/              not read

ROOT is ``MMEW_Final`` or its ``Micro_Expression`` folder; the label file is
the ``MMEW*`` spreadsheet (or CSV) in ROOT (for a ``Micro_Expression`` root,
also in the folder above), or ``[extract] annotations``. Class = ``Estimated
Emotion`` as the sheet spells it; subject = ``Subject``; clip id = the clip
folder's name; 90 fps; onset/apex/offset are frame-file numbers. Folder names
are matched ignoring case; a row whose clip sits in another emotion's folder
is reported, not used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from samm_pipeline.config import DatasetLayout
from samm_pipeline.io.datasets.listing import (
    find_label_files,
    frame_numbers,
    locate_label_file,
    subfolders,
)
from samm_pipeline.io.datasets.markers import MARKERS, frame_markers
from samm_pipeline.io.datasets.records import ClipRecord, Problems
from samm_pipeline.io.datasets.tables import Table, cell_text, read_table

MMEW_FPS: Final = 90.0

MICRO_FOLDER: Final = "Micro_Expression"
"""The folder of MMEW's micro-expression clips."""

_COLUMNS: Final = {
    "subject": "Subject",
    "filename": "Filename",
    "onset": "OnsetFrame",
    "apex": "ApexFrame",
    "offset": "OffsetFrame",
    "class": "Estimated Emotion",
}


def _micro_folder(root: Path) -> Path:
    """``ROOT/Micro_Expression`` if present (any case), else ROOT."""
    return subfolders(root).get(MICRO_FOLDER.casefold(), root)


class MmewLayout:
    """MMEW micro-expressions (see the module docstring); a
    :class:`~samm_pipeline.io.datasets.records.LayoutReader`."""

    @property
    def dataset(self) -> DatasetLayout:
        """``"mmew"``."""
        return "mmew"

    def has_label_file(self, root: Path) -> bool:
        """Whether ``root`` holds an ``MMEW*`` spreadsheet or CSV."""
        return bool(find_label_files(root, ("MMEW",)))

    def has_folder_shape(self, root: Path) -> bool:
        """Whether ``root`` holds a ``Micro_Expression`` folder or is one."""
        return (
            MICRO_FOLDER.casefold() in subfolders(root)
            or root.name.casefold() == MICRO_FOLDER.casefold()
        )

    def discover(
        self, root: Path, annotations: str, fps: float, problems: Problems
    ) -> list[ClipRecord]:
        """One clip per row whose clip folder is in its emotion's folder.

        Raises :class:`~samm_pipeline.errors.DataError` when the label file is
        missing, ambiguous, unreadable or lacks a column.
        """
        micro = _micro_folder(root)
        table = read_table(_label_file(root, micro, annotations), _COLUMNS, {})
        # folded clip name -> [(folded emotion, clip folder)]
        clips: dict[str, list[tuple[str, Path]]] = {}
        for emotion, emotion_dir in sorted(subfolders(micro).items()):
            for name, clip_dir in sorted(subfolders(emotion_dir).items()):
                clips.setdefault(name, []).append((emotion, clip_dir))
        records, used = _match_rows(
            root, table, clips, fps if fps > 0 else MMEW_FPS, problems
        )
        for places in clips.values():
            for _, clip_dir in places:
                if clip_dir not in used:
                    problems.add(
                        clip_dir.relative_to(root).as_posix(),
                        f"folder has no usable row in {table.name}; not used",
                    )
        return records


MMEW_LAYOUT: Final = MmewLayout()


def _label_file(root: Path, micro: Path, annotations: str) -> Path:
    """``annotations``, else the one ``MMEW*`` file in ROOT (or above a
    ``Micro_Expression`` root)."""
    places = [root]
    if micro == root and root.name.casefold() == MICRO_FOLDER.casefold():
        places.append(root.parent)
    return locate_label_file(
        annotations, root, places, ("MMEW",), "MMEW",
        f"no MMEW_Micro_Exp.xlsx (or other MMEW*.xlsx/.csv) in {root}; the "
        "classes and markers come from it: copy it there or set [extract] "
        "annotations",
    )  # fmt: skip


def _match_rows(
    root: Path,
    table: Table,
    clips: dict[str, list[tuple[str, Path]]],
    fps: float,
    problems: Problems,
) -> tuple[list[ClipRecord], set[Path]]:
    """Records for the rows whose clip folder is in their emotion's folder."""
    records: list[ClipRecord] = []
    used: set[Path] = set()
    for number, cells in table.rows:
        item = f"row {number} of {table.name}"
        filename = cell_text(table.cell(cells, "filename"))
        class_name = cell_text(table.cell(cells, "class"))
        if not filename or not class_name:
            problems.add(item, "no filename or no Estimated Emotion; row not used")
            continue
        places = clips.get(filename.casefold(), [])
        folder = next(
            (path for emotion, path in places if emotion == class_name.casefold()),
            None,
        )
        if folder is None:
            where = ", ".join(path.parent.name for _, path in places)
            problems.add(
                item,
                f"no folder {class_name}/{filename}"
                + (f" (it is under {where}/: fix the row or move it)" if where else "")
                + "; row not used",
            )
            continue
        if folder in used:
            problems.add(item, f"second row for {class_name}/{filename}; row not used")
            continue
        used.add(folder)
        listed = frame_numbers(folder, folder.relative_to(root).as_posix(), problems)
        if listed is None:
            continue
        onset, apex, offset = frame_markers(
            {name: table.cell(cells, name) for name in MARKERS},
            numbers=listed[1],
            n_frames=listed[0],
            required=True,
            item=item,
            problems=problems,
        )
        records.append(
            ClipRecord(
                class_name=class_name,
                clip=folder.name,
                source=folder,
                kind="frames",
                dataset="mmew",
                root=root,
                subject=cell_text(table.cell(cells, "subject")),
                fps=fps,
                onset=onset,
                apex=apex,
                offset=offset,
            )
        )
    return records, used
