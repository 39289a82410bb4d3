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
# # Inspecting a landmark store
#
# Opens a store written by `samm-pipeline extract` (by default the demo's,
# made by `samm-pipeline demo`), lists its clips, looks at one clip as an
# array and as an `xarray.DataArray`, and draws the inspection figures.
#
# Settings come from environment variables so that the same file runs as a
# notebook, as a script and in the test suite:
#
# - `SAMM_PIPELINE_STORE`: the store (default `data/demo/landmarks.zarr`);
# - `SAMM_PIPELINE_RUN`: a `train --output` folder (default `data/demo/run`;
#   skipped when it does not exist);
# - `SAMM_PIPELINE_KEY`: the clip to look at (default: the first);
# - `SAMM_PIPELINE_FIGURES`: when set, every figure is also saved there as PNG.
#
# Relative paths are looked up from the working folder and then from its
# parents, so the defaults work whether the kernel starts in the repository
# root or in `pipeline/notebooks/` (as Jupyter and VS Code do).

# %%
import os
from pathlib import Path

from samm_pipeline import open_store
from samm_pipeline.viz import (
    plot_class_motion_heatmap,
    plot_dataset_overview,
    plot_face_mesh,
    plot_preprocessing,
    plot_region_motion,
    run_figures,
    show_figure,
)


def find(path: str) -> Path:
    """``path`` from the working folder, else from the nearest parent that has it."""
    if Path(path).is_absolute():
        return Path(path)
    for base in (Path.cwd(), *Path.cwd().parents):
        if (base / path).exists():
            return base / path
    return Path(path)


STORE = find(os.environ.get("SAMM_PIPELINE_STORE", "data/demo/landmarks.zarr"))
RUN = find(os.environ.get("SAMM_PIPELINE_RUN", "data/demo/run"))
KEY = os.environ.get("SAMM_PIPELINE_KEY") or None
FIGURES = os.environ.get("SAMM_PIPELINE_FIGURES") or None
saved: dict[str, Path] = {}


def show(figure, name: str) -> None:
    """Display a figure in Jupyter (no pyplot needed); save it when FIGURES is set."""
    if FIGURES:
        saved[name] = Path(FIGURES) / f"{name}.png"
    show_figure(figure, saved.get(name))


# %% [markdown]
# ## The store: opening reads only its metadata

# %%
store = open_store(STORE)
print(store)
print("classes:", store.classes)
print("failures:", store.failures)

# %%
summary = store.summary()  # one row per clip; no array is read
summary.head()

# %%
store.class_summary()

# %% [markdown]
# ## One clip: a NumPy array with its metadata

# %%
key = KEY or next(iter(store))
clip = store[key]
print(key, clip.landmarks.shape, "fps", clip.fps, "subject", clip.subject)
print({"onset": clip.onset, "apex": clip.apex, "offset": clip.offset})
print("frames with a face:", int(clip.detected.sum()), "of", len(clip.landmarks))

# %% [markdown]
# ## The same clip as an `xarray.DataArray`
# Dimensions `frame, landmark, coord`; `time` in seconds from the fps; a
# `region` name per landmark.

# %%
array = store.to_xarray(key)
array

# %%
# e.g. the vertical position of the lips over time, by label instead of index
lips_y = array.where(array.region == "lips", drop=True).sel(coord="y")
lips_y.mean("landmark").to_series().head()

# %% [markdown]
# ## Figures of the whole dataset

# %%
show(plot_dataset_overview(store), "dataset_overview")

# %%
show(plot_class_motion_heatmap(store), "class_motion_heatmap")

# %% [markdown]
# ## Figures of one clip

# %%
show(plot_face_mesh(clip), "face_mesh")

# %%
show(plot_region_motion(clip), "region_motion")

# %%
show(plot_preprocessing(clip), "preprocessing")

# %% [markdown]
# ## A training run (training curves, confusion matrix)

# %%
if (RUN / "metrics.json").is_file():
    for name, figure in run_figures(RUN).items():
        show(figure, name)
else:
    print(f"no run at {RUN}: train one with `samm-pipeline demo`")
