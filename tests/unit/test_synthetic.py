"""Tests of samm_pipeline.demo.synthetic: layout, CSV contract, determinism, safety.

The generated datasets are tiny (128 px frames, 1-2 subjects, 1 clip per class,
about 40 frames per clip) so that the whole module runs in a few seconds. The
real-FaceMesh check of the motion itself is in
``tests/integration/test_synthetic_facemesh.py``.
"""

from __future__ import annotations

import csv
import re
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from samm_pipeline import landmarks
from samm_pipeline.demo import synthetic
from samm_pipeline.demo.synthetic import (
    CLASS_ACTION_UNITS,
    CLASS_REGIONS,
    CSV_COLUMNS,
    DEMO_CLASSES,
    SUBJECT_PATTERN,
    DemoDataset,
    expression_profile,
    make_demo_dataset,
)
from samm_pipeline.errors import OutputExistsError, SammError

REQUIRED_COLUMNS = ("clip", "class", "subject", "fps", "onset", "apex", "offset")
SMALL = {"size": 128, "clips_per_class": 1, "progress": False}


def read_rows(csv_path: Path) -> list[dict[str, str]]:
    with csv_path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_frames(video: Path) -> list[np.ndarray]:
    """All frames of a video as BGR uint8 arrays."""
    capture = cv2.VideoCapture(str(video))
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return frames
            frames.append(frame)
    finally:
        capture.release()


def leftovers(parent: Path, name: str) -> list[str]:
    """Temporary siblings (``.name.tmp-*``, ``.name.old-*``) left in ``parent``."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> DemoDataset:
    """Two subjects x 6 classes x 1 clip at 128 px, seed 0."""
    out_dir = tmp_path_factory.mktemp("synthetic") / "demo"
    return make_demo_dataset(out_dir, n_subjects=2, seed=0, **SMALL)


# ----------------------------------------------------------------- constants


def test_constants_describe_every_class() -> None:
    assert len(DEMO_CLASSES) >= 5
    assert list(DEMO_CLASSES) == sorted(DEMO_CLASSES)
    assert set(CLASS_REGIONS) == set(DEMO_CLASSES) == set(CLASS_ACTION_UNITS)
    for name, region in CLASS_REGIONS.items():
        assert all(0 <= index < landmarks.N_LANDMARKS_MESH for index in region), name
    assert CSV_COLUMNS[: len(REQUIRED_COLUMNS)] == REQUIRED_COLUMNS


def test_expression_profile_rises_to_one_at_apex_and_returns_to_zero() -> None:
    profile = expression_profile(40, onset=10, apex=18, offset=30)
    assert profile.shape == (40,)
    assert np.all(profile[:11] == 0) and np.all(profile[30:] == 0)
    assert profile[18] == pytest.approx(1.0)
    assert np.all(np.diff(profile[10:19]) > 0)
    assert np.all(np.diff(profile[18:31]) < 0)


# ------------------------------------------------------------ layout and CSV


def test_result_describes_what_was_written(small_dataset: DemoDataset) -> None:
    rows = read_rows(small_dataset.csv_path)
    assert small_dataset.csv_path == small_dataset.root / "clips.csv"
    assert small_dataset.classes == DEMO_CLASSES
    assert small_dataset.subjects == ("s01", "s02")
    assert small_dataset.n_clips == len(rows) == 2 * len(DEMO_CLASSES) * 1
    assert small_dataset.n_frames_total == sum(int(row["n_frames"]) for row in rows)
    assert (small_dataset.size, small_dataset.fps, small_dataset.seed) == (128, 60.0, 0)
    folders = sorted(p.name for p in small_dataset.root.iterdir() if p.is_dir())
    assert folders == sorted(DEMO_CLASSES)


def test_csv_columns_and_one_row_per_clip(small_dataset: DemoDataset) -> None:
    with small_dataset.csv_path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == CSV_COLUMNS
    rows = read_rows(small_dataset.csv_path)
    assert len({row["clip"] for row in rows}) == len(rows)
    counts = {(row["subject"], row["class"]) for row in rows}
    assert counts == {(s, c) for s in ("s01", "s02") for c in DEMO_CLASSES}


def test_clip_names_encode_subject_and_files_exist(small_dataset: DemoDataset) -> None:
    for row in read_rows(small_dataset.csv_path):
        match = re.match(SUBJECT_PATTERN, row["clip"])
        assert match is not None and match.group("subject") == row["subject"]
        assert row["clip"].startswith(f"{row['subject']}_{row['class']}_")
        video = small_dataset.root / row["class"] / f"{row['clip']}.mp4"
        assert video.is_file() and row["path"] == f"{row['class']}/{row['clip']}.mp4"


def test_timing_is_ordered_and_within_the_clip(small_dataset: DemoDataset) -> None:
    for row in read_rows(small_dataset.csv_path):
        onset, apex, offset = (int(row[key]) for key in ("onset", "apex", "offset"))
        n_frames = int(row["n_frames"])
        # Neutral frames before the onset and after the offset.
        assert 0 < onset < apex < offset < n_frames - 1, row
        assert 25 <= n_frames <= 65, row
        duration_s = (offset - onset) / float(row["fps"])
        assert 0.15 <= duration_s <= 0.55, row


def test_amplitude_is_micro_expression_scale(small_dataset: DemoDataset) -> None:
    # Stated at 512 px and scaled with the frame size (128 px here).
    for row in read_rows(small_dataset.csv_path):
        amplitude_at_512 = float(row["amplitude_px"]) * 512 / small_dataset.size
        assert 1.5 <= amplitude_at_512 <= 5.5, row


def test_videos_match_the_csv(small_dataset: DemoDataset) -> None:
    for row in read_rows(small_dataset.csv_path)[:4]:
        video = small_dataset.root / row["path"]
        capture = cv2.VideoCapture(str(video))
        fps = capture.get(cv2.CAP_PROP_FPS)
        capture.release()
        frames = read_frames(video)
        assert len(frames) == int(row["n_frames"])
        assert frames[0].shape == (128, 128, 3)
        assert fps == pytest.approx(60.0)


def test_subject_parameters_persist_across_its_clips(
    small_dataset: DemoDataset,
) -> None:
    """Neutral frames of one subject look alike; those of two subjects do not."""
    first = {
        (row["subject"], row["class"]): read_frames(small_dataset.root / row["path"])[0]
        for row in read_rows(small_dataset.csv_path)
    }

    def distance(a: np.ndarray, b: np.ndarray) -> float:
        # Blurred, so that the per-clip sub-pixel jitter of pose does not count.
        blur_a, blur_b = (
            cv2.GaussianBlur(x.astype(np.float32), (0, 0), 2) for x in (a, b)
        )
        return float(np.abs(blur_a - blur_b).mean())

    same = max(distance(first["s01", c], first["s01", "anger"]) for c in DEMO_CLASSES)
    other = distance(first["s01", "anger"], first["s02", "anger"])
    assert same < 12.0 and other > 4 * same, (same, other)


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_files(
    small_dataset: DemoDataset, tmp_path: Path
) -> None:
    again = make_demo_dataset(tmp_path / "again", n_subjects=2, seed=0, **SMALL)
    assert again.csv_path.read_bytes() == small_dataset.csv_path.read_bytes()
    for row in read_rows(again.csv_path)[::3]:
        frames_a = read_frames(small_dataset.root / row["path"])
        frames_b = read_frames(again.root / row["path"])
        apex = int(row["apex"])
        assert np.array_equal(frames_a[0], frames_b[0])
        assert np.array_equal(frames_a[apex], frames_b[apex])
        # OpenCV's mp4v encoder is deterministic too.
        assert (small_dataset.root / row["path"]).read_bytes() == (
            again.root / row["path"]
        ).read_bytes()


def test_other_seed_gives_other_data(
    small_dataset: DemoDataset, tmp_path: Path
) -> None:
    other = make_demo_dataset(tmp_path / "other", n_subjects=2, seed=1, **SMALL)
    assert other.csv_path.read_bytes() != small_dataset.csv_path.read_bytes()
    row = read_rows(other.csv_path)[0]
    frame_a = read_frames(small_dataset.root / row["path"])[0]
    frame_b = read_frames(other.root / row["path"])[0]
    assert not np.array_equal(frame_a, frame_b)


def test_a_subject_does_not_depend_on_how_many_follow(
    small_dataset: DemoDataset, tmp_path: Path
) -> None:
    one = make_demo_dataset(tmp_path / "one", n_subjects=1, seed=0, **SMALL)
    rows_two = [r for r in read_rows(small_dataset.csv_path) if r["subject"] == "s01"]
    assert read_rows(one.csv_path) == rows_two


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


def test_overwrite_replaces_the_folder(tmp_path: Path) -> None:
    out_dir = tmp_path / "old"
    (out_dir / "stale").mkdir(parents=True)
    (out_dir / "stale" / "clip.mp4").write_bytes(b"old")
    demo = make_demo_dataset(out_dir, n_subjects=1, overwrite=True, **SMALL)
    assert not (out_dir / "stale").exists()
    assert demo.root == out_dir.absolute()
    assert len(read_rows(demo.csv_path)) == len(DEMO_CLASSES)
    assert leftovers(tmp_path, "old") == []


def test_a_failure_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "old"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("previous dataset")
    calls = []
    lock = threading.Lock()
    real_write_clip = synthetic._write_clip

    def failing_write_clip(*args: object, **kwargs: object) -> float:
        with lock:
            calls.append(1)
            failing = len(calls) == 3
        if failing:
            raise RuntimeError("disk full")
        return real_write_clip(*args, **kwargs)

    monkeypatch.setattr(synthetic, "_write_clip", failing_write_clip)
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
