"""Tests for samm_pipeline.io.datasets.annotated: the SAMM and CASME II layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets import detect_layout, discover_clips

# --------------------------------------------------------------------------
# SAMM


def test_samm_layout(samm_root: Path, samm_sheet: Path) -> None:
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

    assert discovery.problems[0].item == "row 16 of " + samm_sheet.name
    assert "no folder for subject 9" in discovery.problems[0].reason
    assert [(p.item, p.reason.split()[0]) for p in discovery.problems[1:]] == [
        ("row 17 of " + samm_sheet.name, "onset"),
        ("row 17 of " + samm_sheet.name, "offset"),
        ("007/007_6_1", "folder"),
    ]


def test_samm_fps_override_and_annotations_path(
    samm_root: Path, samm_sheet: Path, tmp_path: Path
) -> None:
    moved = samm_sheet.rename(tmp_path / "codes.xlsx")
    discovery = discover_clips(
        samm_root, layout="samm", annotations=str(moved), fps=100
    )
    assert {record.fps for record in discovery.clips} == {100.0}
    # no spreadsheet in ROOT: "auto" still finds SAMM by its folder names
    assert detect_layout(samm_root) == "samm"


def test_samm_missing_spreadsheet_raises(samm_root: Path, samm_sheet: Path) -> None:
    samm_sheet.unlink()
    with pytest.raises(DataError, match=r"no SAMM\*\.xlsx"):
        discover_clips(samm_root, layout="samm")


def test_samm_missing_column_raises_naming_it(
    samm_root: Path, samm_sheet: Path, samm_sheet_writer
) -> None:
    samm_sheet_writer(samm_sheet, [[6, "006_1_2"]], without=["Estimated Emotion"])
    with pytest.raises(DataError, match=r"Estimated Emotion.*closest.*Filename"):
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
