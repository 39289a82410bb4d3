"""Tests for samm_pipeline.io.datasets.smic: SMIC and SMIC-E trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets import detect_layout, discover_clips


def test_smic_by_auto_from_its_folders(smic_root: Path) -> None:
    discovery = discover_clips(smic_root)
    assert discovery.layout == "smic"
    clips = {record.key: record for record in discovery.clips}
    assert list(clips) == [
        "negative/s1_ne_01",
        "positive/s1_po_01",
        "surprise/s2_sur_01",
    ]
    negative = clips["negative/s1_ne_01"]
    assert (negative.subject, negative.fps, negative.dataset) == ("s1", 100.0, "smic")
    assert negative.relative_source == "HS/s1/micro/negative/s1_ne_01"
    # a SMIC clip is cut to the micro-expression: it spans its folder
    assert (negative.onset, negative.apex, negative.offset) == (0, None, 3)
    assert clips["surprise/s2_sur_01"].offset == 4
    assert clips["surprise/s2_sur_01"].subject == "s2"
    # VIS and NIR film the same people: one sub-dataset per store, both reported
    assert [problem.item for problem in discovery.problems] == ["VIS", "NIR"]
    assert all("HS was taken" in p.reason for p in discovery.problems)


def test_smic_sub_dataset_root_gives_its_fps(smic_root: Path) -> None:
    vis = discover_clips(smic_root / "VIS", layout="smic")
    assert [(r.key, r.fps, r.offset) for r in vis.clips] == [
        ("negative/s1_ne_01", 25.0, 2)
    ]
    assert vis.problems == ()
    assert detect_layout(smic_root / "NIR") == "smic"
    assert {r.fps for r in discover_clips(smic_root / "NIR").clips} == {25.0}


def test_smic_fps_unknown_without_a_sub_dataset_name(
    smic_root: Path, tmp_path: Path
) -> None:
    renamed = shutil.move(smic_root / "HS", tmp_path / "smic_copy")
    with pytest.raises(DataError, match=r"smic_copy is SMIC HS.*\[extract\] fps"):
        discover_clips(renamed, layout="smic")
    discovery = discover_clips(renamed, layout="smic", fps=50)
    assert {record.fps for record in discovery.clips} == {50.0}


def test_smic_layout_by_name_needs_subject_folders(tmp_path: Path) -> None:
    (tmp_path / "HS" / "notes").mkdir(parents=True)
    with pytest.raises(DataError, match=r"no SMIC subject folders"):
        discover_clips(tmp_path, layout="smic")


def test_smic_e_markers_rows_and_folders(smic_e_root: Path) -> None:
    discovery = discover_clips(smic_e_root)
    assert discovery.layout == "smic"
    clips = {record.key: record for record in discovery.clips}
    assert list(clips) == [
        "negative/s1_ne_01",
        "positive/s1_po_02",
        "surprise/s2_sur_01",
    ]
    negative = clips["negative/s1_ne_01"]
    # image8..image12 sorted by number: frame 9 is index 1, 11 is index 3
    assert (negative.onset, negative.apex, negative.offset) == (1, None, 3)
    assert (negative.subject, negative.fps) == ("s01", 100.0)
    positive = clips["positive/s1_po_02"]  # onset after offset: markers dropped
    assert (positive.onset, positive.offset) == (None, None)
    surprise = clips["surprise/s2_sur_01"]  # no row: class from its name
    assert (surprise.onset, surprise.offset) == (None, None)

    sheet = "SMIC-HS-E_annotation.xlsx"
    found = [(p.item, p.reason.split(";")[0]) for p in discovery.problems]
    assert found == [
        ("VIS_long", found[0][1]),
        (f"row 4 of {sheet}", "onset after offset"),
        (f"row 5 of {sheet}", "no clip folder s3_ne_01 of subject 3"),
        ("HS_long/SMIC-HS-E/s02/s2_sur_01", f"clip has no row in {sheet}"),
    ]


def test_smic_e_label_file_in_the_root_names_the_layout(smic_e_root: Path) -> None:
    hs_long = smic_e_root / "HS_long"
    assert detect_layout(hs_long) == "smic"
    discovery = discover_clips(hs_long)
    assert len(discovery.clips) == 3
    assert discovery.problems[0].item == "row 4 of SMIC-HS-E_annotation.xlsx"
