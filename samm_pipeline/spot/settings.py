"""The spotter's settings: one frozen dataclass, defaults and ranges written once.

Every time scale is in seconds, so one set of settings serves 30 fps
(CAS(ME)²) and 200 fps (SAMM Long Videos). Field names are the keys a future
``[spot]`` table of the run definition will use; each field's metadata holds
its documentation and range in the form :mod:`samm_pipeline.config.sections`
uses (``doc``, ``ge``, ``gt``, ``le``, ``lt``), and construction checks them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from samm_pipeline.landmarks import REGIONS

Widen = Literal["level", "fixed"]
"""How a peak becomes an interval: where the signal falls back below a level,
or a fixed half-width either side of the peak."""

DEFAULT_SPOT_REGIONS = (
    "left_eyebrow",
    "right_eyebrow",
    "left_eye",
    "right_eye",
    "nose",
    "lips",
)
"""Regions whose motion makes the signal. The face oval is left out: it moves
with speech and with head turns that a 2-D similarity fit cannot remove."""


def _setting(
    default: Any,
    doc: str,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    return field(
        default=default, metadata={"doc": doc, "ge": ge, "gt": gt, "le": le, "lt": lt}
    )


@dataclass(frozen=True)
class SpotSettings:
    """Settings of the training-free landmark spotter (all times in seconds).

    Raises
    ------
    ValueError
        At construction, listing every value out of its range, unknown
        region, or unknown choice.

    Notes
    -----
    Defaults and why:

    - ``baseline_seconds = 6``: the neutral face at a frame is the median of
      the aligned landmarks over 6 s centred on it, so an expression shorter
      than half of that (3 s; SAMM-LV and CAS(ME)² macro-expressions mostly
      are) never becomes its own baseline, while slow drift does.
    - ``micro_smooth_seconds = 0.1`` and ``macro_smooth_seconds = 0.5``: a
      moving mean well inside a micro-expression (0.2-0.5 s), and one about a
      micro-expression long, so slow macro-expressions stand out of jitter.
    - ``threshold_fraction = 0.25``: the per-video threshold
      ``mean + p * (max - mean)`` (Moilanen et al.; SOFTNet uses 0.55 on a
      learned score). Lower here because one strong macro-expression would
      otherwise hide every micro-expression of its video; ``min_height``
      keeps calm videos from producing peaks of jitter.
    - ``min_height = 1.0``: the signal is the RMS over regions of each
      region's displacement above its typical (median) one, in typical
      units: about 0 on an ordinary frame; a single region of six moving
      3.5 times its typical amount reaches 1.
    - ``edge_fraction = 0.1``: onset and offset where the fine signal falls
      below a tenth of the way from the video's median to the peak. The
      signal counts only motion above the typical level, so its edges sit
      inside the movement: on raised-cosine movements (tests/unit/spot) 0.1
      gives IoU 0.67-0.78 with the annotated span, 0.25 only 0.58.
    - ``micro_max_seconds = 0.5``: the field's boundary.
    """

    regions: tuple[str, ...] = _setting(
        DEFAULT_SPOT_REGIONS, "facial regions combined into the signal (landmarks.py)"
    )
    baseline_seconds: float = _setting(
        6.0, "window of the sliding neutral baseline (median)", ge=0.5, le=600.0
    )
    micro_smooth_seconds: float = _setting(
        0.1, "moving-mean window of the fine (micro) signal", ge=0.0, le=2.0
    )
    macro_smooth_seconds: float = _setting(
        0.5, "moving-mean window of the coarse (macro) signal", ge=0.0, le=10.0
    )
    threshold_fraction: float = _setting(
        0.25, "p in the per-video threshold mean + p * (max - mean)", ge=0.0, le=1.0
    )
    min_height: float = _setting(
        1.0, "the threshold's floor, in typical displacements above typical", ge=0.0
    )
    peak_distance_seconds: float = _setting(
        0.5, "minimum distance between peaks (scipy find_peaks)", gt=0.0, le=60.0
    )
    widen: Widen = _setting(  # noqa: RUF009 (a Literal alias is immutable)
        "level", "level (where the signal falls back) or fixed (peak +- half width)"
    )
    edge_fraction: float = _setting(
        0.1, "widen = level: onset/offset at base + f * (peak - base)", ge=0.0, lt=1.0
    )
    half_width_seconds: float = _setting(
        0.25, "widen = fixed: interval = peak +- this", gt=0.0, le=60.0
    )
    merge_gap_seconds: float = _setting(
        0.1, "intervals closer than this are merged", ge=0.0, le=10.0
    )
    micro_max_seconds: float = _setting(
        0.5, "intervals up to this long are micro, longer ones macro", gt=0.0, le=10.0
    )

    def __post_init__(self) -> None:
        problems = [
            problem
            for item in fields(self)
            if (problem := _range_problem(item.name, getattr(self, item.name), item))
        ]
        unknown = [name for name in self.regions if name not in REGIONS]
        if unknown or not self.regions:
            problems.append(
                f"regions: expected one or more of {sorted(REGIONS)}, got "
                f"{list(self.regions)}"
            )
        if len(set(self.regions)) != len(self.regions):
            problems.append(f"regions: listed twice in {list(self.regions)}")
        if self.widen not in ("level", "fixed"):
            problems.append(f"widen: expected 'level' or 'fixed', got {self.widen!r}")
        if problems:
            raise ValueError("invalid spot settings: " + "; ".join(problems))


def _range_problem(name: str, value: Any, item: Any) -> str | None:
    """Why ``value`` is outside the field's declared range, or ``None``."""
    bounds = {key: item.metadata.get(key) for key in ("ge", "gt", "le", "lt")}
    if all(bound is None for bound in bounds.values()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{name}: expected a number, got {value!r}"
    checks = {
        "ge": (lambda v, b: v >= b, ">="),
        "gt": (lambda v, b: v > b, ">"),
        "le": (lambda v, b: v <= b, "<="),
        "lt": (lambda v, b: v < b, "<"),
    }
    failed = [
        f"{sign} {bound}"
        for key, bound in bounds.items()
        if bound is not None
        for test, sign in [checks[key]]
        if not (math.isfinite(value) and test(value, bound))
    ]
    return f"{name}: expected {' and '.join(failed)}, got {value}" if failed else None
