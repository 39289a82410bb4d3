"""The spreadsheet-labelled layouts SAMM and CASME II.

Both are subject folders of clip folders of frame images, with one label
spreadsheet in ROOT naming, per row, a subject, a clip folder, its emotion and
its onset/apex/offset as numbers of the frame files:

- SAMM: ``ROOT/006/006_1_2/006_05562.jpg`` and
  ``SAMM_Micro_FACS_Codes_v2.xlsx``; class = ``Estimated Emotion``, 200 fps;
- CASME II: ``ROOT/sub01/EP02_01f/img46.jpg`` and ``CASME2-coding-*.xlsx``;
  class = ``Estimated Emotion``, 200 fps, clip id ``sub01_EP02_01f`` (CASME II
  reuses clip names across subjects).

A :class:`SheetLayout` describes one such dataset and is a
:class:`~samm_pipeline.io.datasets.records.LayoutReader`. A dataset organised
the same way needs only another :class:`SheetLayout`; one organised otherwise
(SMIC, CAS(ME)^3, ...) gets its own sibling module with its own reader. Either
way it is then registered in :data:`samm_pipeline.io.datasets.LAYOUT_READERS`
and named in :data:`samm_pipeline.config.DatasetLayout`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from samm_pipeline.config import DatasetLayout
from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets.listing import (
    find_spreadsheets,
    frame_numbers,
    resolve_annotations,
    visible_entries,
)
from samm_pipeline.io.datasets.markers import MARKERS, frame_markers
from samm_pipeline.io.datasets.records import ClipRecord, Problems
from samm_pipeline.io.datasets.tables import cell_int, cell_text, read_table

SAMM_FPS: Final = 200.0
CASME2_FPS: Final = 200.0


@dataclass(frozen=True)
class SheetLayout:
    """How a spreadsheet-labelled dataset (SAMM, CASME II) is organised.

    Detection looks at ``prefix`` (the label file) and, failing that, at
    ``subject_shape`` and ``clip_shape`` (folder names, matched whole, case
    ignored); discovery uses the other fields.
    """

    dataset: DatasetLayout
    title: str
    prefix: str  # spreadsheet names start with this
    preferred: str  # the spreadsheet's usual name
    columns: dict[str, str]  # canonical key -> required column name
    subject_folder: str  # regex; group 1 is the subject number
    fps: float
    prefix_clip_with_subject: bool
    subject_shape: str  # regex a subject folder's name matches (detection)
    clip_shape: str  # regex a clip folder's name matches (detection)

    def has_label_file(self, root: Path) -> bool:
        """Whether ``root`` holds a ``<prefix>*.xlsx`` spreadsheet."""
        return bool(find_spreadsheets(root, self.prefix))

    def has_folder_shape(self, root: Path) -> bool:
        """Whether a subject folder of ``root`` holds a clip folder, both
        named as in this dataset."""
        for entry in visible_entries(root):
            if not entry.is_dir():
                continue
            if _is_shaped(self.subject_shape, entry.name) and any(
                _is_shaped(self.clip_shape, sub.name) and sub.is_dir()
                for sub in visible_entries(Path(entry.path))
            ):
                return True
        return False

    def discover(
        self, root: Path, annotations: str, fps: float, problems: Problems
    ) -> list[ClipRecord]:
        """The clips the spreadsheet's rows name, one per row with a folder.

        ``annotations`` is the spreadsheet's path as the user gave it (empty:
        the ``<prefix>*.xlsx`` in ``root``); ``fps`` > 0 overrides the
        dataset's rate. Raises :class:`~samm_pipeline.errors.DataError` when
        the spreadsheet is missing, ambiguous, unreadable or lacks a column.
        """
        return _discover_sheet(root, self, annotations, fps, problems)


SAMM_LAYOUT: Final = SheetLayout(
    dataset="samm",
    title="SAMM",
    prefix="SAMM",
    preferred="SAMM_Micro_FACS_Codes_v2.xlsx",
    columns={
        "subject": "Subject",
        "filename": "Filename",
        "onset": "Onset Frame",
        "apex": "Apex Frame",
        "offset": "Offset Frame",
        "class": "Estimated Emotion",
    },
    subject_folder=r"(\d+)",
    fps=SAMM_FPS,
    prefix_clip_with_subject=False,
    subject_shape=r"\d{3}",
    clip_shape=r"\d{3}_\d+_\d+",
)

CASME2_LAYOUT: Final = SheetLayout(
    dataset="casme2",
    title="CASME II",
    prefix="CASME2",
    preferred="",
    columns={
        "subject": "Subject",
        "filename": "Filename",
        "onset": "OnsetFrame",
        "apex": "ApexFrame",
        "offset": "OffsetFrame",
        "class": "Estimated Emotion",
    },
    subject_folder=r"sub(\d+)",
    fps=CASME2_FPS,
    prefix_clip_with_subject=True,
    subject_shape=r"sub\d+",
    clip_shape=r"ep.*",
)


def _is_shaped(shape: str, name: str) -> bool:
    """Whether a folder name matches a detection regex (whole, case ignored).

    >>> _is_shaped(r"ep.*", "EP02_01f"), _is_shaped(r"\\d{3}", "0061")
    (True, False)
    """
    return re.fullmatch(shape, name, re.IGNORECASE | re.DOTALL) is not None


def _find_sheet(root: Path, annotations: str, spec: SheetLayout) -> Path:
    """The label spreadsheet: ``annotations``, else the one in ROOT."""
    if annotations:
        return resolve_annotations(annotations, root)
    candidates = find_spreadsheets(root, spec.prefix)
    preferred = [path for path in candidates if path.name == spec.preferred]
    if preferred or len(candidates) == 1:
        return (preferred or candidates)[0]
    if not candidates:
        raise DataError(
            f"no {spec.prefix}*.xlsx label spreadsheet in {root}; the {spec.title} "
            "classes come from it: copy it into the dataset folder or set "
            "[extract] annotations"
        )
    raise DataError(
        f"several {spec.prefix}*.xlsx files in {root} "
        f"({', '.join(path.name for path in candidates)}); choose one with "
        "[extract] annotations"
    )


def _discover_sheet(
    root: Path,
    spec: SheetLayout,
    annotations: str,
    fps: float,
    problems: Problems,
) -> list[ClipRecord]:
    """SAMM / CASME II: subject folders of clip folders, labels from a sheet."""
    table = read_table(_find_sheet(root, annotations, spec), spec.columns, {})
    subjects: dict[int, str] = {}  # subject number -> folder name
    for entry in visible_entries(root):
        if not entry.is_dir():
            continue
        match = re.fullmatch(spec.subject_folder, entry.name, re.IGNORECASE)
        if match is None or int(match.group(1)) in subjects:
            problems.add(
                entry.name,
                f"not a {spec.title} subject folder (or a second folder for "
                "the same subject); ignored",
            )
            continue
        subjects[int(match.group(1))] = entry.name
    clip_dirs = {
        (subject, entry.name): Path(entry.path)
        for subject in subjects.values()
        for entry in visible_entries(root / subject)
        if entry.is_dir()
    }

    records: dict[tuple[str, str], ClipRecord] = {}
    for number, cells in table.rows:
        item = f"row {number} of {table.name}"
        subject_number = _subject_number(table.cell(cells, "subject"))
        filename = cell_text(table.cell(cells, "filename"))
        class_name = cell_text(table.cell(cells, "class"))
        if subject_number is None or not filename or not class_name:
            raw_subject = cell_text(table.cell(cells, "subject"))
            wrong = (
                [
                    f"subject {raw_subject!r} is not a number"
                    if raw_subject
                    else "no subject"
                ]
                if subject_number is None
                else []
            )
            wrong += [] if filename else ["no filename"]
            wrong += [] if class_name else ["no emotion"]
            problems.add(item, f"{', '.join(wrong)}; row not used")
            continue
        subject = subjects.get(subject_number, "")
        folder = clip_dirs.get((subject, filename))
        if folder is None:
            where = (
                f"{subject}/{filename}"
                if subject
                else (f"for subject {subject_number} ({filename})")
            )
            problems.add(item, f"no folder {where} under {root}; row not used")
            continue
        if (subject, filename) in records:
            problems.add(item, f"second row for {subject}/{filename}; row not used")
            continue
        listed = frame_numbers(folder, f"{subject}/{filename}", problems)
        if listed is None:
            continue
        n_frames, numbers = listed
        onset, apex, offset = frame_markers(
            {name: table.cell(cells, name) for name in MARKERS},
            numbers=numbers,
            n_frames=n_frames,
            required=True,
            item=item,
            problems=problems,
        )
        records[(subject, filename)] = ClipRecord(
            class_name=class_name,
            clip=f"{subject}_{filename}" if spec.prefix_clip_with_subject else filename,
            source=folder,
            kind="frames",
            dataset=spec.dataset,
            root=root,
            subject=subject,
            fps=fps if fps > 0 else spec.fps,
            onset=onset,
            apex=apex,
            offset=offset,
        )
    reported = {problem.item for problem in problems}
    for subject, filename in sorted(set(clip_dirs) - set(records)):
        if f"{subject}/{filename}" not in reported:
            problems.add(
                f"{subject}/{filename}",
                f"folder has no usable row in {table.name}; not used",
            )
    return list(records.values())


def _subject_number(value: Any) -> int | None:
    """Subject cell to number: ``6``, ``"006"``, ``"sub01"``.

    >>> _subject_number(6.0), _subject_number("006"), _subject_number("sub01")
    (6, 6, 1)
    """
    number = cell_int(value)
    if number is not None:
        return number
    match = re.fullmatch(r"\s*sub\s*(\d+)\s*", cell_text(value), re.IGNORECASE)
    return int(match.group(1)) if match else None
