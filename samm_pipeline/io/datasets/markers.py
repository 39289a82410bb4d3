"""Onset, apex and offset cells of a label table as 0-based frame indices.

Shared by every layout with annotations: the class-folder ``clips.csv`` gives
indices; SAMM, CASME II, SMIC-E, CAS(ME)^3 and MMEW give the numbers in the
frame files' names. The annotation checks MEB (the micro-expression benchmark
toolkit) runs on its datasets happen here, once for every layout, each failure
a problem of that row while the clip is still used where it can be:

- a marker is a whole number inside the clip's frames;
- onset <= apex <= offset;
- the frames the row names exist on disk (a numbered onset, apex or offset
  without its file is replaced by the nearest frame inside the span);
- the frame count matches: every frame numbered onset..offset is on disk.
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
            if inside and numbers[index] != value:
                problems.add(
                    item,
                    f"{name} frame {value} is not on disk; frame "
                    f"{numbers[index]} used instead (check the annotation)",
                )
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
    if numbers is not None and onset is not None and offset is not None:
        _check_frame_count(numbers, onset, offset, values, item, problems)
    if apex is not None and not (
        (onset is None or onset <= apex) and (offset is None or apex <= offset)
    ):
        problems.add(item, "apex outside onset..offset; apex left unknown")
        apex = None
    return onset, apex, offset


def _check_frame_count(
    numbers: Sequence[int],
    onset: int,
    offset: int,
    values: dict[str, Any],
    item: str,
    problems: Problems,
) -> None:
    """Report frames numbered onset..offset that are missing on disk.

    ``onset`` and ``offset`` are indices into ``numbers`` (the sorted frame
    numbers); ``values`` holds the cells the row gave.

    Examples
    --------
    >>> problems = Problems()
    >>> _check_frame_count([1, 2, 4, 5], 0, 3, {"onset": 1, "offset": 5}, "r", problems)
    >>> problems[0].reason.split(";")[0]
    '4 of the 5 frames 1..5 are on disk (first missing: 3)'
    """
    first, last = cell_int(values.get("onset")), cell_int(values.get("offset"))
    if first is None or last is None:
        return
    expected = last - first + 1
    present = offset - onset + 1
    if present >= expected:
        return
    on_disk = set(numbers[onset : offset + 1])
    missing = next(number for number in range(first, last + 1) if number not in on_disk)
    problems.add(
        item,
        f"{present} of the {expected} frames {first}..{last} are on disk (first "
        f"missing: {missing}); the clip is used with the frames there are",
    )
