"""The plain-Python statistics of the trends equal scipy's and statsmodels' (oracles)."""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analytics.workspace._stats import fisher_less, fisher_two_sided, holm, two_proportion_z, wald_difference, wilson, z_value

counts = st.integers(min_value=1, max_value=400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=100, deadline=None)
@given(counts, st.sampled_from([0.9, 0.95, 0.99]))
def test_wilson_equals_statsmodels(xn, level):
    x, n = xn
    lo, hi = proportion_confint(x, n, alpha=1 - level, method="wilson")
    assert wilson(x, n, level) == pytest.approx((lo, hi), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(counts, counts, st.sampled_from(["two-sided", "larger", "smaller"]))
def test_two_proportion_z_equals_statsmodels(before, after, alternative):
    (x0, n0), (x1, n1) = before, after
    pooled = (x0 + x1) / (n0 + n1)
    ours = two_proportion_z(x0, n0, x1, n1, alternative=alternative)
    if pooled in (0.0, 1.0):
        assert math.isnan(ours)
        return
    _, p = proportions_ztest([x1, x0], [n1, n0], alternative=alternative)
    assert ours == pytest.approx(p, rel=1e-9, abs=1e-15)


@settings(max_examples=120, deadline=None)
@given(counts, counts)
def test_fisher_less_equals_scipy(after, before):
    (x1, n1), (x0, n0) = after, before
    p = stats.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]], alternative="less").pvalue
    assert fisher_less(x1, n1, x0, n0) == pytest.approx(p, rel=1e-8, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1, max_size=12))
def test_holm_equals_statsmodels(ps):
    adjusted, reject = holm(ps, 0.05)
    finite = [i for i, p in enumerate(ps) if not math.isnan(p)]
    if finite:
        # statsmodels' Holm branch calls gc.collect() on every call: seconds each in a full test session
        with mock.patch("gc.collect"):
            rej, adj, _, _ = multipletests([ps[i] for i in finite], alpha=0.05, method="holm")
        assert [adjusted[i] for i in finite] == pytest.approx(list(adj), abs=1e-12)
        assert [reject[i] for i in finite] == list(rej)
    assert all(math.isnan(adjusted[i]) and not reject[i] for i, p in enumerate(ps) if math.isnan(p))


def test_wald_difference_reference():
    d = wald_difference(0.70, 0.03, 0.60, 0.04, 0.95)
    assert d.difference == pytest.approx(-0.10)
    assert d.standard_error == pytest.approx(0.05)
    assert (d.ci_low, d.ci_high) == pytest.approx((-0.10 - 1.959964 * 0.05, -0.10 + 1.959964 * 0.05), abs=1e-6)
    assert d.p_drop == pytest.approx(stats.norm.cdf(-2.0))
    assert d.p_rise == pytest.approx(stats.norm.sf(-2.0))
    assert z_value(0.95) == pytest.approx(stats.norm.ppf(0.975))
    undefined = wald_difference(0.7, None, 0.6, 0.04)
    assert math.isnan(undefined.p_drop) and undefined.difference == pytest.approx(-0.1)
    assert np.isnan(wald_difference(None, None, 0.6, 0.04).difference)


@settings(max_examples=150, deadline=None)
@given(counts, counts)
def test_fisher_two_sided_equals_scipy(before, after):
    (x0, n0), (x1, n1) = before, after
    p = stats.fisher_exact([[x0, n0 - x0], [x1, n1 - x1]])[1]
    assert fisher_two_sided(x0, n0, x1, n1) == pytest.approx(p, rel=1e-7, abs=1e-12)
