"""Tests for samm_pipeline.io.datasets.markers: the annotation checks of all layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from samm_pipeline.io.datasets import discover_clips
from samm_pipeline.io.datasets.markers import frame_markers
from samm_pipeline.io.datasets.records import Problems


def _markers(onset, apex, offset, numbers):
    problems = Problems()
    found = frame_markers(
        {"onset": onset, "apex": apex, "offset": offset},
        numbers=numbers,
        n_frames=len(numbers),
        required=True,
        item="row 2",
        problems=problems,
    )
    return found, [problem.reason.split(";")[0] for problem in problems]


def test_clean_row_has_no_problem() -> None:
    assert _markers(10, 12, 14, list(range(10, 15))) == ((0, 2, 4), [])


@pytest.mark.parametrize(
    ("onset", "apex", "offset", "expected", "reasons"),
    [
        # onset <= apex <= offset
        (14, 12, 10, (None, None, None), ["onset after offset"]),
        (10, 15, 14, (0, None, 4), ["apex 15 lies outside the clip's frames 10..14"]),
        (11, 10, 14, (1, None, 4), ["apex outside onset..offset"]),
        # the frames the sheet names exist (offset within the frames on disk)
        (10, 12, 20, (0, 2, None), ["offset 20 lies outside the clip's frames 10..14"]),
    ],
)
def test_order_and_range(onset, apex, offset, expected, reasons) -> None:
    assert _markers(onset, apex, offset, list(range(10, 15))) == (expected, reasons)


def test_marker_frames_missing_on_disk_and_frame_count() -> None:
    numbers = [10, 11, 13, 15, 16]  # 12 and 14 missing
    found, reasons = _markers(10, 12, 14, numbers)
    assert found == (0, 2, 2)  # apex -> the next frame, offset -> the previous one
    assert reasons == [
        "apex frame 12 is not on disk",
        "offset frame 14 is not on disk",
        "3 of the 5 frames 10..14 are on disk (first missing: 12)",
    ]


def test_casme2_clip_with_a_missing_frame_is_used_and_reported(
    casme2_root: Path,
) -> None:
    (casme2_root / "sub01" / "EP02_01f" / "img48.jpg").unlink()  # the apex
    discovery = discover_clips(casme2_root)
    first = discovery.clips[0]
    assert first.key == "happiness/sub01_EP02_01f"
    assert (first.onset, first.apex, first.offset) == (0, 2, 3)  # 46 47 49 50
    sheet = "row 2 of CASME2-coding-20140508.xlsx"
    assert [(p.item, p.reason.split(";")[0]) for p in discovery.problems] == [
        (sheet, "apex frame 48 is not on disk"),
        (sheet, "4 of the 5 frames 46..50 are on disk (first missing: 48)"),
    ]
