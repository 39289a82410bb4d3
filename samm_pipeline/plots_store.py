"""Matplotlib figures of a landmark store: clips, regions, classes, the dataset.

Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure` built
without ``pyplot`` and never calls ``show``; :mod:`samm_pipeline.plots`
re-exports them beside the run-report figures. The motion measures reuse the
training's own preprocessing (:mod:`samm_pipeline.normalize`,
:func:`samm_pipeline.dataset.preprocess_clip`), so a figure shows what the
model is given.

Landmark arrays are ``(n_frames, n_landmarks, 3)`` as stored (MediaPipe's
normalised x, y, z; NaN rows for frames without a face).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import Clip
from samm_pipeline.landmarks import (
    BROW_INNER_LEFT,
    BROW_INNER_RIGHT,
    MOUTH_CORNER_LEFT,
    MOUTH_CORNER_RIGHT,
    REGIONS,
    STABLE_LANDMARKS,
    UPPER_EYELID_LEFT,
    UPPER_EYELID_RIGHT,
)
from samm_pipeline.normalize import fill_missing, remove_head_motion, to_pixel_units

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


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _as_clip(clip: Clip | Any) -> Clip:
    """Accept a :class:`Clip` or an xarray DataArray made by ``to_xarray``."""
    if isinstance(clip, Clip):
        return clip
    if hasattr(clip, "dims") and hasattr(clip, "attrs"):
        return Clip(str(clip.name), np.asarray(clip.values), dict(clip.attrs))
    raise TypeError(f"expected a Clip or an xarray.DataArray, got {type(clip)!r}")


def _events(attrs: Mapping[str, Any], n_frames: int) -> dict[str, int]:
    """Onset, apex and offset frames the entry knows, inside the clip."""
    events = {}
    for name in EVENT_STYLES:
        value = attrs.get(name)
        if value is not None and 0 <= int(value) < n_frames:
            events[name] = int(value)
    return events


def _time_axis(clip: Clip) -> tuple[NDArray[np.float64], str, float]:
    """x values of every frame, the axis label, and seconds per frame (1 if none)."""
    times = clip.times
    if times is None:
        return np.arange(len(clip.landmarks), dtype=np.float64), "frame", 1.0
    return times, "time (s)", 1.0 / float(clip.fps or 1.0)


def _mark_events(axes: Any, clip: Clip, step: float) -> int:
    """Draw onset/apex/offset as vertical lines; return how many were drawn."""
    events = _events(clip.attrs, len(clip.landmarks))
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


def stabilised_landmarks(
    landmarks: NDArray[np.floating],
    attrs: Mapping[str, Any],
    *,
    head_motion: bool = True,
) -> NDArray[np.float64]:
    """Landmarks in pixels with head motion removed, NaN rows kept in place.

    Frames without a face are interpolated for the Procrustes fit (the same
    :func:`~samm_pipeline.normalize.remove_head_motion` training uses) and set
    back to NaN afterwards, so the result stays frame-aligned with the video.
    Sizes unknown: MediaPipe's normalised units.
    """
    data = to_pixel_units(landmarks, attrs.get("width"), attrs.get("height"))
    present = ~np.isnan(data).any(axis=(1, 2))
    if not present.any():
        return data
    filled = fill_missing(data, "interpolate")
    if head_motion and max(STABLE_LANDMARKS) < data.shape[1]:
        filled = remove_head_motion(filled, stable=STABLE_LANDMARKS)
    filled[~present] = np.nan
    return filled


def region_motion(
    landmarks: NDArray[np.floating],
    attrs: Mapping[str, Any],
    *,
    head_motion: bool = True,
) -> NDArray[np.float64]:
    """Mean in-plane displacement of each region from its neutral position.

    Parameters
    ----------
    landmarks
        ``(n_frames, n_landmarks, 3)`` as stored.
    attrs
        The entry's attributes (``width``, ``height`` give pixel units;
        ``onset`` the end of the neutral part).
    head_motion
        Remove head motion first (see :func:`stabilised_landmarks`).

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
    >>> clip = np.zeros((5, 468, 3))
    >>> clip[4, list(REGIONS["lips"]), 1] = 2.0  # lips down by 2 units
    >>> motion = region_motion(clip, {}, head_motion=False)
    >>> motion.shape, float(motion[4, 0]), float(motion[4, 1]), float(motion[0, 0])
    ((5, 7), 2.0, 0.0, 0.0)
    """
    data = stabilised_landmarks(landmarks, attrs, head_motion=head_motion)
    present = ~np.isnan(data).any(axis=(1, 2))
    motion = np.full((len(data), len(REGIONS)), np.nan)
    if not present.any():
        return motion
    neutral = present.copy()
    onset = attrs.get("onset")
    if onset is not None and present[: max(0, int(onset))].sum() >= 3:
        neutral[int(onset) :] = False
    reference = np.median(data[neutral, :, :2], axis=0)
    displacement = np.linalg.norm(data[..., :2] - reference, axis=-1)
    for column, indices in enumerate(REGIONS.values()):
        motion[:, column] = displacement[:, list(indices)].mean(axis=1)
    return motion


def class_motion_profiles(
    clips: Mapping[str, Clip] | Any,
    *,
    n_bins: int = 20,
    head_motion: bool = True,
) -> dict[str, NDArray[np.float64]]:
    """Average region motion per class over normalised time.

    Each clip's :func:`region_motion` is cut to onset..offset when the entry
    knows both (else the whole clip), resampled linearly to ``n_bins`` time
    bins and averaged over the class's clips.

    Parameters
    ----------
    clips
        A :class:`~samm_pipeline.io.store.LandmarkStore` or any mapping of key
        to :class:`~samm_pipeline.io.store.Clip` (clips are loaded one by one).

    Returns
    -------
    dict
        class name -> ``(len(REGIONS), n_bins)`` mean displacement; classes
        whose clips all lack enough face frames are left out.
    """
    from samm_pipeline.align import resample_linear

    sums: dict[str, NDArray[np.float64]] = {}
    counts: dict[str, int] = {}
    for clip in clips.values():
        motion = region_motion(clip.landmarks, clip.attrs, head_motion=head_motion)
        onset, offset = clip.attrs.get("onset"), clip.attrs.get("offset")
        if onset is not None and offset is not None and 0 <= onset < offset:
            motion = motion[onset : offset + 1]
        motion = motion[~np.isnan(motion).any(axis=1)]
        if len(motion) < 2:
            continue
        profile = resample_linear(motion, n_bins).T
        sums[clip.class_name] = sums.get(clip.class_name, 0.0) + profile
        counts[clip.class_name] = counts.get(clip.class_name, 0) + 1
    return {name: sums[name] / counts[name] for name in sorted(sums)}


# --------------------------------------------------------------------------
# figures of one clip


def default_frame(clip: Clip) -> int:
    """The apex when known and with a face, else the first frame with a face."""
    detected = clip.detected
    apex = clip.attrs.get("apex")
    if apex is not None and 0 <= apex < len(detected) and detected[apex]:
        return int(apex)
    found = np.flatnonzero(detected)
    if not len(found):
        raise DataError(f"{clip.key}: no frame with a face; nothing to draw")
    return int(found[0])


def plot_face_mesh(clip: Clip | Any, frame: int | None = None) -> Any:
    """One frame's landmarks, coloured by facial region.

    Parameters
    ----------
    clip
        A :class:`~samm_pipeline.io.store.Clip` (``store[key]``) or the
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
    points = to_pixel_units(
        clip.landmarks[index], clip.attrs.get("width"), clip.attrs.get("height")
    )
    if np.isnan(points).all():
        raise DataError(f"{clip.key}: frame {index} has no face; pick another frame")
    unit = "px" if clip.attrs.get("width") and clip.attrs.get("height") else "norm."
    figure = _figure(5.5, 5.5)
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
        (name for name, at in _events(clip.attrs, len(clip.landmarks)).items()
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
    motion = region_motion(clip.landmarks, clip.attrs, head_motion=head_motion)
    x_values, x_label, step = _time_axis(clip)
    figure = _figure(8, 4)
    axes = figure.add_subplot()
    for column, name in enumerate(REGIONS):
        axes.plot(x_values, motion[:, column], color=REGION_COLOURS[name], label=name)
    _mark_events(axes, clip, step)
    unit = "px" if clip.attrs.get("width") and clip.attrs.get("height") else "norm."
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
    2. aligned: :func:`~samm_pipeline.dataset.preprocess_clip` with
       standardisation off: cropped, frames without a face handled, head
       motion removed, time-aligned to ``target_length``;
    3. normalised: ``preprocess_clip`` with ``config`` as given: what the
       model sees.

    Raises
    ------
    DataError
        The training would skip this clip (the reason is given).
    """
    from samm_pipeline.dataset import preprocess_clip

    clip = _as_clip(clip)
    config = config or AlignConfig()
    normalised, reason = preprocess_clip(clip.landmarks, clip.attrs, config)
    aligned, _ = preprocess_clip(
        clip.landmarks, clip.attrs, dataclasses.replace(config, zscore="none")
    )
    if normalised is None or aligned is None:
        raise DataError(f"{clip.key}: training skips this clip: {reason}")
    n_landmarks = clip.landmarks.shape[1]
    raw = to_pixel_units(
        clip.landmarks, clip.attrs.get("width"), clip.attrs.get("height")
    )
    stages = [
        ("raw (as stored)", raw, "frame"),
        (f"aligned ({config.head_motion}, {config.method})",
         aligned.reshape(len(aligned), n_landmarks, 3), "aligned frame"),
        (f"normalised (zscore={config.zscore})",
         normalised.reshape(len(normalised), n_landmarks, 3), "aligned frame"),
    ]  # fmt: skip
    figure = _figure(13, 4)
    panels = figure.subplots(1, 3)
    for axes, (title, data, x_label) in zip(panels, stages, strict=True):
        for label, landmark in TRACKED_LANDMARKS.items():
            values = data[:, landmark, 1]
            axes.plot(values - np.nanmedian(values), label=label)
        axes.set_title(title)
        axes.set_xlabel(x_label)
    events = _events(clip.attrs, len(clip.landmarks))
    if config.crop_to_annotation and {"onset", "offset"} <= set(events):
        panels[0].axvspan(events["onset"], events["offset"], color="0.9", zorder=0)
    for name, frame in events.items():
        panels[0].axvline(frame, color="black", linestyle=EVENT_STYLES[name], lw=1)
    unit = "px" if clip.attrs.get("width") and clip.attrs.get("height") else "norm."
    panels[0].set_ylabel(f"y - median ({unit})")
    panels[1].set_ylabel(f"y - median ({unit})")
    panels[2].set_ylabel("y - median (standardised)")
    panels[2].legend(fontsize=7)
    figure.suptitle(f"{clip.key}: what stage 2 does to it")
    return figure


# --------------------------------------------------------------------------
# figures of a whole store


def plot_class_motion_heatmap(
    clips: Mapping[str, Clip] | Any,
    *,
    n_bins: int = 20,
    head_motion: bool = True,
) -> Any:
    """Class-average motion, region x normalised time, one panel per class.

    Parameters
    ----------
    clips
        A store (every clip is read once) or a mapping of key to Clip; or
        the result of :func:`class_motion_profiles` (class -> array).
    """
    first = next(iter(clips.values()), None) if len(clips) else None
    if isinstance(first, np.ndarray):
        profiles = dict(clips)
    else:
        profiles = class_motion_profiles(clips, n_bins=n_bins, head_motion=head_motion)
    if not profiles:
        raise DataError("no clip with enough face frames to draw a motion heatmap")
    n_columns = min(3, len(profiles))
    n_rows = -(-len(profiles) // n_columns)
    figure = _figure(4.2 * n_columns + 1, 2.6 * n_rows + 0.4)
    grid = np.atleast_1d(figure.subplots(n_rows, n_columns, squeeze=False)).ravel()
    top = max(float(np.nanmax(profile)) for profile in profiles.values()) or 1.0
    image = None
    for axes, (name, profile) in zip(grid, profiles.items(), strict=False):
        image = axes.imshow(
            profile, aspect="auto", cmap="magma", vmin=0, vmax=top,
            extent=(0, 1, len(REGIONS) - 0.5, -0.5), interpolation="nearest",
        )  # fmt: skip
        axes.set_yticks(range(len(REGIONS)), labels=list(REGIONS), fontsize=7)
        axes.set_xlabel("normalised time (onset → offset)")
        axes.set_title(name)
    for axes in grid[len(profiles) :]:
        axes.set_visible(False)
    figure.colorbar(
        image,
        ax=list(grid[: len(profiles)]),
        label="mean displacement from neutral (px)",
    )
    figure.suptitle("Class-average region motion (head motion removed)")
    return figure


def plot_dataset_overview(store_or_summary: Any) -> Any:
    """Clips per class, frames per clip, and missing-face rate per class.

    Parameters
    ----------
    store_or_summary
        A store (only its metadata is read) or its ``summary()`` DataFrame.
    """
    summary = (
        store_or_summary.summary()
        if hasattr(store_or_summary, "summary")
        else store_or_summary
    )
    if summary.empty:
        raise DataError("the store has no complete entry; nothing to draw")
    grouped = summary.groupby("class", sort=True)
    classes = list(grouped.groups)
    clips = grouped.size()
    missing = 100.0 * (
        1 - grouped["n_detected"].sum() / grouped["n_frames"].sum().clip(lower=1)
    )
    figure = _figure(13, 3.8)
    count_axes, frames_axes, missing_axes = figure.subplots(1, 3)
    bars = count_axes.bar(classes, clips.to_numpy(), color="tab:blue")
    count_axes.bar_label(bars, fontsize=8)
    count_axes.set_ylabel("clips")
    count_axes.set_title(f"Clips per class ({len(summary)} in all)")
    frames_axes.boxplot(
        [group["n_frames"].to_numpy() for _, group in grouped], tick_labels=classes
    )
    frames_axes.set_ylabel("frames per clip")
    frames_axes.set_title(
        f"Frames per clip (median {int(summary['n_frames'].median())})"
    )
    bars = missing_axes.bar(classes, missing.to_numpy(), color="tab:red")
    missing_axes.bar_label(bars, fmt="%.1f", fontsize=8)
    missing_axes.set_ylabel("frames without a face (%)")
    missing_axes.set_ylim(0, max(5.0, float(missing.max()) * 1.25))
    missing_axes.set_title("Missing-face rate")
    for axes in (count_axes, frames_axes, missing_axes):
        axes.tick_params(axis="x", labelrotation=30)
    return figure


def run_figures(run_dir: str | Path) -> dict[str, Any]:
    """Training curves and confusion matrix of a finished ``train`` run.

    Reads ``history.csv`` and ``metrics.json`` from ``run_dir`` (as ``train``
    writes them) and returns ``{"training_curves": Figure,
    "confusion_matrix": Figure}``, drawn by the same functions as the run
    report.

    Raises
    ------
    DataError
        A file is missing.
    """
    import pandas as pd

    from samm_pipeline.plots import plot_confusion_matrix, plot_training_curves

    run = Path(run_dir)
    missing = [
        name for name in ("history.csv", "metrics.json") if not (run / name).is_file()
    ]
    if missing:
        raise DataError(
            f"{run}: no {' or '.join(missing)}; give the --output folder of a "
            "finished `samm-pipeline train`"
        )
    metrics = json.loads((run / "metrics.json").read_text())
    history = pd.read_csv(run / "history.csv").to_dict("records")
    return {
        "training_curves": plot_training_curves(history),
        "confusion_matrix": plot_confusion_matrix(
            metrics["confusion"],
            metrics["classes"],
            title=(
                f"{metrics.get('protocol', '')}: UF1 {metrics['uf1']:.2f}, "
                f"UAR {metrics['uar']:.2f}"
            ),
        ),
    }


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
    data = stabilised_landmarks(clip.landmarks, clip.attrs, head_motion=head_motion)
    if np.isnan(data).all():
        raise DataError(f"{clip.key}: no frame with a face; nothing to animate")
    colours = np.array(["0.7"] * data.shape[1], dtype=object)
    for name, indices in REGIONS.items():
        colours[list(indices)] = REGION_COLOURS[name]
    figure = _figure(4, 4)
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
    events = {frame: name for name, frame in _events(clip.attrs, len(data)).items()}
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


# --------------------------------------------------------------------------
# all figures of a store, for the CLI


def write_store_figures(
    store: Any,
    output: str | Path,
    *,
    key: str | None = None,
    run_dir: str | Path | None = None,
    config: AlignConfig | None = None,
    dpi: int = 100,
) -> dict[str, Path]:
    """Draw every store figure (and a run's, when given) into PNG files.

    Parameters
    ----------
    store
        An open :class:`~samm_pipeline.io.store.LandmarkStore`.
    output
        Folder for the PNGs (created).
    key
        The clip of the per-clip figures; default: the first key.
    run_dir
        A ``train`` output folder: adds its training curves and confusion
        matrix.
    config
        The ``[align]`` settings of the preprocessing figure.

    Returns
    -------
    dict
        figure name -> PNG path, in drawing order.
    """
    if not len(store):
        raise DataError(f"store {store.path} has no complete entry; nothing to draw")
    clip = store.load(key) if key is not None else store[next(iter(store))]
    figures: dict[str, Any] = {
        "dataset_overview": lambda: plot_dataset_overview(store),
        "face_mesh": lambda: plot_face_mesh(clip),
        "region_motion": lambda: plot_region_motion(clip),
        "preprocessing": lambda: plot_preprocessing(clip, config),
        "class_motion_heatmap": lambda: plot_class_motion_heatmap(store),
    }
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, draw in figures.items():
        written[name] = folder / f"{name}.png"
        draw().savefig(written[name], dpi=dpi)
    if run_dir is not None:
        for name, figure in run_figures(run_dir).items():
            written[name] = folder / f"{name}.png"
            figure.savefig(written[name], dpi=dpi)
    return written


__all__ = [
    "REGION_COLOURS",
    "class_motion_profiles",
    "default_frame",
    "plot_class_motion_heatmap",
    "plot_dataset_overview",
    "plot_face_mesh",
    "plot_preprocessing",
    "plot_region_motion",
    "region_motion",
    "run_figures",
    "save_clip_animation",
    "stabilised_landmarks",
    "write_store_figures",
]
