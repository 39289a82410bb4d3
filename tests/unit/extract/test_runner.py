"""Extraction logic around the landmarker, with a fake landmarker.

The fake "finds a face" in bright frames and returns landmarks derived from
the frame's brightness, so tests can check frame alignment, NaN rows, skips
and failures exactly. The real MediaPipe run is in tests/integration.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.config import ExtractConfig
from samm_pipeline.errors import OutputExistsError
from samm_pipeline.extract.runner import run_extraction
from samm_pipeline.extract.worker import extract_clip
from samm_pipeline.io.datasets import discover_clips
from samm_pipeline.io.store import open_store

BRIGHT, DARK = 200, 30


class FakeLandmarker:
    """468 landmarks equal to the frame's mean brightness / 255; no face if dark."""

    n_landmarks = 468

    def __init__(self, config: ExtractConfig) -> None:
        self.closed = False

    def process(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        level = float(frame_rgb.mean())
        if level < 100:
            return None
        return np.full((468, 3), level / 255.0, dtype=np.float32)

    def close(self) -> None:
        self.closed = True


def _frames(pattern: str, size: int = 32) -> list[np.ndarray]:
    """'B' = bright (face) frame, 'D' = dark (no face) frame."""
    return [
        np.full((size, size + 8, 3), BRIGHT if char == "B" else DARK, np.uint8)
        for char in pattern
    ]


@pytest.fixture
def write_video(video_writer):
    return video_writer


@pytest.fixture
def dataset(tmp_path: Path, write_video) -> Path:
    """Class folders: happy/{a: BBDB video, b: 3-frame image folder}, sad/{c: BBBB,
    dark: DDD (no face), empty.mp4 (0 bytes), text.mp4 (text)}."""
    import cv2

    root = tmp_path / "data"
    write_video(root / "happy" / "a.mp4", _frames("BBDB"), fps=25)
    folder = root / "happy" / "b"
    folder.mkdir(parents=True)
    for number, frame in zip((9, 10, 11), _frames("BDB"), strict=True):
        cv2.imwrite(str(folder / f"img{number}.png"), frame)
    (folder / "Thumbs.db").write_bytes(b"junk")
    write_video(root / "sad" / "c.mp4", _frames("BBBB"), fps=30)
    write_video(root / "sad" / "dark.mp4", _frames("DDD"), fps=30)
    (root / "sad" / "empty.mp4").write_bytes(b"")
    (root / "sad" / "text.mp4").write_text("not a video\n")
    return root


def _run(dataset: Path, store: Path, **kwargs):
    return run_extraction(
        dataset,
        store,
        ExtractConfig(jobs=1, fps=50.0),
        progress=False,
        landmarker_factory=FakeLandmarker,
        **kwargs,
    )


def test_extracts_every_good_clip_and_records_the_bad(dataset: Path, tmp_path: Path):
    report = _run(dataset, tmp_path / "s.zarr")
    store = open_store(tmp_path / "s.zarr")
    assert sorted(store) == ["happy/a", "happy/b", "sad/c"]
    assert report.n_extracted == 3 and report.n_found == 6
    assert set(report.failures) == {"sad/dark", "sad/empty", "sad/text"}
    assert "no face found in any of 3 frames" in report.failures["sad/dark"]
    assert "empty.mp4" in report.failures["sad/empty"]
    assert "text.mp4" in report.failures["sad/text"]
    assert store.failures == report.failures
    for reason in report.failures.values():
        assert "\n" not in reason


def test_nan_rows_exactly_where_no_face(dataset: Path, tmp_path: Path):
    _run(dataset, tmp_path / "s.zarr")
    store = open_store(tmp_path / "s.zarr")
    video = store["happy/a"]
    np.testing.assert_array_equal(video.detected, [True, True, False, True])
    assert video.landmarks.shape == (4, 468, 3)
    assert np.nanmean(video.landmarks) == pytest.approx(BRIGHT / 255, abs=0.03)
    frames = store["happy/b"]
    np.testing.assert_array_equal(frames.detected, [True, False, True])
    assert video.attrs["n_detected"] == 3 and frames.attrs["n_frames"] == 3


def test_attributes(dataset: Path, tmp_path: Path):
    _run(dataset, tmp_path / "s.zarr")
    store = open_store(tmp_path / "s.zarr")
    video = store["happy/a"].attrs
    assert video["fps"] == pytest.approx(25.0)  # from the container
    assert (video["width"], video["height"]) == (40, 32)
    assert video["source"] == "happy/a.mp4"
    assert video["source_size"] == (dataset / "happy" / "a.mp4").stat().st_size
    assert video["dataset"] == "folders"
    assert store["happy/b"].attrs["fps"] == 50.0  # image folder: config fallback
    assert store["happy/b"].attrs["source"] == "happy/b"


def test_rerun_skips_unchanged_and_redoes_changed(
    dataset: Path, tmp_path: Path, write_video
):
    store_path = tmp_path / "s.zarr"
    _run(dataset, store_path)
    entry = store_path / "happy" / "a" / "zarr.json"
    written = entry.stat().st_mtime_ns
    again = _run(dataset, store_path)
    assert again.n_skipped == 3 and again.n_extracted == 0
    assert len(again.failures) == 3  # failures are retried, and fail again
    assert entry.stat().st_mtime_ns == written  # skipped: not rewritten
    write_video(dataset / "sad" / "c.mp4", _frames("BBBBBB"), fps=30)
    os.utime(dataset / "sad" / "c.mp4", ns=(1, 1))
    third = _run(dataset, store_path)
    assert third.n_extracted == 1 and third.n_skipped == 2
    assert open_store(store_path)["sad/c"].landmarks.shape[0] == 6


def test_fixed_clip_leaves_the_failures(dataset: Path, tmp_path: Path, write_video):
    store_path = tmp_path / "s.zarr"
    _run(dataset, store_path)
    write_video(dataset / "sad" / "dark.mp4", _frames("DBB"), fps=30)
    report = _run(dataset, store_path)
    assert "sad/dark" not in report.failures
    assert "sad/dark" not in open_store(store_path).failures
    assert "sad/dark" in open_store(store_path)


def test_a_changed_clip_that_now_fails_keeps_its_cached_entry(
    dataset: Path, tmp_path: Path
):
    store_path = tmp_path / "s.zarr"
    _run(dataset, store_path)
    before = open_store(store_path)["sad/c"].landmarks
    (dataset / "sad" / "c.mp4").write_bytes(b"corrupted now")
    report = _run(dataset, store_path)
    assert "sad/c" in report.failures
    np.testing.assert_array_equal(open_store(store_path)["sad/c"].landmarks, before)


def test_other_landmark_count_is_refused_and_store_untouched(
    dataset: Path, tmp_path: Path
):
    store_path = tmp_path / "s.zarr"
    _run(dataset, store_path)

    class Refined(FakeLandmarker):
        n_landmarks = 478

    with pytest.raises(OutputExistsError, match="other extractor settings"):
        run_extraction(
            dataset,
            store_path,
            ExtractConfig(jobs=1),
            progress=False,
            landmarker_factory=Refined,
        )
    assert sorted(open_store(store_path)) == ["happy/a", "happy/b", "sad/c"]


def test_overwrite_redoes_everything(dataset: Path, tmp_path: Path):
    store_path = tmp_path / "s.zarr"
    _run(dataset, store_path)
    report = _run(dataset, store_path, overwrite=True)
    assert report.n_extracted == 3 and report.n_skipped == 0


def test_bad_key_names_are_failures_not_crashes(
    dataset: Path, tmp_path: Path, write_video
):
    write_video(dataset / "__hidden" / "x.mp4", _frames("BB"))
    report = _run(dataset, tmp_path / "s.zarr")
    assert any("__hidden" in item for item in report.failures)
    assert "happy/a" in open_store(tmp_path / "s.zarr")


def test_extract_clip_never_raises_for_bad_data(dataset: Path):
    discovery = discover_clips(dataset)
    by_key = {record.key: record for record in discovery.clips}
    result = extract_clip(by_key["sad/text"], ExtractConfig(), FakeLandmarker)
    assert result.landmarks is None and "text.mp4" in (result.error or "")

    class Exploding(FakeLandmarker):
        def process(self, frame_rgb):
            raise RuntimeError("native crash")

    result = extract_clip(by_key["happy/a"], ExtractConfig(), Exploding)
    assert result.landmarks is None
    assert "RuntimeError: native crash" in (result.error or "")


def test_landmarker_is_fresh_per_clip_and_closed(dataset: Path):
    made: list[FakeLandmarker] = []

    def factory(config):
        landmarker = FakeLandmarker(config)
        made.append(landmarker)
        return landmarker

    discovery = discover_clips(dataset)
    for record in discovery.clips[:3]:
        extract_clip(record, ExtractConfig(), factory)
    assert len(made) == 3 and all(landmarker.closed for landmarker in made)


def test_threads_and_memory_url_give_the_same_store(dataset: Path, tmp_path: Path):
    """backend = "threading" with 2 jobs, written to a memory:// URL, equals the
    in-process run written to a folder."""
    import uuid

    _run(dataset, tmp_path / "s.zarr")
    url = f"memory://samm-tests/{uuid.uuid4().hex}/s.zarr"
    report = run_extraction(
        dataset,
        url,
        ExtractConfig(jobs=2, fps=50.0, backend="threading"),
        progress=False,
        landmarker_factory=FakeLandmarker,
    )
    assert report.store == url and report.n_extracted == 3
    local, remote = open_store(tmp_path / "s.zarr"), open_store(url)
    assert list(remote) == list(local) and remote.attrs == local.attrs
    for key in local:
        np.testing.assert_array_equal(remote[key].landmarks, local[key].landmarks)
        assert remote.entry_attrs(key) == local.entry_attrs(key)


class PoisonedLandmarker(FakeLandmarker):
    """Kills its worker process on a clip whose frames are mid-grey (about
    128 after encoding; the others are 30 or 200), as a decoder or native
    crash on one bad file would."""

    def process(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        if 100 < float(frame_rgb.mean()) < 160:
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        return super().process(frame_rgb)


def test_a_clip_that_kills_every_worker_is_recorded_and_the_rest_extracted(
    dataset: Path, tmp_path: Path, write_video
):
    """Real loky workers; the poisoned clip really SIGKILLs them. The run ends
    normally, the clip is a failure with a reason, the others are written,
    and a rerun does the same instead of dying on it again."""
    grey = [np.full((32, 40, 3), 128, np.uint8)] * 3
    write_video(dataset / "sad" / "poison.mp4", grey)
    store = tmp_path / "s.zarr"
    for _ in range(2):
        report = run_extraction(
            dataset, store, ExtractConfig(jobs=2, fps=50.0), progress=False,
            landmarker_factory=PoisonedLandmarker,
        )  # fmt: skip
        assert "died twice while running it alone" in report.failures["sad/poison"]
        assert {"happy/a", "happy/b", "sad/c"} <= set(open_store(store))
