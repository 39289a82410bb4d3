"""Tests of samm_pipeline.demo.dataset: layout, CSV contract, determinism, safety.

The generated datasets are tiny (128 px frames, 1-2 subjects, 1 clip per class,
about 40 frames per clip) so that the whole module runs in a few seconds; the
shared one is ``small_demo`` (fixture in ``tests/fixtures.py``: 2 subjects,
seed 0, the settings of :data:`SMALL`).
"""

from __future__ import annotations

import csv
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.config import DEMO_FPS_RANGE, DEMO_SIZE_RANGE
from samm_pipeline.demo import dataset
from samm_pipeline.demo.actions import DEMO_CLASSES
from samm_pipeline.demo.dataset import (
    CSV_COLUMNS,
    SUBJECT_PATTERN,
    DemoDataset,
    make_demo_dataset,
)
from samm_pipeline.errors import OutputExistsError, SammError

REQUIRED_COLUMNS = ("clip", "class", "subject", "fps", "onset", "apex", "offset")
SMALL = {"size": 128, "clips_per_class": 1, "progress": False}


def leftovers(parent: Path, name: str) -> list[str]:
    """Staging siblings (``.name.partial-*``, ``.name.replaced-*``) in ``parent``."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# ------------------------------------------------------------ layout and CSV


def test_csv_starts_with_the_columns_stage_1_needs() -> None:
    assert CSV_COLUMNS[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS


def test_result_describes_what_was_written(small_demo: DemoDataset, csv_reader) -> None:
    rows = csv_reader(small_demo.csv_path)
    assert small_demo.csv_path == small_demo.root / "clips.csv"
    assert small_demo.classes == DEMO_CLASSES
    assert small_demo.subjects == ("s01", "s02")
    assert small_demo.n_clips == len(rows) == 2 * len(DEMO_CLASSES) * 1
    assert small_demo.n_frames_total == sum(int(row["n_frames"]) for row in rows)
    assert (small_demo.size, small_demo.fps, small_demo.seed) == (128, 60.0, 0)
    folders = sorted(p.name for p in small_demo.root.iterdir() if p.is_dir())
    assert folders == sorted(DEMO_CLASSES)


def test_csv_columns_and_one_row_per_clip(small_demo: DemoDataset, csv_reader) -> None:
    with small_demo.csv_path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == CSV_COLUMNS
    rows = csv_reader(small_demo.csv_path)
    assert len({row["clip"] for row in rows}) == len(rows)
    counts = {(row["subject"], row["class"]) for row in rows}
    assert counts == {(s, c) for s in ("s01", "s02") for c in DEMO_CLASSES}


def test_clip_names_encode_subject_and_files_exist(
    small_demo: DemoDataset, csv_reader
) -> None:
    for row in csv_reader(small_demo.csv_path):
        match = re.match(SUBJECT_PATTERN, row["clip"])
        assert match is not None and match.group("subject") == row["subject"]
        assert row["clip"].startswith(f"{row['subject']}_{row['class']}_")
        video = small_demo.root / row["class"] / f"{row['clip']}.mp4"
        assert video.is_file() and row["path"] == f"{row['class']}/{row['clip']}.mp4"


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_files(
    small_demo: DemoDataset, tmp_path: Path, csv_reader, video_reader
) -> None:
    again = make_demo_dataset(tmp_path / "again", n_subjects=2, seed=0, **SMALL)
    assert again.csv_path.read_bytes() == small_demo.csv_path.read_bytes()
    for row in csv_reader(again.csv_path)[::3]:
        frames_a = video_reader(small_demo.root / row["path"])
        frames_b = video_reader(again.root / row["path"])
        apex = int(row["apex"])
        assert np.array_equal(frames_a[0], frames_b[0])
        assert np.array_equal(frames_a[apex], frames_b[apex])
        # OpenCV's mp4v encoder is deterministic too.
        assert (small_demo.root / row["path"]).read_bytes() == (
            again.root / row["path"]
        ).read_bytes()


def test_other_seed_gives_other_data(
    small_demo: DemoDataset, tmp_path: Path, csv_reader, video_reader
) -> None:
    other = make_demo_dataset(tmp_path / "other", n_subjects=2, seed=1, **SMALL)
    assert other.csv_path.read_bytes() != small_demo.csv_path.read_bytes()
    row = csv_reader(other.csv_path)[0]
    frame_a = video_reader(small_demo.root / row["path"])[0]
    frame_b = video_reader(other.root / row["path"])[0]
    assert not np.array_equal(frame_a, frame_b)


def test_a_subject_does_not_depend_on_how_many_follow(
    small_demo: DemoDataset, tmp_path: Path, csv_reader
) -> None:
    one = make_demo_dataset(tmp_path / "one", n_subjects=1, seed=0, **SMALL)
    rows_two = [r for r in csv_reader(small_demo.csv_path) if r["subject"] == "s01"]
    assert csv_reader(one.csv_path) == rows_two


# ------------------------------------------------------------ output handling


def test_refuses_a_non_empty_folder_and_changes_nothing(tmp_path: Path) -> None:
    out_dir = tmp_path / "taken"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("keep me")
    before = snapshot(out_dir)
    with pytest.raises(OutputExistsError) as caught:
        make_demo_dataset(out_dir, n_subjects=1, **SMALL)
    message = str(caught.value)
    assert str(out_dir) in message and "--overwrite" in message
    assert "\n" not in message
    assert isinstance(caught.value, SammError)
    assert snapshot(out_dir) == before
    assert leftovers(tmp_path, "taken") == []


def test_refuses_a_file_even_with_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "file.mp4"
    target.write_bytes(b"not a folder")
    with pytest.raises(OutputExistsError, match="not a folder"):
        make_demo_dataset(target, n_subjects=1, overwrite=True, **SMALL)
    assert target.read_bytes() == b"not a folder"


def test_an_existing_empty_folder_is_used(tmp_path: Path) -> None:
    out_dir = tmp_path / "empty"
    out_dir.mkdir()
    demo = make_demo_dataset(out_dir, n_subjects=1, **SMALL)
    assert demo.csv_path.is_file()
    assert leftovers(tmp_path, "empty") == []


def test_overwrite_replaces_the_folder(tmp_path: Path, csv_reader) -> None:
    out_dir = tmp_path / "old"
    (out_dir / "stale").mkdir(parents=True)
    (out_dir / "stale" / "clip.mp4").write_bytes(b"old")
    demo = make_demo_dataset(out_dir, n_subjects=1, overwrite=True, **SMALL)
    assert not (out_dir / "stale").exists()
    assert demo.root == out_dir.absolute()
    assert len(csv_reader(demo.csv_path)) == len(DEMO_CLASSES)
    assert leftovers(tmp_path, "old") == []


def test_a_failure_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "old"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("previous dataset")
    calls = []
    lock = threading.Lock()
    real_write_clip = dataset.write_clip

    def failing_write_clip(*args: object, **kwargs: object) -> float:
        with lock:
            calls.append(1)
            failing = len(calls) == 3
        if failing:
            raise RuntimeError("disk full")
        return real_write_clip(*args, **kwargs)

    monkeypatch.setattr(dataset, "write_clip", failing_write_clip)
    with pytest.raises(RuntimeError, match="disk full"):
        make_demo_dataset(out_dir, n_subjects=1, overwrite=True, **SMALL)
    assert snapshot(out_dir) == {"keep.txt": b"previous dataset"}
    assert leftovers(tmp_path, "old") == []
    calls.clear()
    with pytest.raises(RuntimeError, match="disk full"):
        make_demo_dataset(tmp_path / "new", n_subjects=1, **SMALL)
    assert not (tmp_path / "new").exists()
    assert leftovers(tmp_path, "new") == []


def test_progress_bar_goes_to_stderr_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = {**SMALL, "progress": True}
    make_demo_dataset(tmp_path / "loud", n_subjects=1, **settings)
    captured = capsys.readouterr()
    assert "demo clips" in captured.err and captured.out == ""
    make_demo_dataset(tmp_path / "quiet", n_subjects=1, **SMALL)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


# --------------------------------------------------------- argument checking


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"n_subjects": 0}, "n_subjects must be an integer >= 1"),
        ({"n_subjects": 1.5}, "n_subjects must be an integer >= 1"),
        ({"clips_per_class": 0}, "clips_per_class must be an integer >= 1"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"size": 64}, "size must be an even integer from 128"),
        ({"size": 257}, "size must be an even integer from 128"),
        ({"size": True}, "size must be an even integer from 128"),
        ({"fps": 5.0}, "fps must be a number from 10 to 1000"),
        ({"fps": "60"}, "fps must be a number from 10 to 1000"),
    ],
)
def test_rejects_bad_arguments(
    tmp_path: Path, arguments: dict[str, object], expected: str
) -> None:
    settings = {**SMALL, "n_subjects": 1, **arguments}
    with pytest.raises(ValueError, match=re.escape(expected)):
        make_demo_dataset(tmp_path / "out", **settings)
    assert list(tmp_path.iterdir()) == []


def test_reports_every_bad_argument_at_once(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as caught:
        make_demo_dataset(tmp_path / "out", n_subjects=0, clips_per_class=0, size=7)
    assert all(
        name in str(caught.value) for name in ("n_subjects", "clips_per_class", "size")
    )


def test_ranges_are_the_configs(tmp_path: Path) -> None:
    """The generator accepts exactly what ``[demo]`` in a config file may hold."""
    low, high = DEMO_SIZE_RANGE
    with pytest.raises(ValueError, match=f"size must be an even integer from {low} "):
        make_demo_dataset(tmp_path / "out", n_subjects=1, size=high + 2)
    low_fps, high_fps = DEMO_FPS_RANGE
    for fps in (low_fps - 0.5, high_fps + 0.5):
        with pytest.raises(ValueError, match=f"fps must be a number from {low_fps:g}"):
            make_demo_dataset(tmp_path / "out", n_subjects=1, fps=fps)
    assert list(tmp_path.iterdir()) == []
