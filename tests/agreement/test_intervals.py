"""The default (score) intervals: exact model variances, honest widths at pilot sizes, never zero width (issue 15)."""

from __future__ import annotations

import itertools
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from agreement_helpers import aset_from_matrix, random_matrix
from analytics import (
    UndefinedMetricWarning,
    agreement_summary,
    brennan_prediger,
    cohen_kappa,
    cohen_kappa_by_pair,
    fleiss_kappa,
    fleiss_kappa_by_category,
    gwet_ac1,
    krippendorff_alpha,
    light_kappa,
    load_annotations,
    percent_agreement,
    scott_pi,
)
from analytics.agreement._coverage import verified_coverage
from analytics.agreement.intervals import (
    count_model_variance,
    pair_leave_one_out,
    pair_model_variance,
    score_intervals,
)
from analytics.exceptions import DataQualityWarning

COEFFICIENTS = [percent_agreement, fleiss_kappa, krippendorff_alpha, gwet_ac1, brennan_prediger]


def _multinomial(r: int, probs: np.ndarray):
    """Every count vector of ``r`` draws over ``len(probs)`` classes with its probability."""
    q = len(probs)
    for labels in itertools.product(range(q), repeat=r):
        counts = np.bincount(labels, minlength=q)
        yield counts, float(np.prod(probs[list(labels)]))


@pytest.mark.parametrize("kind", ["fleiss", "gwet", "brennan_prediger", "percent"])
def test_count_model_variance_equals_brute_force_enumeration(kind):
    """The closed-form factorial moments equal a direct sum over every possible item (3 classes, 1–3 ratings)."""
    p = np.array([0.5, 0.3, 0.2])
    q, kappa = 3, 0.55
    theta = math.sqrt(kappa)
    nr = np.array([0.0, 4.0, 7.0, 9.0])                     # items rated once, twice, three times
    n, n2 = nr[1:].sum(), nr[2:].sum()
    w = {"fleiss": p, "gwet": (1 - p) / (q - 1)}.get(kind, np.zeros(q))
    pe = {"fleiss": (p * p).sum(), "gwet": (p * (1 - p)).sum() / (q - 1), "brennan_prediger": 1 / q,
          "percent": 0.0}[kind]
    value = (kappa + (1 - kappa) * (p * p).sum() - pe) / (1 - pe)
    total = 0.0
    for r in (1, 2, 3):
        moments = np.zeros(2)
        for c in range(q):
            probs = theta * np.eye(q)[c] + (1 - theta) * p
            for counts, prob in _multinomial(r, probs):
                pa_i = ((counts * (counts - 1)).sum() / (r * (r - 1))) if r >= 2 else 0.0
                pe_i = (counts @ w) / r
                t = (n / n2) * pa_i / (1 - pe) * (r >= 2)
                if kind in ("fleiss", "gwet"):
                    t -= 2 * (1 - value) * pe_i / (1 - pe)
                moments += p[c] * prob * np.array([t, t * t])
        total += nr[r] * (moments[1] - moments[0] ** 2)
    exact = total / n ** 2
    got = count_model_variance(np.array([[kappa]]), p[None], nr[None], kind)[0, 0]
    assert got == pytest.approx(exact, rel=1e-12)


def test_pair_model_variance_equals_brute_force_enumeration():
    p = np.array([0.6, 0.25, 0.15])
    q, kappa, n_pairs, items = 3, 0.7, 3.0, 11.0
    theta = math.sqrt(kappa)
    pe = (p * p).sum()
    g = lambda x, y: ((x == y) - (1 - kappa) * (p[x] + p[y]) - (kappa - (1 - kappa) * pe)) / (1 - pe)  # noqa: E731
    nr = np.array([0.0, 0.0, 5.0, 6.0])
    total = 0.0
    for r in (2, 3):
        m1 = m2 = 0.0
        for c in range(q):
            probs = theta * np.eye(q)[c] + (1 - theta) * p
            for labels in itertools.product(range(q), repeat=r):
                prob = float(np.prod(probs[list(labels)]))
                psi = sum(g(labels[a], labels[b]) for a, b in itertools.combinations(range(r), 2)) / (n_pairs * items)
                m1 += p[c] * prob * psi
                m2 += p[c] * prob * psi * psi
        total += nr[r] * (m2 - m1 ** 2)
    got = pair_model_variance(np.array([[kappa]]), p[None], nr[None], np.array([n_pairs]), np.array([items]))[0, 0]
    assert got == pytest.approx(total, rel=1e-12)


def _pilot(rng, n, m, p, kappa, missing=0.0):
    truth = rng.choice(len(p), size=n, p=p)
    labels = np.where(rng.random((n, m)) < math.sqrt(kappa), truth[:, None], rng.choice(len(p), size=(n, m), p=p))
    rows = [(i, f"a{j}", f"c{labels[i, j]}") for i in range(n) for j in range(m) if rng.random() >= missing]
    return load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]),
                            categories=[f"c{c}" for c in range(len(p))])


def test_model_variance_is_the_spread_of_simulated_estimates():
    """On large simulated pilots the model's standard error is the standard deviation of the estimates."""
    rng = np.random.default_rng(3)
    p, n = np.array([0.6, 0.3, 0.1]), 400
    fleiss, cohen = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for _ in range(150):
            fleiss.append(fleiss_kappa(_pilot(rng, n, 3, p, 0.6), method="analytic").value)
            cohen.append(cohen_kappa(_pilot(rng, n, 2, p, 0.6), method="analytic").value)
    v3 = count_model_variance(np.array([[0.6]]), p[None], np.array([[0, 0, 0, n]], dtype=float), "fleiss")[0, 0]
    v2 = pair_model_variance(np.array([[0.6]]), p[None], np.array([[0, 0, n]], dtype=float), np.ones(1),
                             np.array([float(n)]))[0, 0]
    assert np.std(fleiss) == pytest.approx(math.sqrt(v3), rel=0.15)
    assert np.std(cohen) == pytest.approx(math.sqrt(v2), rel=0.15)


def test_pair_leave_one_out_is_kappa_of_the_smaller_table():
    rng = np.random.default_rng(0)
    table = rng.integers(0, 6, (4, 4)).astype(float)
    moved, dropped_value, dropped = pair_leave_one_out(table)
    from analytics.agreement._core import pairwise_from_tables

    full = pairwise_from_tables("cohen", table, np.eye(4))["value"]
    for x, y in itertools.product(range(4), repeat=2):
        smaller = table.copy()
        smaller[x, y] -= 1
        direct = pairwise_from_tables("cohen", smaller, np.eye(4))["value"]
        if dropped[x, y]:
            assert not np.isfinite(direct)
        else:
            assert moved[x, y] == pytest.approx(direct - full, abs=1e-12)
    assert not dropped_value[~dropped.astype(bool)].any()


def test_twenty_items_in_perfect_agreement_say_how_little_they_prove():
    """No zero-width interval: 20 items that two annotators label alike give a lower bound well below 1."""
    frame = pd.DataFrame({"item_id": np.repeat(np.arange(20), 2), "annotator_id": ["a", "b"] * 20,
                          "label": np.repeat(["cat", "dog"] * 10, 2)})
    aset = load_annotations(frame)
    k = cohen_kappa(aset)
    assert k.value == 1.0 and k.ci_high == 1.0 and 0.4 < k.ci_low < 0.8
    wald = cohen_kappa(aset, method="analytic")
    assert wald.ci_low == wald.ci_high == 1.0                     # what the Wald interval said before issue 15
    s = agreement_summary(aset, target=0.8)
    assert s.verdict == "not met" and "not yet met with confidence" in s.sentence


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_items=st.integers(2, 30), n_annotators=st.integers(2, 5),
       n_categories=st.integers(2, 4), accuracy=st.floats(0.0, 1.0), p_missing=st.sampled_from([0.0, 0.3]))
# Found by CI: items (0, 1), (1, 0), (0, ·), (0, ·). Fleiss' kappa is -5/3 (p_a = 0, p_e = 0.75² + 0.25²) and its
# interval was clipped to [-1, 1], leaving the estimate outside it.
@example(seed=5, n_items=4, n_annotators=2, n_categories=2, accuracy=0.0, p_missing=0.3)
def test_default_intervals_never_have_zero_width_and_hold_the_estimate(seed, n_items, n_annotators, n_categories,
                                                                      accuracy, p_missing):
    """Every coefficient is (p_a - p_e)/(1 - p_e) with p_a >= 0, so it is >= -p_e/(1 - p_e), which is >= -1 when
    p_e <= 1/2. That holds for Cohen's kappa, Scott's pi and Light's kappa (complete pairs: -1 is their minimum),
    AC1 and Brennan-Prediger (p_e <= 1/q), percent agreement (>= 0) and alpha. Fleiss' kappa with items rated once
    (Gwet 2014: pi_c averages the rating shares of *every* item, p_a only items rated twice or more) can have
    p_e > 1/2 with p_a = 0, so its range goes down to -p_e/(1 - p_e) < -1: the interval must reach the estimate."""
    m = random_matrix(seed, n_items, n_annotators, n_categories, p_missing=p_missing, accuracy=accuracy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", DataQualityWarning)
        aset = aset_from_matrix(m, n_categories)
        funcs = COEFFICIENTS + ([cohen_kappa, scott_pi] if n_annotators == 2 else [light_kappa])
        for f in funcs:
            est = f(aset)
            if not np.isfinite(est.value) or est.n_items < 2:
                continue
            assert est.ci_low < est.ci_high, (f.__name__, est)
            assert est.ci_low - 1e-12 <= est.value <= est.ci_high + 1e-12
            pe = est.expected_agreement
            floor = min(-1.0, -pe / (1.0 - pe)) if f is fleiss_kappa else -1.0
            assert floor - 1e-12 <= est.ci_low and est.ci_high <= 1.0
            assert est.interval_method.startswith("score interval")


def test_one_item_gives_no_interval_and_says_why():
    frame = pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": ["x", "y"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        k = cohen_kappa(load_annotations(frame))
    assert np.isfinite(k.value) and math.isnan(k.ci_low) and "too few for an interval" in k.reason


def test_by_pair_and_by_category_use_the_same_default():
    aset = _pilot(np.random.default_rng(1), 40, 3, np.array([0.5, 0.3, 0.2]), 0.7)
    pairs = cohen_kappa_by_pair(aset)
    for row in pairs.itertuples():
        single = cohen_kappa(aset, annotators=(row.annotator_a, row.annotator_b))
        assert (row.ci_low, row.ci_high) == pytest.approx((single.ci_low, single.ci_high), abs=1e-9)
    per = fleiss_kappa_by_category(aset)
    assert (per["ci_low"] < per["kappa"]).all() and (per["kappa"] <= per["ci_high"]).all()
    assert per.attrs["interval_method"].startswith("score interval")


def test_analytic_method_is_still_the_wald_interval():
    aset = _pilot(np.random.default_rng(2), 60, 3, np.array([0.5, 0.5]), 0.5)
    for f in COEFFICIENTS + [light_kappa]:
        est = f(aset, method="analytic")
        z = 1.959963984540054
        assert est.ci_low == pytest.approx(est.value - z * est.standard_error, abs=1e-12)
        assert est.interval_method.startswith("Wald")


def test_score_intervals_are_vectorized_row_by_row():
    rng = np.random.default_rng(4)
    k = 5
    values, se = rng.uniform(0.2, 0.9, k), rng.uniform(0.02, 0.2, k)
    p = rng.dirichlet(np.ones(3), k)
    nr = np.zeros((k, 4))
    nr[:, 3] = rng.integers(10, 80, k)
    lo, hi = score_intervals(values, se, prevalence=p, ratings_counts=nr, n_pairable=nr[:, 3], confidence_level=0.9,
                             kind="fleiss")
    for i in range(k):
        one = score_intervals(values[i:i + 1], se[i:i + 1], prevalence=p[i:i + 1], ratings_counts=nr[i:i + 1],
                              n_pairable=nr[i:i + 1, 3], confidence_level=0.9, kind="fleiss")
        assert (lo[i], hi[i]) == pytest.approx((one[0][0], one[1][0]), abs=1e-12)


def test_verified_coverage_reads_the_largest_studied_size_not_above():
    claim = verified_coverage("fleiss_kappa", "score", 120)
    assert claim.n_items_studied == 100 and 0.9 <= claim.min_coverage <= claim.median_coverage <= 1.0
    assert "100 items" in claim.sentence
    none = verified_coverage("fleiss_kappa", "score", 5)
    assert none.n_items_studied == 0 and math.isnan(none.min_coverage) and "nan" not in none.sentence.lower()
    other = verified_coverage("fleiss_kappa", "score", 120, confidence_level=0.9)
    assert math.isnan(other.min_coverage) and "90%" in other.sentence


def test_the_lookup_keeps_the_promise_of_the_default_from_20_items():
    """The committed study (analytics/agreement/coverage.json): the default interval of every coefficient covers at
    least 0.93 in every simulated design with 20 or more items (issue 15), so the report never quotes less."""
    table = json.loads((Path(verified_coverage.__code__.co_filename).with_name("coverage.json")).read_text("utf-8"))
    coefficients = table["coverage"]
    assert len(coefficients) == 8
    for name, methods in coefficients.items():
        for n, entry in methods["score"].items():
            if int(n) >= 20:
                assert entry["min"] >= 0.93, (name, n, entry)
                claim = verified_coverage(name, "score", int(n))
                assert claim.min_coverage == entry["min"] and claim.n_items_studied == int(n)


def test_large_pilots_get_an_interval_narrower_than_the_search_grid():
    """Above some 20,000 items the score interval is narrower than a step of the search grid (1/32 on the kappa
    scale): no grid point but the estimate is accepted. It is searched from the estimate, so it is never zero width
    and, with this many items, close to the Wald interval (the model and the sandwich variance agree)."""
    matrix = random_matrix(11, 40_000, 3, 4, accuracy=0.8)
    aset = aset_from_matrix(matrix, 4)
    summary = agreement_summary(aset, target=0.5)
    for _, row in summary.table.iterrows():
        wald = 2 * 1.96 * row["standard_error"]
        width = row["ci_high"] - row["ci_low"]
        assert row["ci_low"] < row["value"] < row["ci_high"], row["coefficient"]
        assert 0.98 * wald <= width <= 1.3 * wald, (row["coefficient"], width, wald)
