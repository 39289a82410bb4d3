"""The Zarr landmark store: layout, completion flag, settings guard, reading API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.errors import DataError, OutputExistsError
from samm_pipeline.io.store import (
    LandmarkStore,
    make_key,
    open_store,
    split_key,
    validate_name,
)
from samm_pipeline.io.store_writer import Fingerprint, StoreWriter

EXTRACTOR = {"name": "fake", "refine_landmarks": True}


def _sequence(n_frames: int, n_landmarks: int = 478, missing=()) -> np.ndarray:
    rng = np.random.default_rng(n_frames)
    data = rng.random((n_frames, n_landmarks, 3), dtype=np.float32)
    for index in missing:
        data[index] = np.nan
    return data


def _attrs(**extra):
    base = {
        "source": "x.mp4",
        "source_size": 10,
        "source_mtime_ns": 5,
        "fps": 30.0,
        "width": 64,
        "height": 48,
        "n_frames": 4,
        "n_detected": 3,
        "subject": "s1",
        "dataset": "folders",
        "onset": 1,
        "apex": 2,
        "offset": None,
    }
    base.update(extra)
    return base


@pytest.fixture
def written(tmp_path: Path) -> Path:
    """A store with two classes: happy/a (4 frames, frame 3 without face), sad/b."""
    path = tmp_path / "s.zarr"
    writer = StoreWriter(path, extractor=EXTRACTOR, n_landmarks=478)
    writer.write_clip("happy/a", _sequence(4, missing=[3]), _attrs())
    writer.write_clip(
        "sad/b", _sequence(6), _attrs(n_frames=6, n_detected=6, subject="", onset=None)
    )
    writer.record_failure("sad/c", "no face found\nin any frame")
    return path


def test_layout_on_disk(written: Path) -> None:
    root = json.loads((written / "zarr.json").read_text())
    assert root["attributes"]["schema_version"] == 1
    assert root["attributes"]["n_landmarks"] == 478
    assert root["attributes"]["extractor"] == EXTRACTOR
    entry = json.loads((written / "happy" / "a" / "zarr.json").read_text())
    assert entry["node_type"] == "array"
    assert entry["shape"] == [4, 478, 3]
    assert entry["data_type"] == "float32"
    assert entry["dimension_names"] == ["frame", "landmark", "coord"]
    assert entry["attributes"]["complete"] is True
    assert entry["attributes"]["class"] == "happy"


def test_reading_api(written: Path) -> None:
    store = open_store(written)
    assert len(store) == 2
    assert store.classes == ["happy", "sad"]
    assert list(store) == ["happy/a", "sad/b"]
    clip = store["happy/a"]
    assert clip.landmarks.dtype == np.float32
    assert clip.landmarks.shape == (4, 478, 3)
    np.testing.assert_array_equal(clip.detected, [True, True, True, False])
    np.testing.assert_array_equal(clip.landmarks[:3], _sequence(4)[:3])
    assert clip.fps == 30.0 and clip.subject == "s1"
    assert clip.attrs["onset"] == 1 and clip.attrs["offset"] is None
    assert store.failures == {"sad/c": "no face found in any frame"}
    assert store.n_landmarks == 478


def test_summary_reads_no_array(written: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(written)
    monkeypatch.setattr(LandmarkStore, "__getitem__", lambda *_: pytest.fail("read"))
    summary = store.summary()
    assert list(summary["key"]) == ["happy/a", "sad/b"]
    assert list(summary["n_frames"]) == [4, 6]
    assert summary["onset"].isna().tolist() == [False, True]
    table = store.class_summary()
    total = table.set_index("class").loc["TOTAL"]
    assert total["clips"] == 2 and total["frames"] == 10 and total["detected"] == 9
    assert total["missing_pct"] == pytest.approx(10.0)


def test_incomplete_entry_is_never_returned(written: Path) -> None:
    entry = written / "sad" / "b" / "zarr.json"
    meta = json.loads(entry.read_text())
    meta["attributes"]["complete"] = False  # as a crash between data and flag leaves it
    entry.write_text(json.dumps(meta))
    store = open_store(written)
    assert "sad/b" not in store
    assert list(store) == ["happy/a"]
    with pytest.raises(KeyError):
        store["sad/b"]
    with pytest.raises(DataError, match="no complete entry 'sad/b'"):
        store.load("sad/b")


def test_rewrite_replaces_an_incomplete_entry(written: Path) -> None:
    writer = StoreWriter(written, extractor=EXTRACTOR, n_landmarks=478)
    writer.write_clip("sad/b", _sequence(2), _attrs(n_frames=2))
    assert open_store(written)["sad/b"].landmarks.shape[0] == 2


def test_other_settings_are_refused(written: Path) -> None:
    before = sorted(p.name for p in written.rglob("*"))
    with pytest.raises(OutputExistsError, match="refine_landmarks True vs False"):
        StoreWriter(
            written, extractor={**EXTRACTOR, "refine_landmarks": False}, n_landmarks=478
        )
    with pytest.raises(OutputExistsError, match="n_landmarks 478 vs 468"):
        StoreWriter(written, extractor=EXTRACTOR, n_landmarks=468)
    assert sorted(p.name for p in written.rglob("*")) == before
    assert len(open_store(written)) == 2


def test_overwrite_replaces_a_store_with_other_settings(written: Path) -> None:
    StoreWriter(written, extractor={"name": "other"}, n_landmarks=468, overwrite=True)
    store = open_store(written)
    assert len(store) == 0 and store.n_landmarks == 468


def test_a_folder_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("keep me")
    with pytest.raises(OutputExistsError, match="not a landmark store"):
        StoreWriter(tmp_path / "notes", extractor=EXTRACTOR, n_landmarks=478)
    assert (tmp_path / "notes" / "a.txt").read_text() == "keep me"


def test_missing_store(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"no landmark store at .*samm-pipeline extract"
    ):
        open_store(tmp_path / "none.zarr")


def test_fingerprint_matching(tmp_path: Path) -> None:
    video = tmp_path / "data" / "c" / "v.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"12345")
    fingerprint = Fingerprint.of(video, tmp_path / "data")
    assert fingerprint.source == "c/v.mp4" and fingerprint.size == 5
    writer = StoreWriter(tmp_path / "s.zarr", extractor=EXTRACTOR, n_landmarks=468)
    assert not writer.fingerprint_matches("c/v", fingerprint)
    writer.write_clip(
        "c/v",
        _sequence(1, 468),
        _attrs(
            source=fingerprint.source,
            source_size=fingerprint.size,
            source_mtime_ns=fingerprint.mtime_ns,
        ),
    )
    assert writer.fingerprint_matches("c/v", fingerprint)
    video.write_bytes(b"123456")
    assert not writer.fingerprint_matches(
        "c/v", Fingerprint.of(video, tmp_path / "data")
    )


def test_frame_folder_fingerprint_changes_with_content(tmp_path: Path) -> None:
    folder = tmp_path / "c" / "clip"
    folder.mkdir(parents=True)
    (folder / "1.jpg").write_bytes(b"a")
    first = Fingerprint.of(folder, tmp_path)
    (folder / "2.jpg").write_bytes(b"bb")
    second = Fingerprint.of(folder, tmp_path)
    assert first.source == "c/clip" and second.size == 3 and first != second


def test_wrong_shape_is_a_programming_error(tmp_path: Path) -> None:
    writer = StoreWriter(tmp_path / "s.zarr", extractor=EXTRACTOR, n_landmarks=478)
    with pytest.raises(ValueError, match=r"\(n_frames, 478, 3\)"):
        writer.write_clip("a/b", np.zeros((3, 468, 3), np.float32), _attrs())


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "empty"),
        ("a/b", "'/'"),
        ("a\\b", "'\\\\'"),
        ("..", "'..'"),
        ("__x", "reserved"),
        ("bad\x07", "control"),
        ("zarr.json", "reserved"),
    ],
)
def test_bad_names_are_rejected(name: str, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        validate_name(name)
    assert fragment.replace("\\\\", "\\") in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "name", ["Überraschung", "惊讶", "with space", "a.b", "006_1_2"]
)
def test_good_names_work_as_keys(tmp_path: Path, name: str) -> None:
    key = make_key(name, name)
    assert split_key(key) == (name, name)
    writer = StoreWriter(tmp_path / "s.zarr", extractor=EXTRACTOR, n_landmarks=468)
    writer.write_clip(key, _sequence(2, 468), _attrs())
    assert open_store(tmp_path / "s.zarr")[key].landmarks.shape == (2, 468, 3)


def test_split_key_rejects_paths() -> None:
    with pytest.raises(DataError, match="is not '<class>/<clip>'"):
        split_key("a/b/c")
