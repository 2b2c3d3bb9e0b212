"""The speed changes of issue 17 compute what the straightforward code computed.

* :mod:`analytics.agreement._products` (``einsum`` instead of a threaded BLAS ``gemv``) equals ``counts @ v`` and
  ``u @ counts``, dense and sparse; the count parts and Krippendorff's sums built with them equal the same
  quantities written with ``@``;
* the ratings per item kept on the set for the rating histogram follow the view asked for (whole set, a view,
  back to the whole set) and equal a fresh count.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from analytics._reshape import MergedColumns, item_category_counts, rating_histogram
from analytics.agreement._alpha import alpha_nominal_sums, alpha_se_point, alpha_se_squares
from analytics.agreement._core import count_parts, weight_matrix
from analytics.agreement._products import rows_dot, weighted_column_sums

from agreement_helpers import aset_from_matrix, random_matrix

counts_tables = st.integers(1, 40).flatmap(lambda n: st.integers(1, 6).flatmap(
    lambda q: st.lists(st.lists(st.integers(0, 5), min_size=q, max_size=q), min_size=n, max_size=n)))


def _close(a, b):
    return np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


@settings(max_examples=150, deadline=None)
@given(counts_tables, st.booleans(), st.integers(0, 2**32 - 1))
def test_products_equal_the_matrix_products(rows, as_sparse, seed):
    counts = np.array(rows, dtype=np.float64)
    rng = np.random.default_rng(seed)
    v, u = rng.normal(size=counts.shape[1]), rng.normal(size=counts.shape[0])
    table = sparse.csr_matrix(counts) if as_sparse else counts
    assert _close(rows_dot(table, v), counts @ v)
    assert _close(weighted_column_sums(u, table), u @ counts)


def _parts_by_matrix_products(counts: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """The dense count parts as written before issue 17 (``@`` everywhere)."""
    n = np.asarray(counts, dtype=np.float64)
    r = n @ np.ones(n.shape[1])
    n, r = n[r > 0], r[r > 0]
    quad = np.einsum("ic,ic->i", n @ w, n)
    two = r >= 2
    pa_i = np.zeros(len(r))
    pa_i[two] = (quad[two] - r[two]) / (r[two] * (r[two] - 1.0))
    return {"r": r, "pa_i": pa_i, "share_totals": (1.0 / r) @ n, "share_dot": (n @ np.arange(n.shape[1])) / r,
            "alpha_nc": two.astype(np.float64) @ n}


@settings(max_examples=150, deadline=None)
@given(counts_tables, st.sampled_from([None, "linear", "quadratic"]))
def test_count_parts_equal_the_matrix_product_way(rows, weights):
    counts = np.array(rows, dtype=np.int64)
    if not counts.sum():
        return
    q = counts.shape[1]
    w = weight_matrix(q, weights)
    parts, ref = count_parts(counts, w), _parts_by_matrix_products(counts, w)
    for key in ("r", "pa_i", "share_totals"):
        assert _close(getattr(parts, key), ref[key]), key
    assert _close(parts.share_dot(np.arange(q, dtype=np.float64)), ref["share_dot"])
    sums = alpha_nominal_sums(parts)
    assert _close(sums[1:], ref["alpha_nc"])
    point = alpha_se_point(np.array([parts.two.sum(), parts.r[parts.two].sum(),
                                     (parts.pa_i * parts.r)[parts.two].sum()]), sums[1:], w)
    if point is not None:
        two, r = parts.two, parts.r[parts.two]
        pa_i = parts.pa_i[two] * r * (r - 1.0) / (point["rbar"] * (r - 1.0)) - point["pa"] * (r - point["rbar"]) / point["rbar"]
        pe_i = ((ref_n := counts[counts.sum(1) > 0].astype(np.float64)) @ ((w + w.T) @ point["pi"] / 2.0))[two]
        pe_i = pe_i / point["rbar"] - point["pe"] * (r - point["rbar"]) / point["rbar"]
        k_star = (pa_i - point["pe"]) / (1.0 - point["pe"]) - 2.0 * (1.0 - point["alpha"]) * (pe_i - point["pe"]) / (
            1.0 - point["pe"])
        assert len(ref_n) == len(parts.r)
        assert np.isclose(alpha_se_squares(parts, w, point), ((k_star - point["alpha"]) ** 2).sum(), rtol=1e-12,
                          atol=1e-12)


def _fresh_histogram(counts) -> np.ndarray:
    sums = np.asarray(counts.sum(axis=1)).ravel().astype(np.int64)
    return np.bincount(sums).astype(np.float64)


def test_rating_histogram_follows_the_view_asked_for():
    aset = aset_from_matrix(random_matrix(3, 60, 4, 5, p_missing=0.3), 5)
    counts = item_category_counts(aset, layout="auto")
    merged = MergedColumns(groups=(0, 0, 1, 1, 2), n_groups=3, keep=(0, 2))  # drops a class: fewer ratings per item
    kept = counts[:, [0, 1, 4]] if not sparse.issparse(counts) else counts.tocsc()[:, [0, 1, 4]]
    whole, part = _fresh_histogram(counts), _fresh_histogram(kept)
    for view, expected in ((None, whole), (merged, part), (None, whole), (merged, part), (None, whole)):
        got = rating_histogram(aset, view)
        assert np.array_equal(got[:len(expected)], expected) and not got[len(expected):].any(), view
    assert not np.array_equal(whole, part)


def _plain_bisection(inside, grid, index, *, outward):
    """The score interval's edge search as it was before issue 17: one midpoint per call, 40 times."""
    g = len(grid)
    outer = index + outward
    has_outer = (outer >= 0) & (outer < g)
    a = grid[index].copy()
    b = grid[np.clip(outer, 0, g - 1)].copy()
    for _ in range(40):
        mid = (a + b) / 2.0
        acc = inside(mid[:, None])[:, 0]
        a = np.where(acc & has_outer, mid, a)
        b = np.where(~acc & has_outer, mid, b)
    return a


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["fleiss", "pairs", "gwet", "brennan_prediger", "percent"]),
       st.integers(2, 6), st.integers(1, 4), st.booleans())
def test_section_search_finds_the_bisection_edges_to_the_last_bit(seed, kind, q, k, odd_acceptance):
    """Several bisection steps per call (``intervals._bisect``) give the plain bisection's edges exactly — also
    where the acceptance test is not monotone inside a grid step (both replay the same steps)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-0.2, 1.0, k) if kind in ("fleiss", "pairs") else rng.uniform(0.0, 1.0, k)
    se = np.where(rng.random(k) < 0.3, 0.0, rng.uniform(0.0, 0.2, k))
    p = rng.dirichlet(np.ones(q) * rng.uniform(0.2, 3.0), k)
    nr = np.zeros((k, 6))
    nr[:, 1:] = rng.integers(0, 30, (k, 5)) * (rng.random((k, 5)) < 0.6)
    nr[:, 2] += 1
    kw = dict(prevalence=p, ratings_counts=nr, n_pairable=nr[:, 2:].sum(1), confidence_level=rng.choice([0.8, 0.95]),
              kind=kind, expected_agreement=rng.uniform(0.0, 0.6, k))
    if kind == "pairs":
        kw.update(n_pairs=rng.integers(1, 10, k).astype(float), pair_items=nr[:, 2:].sum(1))
    import analytics.agreement.intervals as iv

    fast = iv.score_intervals(values, se, **kw)
    real = iv._bisect
    try:
        iv._bisect = _plain_bisection
        plain = iv.score_intervals(values, se, **kw)
    finally:
        iv._bisect = real
    assert np.array_equal(fast[0], plain[0], equal_nan=True) and np.array_equal(fast[1], plain[1], equal_nan=True)
    if odd_acceptance:  # an acceptance set with holes: both searches still take the same steps
        grid = np.linspace(-1.0, 1.0, 65)
        index = rng.integers(1, 64, 2 * k)
        outward = np.repeat([-1, 1], k)
        cut = rng.uniform(-1.0, 1.0, (2 * k, 3))

        def holes(param):
            rows = param.shape[0]
            return ((param > cut[:rows, :1]) ^ (param > cut[:rows, 1:2])) | (param < cut[:rows, 2:3])

        assert np.array_equal(iv._bisect(holes, grid, index, outward=outward),
                              _plain_bisection(holes, grid, index, outward=outward))


def _jackknife_three_passes(aset, tables, res, defined):
    """Light's kappa jackknife SE as it was before issue 17: one pass over the items per table."""
    from analytics.agreement.cohen import _pair_sums_per_item
    from analytics.agreement.intervals import pair_leave_one_out

    keep = defined[:, None, None]
    moved, dropped_value, dropped = (_pair_sums_per_item(aset, np.where(keep, t, 0.0))
                                     for t in pair_leave_one_out(tables))
    total, n_pairs = float(res["value"][defined].sum()), float(defined.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (total + moved - dropped_value) / (n_pairs - dropped) - total / n_pairs
    d = np.where(np.isfinite(d), d, 0.0)
    rated = np.asarray(item_category_counts(aset, layout="auto").sum(axis=1)).ravel() > 0
    k, s1, s2 = float(rated.sum()), float(d[rated].sum()), float((d[rated] ** 2).sum())
    return float("nan") if k < 2 else float(np.sqrt(max((k - 1.0) / k * (s2 - s1 * s1 / k), 0.0)))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 60), st.integers(3, 6), st.integers(2, 6),
       st.sampled_from([0.0, 0.3, 0.7]))
def test_light_jackknife_in_one_pass_equals_three_passes(seed, n_items, n_annotators, q, missing):
    """One gather for the jackknife's three per-item sums, and zeros for all-zero drop-out tables, give the SE of
    three separate passes — small sets (pairs that drop out) and sparse overlap (70 % missing) included."""
    from analytics.agreement._core import weight_matrix
    from analytics.agreement.cohen import _all_pairs, _light_jackknife_se

    aset = aset_from_matrix(random_matrix(seed, n_items, n_annotators, q, p_missing=missing,
                                          accuracy=float(np.random.default_rng(seed).uniform(0.3, 0.95))), q)
    tables, _, res = _all_pairs(aset, weight_matrix(q, None))
    defined = np.isfinite(res["value"])
    if not defined.any():
        return
    fast, slow = _light_jackknife_se(aset, tables, res, defined), _jackknife_three_passes(aset, tables, res, defined)
    assert (np.isnan(fast) and np.isnan(slow)) or fast == slow
