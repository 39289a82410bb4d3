"""Tests for the entry points of samm_pipeline.io.datasets: detect and discover."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from samm_pipeline.config import DatasetLayout
from samm_pipeline.errors import ConfigError, DataError
from samm_pipeline.io.datasets import LAYOUT_READERS, detect_layout, discover_clips


def test_auto_detects_each_layout(
    folders_root: Path, samm_root: Path, casme2_root: Path
) -> None:
    assert detect_layout(folders_root) == "folders"
    assert detect_layout(samm_root) == "samm"
    assert detect_layout(casme2_root) == "casme2"


def test_every_layout_choice_has_one_reader() -> None:
    """Each config choice but the ``folders`` fallback is registered once."""
    names = [reader.dataset for reader in LAYOUT_READERS]
    assert sorted(names) == sorted(set(get_args(DatasetLayout)) - {"folders"})


def test_discovery_is_deterministic(samm_root: Path, folders_root: Path) -> None:
    for root in (samm_root, folders_root):
        first, second = discover_clips(root), discover_clips(root)
        assert first == second
        keys = [record.key for record in first.clips]
        assert keys == sorted(keys)


def test_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere does not exist"):
        discover_clips(tmp_path / "nowhere")


def test_unknown_layout_raises(folders_root: Path) -> None:
    with pytest.raises(ConfigError, match="layout 'avi'"):
        discover_clips(folders_root, layout="avi")  # type: ignore[arg-type]


def test_discovery_lists_without_opening_media(tmp_path: Path) -> None:
    """4 classes x 500 zero-byte placeholder videos: discovery only lists them.

    Opening any of them would fail, so a clean discovery shows that none was
    opened (its speed is measured in tests/benchmarks, not here).
    """
    for class_name in ("a", "b", "c", "d"):
        folder = tmp_path / class_name
        folder.mkdir()
        for index in range(500):
            (folder / f"clip{index:04d}.mp4").touch()
    discovery = discover_clips(tmp_path)
    assert len(discovery.clips) == 2000
    assert discovery.problems == ()
