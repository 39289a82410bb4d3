"""Expression intervals on inclusive frame indices: IoU, type by duration, merging.

An interval ``[onset, offset]`` holds ``offset - onset + 1`` frames; both
ends belong to it (the MEGC convention, and the annotation sheets').
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

ExpressionKind = Literal["micro", "macro"]
"""An interval's type: a micro-expression lasts at most about 0.5 s."""

MICRO_MAX_SECONDS = 0.5
"""The field's boundary between micro- and macro-expressions (MEGC: 0.5 s,
i.e. 15 frames at 30 fps, 100 frames at 200 fps)."""


@dataclass(frozen=True, order=True)
class Interval:
    """One expression interval (predicted or annotated) of one video.

    Attributes
    ----------
    onset, offset
        First and last frame, inclusive, ``0 <= onset <= offset``.
    kind
        ``"micro"`` or ``"macro"``.
    score
        A prediction's strength (the motion signal at its peak); annotated
        intervals leave it at 0.
    label
        The expression's class: an annotated interval's emotion (when the
        dataset gives one), a prediction's recognised class (spot then
        recognise); empty when unknown. Not compared (ordering is by frames).
    """

    onset: int
    offset: int
    kind: ExpressionKind = "micro"
    score: float = 0.0
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.onset <= self.offset:
            raise ValueError(
                f"an interval needs 0 <= onset <= offset, got onset {self.onset}, "
                f"offset {self.offset}"
            )
        if self.kind not in ("micro", "macro"):
            raise ValueError(f"kind must be 'micro' or 'macro', got {self.kind!r}")

    @property
    def n_frames(self) -> int:
        """Frames in the interval (both ends included)."""
        return self.offset - self.onset + 1


def interval_iou(first: Interval, second: Interval) -> float:
    """Intersection over union of two intervals on inclusive frame indices.

    ``inter = min(offsets) - max(onsets) + 1`` (0 when they do not meet),
    ``union = len(first) + len(second) - inter``.

    >>> interval_iou(Interval(0, 3), Interval(2, 5))  # 2 shared of 6 frames
    0.3333333333333333
    >>> interval_iou(Interval(0, 3), Interval(0, 1))  # exactly one half
    0.5
    >>> interval_iou(Interval(0, 3), Interval(4, 9))
    0.0
    """
    inter = min(first.offset, second.offset) - max(first.onset, second.onset) + 1
    if inter <= 0:
        return 0.0
    return inter / (first.n_frames + second.n_frames - inter)


def expression_kind(
    n_frames: int, fps: float, micro_max_seconds: float = MICRO_MAX_SECONDS
) -> ExpressionKind:
    """``"micro"`` when ``n_frames`` last at most ``micro_max_seconds``, else macro.

    >>> expression_kind(15, 30.0), expression_kind(16, 30.0)
    ('micro', 'macro')
    >>> expression_kind(100, 200.0), expression_kind(101, 200.0)
    ('micro', 'macro')
    """
    # The tolerance keeps 15 frames at 30 fps micro despite 0.5 * 30 rounding.
    return "micro" if n_frames <= micro_max_seconds * fps + 1e-9 else "macro"


def merge_intervals(
    intervals: Iterable[Interval],
    fps: float,
    *,
    gap_frames: int = 0,
    micro_max_seconds: float = MICRO_MAX_SECONDS,
) -> list[Interval]:
    """Merge intervals that overlap, touch, or leave at most ``gap_frames`` between.

    A merged interval spans its parts, keeps their highest score, and takes
    its type from its own duration (:func:`expression_kind`).

    >>> parts = [Interval(10, 20, "micro", 2.0), Interval(18, 30, "micro", 3.0),
    ...          Interval(40, 45, "micro", 1.0)]
    >>> merge_intervals(parts, 30.0)
    [Interval(onset=10, offset=30, kind='macro', score=3.0, label=''), \
Interval(onset=40, offset=45, kind='micro', score=1.0, label='')]
    """
    merged: list[list] = []
    for part in sorted(intervals, key=lambda item: (item.onset, item.offset)):
        if merged and part.onset - merged[-1][1] - 1 <= gap_frames:
            merged[-1][1] = max(merged[-1][1], part.offset)
            merged[-1][2] = max(merged[-1][2], part.score)
        else:
            merged.append([part.onset, part.offset, part.score])
    return [
        Interval(
            onset,
            offset,
            expression_kind(offset - onset + 1, fps, micro_max_seconds),
            score,
        )
        for onset, offset, score in merged
    ]
