"""Run folders left by interrupted runs: which are junk, which are runs."""

from __future__ import annotations

import logging

from samm_pipeline.io.runs import check_output


def test_leftovers_are_told_apart(tmp_path, caplog):
    output = tmp_path / "run"
    partial = tmp_path / ".run.partial-abc"
    partial.mkdir()
    (partial / "INCOMPLETE").write_text("")
    (partial / "model.json").write_text("{}")
    replaced = tmp_path / ".run.replaced-def" / "run"
    replaced.mkdir(parents=True)
    (replaced / "model.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        check_output(output, overwrite=False)
    messages = [record.getMessage() for record in caplog.records]
    assert any(str(partial) in text and "safe to delete" in text for text in messages)
    assert any(
        str(replaced) in text
        and f"restore it with `mv '{replaced}' '{output}'`" in text
        for text in messages
    )
    assert len(messages) == 2


def test_clip_statistics_follow_the_crop(tmp_path):
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
    assert _clip_statistics(store, keys, False) == {
        "median_frames": 100.0,
        "median_seconds": 0.5,
    }
    # cropped: 20, 40 and (no markers) 100 frames
    assert _clip_statistics(store, keys, True) == {
        "median_frames": 40.0,
        "median_seconds": 0.2,
    }
