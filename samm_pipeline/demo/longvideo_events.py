"""Planned events of a demo long video: what moves when, and the head's drift (pure).

:func:`plan_events` draws a video's annotated expressions and its
distractors (blinks, speech-like mouth motion) in seconds;
:func:`event_strength` gives an event's strength per frame and
:func:`head_motion` the slow head drift and turn of the whole video, both as
arrays. :mod:`~samm_pipeline.demo.longvideo` renders and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.demo.actions import CLASS_ACTIONS, expression_profile

EventKind = Literal["micro", "macro", "blink", "speech"]
"""What a planted event is; only micro and macro are annotated."""

EXPRESSION_CLASSES: Final = tuple(sorted(CLASS_ACTIONS))
"""The demo classes whose action units a planted expression uses."""

_MARGIN_SECONDS: Final = 0.5  # between an expression and the ends of its slot
_CLEAR_SECONDS: Final = 0.3  # between a distractor and any expression


@dataclass(frozen=True)
class PlantedEvent:
    """One event of a long video: 0-based inclusive frames, what moves, how much.

    ``amplitude_px`` is the largest displacement at the apex in output pixels;
    ``rate_hz`` how often the mouth opens in a speech burst (0 otherwise);
    ``emotion`` the demo class whose action units an expression uses (empty
    for a distractor).
    """

    kind: EventKind
    onset: int
    apex: int
    offset: int
    action_units: str
    amplitude_px: float
    rate_hz: float = 0.0
    emotion: str = ""


def _frames(seconds: float, fps: float) -> int:
    return max(2, round(seconds * fps))


def _free(start: int, stop: int, taken: list[tuple[int, int]], clear: int) -> bool:
    """Whether ``[start, stop]`` keeps ``clear`` frames away from every span."""
    return all(stop + clear < lo or start - clear > hi for lo, hi in taken)


def plan_events(
    rng: np.random.Generator,
    n_frames: int,
    fps: float,
    n_micro: int,
    n_macro: int,
    amplitude_px: float,
) -> list[PlantedEvent]:
    """Plan one video's events (module notes); pure, sorted by onset.

    ``amplitude_px`` is the micro-expression amplitude in output pixels; a
    blink's is set when rendering (it closes the eye), so it is 0 here.

    Raises
    ------
    ValueError
        The video is too short for its expressions (about 4 s each).
    """
    kinds: list[EventKind] = ["micro"] * n_micro + ["macro"] * n_macro
    rng.shuffle(kinds)
    slot = n_frames / max(1, len(kinds))
    margin = round(_MARGIN_SECONDS * fps)
    if kinds and slot < 2 * margin + 3.2 * fps:
        raise ValueError(
            f"{len(kinds)} expressions need at least {4 * len(kinds)} s, "
            f"got {n_frames / fps:.1f} s"
        )
    events: list[PlantedEvent] = []
    for number, kind in enumerate(kinds):
        seconds = rng.uniform(0.2, 0.5) if kind == "micro" else rng.uniform(1.0, 3.0)
        length = max(4, round(seconds * fps)) - 1  # offset - onset
        start = round(number * slot) + margin
        stop = round((number + 1) * slot) - margin - length
        onset = int(rng.integers(start, max(start, stop) + 1))
        apex = onset + round(length * rng.uniform(0.35, 0.6))
        gain = 1.0 if kind == "micro" else rng.uniform(2.5, 4.0)
        name = EXPRESSION_CLASSES[int(rng.integers(len(EXPRESSION_CLASSES)))]
        units = "+".join(action.name for action in CLASS_ACTIONS[name])
        events.append(
            PlantedEvent(
                kind, onset, apex, onset + length, units,
                amplitude_px * gain * rng.uniform(0.85, 1.15), emotion=name,
            )
        )  # fmt: skip
    taken = [(event.onset, event.offset) for event in events]
    clear = round(_CLEAR_SECONDS * fps)
    for _ in range(int(rng.integers(1, 3))):  # speech bursts
        length = _frames(rng.uniform(1.0, 2.5), fps)
        for _attempt in range(50):
            onset = int(rng.integers(0, max(1, n_frames - length)))
            if _free(onset, onset + length, taken, clear):
                taken.append((onset, onset + length))
                rate_hz = round(rng.uniform(3.0, 5.0), 2)
                events.append(
                    PlantedEvent(
                        "speech", onset, onset + length // 2, onset + length,
                        f"speech {rate_hz:.2f} Hz",
                        amplitude_px * rng.uniform(0.8, 1.2), rate_hz,
                    )
                )  # fmt: skip
                break
    time = rng.uniform(0.5, 3.0)
    while (onset := round(time * fps)) < n_frames - fps * 0.3:
        length = _frames(rng.uniform(0.12, 0.2), fps)
        if not _free(onset, onset + length, taken, clear):
            time += 0.25  # the blink waits until the expression or speech is over
            continue
        apex = onset + length // 2
        events.append(PlantedEvent("blink", onset, apex, onset + length, "AU45", 0.0))
        time += rng.uniform(2.5, 6.0)
    return sorted(events, key=lambda event: (event.onset, event.kind))


def event_strength(
    event: PlantedEvent, n_frames: int, fps: float
) -> NDArray[np.float64]:
    """The event's strength per frame of the video, 0 to 1."""
    profile = expression_profile(n_frames, event.onset, event.apex, event.offset)
    if event.kind != "speech":
        return profile
    rate = event.rate_hz
    frames = np.arange(n_frames) - event.onset
    # The envelope rises over the whole burst; the mouth opens and closes in it.
    return np.sqrt(profile) * 0.5 * (1.0 - np.cos(2.0 * np.pi * rate * frames / fps))


def head_motion(
    rng: np.random.Generator, n_frames: int, fps: float, size: int, centre: NDArray
) -> NDArray[np.float64]:
    """``(n_frames, 2, 3)`` similarity transforms of a slow head drift and turn."""
    times = np.arange(n_frames) / fps
    angle_deg = rng.uniform(1.0, 3.0) * np.sin(
        2 * np.pi * times / rng.uniform(10.0, 25.0) + rng.uniform(0, 2 * np.pi)
    )
    shift = (
        rng.uniform(0.006, 0.02, (2, 1))
        * size
        * np.sin(
            2 * np.pi * times / rng.uniform(8.0, 20.0, (2, 1))
            + rng.uniform(0, 2 * np.pi, (2, 1))
        )
    )
    scale = 1.0 + rng.uniform(0.0, 0.015) * np.sin(
        2 * np.pi * times / rng.uniform(12.0, 25.0)
    )
    radians = np.radians(angle_deg)
    linear = scale[:, None, None] * np.stack(
        [
            np.stack([np.cos(radians), -np.sin(radians)], axis=1),
            np.stack([np.sin(radians), np.cos(radians)], axis=1),
        ],
        axis=1,
    )
    offset = centre + shift.T - np.einsum("tij,j->ti", linear, centre)
    return np.concatenate([linear, offset[:, :, None]], axis=2)
