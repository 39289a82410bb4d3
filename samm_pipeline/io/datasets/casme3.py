"""The CAS(ME)^3 part A layout: micro-expressions in long recordings, or cut out.

CAS(ME)^3 part A is distributed in two forms, both read here, with the label
file ``cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx`` (sheet ``label``; columns
``Subject | Filename | Onset | Apex | Offset | AU | Objective class |
emotion``, one row per micro-expression, 860 rows of 94 subjects; Onset, Apex
and Offset are the numbers of the ``.jpg`` files, hence "JpgIndex"):

- recordings (``part_A/data/part_A_split/part_A``):
  ``ROOT/spNO.1/a/color/355.jpg`` (and ``depth/355.png``, not read): one
  folder per recording, which holds several micro-expressions. Each row
  becomes a clip that is the window onset..offset of its recording's frames
  (:attr:`~samm_pipeline.io.datasets.records.ClipRecord.window`), so only
  those frames are read, and its markers count from the onset;
- cut clips (``Part_A_ME_clip``): ``ROOT/frame/spNO.1_a_355/355.jpg`` (and
  ``depth/``): one folder per micro-expression named
  ``<Subject>_<Filename>_<Onset>``; ROOT may also be the ``frame`` folder.

Class = ``emotion``; subject = ``Subject`` and clip id
``<Subject>_<Filename>_<Onset>`` (``spNO.1_a_355``) as the sheet spells them,
so both forms give the same keys; 30 fps. Folder names are matched ignoring
case (the sheet writes ``spNO.1``, some copies name the folder ``spNo.1``).
The label file is the ``cas(me)3*`` / ``casme3*`` spreadsheet in ROOT (or in
the folder above a ``frame`` root), or ``[extract] annotations``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from samm_pipeline.config import DatasetLayout
from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets.listing import (
    find_label_files,
    frame_numbers,
    locate_label_file,
    subfolders,
    visible_entries,
)
from samm_pipeline.io.datasets.markers import MARKERS, frame_markers
from samm_pipeline.io.datasets.records import ClipRecord, Problems
from samm_pipeline.io.datasets.tables import Table, cell_int, cell_text, read_table

CASME3_FPS: Final = 30.0

_PREFIXES: Final = ("cas(me)3", "cas(me)^3", "casme3")
_COLUMNS: Final = {
    "subject": "Subject",
    "filename": "Filename",
    "onset": "Onset",
    "apex": "Apex",
    "offset": "Offset",
    "class": "emotion",
}
_SUBJECT = re.compile(r"sp\s*no\.?\s*(\d+)", re.IGNORECASE)
_CUT_CLIP = re.compile(r"(sp\s*no\.?\s*\d+)_(.+)_(\d+)", re.IGNORECASE)

# (subject number, folded filename) for recordings, plus the onset for cut clips
_Key = tuple[int, str] | tuple[int, str, int]


def _subject_number(text: str) -> int | None:
    """``spNO.12`` / ``spNo.12`` / ``12`` -> 12.

    >>> _subject_number("spNO.12"), _subject_number("spNo.3"), _subject_number("x")
    (12, 3, None)
    """
    match = _SUBJECT.fullmatch(text.strip())
    if match:
        return int(match.group(1))
    return cell_int(text)


def _cut_clip_folder(root: Path) -> Path | None:
    """The folder of cut clips: ``ROOT/frame`` or ROOT itself, if it holds any."""
    for folder in (subfolders(root).get("frame"), root):
        if folder is not None and any(
            _CUT_CLIP.fullmatch(name) for name in subfolders(folder)
        ):
            return folder
    return None


class Casme3Layout:
    """CAS(ME)^3 part A (see the module docstring); a
    :class:`~samm_pipeline.io.datasets.records.LayoutReader`."""

    @property
    def dataset(self) -> DatasetLayout:
        """``"casme3"``."""
        return "casme3"

    def has_label_file(self, root: Path) -> bool:
        """Whether ``root`` holds a ``cas(me)3*`` / ``casme3*`` spreadsheet."""
        return bool(find_label_files(root, _PREFIXES))

    def has_folder_shape(self, root: Path) -> bool:
        """Whether ``root`` holds ``spNO.N`` subject folders or cut clip folders."""
        return _cut_clip_folder(root) is not None or any(
            _SUBJECT.fullmatch(name) for name in subfolders(root)
        )

    def discover(
        self, root: Path, annotations: str, fps: float, problems: Problems
    ) -> list[ClipRecord]:
        """One clip per row of the label file whose frames are on disk.

        Raises :class:`~samm_pipeline.errors.DataError` when the label file is
        missing, ambiguous, unreadable or lacks a column, or ROOT holds
        neither form.
        """
        cut = _cut_clip_folder(root)
        places = [root, root.parent] if cut == root else [root]
        table = read_table(_label_file(root, annotations, places), _COLUMNS, {})
        clip_fps = fps if fps > 0 else CASME3_FPS
        if cut is not None:
            folders = _cut_clips(cut, problems)
        else:
            folders = _recordings(root, problems)
            if not folders:
                raise DataError(
                    f"no CAS(ME)^3 part A folders in {root}; expected "
                    "ROOT/spNO.1/a/color/*.jpg or ROOT/frame/spNO.1_a_355/*.jpg"
                )
        return _match_rows(root, table, folders, cut is None, clip_fps, problems)


CASME3_LAYOUT: Final = Casme3Layout()


def _label_file(root: Path, annotations: str, places: list[Path]) -> Path:
    """``annotations``, else the one ``cas(me)3*`` spreadsheet in ``places``."""
    return locate_label_file(
        annotations, root, places, _PREFIXES, "CAS(ME)^3",
        f"no cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx (or other cas(me)3*.xlsx) "
        f"in {root}; the classes come from it: copy it there from "
        "part_A/annotation or set [extract] annotations",
    )  # fmt: skip


def _recordings(root: Path, problems: Problems) -> dict[_Key, Path]:
    """Frame folders of the recordings: ``spNO.N/<seq>/color`` (or ``<seq>``)."""
    folders: dict[_Key, Path] = {}
    for entry in visible_entries(root):
        if not entry.is_dir():
            continue
        subject_dir = Path(entry.path)
        number = _subject_number(entry.name) if _SUBJECT.fullmatch(entry.name) else None
        if number is None:
            problems.add(entry.name, "not a CAS(ME)^3 subject folder; ignored")
            continue
        for sequence, path in subfolders(subject_dir).items():
            folders.setdefault((number, sequence), subfolders(path).get("color", path))
    return folders


def _cut_clips(folder: Path, problems: Problems) -> dict[_Key, Path]:
    """Cut clip folders ``spNO.N_<filename>_<onset>`` by (subject, filename, onset)."""
    folders: dict[_Key, Path] = {}
    for path in subfolders(folder).values():
        match = _CUT_CLIP.fullmatch(path.name)
        number = _subject_number(match.group(1)) if match else None
        if match is None or number is None:
            problems.add(path.name, "not named spNO.N_<Filename>_<Onset>; ignored")
            continue
        folders[(number, match.group(2).casefold(), int(match.group(3)))] = path
    return folders


def _match_rows(
    root: Path,
    table: Table,
    folders: dict[_Key, Path],
    windowed: bool,
    fps: float,
    problems: Problems,
) -> list[ClipRecord]:
    """Records for the rows whose folder exists; unused folders reported."""
    records: dict[str, ClipRecord] = {}
    used: set[_Key] = set()
    listings: dict[Path, tuple[int, list[int]] | None] = {}
    for number, cells in table.rows:
        item = f"row {number} of {table.name}"
        subject = cell_text(table.cell(cells, "subject"))
        filename = cell_text(table.cell(cells, "filename"))
        class_name = cell_text(table.cell(cells, "class"))
        subject_number = _subject_number(subject)
        onset_number = cell_int(table.cell(cells, "onset"))
        if subject_number is None or not filename or not class_name:
            problems.add(item, "no subject, filename or emotion; row not used")
            continue
        key: _Key = (subject_number, filename.casefold())
        if not windowed:
            key = (*key, -1 if onset_number is None else onset_number)
        clip = f"{subject}_{filename}_{cell_text(table.cell(cells, 'onset'))}"
        folder = folders.get(key)
        if folder is None:
            problems.add(item, f"no frame folder for {clip} under {root}; row not used")
            continue
        if clip in records:
            problems.add(item, f"second row for {clip}; row not used")
            continue
        used.add(key)
        if folder not in listings:
            listings[folder] = frame_numbers(
                folder, folder.relative_to(root).as_posix(), problems
            )
        listed = listings[folder]
        if listed is None:
            continue
        markers = frame_markers(
            {name: table.cell(cells, name) for name in MARKERS},
            numbers=listed[1],
            n_frames=listed[0],
            required=True,
            item=item,
            problems=problems,
        )
        record = _record(
            root,
            folder,
            (class_name, clip, subject),
            fps,
            markers,
            windowed,
            item,
            problems,
        )
        if record is not None:
            records[clip] = record
    for key, folder in sorted(folders.items()):
        if key not in used:
            problems.add(
                folder.relative_to(root).as_posix(),
                f"no micro-expression row in {table.name}; not used",
            )
    return list(records.values())


def _record(
    root: Path,
    folder: Path,
    labels: tuple[str, str, str],
    fps: float,
    markers: tuple[int | None, int | None, int | None],
    windowed: bool,
    item: str,
    problems: Problems,
) -> ClipRecord | None:
    """A clip of ``folder`` (``labels``: class, clip id, subject); in a
    recording, the window onset..offset with markers counted from the onset."""
    onset, apex, offset = markers
    window: tuple[int, int] | None = None
    if windowed:
        if onset is None or offset is None:
            problems.add(
                item,
                "without a valid onset and offset the micro-expression cannot "
                "be cut out of its recording; row not used",
            )
            return None
        window = (onset, offset)
        onset, apex, offset = 0, None if apex is None else apex - onset, offset - onset
    class_name, clip, subject = labels
    return ClipRecord(
        class_name=class_name,
        clip=clip,
        source=folder,
        kind="frames",
        dataset="casme3",
        root=root,
        subject=subject,
        fps=fps,
        onset=onset,
        apex=apex,
        offset=offset,
        window=window,
    )
