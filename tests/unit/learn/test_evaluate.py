"""Metrics: UF1/UAR against scikit-learn, pooled evaluation, baseline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, recall_score

from samm_pipeline.learn.evaluate import confusion_matrix, evaluate_predictions, uf1_uar


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 6), st.integers(1, 60), st.integers(0, 10_000))
def test_uf1_uar_match_scikit_learn(n_classes, n_samples, seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_samples)
    predicted = rng.integers(0, n_classes, n_samples)
    uf1, uar = uf1_uar(truth, predicted, n_classes)
    expected_uf1 = f1_score(truth, predicted, average="macro", zero_division=0)
    assert abs(uf1 - expected_uf1) < 1e-12
    present = np.unique(truth)
    expected_uar = recall_score(
        truth, predicted, labels=present, average="macro", zero_division=0
    )
    assert abs(uar - expected_uar) < 1e-12


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(0, 10_000))
def test_pooled_scores_equal_scikit_learn_with_the_full_label_list(n_classes, seed):
    """As the MEGC defines them on pooled predictions: every class occurs in
    the truth, and one is never predicted."""
    rng = np.random.default_rng(seed)
    truth = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, 40)])
    never = int(rng.integers(0, n_classes))
    predicted = rng.integers(0, n_classes - 1, len(truth))
    predicted[predicted >= never] += 1  # class `never` is never predicted
    assert never not in predicted
    uf1, uar = uf1_uar(truth, predicted, n_classes)
    labels = list(range(n_classes))
    f1 = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    recall = recall_score(
        truth, predicted, labels=labels, average="macro", zero_division=0
    )
    assert uf1 == pytest.approx(f1, abs=1e-12)
    assert uar == pytest.approx(recall, abs=1e-12)


def test_evaluation_with_baseline():
    truth = [0, 0, 0, 1, 1, 2]
    predicted = [0, 0, 1, 1, 1, 2]
    result = evaluate_predictions(truth, predicted, ["a", "b", "c"])
    assert result.accuracy == 5 / 6
    assert result.per_class_recall == {"a": 2 / 3, "b": 1.0, "c": 1.0}
    assert result.support == {"a": 3, "b": 2, "c": 1}
    assert result.confusion == confusion_matrix(truth, predicted, 3).tolist()
    assert result.baseline["class"] == "a"
    assert result.baseline["accuracy"] == 0.5
    assert result.baseline["uar"] == 1 / 3
    assert "UF1" in result.summary_line() and "baseline 'a'" in result.summary_line()
    assert result.to_dict()["uf1"] == result.uf1


def test_perfect_and_all_wrong():
    assert uf1_uar([0, 1, 2], [0, 1, 2], 3) == (1.0, 1.0)
    assert uf1_uar([0, 1, 2], [1, 2, 0], 3) == (0.0, 0.0)
