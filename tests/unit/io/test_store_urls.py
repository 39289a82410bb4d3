"""Stores at fsspec URLs: memory:// in this process, file:// as a local path.

The writer and the reader are the real ones; the URL stores live in fsspec's
in-memory filesystem, which the test process shares with itself only.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from samm_pipeline.errors import DataError, OutputExistsError
from samm_pipeline.io.location import store_location
from samm_pipeline.io.store import open_store
from samm_pipeline.io.store_writer import StoreWriter

EXTRACTOR = {"name": "fake"}


@pytest.fixture
def url() -> str:
    """A fresh memory:// store URL (fsspec's memory filesystem is global)."""
    return f"memory://samm-tests/{uuid.uuid4().hex}/landmarks.zarr"


def _write(path, key="happy/a", n_frames=4, extractor=EXTRACTOR, **kwargs):
    writer = StoreWriter(path, extractor=extractor, n_landmarks=468, **kwargs)
    data = np.random.default_rng(n_frames).random((n_frames, 468, 3), np.float32)
    data[1] = np.nan
    attrs = {"fps": 30.0, "subject": "s1", "n_frames": n_frames, "n_detected": 3}
    writer.write_clip(key, data, {**attrs, "width": 64, "height": 48})
    return writer, data


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("data/s.zarr", Path("data/s.zarr")),
        (Path("/tmp/s.zarr"), Path("/tmp/s.zarr")),
        ("file:///tmp/s.zarr", Path("/tmp/s.zarr")),
        ("memory://x/s.zarr", "memory://x/s.zarr"),
        ("s3://bucket/s.zarr/", "s3://bucket/s.zarr"),
    ],
)
def test_store_location(given, expected):
    assert store_location(given) == expected


def test_memory_url_round_trip(url):
    writer, data = _write(url)
    writer.record_failure("sad/b", "no face")
    store = open_store(url)
    assert store.path == url and list(store) == ["happy/a"]
    clip = store["happy/a"]
    np.testing.assert_array_equal(clip.landmarks, data)
    assert clip.subject == "s1" and clip.fps == 30.0
    assert store.failures == {"sad/b": "no face"}
    assert store.summary()["n_frames"].tolist() == [4]


def test_url_store_keeps_the_settings_guard(url):
    _write(url)
    with pytest.raises(OutputExistsError, match="other extractor settings"):
        _write(url, extractor={"name": "other"})
    _write(url, key="sad/b", extractor={"name": "other"}, overwrite=True)
    assert list(open_store(url)) == ["sad/b"]  # the old store was deleted


def test_file_url_is_the_local_store(tmp_path):
    _, data = _write(f"file://{tmp_path}/s.zarr")
    assert (tmp_path / "s.zarr" / "zarr.json").is_file()
    np.testing.assert_array_equal(
        open_store(tmp_path / "s.zarr")["happy/a"].landmarks, data
    )


def test_missing_url_store_says_how_to_make_it(url):
    with pytest.raises(DataError, match="no landmark store at memory://"):
        open_store(url)


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("nosuchproto://bucket/s.zarr", "give a local path or an fsspec URL"),
        ("s3://bucket/s.zarr", "s3:// needs `pip install s3fs`"),
    ],
)
def test_unusable_url_is_one_line(given, fragment):
    pytest.importorskip("fsspec")
    if given.startswith("s3://"):
        try:
            import s3fs  # noqa: F401
        except ImportError:
            pass
        else:  # pragma: no cover - s3fs installed: it would try the network
            pytest.skip("s3fs is installed")
    with pytest.raises(DataError, match=fragment) as raised:
        open_store(given)
    assert "\n" not in str(raised.value)
