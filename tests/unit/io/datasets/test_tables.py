"""Tests for samm_pipeline.io.datasets.tables: header rows and unreadable tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from samm_pipeline.errors import DataError
from samm_pipeline.io.datasets import discover_clips, find_header_row


def test_find_header_row_ignores_case_and_spaces() -> None:
    rows = [["notes"], [None, "subject", " ONSET  FRAME "], [1, 2]]
    assert find_header_row(rows, ["Subject", "OnsetFrame"]) == 1
    assert find_header_row(rows, ["Subject", "Filename"]) is None


def test_corrupt_spreadsheet_raises(samm_root: Path, samm_sheet: Path) -> None:
    samm_sheet.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(
        DataError, match=rf"cannot read spreadsheet .*{samm_sheet.name}"
    ):
        discover_clips(samm_root)


def test_missing_annotations_file_raises(folders_root: Path) -> None:
    with pytest.raises(DataError, match=r"labels\.xlsx does not exist"):
        discover_clips(folders_root, annotations="labels.xlsx")
