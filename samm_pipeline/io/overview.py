"""Several datasets side by side: clips per class, subjects, fps, frames per clip.

``inspect --store A --store B`` and the dataset-overview figure compare the
stores of a composite (SMIC, CASME II, SAMM, ...) from their metadata alone:

- :func:`summaries_by_dataset` names each store by its dataset and returns
  its :meth:`~samm_pipeline.io.store.LandmarkStore.summary` table (no array
  is read);
- :func:`compare_datasets` (pure) turns those tables into a
  :class:`DatasetComparison`: clips per class per dataset, and one row per
  dataset (clips, subjects, classes, fps, frames per clip median/min/max,
  missing-face rate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Final

DATASET_COLUMNS: Final = (
    "clips", "subjects", "classes", "fps", "frames_median", "frames_min",
    "frames_max", "missing_pct",
)  # fmt: skip
"""Columns of :attr:`DatasetComparison.datasets`."""


@dataclass(frozen=True)
class DatasetComparison:
    """Datasets side by side (pandas DataFrames).

    Attributes
    ----------
    clips_per_class
        Index: every class of any dataset (sorted, case ignored); one column
        per dataset in the order given, then ``all``; cells are clip counts
        (0 where a dataset lacks the class: each has its own class names).
    datasets
        Index: the datasets; columns :data:`DATASET_COLUMNS`: clips,
        subjects (known ones), classes, frame rate(s) as text (``"200"``,
        ``"25/30"``), frames per clip (median, min, max) and the percentage
        of frames without a face.
    """

    clips_per_class: Any
    datasets: Any


def dataset_name(summary: Any, fallback: str) -> str:
    """The dataset a store holds: its one ``dataset`` value, else ``fallback``.

    Examples
    --------
    >>> import pandas as pd
    >>> dataset_name(pd.DataFrame({"dataset": ["smic", "smic"]}), "a.zarr")
    'smic'
    >>> dataset_name(pd.DataFrame({"dataset": ["smic", "samm"]}), "a.zarr")
    'a.zarr'
    """
    names = {str(name) for name in summary.get("dataset", ()) if name}
    return names.pop() if len(names) == 1 else fallback


def summaries_by_dataset(stores: Sequence[Any]) -> dict[str, Any]:
    """Each store's summary table, keyed by a unique dataset name.

    A store is named by its dataset (:func:`dataset_name`); a store whose
    clips come from several datasets or none, or a second store of one
    dataset, is named by its folder (``landmarks.zarr``), then numbered.
    """
    result: dict[str, Any] = {}
    for number, store in enumerate(stores, start=1):
        summary = store.summary()
        folder = PurePath(str(store.path).rstrip("/")).name or f"store {number}"
        name = dataset_name(summary, folder)
        for candidate in (name, folder, f"{folder} ({number})"):
            if candidate not in result:
                result[candidate] = summary
                break
    return result


def _frame_rates(fps: Any) -> str:
    """Distinct frame rates as text: ``"200"``, ``"25/30"``, ``"?"``.

    >>> _frame_rates([200.0, 200.0]), _frame_rates([30, 25.0]), _frame_rates([])
    ('200', '25/30', '?')
    """
    rates = sorted({float(rate) for rate in fps if rate == rate and rate > 0})
    return "/".join(f"{rate:g}" for rate in rates) or "?"


def compare_datasets(summaries: Mapping[str, Any]) -> DatasetComparison:
    """Put datasets side by side from their summary tables.

    Parameters
    ----------
    summaries
        dataset name -> a store's ``summary()`` DataFrame (columns ``class``,
        ``subject``, ``n_frames``, ``n_detected``, ``fps`` used), in the
        order to show.

    Returns
    -------
    DatasetComparison
        Clips per class per dataset, and one row per dataset.

    Examples
    --------
    >>> import pandas as pd
    >>> def table(classes, subjects, frames, fps):
    ...     return pd.DataFrame({"class": classes, "subject": subjects,
    ...         "n_frames": frames, "n_detected": frames, "fps": fps})
    >>> both = compare_datasets({
    ...     "smic": table(["negative", "surprise"], ["s1", "s2"], [20, 30], 100.0),
    ...     "samm": table(["Anger"] * 3, ["006", "006", ""], [90, 120, 150], 200.0),
    ... })
    >>> both.clips_per_class.loc["Anger"].tolist()
    [0, 3, 3]
    >>> both.datasets.loc["samm", ["clips", "subjects", "fps"]].tolist()
    [3, 1, '200']
    >>> samm = both.datasets.loc["samm"]
    >>> samm["frames_median"], samm["frames_min"], samm["frames_max"]
    (120.0, 90, 150)
    """
    import pandas as pd

    names = list(summaries)
    counts = pd.DataFrame(
        {name: summaries[name].groupby("class").size() for name in names},
        columns=names,
    )
    counts = counts.fillna(0).astype("int64")
    counts = counts.sort_index(key=lambda index: index.str.casefold())
    counts["all"] = counts.sum(axis=1)
    counts.index.name = "class"
    rows = {}
    for name in names:
        summary = summaries[name]
        frames = summary["n_frames"]
        n_frames = int(frames.sum())
        subjects = {str(s) for s in summary["subject"] if s is not None and s == s}
        rows[name] = {
            "clips": len(summary),
            "subjects": len(subjects - {""}),
            "classes": int(summary["class"].nunique()),
            "fps": _frame_rates(summary["fps"]),
            "frames_median": float(frames.median()) if len(frames) else 0.0,
            "frames_min": int(frames.min()) if len(frames) else 0,
            "frames_max": int(frames.max()) if len(frames) else 0,
            "missing_pct": round(
                100.0 * (1 - int(summary["n_detected"].sum()) / max(n_frames, 1)), 1
            ),
        }
    datasets = pd.DataFrame.from_dict(rows, orient="index", columns=DATASET_COLUMNS)
    datasets.index.name = "dataset"
    return DatasetComparison(clips_per_class=counts, datasets=datasets)
