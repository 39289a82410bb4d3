"""Discover the clips of a dataset: class folders, SAMM or CASME II.

:func:`discover_clips` turns a dataset root into a sorted list of
:class:`ClipRecord` (class, clip id, source path, subject, fps and
onset/apex/offset) plus a list of :class:`DiscoveryProblem` (things it skipped
or could not use, each with a reason). It lists folders and reads the label
spreadsheet; it never opens a video or an image, so it stays fast on datasets
of thousands of clips.

Layouts (DESIGN section 6)
--------------------------
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

What is fatal and what is a problem
-----------------------------------
A :class:`~samm_pipeline.errors.DataError` is raised when nothing sensible can
be discovered: the root is missing, the SAMM / CASME II spreadsheet (it defines
the classes) is missing, unreadable or lacks a required column, or a
class-folder root has no class folder. Everything that concerns single clips
or rows (a row without a folder, a folder without a row, a frame folder
without images, an onset that is not a number or lies outside the frames) is
recorded as a problem and the rest of the dataset is used.
"""

from __future__ import annotations

import math
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, get_args

from samm_pipeline.config import DatasetLayout, Layout
from samm_pipeline.errors import ConfigError, DataError
from samm_pipeline.io.frames import VIDEO_SUFFIXES, frame_number, list_frame_files

ANNOTATIONS_CSV: Final = "clips.csv"
"""Annotation table looked for in a class-folder root when none is given."""

SAMM_FPS: Final = 200.0
CASME2_FPS: Final = 200.0

_SPREADSHEET_SUFFIXES: Final = (".xlsx", ".xlsm", ".xls")
_MARKERS: Final = ("onset", "apex", "offset")


@dataclass(frozen=True)
class ClipRecord:
    """One clip found on disk, with what the dataset says about it.

    Attributes
    ----------
    class_name
        Label as the dataset spells it (SAMM ``Anger``, CASME II
        ``happiness``, or the class folder's name).
    clip
        Clip id, unique within the dataset (SAMM ``006_1_2``, CASME II
        ``sub01_EP02_01f``, or the file stem / folder name).
    source
        Absolute path of the video file or the frame-image folder.
    kind
        ``"video"`` or ``"frames"``.
    dataset
        Layout the clip was found in.
    root
        Dataset root; the store records ``source`` relative to it.
    subject
        Subject id (``""`` when unknown).
    fps
        Frame rate given by the dataset, annotations or the caller; ``None``
        means: take it from the video container (or the extractor's default).
    onset, apex, offset
        0-based indices into the clip's frames (for frame folders, into
        :func:`~samm_pipeline.io.frames.list_frame_files` order); ``None`` when
        unknown or invalid.
    """

    class_name: str
    clip: str
    source: Path
    kind: Literal["video", "frames"]
    dataset: DatasetLayout
    root: Path
    subject: str = ""
    fps: float | None = None
    onset: int | None = None
    apex: int | None = None
    offset: int | None = None

    @property
    def key(self) -> str:
        """Store key ``<class>/<clip>``."""
        return f"{self.class_name}/{self.clip}"

    @property
    def relative_source(self) -> str:
        """``source`` relative to ``root`` as a POSIX path (``006/006_1_2``)."""
        try:
            return self.source.relative_to(self.root).as_posix()
        except ValueError:
            return self.source.as_posix()


@dataclass(frozen=True)
class DiscoveryProblem:
    """Something discovery skipped or could not use.

    Attributes
    ----------
    item
        What it is about: a path relative to the root (``006/006_1_7``) or a
        spreadsheet row (``row 14 of SAMM_Micro_FACS_Codes_v2.xlsx``).
    reason
        One line: what is wrong and what to do.
    """

    item: str
    reason: str


@dataclass(frozen=True)
class Discovery:
    """Result of :func:`discover_clips`: the clips (sorted by key) and problems."""

    layout: DatasetLayout
    root: Path
    clips: tuple[ClipRecord, ...]
    problems: tuple[DiscoveryProblem, ...]


class _Problems(list[DiscoveryProblem]):
    """Problems met so far, in discovery order."""

    def add(self, item: str, reason: str) -> None:
        self.append(DiscoveryProblem(item, reason))


# --------------------------------------------------------------------------
# spreadsheet helpers (pure)


def normalize_header(cell: Any) -> str:
    """Return a header cell in the form used to compare column names.

    Case, spaces and underscores are ignored, so ``Onset Frame`` (SAMM) and
    ``OnsetFrame`` (CASME II) are the same column.

    Examples
    --------
    >>> normalize_header(" Onset Frame"), normalize_header("OnsetFrame")
    ('onsetframe', 'onsetframe')
    >>> normalize_header(float("nan"))
    ''
    """
    if _is_blank(cell):
        return ""
    return re.sub(r"[\s_]+", "", str(cell)).casefold()


def find_header_row(
    rows: Iterable[Sequence[Any]], required: Iterable[str], *, max_rows: int = 100
) -> int | None:
    """Return the index of the first row holding every required column name.

    Parameters
    ----------
    rows
        Table rows (cells), e.g. a sheet read with ``header=None``.
    required
        Column names; compared with :func:`normalize_header`.
    max_rows
        Rows searched from the top.

    Returns
    -------
    int or None
        0-based row index, or ``None`` if no row in the first ``max_rows``
        holds them all.

    Examples
    --------
    >>> sheet = [["SAMM codes"], [], ["Subject", "Filename", "Onset Frame"], [6]]
    >>> find_header_row(sheet, ["subject", "onset frame"])
    2
    >>> find_header_row(sheet, ["Apex Frame"]) is None
    True
    """
    wanted = {normalize_header(name) for name in required}
    for index, row in enumerate(rows):
        if index >= max_rows:
            break
        if wanted <= {normalize_header(cell) for cell in row}:
            return index
    return None


def _is_blank(value: Any) -> bool:
    """True for None, NaN and whitespace-only strings.

    >>> _is_blank(None), _is_blank(float("nan")), _is_blank(" "), _is_blank(0)
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return str(value) in {"nan", "NaT", "<NA>"}


def _cell_text(value: Any) -> str:
    """A cell as stripped text; integral floats lose their ``.0``.

    >>> _cell_text(6.0), _cell_text(" Anger "), _cell_text(None)
    ('6', 'Anger', '')
    """
    if _is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_int(value: Any) -> int | None:
    """A cell as an integer, or ``None`` if it is blank or not a whole number.

    >>> _cell_int(5562.0), _cell_int(" 46 "), _cell_int("-1"), _cell_int("/")
    (5562, 46, -1, None)
    """
    if _is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([+-]?\d+)(?:\.0*)?\s*", value)
        return int(match.group(1)) if match else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


@dataclass(frozen=True)
class _Table:
    """A spreadsheet's data rows with columns located by name."""

    name: str
    columns: dict[str, int]  # canonical key -> column position
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (1-based row number, cells)

    def cell(self, cells: Sequence[Any], key: str) -> Any:
        position = self.columns.get(key)
        if position is None or position >= len(cells):
            return None
        return cells[position]


def _read_table(
    path: Path, required: dict[str, str], optional: dict[str, str]
) -> _Table:
    """Read a CSV or Excel file and select columns by name.

    ``required`` and ``optional`` map a canonical key to a column name. The
    header row is found by its cells in any sheet (the first that has all
    required names); blank rows are skipped; row numbers are those a
    spreadsheet program shows.
    """
    import pandas as pd

    if not path.is_file():
        raise DataError(
            f"annotation file {path} does not exist; check the path "
            "(relative paths are tried from the working directory, then ROOT)"
        )
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            sheet = pd.read_csv(
                path,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
            sheets = {"": sheet}
        elif suffix in _SPREADSHEET_SUFFIXES:
            # keep_default_na=False: show "n/a" in messages as the sheet has it
            sheets = pd.read_excel(
                path, sheet_name=None, header=None, keep_default_na=False
            )
        else:
            raise DataError(
                f"annotation file {path} is not a .csv or .xlsx file; save it "
                "as one of those"
            )
    except DataError:
        raise
    except Exception as error:  # any parser failure means the same to a user
        raise DataError(
            f"cannot read spreadsheet {path} ({type(error).__name__}: {error}); "
            "check that it is a complete, valid .csv/.xlsx file (open and save "
            "it again)"
        ) from error

    best: list[Any] = []
    for sheet in sheets.values():
        rows = sheet.to_numpy(dtype=object).tolist()
        header = find_header_row(rows, required.values())
        if header is None:
            best = max([best, *rows[:100]], key=lambda row: _n_matching(row, required))
            continue
        names = [normalize_header(cell) for cell in rows[header]]
        columns = {
            key: names.index(normalize_header(name))
            for key, name in {**optional, **required}.items()
            if normalize_header(name) in names
        }
        data = tuple(
            (number + 1, tuple(row))
            for number, row in enumerate(rows)
            if number > header and not all(_is_blank(cell) for cell in row)
        )
        return _Table(name=path.name, columns=columns, rows=data)

    found = {normalize_header(cell) for cell in best}
    missing = [
        name for name in required.values() if normalize_header(name) not in found
    ]
    shown = ", ".join(_cell_text(cell) for cell in best if not _is_blank(cell))
    raise DataError(
        f"spreadsheet {path} has no header row with the column(s) "
        f"{', '.join(missing)} (closest header row: {shown or 'none'}); add or "
        "rename the columns"
    )


def _n_matching(row: Sequence[Any], columns: dict[str, str]) -> int:
    names = {normalize_header(cell) for cell in row}
    return sum(normalize_header(name) in names for name in columns.values())


# --------------------------------------------------------------------------
# frame markers


def _markers(
    values: dict[str, Any],
    *,
    numbers: Sequence[int] | None,
    n_frames: int | None,
    required: bool,
    item: str,
    problems: _Problems,
) -> tuple[int | None, int | None, int | None]:
    """Turn onset/apex/offset cells into 0-based frame indices.

    With ``numbers`` (the sorted frame-file numbers) the cells are absolute
    frame numbers, converted to the index of the first frame at or after
    onset/apex and the last frame at or before offset. Without, they already
    are indices, checked against ``n_frames`` when known. Blank, ``/`` and
    negative apexes mean "no apex"; other bad values become problems.
    """
    result: dict[str, int | None] = {}
    for name in _MARKERS:
        raw = values.get(name)
        value = _cell_int(raw)
        if value is None or (name == "apex" and value < 0):
            if name != "apex" and (required or not _is_blank(raw)):
                problems.add(
                    item,
                    f"{name} {_cell_text(raw) or '(blank)'!r} is not a frame "
                    f"number; {name} left unknown (fix the cell to use it)",
                )
            result[name] = None
            continue
        if numbers is not None:
            inside = bool(numbers) and numbers[0] <= value <= numbers[-1]
            if name == "offset":
                index = bisect_right(numbers, value) - 1
            else:
                index = bisect_left(numbers, value)
            span = f"frames {numbers[0]}..{numbers[-1]}" if numbers else "no frames"
        else:
            inside = value >= 0 and (n_frames is None or value < n_frames)
            index = value
            span = f"{n_frames} frames" if n_frames is not None else "frames"
        if not inside:
            problems.add(
                item,
                f"{name} {value} lies outside the clip's {span}; {name} "
                "left unknown (fix the annotation)",
            )
            result[name] = None
            continue
        result[name] = index
    onset, apex, offset = (result[name] for name in _MARKERS)
    if onset is not None and offset is not None and onset > offset:
        problems.add(item, "onset after offset; markers left unknown")
        return None, None, None
    if apex is not None and not (
        (onset is None or onset <= apex) and (offset is None or apex <= offset)
    ):
        problems.add(item, "apex outside onset..offset; apex left unknown")
        apex = None
    return onset, apex, offset


# --------------------------------------------------------------------------
# layouts


def _visible(folder: Path) -> list[os.DirEntry[str]]:
    """Entries of ``folder`` not starting with ``.``, sorted by name."""
    with os.scandir(folder) as entries:
        return sorted(
            (entry for entry in entries if not entry.name.startswith(".")),
            key=lambda entry: entry.name,
        )


def _spreadsheets(root: Path, prefix: str) -> list[Path]:
    return [
        Path(entry.path)
        for entry in _visible(root)
        if entry.name.casefold().startswith(prefix.casefold())
        and entry.name.lower().endswith(_SPREADSHEET_SUFFIXES)
        and entry.is_file()
    ]


def detect_layout(root: Path) -> DatasetLayout:
    """Guess a dataset's layout from its top-level names.

    ``samm`` if ROOT holds a ``SAMM*.xlsx`` or 3-digit subject folders with
    ``NNN_N_N`` clip folders; ``casme2`` if it holds a ``CASME2*.xlsx`` or
    ``subNN`` folders with ``EP*`` clip folders; ``folders`` otherwise.
    """
    root = Path(root)
    if _spreadsheets(root, "SAMM"):
        return "samm"
    if _spreadsheets(root, "CASME2"):
        return "casme2"
    for entry in _visible(root):
        if not entry.is_dir():
            continue
        if re.fullmatch(r"\d{3}", entry.name) and any(
            re.fullmatch(r"\d{3}_\d+_\d+", sub.name) and sub.is_dir()
            for sub in _visible(Path(entry.path))
        ):
            return "samm"
        if re.fullmatch(r"sub\d+", entry.name, re.IGNORECASE) and any(
            sub.name.upper().startswith("EP") and sub.is_dir()
            for sub in _visible(Path(entry.path))
        ):
            return "casme2"
    return "folders"


def _resolve(path_text: str, root: Path) -> Path:
    """An annotations path: absolute, else from the CWD, else from ROOT."""
    path = Path(path_text).expanduser()
    if path.is_absolute() or path.exists() or not (root / path).exists():
        return Path(os.path.abspath(path))
    return root / path


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


def _discover_folders(
    root: Path,
    subject_pattern: re.Pattern[str] | None,
    annotations: str,
    fps: float,
    problems: _Problems,
) -> list[ClipRecord]:
    """Class folders: ``ROOT/<class>/<clip>.mp4`` or ``ROOT/<class>/<clip>/``."""
    class_dirs = [entry for entry in _visible(root) if entry.is_dir()]
    if not class_dirs:
        raise DataError(
            f"dataset folder {root} has no class folders; expected "
            "ROOT/<class>/<clip>.mp4 or ROOT/<class>/<clip>/ with frame images "
            "(or choose --layout samm / casme2)"
        )
    table_path = _resolve(annotations, root) if annotations else root / ANNOTATIONS_CSV
    table = None
    if annotations or table_path.is_file():
        table = _read_table(table_path, {"clip": "clip"}, _FOLDER_COLUMNS)
    rows_by_clip: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
    for number, cells in table.rows if table else ():
        rows_by_clip.setdefault(_cell_text(table.cell(cells, "clip")), []).append(
            (number, cells)
        )
    used_rows: set[int] = set()

    records = []
    for class_dir in class_dirs:
        class_name = class_dir.name
        seen: set[str] = set()
        for entry in _visible(Path(class_dir.path)):
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
                    subject = _cell_text(table.cell(cells, "subject")) or subject
                    row_fps = _float_or_none(table.cell(cells, "fps"))
                    clip_fps = row_fps if row_fps and row_fps > 0 else None
                    markers = _markers(
                        {name: table.cell(cells, name) for name in _MARKERS},
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
    table: _Table,
    rows_by_clip: dict[str, list[tuple[int, tuple[Any, ...]]]],
    clip: str,
    class_name: str,
    problems: _Problems,
) -> tuple[int, tuple[Any, ...]] | None:
    """The annotation row of a clip; a row naming another class is a problem."""
    rows = rows_by_clip.get(clip, [])
    if "class" not in table.columns:
        return rows[0] if rows else None
    for number, cells in rows:
        if _cell_text(table.cell(cells, "class")).casefold() == class_name.casefold():
            return number, cells
    for number, cells in rows:
        problems.add(
            f"row {number} of {table.name}",
            f"class {_cell_text(table.cell(cells, 'class'))!r} disagrees with "
            f"the folder {class_name}/ holding clip {clip!r}; row not used "
            "(fix the row or move the clip)",
        )
    return None


def _float_or_none(value: Any) -> float | None:
    try:
        number = float(_cell_text(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class _SheetLayout:
    """How a spreadsheet-labelled dataset (SAMM, CASME II) is organised."""

    dataset: Literal["samm", "casme2"]
    title: str
    prefix: str  # spreadsheet names start with this
    preferred: str  # the spreadsheet's usual name
    columns: dict[str, str]  # canonical key -> required column name
    subject_folder: str  # regex; group 1 is the subject number
    fps: float
    prefix_clip_with_subject: bool


_SAMM: Final = _SheetLayout(
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
)

_CASME2: Final = _SheetLayout(
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
)


def _find_sheet(root: Path, annotations: str, spec: _SheetLayout) -> Path:
    """The label spreadsheet: ``annotations``, else the one in ROOT."""
    if annotations:
        return _resolve(annotations, root)
    candidates = _spreadsheets(root, spec.prefix)
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
    spec: _SheetLayout,
    annotations: str,
    fps: float,
    problems: _Problems,
) -> list[ClipRecord]:
    """SAMM / CASME II: subject folders of clip folders, labels from a sheet."""
    table = _read_table(_find_sheet(root, annotations, spec), spec.columns, {})
    subjects: dict[int, str] = {}  # subject number -> folder name
    for entry in _visible(root):
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
        for entry in _visible(root / subject)
        if entry.is_dir()
    }

    records: dict[tuple[str, str], ClipRecord] = {}
    for number, cells in table.rows:
        item = f"row {number} of {table.name}"
        subject_number = _subject_number(table.cell(cells, "subject"))
        filename = _cell_text(table.cell(cells, "filename"))
        class_name = _cell_text(table.cell(cells, "class"))
        if subject_number is None or not filename or not class_name:
            raw_subject = _cell_text(table.cell(cells, "subject"))
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
        try:
            files = list_frame_files(folder)
        except DataError as error:
            problems.add(f"{subject}/{filename}", str(error))
            continue
        if not files:
            problems.add(
                f"{subject}/{filename}",
                "folder holds no frame images; clip skipped",
            )
            continue
        numbers = [n for n in map(frame_number, files) if n is not None]
        onset, apex, offset = _markers(
            {name: table.cell(cells, name) for name in _MARKERS},
            numbers=numbers,
            n_frames=len(files),
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
    number = _cell_int(value)
    if number is not None:
        return number
    match = re.fullmatch(r"\s*sub\s*(\d+)\s*", _cell_text(value), re.IGNORECASE)
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------
# entry point


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

    problems = _Problems()
    try:
        chosen: DatasetLayout = detect_layout(root_path) if layout == "auto" else layout
        if chosen == "folders":
            records = _discover_folders(root_path, pattern, annotations, fps, problems)
        else:
            spec = _SAMM if chosen == "samm" else _CASME2
            records = _discover_sheet(root_path, spec, annotations, fps, problems)
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
