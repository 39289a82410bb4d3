"""Matplotlib figures of a whole landmark store, and every figure into PNG files.

Class-average motion heatmap, dataset overview, and
:func:`write_store_figures`, which draws them all (with the one-clip figures
of :mod:`samm_pipeline.viz.clip` and, given a run folder, the run figures of
:mod:`samm_pipeline.viz.run`) into PNG files for the ``plot`` command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.clip import Clip
from samm_pipeline.config import AlignConfig
from samm_pipeline.errors import DataError
from samm_pipeline.landmarks import REGIONS
from samm_pipeline.viz.base import new_figure
from samm_pipeline.viz.clip import (
    plot_face_mesh,
    plot_preprocessing,
    plot_region_motion,
    region_motion,
)
from samm_pipeline.viz.run import run_figures


def class_motion_profiles(
    clips: Mapping[str, Clip] | Any,
    *,
    n_bins: int = 20,
    head_motion: bool = True,
) -> dict[str, NDArray[np.float64]]:
    """Average region motion per class over normalised time.

    Each clip's :func:`region_motion` is cut to its annotated span
    (:attr:`~samm_pipeline.clip.Clip.span`) when that holds at least two
    frames, else taken whole (a profile needs two points), resampled linearly
    to ``n_bins`` time bins and averaged over the class's clips.

    Parameters
    ----------
    clips
        A :class:`~samm_pipeline.io.store.LandmarkStore` or any mapping of key
        to :class:`~samm_pipeline.clip.Clip` (clips are loaded one by one).

    Returns
    -------
    dict
        class name -> ``(len(REGIONS), n_bins)`` mean displacement; classes
        whose clips all lack enough face frames are left out.
    """
    from samm_pipeline.prepare.align import resample_linear

    sums: dict[str, NDArray[np.float64]] = {}
    counts: dict[str, int] = {}
    for clip in clips.values():
        motion = region_motion(clip, head_motion=head_motion)
        span = clip.span
        if span is not None and span[1] > span[0]:
            motion = motion[span[0] : span[1] + 1]
        motion = motion[~np.isnan(motion).any(axis=1)]
        if len(motion) < 2:
            continue
        profile = resample_linear(motion, n_bins).T
        sums[clip.class_name] = sums.get(clip.class_name, 0.0) + profile
        counts[clip.class_name] = counts.get(clip.class_name, 0) + 1
    return {name: sums[name] / counts[name] for name in sorted(sums)}


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
    figure = new_figure(4.2 * n_columns + 1, 2.6 * n_rows + 0.4)
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
    figure = new_figure(13, 3.8)
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


# --------------------------------------------------------------------------
# all figures of a store, for the CLI


RUN_FIGURES = ("training_curves", "confusion_matrix")
"""Figures drawn from a training run folder (``--run``)."""

STORE_FIGURES = (
    "dataset_overview",
    "face_mesh",
    "region_motion",
    "preprocessing",
    "class_motion_heatmap",
)
"""Names (and PNG file stems) of the figures :func:`write_store_figures` draws
from a store; a run adds ``training_curves`` and ``confusion_matrix``."""


def write_store_figures(
    store: Any,
    output: str | Path,
    *,
    key: str | None = None,
    run_dir: str | Path | None = None,
    config: AlignConfig | None = None,
    names: Sequence[str] | None = None,
    dpi: int = 100,
) -> dict[str, Path]:
    """Draw the store figures (and a run's, when given) into PNG files.

    Parameters
    ----------
    store
        An open :class:`~samm_pipeline.io.store.LandmarkStore`.
    output
        Folder for the PNGs (created); each is ``<name>.png``.
    key
        The clip of the per-clip figures; default: the first key.
    run_dir
        A ``train`` output folder: adds its training curves and confusion
        matrix.
    config
        The ``[align]`` settings of the preprocessing figure.
    names
        Draw only these of :data:`STORE_FIGURES` (default: all).
    dpi
        Resolution of the PNGs.

    Returns
    -------
    dict
        figure name -> PNG path, in drawing order.
    """
    unknown = sorted(set(names or ()) - set(STORE_FIGURES) - set(RUN_FIGURES))
    if unknown:
        raise DataError(
            f"unknown figure(s) {', '.join(unknown)}; choose from "
            f"{', '.join(STORE_FIGURES + RUN_FIGURES)}"
        )
    wanted_run = [name for name in RUN_FIGURES if not names or name in names]
    if run_dir is None and names and wanted_run:
        raise DataError(
            f"figure(s) {', '.join(wanted_run)} come from a training run; give --run"
        )
    # Read the run first: a bad run folder fails before any PNG is written.
    run = run_figures(run_dir) if run_dir is not None and wanted_run else {}
    if not len(store):
        raise DataError(f"store {store.path} has no complete entry; nothing to draw")
    clip = store.load(key) if key is not None else store[next(iter(store))]
    drawers: dict[str, Any] = {
        "dataset_overview": lambda: plot_dataset_overview(store),
        "face_mesh": lambda: plot_face_mesh(clip),
        "region_motion": lambda: plot_region_motion(clip),
        "preprocessing": lambda: plot_preprocessing(clip, config),
        "class_motion_heatmap": lambda: plot_class_motion_heatmap(store),
    }
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in STORE_FIGURES:
        if names and name not in names:
            continue
        written[name] = folder / f"{name}.png"
        drawers[name]().savefig(written[name], dpi=dpi)
    for name in wanted_run:
        if name in run:
            written[name] = folder / f"{name}.png"
            run[name].savefig(written[name], dpi=dpi)
    return written


__all__ = [
    "RUN_FIGURES",
    "STORE_FIGURES",
    "class_motion_profiles",
    "plot_class_motion_heatmap",
    "plot_dataset_overview",
    "run_figures",
    "write_store_figures",
]
