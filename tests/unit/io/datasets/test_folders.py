"""Tests for samm_pipeline.io.datasets.folders: the class-folder layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from samm_pipeline.errors import ConfigError, DataError
from samm_pipeline.io.datasets import Discovery, discover_clips


def _problem_items(discovery: Discovery) -> list[str]:
    return [problem.item for problem in discovery.problems]


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


def test_folders_layout_without_annotations(tmp_path: Path, placeholder) -> None:
    """``happy/s01_a.webm``, ``happy/s02_b/f1.png``: regex subjects, fps override."""
    placeholder(tmp_path / "happy" / "s01_a.webm")
    placeholder(tmp_path / "happy" / "s02_b" / "f1.png")
    placeholder(tmp_path / "happy" / "s02_b.mp4")  # same id as the folder: a problem
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


def test_folders_root_without_class_folders_raises(tmp_path: Path, placeholder) -> None:
    placeholder(tmp_path / "clip.mp4")
    with pytest.raises(DataError, match="no class folders"):
        discover_clips(tmp_path)
