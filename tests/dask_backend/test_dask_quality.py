"""Gold accuracy, gold coverage, majority vote and Dawid–Skene on the Dask backend equal the in-memory path."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import analytics as aqa
from analytics.exceptions import DataQualityWarning
from dask_helpers import assert_close, assert_tables_close


def _per_item(result, memory_index: pd.Index):
    """The Dask result's per-item tables computed, and the in-memory positions of their items."""
    labels = result.labels.compute()
    return labels, memory_index.get_indexer(labels.index)


def test_gold_accuracy_equals_in_memory(pilot):
    memory, dask_set, _ = pilot
    a = aqa.gold_accuracy_by_annotator(dask_set, min_gold=5)
    b = aqa.gold_accuracy_by_annotator(memory, min_gold=5)
    assert_tables_close(a.table, b.table)
    assert_tables_close(a.per_class_recall.reset_index(), b.per_class_recall.reset_index())
    assert a.n_gold_items == b.n_gold_items == 50
    assert a.flagged == b.flagged


def test_gold_coverage_and_gold_report_equal_in_memory(pilot):
    memory, dask_set, _ = pilot
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        a, b = aqa.gold_coverage(dask_set), aqa.gold_coverage(memory)
    assert_tables_close(a.by_class, b.by_class)
    assert_tables_close(a.by_pair, b.by_pair)
    assert a.classes_without_gold == b.classes_without_gold
    assert "eel" in dask_set.categories  # a gold class nobody used extends the categories, as in memory
    assert dask_set.gold_report.to_dict() == memory.gold_report.to_dict()
    assert dask_set.gold_report.skipped_by_reason.to_dict() == {"gold_not_annotated": 2}


def test_majority_vote_equals_in_memory(pilot):
    memory, dask_set, _ = pilot
    a, b = aqa.majority_vote(dask_set), aqa.majority_vote(memory)
    labels, order = _per_item(a, b.labels.index)
    assert (order >= 0).all() and len(labels) == memory.n_items
    assert labels.astype(object).where(labels.notna(), None).tolist() == \
        b.labels.iloc[order].astype(object).where(b.labels.iloc[order].notna(), None).tolist()
    assert_close(a.confidence.compute().to_numpy(), b.confidence.to_numpy()[order])
    assert_close(a.posteriors.compute().to_numpy(), b.posteriors.to_numpy()[order])
    assert (a.n_ratings.compute().to_numpy() == b.n_ratings.to_numpy()[order]).all()
    assert_close(a.annotator_accuracy, b.annotator_accuracy)
    assert a.n_unresolved == b.n_unresolved > 0
    frame = a.to_frame().compute()
    assert list(frame.columns) == ["item_id", "consensus", "confidence", "n_ratings"] and len(frame) == memory.n_items


def test_majority_vote_random_ties_are_reproducible(pilot):
    _, dask_set, _ = pilot
    first = aqa.majority_vote(dask_set, tie="random", seed=3).labels.compute()
    again = aqa.majority_vote(dask_set, tie="random", seed=3).labels.compute()
    assert first.notna().all() and first.equals(again)


@pytest.mark.parametrize("use_gold", [True, False])
def test_dawid_skene_equals_in_memory(pilot, use_gold):
    memory, dask_set, _ = pilot
    a = aqa.dawid_skene(dask_set, use_gold=use_gold, tol=1e-4)
    b = aqa.dawid_skene(memory, use_gold=use_gold, tol=1e-4)
    assert (a.n_iter, a.converged) == (b.n_iter, b.converged) and a.n_iter > 3
    assert_close(a.log_likelihood, b.log_likelihood)
    assert_close(a.annotator_confusion, b.annotator_confusion)
    assert_close(a.class_priors, b.class_priors)
    assert_close(a.annotator_accuracy, b.annotator_accuracy)
    labels, order = _per_item(a, b.labels.index)
    assert labels.tolist() == b.labels.iloc[order].tolist()
    assert_close(a.posteriors.compute().to_numpy(), b.posteriors.to_numpy()[order])
    assert_close(a.confidence.compute().to_numpy(), b.confidence.to_numpy()[order])
    if use_gold:  # gold items are clamped to their gold label in the partitions too
        gold = memory.gold.reindex(labels.index).dropna()
        assert (labels.loc[gold.index] == gold).all()
    assert a.details == b.details
    assert np.isfinite(a.log_likelihood).all()
