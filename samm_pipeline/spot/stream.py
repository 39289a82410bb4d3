"""The spotter on a live stream: intervals as they close, causally (pure).

:class:`StreamingSpotter` takes landmark frames one at a time and reports
each expression interval once it has ended, using only the frames seen so
far; the streaming detector uses it as its gate (``[detect] spot_gate``),
classifying only what it spots.

How it differs from the offline spotter (:func:`~samm_pipeline.spot.run.
run_spotting`), which sees the whole video:

- **History.** Every ``update_seconds`` the motion signal
  (:func:`~samm_pipeline.spot.signal.motion_signal`) is computed on the last
  ``baseline_seconds + 2 s`` of frames only, so memory and work per update
  are bounded whatever the stream's length. Near the newest frame the
  sliding neutral baseline is one-sided (the past only).
- **Threshold.** The per-video threshold ``mean + p (max - mean)`` (never
  below ``min_height``) uses the running mean and maximum of the fine and
  coarse signals over every frame seen so far (each frame counted once, when
  it leaves the newest ``lag``), not the whole video's; early in a stream it
  is set by what has happened so far. With ``threshold_outside_macro`` the
  fine signal's statistics leave out the frames where the coarse signal is
  above its threshold (the streaming stand-in for "inside a
  macro-expression": when a frame is counted, the macro-expression around
  it may not have ended yet). ``threshold_tuning`` does not apply: a live
  stream has no held-out subjects.
- **Closing.** An interval is reported once its offset is at least ``lag``
  (half the micro smoothing window plus 0.2 s) before the newest frame, so
  the signal has been seen falling back, at the next update (every
  ``update_seconds``); each frame belongs to at most one reported
  interval.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.spot.intervals import Interval, expression_kind
from samm_pipeline.spot.peaks import find_intervals
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.signal import frames_for, motion_signal

HISTORY_MARGIN_SECONDS = 2.0
"""History kept beyond ``baseline_seconds``: room for a macro-expression."""

CLOSING_MARGIN_SECONDS = 0.2
"""How long after an interval's offset it is reported (plus the smoothing)."""


@dataclass
class _Running:
    """Running mean and maximum of one signal."""

    total: float = 0.0
    count: int = 0
    peak: float = 0.0

    def add(self, values: NDArray[np.floating]) -> None:
        if len(values):
            self.total += float(np.sum(values))
            self.count += len(values)
            self.peak = max(self.peak, float(np.max(values)))

    def threshold(self, fraction: float, floor: float) -> float:
        mean = self.total / self.count if self.count else 0.0
        return max(mean + fraction * (self.peak - mean), floor)


class StreamingSpotter:
    """Spot micro- and macro-expressions in a stream of landmark frames.

    Parameters
    ----------
    fps
        Frames per second of the stream (every setting is in seconds).
    settings
        The ``[spot]`` settings (default: their defaults).
    n_landmarks
        Landmarks per frame (468 or 478).
    width, height
        Frame size in pixels, when known.
    update_seconds
        How often the signal is recomputed (latency against work).

    Examples
    --------
    ::

        spotter = StreamingSpotter(fps=30.0)
        for points in landmark_frames:          # (478, 3) or None
            for interval in spotter.push(points):
                print(interval.onset, interval.offset, interval.kind)
        for interval in spotter.flush():        # the end of the stream
            ...
    """

    def __init__(
        self,
        fps: float,
        settings: SpotSettings | None = None,
        *,
        n_landmarks: int = 478,
        width: int | None = None,
        height: int | None = None,
        update_seconds: float = 0.2,
    ) -> None:
        if not (np.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps}")
        self.fps = float(fps)
        self.settings = settings or SpotSettings()
        self.n_landmarks = n_landmarks
        self.width, self.height = width, height
        history = self.settings.baseline_seconds + HISTORY_MARGIN_SECONDS
        self.frames: deque[NDArray[np.float32]] = deque(
            maxlen=frames_for(history, self.fps)
        )
        """The recent frames (NaN rows without a face), oldest first."""
        self.lag = frames_for(
            self.settings.micro_smooth_seconds / 2 + CLOSING_MARGIN_SECONDS, self.fps
        )
        self.update_every = frames_for(update_seconds, self.fps)
        self.n_frames = 0
        """Frames pushed so far."""
        self._since_update = 0
        self._settled = 0  # frames whose signal values are in the running stats
        self._reported = -1  # the last reported interval's offset
        self._running = {"micro": _Running(), "macro": _Running()}
        self._nan = np.full((n_landmarks, 3), np.nan, dtype=np.float32)

    @property
    def first_frame(self) -> int:
        """Stream index of ``frames[0]``."""
        return self.n_frames - len(self.frames)

    def window(self, start: int, stop: int) -> NDArray[np.float32]:
        """Frames ``start:stop`` (stream indices) still held, NaN rows for none."""
        first = self.first_frame
        lo, hi = max(start, first), min(stop, self.n_frames)
        if hi <= lo:
            return np.zeros((0, self.n_landmarks, 3), dtype=np.float32)
        return np.stack([self.frames[index - first] for index in range(lo, hi)])

    def push(self, points: NDArray[np.floating] | None) -> list[Interval]:
        """Add one frame's landmarks (``None``: no face); return closed intervals.

        Intervals are in stream frame indices, sorted, each reported once.
        """
        if points is None:
            frame = self._nan
        else:
            frame = np.asarray(points, dtype=np.float32)
            if frame.shape != (self.n_landmarks, 3):
                raise ValueError(
                    f"expected ({self.n_landmarks}, 3) landmarks, got {frame.shape}"
                )
        self.frames.append(frame)
        self.n_frames += 1
        self._since_update += 1
        if self._since_update < self.update_every:
            return []
        self._since_update = 0
        return self._update(self.n_frames - self.lag)

    def flush(self) -> list[Interval]:
        """The end of the stream: report what is still open."""
        return self._update(self.n_frames)

    def _update(self, closed_before: int) -> list[Interval]:
        """Recompute the signal; report intervals ending before ``closed_before``."""
        first = self.first_frame
        if not self.frames:
            return []
        block = np.stack(self.frames)
        if np.isnan(block[:, :, 0]).all():
            return []
        signal = motion_signal(
            block, self.fps, self.settings, width=self.width, height=self.height
        )
        settle = slice(
            max(self._settled, first) - first,
            max(closed_before, self._settled, first) - first,
        )
        self._settled = max(self._settled, closed_before)
        fraction, floor = self.settings.threshold_fraction, self.settings.min_height
        coarse = np.asarray(signal.macro)[settle]
        self._running["macro"].add(coarse)
        macro_threshold = self._running["macro"].threshold(fraction, floor)
        fine = np.asarray(signal.micro)[settle]
        if self.settings.threshold_outside_macro:
            fine = fine[coarse < macro_threshold]
        self._running["micro"].add(fine)
        thresholds = {
            "micro": self._running["micro"].threshold(fraction, floor),
            "macro": macro_threshold,
        }
        found = []
        for interval in find_intervals(signal, self.settings, thresholds):
            onset, offset = interval.onset + first, interval.offset + first
            if onset <= self._reported or offset >= closed_before:
                continue
            kind = expression_kind(
                offset - onset + 1, self.fps, self.settings.micro_max_seconds
            )
            found.append(Interval(onset, offset, kind, interval.score))
            self._reported = offset
        return found
