"""Onset, apex and offset cells of a label table as 0-based frame indices.

Shared by every layout with annotations: the class-folder ``clips.csv`` gives
indices, SAMM and CASME II give the numbers in the frame files' names.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any, Final

from samm_pipeline.clip import annotated_span
from samm_pipeline.io.datasets.records import Problems
from samm_pipeline.io.datasets.tables import cell_int, cell_text, is_blank

MARKERS: Final = ("onset", "apex", "offset")
"""Marker names, in time order; also the canonical keys of their columns."""


def frame_markers(
    values: dict[str, Any],
    *,
    numbers: Sequence[int] | None,
    n_frames: int | None,
    required: bool,
    item: str,
    problems: Problems,
) -> tuple[int | None, int | None, int | None]:
    """Turn onset/apex/offset cells into 0-based frame indices.

    With ``numbers`` (the sorted frame-file numbers) the cells are absolute
    frame numbers, converted to the index of the first frame at or after
    onset/apex and the last frame at or before offset. Without, they already
    are indices, checked against ``n_frames`` when known. Blank, ``/`` and
    negative apexes mean "no apex"; other bad values become problems.
    """
    result: dict[str, int | None] = {}
    for name in MARKERS:
        raw = values.get(name)
        value = cell_int(raw)
        if value is None or (name == "apex" and value < 0):
            if name != "apex" and (required or not is_blank(raw)):
                problems.add(
                    item,
                    f"{name} {cell_text(raw) or '(blank)'!r} is not a frame "
                    f"number; {name} left unknown (fix the cell to use it)",
                )
            result[name] = None
            continue
        if numbers is not None:
            inside = bool(numbers) and numbers[0] <= value <= numbers[-1]
            if name == "offset":
                index = bisect_right(numbers, value) - 1
            else:
                index = bisect_left(numbers, value)
            span = f"frames {numbers[0]}..{numbers[-1]}" if numbers else "no frames"
        else:
            inside = value >= 0 and (n_frames is None or value < n_frames)
            index = value
            span = f"{n_frames} frames" if n_frames is not None else "frames"
        if not inside:
            problems.add(
                item,
                f"{name} {value} lies outside the clip's {span}; {name} "
                "left unknown (fix the annotation)",
            )
            result[name] = None
            continue
        result[name] = index
    onset, apex, offset = (result[name] for name in MARKERS)
    if onset is not None and offset is not None and not annotated_span(onset, offset):
        problems.add(item, "onset after offset; markers left unknown")
        return None, None, None
    if apex is not None and not (
        (onset is None or onset <= apex) and (offset is None or apex <= offset)
    ):
        problems.add(item, "apex outside onset..offset; apex left unknown")
        apex = None
    return onset, apex, offset
