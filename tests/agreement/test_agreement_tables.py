"""The sufficient statistics added to analytics._reshape for the agreement engine."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agreement_helpers import aset_from_matrix, random_matrix
from analytics import _reshape as R

shapes = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "n_items": st.integers(1, 30),
    "n_annotators": st.integers(1, 6),
    "n_categories": st.integers(1, 5),
    "p_missing": st.floats(0.0, 0.7),
})


def _codes(d):
    m = random_matrix(d["seed"], d["n_items"], d["n_annotators"], d["n_categories"], d["p_missing"])
    items, anns = np.nonzero(~np.isnan(m))
    return m, items, anns, m[items, anns].astype(np.int64)


@settings(max_examples=60, deadline=None)
@given(d=shapes)
def test_kernels_agree_with_each_other(d):
    m, items, anns, labels = _codes(d)
    n, a, q = d["n_items"], d["n_annotators"], d["n_categories"]
    dense = R.counts_from_codes(items, labels, n, q)
    sparse_counts = R.sparse_counts_from_codes(items, labels, n, q)
    np.testing.assert_array_equal(sparse_counts.toarray(), dense)
    coincidence = R.coincidence_from_counts(dense)
    np.testing.assert_allclose(R.coincidence_from_counts(sparse_counts), coincidence, atol=1e-12)
    cells = R.item_coincidence_cells(sparse_counts)
    np.testing.assert_allclose(np.asarray(cells.sum(axis=0)).reshape(q, q), coincidence, atol=1e-12)

    tables = R.pair_tables_from_codes(items, anns, labels, n, a, q)
    matrix = np.where(np.isnan(m), -1, m).astype(np.int32)
    np.testing.assert_array_equal(R.pair_tables_from_matrix(matrix, q), tables)
    onehot = R.annotator_onehot_from_codes(items, anns, labels, n, a, q)
    pair_cells, pair_index = R.item_pair_cells(onehot, a, q)
    iu = np.triu_indices(a, 1)
    if len(iu[0]):
        np.testing.assert_array_equal(np.asarray(pair_cells.sum(axis=0)).reshape(-1, q, q), tables[iu])
        assert (pair_index[iu] == np.arange(len(iu[0]))).all()


def test_within_row_pairs_enumerates_every_pair_in_a_row():
    indptr = np.array([0, 3, 3, 4, 6])
    row, j1, j2 = R.within_row_pairs(indptr, ordered=False)
    assert sorted(zip(row.tolist(), j1.tolist(), j2.tolist())) == [(0, 0, 1), (0, 0, 2), (0, 1, 2), (3, 4, 5)]
    row, j1, j2 = R.within_row_pairs(indptr)
    assert len(row) == 3 * 2 + 2 and (j1 != j2).all()


def test_set_wrappers_use_both_pair_paths_and_the_single_pair_codes():
    dense = aset_from_matrix(random_matrix(1, 50, 4, 3, 0.1), 3)
    crowd = aset_from_matrix(random_matrix(2, 50, 30, 3, 0.93), 3)
    assert R.dense_overlap(dense) and not R.dense_overlap(crowd)
    for aset in (dense, crowd):
        expected = R.pair_tables_from_codes(aset.item_codes, aset.annotator_codes, aset.label_codes,
                                            aset.n_items, aset.n_annotators, aset.n_categories)
        np.testing.assert_array_equal(R.annotator_pair_tables(aset), expected)
        _, la, lb = R.pair_codes(aset, 0, 2)
        q = aset.n_categories
        np.testing.assert_array_equal(np.bincount(la * q + lb, minlength=q * q).reshape(q, q), expected[0, 2])
    assert R.item_category_counts(dense, layout="sparse").dtype == np.int32
    np.testing.assert_array_equal(R.item_category_counts(dense, layout="sparse").toarray(),
                                  R.item_category_counts(dense))
