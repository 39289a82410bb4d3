"""Synthetic long videos of landmarks for the spotting tests.

A neutral face is a fixed random point cloud (478 landmarks, normalised
coordinates, the outer eye corners 0.16 apart: about 82 px at 512 px) with
FaceMesh-like jitter (0.4 px per coordinate). Expressions move one region's
landmarks along a raised cosine (0 at onset and offset, full at the apex);
head motion is a similarity transform of the whole face per frame (drift,
slow sway, and a quick nod that, unremoved, looks like an expression).
With ``eyes=True`` the eye corners and eyelids sit where eyes would (the lids
8 px apart, the corners 26 px), so that a blink (the upper lids down onto the
lower ones) can be drawn; otherwise they are random points like the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samm_pipeline.landmarks import (
    EYE_INNER_LEFT,
    EYE_INNER_RIGHT,
    EYE_OUTER_LEFT,
    EYE_OUTER_RIGHT,
    LEFT_EYEBROW,
    LIPS,
    LOWER_EYELID_LEFT,
    LOWER_EYELID_RIGHT,
    RIGHT_EYEBROW,
    UPPER_EYELID_LEFT,
    UPPER_EYELID_RIGHT,
)

PIXEL = 1 / 512
"""One pixel of a 512 px frame, in normalised coordinates."""

BROWS = LEFT_EYEBROW + RIGHT_EYEBROW


@dataclass(frozen=True)
class Movement:
    """Landmarks ``points`` shifted by ``shift_px`` (x, y), onset..offset in seconds."""

    points: tuple[int, ...]
    start_seconds: float
    duration_seconds: float
    shift_px: tuple[float, float]

    def frames(self, fps: float) -> tuple[int, int]:
        """Inclusive onset and offset frames at ``fps``."""
        onset = round(self.start_seconds * fps)
        return onset, onset + round(self.duration_seconds * fps) - 1


BROW_RAISE = Movement(BROWS, 4.0, 0.3, (0.0, -3.0))
"""A 0.3 s micro-expression: both brows up 3 px (AU1+2)."""

MOUTH_SMILE = Movement(LIPS, 9.0, 2.0, (0.0, -4.0))
"""A 2 s macro-expression: the lips up 4 px."""


EYE_OPENING_PX = 0.015 * 512
"""The distance of the upper from the lower eyelid with ``eyes=True``."""


def blink(start_seconds: float, duration_seconds: float = 0.15) -> tuple[Movement, ...]:
    """A blink (``eyes=True`` faces): the upper lids close, the brows 3 px down.

    FaceMesh moves the brows along with the eyelids when the eyes close.
    """
    lids = (UPPER_EYELID_RIGHT, UPPER_EYELID_LEFT)
    return (
        Movement(lids, start_seconds, duration_seconds, (0.0, EYE_OPENING_PX)),
        Movement(BROWS, start_seconds, duration_seconds, (0.0, 3.0)),
    )


def neutral_face(seed: int = 0, *, eyes: bool = False) -> np.ndarray:
    """A (478, 3) face-like point cloud in normalised coordinates."""
    rng = np.random.default_rng(seed)
    face = np.empty((478, 3))
    face[:, :2] = rng.uniform(0.35, 0.65, size=(478, 2))
    face[:, 2] = rng.normal(0.0, 0.02, 478)
    face[EYE_OUTER_RIGHT, :2] = (0.42, 0.45)
    face[EYE_OUTER_LEFT, :2] = (0.58, 0.45)
    if eyes:
        face[EYE_INNER_RIGHT, :2] = (0.47, 0.45)
        face[EYE_INNER_LEFT, :2] = (0.53, 0.45)
        opening = EYE_OPENING_PX * PIXEL
        for x in (0.445, 0.555):
            upper = UPPER_EYELID_RIGHT if x < 0.5 else UPPER_EYELID_LEFT
            lower = LOWER_EYELID_RIGHT if x < 0.5 else LOWER_EYELID_LEFT
            face[upper, :2] = (x, 0.45 - opening / 2)
            face[lower, :2] = (x, 0.45 + opening / 2)
    return face


def synthetic_video(
    fps: float,
    seconds: float = 14.0,
    movements: tuple[Movement, ...] = (BROW_RAISE, MOUTH_SMILE),
    *,
    head_motion: bool = True,
    jitter_px: float = 0.4,
    seed: int = 0,
    eyes: bool = False,
) -> np.ndarray:
    """A float32 ``(n_frames, 478, 3)`` landmark video (module notes)."""
    rng = np.random.default_rng(seed)
    n_frames = round(seconds * fps)
    time = np.arange(n_frames) / fps
    video = np.repeat(neutral_face(seed, eyes=eyes)[None], n_frames, axis=0)
    for movement in movements:
        onset, offset = movement.frames(fps)
        phase = (np.arange(onset, offset + 1) - onset + 0.5) / (offset - onset + 1)
        profile = 0.5 * (1 - np.cos(2 * np.pi * phase))
        shift = np.asarray(movement.shift_px) * PIXEL
        index = np.asarray(movement.points)
        video[onset : offset + 1, index, :2] += profile[:, None, None] * shift
    if head_motion:
        # drift, a slow sway, and a quick 4-degree nod at 6.5 s for 0.3 s
        angle = np.deg2rad(3.0 * np.sin(2 * np.pi * time / 7.0))
        nod = np.exp(-0.5 * ((time - 6.5) / 0.08) ** 2)
        angle = angle + np.deg2rad(4.0) * nod
        scale = 1.0 + 0.05 * np.sin(2 * np.pi * time / 11.0)
        shift = np.stack([0.03 * time / seconds, 0.02 * nod], axis=1)
        centre = np.array([0.5, 0.5])
        cos, sin = np.cos(angle), np.sin(angle)
        rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
        xy = video[..., :2] - centre
        video[..., :2] = (
            scale[:, None, None] * np.einsum("tij,tkj->tki", rotation, xy)
            + centre
            + shift[:, None, :]
        )
    video[..., :2] += rng.normal(0.0, jitter_px * PIXEL, size=(n_frames, 478, 2))
    return video.astype(np.float32)
