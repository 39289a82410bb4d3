"""Tests for samm_pipeline.io.datasets.casme3: CAS(ME)^3 part A, both forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets import detect_layout, discover_clips

SHEET = "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx"


def test_casme3_recordings_become_windows(casme3_root: Path) -> None:
    discovery = discover_clips(casme3_root)
    assert discovery.layout == "casme3"
    clips = {record.key: record for record in discovery.clips}
    assert list(clips) == [
        "disgust/spNO.2_B_3",
        "happy/spNO.1_a_2",
        "surprise/spNO.1_a_8",
    ]
    happy = clips["happy/spNO.1_a_2"]
    assert (happy.subject, happy.fps, happy.dataset) == ("spNO.1", 30.0, "casme3")
    assert happy.relative_source == "spNO.1/a/color"
    # frames 1..12: onset 2 is index 1, offset 6 index 5; markers from the onset
    assert happy.window == (1, 5)
    assert (happy.onset, happy.apex, happy.offset) == (0, 2, 4)
    surprise = clips["surprise/spNO.1_a_8"]  # a second ME of the same recording
    assert surprise.source == happy.source
    assert surprise.window == (7, 10)
    assert (surprise.onset, surprise.apex, surprise.offset) == (0, 2, 3)
    disgust = clips["disgust/spNO.2_B_3"]  # folder spNo.2/b, apex after offset
    assert disgust.relative_source == "spNo.2/b/color"
    assert disgust.window == (2, 4)
    assert (disgust.onset, disgust.apex, disgust.offset) == (0, None, 2)

    found = [(p.item, p.reason.split(";")[0]) for p in discovery.problems]
    assert found == [
        (f"row 4 of {SHEET}", "apex outside onset..offset"),
        (f"row 5 of {SHEET}", f"no frame folder for spNO.3_a_1 under {casme3_root}"),
        (f"row 6 of {SHEET}", "offset 15 lies outside the clip's frames 1..12"),
        (f"row 6 of {SHEET}", found[3][1]),
        ("spNO.2/c/color", f"no micro-expression row in {SHEET}"),
    ]
    assert "cannot be cut out of its recording" in found[3][1]


def test_casme3_cut_clips_give_the_same_keys(
    casme3_clips_root: Path, casme3_root: Path
) -> None:
    discovery = discover_clips(casme3_clips_root, layout="casme3")
    (clip,) = discovery.clips
    assert clip.key == "happy/spNO.1_a_2"
    assert clip.relative_source == "frame/spNO.1_a_2"
    assert clip.window is None
    assert (clip.onset, clip.apex, clip.offset) == (0, 2, 4)
    assert [p.item for p in discovery.problems] == ["notes", "frame/spNO.1_a_8"]
    assert clip.key in {record.key for record in discover_clips(casme3_root).clips}


def test_casme3_frame_root_finds_the_sheet_above(casme3_clips_root: Path) -> None:
    frame = casme3_clips_root / "frame"
    assert detect_layout(frame) == "casme3"
    assert [c.key for c in discover_clips(frame).clips] == ["happy/spNO.1_a_2"]


def test_casme3_without_sheet(casme3_root: Path, tmp_path: Path) -> None:
    moved = (casme3_root / SHEET).rename(tmp_path / "labels.xlsx")
    assert detect_layout(casme3_root) == "casme3"  # by its spNO.N folders
    with pytest.raises(DataError, match=r"no cas\(me\)3_part_A.*annotations"):
        discover_clips(casme3_root)
    discovery = discover_clips(casme3_root, annotations=str(moved))
    assert len(discovery.clips) == 3


def test_casme3_sheet_missing_a_column(casme3_root: Path, xlsx_writer) -> None:
    xlsx_writer(casme3_root / SHEET, [["Subject", "Filename", "Onset", "Offset"]])
    with pytest.raises(DataError, match=r"Apex, emotion"):
        discover_clips(casme3_root)
