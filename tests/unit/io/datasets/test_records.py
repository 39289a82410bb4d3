"""Tests for samm_pipeline.io.datasets.records: what discovery returns."""

from __future__ import annotations

from pathlib import Path

from samm_pipeline.io.datasets import ClipRecord


def test_clip_record_key_and_relative_source(tmp_path: Path) -> None:
    record = ClipRecord(
        class_name="Anger",
        clip="006_1_2",
        source=tmp_path / "006" / "006_1_2",
        kind="frames",
        dataset="samm",
        root=tmp_path,
    )
    assert record.key == "Anger/006_1_2"
    assert record.relative_source == "006/006_1_2"
    assert (record.subject, record.fps, record.onset) == ("", None, None)
