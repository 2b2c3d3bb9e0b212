"""Properties of the agreement coefficients: symmetry, invariances, perfect agreement, consistency."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agreement_helpers import aset_from_matrix, random_matrix, tidy_from_matrix
from analytics import (
    UndefinedMetricWarning,
    brennan_prediger,
    cohen_kappa,
    cohen_kappa_by_pair,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    light_kappa,
    load_annotations,
    percent_agreement,
    scott_pi,
)

MULTI = [fleiss_kappa, gwet_ac1, brennan_prediger, percent_agreement, krippendorff_alpha, light_kappa]

shapes = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "n_items": st.integers(4, 30),
    "n_annotators": st.integers(2, 5),
    "n_categories": st.integers(2, 5),
    "p_missing": st.floats(0.0, 0.4),
})


def _values(aset, funcs=MULTI) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return np.array([[f(aset).value, f(aset).standard_error] for f in funcs])


@settings(max_examples=30, deadline=None)
@given(d=shapes)
def test_invariant_to_row_order_and_id_renaming(d):
    m = random_matrix(d["seed"], d["n_items"], d["n_annotators"], d["n_categories"], d["p_missing"])
    tidy = tidy_from_matrix(m)
    cats = [str(c) for c in range(d["n_categories"])]
    base = _values(load_annotations(tidy, categories=cats))
    shuffled = tidy.sample(frac=1.0, random_state=d["seed"] % 1000).reset_index(drop=True)
    renamed = shuffled.assign(item_id="x" + shuffled["item_id"].str[::-1], annotator_id=shuffled["annotator_id"] + "_z")
    np.testing.assert_allclose(_values(load_annotations(renamed, categories=cats)), base, atol=1e-12, equal_nan=True)


@settings(max_examples=30, deadline=None)
@given(d=shapes, data=st.data())
def test_nominal_coefficients_invariant_to_label_permutation(d, data):
    q = d["n_categories"]
    m = random_matrix(d["seed"], d["n_items"], d["n_annotators"], q, d["p_missing"])
    perm = np.array(data.draw(st.permutations(range(q))))
    permuted = np.where(np.isnan(m), np.nan, perm[np.nan_to_num(m).astype(int)])
    np.testing.assert_allclose(_values(aset_from_matrix(permuted, q)), _values(aset_from_matrix(m, q)),
                               atol=1e-12, equal_nan=True)


@settings(max_examples=30, deadline=None)
@given(d=shapes)
def test_pairwise_coefficients_are_symmetric(d):
    m = random_matrix(d["seed"], d["n_items"], 2, d["n_categories"], d["p_missing"])
    assume((~np.isnan(m)).all(axis=1).sum() >= 2)
    aset = aset_from_matrix(m, d["n_categories"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for f in (cohen_kappa, scott_pi):
            ab, ba = f(aset, annotators=("a0", "a1")), f(aset, annotators=("a1", "a0"))
            np.testing.assert_allclose([ab.value, ab.standard_error, ab.ci_low, ab.ci_high],
                                       [ba.value, ba.standard_error, ba.ci_low, ba.ci_high], atol=1e-12)


@pytest.mark.parametrize("n_categories", [2, 3, 7])
def test_perfect_agreement_gives_one(n_categories):
    rng = np.random.default_rng(n_categories)
    truth = np.arange(40) % n_categories  # every category occurs
    m = np.repeat(truth[:, None], 4, axis=1).astype(float)
    m[rng.random(m.shape) < 0.2] = np.nan
    m[:, 0] = truth
    aset = aset_from_matrix(m, n_categories, ordinal=True)
    for f in (fleiss_kappa, gwet_ac1, brennan_prediger, percent_agreement, light_kappa, scott_pi):
        assert f(aset).value == pytest.approx(1.0), f.__name__
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(aset, level=level).value == pytest.approx(1.0)
    assert cohen_kappa(aset, annotators=("a0", "a1")).value == pytest.approx(1.0)
    assert np.allclose(cohen_kappa_by_pair(aset)["kappa"], 1.0)


def test_by_pair_equals_each_pair_and_light_kappa_is_their_mean():
    m = random_matrix(7, 60, 4, 3, p_missing=0.3)
    aset = aset_from_matrix(m, 3)
    table = cohen_kappa_by_pair(aset, weights=None)
    for row in table.itertuples():
        single = cohen_kappa(aset, annotators=(row.annotator_a, row.annotator_b))
        assert (row.kappa, row.ci_low, row.ci_high, row.n_items) == pytest.approx(
            (single.value, single.ci_low, single.ci_high, single.n_items), abs=1e-12)
    assert light_kappa(aset).value == pytest.approx(table["kappa"].mean(), abs=1e-12)


def test_scott_pi_of_two_complete_raters_equals_fleiss_kappa():
    m = random_matrix(3, 50, 2, 4)
    aset = aset_from_matrix(m, 4)
    assert scott_pi(aset).value == pytest.approx(fleiss_kappa(aset).value, abs=1e-12)
    three = aset_from_matrix(random_matrix(3, 50, 3, 4, p_missing=0.2), 4)
    assert scott_pi(three).value == pytest.approx(fleiss_kappa(three).value, abs=1e-12)


def test_weights_follow_the_declared_category_order_not_the_observed_labels():
    from sklearn.metrics import cohen_kappa_score

    m = random_matrix(11, 80, 2, 3)
    tidy = tidy_from_matrix(m)
    observed_only = load_annotations(tidy, ordinal=True)
    assert observed_only.categories == ("0", "1", "2")
    base = cohen_kappa(observed_only, weights="linear").value
    # declare an unused level between "1" and "2": "2" is now two steps above "1" on the scale
    declared = load_annotations(tidy, categories=["0", "1", "1.5", "2"], ordinal=True)
    stretched = cohen_kappa(declared, weights="linear").value
    y1, y2 = m[:, 0].astype(int), m[:, 1].astype(int)
    position = np.array([0, 1, 3])
    assert stretched == pytest.approx(cohen_kappa_score(position[y1], position[y2], labels=[0, 1, 2, 3],
                                                        weights="linear"), abs=1e-12)
    assert base == pytest.approx(cohen_kappa_score(y1, y2, labels=[0, 1, 2], weights="linear"), abs=1e-12)
    assert stretched != pytest.approx(base)


def test_bootstrap_is_seeded_and_close_to_the_analytic_interval():
    m = random_matrix(5, 300, 4, 3, p_missing=0.2)
    aset = aset_from_matrix(m, 3)
    for f in MULTI:
        analytic = f(aset)
        a = f(aset, method="bootstrap", n_boot=400, seed=3)
        b = f(aset, method="bootstrap", n_boot=400, seed=3)
        c = f(aset, method="bootstrap", n_boot=400, seed=4)
        assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
        assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
        assert a.value == analytic.value and a.n_boot == 400 and "bootstrap" in a.interval_method
        # the linearized SE and the bootstrap SE estimate the same quantity
        assert a.standard_error == pytest.approx(analytic.standard_error, rel=0.2), f.__name__
        assert a.ci_low < a.value < a.ci_high


def test_bootstrap_of_pairs_matches_single_pair_bootstrap_scale():
    m = random_matrix(9, 200, 3, 3, p_missing=0.1)
    aset = aset_from_matrix(m, 3)
    boot = cohen_kappa_by_pair(aset, method="bootstrap", n_boot=300, seed=1)
    analytic = cohen_kappa_by_pair(aset)
    np.testing.assert_allclose(boot["standard_error"], analytic["standard_error"], rtol=0.25)
    assert (boot["ci_low"] < boot["kappa"]).all() and (boot["kappa"] < boot["ci_high"]).all()


def test_interval_contains_value_and_respects_confidence_level():
    aset = aset_from_matrix(random_matrix(2, 120, 3, 4, p_missing=0.2), 4)
    k95, k80 = fleiss_kappa(aset), fleiss_kappa(aset, confidence_level=0.80)
    assert k80.ci_low > k95.ci_low and k80.ci_high < k95.ci_high
    assert k95.ci_low < k95.value < k95.ci_high
    assert k95.ci_high <= 1.0


def test_tidy_dataframe_input_is_validated_like_a_set():
    m = random_matrix(4, 30, 3, 3)
    tidy = tidy_from_matrix(m)
    assert fleiss_kappa(tidy).value == pytest.approx(fleiss_kappa(load_annotations(tidy)).value)
    assert isinstance(cohen_kappa_by_pair(tidy), pd.DataFrame)
