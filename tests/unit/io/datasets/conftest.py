"""Builders for the dataset-discovery tests: tiny class-folder, SAMM and CASME II roots.

Discovery only lists folders and reads the label table, so the "videos" and
"frames" here are placeholder bytes: a test would fail if discovery tried to
decode them. What each fixture holds:

- ``folders_root``, ``samm_root``, ``casme2_root``: one dataset of each layout
  (their docstrings list every file and row);
- ``samm_sheet``: the path of ``samm_root``'s label spreadsheet;
- ``placeholder``: ``placeholder(path)`` writes a placeholder file (and its
  folders) and returns its path;
- ``samm_sheet_writer``: ``samm_sheet_writer(path, data, without=())`` writes
  a SAMM-style spreadsheet: 12 description rows (one blank), the SAMM header
  minus the columns in ``without``, then the ``data`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

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
    import pandas as pd

    pd.DataFrame(rows).to_excel(path, header=False, index=False)
    return path


def _write_samm_sheet(
    path: Path, data: list[list[object]], without: Iterable[str] = ()
) -> Path:
    """A SAMM-style sheet: description rows, the header minus ``without``, data."""
    omitted = set(without)
    header = [name for name in SAMM_HEADER if name not in omitted]
    description = [
        [f"SAMM description line {i + 1}"] for i in range(N_DESCRIPTION_ROWS)
    ]
    description[3] = []  # a blank line among the notes, as in the real sheet
    return _write_sheet(path, [*description, header, *data])


@pytest.fixture(scope="session")
def placeholder():
    """``placeholder(path)``: write a placeholder file, return its path."""
    return _touch


@pytest.fixture(scope="session")
def samm_sheet_writer():
    """``samm_sheet_writer(path, data, without=())``: write a SAMM-style sheet."""
    return _write_samm_sheet


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
    _write_samm_sheet(root / SAMM_SHEET, rows)
    return root


@pytest.fixture
def samm_sheet(samm_root: Path) -> Path:
    """The label spreadsheet of ``samm_root``: ``SAMM_Micro_FACS_Codes_v2.xlsx``."""
    return samm_root / SAMM_SHEET


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
