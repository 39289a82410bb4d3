"""The training run's wiring: what it records about the training clips."""

from __future__ import annotations


def test_clip_statistics_follow_the_crop(tmp_path):
    from types import SimpleNamespace

    import numpy as np

    from samm_pipeline.io.store import open_store
    from samm_pipeline.io.store_writer import StoreWriter
    from samm_pipeline.learn.pipeline import _clip_statistics

    writer = StoreWriter(tmp_path / "s.zarr", extractor={"name": "t"}, n_landmarks=468)
    frames = np.zeros((100, 468, 3), np.float32)
    for index, (onset, offset) in enumerate([(10, 29), (0, 39), (None, None)]):
        writer.write_clip(
            f"c/k{index}",
            frames,
            {"n_frames": 100, "fps": 200.0, "onset": onset, "offset": offset},
        )
    store = open_store(tmp_path / "s.zarr")
    keys = list(store)
    data = SimpleNamespace(keys=keys, datasets=("",) * 3, dataset_names=("",))
    assert _clip_statistics([store], data, False) == {
        "median_frames": 100.0,
        "median_seconds": 0.5,
    }
    # cropped: 20, 40 and (no markers) 100 frames
    assert _clip_statistics([store], data, True) == {
        "median_frames": 40.0,
        "median_seconds": 0.2,
    }
