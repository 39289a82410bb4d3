"""Tests for samm_pipeline.io.datasets.mmew: MMEW emotion folders and sheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets import detect_layout, discover_clips

SHEET = "MMEW_Micro_Exp.xlsx"


def test_mmew_layout(mmew_root: Path) -> None:
    discovery = discover_clips(mmew_root)
    assert discovery.layout == "mmew"
    clips = {record.key: record for record in discovery.clips}
    assert list(clips) == ["happiness/S01_01", "surprise/S02_01"]
    happiness = clips["happiness/S01_01"]
    assert (happiness.subject, happiness.fps, happiness.dataset) == (
        "S01",
        90.0,
        "mmew",
    )
    assert happiness.relative_source == "Micro_Expression/happiness/S01_01"
    # 1.jpg..12.jpg sorted by number: frame 9 is index 8
    assert (happiness.onset, happiness.apex, happiness.offset) == (8, 9, 10)
    surprise = clips["surprise/S02_01"]  # 1, 2, 4, 5 on disk
    assert (surprise.onset, surprise.apex, surprise.offset) == (0, 1, 3)

    found = [(p.item, p.reason.split(";")[0]) for p in discovery.problems]
    assert found == [
        (f"row 3 of {SHEET}", "4 of the 5 frames 1..5 are on disk (first missing: 3)"),
        (f"row 4 of {SHEET}", "no folder fear/S03_01"),
        (
            f"row 5 of {SHEET}",
            "no folder sadness/S01_01 (it is under happiness/: fix the row or move it)",
        ),
        ("Micro_Expression/disgust/S01_02", f"folder has no usable row in {SHEET}"),
    ]


def test_mmew_micro_folder_root_and_detection(mmew_root: Path) -> None:
    micro = mmew_root / "Micro_Expression"
    assert detect_layout(micro) == "mmew"
    discovery = discover_clips(micro, layout="mmew")  # the sheet one folder up
    assert [r.relative_source for r in discovery.clips] == [
        "happiness/S01_01",
        "surprise/S02_01",
    ]
    (mmew_root / SHEET).unlink()
    assert detect_layout(mmew_root) == "mmew"  # by its Micro_Expression folder
    with pytest.raises(DataError, match=r"no MMEW_Micro_Exp\.xlsx .*annotations"):
        discover_clips(mmew_root)
