"""SAMM Long Videos and CAS(ME)²: one record per long video, its intervals typed."""

from __future__ import annotations

import shutil

import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets import detect_layout, discover_clips
from samm_pipeline.io.datasets.records import AnnotatedInterval
from tests.unit.io.datasets.longvideo_trees import write_casme2_lv, write_samm_lv


def test_samm_lv_is_detected_and_read(tmp_path):
    root = write_samm_lv(tmp_path)
    assert detect_layout(root) == "samm_lv"
    found = discover_clips(root)
    assert found.layout == "samm_lv"
    assert [clip.key for clip in found.clips] == ["samm_lv/006_1", "samm_lv/007_3"]
    video, calm = found.clips
    assert video.fps == 200.0 and video.subject == "006"
    assert video.intervals == (
        AnnotatedInterval(0, None, 11, "macro"),  # onset 0 -> the first frame
        AnnotatedInterval(19, 23, 27, "micro"),
    )
    assert calm.intervals == ()
    reasons = " ".join(problem.reason for problem in found.problems)
    assert "011_2" in reasons and "'Blink'" in reasons


def test_samm_lv_by_folder_shape_and_by_name(tmp_path):
    root = write_samm_lv(tmp_path)
    sheet = root / "SAMM_LongVideos_V3_Release.xlsx"
    (tmp_path / "labels").mkdir()
    moved = shutil.move(sheet, tmp_path / "labels" / "sheet.xlsx")
    assert detect_layout(root) == "samm_lv"
    found = discover_clips(root, layout="samm_lv", annotations=str(moved))
    assert len(found.clips) == 2


def test_samm_lv_reads_an_estimated_emotion_column_when_there_is_one(tmp_path):
    import pandas as pd

    root = write_samm_lv(tmp_path)
    sheet = root / "SAMM_LongVideos_V3_Release.xlsx"
    table = pd.read_excel(sheet, header=None)
    table[len(table.columns)] = [None] * 9 + ["Estimated Emotion", "Happiness"] + [
        "Anger"
    ] * (len(table) - 11)
    table.to_excel(sheet, header=False, index=False)
    video = discover_clips(root).clips[0]
    assert [item.label for item in video.intervals] == ["Happiness", "Anger"]


def test_samm_lv_without_its_sheet_is_refused(tmp_path):
    root = write_samm_lv(tmp_path)
    (root / "SAMM_LongVideos_V3_Release.xlsx").unlink()
    with pytest.raises(DataError, match="SAMM_LongVideos"):
        discover_clips(root, layout="samm_lv")


def test_casme2_lv_is_detected_and_read(tmp_path):
    root = write_casme2_lv(tmp_path)
    assert detect_layout(root) == "casme2_lv"
    found = discover_clips(root)
    assert [clip.clip for clip in found.clips] == [
        "15_0101disgustingteeth",
        "15_0401anger1",
    ]
    disgust, anger = found.clips
    assert disgust.fps == 30.0 and disgust.subject == "s15"
    assert disgust.intervals == (
        AnnotatedInterval(2, 5, 11, "macro", "disgust"),
        AnnotatedInterval(14, 17, 17, "micro", "disgust"),  # offset 0: the apex
    )
    assert anger.intervals == (AnnotatedInterval(4, 6, 8, "micro", "anger"),)
    assert not found.problems


def test_casme2_lv_by_folder_shape(tmp_path):
    root = write_casme2_lv(tmp_path)
    (root / "CAS(ME)^2code_final.xlsx").rename(tmp_path / "labels.xlsx")
    assert detect_layout(root) == "casme2_lv"
    with pytest.raises(DataError, match="CAS\\(ME\\)\\^2code_final"):
        discover_clips(root)
    found = discover_clips(root, annotations=str(tmp_path / "labels.xlsx"))
    assert len(found.clips) == 2


def test_casme2_lv_without_naming_sheets_is_refused(tmp_path):
    import pandas as pd

    root = write_casme2_lv(tmp_path)
    pd.DataFrame([[1, "anger1_1", 5, 7, 9]]).to_excel(
        root / "CAS(ME)^2code_final.xlsx", header=False, index=False
    )
    with pytest.raises(DataError, match="naming rule1"):
        discover_clips(root)
