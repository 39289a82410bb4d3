"""Output folders appear whole or not at all, and a failed swap never loses both."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from samm_pipeline._support import atomic
from samm_pipeline._support.atomic import (
    check_output_folder,
    staged_folder,
    swap_into_place,
)
from samm_pipeline.errors import OutputExistsError


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "content.txt").write_text(text)
    return path


def _siblings(parent: Path) -> list[str]:
    return sorted(path.name for path in parent.iterdir())


def test_a_new_folder_replaces_the_old_one(tmp_path):
    _folder(tmp_path / "out", "old")
    swap_into_place(_folder(tmp_path / "new", "new"), tmp_path / "out")
    assert (tmp_path / "out" / "content.txt").read_text() == "new"
    assert _siblings(tmp_path) == ["out"]


def test_a_failed_second_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    _folder(tmp_path / "out", "old")
    real_replace = os.replace

    def failing(source, target):
        if Path(source).name == "new":
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(atomic.os, "replace", failing)
    with pytest.raises(OSError, match="No space"):
        swap_into_place(_folder(tmp_path / "new", "new"), tmp_path / "out")
    assert (tmp_path / "out" / "content.txt").read_text() == "old"
    assert _siblings(tmp_path) == ["new", "out"]


def test_when_even_the_rollback_fails_the_old_folder_stays_aside(tmp_path, monkeypatch):
    _folder(tmp_path / "out", "old")
    real_replace = os.replace

    def failing(source, target):
        if Path(source).name == "new" or Path(source).parent.name.startswith(
            ".out.replaced-"
        ):
            raise OSError(5, "I/O error")
        return real_replace(source, target)

    monkeypatch.setattr(atomic.os, "replace", failing)
    with pytest.raises(OSError, match="I/O error"):
        swap_into_place(_folder(tmp_path / "new", "new"), tmp_path / "out")
    (aside,) = tmp_path.glob(".out.replaced-*")
    assert (aside / "out" / "content.txt").read_text() == "old"


def test_an_interrupt_after_the_swap_is_still_an_interrupt(tmp_path, monkeypatch):
    _folder(tmp_path / "out", "old")
    real_replace = os.replace

    def interrupted(source, target):
        real_replace(source, target)
        if Path(source).name == "new":
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        swap_into_place(_folder(tmp_path / "new", "new"), tmp_path / "out")
    assert (tmp_path / "out" / "content.txt").read_text() == "new"
    (aside,) = tmp_path.glob(".out.replaced-*")  # kept: the swap was interrupted
    assert (aside / "out" / "content.txt").read_text() == "old"


def test_a_staged_folder_that_fails_leaves_nothing(tmp_path):
    _folder(tmp_path / "out", "old")
    with (
        pytest.raises(RuntimeError),
        staged_folder(tmp_path / "out", marker="INCOMPLETE") as staging,
    ):
        assert (staging / "INCOMPLETE").is_file()
        (staging / "content.txt").write_text("half")
        raise RuntimeError("crash")
    assert (tmp_path / "out" / "content.txt").read_text() == "old"
    assert _siblings(tmp_path) == ["out"]


def test_a_staged_folder_appears_whole_without_its_marker(tmp_path):
    with staged_folder(tmp_path / "a" / "out", marker="INCOMPLETE") as staging:
        (staging / "content.txt").write_text("new")
        assert not (tmp_path / "a" / "out").exists()
    assert _siblings(tmp_path / "a" / "out") == ["content.txt"]


def test_output_checks(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputExistsError, match="is a file, not a folder"):
        check_output_folder(tmp_path / "file", overwrite=True)
    _folder(tmp_path / "full", "x")
    with pytest.raises(OutputExistsError, match="not empty; pass --overwrite"):
        check_output_folder(tmp_path / "full", overwrite=False)
    check_output_folder(tmp_path / "full", overwrite=True)
    check_output_folder(tmp_path / "missing", overwrite=False)
