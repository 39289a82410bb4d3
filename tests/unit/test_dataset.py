"""Stage-2 assembly: label maps, preprocessing, cache, hold-out and LOSO splits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samm_pipeline.clip import Clip
from samm_pipeline.config import AlignConfig, TrainConfig
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import open_store
from samm_pipeline.io.store_writer import StoreWriter
from samm_pipeline.prepare.cache import prepare_clips
from samm_pipeline.prepare.labels import (
    holdout_split,
    label_clips,
    loso_folds,
    map_label,
)
from samm_pipeline.prepare.preprocess import preprocess_clip


def _clip(n_frames: int, seed: int, missing=()) -> np.ndarray:
    """A face-like (n_frames, 468, 3) clip in normalised coordinates."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.3, 0.7, size=(468, 3)).astype(np.float32)
    drift = np.cumsum(rng.normal(0, 0.001, size=(n_frames, 1, 3)), axis=0)
    clip = (base + drift + rng.normal(0, 0.0005, (n_frames, 468, 3))).astype(np.float32)
    for index in missing:
        clip[index] = np.nan
    return clip


def _write_store(path: Path, clips: dict[str, tuple[np.ndarray, str]]) -> Path:
    """A 468-landmark store; ``clips`` maps key -> (landmarks, subject)."""
    writer = StoreWriter(path, extractor={"name": "test"}, n_landmarks=468)
    for key, (landmarks, subject) in clips.items():
        detected = int((~np.isnan(landmarks).any(axis=(1, 2))).sum())
        writer.write_clip(
            key,
            landmarks,
            {
                "source": key + ".mp4",
                "source_size": 1,
                "source_mtime_ns": 1,
                "fps": 30.0,
                "width": 640,
                "height": 480,
                "n_frames": len(landmarks),
                "n_detected": detected,
                "subject": subject,
                "dataset": "folders",
                "onset": 2,
                "apex": 4,
                "offset": 7,
            },
        )
    return path


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Classes Anger (3 clips), happiness (2), Others (2), Fear (1 clip with 3 face
    frames), subjects s1..s3; clip Anger/c0 has 2 frames without a face."""
    clips = {
        "Anger/c0": (_clip(30, 0, missing=[3, 4]), "s1"),
        "Anger/c1": (_clip(25, 1), "s2"),
        "Anger/c2": (_clip(12, 2), "s3"),
        "happiness/c3": (_clip(40, 3), "s1"),
        "happiness/c4": (_clip(18, 4), "s2"),
        "Others/c5": (_clip(22, 5), "s3"),
        "Others/c6": (_clip(22, 6), ""),
        "Fear/c7": (_clip(10, 7, missing=range(3, 10)), "s1"),
    }
    return _write_store(tmp_path / "s.zarr", clips)


def test_label_maps_match_case_insensitively():
    assert map_label("ANGER", "samm5") == "Anger"
    assert map_label("Other", "samm5") == map_label("others", "samm5") == "Other"
    assert map_label("Disgust", "samm5") is None
    assert map_label("Repression", "megc3") == "negative"
    assert map_label("Happiness", "megc3") == "positive"
    assert map_label("others", "megc3") is None
    assert map_label(" Happy", "asis") == "Happy"


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


def test_cache_is_invalidated_by_a_re_extracted_entry(store_path, tmp_path):
    first = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    writer = StoreWriter(store_path, extractor={"name": "test"}, n_landmarks=468)
    landmarks = _clip(33, 99)
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


def test_labels_classes_and_groups(store_path, tmp_path):
    prepared = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    labelled = label_clips(prepared, TrainConfig(labels="samm5"))
    assert labelled.classes == ("Anger", "Happiness", "Other")
    by_key = dict(zip(labelled.keys, labelled.labels.tolist(), strict=True))
    assert by_key == {
        "Anger/c0": 0, "Anger/c1": 0, "Anger/c2": 0, "happiness/c3": 1,
        "happiness/c4": 1, "Others/c5": 2, "Others/c6": 2,
    }  # fmt: skip
    groups = dict(zip(labelled.keys, labelled.groups, strict=True))
    assert groups["Others/c6"] == "Others/c6"  # unknown subject: its own group
    assert labelled.n_subjects == 3
    chosen = label_clips(prepared, TrainConfig(classes=("anger", "HAPPINESS")))
    assert chosen.classes == ("Anger", "happiness") and len(chosen.keys) == 5
    assert set(chosen.dropped) == {"Others/c5", "Others/c6"}
    custom = label_clips(
        prepared,
        TrainConfig(labels="custom", label_map={"anger": "neg", "Happiness": "pos"}),
    )
    assert custom.classes == ("neg", "pos")
    with pytest.raises(DataError, match=r"classes \['sadness'\] do not occur"):
        label_clips(prepared, TrainConfig(classes=("anger", "sadness")))
    with pytest.raises(DataError, match="no clip keeps a label"):
        label_clips(prepared, TrainConfig(labels="custom", label_map={"x": "y"}))


def test_preprocess_crop_and_missing_frames():
    attrs = {"onset": 2, "offset": 7, "width": 100, "height": 100}
    clip = Clip("c/x", _clip(12, 0, missing=[5]), attrs)
    cropped, _ = preprocess_clip(
        clip, AlignConfig(crop_to_annotation=True, method="linear")
    )
    whole, _ = preprocess_clip(clip, AlignConfig(method="linear"))
    assert cropped.shape == whole.shape == (20, 468 * 3)
    assert not np.array_equal(cropped, whole)
    config = AlignConfig(min_detected_frames=6, crop_to_annotation=True)
    skipped, reason = preprocess_clip(clip, config)
    assert skipped is None and "5 frames with a face" in reason
    interpolated, _ = preprocess_clip(clip, AlignConfig(missing_frames="interpolate"))
    assert interpolated is not None and not np.isnan(interpolated).any()


def test_normalisation_modes():
    clip = Clip("c/x", _clip(15, 1), {"width": 640, "height": 480})
    raw, _ = preprocess_clip(clip, AlignConfig(head_motion="none", zscore="none"))
    assert 0.2 < float(np.mean(raw)) < 0.8  # MediaPipe's normalised units kept
    for head_motion in ("none", "procrustes"):
        feature, _ = preprocess_clip(
            clip, AlignConfig(head_motion=head_motion, zscore="feature")
        )
        np.testing.assert_allclose(feature.mean(axis=0), 0, atol=1e-4)
        np.testing.assert_allclose(feature.std(axis=0), 1, atol=1e-3)
        pooled, _ = preprocess_clip(
            clip, AlignConfig(head_motion=head_motion, zscore="clip")
        )
        np.testing.assert_allclose(np.median(pooled, axis=0), 0, atol=1e-4)
        assert abs(float(pooled.std()) - 1) < 1e-3
        assert pooled.std(axis=0).max() > 2 * pooled.std(axis=0).min()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(3, 12),
    st.integers(2, 4),
    st.integers(1, 4),
    st.floats(0.15, 0.5),
    st.integers(0, 10_000),
)
def test_holdout_never_splits_a_subject(
    n_subjects, n_classes, per_cell, fraction, seed
):
    subjects, labels = [], []
    for subject in range(n_subjects):
        for label in range(n_classes):
            for _ in range(per_cell):
                subjects.append(f"s{subject}")
                labels.append(label)
    train, test = holdout_split(labels, subjects, test_fraction=fraction, seed=seed)
    assert len(train) and len(test)
    assert sorted([*train, *test]) == list(range(len(labels)))
    assert not {subjects[i] for i in train} & {subjects[i] for i in test}
    again = holdout_split(labels, subjects, test_fraction=fraction, seed=seed)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)


def test_holdout_needs_two_groups():
    with pytest.raises(DataError, match="at least 2"):
        holdout_split([0, 1], ["s1", "s1"], test_fraction=0.2, seed=0)


def test_loso_folds():
    subjects = ["a", "b", "a", "c", "", "b"]
    folds = loso_folds(subjects, keys=[f"k{i}" for i in range(6)])
    assert [name for name, _, _ in folds] == ["a", "b", "c", "k4"]
    tested = np.concatenate([test for _, _, test in folds])
    assert sorted(tested.tolist()) == list(range(6))
    for name, train, test in folds:
        assert not set(train) & set(test)
        assert {subjects[i] or f"k{i}" for i in test} == {name}
    with pytest.raises(DataError, match="needs subjects"):
        loso_folds(["", ""])
    with pytest.raises(DataError, match="at least 2 subjects"):
        loso_folds(["a", "a"])


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
