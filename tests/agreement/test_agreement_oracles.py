"""Oracle tests: the agreement engine equals peer libraries on hundreds of random datasets.

statsmodels, scikit-learn and ``krippendorff`` are dev dependencies; irrCAC lives in the peers environment
(benchmarks/requirements-peers.txt): its test carries ``@pytest.mark.peers`` and runs there (tests/_peers.py).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agreement_helpers import aset_from_matrix, counts_from_matrix, random_matrix
from analytics import (
    UndefinedMetricWarning,
    brennan_prediger,
    cohen_kappa,
    cohen_kappa_by_pair,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from analytics.exceptions import DataQualityWarning

TOL = 1e-9

datasets = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "n_items": st.integers(3, 40),
    "n_annotators": st.integers(2, 6),
    "n_categories": st.integers(2, 5),
    "accuracy": st.floats(0.0, 0.95),
})


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore", UndefinedMetricWarning)
    warnings.simplefilter("ignore", DataQualityWarning)
    return ctx


@settings(max_examples=80, deadline=None)
@given(d=datasets)
def test_fleiss_kappa_equals_statsmodels(d):
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    m = random_matrix(d["seed"], d["n_items"], d["n_annotators"], d["n_categories"], accuracy=d["accuracy"])
    table = counts_from_matrix(m, d["n_categories"])
    with np.errstate(all="ignore"):
        expected = sm_fleiss(table)
        expected_free = sm_fleiss(table, method="randolph")
    assume(np.isfinite(expected))
    aset = aset_from_matrix(m, d["n_categories"])
    assert fleiss_kappa(aset).value == pytest.approx(expected, abs=TOL)
    assert brennan_prediger(aset).value == pytest.approx(expected_free, abs=TOL)


@settings(max_examples=80, deadline=None)
@given(d=datasets, p_missing=st.floats(0.0, 0.5), weights=st.sampled_from([None, "linear", "quadratic"]))
def test_cohen_kappa_equals_sklearn_and_statsmodels(d, p_missing, weights):
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import cohens_kappa

    q = d["n_categories"]
    m = random_matrix(d["seed"], d["n_items"], 2, q, p_missing=p_missing, accuracy=d["accuracy"])
    both = ~np.isnan(m).any(axis=1)
    assume(both.sum() >= 2)
    y1, y2 = m[both, 0].astype(int), m[both, 1].astype(int)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cohen_kappa_score(y1, y2, labels=list(range(q)), weights=weights)
    assume(np.isfinite(expected))
    table = np.zeros((q, q))
    np.add.at(table, (y1, y2), 1)
    with np.errstate(all="ignore"):
        sm = cohens_kappa(table, wt=weights) if weights else cohens_kappa(table)
    ctx = _quiet()
    try:
        k = cohen_kappa(aset_from_matrix(m, q, ordinal=True), weights=weights)
    finally:
        ctx.__exit__(None, None, None)
    assert k.value == pytest.approx(expected, abs=TOL)
    assert k.value == pytest.approx(sm.kappa, abs=TOL)
    # compare variances: a zero variance comes out as ±1e-16 from either side, its square root as ±1e-8
    if np.isfinite(sm.var_kappa):
        assert k.standard_error ** 2 == pytest.approx(sm.var_kappa, abs=TOL)
    if np.isfinite(sm.var_kappa0):
        assert k.standard_error_h0 ** 2 == pytest.approx(sm.var_kappa0, abs=TOL)
    assert k.n_items == both.sum()


@settings(max_examples=40, deadline=None)
@given(d=datasets, p_missing=st.floats(0.0, 0.4))
def test_all_pairs_equal_sklearn_on_every_pair(d, p_missing):
    from sklearn.metrics import cohen_kappa_score

    q, a = d["n_categories"], d["n_annotators"]
    m = random_matrix(d["seed"], d["n_items"], a, q, p_missing=p_missing, accuracy=d["accuracy"])
    ctx = _quiet()
    try:
        table = cohen_kappa_by_pair(aset_from_matrix(m, q))
    finally:
        ctx.__exit__(None, None, None)
    present = [j for j in range(a) if (~np.isnan(m[:, j])).any()]  # an annotator without ratings is absent
    assert len(table) == len(present) * (len(present) - 1) // 2
    for row, (i, j) in zip(table.itertuples(), itertools.combinations(present, 2)):
        both = ~np.isnan(m[:, i]) & ~np.isnan(m[:, j])
        assert (row.annotator_a, row.annotator_b, row.n_items) == (f"a{i}", f"a{j}", both.sum())
        if both.sum() == 0:
            assert np.isnan(row.kappa)
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cohen_kappa_score(m[both, i].astype(int), m[both, j].astype(int), labels=list(range(q)))
        if np.isfinite(expected):
            assert row.kappa == pytest.approx(expected, abs=TOL)
        else:
            assert np.isnan(row.kappa)


@settings(max_examples=80, deadline=None)
@given(d=datasets, p_missing=st.floats(0.0, 0.6), level=st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_krippendorff_alpha_equals_krippendorff_package(d, p_missing, level):
    import krippendorff

    q = d["n_categories"]
    m = random_matrix(d["seed"], d["n_items"], d["n_annotators"], q, p_missing=p_missing, accuracy=d["accuracy"])
    counts = counts_from_matrix(m, q)
    assume((counts.sum(axis=1) >= 2).any())
    with np.errstate(all="ignore"):
        expected = krippendorff.alpha(value_counts=counts, value_domain=list(range(q)), level_of_measurement=level)
    assume(np.isfinite(expected))
    ctx = _quiet()
    try:
        a = krippendorff_alpha(aset_from_matrix(m, q, ordinal=True), level=level)
    finally:
        ctx.__exit__(None, None, None)
    assert a.value == pytest.approx(expected, abs=TOL)


@pytest.mark.peers("irrCAC")
@settings(max_examples=60, deadline=None)
@given(d=datasets, p_missing=st.floats(0.0, 0.5), weights=st.sampled_from([None, "linear", "quadratic"]))
def test_count_coefficients_and_standard_errors_equal_irrcac(d, p_missing, weights):
    from irrCAC import raw

    q = d["n_categories"]
    m = random_matrix(d["seed"], d["n_items"], d["n_annotators"], q, p_missing=p_missing, accuracy=d["accuracy"])
    assume((counts_from_matrix(m, q).sum(axis=1) >= 2).sum() >= 2)
    cac = raw.CAC(pd.DataFrame(m), weights=weights or "identity", categories=[float(c) for c in range(q)], digits=15)
    ctx = _quiet()
    try:
        aset = aset_from_matrix(m, q, ordinal=True)
        ours = {"fleiss": fleiss_kappa(aset, weights=weights), "gwet": gwet_ac1(aset, weights=weights),
                "bp": brennan_prediger(aset, weights=weights)}
        if weights is None:
            ours["krippendorff"] = krippendorff_alpha(aset)
    finally:
        ctx.__exit__(None, None, None)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, est in ours.items():
            if not np.isfinite(est.value):  # irrCAC divides by zero where we return NaN with a reason
                continue
            ref = getattr(cac, name)()["est"]
            value, se = float(np.squeeze(ref["coefficient_value"])), float(np.squeeze(ref["se"]))
            assert est.value == pytest.approx(value, abs=1e-9), name
            if np.isfinite(est.standard_error) and se > 1e-14:
                assert est.standard_error == pytest.approx(se, abs=1e-9), name


@settings(max_examples=40, deadline=None)
@given(d=datasets, p_missing=st.floats(0.0, 0.5))
def test_percent_agreement_is_the_mean_share_of_agreeing_pairs(d, p_missing):
    q = d["n_categories"]
    m = random_matrix(d["seed"], d["n_items"], d["n_annotators"], q, p_missing=p_missing, accuracy=d["accuracy"])
    shares = []
    for row in m:
        labels = row[~np.isnan(row)]
        pairs = list(itertools.combinations(labels, 2))
        if pairs:
            shares.append(np.mean([x == y for x, y in pairs]))
    assume(shares)
    assert percent_agreement(aset_from_matrix(m, q)).value == pytest.approx(np.mean(shares), abs=TOL)


@pytest.mark.peers("irrCAC")
@settings(max_examples=60, deadline=None)
@given(d=datasets, p_missing=st.floats(0.0, 0.4), weights=st.sampled_from([None, "quadratic"]))
def test_scott_pi_standard_error_is_irrcac_fleiss_on_the_common_items(d, p_missing, weights):
    """Scott's pi of two annotators and Fleiss' kappa of the items both labelled: one value, one standard error
    (irrCAC's raw-data formula), so one interval (issue 15)."""
    from irrCAC import raw

    q = d["n_categories"]
    m = random_matrix(d["seed"], d["n_items"], 2, q, p_missing=p_missing, accuracy=d["accuracy"])
    common = m[~np.isnan(m).any(axis=1)]
    assume(len(common) >= 3 and len(np.unique(common)) >= 2)
    ctx = _quiet()
    try:
        aset = aset_from_matrix(m, q, ordinal=True)
        ours = scott_pi(aset, weights=weights)
        on_common = fleiss_kappa(aset_from_matrix(common, q, ordinal=True), weights=weights)
    finally:
        ctx.__exit__(None, None, None)
    assume(np.isfinite(ours.value))
    cac = raw.CAC(pd.DataFrame(common), weights=weights or "identity", categories=[float(c) for c in range(q)],
                  digits=15)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cac.fleiss()["est"]
    assert ours.value == pytest.approx(float(np.squeeze(ref["coefficient_value"])), abs=1e-9)
    assert ours.standard_error == pytest.approx(float(np.squeeze(ref["se"])), abs=1e-9)
    assert (ours.value, ours.standard_error, ours.ci_low, ours.ci_high) == pytest.approx(
        (on_common.value, on_common.standard_error, on_common.ci_low, on_common.ci_high), abs=1e-12)
