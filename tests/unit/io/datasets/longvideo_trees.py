"""Tiny SAMM Long Videos and CAS(ME)² trees, as distributed, for the tests.

Frame files are placeholders unless a writer is given (discovery only lists
them). What each builder writes:

- :func:`write_samm_lv`: ``ROOT/SAMM_longvideos/006_1/006_1_0001.jpg`` ..
  ``_0040.jpg``, ``007_3/`` (40 frames, no expression) and
  ``SAMM_LongVideos_V3_Release.xlsx``: 9 description rows, the header, and
  rows 006_1_1 (Macro, onset 0 -> frame 1, apex -1), 006_1_2 (Micro - 1/2,
  frames 20..28, apex 24), 011_2_1 (a video not on disk), 006_1_3 (type
  "Blink": not used);
- :func:`write_casme2_lv`: ``ROOT/rawpic/s15/15_0101disgustingteeth/img1.jpg``
  .. ``img30.jpg`` and ``s15/15_0401anger1/`` (30 frames) and
  ``CAS(ME)^2code_final.xlsx`` with sheets ``CASFEcode_final`` (no header:
  subject 1 = s15; disgust1_1 macro 3..12, disgust1_2 micro 15..(offset 0,
  apex 18), anger1_1 micro 5..9), ``naming rule1`` (15, s15, 1) and
  ``naming rule2`` (101 disgust1, 401 anger1).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

SAMM_LV_HEADER = [
    "Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset",
    "Duration", "Type", "Action Units", "Notes",
]  # fmt: skip

FrameWriter = Callable[[Path, int], None]
"""Writes frame ``index`` (0-based) of a video to the given path."""


def _placeholder(path: Path, index: int) -> None:
    path.write_bytes(b"placeholder")


def _frames(folder: Path, names: list[str], writer: FrameWriter | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(names):
        (writer or _placeholder)(folder / name, index)


def write_samm_lv(
    root: Path, n_frames: int = 40, writer: FrameWriter | None = None
) -> Path:
    """The SAMM-LV tree of the module notes under ``root``; returns ``root``."""
    import pandas as pd

    videos = root / "SAMM_longvideos"
    for video in ("006_1", "007_3"):
        names = [f"{video}_{number:04d}.jpg" for number in range(1, n_frames + 1)]
        _frames(videos / video, names, writer)
    rows = [
        [6, "006_1_1", "1", 0, -1, 12, 13, "Macro", "AU12", ""],
        [6, "006_1_2", "1", 20, 24, 28, 9, "Micro - 1/2", "AU4", ""],
        [11, "011_2_1", "2", 5, 6, 9, 5, "Micro - 1/2", "AU1", ""],
        [6, "006_1_3", "1", 30, 31, 33, 4, "Blink", "", ""],
    ]
    description = [[f"SAMM Long Videos note {i + 1}"] for i in range(9)]
    pd.DataFrame([*description, SAMM_LV_HEADER, *rows]).to_excel(
        root / "SAMM_LongVideos_V3_Release.xlsx", header=False, index=False
    )
    return root


def write_casme2_lv(
    root: Path, n_frames: int = 30, writer: FrameWriter | None = None
) -> Path:
    """The CAS(ME)² tree of the module notes under ``root``; returns ``root``."""
    import pandas as pd

    for video in ("15_0101disgustingteeth", "15_0401anger1"):
        names = [f"img{number}.jpg" for number in range(1, n_frames + 1)]
        _frames(root / "rawpic" / "s15" / video, names, writer)
    code = [
        [1, "disgust1_1", 3, 6, 12, "4+7", "disgust", "macro-expression", "d"],
        [1, "disgust1_2", 15, 18, 0, "4", "disgust", "micro-expression", "d"],
        [1, "anger1_1", 5, 7, 9, "4", "anger", "micro-expression", "a"],
    ]
    with pd.ExcelWriter(root / "CAS(ME)^2code_final.xlsx") as book:
        pd.DataFrame(code).to_excel(
            book, sheet_name="CASFEcode_final", header=False, index=False
        )
        pd.DataFrame([[15, "s15", 1]]).to_excel(
            book, sheet_name="naming rule1", header=False, index=False
        )
        pd.DataFrame([[101, "disgust1"], [401, "anger1"]]).to_excel(
            book, sheet_name="naming rule2", header=False, index=False
        )
    return root
