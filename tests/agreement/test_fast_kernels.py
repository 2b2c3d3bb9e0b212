"""The shortcuts for per-category kappas and the coincidence matrix give the item-by-item results.

* per-category kappas from the histogram H[c, r, x] (``agreement._histogram``) equal the two passes over items
  (``binary_features`` sums, then ``binary_squared_deviations``), dense or sparse counts, with unequal raters and
  the multi-label override of the ratings per item;
* the coincidence matrix summed per number of ratings, and read from cached annotator-pair tables, equals the
  definition unit by unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from analytics import agreement_summary, confusion_matrix_between_annotators, fleiss_kappa_by_category, load_annotations
from analytics._reshape import coincidence_from_counts
from analytics.agreement._core import binary_features, binary_finish, binary_point, binary_squared_deviations
from analytics.agreement._histogram import binary_histogram, histogram_squares, histogram_sums


def _item_passes(counts, ratings=None):
    feats, _ = binary_features(counts, ratings)
    point = binary_point(np.asarray(feats.sum(axis=0)).ravel())
    return binary_finish(point, binary_squared_deviations(counts, point, ratings))


def _histogram_way(counts, ratings=None):
    h = binary_histogram(counts, ratings)
    point = binary_point(histogram_sums(h))
    return binary_finish(point, histogram_squares(h, point))


def _close(a, b):
    return np.allclose(a, b, rtol=1e-12, atol=1e-13, equal_nan=True)


counts_tables = st.integers(1, 40).flatmap(lambda n: st.integers(1, 6).flatmap(
    lambda q: st.lists(st.lists(st.integers(0, 4), min_size=q, max_size=q), min_size=n, max_size=n)))


@settings(max_examples=200, deadline=None)
@given(counts_tables, st.booleans(), st.booleans())
def test_histogram_equals_item_passes(rows, as_sparse, extra_ratings):
    counts = np.array(rows, dtype=np.int64)
    ratings = counts.sum(axis=1) + (np.arange(len(counts)) % 2 if extra_ratings else 0)  # multi-label: r ≥ tags
    table = sparse.csr_matrix(counts) if as_sparse else counts
    slow = _item_passes(table, ratings.astype(float) if extra_ratings else None)
    fast = _histogram_way(table, ratings if extra_ratings else None)
    for key in ("kappa", "se", "prevalence", "observed", "expected"):
        assert _close(fast[key], slow[key]), key
    assert fast["n_items"] == slow["n_items"]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 14), st.integers(1, 7), st.integers(1, 60), st.integers(0, 2**32 - 1), st.booleans())
def test_equal_raters_histogram_counts_the_same_cells(m, q, n, seed, extra_ratings):
    """Every item with the same m ratings (the byte-counting path up to 12 ratings, ``bincount`` above it): the
    same histogram as the sparse table's keys, cell for cell, also when the ratings exceed the counts."""
    rng = np.random.default_rng(seed)
    tags = max(m - 1, 0) if extra_ratings else m
    counts = np.zeros((n, q), dtype=np.int64)
    for i in range(n):
        np.add.at(counts[i], rng.integers(0, q, tags), 1)
    ratings = np.full(n, m) if extra_ratings else None
    dense = binary_histogram(counts, ratings)
    assert np.array_equal(dense, binary_histogram(sparse.csr_matrix(counts), ratings))
    assert dense.dtype == np.int64 and dense[:, m].sum() == (n * q if m else 0)


def test_histogram_declines_when_items_have_very_many_ratings():
    counts = np.array([[5000, 1], [2, 3]])
    assert binary_histogram(counts) is None


@settings(max_examples=200, deadline=None)
@given(counts_tables)
def test_coincidence_summed_per_number_of_ratings(rows):
    counts = np.array(rows, dtype=np.int64)
    m = counts.sum(axis=1)
    expected = np.zeros((counts.shape[1],) * 2)
    for u in np.flatnonzero(m >= 2):
        expected += (np.outer(counts[u], counts[u]) - np.diag(counts[u])) / (m[u] - 1.0)
    assert np.allclose(coincidence_from_counts(counts), expected, rtol=1e-13, atol=1e-12)
    assert np.allclose(coincidence_from_counts(sparse.csr_matrix(counts)), expected, rtol=1e-13, atol=1e-12)


def _frame(seed: int, *, missing: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, a, q = 300, 4, 5
    truth = rng.integers(0, q, n)
    labels = np.where(rng.random((n, a)) < 0.7, truth[:, None], rng.integers(0, q, (n, a)))
    keep = rng.random((n, a)) >= missing
    items, anns = np.nonzero(keep)
    return pd.DataFrame({"item_id": items, "annotator_id": [f"r{k}" for k in anns], "label": labels[keep]})


def test_set_level_results_do_not_depend_on_what_was_computed_first():
    """After the summary (pair tables and count parts cached) the per-category kappas and the confusion matrix
    equal those of a fresh set: equal raters (read from pair tables) and unequal raters (summed from counts)."""
    for missing in (0.0, 0.3):
        df = _frame(3, missing=missing)
        fresh, warm = load_annotations(df), load_annotations(df)
        agreement_summary(warm)
        a, b = fleiss_kappa_by_category(fresh), fleiss_kappa_by_category(warm)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
        ca, cb = confusion_matrix_between_annotators(fresh), confusion_matrix_between_annotators(warm)
        assert np.allclose(ca.counts.to_numpy(), cb.counts.to_numpy(), rtol=1e-13, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(counts_tables, st.data(), st.booleans())
def test_merged_parts_equal_the_parts_of_merged_counts(rows, data, as_sparse):
    """A what-if merge from the parts before it (analytics.agreement._merged) equals the parts of the merged table."""
    from analytics._reshape import merge_count_columns
    from analytics.agreement._core import count_parts
    from analytics.agreement._merged import merged_parts

    counts = np.array(rows, dtype=np.int64)
    q = counts.shape[1]
    groups = np.array(data.draw(st.lists(st.integers(0, q - 1), min_size=q, max_size=q)))
    _, groups = np.unique(groups, return_inverse=True)  # groups numbered 0..G-1
    n_groups = int(groups.max()) + 1
    table = sparse.csr_matrix(counts) if as_sparse else counts
    base = count_parts(table, np.eye(q))
    fast = merged_parts(base, groups, n_groups)
    slow = count_parts(merge_count_columns(table, groups, n_groups), np.eye(n_groups))
    assert np.allclose(fast.sums(), slow.sums(), rtol=1e-12, atol=1e-12)
    assert np.allclose(fast.pa_i, slow.pa_i, rtol=1e-12, atol=1e-12)
    v = np.arange(1.0, n_groups + 1.0)
    assert np.allclose(fast.share_dot(v), slow.share_dot(v), rtol=1e-12)
    assert np.allclose(fast.features().toarray(), slow.features().toarray(), rtol=1e-12)


@settings(max_examples=150, deadline=None)
@given(counts_tables, st.data(), st.booleans())
def test_shifted_parts_equal_the_parts_of_shifted_counts(rows, data, as_sparse):
    """Ratings moved between categories (an annotator's swaps set right): the parts follow on the moved rows only."""
    from analytics._reshape._pair_kernels import shift_counts
    from analytics.agreement._core import count_parts
    from analytics.agreement._merged import shifted_parts

    counts = np.array(rows, dtype=np.int64)
    counts[:, 0] += 1  # every item rated, as in an annotation set
    n, q = counts.shape
    moves = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, q - 1)), max_size=8))
    items, old, new, left = [], [], [], counts.copy()
    for item, to in moves:  # move one existing rating of the item to category `to`
        if not (left[item] > 0).any():
            continue
        source = int(np.flatnonzero(left[item] > 0)[0])
        left[item, source] -= 1
        items.append(item), old.append(source), new.append(to)
    items, old, new = (np.array(v, dtype=np.int64) for v in (items, old, new))
    table = sparse.csr_matrix(counts) if as_sparse else counts
    fast = shifted_parts(count_parts(table, np.eye(q)), items, old, new)
    slow = count_parts(shift_counts(table, items, old, new), np.eye(q))
    assert np.allclose(fast.sums(), slow.sums(), rtol=1e-12, atol=1e-12)
    assert np.allclose(fast.pa_i, slow.pa_i, rtol=1e-12, atol=1e-12)
    v = np.arange(1.0, q + 1.0)
    assert np.allclose(fast.share_dot(v), slow.share_dot(v), rtol=1e-12)
    assert np.allclose(fast.features().toarray(), slow.features().toarray(), rtol=1e-12)


def test_a_set_is_freed_when_its_last_reference_goes():
    """No cache of a set refers back to the set (a cycle would keep all its arrays until a full collection)."""
    import gc
    import weakref

    from analytics import agreement_summary, cohen_kappa_by_pair, fleiss_kappa_by_category
    from analytics.samples import load_sample

    aset = load_sample("digits")
    agreement_summary(aset)
    fleiss_kappa_by_category(aset)
    cohen_kappa_by_pair(aset)
    ref = weakref.ref(aset)
    gc.disable()
    try:
        del aset
        assert ref() is None
    finally:
        gc.enable()
