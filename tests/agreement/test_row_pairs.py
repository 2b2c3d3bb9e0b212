"""`row_pair_sums` (the per-item pair sums of Light's kappa's standard errors when few annotators share an item)
against the quadratic form it replaces, ½ xᵢᵀ G xᵢ computed as a sparse × dense product."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from analytics.agreement._row_pairs import row_pair_sums


def _quadratic_form(x: sparse.csr_matrix, g: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return 0.5 * np.asarray(x.multiply(x @ g).sum(axis=1)).ravel()


def _rows_and_weights(seed: int, n_rows: int, n_annotators: int, n_categories: int, weighted: bool):
    rng = np.random.default_rng(seed)
    rows, cols, values = [], [], []
    for i in range(n_rows):
        for a in rng.choice(n_annotators, rng.integers(0, n_annotators + 1), replace=False):
            rows.append(i)
            cols.append(a * n_categories + rng.integers(n_categories))
            values.append(float(rng.integers(1, 4)) if weighted else 1.0)
    d = n_annotators * n_categories
    x = sparse.csr_matrix((np.array(values), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
                          shape=(n_rows, d))
    g = rng.normal(size=(n_annotators, n_categories, n_annotators, n_categories))
    g = g + g.transpose(2, 3, 0, 1)
    for a in range(n_annotators):
        g[a, :, a, :] = 0.0  # no pair within one annotator, as in Light's kappa
    return x, g.reshape(d, d)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40), st.integers(1, 9), st.integers(1, 5), st.booleans())
def test_row_pair_sums_equal_the_quadratic_form(seed, n_rows, n_annotators, n_categories, weighted):
    x, g = _rows_and_weights(seed, n_rows, n_annotators, n_categories, weighted)
    expected = _quadratic_form(x, g)
    np.testing.assert_allclose(row_pair_sums(x, g), expected, rtol=1e-12, atol=1e-12)
    stacked = row_pair_sums(x, np.stack([g, -2.0 * g, np.zeros_like(g)], axis=-1))
    assert stacked.shape == (n_rows, 3)
    np.testing.assert_allclose(stacked, np.column_stack([expected, -2.0 * expected, np.zeros(n_rows)]),
                               rtol=1e-12, atol=1e-12)


def test_rows_with_fewer_than_two_entries_sum_to_zero_and_blocks_do_not_change_the_result(monkeypatch):
    x, g = _rows_and_weights(7, 300, 6, 3, False)
    whole = row_pair_sums(x, g)
    counts = np.diff(x.indptr)
    assert (whole[counts < 2] == 0).all() and (counts < 2).any() and (counts >= 2).any()
    import analytics.agreement._row_pairs as module

    monkeypatch.setattr(module, "_MAX_GATHERED", 1)  # one row per block
    np.testing.assert_array_equal(row_pair_sums(x, g), whole)
