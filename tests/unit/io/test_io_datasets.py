"""Tests for samm_pipeline.io.datasets: the three layouts, problems and errors.

Discovery only lists folders and reads the label table, so the "videos" and
"frames" below are placeholder bytes: a test would fail if discovery tried to
decode them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from samm_pipeline.errors import ConfigError, DataError
from samm_pipeline.io.datasets import (
    ClipRecord,
    Discovery,
    detect_layout,
    discover_clips,
    find_header_row,
)

SAMM_SHEET = "SAMM_Micro_FACS_Codes_v2.xlsx"
SAMM_HEADER = [
    "Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
    "Offset Frame", "Duration", "Micro", "Action Units", "Estimated Emotion",
    "Objective Classes", "Notes",
]  # fmt: skip
N_DESCRIPTION_ROWS = 12


def _touch(path: Path, data: bytes = b"placeholder") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _frames(folder: Path, names: list[str]) -> Path:
    for name in names:
        _touch(folder / name)
    return folder


def _write_sheet(path: Path, rows: list[list[object]]) -> Path:
    """Write ``rows`` as they are (no pandas header or index) to an xlsx file."""
    pd.DataFrame(rows).to_excel(path, header=False, index=False)
    return path


def _samm_rows(header: list[str], data: list[list[object]]) -> list[list[object]]:
    description = [
        [f"SAMM description line {i + 1}"] for i in range(N_DESCRIPTION_ROWS)
    ]
    description[3] = []  # a blank line among the notes, as in the real sheet
    return [*description, header, *data]


def _problem_items(discovery: Discovery) -> list[str]:
    return [problem.item for problem in discovery.problems]


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture
def folders_root(tmp_path: Path) -> Path:
    """Class-folder dataset with a clips.csv.

    - ``Anger/006_1_2.mp4`` (video), ``Anger/007_3_1/img1..img5.jpg`` (frames)
    - ``Happiness/006_2_1.avi`` (video), ``Happiness/notes.txt`` (ignored),
      ``Happiness/empty_clip/`` holding only ``Thumbs.db`` (a problem)
    - ``Surprise/`` holding only ``readme.md`` (a class without clips: problem)
    - ``.cache/`` hidden folder and ``clips.csv`` top-level file (not classes)
    - ``clips.csv`` rows (line numbers): 2 ``006_1_2`` Anger subject S6, fps
      30, markers 1/2/3; 3 ``007_3_1`` Anger, no subject, markers 0/""/9
      (offset outside its 5 frames); 4 ``ghost`` (no such clip); 5
      ``006_2_1`` class Surprise (disagrees with its folder Happiness)
    """
    root = tmp_path / "data"
    _touch(root / "Anger" / "006_1_2.mp4")
    _frames(root / "Anger" / "007_3_1", [f"img{i}.jpg" for i in range(1, 6)])
    _touch(root / "Happiness" / "006_2_1.avi")
    _touch(root / "Happiness" / "notes.txt")
    _touch(root / "Happiness" / "empty_clip" / "Thumbs.db")
    _touch(root / "Surprise" / "readme.md")
    _touch(root / ".cache" / "x.mp4")
    (root / "clips.csv").write_text(
        "clip,class,subject,fps,onset,apex,offset\n"
        "006_1_2,Anger,S6,30,1,2,3\n"
        "007_3_1,Anger,,,0,,9\n"
        "ghost,Anger,S9,30,0,1,2\n"
        "006_2_1,Surprise,S6,30,0,1,2\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def samm_root(tmp_path: Path) -> Path:
    """SAMM-style dataset: subject folders, absolute frame numbers, a sheet.

    Folders (frame files are placeholders):

    - ``006/006_1_2/006_05562..006_05566.jpg`` (5-digit padding)
    - ``006/006_1_3/006_0998.jpg, 006_0999.jpg, 006_01000.jpg, 006_01001.jpg``
      (4- and 5-digit padding mixed)
    - ``007/007_5_5/007_100..007_104.jpg``
    - ``007/007_6_1/`` with frames but no row in the sheet (a problem)

    ``SAMM_Micro_FACS_Codes_v2.xlsx``: 12 description rows (one blank), the
    header on spreadsheet row 13, then rows 14: subject 6 ``006_1_2`` Anger,
    5562/5564/5566; 15: subject 6 ``006_1_3`` "Other " (trailing space), apex
    -1; 16: subject 9 ``009_1_1`` (no folder: a problem); 17: subject 7
    ``007_5_5`` Happiness, onset "n/a" and offset 99999 (two problems).
    """
    root = tmp_path / "SAMM"
    _frames(root / "006" / "006_1_2", [f"006_0{n}.jpg" for n in range(5562, 5567)])
    _frames(
        root / "006" / "006_1_3",
        ["006_0998.jpg", "006_0999.jpg", "006_01000.jpg", "006_01001.jpg"],
    )
    _frames(root / "007" / "007_5_5", [f"007_{n}.jpg" for n in range(100, 105)])
    _frames(root / "007" / "007_6_1", ["007_1.jpg"])
    rows = [
        [6, "006_1_2", "I_1", 5562, 5564, 5566, 5, "Micro", "4+7", "Anger", 6, ""],
        [6, "006_1_3", "I_1", 998, -1, 1001, 4, "Micro", "12", "Other ", 7, "no apex"],
        [9, "009_1_1", "I_2", 10, 12, 14, 5, "Micro", "1+2", "Surprise", 5, ""],
        [7, "007_5_5", "I_3", "n/a", 101, 99999, 5, "Micro", "12", "Happiness", 3, ""],
    ]  # fmt: skip
    _write_sheet(root / SAMM_SHEET, _samm_rows(SAMM_HEADER, rows))
    return root


@pytest.fixture
def casme2_root(tmp_path: Path) -> Path:
    """CASME II-style dataset: sub folders, unpadded frames, stray files.

    - ``sub01/EP02_01f/img46..img50.jpg`` plus ``Thumbs.db`` and ``info.txt``
    - ``sub02/EP02_01f/img9.jpg, img10.jpg, img11.jpg`` (same filename as
      sub01's: clip ids must still be unique)
    - ``CASME2-coding-20140508.xlsx``, header in its first row, with an
      unnamed column between Filename and OnsetFrame and one at the end;
      rows: subject 1 ``EP02_01f`` happiness 46/48/50; subject 2 ``EP02_01f``
      repression 9/"/"/11
    """
    root = tmp_path / "CASME2"
    clip = _frames(root / "sub01" / "EP02_01f", [f"img{n}.jpg" for n in range(46, 51)])
    _touch(clip / "Thumbs.db")
    _touch(clip / "info.txt")
    _frames(root / "sub02" / "EP02_01f", ["img9.jpg", "img10.jpg", "img11.jpg"])
    header = [
        "Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame",
        "Action Units", "Estimated Emotion", None,
    ]  # fmt: skip
    rows = [
        [1, "EP02_01f", "x", 46, 48, 50, "12", "happiness", 1.5],
        [2, "EP02_01f", "y", 9, "/", 11, "4", "repression", None],
    ]
    _write_sheet(root / "CASME2-coding-20140508.xlsx", [header, *rows])
    return root


# --------------------------------------------------------------------------
# helpers


def test_find_header_row_ignores_case_and_spaces() -> None:
    rows = [["notes"], [None, "subject", " ONSET  FRAME "], [1, 2]]
    assert find_header_row(rows, ["Subject", "OnsetFrame"]) == 1
    assert find_header_row(rows, ["Subject", "Filename"]) is None


def test_clip_record_key_and_relative_source(tmp_path: Path) -> None:
    record = ClipRecord(
        class_name="Anger",
        clip="006_1_2",
        source=tmp_path / "006" / "006_1_2",
        kind="frames",
        dataset="samm",
        root=tmp_path,
    )
    assert record.key == "Anger/006_1_2"
    assert record.relative_source == "006/006_1_2"
    assert (record.subject, record.fps, record.onset) == ("", None, None)


# --------------------------------------------------------------------------
# class folders


def test_folders_layout_with_clips_csv(folders_root: Path) -> None:
    discovery = discover_clips(folders_root, subject_pattern=r"^(\d+)_")
    assert discovery.layout == "folders"
    assert discovery.root == folders_root
    clips = {record.key: record for record in discovery.clips}
    assert list(clips) == ["Anger/006_1_2", "Anger/007_3_1", "Happiness/006_2_1"]

    video = clips["Anger/006_1_2"]
    assert (video.kind, video.dataset, video.relative_source) == (
        "video",
        "folders",
        "Anger/006_1_2.mp4",
    )
    assert video.source.is_absolute()
    assert (video.subject, video.fps) == ("S6", 30.0)  # the CSV wins over the regex
    assert (video.onset, video.apex, video.offset) == (1, 2, 3)

    frames = clips["Anger/007_3_1"]
    assert (frames.kind, frames.relative_source) == ("frames", "Anger/007_3_1")
    assert frames.subject == "007"  # blank in the CSV: from the regex
    assert frames.fps is None
    assert (frames.onset, frames.apex, frames.offset) == (0, None, None)

    disagreeing = clips["Happiness/006_2_1"]
    assert (disagreeing.subject, disagreeing.fps, disagreeing.onset) == (
        "006",
        None,
        None,
    )

    reasons = {problem.item: problem.reason for problem in discovery.problems}
    assert "offset 9 lies outside" in reasons["row 3 of clips.csv"]
    assert "no clip 'ghost'" in reasons["row 4 of clips.csv"]
    assert "disagrees" in reasons["row 5 of clips.csv"]
    assert "no frame images" in reasons["Happiness/empty_clip"]
    assert "no video files" in reasons["Surprise"]
    assert len(discovery.problems) == 5


def test_folders_layout_without_annotations(tmp_path: Path) -> None:
    """``happy/s01_a.webm``, ``happy/s02_b/f1.png``: regex subjects, fps override."""
    _touch(tmp_path / "happy" / "s01_a.webm")
    _frames(tmp_path / "happy" / "s02_b", ["f1.png"])
    _touch(tmp_path / "happy" / "s02_b.mp4")  # same id as the folder: a problem
    discovery = discover_clips(tmp_path, subject_pattern=r"(?P<subject>s\d+)_", fps=50)
    assert [(r.key, r.subject, r.kind, r.fps) for r in discovery.clips] == [
        ("happy/s01_a", "s01", "video", None),
        ("happy/s02_b", "s02", "frames", 50.0),
    ]
    assert _problem_items(discovery) == ["happy/s02_b.mp4"]


def test_folders_layout_annotations_path_and_bad_regex(
    folders_root: Path, tmp_path: Path
) -> None:
    table = tmp_path / "labels.csv"
    table.write_text("clip,onset\n006_1_2,x\n", encoding="utf-8")
    discovery = discover_clips(folders_root, annotations=str(table))
    anger = next(r for r in discovery.clips if r.clip == "006_1_2")
    assert anger.onset is None
    assert any("'x' is not a frame number" in p.reason for p in discovery.problems)
    with pytest.raises(ConfigError, match="subject_pattern"):
        discover_clips(folders_root, subject_pattern="(unclosed")


def test_folders_root_without_class_folders_raises(tmp_path: Path) -> None:
    _touch(tmp_path / "clip.mp4")
    with pytest.raises(DataError, match="no class folders"):
        discover_clips(tmp_path)


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere does not exist"):
        discover_clips(tmp_path / "nowhere")


# --------------------------------------------------------------------------
# SAMM


def test_samm_layout(samm_root: Path) -> None:
    discovery = discover_clips(samm_root)
    assert discovery.layout == "samm"
    clips = {record.key: record for record in discovery.clips}
    assert list(clips) == ["Anger/006_1_2", "Happiness/007_5_5", "Other/006_1_3"]
    anger = clips["Anger/006_1_2"]
    assert (anger.subject, anger.fps, anger.kind, anger.dataset) == (
        "006",
        200.0,
        "frames",
        "samm",
    )
    assert anger.relative_source == "006/006_1_2"
    assert (anger.onset, anger.apex, anger.offset) == (0, 2, 4)
    other = clips["Other/006_1_3"]  # class stripped; 998 is the first file
    assert (other.onset, other.apex, other.offset) == (0, None, 3)
    happiness = clips["Happiness/007_5_5"]
    assert (happiness.onset, happiness.apex, happiness.offset) == (None, 1, None)

    assert discovery.problems[0].item == "row 16 of " + SAMM_SHEET
    assert "no folder for subject 9" in discovery.problems[0].reason
    assert [(p.item, p.reason.split()[0]) for p in discovery.problems[1:]] == [
        ("row 17 of " + SAMM_SHEET, "onset"),
        ("row 17 of " + SAMM_SHEET, "offset"),
        ("007/007_6_1", "folder"),
    ]


def test_samm_fps_override_and_annotations_path(
    samm_root: Path, tmp_path: Path
) -> None:
    moved = (samm_root / SAMM_SHEET).rename(tmp_path / "codes.xlsx")
    discovery = discover_clips(
        samm_root, layout="samm", annotations=str(moved), fps=100
    )
    assert {record.fps for record in discovery.clips} == {100.0}
    # no spreadsheet in ROOT: "auto" still finds SAMM by its folder names
    assert detect_layout(samm_root) == "samm"


def test_samm_missing_spreadsheet_raises(samm_root: Path) -> None:
    (samm_root / SAMM_SHEET).unlink()
    with pytest.raises(DataError, match=r"no SAMM\*\.xlsx"):
        discover_clips(samm_root, layout="samm")


def test_samm_missing_column_raises_naming_it(samm_root: Path) -> None:
    header = [name for name in SAMM_HEADER if name != "Estimated Emotion"]
    _write_sheet(samm_root / SAMM_SHEET, _samm_rows(header, [[6, "006_1_2"]]))
    with pytest.raises(DataError, match=r"Estimated Emotion.*closest.*Filename"):
        discover_clips(samm_root)


def test_corrupt_spreadsheet_raises(samm_root: Path) -> None:
    (samm_root / SAMM_SHEET).write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DataError, match=rf"cannot read spreadsheet .*{SAMM_SHEET}"):
        discover_clips(samm_root)


# --------------------------------------------------------------------------
# CASME II


def test_casme2_layout(casme2_root: Path) -> None:
    discovery = discover_clips(casme2_root)
    assert discovery.layout == "casme2"
    assert discovery.problems == ()
    first, second = discovery.clips
    assert (first.key, first.subject, first.relative_source) == (
        "happiness/sub01_EP02_01f",
        "sub01",
        "sub01/EP02_01f",
    )
    assert (first.onset, first.apex, first.offset, first.fps) == (0, 2, 4, 200.0)
    assert (second.key, second.subject) == ("repression/sub02_EP02_01f", "sub02")
    assert (second.onset, second.apex, second.offset) == (0, None, 2)


def test_casme2_detected_by_folders(casme2_root: Path) -> None:
    (casme2_root / "CASME2-coding-20140508.xlsx").unlink()
    assert detect_layout(casme2_root) == "casme2"


# --------------------------------------------------------------------------
# all layouts


def test_auto_detects_each_layout(
    folders_root: Path, samm_root: Path, casme2_root: Path
) -> None:
    assert detect_layout(folders_root) == "folders"
    assert detect_layout(samm_root) == "samm"
    assert detect_layout(casme2_root) == "casme2"


def test_discovery_is_deterministic(samm_root: Path, folders_root: Path) -> None:
    for root in (samm_root, folders_root):
        first, second = discover_clips(root), discover_clips(root)
        assert first == second
        keys = [record.key for record in first.clips]
        assert keys == sorted(keys)


def test_unknown_layout_raises(folders_root: Path) -> None:
    with pytest.raises(ConfigError, match="layout 'avi'"):
        discover_clips(folders_root, layout="avi")  # type: ignore[arg-type]


def test_discovery_lists_without_opening_media(tmp_path: Path) -> None:
    """4 classes x 500 zero-byte placeholder videos: discovery only lists them.

    Opening any of them would fail, so a clean discovery shows that none was
    opened (its speed is measured in tests/benchmarks, not here).
    """
    for class_name in ("a", "b", "c", "d"):
        folder = tmp_path / class_name
        folder.mkdir()
        for index in range(500):
            (folder / f"clip{index:04d}.mp4").touch()
    discovery = discover_clips(tmp_path)
    assert len(discovery.clips) == 2000
    assert discovery.problems == ()


def test_missing_annotations_file_raises(folders_root: Path) -> None:
    with pytest.raises(DataError, match=r"labels\.xlsx does not exist"):
        discover_clips(folders_root, annotations="labels.xlsx")
