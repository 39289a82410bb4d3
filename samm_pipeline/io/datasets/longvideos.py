"""The long-video spotting datasets: SAMM Long Videos and CAS(ME)².

Each long video is one record (one store entry) with every annotated
expression of it in ``intervals`` (0-based inclusive frame indices, typed
micro or macro); the recognition markers ``onset``/``apex``/``offset`` stay
unknown.

``samm_lv``: ``ROOT/SAMM_longvideos/006_1/006_1_0001.jpg`` (or the video
folders straight in ROOT) and ``SAMM_LongVideos_V*_Release.xlsx``: description
rows above the header ``Subject | Filename | Inducement Code | Onset | Apex |
Offset | Duration | Type | Action Units | Notes``; ``Type`` is ``Macro`` or
``Micro - 1/2``; an ``Estimated Emotion`` column, when the sheet has one
(SAMM's recognition sheet's name for it; the release has none), gives each
interval its ``label``; the video id is the first two parts of ``Filename``
(``006_1_2`` -> ``006_1``); apex ``-1`` means not annotated; an onset of 0
(before the first frame, numbered 1) is read as the first frame. 200 fps.

``casme2_lv``: ``ROOT/rawpic/s15/15_0101disgustingteeth/img1.jpg`` (or the
``sNN`` folders straight in ROOT) and ``CAS(ME)^2code_final.xlsx`` (or
``...(Updated).xlsx``). Its code sheet has no header row: subject, video code
(``anger1_1``: the stimulus name and the expression's number), onset, apex,
offset, AUs, emotion (the interval's ``label``), type (``macro-expression`` /
``micro-expression``), self-report; frames are numbered from 1 (``img1.jpg``);
an offset of 0 means only the apex is known (the interval ends at the apex).
Sheet ``naming rule1`` maps the sheet's subject numbers to the folder numbers
(column 0: folder number, ``15`` for ``s15``; column 2: the code sheet's
subject), and ``naming rule2`` the stimulus names to the four-digit codes of
the video folders (``0401`` -> ``anger1``). 30 fps. The file names and the
sheets' columns were learnt from the MEGC spotting baselines (MDMD) and
SOFTNet (github.com/genbing99/SoftNet-SpotME), which read the datasets as
distributed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Final, Literal

from samm_pipeline.config import DatasetLayout
from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets.listing import (
    find_label_files,
    frame_numbers,
    locate_label_file,
    subfolders,
    visible_entries,
)
from samm_pipeline.io.datasets.markers import frame_markers
from samm_pipeline.io.datasets.records import (
    AnnotatedInterval,
    ClipRecord,
    Problems,
)
from samm_pipeline.io.datasets.tables import (
    SPREADSHEET_SUFFIXES,
    cell_int,
    cell_text,
    is_blank,
    read_table,
)

SAMM_LV_FPS: Final = 200.0
CASME2_LV_FPS: Final = 30.0

_SAMM_PREFIXES: Final = ("samm_longvideos", "samm_long_videos", "samm long videos")
_SAMM_VIDEO: Final = re.compile(r"(\d{3})_(\d+)")
_SAMM_COLUMNS: Final = {
    "subject": "Subject",
    "filename": "Filename",
    "onset": "Onset",
    "apex": "Apex",
    "offset": "Offset",
    "type": "Type",
}
_CASME_PREFIXES: Final = ("cas(me)^2", "cas(me)2", "cas(me)²", "casme^2", "casme_sq")
_CASME_SUBJECT: Final = re.compile(r"s(\d+)", re.IGNORECASE)
_CASME_VIDEO: Final = re.compile(r"(\d+)_(\d{4})\D.*|(\d+)_(\d{4})", re.DOTALL)


def _kind(text: str) -> Literal["micro", "macro"] | None:
    """``Micro - 1/2``, ``micro-expression`` -> micro; ``Macro`` -> macro.

    >>> _kind("Micro - 1/2"), _kind("macro-expression"), _kind("blink")
    ('micro', 'macro', None)
    """
    folded = text.strip().casefold()
    if folded.startswith("micro"):
        return "micro"
    if folded.startswith("macro"):
        return "macro"
    return None


def _interval(
    cells: dict[str, Any],
    numbers: list[int],
    kind_text: str,
    label: str,
    item: str,
    problems: Problems,
) -> AnnotatedInterval | None:
    """One row's interval in frame indices, or ``None`` (a problem recorded).

    ``label`` is the row's emotion (empty when the sheet has none).
    """
    kind = _kind(kind_text)
    if kind is None:
        problems.add(
            item,
            f"type {kind_text or '(blank)'!r} is neither micro nor macro; row not used",
        )
        return None
    onset = cell_int(cells["onset"])
    if onset is not None and numbers and 0 <= onset < numbers[0]:
        cells = {**cells, "onset": numbers[0]}  # SAMM-LV onsets of 0
    onset_index, apex_index, offset_index = frame_markers(
        cells,
        numbers=numbers,
        n_frames=len(numbers),
        required=True,
        item=item,
        problems=problems,
    )
    if onset_index is None or offset_index is None:
        problems.add(item, "no usable onset and offset; row not used")
        return None
    return AnnotatedInterval(onset_index, apex_index, offset_index, kind, label)


def _long_video(
    folder: Path,
    clip: str,
    dataset: DatasetLayout,
    root: Path,
    subject: str,
    fps: float,
    intervals: list[AnnotatedInterval],
) -> ClipRecord:
    return ClipRecord(
        class_name=dataset,
        clip=clip,
        source=folder,
        kind="frames",
        dataset=dataset,
        root=root,
        subject=subject,
        fps=fps,
        intervals=tuple(sorted(intervals)),
    )


class SammLongVideoLayout:
    """SAMM Long Videos (module notes); a ``LayoutReader``."""

    @property
    def dataset(self) -> DatasetLayout:
        """``"samm_lv"``."""
        return "samm_lv"

    def has_label_file(self, root: Path) -> bool:
        """Whether ``root`` holds a ``SAMM_LongVideos*.xlsx``."""
        return bool(find_label_files(root, _SAMM_PREFIXES, SPREADSHEET_SUFFIXES))

    def has_folder_shape(self, root: Path) -> bool:
        """Whether ``root`` holds ``SAMM_longvideos/`` with ``NNN_N`` folders."""
        videos = subfolders(root).get("samm_longvideos")
        return videos is not None and any(
            _SAMM_VIDEO.fullmatch(name) for name in subfolders(videos)
        )

    def discover(
        self, root: Path, annotations: str, fps: float, problems: Problems
    ) -> list[ClipRecord]:
        """One record per video folder, with the sheet's rows as its intervals."""
        sheet = locate_label_file(
            annotations, root, [root], _SAMM_PREFIXES, "SAMM Long Videos",
            f"no SAMM_LongVideos_*.xlsx in {root}; the intervals come from "
            "it: copy it into the dataset folder or pass --annotations",
            SPREADSHEET_SUFFIXES,
        )  # fmt: skip
        table = read_table(sheet, _SAMM_COLUMNS, {"emotion": "Estimated Emotion"})
        base = subfolders(root).get("samm_longvideos", root)
        folders = {
            name: path
            for name, path in sorted(subfolders(base).items())
            if _SAMM_VIDEO.fullmatch(name)
        }
        rows: dict[str, list[tuple[str, dict[str, Any], str, str]]] = defaultdict(list)
        for number, cells in table.rows:
            item = f"row {number} of {table.name}"
            filename = cell_text(table.cell(cells, "filename"))
            video = "_".join(filename.split("_")[:2]).casefold()
            if not _SAMM_VIDEO.fullmatch(video):
                problems.add(item, f"filename {filename!r} names no video; not used")
                continue
            if video not in folders:
                problems.add(item, f"no video folder {video} under {base}; not used")
                continue
            markers = {
                name: table.cell(cells, name) for name in ("onset", "apex", "offset")
            }
            rows[video].append(
                (
                    item,
                    markers,
                    cell_text(table.cell(cells, "type")),
                    cell_text(table.cell(cells, "emotion")),
                )
            )
        records = []
        for name, folder in folders.items():
            listed = frame_numbers(
                folder, folder.relative_to(root).as_posix(), problems
            )
            if listed is None:
                continue
            _, numbers = listed
            intervals = [
                found
                for item, markers, kind, label in rows.get(name, [])
                if (found := _interval(markers, numbers, kind, label, item, problems))
            ]
            subject = _SAMM_VIDEO.fullmatch(name).group(1)  # type: ignore[union-attr]
            records.append(
                _long_video(
                    folder,
                    folder.name,
                    "samm_lv",
                    root,
                    subject,
                    fps if fps > 0 else SAMM_LV_FPS,
                    intervals,
                )
            )
        return records


class Casme2LongVideoLayout:
    """CAS(ME)² long videos (module notes); a ``LayoutReader``."""

    @property
    def dataset(self) -> DatasetLayout:
        """``"casme2_lv"``."""
        return "casme2_lv"

    def has_label_file(self, root: Path) -> bool:
        """Whether ``root`` holds a ``CAS(ME)^2*.xlsx``."""
        return bool(find_label_files(root, _CASME_PREFIXES, SPREADSHEET_SUFFIXES))

    def has_folder_shape(self, root: Path) -> bool:
        """Whether ``root`` (or ``root/rawpic``) holds ``sNN/NN_NNNN*`` folders."""
        return bool(_casme_videos(root, None))

    def discover(
        self, root: Path, annotations: str, fps: float, problems: Problems
    ) -> list[ClipRecord]:
        """One record per video folder, with the code sheet's rows as intervals."""
        sheet = locate_label_file(
            annotations, root, [root], _CASME_PREFIXES, "CAS(ME)^2",
            f"no CAS(ME)^2code_final.xlsx in {root}; the intervals and the "
            "naming rules come from it: copy it into the dataset folder or "
            "pass --annotations",
            SPREADSHEET_SUFFIXES,
        )  # fmt: skip
        code, subjects, stimuli = _read_casme_sheets(sheet)
        videos = _casme_videos(root, problems)
        rows: dict[tuple[int, str], list[tuple[str, dict[str, Any], str, str]]]
        rows = defaultdict(list)
        for number, cells in code:
            item = f"row {number} of {sheet.name}"
            subject, name = cell_int(cells[0]), cell_text(cells[1])
            folder_number = subjects.get(subject) if subject is not None else None
            stimulus = stimuli.get(re.sub(r"_\d+$", "", name).casefold())
            if folder_number is None or stimulus is None:
                problems.add(
                    item,
                    f"subject {cell_text(cells[0])!r} or video {name!r} is not in "
                    "the naming rule sheets; row not used",
                )
                continue
            if (folder_number, stimulus) not in videos:
                problems.add(
                    item,
                    f"no folder s{folder_number}/{folder_number}_{stimulus}* under "
                    f"{root}; row not used",
                )
                continue
            offset = cells[4]
            markers = {
                "onset": cells[2],
                "apex": cells[3],
                "offset": cells[3] if cell_int(offset) == 0 else offset,
            }
            rows[(folder_number, stimulus)].append(
                (item, markers, cell_text(cells[7]), cell_text(cells[6]))
            )
        records = []
        for key, folder in sorted(videos.items()):
            listed = frame_numbers(
                folder, folder.relative_to(root).as_posix(), problems
            )
            if listed is None:
                continue
            intervals = [
                found
                for item, markers, kind, label in rows.get(key, [])
                if (found := _interval(markers, listed[1], kind, label, item, problems))
            ]
            records.append(
                _long_video(
                    folder,
                    folder.name,
                    "casme2_lv",
                    root,
                    folder.parent.name,
                    fps if fps > 0 else CASME2_LV_FPS,
                    intervals,
                )
            )
        return records


def _casme_videos(root: Path, problems: Problems | None) -> dict[tuple[int, str], Path]:
    """``(folder number, four-digit code) -> video folder`` under ROOT/rawpic."""
    base = subfolders(root).get("rawpic", root)
    videos: dict[tuple[int, str], Path] = {}
    for name, subject in subfolders(base).items():
        if not _CASME_SUBJECT.fullmatch(name):
            continue
        for entry in visible_entries(subject):
            match = _CASME_VIDEO.fullmatch(entry.name)
            if not entry.is_dir() or match is None:
                continue
            number, code = (
                match.group(1) or match.group(3),
                match.group(2) or match.group(4),
            )
            key = (int(number), code)
            if key in videos and problems is not None:
                problems.add(entry.name, "a second folder for this video; ignored")
                continue
            videos[key] = Path(entry.path)
    return videos


def _read_casme_sheets(
    path: Path,
) -> tuple[list[tuple[int, list[Any]]], dict[int, int], dict[str, str]]:
    """The code sheet's rows, subject -> folder number, stimulus -> code."""
    import pandas as pd

    try:
        sheets = pd.read_excel(
            path, sheet_name=None, header=None, keep_default_na=False
        )
    except Exception as error:  # any parser failure means the same to a user
        raise DataError(
            f"cannot read spreadsheet {path} ({type(error).__name__}: {error}); "
            "check that it is a complete, valid .xlsx file"
        ) from error
    rule1 = rule2 = code = None
    for name, sheet in sheets.items():
        folded = re.sub(r"\s+", "", str(name)).casefold()
        if folded.endswith("rule1"):
            rule1 = sheet
        elif folded.endswith("rule2"):
            rule2 = sheet
        elif code is None:
            code = sheet
    if rule1 is None or rule2 is None or code is None:
        raise DataError(
            f"{path.name} needs a code sheet and the sheets 'naming rule1' "
            f"(subjects) and 'naming rule2' (videos); it has {list(sheets)}"
        )
    subjects = {
        int(row[2]): int(row[0])
        for row in rule1.to_numpy(dtype=object).tolist()
        if len(row) > 2
        and cell_int(row[0]) is not None
        and cell_int(row[2]) is not None
    }
    stimuli = {
        cell_text(row[1]).casefold(): f"{cell_int(row[0]):04d}"
        for row in rule2.to_numpy(dtype=object).tolist()
        if len(row) > 1 and cell_int(row[0]) is not None and cell_text(row[1])
    }
    rows = [
        (number + 1, list(row) + [""] * (9 - len(row)))
        for number, row in enumerate(code.to_numpy(dtype=object).tolist())
        if not all(is_blank(cell) for cell in row)
        and cell_int(row[0]) is not None  # a header row, if any, is skipped
    ]
    return rows, subjects, stimuli


SAMM_LV_LAYOUT: Final = SammLongVideoLayout()
CASME2_LV_LAYOUT: Final = Casme2LongVideoLayout()
