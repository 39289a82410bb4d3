"""Stage 2 labels and splits: label maps, labelled clips, hold-out and LOSO folds.

The store keeps each dataset's own class names; a label map (``[train]
labels``) turns them into the classes a run trains on, and the class
selection keeps some of them. Splits are by subject (a clip without a
subject is its own group), made before any augmentation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from samm_pipeline.config import TrainConfig
from samm_pipeline.errors import DataError
from samm_pipeline.prepare.cache import PreparedClips

LABEL_MAPS: dict[str, dict[str, str]] = {
    # SAMM 5-class (MEGC): the classes with at least 10 clips; the rest dropped.
    "samm5": {
        "anger": "Anger",
        "contempt": "Contempt",
        "happiness": "Happiness",
        "surprise": "Surprise",
        "other": "Other",
        "others": "Other",
    },
    # MEGC 3-class: negative / positive / surprise; others dropped.
    "megc3": {
        "anger": "negative",
        "contempt": "negative",
        "disgust": "negative",
        "fear": "negative",
        "sadness": "negative",
        "repression": "negative",
        "negative": "negative",  # SMIC's own three classes
        "happiness": "positive",
        "positive": "positive",
        "surprise": "surprise",
    },
}
"""Built-in label maps, keyed by lower-case store class."""

DATASET_LABEL_MAPS: dict[str, dict[str, dict[str, str]]] = {
    # MEGC2019 composite (the challenge's own split of each dataset's classes):
    # CASME II fear and sadness are left out, SMIC is already 3-class.
    "megc3": {
        "casme2": {
            "disgust": "negative",
            "repression": "negative",
            "happiness": "positive",
            "surprise": "surprise",
        },
        "samm": {
            **{name: "negative" for name in ("anger", "contempt", "disgust", "fear")},
            "sadness": "negative",
            "happiness": "positive",
            "surprise": "surprise",
        },
        "smic": {
            "negative": "negative",
            "positive": "positive",
            "surprise": "surprise",
        },
    },
}
"""Label maps that differ by dataset (the store's ``dataset`` attribute, its
layout): scheme -> dataset -> table. Other datasets use :data:`LABEL_MAPS`."""


def map_label(
    class_name: str,
    scheme: str,
    custom: Mapping[str, str] | None = None,
    dataset: str = "",
) -> str | None:
    """Return the label of a store class under a label scheme, or ``None`` (drop).

    Names are matched case-insensitively and without surrounding spaces. A
    ``dataset`` with its own table under the scheme
    (:data:`DATASET_LABEL_MAPS`) uses it.

    >>> map_label("Anger", "samm5"), map_label("Others", "samm5")
    ('Anger', 'Other')
    >>> map_label("Fear", "samm5") is None, map_label("fear", "megc3")
    (True, 'negative')
    >>> map_label("Happy ", "custom", {"happy": "positive"})
    'positive'
    >>> map_label("fear", "megc3", dataset="casme2") is None  # MEGC2019 leaves it out
    True
    """
    name = class_name.strip()
    if scheme == "asis":
        return name
    if scheme == "custom":
        table = {key.strip().casefold(): value for key, value in (custom or {}).items()}
    else:
        table = DATASET_LABEL_MAPS.get(scheme, {}).get(dataset) or LABEL_MAPS[scheme]
    return table.get(name.casefold())


@dataclass(frozen=True)
class LabelledClips:
    """Prepared clips with labels, ready to split.

    Attributes
    ----------
    keys, sequences, subjects
        As in :class:`PreparedClips`, for the clips kept.
    labels
        ``(n_clips,)`` integer label, an index into ``classes``.
    classes
        Label names, sorted.
    groups
        Subject per clip; a clip without a subject is its own group (its key).
    dropped
        Clips whose class the label map or class selection leaves out.
    datasets
        Dataset of each clip (its store's name; see :func:`combine_datasets`);
        empty when unknown.
    """

    keys: tuple[str, ...]
    sequences: NDArray[np.float32]
    labels: NDArray[np.int64]
    classes: tuple[str, ...]
    subjects: tuple[str, ...]
    groups: tuple[str, ...]
    dropped: dict[str, str] = field(default_factory=dict)
    datasets: tuple[str, ...] = ()

    @property
    def n_subjects(self) -> int:
        """Distinct known subjects."""
        return len({subject for subject in self.subjects if subject})

    @property
    def dataset_names(self) -> tuple[str, ...]:
        """The distinct datasets, in order of first appearance."""
        return tuple(dict.fromkeys(self.datasets))


def label_clips(
    prepared: PreparedClips, config: TrainConfig, dataset: str = ""
) -> LabelledClips:
    """Apply the label map and the class selection of ``[train]``.

    ``dataset`` (the store's dataset, e.g. ``"casme2"``) selects a label map
    of that dataset where the scheme has one, and is recorded per clip.

    Raises
    ------
    DataError
        No clip keeps a label, or a selected class does not occur.
    """
    wanted = {name.strip().casefold() for name in config.classes}
    keep, labels, dropped = [], [], {}
    for index, (key, class_name) in enumerate(
        zip(prepared.keys, prepared.classes, strict=True)
    ):
        label = map_label(class_name, config.labels, config.label_map, dataset)
        if label is None:
            dropped[key] = f"class {class_name!r} is not in label map {config.labels!r}"
            continue
        if wanted and label.casefold() not in wanted:
            dropped[key] = f"label {label!r} is not among [train] classes"
            continue
        keep.append(index)
        labels.append(label)
    if not keep:
        raise DataError(
            f"no clip keeps a label with labels = {config.labels!r}"
            + (f" and classes = {list(config.classes)}" if config.classes else "")
            + f"; the store's classes are {sorted(set(prepared.classes))}"
        )
    found = {label.casefold() for label in labels}
    missing = sorted(name for name in wanted if name not in found)
    if missing:
        raise DataError(
            f"[train] classes {missing} do not occur after label map "
            f"{config.labels!r}; available: {sorted(set(labels))}"
        )
    classes = tuple(sorted(set(labels)))
    index_of = {name: position for position, name in enumerate(classes)}
    subjects = tuple(prepared.subjects[i] for i in keep)
    keys = tuple(prepared.keys[i] for i in keep)
    return LabelledClips(
        keys=keys,
        sequences=prepared.sequences[keep],
        labels=np.array([index_of[label] for label in labels], dtype=np.int64),
        classes=classes,
        subjects=subjects,
        groups=tuple(
            subject or key for subject, key in zip(subjects, keys, strict=True)
        ),
        dropped=dropped,
        datasets=(dataset,) * len(keys),
    )


def combine_datasets(
    parts: Sequence[LabelledClips], names: Sequence[str] | None = None
) -> LabelledClips:
    """Several datasets' labelled clips as one set (one training run).

    Keys and subjects are prefixed by their dataset (``samm/006``,
    ``casme2/sub01``) so that they never collide; classes are the union of
    the parts' labels. ``names`` (default: each part's dataset) names the
    parts. One part keeps its keys and subjects as they are.

    Raises
    ------
    DataError
        Two parts share a dataset name, or their sequences differ in shape
        (stores of other extractor or ``[align]`` settings).
    """
    if names is None:
        names = [part.datasets[0] if part.datasets else "" for part in parts]
    names = list(names)
    if len(parts) == 1:
        return replace(parts[0], datasets=(names[0],) * len(parts[0].keys))
    if len(set(names)) != len(names) or not all(names):
        raise DataError(
            f"stores of one run need distinct dataset names, got {names}; "
            "give each store its own folder name"
        )
    shapes = {part.sequences.shape[1:] for part in parts}
    if len(shapes) > 1:
        raise DataError(
            f"the stores' sequences differ in shape {sorted(shapes)}: they were "
            "extracted with different landmark sets; re-extract them alike"
        )
    classes = tuple(sorted({name for part in parts for name in part.classes}))
    index_of = {name: position for position, name in enumerate(classes)}

    def prefixed(name: str, values: Sequence[str]) -> tuple[str, ...]:
        return tuple(f"{name}/{value}" if value else "" for value in values)

    return LabelledClips(
        keys=sum((prefixed(n, p.keys) for n, p in zip(names, parts, strict=True)), ()),
        sequences=np.concatenate([part.sequences for part in parts]),
        labels=np.concatenate(
            [
                np.array([index_of[part.classes[i]] for i in part.labels], np.int64)
                for part in parts
            ]
        ),
        classes=classes,
        subjects=sum(
            (prefixed(n, p.subjects) for n, p in zip(names, parts, strict=True)), ()
        ),
        groups=sum(
            (prefixed(n, p.groups) for n, p in zip(names, parts, strict=True)), ()
        ),
        dropped={
            f"{name}/{key}": why
            for name, part in zip(names, parts, strict=True)
            for key, why in part.dropped.items()
        },
        datasets=sum((part.datasets for part in parts), ()),
    )


def holdout_split(
    labels: Sequence[int] | NDArray[np.integer],
    groups: Sequence[str],
    *,
    test_fraction: float,
    seed: int,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Stratified, group-aware hold-out split: ``(train_indices, test_indices)``.

    Groups (subjects, or clips when unknown) never straddle the split;
    classes are balanced across it as far as the groups allow. Deterministic
    for a seed.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    labels = np.asarray(labels)
    group_array = np.asarray(groups)
    n_groups = len(set(group_array.tolist()))
    if n_groups < 2:
        raise DataError(
            "a hold-out split needs clips of at least 2 subjects (or clips); "
            f"found {n_groups}"
        )
    n_splits = int(min(max(2, round(1.0 / test_fraction)), n_groups))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    import warnings

    with warnings.catch_warnings():
        # "The least populated class has only k members": expected on small sets.
        warnings.simplefilter("ignore", UserWarning)
        train, test = next(splitter.split(np.zeros(len(labels)), labels, group_array))
    return np.sort(train), np.sort(test)


def loso_folds(
    subjects: Sequence[str], keys: Sequence[str] | None = None
) -> list[tuple[str, NDArray[np.intp], NDArray[np.intp]]]:
    """Leave-one-subject-out folds: ``(subject, train_indices, test_indices)``.

    Clips without a subject each form their own group (a one-clip fold).

    Raises
    ------
    DataError
        No clip has a subject, or there is only one subject.
    """
    known = sorted({subject for subject in subjects if subject})
    if not known:
        raise DataError(
            "leave-one-subject-out needs subjects, but no clip in the store has one; "
            "set [extract] subject_pattern or annotations and re-extract, "
            "or use --protocol holdout"
        )
    groups = [
        subject or (keys[index] if keys is not None else f"clip{index}")
        for index, subject in enumerate(subjects)
    ]
    names = sorted(set(groups))
    if len(names) < 2:
        raise DataError(
            f"leave-one-subject-out needs at least 2 subjects; found {names}"
        )
    group_array = np.asarray(groups)
    indices = np.arange(len(groups))
    return [
        (name, indices[group_array != name], indices[group_array == name])
        for name in names
    ]


def dataset_folds(
    datasets: Sequence[str],
) -> list[tuple[str, NDArray[np.intp], NDArray[np.intp]]]:
    """Leave-one-dataset-out folds: ``(dataset, train_indices, test_indices)``.

    Raises
    ------
    DataError
        Fewer than 2 datasets.
    """
    names = list(dict.fromkeys(datasets))
    if len(names) < 2 or not all(names):
        raise DataError(
            "leave-one-dataset-out needs clips of at least 2 datasets (give several "
            f"stores: train --store A --store B); found {names}"
        )
    array = np.asarray(datasets)
    indices = np.arange(len(array))
    return [(name, indices[array != name], indices[array == name]) for name in names]
