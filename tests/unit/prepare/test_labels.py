"""Label maps, labelled clips, hold-out and LOSO splits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samm_pipeline.config import AlignConfig, TrainConfig
from samm_pipeline.errors import DataError
from samm_pipeline.io.store import open_store
from samm_pipeline.prepare.cache import prepare_clips
from samm_pipeline.prepare.labels import (
    LabelledClips,
    combine_datasets,
    dataset_folds,
    holdout_split,
    label_clips,
    loso_folds,
    map_label,
)


def test_label_maps_match_case_insensitively():
    assert map_label("ANGER", "samm5") == "Anger"
    assert map_label("Other", "samm5") == map_label("others", "samm5") == "Other"
    assert map_label("Disgust", "samm5") is None
    assert map_label("Repression", "megc3") == "negative"
    assert map_label("Happiness", "megc3") == "positive"
    assert map_label("others", "megc3") is None
    assert map_label(" Happy", "asis") == "Happy"


def test_labels_classes_and_groups(store_path, tmp_path):
    prepared = prepare_clips(open_store(store_path), AlignConfig(), cache_dir=tmp_path)
    labelled = label_clips(prepared, TrainConfig(labels="samm5"))
    assert labelled.classes == ("Anger", "Happiness", "Other")
    by_key = dict(zip(labelled.keys, labelled.labels.tolist(), strict=True))
    assert by_key == {
        "Anger/c0": 0, "Anger/c1": 0, "Anger/c2": 0, "happiness/c3": 1,
        "happiness/c4": 1, "Others/c5": 2, "Others/c6": 2,
    }  # fmt: skip
    groups = dict(zip(labelled.keys, labelled.groups, strict=True))
    assert groups["Others/c6"] == "Others/c6"  # unknown subject: its own group
    assert labelled.n_subjects == 3
    chosen = label_clips(prepared, TrainConfig(classes=("anger", "HAPPINESS")))
    assert chosen.classes == ("Anger", "happiness") and len(chosen.keys) == 5
    assert set(chosen.dropped) == {"Others/c5", "Others/c6"}
    custom = label_clips(
        prepared,
        TrainConfig(labels="custom", label_map={"anger": "neg", "Happiness": "pos"}),
    )
    assert custom.classes == ("neg", "pos")
    with pytest.raises(DataError, match=r"classes \['sadness'\] do not occur"):
        label_clips(prepared, TrainConfig(classes=("anger", "sadness")))
    with pytest.raises(DataError, match="no clip keeps a label"):
        label_clips(prepared, TrainConfig(labels="custom", label_map={"x": "y"}))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(3, 12),
    st.integers(2, 4),
    st.integers(1, 4),
    st.floats(0.15, 0.5),
    st.integers(0, 10_000),
)
def test_holdout_never_splits_a_subject(
    n_subjects, n_classes, per_cell, fraction, seed
):
    subjects, labels = [], []
    for subject in range(n_subjects):
        for label in range(n_classes):
            for _ in range(per_cell):
                subjects.append(f"s{subject}")
                labels.append(label)
    train, test = holdout_split(labels, subjects, test_fraction=fraction, seed=seed)
    assert len(train) and len(test)
    assert sorted([*train, *test]) == list(range(len(labels)))
    assert not {subjects[i] for i in train} & {subjects[i] for i in test}
    again = holdout_split(labels, subjects, test_fraction=fraction, seed=seed)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)


def test_holdout_needs_two_groups():
    with pytest.raises(DataError, match="at least 2"):
        holdout_split([0, 1], ["s1", "s1"], test_fraction=0.2, seed=0)


def test_loso_folds():
    subjects = ["a", "b", "a", "c", "", "b"]
    folds = loso_folds(subjects, keys=[f"k{i}" for i in range(6)])
    assert [name for name, _, _ in folds] == ["a", "b", "c", "k4"]
    tested = np.concatenate([test for _, _, test in folds])
    assert sorted(tested.tolist()) == list(range(6))
    for name, train, test in folds:
        assert not set(train) & set(test)
        assert {subjects[i] or f"k{i}" for i in test} == {name}
    with pytest.raises(DataError, match="needs subjects"):
        loso_folds(["", ""])
    with pytest.raises(DataError, match="at least 2 subjects"):
        loso_folds(["a", "a"])


@pytest.mark.parametrize(
    ("dataset", "kept"),
    [
        # MEGC2019: CASME II negative is disgust + repression only; SAMM's is
        # anger, contempt, disgust, fear, sadness; SMIC is already 3-class.
        ("casme2", {"disgust", "repression", "happiness", "surprise"}),
        ("samm", {"anger", "contempt", "disgust", "fear", "sadness", "happiness",
                  "surprise"}),
        ("smic", {"negative", "positive", "surprise"}),
    ],
)  # fmt: skip
def test_megc3_maps_each_dataset_as_the_challenge_does(dataset, kept):
    names = ["anger", "contempt", "disgust", "fear", "sadness", "repression",
             "happiness", "surprise", "others", "negative", "positive"]  # fmt: skip
    mapped = {name: map_label(name.upper(), "megc3", dataset=dataset) for name in names}
    assert {name for name, label in mapped.items() if label} == kept
    assert mapped["happiness" if dataset != "smic" else "positive"] == "positive"


def _labelled(dataset, classes, labels, subjects):
    return LabelledClips(
        keys=tuple(f"c/{i}" for i in range(len(labels))),
        sequences=np.full((len(labels), 2, 3), len(dataset), np.float32),
        labels=np.asarray(labels, np.int64),
        classes=classes,
        subjects=subjects,
        groups=tuple(s or f"c/{i}" for i, s in enumerate(subjects)),
        datasets=(dataset,) * len(labels),
    )


def test_combined_datasets_keep_their_names_and_never_share_a_subject():
    a = _labelled("samm", ("negative", "surprise"), [0, 1, 1], ("006", "006", "007"))
    b = _labelled("casme2", ("positive", "surprise"), [1, 0], ("006", ""))
    both = combine_datasets([a, b])
    assert both.classes == ("negative", "positive", "surprise")
    assert [both.classes[i] for i in both.labels] == [
        "negative", "surprise", "surprise", "surprise", "positive",
    ]  # fmt: skip
    assert both.subjects == ("samm/006", "samm/006", "samm/007", "casme2/006", "")
    assert both.groups[-1] == "casme2/c/1" and both.keys[0] == "samm/c/0"
    assert both.datasets == ("samm",) * 3 + ("casme2",) * 2
    assert both.n_subjects == 3 and both.dataset_names == ("samm", "casme2")
    np.testing.assert_array_equal(both.sequences[:, 0, 0], [4, 4, 4, 6, 6])
    folds = dataset_folds(both.datasets)
    assert [name for name, _, _ in folds] == ["samm", "casme2"]
    assert folds[1][2].tolist() == [3, 4] and folds[1][1].tolist() == [0, 1, 2]
    with pytest.raises(DataError, match="distinct dataset names"):
        combine_datasets([a, a])
    with pytest.raises(DataError, match="at least 2 datasets"):
        dataset_folds(a.datasets)
