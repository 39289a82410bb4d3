# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Spotting expressions in long videos
#
# Opens a store of long videos (SAMM Long Videos, CAS(ME)², or the demo's:
# `samm-pipeline demo` writes `data/demo/longvideos.zarr`), lists them, reads
# a window of one video, spots it, draws its timeline and the per-region
# motion around a spotted interval, scores it (MEGC, IoU >= 0.5), and
# re-spots it with a different setting. `docs/spotting.md` explains the
# spotter and the evaluation.
#
# Settings come from environment variables so that the same file runs as a
# notebook, as a script and in the test suite:
#
# - `SAMM_PIPELINE_STORE`: the store (default `data/demo/longvideos.zarr`);
# - `SAMM_PIPELINE_KEY`: the long video to spot (default: the first);
# - `SAMM_PIPELINE_FIGURES`: when set, every figure is also saved there as PNG.
#
# Relative paths are looked up from the working folder and then from its
# parents, so the defaults work whether the kernel starts in the repository
# root or in `pipeline/notebooks/` (as Jupyter and VS Code do).

# %%
import os
from pathlib import Path

import numpy as np

from samm_pipeline import open_store, spot_entry
from samm_pipeline.errors import DataError
from samm_pipeline.spot.evaluate import evaluate_spotting
from samm_pipeline.spot.settings import SpotSettings
from samm_pipeline.viz import plot_spotting_timeline, show_figure
from samm_pipeline.viz.base import new_figure
from samm_pipeline.viz.clip import REGION_COLOURS


def find(path: str) -> Path:
    """``path`` from the working folder, else from the nearest parent that has it."""
    if Path(path).is_absolute():
        return Path(path)
    for base in (Path.cwd(), *Path.cwd().parents):
        if (base / path).exists():
            return base / path
    return Path(path)


STORE = find(os.environ.get("SAMM_PIPELINE_STORE", "data/demo/longvideos.zarr"))
KEY = os.environ.get("SAMM_PIPELINE_KEY") or None
FIGURES = os.environ.get("SAMM_PIPELINE_FIGURES") or None
saved: dict[str, Path] = {}


def show(figure, name: str) -> None:
    """Display a figure in Jupyter (no pyplot needed); save it when FIGURES is set."""
    if FIGURES:
        saved[name] = Path(FIGURES) / f"{name}.png"
    show_figure(figure, saved.get(name))


def scores(evaluation) -> str:
    """One line: TP / FP / FN and F1 for micro, macro and overall."""
    return "; ".join(
        f"{name} TP {c.true_positives} FP {c.false_positives} "
        f"FN {c.false_negatives} F1 {c.f1:.3f}"
        for name, c in evaluation.counts.items()
    )


# %% [markdown]
# ## The long videos of the store
# A long video is an entry whose attributes hold `intervals` (the annotated
# expressions, 0-based inclusive frames). Listing reads metadata only.

# %%
store = open_store(STORE)
videos = {}
for entry in store:
    attrs = store.entry_attrs(entry)
    if isinstance(attrs.get("intervals"), list):
        kinds = [item.get("type") for item in attrs["intervals"]]
        videos[entry] = {
            "frames": attrs.get("n_frames"),
            "fps": attrs.get("fps"),
            "micro": kinds.count("micro"),
            "macro": kinds.count("macro"),
        }
if not videos:
    raise DataError(
        f"no long-video entry in {STORE}: make one with `samm-pipeline demo` "
        "or extract SAMM Long Videos / CAS(ME)² (docs/spotting.md)"
    )
print(f"{len(videos)} long videos in {STORE}")
for entry, row in videos.items():
    print(
        f"  {entry}: {row['frames']} frames at {row['fps']} fps, "
        f"{row['micro']} micro and {row['macro']} macro annotated"
    )

# %% [markdown]
# ## A window of one video, read lazily
# `landmark_array` opens the entry without reading it; slicing reads only
# the chunks that hold those frames (256 frames a chunk), so a window of a
# 7,000-frame SAMM-LV video costs a few MB.

# %%
key = KEY or next(iter(videos))
fps = float(videos[key]["fps"])
landmarks = store.landmark_array(key)  # nothing read yet
n_frames, chunk = landmarks.shape[0], landmarks.chunks[0]
start = min(int(5 * fps), n_frames - 1)  # 5 s in, 2 s long
stop = min(start + int(2 * fps), n_frames)
window = landmarks[start:stop]  # reads chunks start // chunk .. (stop - 1) // chunk
print(f"{key}: array {landmarks.shape}, {chunk} frames a chunk")
print(
    f"frames {start}:{stop} -> {window.shape} {window.dtype}, "
    f"chunks {start // chunk}-{(stop - 1) // chunk} of {-(-n_frames // chunk)}, "
    f"{int(np.isnan(window[:, 0, 0]).sum())} frames without a face"
)

# %% [markdown]
# ## Spot it
# `spot_entry` is the per-video step of `samm-pipeline spot`: the motion
# signal (head motion removed, per region, blinks suppressed), its per-video
# thresholds, the predicted intervals and the annotated ones.

# %%
spotted = spot_entry(store, key)
signal = spotted.signal
print(f"{spotted.video}: {signal.n_frames} frames, regions {', '.join(signal.regions)}")
print("thresholds:", {name: round(v, 2) for name, v in spotted.thresholds.items()})
if signal.blinks is not None:
    print("blink frames suppressed:", int(signal.blinks.sum()))
print("predicted (onset-offset, kind, score):")
for interval in spotted.predictions:
    print(f"  {interval.onset}-{interval.offset} {interval.kind} {interval.score:.2f}")
print("annotated:", [(t.onset, t.offset, t.kind) for t in spotted.truths or ()])

# %%
show(plot_spotting_timeline(spotted), "timeline")

# %% [markdown]
# ## Which regions moved
# Each region's displacement over its typical level (what the spotter
# combines) in a window around the first predicted interval (shaded; the
# annotated intervals are hatched, suppressed blinks grey).

# %%
focus = (spotted.predictions or spotted.truths or ())[:1]
centre = (focus[0].onset + focus[0].offset) // 2 if focus else signal.n_frames // 2
half = int(3 * fps)
a, b = max(0, centre - half), min(signal.n_frames, centre + half)
seconds = np.arange(a, b) / fps
relative = signal.displacement[a:b] / signal.noise
figure = new_figure(9, 3.8)
axes = figure.add_subplot()
for column, region in enumerate(signal.regions):
    axes.plot(
        seconds,
        relative[:, column],
        color=REGION_COLOURS.get(region),
        linewidth=1,
        label=region,
    )
axes.axhline(1.0, color="0.5", linestyle=":", linewidth=0.8)
for interval in spotted.predictions:
    axes.axvspan(interval.onset / fps, (interval.offset + 1) / fps, alpha=0.15)
for interval in spotted.truths or ():
    axes.axvspan(
        interval.onset / fps,
        (interval.offset + 1) / fps,
        fill=False,
        hatch="//",
        edgecolor="0.4",
    )
if signal.blinks is not None:  # runs of blink frames: [on, off) pairs
    edges = np.flatnonzero(np.diff(np.r_[0, signal.blinks[a:b].astype(int), 0]))
    for on, off in zip(edges[::2] + a, edges[1::2] + a, strict=True):
        axes.axvspan(on / fps, off / fps, color="0.85", linewidth=0)
axes.set_xlim(a / fps, b / fps)
axes.set_xlabel("time (s); shaded predicted, hatched annotated, grey blinks")
axes.set_ylabel("displacement / typical")
axes.set_title(f"{spotted.video}: region motion around frame {centre}")
axes.legend(fontsize=7, ncols=3, loc="upper right")
show(figure, "region_displacement")

# %% [markdown]
# ## Score it
# MEGC: a prediction is a hit at IoU >= 0.5 with an annotated interval of
# its type; overall pools the micro and macro counts.

# %%
video = spotted.video
truths = {video: spotted.truths or ()}
evaluation = evaluate_spotting({video: list(spotted.predictions)}, truths)
print(scores(evaluation))

# %% [markdown]
# ## Change a setting and re-spot
# Any `[spot]` value (`SpotSettings`, or `load_config(path).spot` from a run
# definition); here a higher peak threshold, `mean + p (max - mean)` with
# p = 0.2 instead of the default 0.15. The threshold is never below
# `min_height` (1.0): where the thresholds printed above are 1.0, that floor
# binds and a small change of `threshold_fraction` may change nothing.

# %%
default = SpotSettings()
changed = SpotSettings(threshold_fraction=0.2)
respotted = spot_entry(store, key, changed)
evaluation_changed = evaluate_spotting({video: list(respotted.predictions)}, truths)
print("thresholds:", {name: round(v, 2) for name, v in respotted.thresholds.items()})
print(scores(evaluation_changed))
f1_before = evaluation.counts["overall"].f1
f1_after = evaluation_changed.counts["overall"].f1
print(
    f"overall F1: {f1_before:.3f} (threshold_fraction {default.threshold_fraction}) "
    f"-> {f1_after:.3f} (threshold_fraction {changed.threshold_fraction})"
)
