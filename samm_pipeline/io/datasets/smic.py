"""The SMIC layout: SMIC (HS, VIS, NIR) and SMIC-E, classes from folders or the sheet.

SMIC comes in two distributions, both read here:

- SMIC (``SMIC_all_raw``): clips cut to the micro-expression, the class in the
  folder path and no label file:
  ``HS/s1/micro/negative/s1_ne_01/image586319.bmp``;
- SMIC-E (``SMIC-E_raw image``): longer clips, no class level, and a label
  file per sub-dataset with the onset and offset of each clip:
  ``HS_long/SMIC-HS-E/s01/s1_ne_01/image308866.jpg`` and
  ``HS_long/SMIC-HS-E_annotation.xlsx`` (columns ``Subject, Filename,
  OnsetF, OffsetF`` and, where present, ``Emotion``).

Which sub-dataset
-----------------
One store holds one sub-dataset: HS (100 fps), VIS or NIR (25 fps); the
three film the same people, so mixing them would put one micro-expression in
a store up to three times. ROOT may be the sub-dataset folder itself (``HS``,
``SMIC-HS-E``) or any folder above it (``SMIC_all_raw``, ``HS_long``,
``SMIC-E_raw image``): discovery walks down through the folders whose names
name a sub-dataset, taking HS when there is a choice (VIS before NIR) and
reporting the others. The frame rate comes from the sub-dataset's name
(``[extract] fps`` overrides it); a root whose name says neither is an error
unless ``fps`` is given.

Classes, subjects, markers
--------------------------
Class: the ``micro/<class>`` folder, else the sheet's ``Emotion``, else the
code in the clip name (``ne`` negative, ``po`` positive, ``sur`` surprise).
Subject: the subject folder's name (``s1``, ``s01``). Clip id: the clip
folder's name. Onset and offset: the sheet's frame numbers; without a row, a
clip of the ``micro/`` tree spans its whole folder (SMIC clips are cut to
the micro-expression) and a SMIC-E clip has no markers. SMIC has no apex.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from samm_pipeline.config import DatasetLayout
from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets.listing import (
    choose_label_file,
    find_label_files,
    frame_numbers,
    resolve_annotations,
    subfolders,
)
from samm_pipeline.io.datasets.markers import frame_markers
from samm_pipeline.io.datasets.records import ClipRecord, Problems
from samm_pipeline.io.datasets.tables import Table, cell_int, cell_text, read_table

SMIC_FPS: Final = {"HS": 100.0, "VIS": 25.0, "NIR": 25.0}
"""Frame rate of each SMIC sub-dataset, in the order one is preferred."""

SMIC_CLASS_CODES: Final = {"ne": "negative", "po": "positive", "sur": "surprise"}
"""The class code in a SMIC clip name (``s1_ne_01``) and the class it means."""

_COLUMNS: Final = {
    "subject": "Subject",
    "filename": "Filename",
    "onset": "OnsetF",
    "offset": "OffsetF",
}
_OPTIONAL: Final = {"class": "Emotion"}
_SUBJECT = re.compile(r"s(\d+)", re.IGNORECASE)
_SUBSET = re.compile(r"(?<![a-z])(hs|vis|nir)(?![a-z])", re.IGNORECASE)
_CODE = re.compile(r"_(ne|po|sur)_", re.IGNORECASE)


def _subset_of(name: str) -> str | None:
    """The sub-dataset a folder name names, if any.

    >>> _subset_of("SMIC-HS-E"), _subset_of("NIR_long"), _subset_of("SMIC")
    ('HS', 'NIR', None)
    """
    match = _SUBSET.search(name)
    return match.group(1).upper() if match else None


def _has_subjects(folder: Path) -> bool:
    """Whether ``folder`` holds a SMIC subject folder (``s1``, ``s01``)."""
    return any(_SUBJECT.fullmatch(name) for name in subfolders(folder))


def _walk_to_subset(root: Path, problems: Problems | None) -> list[Path]:
    """The folders from ``root`` down to the one holding the subject folders.

    At each level without subject folders, the sub-folder naming a
    sub-dataset is taken (HS first); the others are reported.
    """
    chain = [root]
    for _ in range(3):  # SMIC-E_raw image / HS_long / SMIC-HS-E
        if _has_subjects(chain[-1]):
            break
        named = [
            (list(SMIC_FPS).index(subset), path)
            for path in subfolders(chain[-1]).values()
            if (subset := _subset_of(path.name)) is not None
        ]
        if not named:
            break
        named.sort(key=lambda pair: (pair[0], pair[1].name))
        chain.append(named[0][1])
        for _, other in named[1:]:
            if problems is not None:
                problems.add(
                    other.relative_to(root).as_posix(),
                    f"SMIC sub-dataset not read (one per store; "
                    f"{named[0][1].name} was taken): run extract on "
                    f"{other} into another store to use it",
                )
    return chain


class SmicLayout:
    """SMIC and SMIC-E (see the module docstring); a
    :class:`~samm_pipeline.io.datasets.records.LayoutReader`."""

    title: Final = "SMIC"

    @property
    def dataset(self) -> DatasetLayout:
        """``"smic"``."""
        return "smic"

    def has_label_file(self, root: Path) -> bool:
        """Whether ``root`` holds a ``SMIC*.xlsx`` / ``.csv`` label file."""
        return bool(find_label_files(root, ("SMIC",)))

    def has_folder_shape(self, root: Path) -> bool:
        """Whether ``root`` or a sub-dataset folder below it holds subject
        folders ``sN`` with a ``micro`` folder or ``sN_ne_NN``-style clips."""
        folder = _walk_to_subset(root, None)[-1]
        for name, subject in subfolders(folder).items():
            if _SUBJECT.fullmatch(name) and any(
                child == "micro" or _CODE.search(child) for child in subfolders(subject)
            ):
                return True
        return False

    def discover(
        self, root: Path, annotations: str, fps: float, problems: Problems
    ) -> list[ClipRecord]:
        """Every clip folder of the chosen sub-dataset, with the sheet's
        onset/offset where a label file is there.

        Raises :class:`~samm_pipeline.errors.DataError` when no subject folder
        is found, the frame rate cannot be told, or the label file is
        ambiguous, unreadable or lacks a column.
        """
        chain = _walk_to_subset(root, problems)
        folder = chain[-1]
        if not _has_subjects(folder):
            raise DataError(
                f"no SMIC subject folders (s1, s2, ...) under {root}; expected "
                "ROOT/HS/s1/micro/negative/s1_ne_01/ (SMIC) or "
                "ROOT/HS_long/SMIC-HS-E/s01/s1_ne_01/ (SMIC-E)"
            )
        subset = next(
            (s for path in reversed(chain) if (s := _subset_of(path.name))), None
        )
        if fps <= 0 and subset is None:
            raise DataError(
                f"cannot tell whether {folder} is SMIC HS (100 fps) or VIS/NIR "
                "(25 fps); name the folder HS, VIS or NIR, or set [extract] fps"
            )
        clip_fps = fps if fps > 0 else SMIC_FPS[subset or "HS"]
        table = _read_sheet(chain, subset, annotations, root)
        return _discover_clips(root, folder, table, clip_fps, problems)


SMIC_LAYOUT: Final = SmicLayout()


def _read_sheet(
    chain: list[Path], subset: str | None, annotations: str, root: Path
) -> Table | None:
    """The SMIC-E label table: ``annotations``, else the ``SMIC*`` file in a
    folder from ROOT down to the sub-dataset (naming it, if there are several)."""
    if annotations:
        return read_table(resolve_annotations(annotations, root), _COLUMNS, _OPTIONAL)
    for folder in reversed(chain):
        candidates = find_label_files(folder, ("SMIC",))
        if len(candidates) > 1 and subset:
            candidates = [p for p in candidates if _subset_of(p.stem) == subset]
        path = choose_label_file(candidates, "SMIC", folder)
        if path is not None:
            return read_table(path, _COLUMNS, _OPTIONAL)
    return None


def _discover_clips(
    root: Path, folder: Path, table: Table | None, fps: float, problems: Problems
) -> list[ClipRecord]:
    """Clip folders of the subject folders in ``folder``, matched to rows."""
    # (subject number, clip name folded) -> (subject folder, class folder, clip)
    clips: dict[tuple[int, str], tuple[str, str, Path]] = {}
    for name, subject_dir in sorted(subfolders(folder).items()):
        match = _SUBJECT.fullmatch(name)
        if match is None:
            continue
        number = int(match.group(1))
        children = subfolders(subject_dir)
        if "micro" in children:
            pairs = [
                (class_dir.name, clip)
                for class_dir in subfolders(children["micro"]).values()
                for clip in subfolders(class_dir).values()
            ]
        else:
            pairs = [("", clip) for clip in children.values()]
        for class_name, clip in pairs:
            clips.setdefault(
                (number, clip.name.casefold()), (subject_dir.name, class_name, clip)
            )

    records = _match_rows(root, table, clips, fps, problems) if table else {}
    for key, clip in sorted(clips.items()):
        if key in records:
            continue
        relative = clip[2].relative_to(root).as_posix()
        if table is not None:
            problems.add(
                relative,
                f"clip has no row in {table.name}; used without its onset/offset",
            )
        record = _record(root, clip, "", fps, None, None, relative, problems)
        if record is not None:
            records[key] = record
    return list(records.values())


def _match_rows(
    root: Path,
    table: Table,
    clips: dict[tuple[int, str], tuple[str, str, Path]],
    fps: float,
    problems: Problems,
) -> dict[tuple[int, str], ClipRecord]:
    """The clips the sheet's rows name, by (subject number, folded filename)."""
    records: dict[tuple[int, str], ClipRecord] = {}
    for number, cells in table.rows:
        item = f"row {number} of {table.name}"
        raw_subject = table.cell(cells, "subject")
        subject = cell_int(raw_subject)
        if subject is None and (found := _SUBJECT.fullmatch(cell_text(raw_subject))):
            subject = int(found.group(1))
        filename = cell_text(table.cell(cells, "filename"))
        key = (-1 if subject is None else subject, filename.casefold())
        if subject is None or not filename:
            problems.add(item, "no subject number or no filename; row not used")
        elif key not in clips:
            problems.add(
                item,
                f"no clip folder {filename} of subject {subject}; row not used",
            )
        elif key in records:
            problems.add(item, f"second row for {filename}; row not used")
        else:
            emotion = cell_text(table.cell(cells, "class"))
            record = _record(
                root, clips[key], emotion, fps, cells, table, item, problems
            )
            if record is not None:
                records[key] = record
    return records


def _record(
    root: Path,
    clip: tuple[str, str, Path],
    emotion: str,
    fps: float,
    cells: tuple[object, ...] | None,
    table: Table | None,
    item: str,
    problems: Problems,
) -> ClipRecord | None:
    """One clip, its class from the folder, the sheet or its name."""
    subject, class_folder, folder = clip
    code = _CODE.search(folder.name)
    class_name = (
        class_folder
        or emotion
        or (SMIC_CLASS_CODES[code.group(1).lower()] if code else "")
    )
    relative = folder.relative_to(root).as_posix()
    if not class_name:
        problems.add(
            relative,
            "no class: not under micro/<class>, no Emotion cell, no "
            "_ne_/_po_/_sur_ in its name; clip skipped",
        )
        return None
    listed = frame_numbers(folder, relative, problems)
    if listed is None:
        return None
    n_frames, numbers = listed
    if cells is not None and table is not None:
        onset, _, offset = frame_markers(
            {
                "onset": table.cell(cells, "onset"),
                "offset": table.cell(cells, "offset"),
            },
            numbers=numbers,
            n_frames=n_frames,
            required=True,
            item=item,
            problems=problems,
        )
    elif class_folder:  # SMIC: the folder is the micro-expression
        onset, offset = 0, n_frames - 1
    else:
        onset = offset = None
    return ClipRecord(
        class_name=class_name,
        clip=folder.name,
        source=folder,
        kind="frames",
        dataset="smic",
        root=root,
        subject=subject,
        fps=fps,
        onset=onset,
        offset=offset,
    )
