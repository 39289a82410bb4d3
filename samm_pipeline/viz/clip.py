"""Matplotlib figures of one clip: face mesh, region motion, preprocessing stages.

Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure` built
without ``pyplot`` (:func:`~samm_pipeline.viz.base.new_figure`);
:mod:`samm_pipeline.viz` exports them. The motion measures reuse the
training's own preprocessing (:mod:`samm_pipeline.prepare.normalize`,
:func:`samm_pipeline.prepare.preprocess.preprocess_clip`), so a figure shows
what the model is given. Figures of a whole store are in :mod:`samm_pipeline.viz.store`.

Landmark arrays are ``(n_frames, n_landmarks, 3)`` as stored (MediaPipe's
normalised x, y, z; NaN rows for frames without a face).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.clip import Clip
from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.landmarks import (
    BROW_INNER_LEFT,
    BROW_INNER_RIGHT,
    MOUTH_CORNER_LEFT,
    MOUTH_CORNER_RIGHT,
    REGIONS,
    UPPER_EYELID_LEFT,
    UPPER_EYELID_RIGHT,
)
from samm_pipeline.prepare.normalize import stabilised_landmarks, to_pixel_units
from samm_pipeline.viz.base import new_figure

REGION_COLOURS: dict[str, str] = {
    "lips": "tab:red",
    "left_eye": "tab:blue",
    "right_eye": "tab:cyan",
    "left_eyebrow": "tab:green",
    "right_eyebrow": "tab:olive",
    "nose": "tab:orange",
    "face_oval": "tab:purple",
}
"""One colour per :data:`samm_pipeline.landmarks.REGIONS` entry."""

TRACKED_LANDMARKS: dict[str, int] = {
    "mouth corner R": MOUTH_CORNER_RIGHT,
    "mouth corner L": MOUTH_CORNER_LEFT,
    "inner brow R": BROW_INNER_RIGHT,
    "inner brow L": BROW_INNER_LEFT,
    "upper eyelid R": UPPER_EYELID_RIGHT,
    "upper eyelid L": UPPER_EYELID_LEFT,
}
"""Landmarks whose vertical position the preprocessing figure follows."""

EVENT_STYLES: dict[str, str] = {"onset": ":", "apex": "-", "offset": "--"}


def _as_clip(clip: Clip | Any) -> Clip:
    """Accept a :class:`Clip` or an xarray DataArray made by ``to_xarray``."""
    if isinstance(clip, Clip):
        return clip
    if hasattr(clip, "dims") and hasattr(clip, "attrs"):
        return Clip(str(clip.name), np.asarray(clip.values), dict(clip.attrs))
    raise TypeError(f"expected a Clip or an xarray.DataArray, got {type(clip)!r}")


def _unit(clip: Clip) -> str:
    """Pixels when the frame size is known, else MediaPipe's normalised units."""
    return "px" if clip.width and clip.height else "norm."


def _time_axis(clip: Clip) -> tuple[NDArray[np.float64], str, float]:
    """x values of every frame, the axis label, and seconds per frame (1 if none)."""
    times = clip.times
    if times is None:
        return np.arange(len(clip.landmarks), dtype=np.float64), "frame", 1.0
    return times, "time (s)", 1.0 / float(clip.fps or 1.0)


def _mark_events(axes: Any, clip: Clip, step: float) -> int:
    """Draw onset/apex/offset as vertical lines; return how many were drawn."""
    events = clip.markers
    for name, frame in events.items():
        axes.axvline(
            frame * step,
            color="black",
            linestyle=EVENT_STYLES[name],
            linewidth=1,
            label=f"{name} (frame {frame})",
        )
    return len(events)


# --------------------------------------------------------------------------
# measures (pure)


def region_motion(clip: Clip, *, head_motion: bool = True) -> NDArray[np.float64]:
    """Mean in-plane displacement of each region from its neutral position.

    Parameters
    ----------
    clip
        The clip (its frame size gives pixel units, its onset the end of the
        neutral part).
    head_motion
        Remove head motion first (see
        :func:`~samm_pipeline.prepare.normalize.stabilised_landmarks`).

    Returns
    -------
    numpy.ndarray
        ``(n_frames, len(REGIONS))``: for each frame and region (in
        :data:`~samm_pipeline.landmarks.REGIONS` order) the mean x-y distance
        of the region's landmarks from their neutral position; NaN for frames
        without a face.

    Notes
    -----
    The neutral position of a landmark is its median over the face frames
    before the onset when there are at least 3 of them, else over all face
    frames. A median, not the first frame, so that the tracker's frame-to-frame
    jitter (about 0.5 px) is not added to every later frame.

    Examples
    --------
    >>> landmarks = np.zeros((5, 468, 3))
    >>> landmarks[4, list(REGIONS["lips"]), 1] = 2.0  # lips down by 2 units
    >>> motion = region_motion(Clip("c/x", landmarks), head_motion=False)
    >>> motion.shape, float(motion[4, 0]), float(motion[4, 1]), float(motion[0, 0])
    ((5, 7), 2.0, 0.0, 0.0)
    """
    data = stabilised_landmarks(
        clip.landmarks, clip.width, clip.height, head_motion=head_motion
    )
    present = ~np.isnan(data).any(axis=(1, 2))
    motion = np.full((len(data), len(REGIONS)), np.nan)
    if not present.any():
        return motion
    neutral = present.copy()
    onset = clip.onset
    if onset is not None and present[: max(0, onset)].sum() >= 3:
        neutral[onset:] = False
    reference = np.median(data[neutral, :, :2], axis=0)
    displacement = np.linalg.norm(data[..., :2] - reference, axis=-1)
    for column, indices in enumerate(REGIONS.values()):
        motion[:, column] = displacement[:, list(indices)].mean(axis=1)
    return motion


# --------------------------------------------------------------------------
# figures of one clip


def default_frame(clip: Clip) -> int:
    """The apex when known and with a face, else the first frame with a face."""
    detected = clip.detected
    apex = clip.markers.get("apex")
    if apex is not None and detected[apex]:
        return apex
    found = np.flatnonzero(detected)
    if not len(found):
        raise DataError(f"{clip.key}: no frame with a face; nothing to draw")
    return int(found[0])


def plot_face_mesh(clip: Clip | Any, frame: int | None = None) -> Any:
    """One frame's landmarks, coloured by facial region.

    Parameters
    ----------
    clip
        A :class:`~samm_pipeline.clip.Clip` (``store[key]``) or the
        DataArray of ``store.to_xarray(key)``.
    frame
        Frame index; default :func:`default_frame` (the apex when known).

    Returns
    -------
    matplotlib.figure.Figure
        One axes, image orientation (y down), equal aspect: a scatter per
        region (legend) and one in grey for the landmarks outside them.
    """
    clip = _as_clip(clip)
    index = default_frame(clip) if frame is None else frame
    if not 0 <= index < len(clip.landmarks):
        raise DataError(
            f"{clip.key}: frame {index} is outside the clip "
            f"(0..{len(clip.landmarks) - 1}); pick another frame"
        )
    points = to_pixel_units(clip.landmarks[index], clip.width, clip.height)
    if np.isnan(points).all():
        raise DataError(f"{clip.key}: frame {index} has no face; pick another frame")
    unit = _unit(clip)
    figure = new_figure(5.5, 5.5)
    axes = figure.add_subplot()
    in_region = np.zeros(len(points), dtype=bool)
    for indices in REGIONS.values():
        in_region[list(indices)] = True
    axes.scatter(
        points[~in_region, 0], points[~in_region, 1], s=3, color="0.7", label="other"
    )
    for name, indices in REGIONS.items():
        chosen = points[list(indices)]
        axes.scatter(
            chosen[:, 0], chosen[:, 1], s=8, color=REGION_COLOURS[name], label=name
        )
    axes.set_aspect("equal")
    axes.invert_yaxis()
    axes.set_xlabel(f"x ({unit})")
    axes.set_ylabel(f"y ({unit})")
    event = next(
        (name for name, at in clip.markers.items()
         if at == index),
        None,
    )  # fmt: skip
    axes.set_title(f"{clip.key}, frame {index}" + (f" ({event})" if event else ""))
    axes.legend(fontsize=7, loc="upper right", markerscale=1.5)
    return figure


def plot_region_motion(clip: Clip | Any, *, head_motion: bool = True) -> Any:
    """Per-region motion magnitude over time, onset / apex / offset marked.

    One line per region (:func:`region_motion`, head motion removed by
    default), x in seconds when the fps is known, vertical lines at the
    annotated onset (dotted), apex (solid) and offset (dashed).
    """
    clip = _as_clip(clip)
    motion = region_motion(clip, head_motion=head_motion)
    x_values, x_label, step = _time_axis(clip)
    figure = new_figure(8, 4)
    axes = figure.add_subplot()
    for column, name in enumerate(REGIONS):
        axes.plot(x_values, motion[:, column], color=REGION_COLOURS[name], label=name)
    _mark_events(axes, clip, step)
    unit = _unit(clip)
    axes.set_xlabel(x_label)
    axes.set_ylabel(f"mean displacement from neutral ({unit})")
    axes.set_title(
        f"{clip.key}: region motion" + (" (head motion removed)" if head_motion else "")
    )
    axes.legend(fontsize=7, ncols=2)
    return figure


def plot_preprocessing(clip: Clip | Any, config: AlignConfig | None = None) -> Any:
    """The same clip raw, aligned and normalised, side by side.

    Follows the vertical position of a few landmarks (:data:`TRACKED_LANDMARKS`,
    each minus its median over time):

    1. raw: as stored, in pixels (head motion included), every frame;
    2. aligned: :func:`~samm_pipeline.prepare.preprocess.preprocess_clip` with
       standardisation off: cropped, frames without a face handled, head
       motion removed, time-aligned to ``target_length``;
    3. normalised: ``preprocess_clip`` with ``config`` as given: what the
       model sees.

    Raises
    ------
    DataError
        The training would skip this clip (the reason is given).
    """
    from samm_pipeline.prepare.preprocess import preprocess_clip

    clip = _as_clip(clip)
    config = config or AlignConfig()
    normalised, reason = preprocess_clip(clip, config)
    aligned, _ = preprocess_clip(clip, dataclasses.replace(config, zscore="none"))
    if normalised is None or aligned is None:
        raise DataError(f"{clip.key}: training skips this clip: {reason}")
    n_landmarks = clip.landmarks.shape[1]
    raw = to_pixel_units(clip.landmarks, clip.width, clip.height)
    stages = [
        ("raw (as stored)", raw, "frame"),
        (f"aligned ({config.head_motion}, {config.method})",
         aligned.reshape(len(aligned), n_landmarks, 3), "aligned frame"),
        (f"normalised (zscore={config.zscore})",
         normalised.reshape(len(normalised), n_landmarks, 3), "aligned frame"),
    ]  # fmt: skip
    figure = new_figure(13, 4)
    panels = figure.subplots(1, 3)
    for axes, (title, data, x_label) in zip(panels, stages, strict=True):
        for label, landmark in TRACKED_LANDMARKS.items():
            values = data[:, landmark, 1]
            axes.plot(values - np.nanmedian(values), label=label)
        axes.set_title(title)
        axes.set_xlabel(x_label)
    events = clip.markers
    if config.crop_to_annotation and {"onset", "offset"} <= set(events):
        panels[0].axvspan(events["onset"], events["offset"], color="0.9", zorder=0)
    for name, frame in events.items():
        panels[0].axvline(frame, color="black", linestyle=EVENT_STYLES[name], lw=1)
    unit = _unit(clip)
    panels[0].set_ylabel(f"y - median ({unit})")
    panels[1].set_ylabel(f"y - median ({unit})")
    panels[2].set_ylabel("y - median (standardised)")
    panels[2].legend(fontsize=7)
    figure.suptitle(f"{clip.key}: what stage 2 does to it")
    return figure


# --------------------------------------------------------------------------
# animation


def save_clip_animation(
    clip: Clip | Any,
    path: str | Path,
    *,
    fps: float | None = None,
    head_motion: bool = False,
) -> Path:
    """Save an animation of a clip's landmarks as a GIF (Pillow).

    Parameters
    ----------
    clip
        The clip (or its DataArray).
    path
        Output file ending in ``.gif``.
    fps
        Playback rate; default: the clip's fps slowed to at most 20 frames/s,
        so a 0.3 s micro-expression can be seen.
    head_motion
        Remove head motion first.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    clip = _as_clip(clip)
    target = Path(path)
    if target.suffix.lower() != ".gif":
        raise DataError(f"{target}: animations are saved as .gif; use a .gif name")
    data = stabilised_landmarks(
        clip.landmarks, clip.width, clip.height, head_motion=head_motion
    )
    if np.isnan(data).all():
        raise DataError(f"{clip.key}: no frame with a face; nothing to animate")
    colours = np.array(["0.7"] * data.shape[1], dtype=object)
    for name, indices in REGIONS.items():
        colours[list(indices)] = REGION_COLOURS[name]
    figure = new_figure(4, 4)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    low, high = (
        np.nanmin(data[..., :2], axis=(0, 1)),
        np.nanmax(data[..., :2], axis=(0, 1)),
    )
    margin = 0.05 * (high - low).max()
    axes.set_xlim(low[0] - margin, high[0] + margin)
    axes.set_ylim(high[1] + margin, low[1] - margin)
    axes.set_aspect("equal")
    axes.set_axis_off()
    scatter = axes.scatter(data[0, :, 0], data[0, :, 1], s=4, c=list(colours))
    title = axes.set_title("")
    events = {frame: name for name, frame in clip.markers.items()}
    images = []
    for index, points in enumerate(data):
        scatter.set_offsets(np.nan_to_num(points[:, :2], nan=-1e9))
        title.set_text(f"{clip.key} frame {index} {events.get(index, '')}".strip())
        canvas.draw()
        images.append(Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("P"))
    rate = fps or min(20.0, float(clip.fps or 20.0))
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(
        target,
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / rate),
        loop=0,
    )
    return target


__all__ = [
    "REGION_COLOURS",
    "TRACKED_LANDMARKS",
    "default_frame",
    "plot_face_mesh",
    "plot_preprocessing",
    "plot_region_motion",
    "region_motion",
    "save_clip_animation",
    "stabilised_landmarks",
]
