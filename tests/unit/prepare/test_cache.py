"""The whole-store preparation and its on-disk cache."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import open_store
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.prepare.cache import prepare_clips


def test_prepare_skips_short_clips_and_reports(store_path, tmp_path):
    prepared = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    assert prepared.sequences.shape == (7, 20, 468 * 3)
    assert prepared.sequences.dtype == np.float32
    assert list(prepared.skipped) == ["Fear/c7"]
    assert "3 frames with a face" in prepared.skipped["Fear/c7"]
    assert not np.isnan(prepared.sequences).any()
    # median-centred per feature, one scale per clip (the default)
    np.testing.assert_allclose(np.median(prepared.sequences, axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(prepared.sequences.std(axis=(1, 2)), 1, atol=1e-3)


def test_cache_is_reused_when_only_training_options_change(store_path, tmp_path):
    store = open_store(store_path)
    first = prepare_clips(store, AlignConfig(), cache_dir=tmp_path)
    assert not first.from_cache
    # Same [align] (what a rerun with other training options has): same arrays.
    second = prepare_clips(store, AlignConfig(), cache_dir=tmp_path)
    assert second.from_cache and second.cache_key == first.cache_key
    np.testing.assert_array_equal(second.sequences, first.sequences)
    assert second.keys == first.keys and second.skipped == first.skipped
    other = prepare_clips(store, AlignConfig(target_length=10), cache_dir=tmp_path)
    assert not other.from_cache and other.sequences.shape[1] == 10


def test_cache_is_invalidated_by_a_re_extracted_entry(
    face_like_clip, store_path, tmp_path
):
    first = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    writer = StoreWriter(store_path, extractor={"name": "test"}, n_landmarks=468)
    landmarks = face_like_clip(33, 99)
    writer.write_clip(
        "Anger/c1",
        landmarks,
        {"source": "Anger/c1.mp4", "source_size": 2, "source_mtime_ns": 2,
         "n_frames": 33, "n_detected": 33, "subject": "s2", "width": 640,
         "height": 480},
    )  # fmt: skip
    second = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    assert not second.from_cache and second.cache_key != first.cache_key


def test_an_unreadable_cache_file_is_recomputed(store_path, tmp_path):
    first = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    (tmp_path / "stage2" / f"{first.cache_key}.npz").write_bytes(b"garbage")
    again = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    assert not again.from_cache
    np.testing.assert_array_equal(again.sequences, first.sequences)


def test_empty_store_is_a_clear_error(tmp_path):
    StoreWriter(tmp_path / "e.zarr", extractor={"name": "test"}, n_landmarks=468)
    with pytest.raises(DataError, match="no complete clip"):
        prepare_clips(
            open_store(tmp_path / "e.zarr"), AlignConfig(), cache_dir=tmp_path
        )


def test_config_objects_are_not_mutated(store_path, tmp_path):
    config = AlignConfig()
    before = dataclasses.asdict(config)
    prepare_clips(open_store(store_path), config, cache_dir=tmp_path)
    assert dataclasses.asdict(config) == before


def test_cache_key_follows_the_preprocessing_code(store_path, monkeypatch):
    import samm_pipeline.prepare.cache as dataset_module

    store = open_store(store_path)
    before = dataset_module.cache_key(store, AlignConfig())
    monkeypatch.setattr(dataset_module, "_preprocessing_code_hash", lambda: "changed")
    assert dataset_module.cache_key(store, AlignConfig()) != before
