"""Matplotlib figures of a whole landmark store, and every figure into PNG files.

Class-average motion heatmap, dataset overview (of one store, or of several
side by side), and
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


def _overview_summaries(data: Any) -> dict[str, Any]:
    """Summary tables by dataset name from a store, a summary, or several."""
    from samm_pipeline.io.overview import dataset_name, summaries_by_dataset

    if hasattr(data, "summary"):  # a store (itself a mapping of clips)
        return summaries_by_dataset([data])
    if isinstance(data, Mapping):
        return {
            str(name): item.summary() if hasattr(item, "summary") else item
            for name, item in data.items()
        }
    if isinstance(data, Sequence):
        if all(hasattr(item, "summary") for item in data):
            return summaries_by_dataset(list(data))
        return {
            dataset_name(item, f"set {number}"): item
            for number, item in enumerate(data, start=1)
        }
    return {dataset_name(data, "store"): data}


def plot_dataset_overview(data: Any) -> Any:
    """Clips per class, frames per clip, and missing faces; datasets side by side.

    Parameters
    ----------
    data
        A store (only its metadata is read) or its ``summary()`` DataFrame:
        clips per class, frames per clip per class, missing-face rate per
        class. Or several (a list of stores or summaries, or a mapping of
        dataset name to either), e.g. the stores of a MEGC composite: clips
        per class with one bar per dataset, subjects per dataset, frames per
        clip per dataset (with its fps), missing-face rate per dataset.
        Stores are named by their dataset
        (:func:`~samm_pipeline.io.overview.summaries_by_dataset`).
    """
    summaries = _overview_summaries(data)
    if not summaries:
        raise DataError("no store given; nothing to draw")
    empty = [name for name, summary in summaries.items() if summary.empty]
    if empty:
        raise DataError(
            f"the store has no complete entry ({', '.join(empty)}); nothing to draw"
        )
    if len(summaries) > 1:
        return _plot_datasets_side_by_side(summaries)
    (summary,) = summaries.values()
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


def _plot_datasets_side_by_side(summaries: Mapping[str, Any]) -> Any:
    """The overview of several datasets: one colour per dataset."""
    from samm_pipeline.io.overview import compare_datasets

    comparison = compare_datasets(summaries)
    names = list(summaries)
    counts, table = comparison.clips_per_class, comparison.datasets
    figure = new_figure(17, 4.2)
    count_axes, subject_axes, frames_axes, missing_axes = figure.subplots(
        1, 4, gridspec_kw={"width_ratios": [2.4, 1, 1.3, 1]}
    )
    width = 0.8 / len(names)
    positions = np.arange(len(counts))
    for index, name in enumerate(names):
        bars = count_axes.bar(
            positions + (index - (len(names) - 1) / 2) * width,
            counts[name].to_numpy(),
            width,
            label=name,
            color=f"C{index}",
        )
        labels = [str(n or "") for n in counts[name]]
        count_axes.bar_label(bars, labels=labels, fontsize=8)
    count_axes.set_xticks(positions, labels=list(counts.index))
    count_axes.set_ylabel("clips")
    count_axes.set_title(f"Clips per class ({int(table['clips'].sum())} in all)")
    count_axes.legend(fontsize=8)
    colours = [f"C{index}" for index in range(len(names))]
    bars = subject_axes.bar(names, table["subjects"].to_numpy(), color=colours)
    subject_axes.bar_label(bars, fontsize=8)
    subject_axes.set_ylabel("subjects")
    subject_axes.set_title(f"Subjects ({int(table['subjects'].sum())} in all)")
    frames_axes.boxplot(
        [summaries[name]["n_frames"].to_numpy() for name in names],
        tick_labels=[f"{name}\n{table.loc[name, 'fps']} fps" for name in names],
    )
    frames_axes.set_ylabel("frames per clip")
    frames_axes.set_title("Frames per clip")
    missing = table["missing_pct"].to_numpy(dtype=float)
    bars = missing_axes.bar(names, missing, color=colours)
    missing_axes.bar_label(bars, fmt="%.1f", fontsize=8)
    missing_axes.set_ylabel("frames without a face (%)")
    missing_axes.set_ylim(0, max(5.0, float(missing.max()) * 1.25))
    missing_axes.set_title("Missing-face rate")
    for axes in (count_axes, subject_axes, missing_axes):
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
    other_stores: Sequence[Any] = (),
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
    other_stores
        More stores (other datasets of a composite): the dataset overview
        then shows every store's dataset side by side; the other figures
        stay those of ``store``.

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
        "dataset_overview": lambda: plot_dataset_overview(
            [store, *other_stores] if other_stores else store
        ),
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
