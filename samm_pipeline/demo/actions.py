"""What moves in a demo clip: the classes, their FACS action units, the warp.

An expression is a smooth, local image warp modelled on FACS action units: a
sum of Gaussian displacement blobs centred on landmarks (AU12 moves both lip
corners up and out, ...), scaled so that its largest displacement at the apex
is a few pixels (about 2-5 px at 512 px output, like a real micro-expression).
Its strength over time follows :func:`expression_profile`.

Classes differ only by this local facial motion: every other parameter of a
clip is drawn from the same distributions, in the same order, whatever the
class. Everything here is pure (arrays in, arrays out).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from samm_pipeline import landmarks as lm

DEMO_CLASSES: Final = ("anger", "contempt", "happiness", "other", "sadness", "surprise")
"""Class names of the demo dataset (its sub-folders), sorted."""

CLASS_ACTION_UNITS: Final[dict[str, str]] = {
    "anger": "AU4",
    "contempt": "AU14L",
    "happiness": "AU12",
    "other": "AU45 | AU17 | local",
    "sadness": "AU15+AU1",
    "surprise": "AU1+AU2",
}
"""FACS action units rendered per class ("other" picks one per clip)."""

CLASS_REGIONS: Final[dict[str, tuple[int, ...]]] = {
    "anger": lm.RIGHT_EYEBROW + lm.LEFT_EYEBROW,
    "contempt": (lm.MOUTH_CORNER_LEFT,),
    "happiness": (lm.MOUTH_CORNER_RIGHT, lm.MOUTH_CORNER_LEFT),
    "other": (),
    "sadness": (lm.MOUTH_CORNER_RIGHT, lm.MOUTH_CORNER_LEFT),
    "surprise": lm.RIGHT_EYEBROW + lm.LEFT_EYEBROW,
}
"""Landmarks each class moves most (its main action unit is centred on them).

Contempt always moves the subject's own left lip corner; mirrored base faces
put it on either side of the image. Sadness also lifts the inner brows at half
strength. "Other" moves a different place per clip (see the ``action_units``
column of ``clips.csv``), so it has no fixed region.
"""


@dataclass(frozen=True)
class Action:
    """One action unit: Gaussian displacement blobs ``(landmark, lateral, up)``.

    ``lateral`` points away from the face's midline and ``up`` towards the
    forehead. ``sigma`` (blob width) is in units of the distance between the
    outer eye corners; ``gain`` scales the clip's amplitude for this action.
    """

    name: str
    blobs: tuple[tuple[int, float, float], ...]
    sigma: float
    gain: float = 1.0


# Each eyebrow as (upper line, lower line), from its outer to its inner end.
_BROW_LINES: Final = (
    ((70, 63, 105, 66, 107), (46, 53, 52, 65, 55)),  # subject's right brow
    ((300, 293, 334, 296, 336), (276, 283, 282, 295, 285)),  # subject's left brow
)


def _brows(
    lateral: Sequence[float], up: Sequence[float]
) -> tuple[tuple[int, float, float], ...]:
    """Blobs on both eyebrows; ``lateral``/``up`` per point, outer to inner."""
    return tuple(
        (index, lateral[k], up[k])
        for lines in _BROW_LINES
        for line in lines
        for k, index in enumerate(line)
    )


# The brow and lip-corner blobs are 0.12 eye distances wide: the skin around
# a brow or a lip corner moves with it. With brow blobs of 0.07, FaceMesh's
# brows on Grace Hopper (whose brows lie along a glasses rim) moved at the
# apex 0.05-0.4x as much as on the astronaut, and anger and surprise were
# confused on her face; 0.12 raised the demo's LOSO UF1 by 0.04-0.06
# (docs/findings.md, "A defect in the demo data: brows barely visible on one
# face"). The peak displacement does not depend on the width (each action is
# rescaled to its gain x amplitude). FaceMesh follows a brow warp with about
# half its size (mouth corners: all of it), hence the 1.2x gain for the brow
# action units.
CLASS_ACTIONS: Final[dict[str, tuple[Action, ...]]] = {
    # Corrugator (AU4): brows down, inner ends drawn together.
    "anger": (
        Action(
            "AU4",
            _brows(
                lateral=(0, 0, -0.2, -0.5, -0.7), up=(-0.4, -0.7, -0.95, -0.85, -0.7)
            ),
            sigma=0.12,
            gain=1.2,
        ),
    ),
    # Risorius/buccinator (AU14, one side): lip corner out and a little up.
    "contempt": (Action("AU14L", ((lm.MOUTH_CORNER_LEFT, 0.85, 0.5),), sigma=0.12),),
    # Zygomaticus major (AU12): both lip corners up and out.
    "happiness": (
        Action(
            "AU12",
            ((lm.MOUTH_CORNER_RIGHT, 0.6, 0.8), (lm.MOUTH_CORNER_LEFT, 0.6, 0.8)),
            sigma=0.12,
        ),
    ),
    # Depressor anguli oris (AU15): lip corners down; inner brows up (AU1).
    "sadness": (
        Action(
            "AU15",
            ((lm.MOUTH_CORNER_RIGHT, 0.15, -1.0), (lm.MOUTH_CORNER_LEFT, 0.15, -1.0)),
            sigma=0.12,
        ),
        Action(
            "AU1",
            tuple((index, 0.0, 1.0) for index in (107, 55, 336, 285)),
            sigma=0.08,
            gain=0.5,
        ),
    ),
    # Frontalis (AU1+AU2): whole brows up.
    "surprise": (
        Action(
            "AU1+AU2",
            _brows(lateral=(0.1, 0.05, 0, 0, 0), up=(1.0, 1.0, 1.0, 0.95, 0.9)),
            sigma=0.12,
            gain=1.2,
        ),
    ),
}
"""The action units of every class but "other" (see :func:`draw_other_action`)."""

_BLINK: Final = Action(
    "AU45", tuple((index, 0.0, -1.0) for index in (158, 159, 160, 385, 386, 387)), 0.05
)
_CHIN_RAISE: Final = Action("AU17", ((17, 0.0, 1.0), (199, 0.0, 1.0)), 0.1)
_LOCAL_ANCHORS: Final = (50, 280, 151, 203, 423)  # cheeks, forehead, nasolabial


def draw_other_action(rng: np.random.Generator) -> Action:
    """A partial blink, a chin raise, or a small push in a random direction.

    Notes
    -----
    Every clip of every class calls this (and uses the result only for
    "other"), so that all classes consume the same random draws.
    """
    kind = rng.integers(3)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    anchor = int(rng.choice(_LOCAL_ANCHORS))
    if kind == 0:
        return _BLINK
    if kind == 1:
        return _CHIN_RAISE
    return Action(f"local{anchor}", ((anchor, math.cos(angle), math.sin(angle)),), 0.1)


def expression_profile(
    n_frames: int, onset: int, apex: int, offset: int
) -> NDArray[np.float64]:
    """Return the expression strength per frame, from 0 (neutral) to 1 (apex).

    A raised cosine up from ``onset`` to ``apex`` and back down to ``offset``,
    zero outside, so the motion starts and stops with zero velocity. Requires
    ``onset < apex < offset``.

    Examples
    --------
    >>> expression_profile(7, 1, 3, 5).round(2).tolist()
    [0.0, 0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    frames = np.arange(n_frames, dtype=np.float64)
    rising = np.clip((frames - onset) / (apex - onset), 0.0, 1.0)
    falling = np.clip((frames - apex) / (offset - apex), 0.0, 1.0)
    return 0.25 * (1.0 - np.cos(np.pi * rising)) * (1.0 + np.cos(np.pi * falling))


def action_field(
    actions: Sequence[Action],
    points: NDArray[np.float64],
    amplitude_px: float,
    size: int,
) -> tuple[NDArray[np.float32], tuple[slice, slice]]:
    """Displacement field (x, y in px) of the apex frame, where it is non-zero.

    Each action is a sum of separable Gaussian blobs at its landmarks
    (``points``: ``(n_landmarks, 2)`` in output pixels), rescaled so that its
    largest displacement is ``gain * amplitude_px``. Blobs stop at 4 sigma, so
    the field is zero outside a window: returns the field over that window,
    ``(n_rows, n_cols, 2)``, and the window as ``(rows, cols)`` slices.
    """
    eye_line = points[lm.EYE_OUTER_LEFT] - points[lm.EYE_OUTER_RIGHT]
    eye_distance = float(np.hypot(*eye_line))
    across = eye_line / eye_distance
    up = np.array([across[1], -across[0]])  # image y points down
    midline = points[lm.NOSE_BRIDGE]
    blobs = [
        (points[index], lateral, upward, action.sigma * eye_distance, number)
        for number, action in enumerate(actions)
        for index, lateral, upward in action.blobs
    ]
    centres = np.array([blob[0] for blob in blobs])
    reach = 4.0 * np.array([[blob[3]] for blob in blobs])
    low = np.clip(np.floor(centres - reach).min(axis=0), 0, size - 1).astype(int)
    high = np.clip(np.ceil(centres + reach).max(axis=0) + 1, 1, size).astype(int)
    grid_x = np.arange(low[0], high[0], dtype=np.float64)
    grid_y = np.arange(low[1], high[1], dtype=np.float64)
    parts = np.zeros((len(actions), grid_y.size, grid_x.size, 2))
    for centre, lateral, upward, sigma, number in blobs:
        side = 1.0 if float((centre - midline) @ across) >= 0 else -1.0
        vector = lateral * side * across + upward * up
        weight_x = np.exp(-0.5 * ((grid_x - centre[0]) / sigma) ** 2)
        weight_y = np.exp(-0.5 * ((grid_y - centre[1]) / sigma) ** 2)
        parts[number] += np.multiply.outer(weight_y, weight_x)[..., None] * vector
    field = np.zeros(parts.shape[1:])
    for action, part in zip(actions, parts, strict=True):
        peak = float(np.hypot(part[..., 0], part[..., 1]).max())
        if peak > 0:
            field += part * (action.gain * amplitude_px / peak)
    window = (slice(low[1], high[1]), slice(low[0], high[0]))
    return field.astype(np.float32), window
