"""Builders for the dataset-discovery tests: a tiny root of every layout.

Discovery only lists folders and reads the label table, so the "videos" and
"frames" here are placeholder bytes: a test would fail if discovery tried to
decode them. What each fixture holds:

- ``folders_root``, ``samm_root``, ``casme2_root``, ``smic_root`` (SMIC),
  ``smic_e_root`` (SMIC-E), ``casme3_root`` (CAS(ME)^3 recordings),
  ``casme3_clips_root`` (CAS(ME)^3 cut clips), ``mmew_root``: one dataset of
  each layout, as distributed (their docstrings list every file and row);
- ``samm_sheet``: the path of ``samm_root``'s label spreadsheet;
- ``placeholder``: ``placeholder(path)`` writes a placeholder file (and its
  folders) and returns its path;
- ``samm_sheet_writer``: ``samm_sheet_writer(path, data, without=())`` writes
  a SAMM-style spreadsheet: 12 description rows (one blank), the SAMM header
  minus the columns in ``without``, then the ``data`` rows;
- ``xlsx_writer``: :func:`write_xlsx`, rows to an xlsx file with openpyxl.
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


# --------------------------------------------------------------------------
# SMIC, CAS(ME)^3 and MMEW: the trees and label files as distributed (see the
# modules' docstrings); frames are placeholders, sheets written with openpyxl.


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    """Write ``rows`` (the first may be a title, then the header) with openpyxl."""
    from openpyxl import Workbook

    book = Workbook()
    worksheet = book.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


@pytest.fixture(scope="session")
def xlsx_writer():
    """``xlsx_writer(path, rows, sheet="Sheet1")``: :func:`write_xlsx`."""
    return write_xlsx


@pytest.fixture
def smic_root(tmp_path: Path) -> Path:
    """SMIC (``SMIC_all_raw``): clips cut to the micro-expression, no label file.

    - ``HS/s1/micro/negative/s1_ne_01/image9.bmp..image12.bmp`` (4 frames,
      across a digit boundary)
    - ``HS/s1/micro/positive/s1_po_01/image586319..image586321.bmp``
    - ``HS/s2/micro/surprise/s2_sur_01/image1..image5.bmp``
    - ``HS/s2/non_micro/s2_ne_01/image1.bmp`` (not read: not ``micro``)
    - ``VIS/s1/micro/negative/s1_ne_01/image1..3.bmp`` and
      ``NIR/s1/micro/negative/s1_ne_01/image1..3.bmp`` (other sub-datasets)
    """
    root = tmp_path / "SMIC_all_raw"
    hs = root / "HS"
    _frames(hs / "s1/micro/negative/s1_ne_01", [f"image{n}.bmp" for n in range(9, 13)])
    _frames(
        hs / "s1/micro/positive/s1_po_01",
        [f"image{n}.bmp" for n in range(586319, 586322)],
    )
    _frames(hs / "s2/micro/surprise/s2_sur_01", [f"image{n}.bmp" for n in range(1, 6)])
    _frames(hs / "s2/non_micro/s2_ne_01", ["image1.bmp"])
    for subset in ("VIS", "NIR"):
        _frames(
            root / subset / "s1/micro/negative/s1_ne_01",
            [f"image{n}.bmp" for n in range(1, 4)],
        )
    return root


SMIC_E_HEADER = ["Subject", "Filename", "Emotion", "OnsetF", "OffsetF", "FirstF"]


@pytest.fixture
def smic_e_root(tmp_path: Path) -> Path:
    """SMIC-E (``SMIC-E_raw image``): long clips and an onset/offset sheet.

    - ``HS_long/SMIC-HS-E/s01/s1_ne_01/image8.jpg..image12.jpg``
    - ``HS_long/SMIC-HS-E/s01/s1_po_02/image100..image104.jpg``
    - ``HS_long/SMIC-HS-E/s02/s2_sur_01/image50..image52.jpg`` (no row)
    - ``HS_long/SMIC-HS-E_annotation.xlsx``: a title row, then
      ``SMIC_E_HEADER``; spreadsheet rows 3: 1 ``s1_ne_01`` negative 9..11;
      4: 1 ``s1_po_02`` positive 104..101 (onset after offset); 5: 3
      ``s3_ne_01`` (no folder)
    - ``VIS_long/SMIC-VIS-E/s01/s1_ne_01/image1..3.jpg`` and
      ``VIS_long/SMIC-VIS-E_annotation.xlsx`` (another sub-dataset)
    """
    root = tmp_path / "SMIC-E_raw image"
    hs = root / "HS_long" / "SMIC-HS-E"
    _frames(hs / "s01/s1_ne_01", [f"image{n}.jpg" for n in range(8, 13)])
    _frames(hs / "s01/s1_po_02", [f"image{n}.jpg" for n in range(100, 105)])
    _frames(hs / "s02/s2_sur_01", [f"image{n}.jpg" for n in range(50, 53)])
    write_xlsx(
        root / "HS_long" / "SMIC-HS-E_annotation.xlsx",
        [
            ["SMIC-HS-E annotation"],
            SMIC_E_HEADER,
            [1, "s1_ne_01", "negative", 9, 11, 8],
            [1, "s1_po_02", "positive", 104, 101, 100],
            [3, "s3_ne_01", "negative", 1, 2, 1],
        ],
    )
    _frames(
        root / "VIS_long/SMIC-VIS-E/s01/s1_ne_01",
        [f"image{n}.jpg" for n in range(1, 4)],
    )
    write_xlsx(
        root / "VIS_long" / "SMIC-VIS-E_annotation.xlsx",
        [SMIC_E_HEADER, [1, "s1_ne_01", "negative", 1, 3, 1]],
    )
    return root


CASME3_SHEET = "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx"
CASME3_HEADER = [
    "Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class",
    "emotion",
]  # fmt: skip


@pytest.fixture
def casme3_root(tmp_path: Path) -> Path:
    """CAS(ME)^3 part A recordings (``part_A``): several MEs per recording.

    - ``spNO.1/a/color/1.jpg..12.jpg`` and ``spNO.1/a/depth/1.png..12.png``
    - ``spNo.2/b/color/1.jpg..8.jpg`` (folder spelled ``spNo``, the sheet
      ``spNO.2`` and ``B``)
    - ``spNO.2/c/color/1.jpg`` (a recording without a row)
    - ``cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx``, sheet ``label``, header
      ``CASME3_HEADER`` on row 1, rows 2: spNO.1 a 2/4/6 happy; 3: spNO.1 a
      8/10/11 surprise; 4: spNO.2 B 3/7/5 disgust (apex after offset); 5:
      spNO.3 a (no folder); 6: spNO.1 a 12/12/15 fear (offset outside)
    """
    root = tmp_path / "part_A"
    _frames(root / "spNO.1/a/color", [f"{n}.jpg" for n in range(1, 13)])
    _frames(root / "spNO.1/a/depth", [f"{n}.png" for n in range(1, 13)])
    _frames(root / "spNo.2/b/color", [f"{n}.jpg" for n in range(1, 9)])
    _frames(root / "spNO.2/c/color", ["1.jpg"])
    write_xlsx(
        root / CASME3_SHEET,
        [
            CASME3_HEADER,
            ["spNO.1", "a", 2, 4, 6, "12", "I", "happy"],
            ["spNO.1", "a", 8, 10, 11, "1+2", "II", "surprise"],
            ["spNO.2", "B", 3, 7, 5, "4", "III", "disgust"],
            ["spNO.3", "a", 1, 2, 3, "4", "III", "anger"],
            ["spNO.1", "a", 12, 12, 15, "4", "III", "fear"],
        ],
        sheet="label",
    )
    return root


@pytest.fixture
def casme3_clips_root(tmp_path: Path) -> Path:
    """CAS(ME)^3 part A cut clips (``Part_A_ME_clip``).

    - ``frame/spNO.1_a_2/2.jpg..6.jpg`` and ``depth/spNO.1_a_2/2.png..6.png``
    - ``frame/spNO.1_a_8/8.jpg..11.jpg`` (no row)
    - ``frame/notes/`` (not a clip folder)
    - the sheet (as in ``casme3_root``) with one row: spNO.1 a 2/4/6 happy
    """
    root = tmp_path / "Part_A_ME_clip"
    _frames(root / "frame/spNO.1_a_2", [f"{n}.jpg" for n in range(2, 7)])
    _frames(root / "depth/spNO.1_a_2", [f"{n}.png" for n in range(2, 7)])
    _frames(root / "frame/spNO.1_a_8", [f"{n}.jpg" for n in range(8, 12)])
    (root / "frame" / "notes").mkdir()
    write_xlsx(
        root / CASME3_SHEET,
        [CASME3_HEADER, ["spNO.1", "a", 2, 4, 6, "12", "I", "happy"]],
        sheet="label",
    )
    return root


MMEW_HEADER = [
    "Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame",
    "Action Units", "Estimated Emotion", "remarks",
]  # fmt: skip


@pytest.fixture
def mmew_root(tmp_path: Path) -> Path:
    """MMEW (``MMEW_Final``): emotion folders of clips numbered from 1.

    - ``Micro_Expression/happiness/S01_01/1.jpg..12.jpg`` (across 9/10)
    - ``Micro_Expression/surprise/S02_01/1.jpg, 2.jpg, 4.jpg, 5.jpg`` (3
      missing)
    - ``Micro_Expression/disgust/S01_02/1.jpg`` (no row)
    - ``Macro_Expression/S01/anger/S01-07-001.jpg`` (not read)
    - ``MMEW_Micro_Exp.xlsx``, header ``MMEW_HEADER``, rows 2: S01 ``S01_01``
      9/10/11 happiness; 3: S02 ``S02_01`` 1/2/5 surprise; 4: S03 ``S03_01``
      fear (no folder); 5: S01 ``S01_01`` sadness (its folder is under
      happiness)
    """
    root = tmp_path / "MMEW_Final"
    micro = root / "Micro_Expression"
    _frames(micro / "happiness/S01_01", [f"{n}.jpg" for n in range(1, 13)])
    _frames(micro / "surprise/S02_01", ["1.jpg", "2.jpg", "4.jpg", "5.jpg"])
    _frames(micro / "disgust/S01_02", ["1.jpg"])
    _touch(root / "Macro_Expression/S01/anger/S01-07-001.jpg")
    write_xlsx(
        root / "MMEW_Micro_Exp.xlsx",
        [
            MMEW_HEADER,
            ["S01", "S01_01", 9, 10, 11, "AU12", "happiness", ""],
            ["S02", "S02_01", 1, 2, 5, "AU1+AU2", "surprise", ""],
            ["S03", "S03_01", 1, 2, 3, "AU4", "fear", ""],
            ["S01", "S01_01", 1, 2, 3, "AU15", "sadness", ""],
        ],
    )
    return root
