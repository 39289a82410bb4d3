"""Notebook-facing store API: xarray view, time axis, listing, lazy top-level import."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.clip import Clip
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import LandmarkStore, _scan_local_entries, open_store
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.landmarks import LIPS


def _attrs(**extra):
    base = {
        "source": "x.mp4", "source_size": 1, "source_mtime_ns": 1, "fps": 200.0,
        "width": 64, "height": 48, "n_frames": 5, "n_detected": 4, "subject": "s1",
        "dataset": "samm", "onset": 1, "apex": 2, "offset": 3,
    }  # fmt: skip
    base.update(extra)
    return base


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """anger/a (5 frames, frame 4 without a face, 200 fps), happy/b (3 frames,
    fps unknown), happy/c written but left incomplete, and a stray folder."""
    path = tmp_path / "s.zarr"
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=478)
    data = np.arange(5 * 478 * 3, dtype=np.float32).reshape(5, 478, 3)
    data[4] = np.nan
    writer.write_clip("anger/a", data, _attrs())
    writer.write_clip("happy/b", np.zeros((3, 478, 3), np.float32), _attrs(fps=None))
    writer.write_clip("happy/c", np.zeros((2, 478, 3), np.float32), _attrs())
    metadata = path / "happy" / "c" / "zarr.json"
    document = json.loads(metadata.read_text())
    document["attributes"]["complete"] = False  # as a crash mid-write leaves it
    metadata.write_text(json.dumps(document))
    (path / "notes").mkdir()  # not a Zarr node
    (path / "anger" / "stray").mkdir()
    return path


def test_to_xarray_dims_coords_time_and_attrs(store_path):
    store = open_store(store_path)
    array = store.to_xarray("anger/a")
    assert array.dims == ("frame", "landmark", "coord")
    assert array.shape == (5, 478, 3)
    assert array.name == "anger/a"
    np.testing.assert_allclose(array["time"], [0, 0.005, 0.01, 0.015, 0.02])
    assert array["time"].attrs["units"] == "s"
    assert array["detected"].values.tolist() == [True] * 4 + [False]
    assert list(array["coord"].values) == ["x", "y", "z"]
    assert array["region"].values[61] == "lips" and array["region"].values[477] == ""
    assert array.attrs["apex"] == 2 and array.attrs["subject"] == "s1"
    # label-based selection gives the stored numbers
    lips = array.where(array.region == "lips", drop=True)
    assert lips.sizes["landmark"] == len(LIPS)
    assert float(array.sel(frame=1, landmark=10, coord="y")) == (478 + 10) * 3 + 1
    # a swap_dims gives a time-indexed view
    assert float(array.swap_dims(frame="time").sel(time=0.01)[0, 0]) == 2 * 478 * 3


def test_unknown_fps_has_no_time_coordinate(store_path):
    store = open_store(store_path)
    clip = store["happy/b"]
    assert clip.times is None
    assert "time" not in clip.to_xarray().coords
    assert store["anger/a"].times.tolist() == [0, 0.005, 0.01, 0.015, 0.02]


def test_to_xarray_of_a_missing_key_names_the_fix(store_path):
    with pytest.raises(DataError, match=r"no complete entry 'happy/c'.*inspect"):
        open_store(store_path).to_xarray("happy/c")


@pytest.mark.filterwarnings("ignore:Object at:UserWarning")
def test_fast_listing_agrees_with_zarr_listing(store_path):
    fast = _scan_local_entries(store_path)
    assert list(fast) == ["anger/a", "happy/b"]
    store = open_store(store_path)
    through_zarr = {}
    for class_name, group in sorted(store._root.groups()):
        for clip, array in sorted(group.arrays()):
            attrs = dict(array.attrs)
            if attrs.get("complete") is True:
                through_zarr[f"{class_name}/{clip}"] = attrs
    assert fast == through_zarr
    assert _scan_local_entries("not/a/path/object") is None


def test_listing_and_summary_read_no_array(store_path):
    """Delete every chunk: listing, summary and attributes still work."""
    for chunks in store_path.glob("*/*/c"):
        shutil.rmtree(chunks)
    store = open_store(store_path)
    assert len(store) == 2 and store.classes == ["anger", "happy"]
    assert store.summary()["subject"].tolist() == ["s1", "s1"]
    assert store.entry_attrs("anger/a")["apex"] == 2
    assert [key for key in store] == ["anger/a", "happy/b"]
    # the array is read only when asked: now all fill value
    assert np.isnan(store["anger/a"].landmarks).all()


def test_iteration_yields_clips_lazily(store_path):
    store = open_store(store_path)
    clips = list(store.values())
    assert [clip.key for clip in clips] == ["anger/a", "happy/b"]
    assert all(isinstance(clip, Clip) for clip in clips)
    assert dict(store.items())["happy/b"].landmarks.shape == (3, 478, 3)


def test_top_level_reexports_are_lazy_and_light():
    import samm_pipeline

    assert samm_pipeline.open_store is open_store
    assert samm_pipeline.LandmarkStore is LandmarkStore
    assert {"open_store", "Clip", "LandmarkStore"} <= set(dir(samm_pipeline))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        samm_pipeline.nope  # noqa: B018
    code = (
        "import sys, samm_pipeline\n"
        "heavy = ['zarr', 'xarray', 'pandas', 'tensorflow', 'mediapipe', "
        "'matplotlib', 'samm_pipeline.io.store']\n"
        "print([name for name in heavy if name in sys.modules])\n"
        "samm_pipeline.open_store\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert output == ["[]", "['samm_pipeline.io.store']"]
