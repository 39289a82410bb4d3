"""``spot_video``: one long video's landmarks to its expression intervals (pure)."""

from __future__ import annotations

from typing import Any

from samm_pipeline.spot.intervals import Interval
from samm_pipeline.spot.peaks import find_intervals
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.spot.signal import motion_signal


def spot_video(
    landmarks: Any,
    fps: float,
    settings: SpotSettings | None = None,
    *,
    width: int | None = None,
    height: int | None = None,
) -> list[Interval]:
    """Find the micro- and macro-expression intervals of one video.

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)`` FaceMesh landmarks (468 or 478), NaN
        rows for frames without a face; a NumPy array or an array read
        lazily window by window (a Zarr array), so memory stays flat in
        video length.
    fps
        Frames per second; every setting is in seconds, so one
        :class:`SpotSettings` serves 30 and 200 fps.
    settings
        Spotter settings (default: the documented defaults).
    width, height
        Frame size in pixels when known (x and y on one scale).

    Returns
    -------
    list of Interval
        Inclusive frame indices, sorted, not overlapping, each ``"micro"``
        (at most ``settings.micro_max_seconds``) or ``"macro"``.

    See Also
    --------
    samm_pipeline.spot.signal.motion_signal : the signal (for figures).
    samm_pipeline.spot.peaks.find_intervals : the signal to intervals.
    """
    settings = settings or SpotSettings()
    signal = motion_signal(landmarks, fps, settings, width=width, height=height)
    return find_intervals(signal, settings)
