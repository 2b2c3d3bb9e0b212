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
    fleiss_kappa_by_category,
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


def test_weights_follow_an_ordinal_taxonomy_with_an_unused_level(tmp_path):
    """Issue 4: weights use the order of an ordinal taxonomy (YAML), an unused declared level included."""
    from sklearn.metrics import cohen_kappa_score

    scale = ["none", "mild", "moderate", "severe", "critical"]  # not alphabetical; "moderate" never used
    (tmp_path / "severity.yaml").write_text(
        "ordinal: true\nclasses:\n" + "".join(f"  - name: {c}\n" for c in scale), encoding="utf-8")
    used = np.array([0, 1, 3, 4])
    m = random_matrix(12, 120, 2, 4)
    y1, y2 = used[m[:, 0].astype(int)], used[m[:, 1].astype(int)]  # taxonomy positions of the labels
    tidy = pd.DataFrame({"item_id": np.repeat([f"i{k}" for k in range(len(y1))], 2),
                         "annotator_id": ["a", "b"] * len(y1),
                         "label": np.asarray(scale, dtype=object)[np.column_stack([y1, y2]).ravel()]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the taxonomy has no Unknown/Other class
        aset = load_annotations(tidy, taxonomy=tmp_path / "severity.yaml")
    assert aset.ordinal and aset.categories == tuple(scale)
    observed = np.searchsorted(used, [y1, y2])  # positions among the observed labels only: 0 … 3
    for w in ("linear", "quadratic"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a declared ordinal set: no "not declared ordinal" warning
            k = cohen_kappa(aset, weights=w)
        expected = cohen_kappa_score(y1, y2, labels=list(range(len(scale))), weights=w)
        assert k.value == pytest.approx(expected, abs=1e-12), w
        assert k.value != pytest.approx(cohen_kappa_score(*observed, weights=w), abs=1e-6), w
        pair = cohen_kappa_by_pair(aset, weights=w)
        assert pair["kappa"].iloc[0] == pytest.approx(expected, abs=1e-12), w


def _bootstrap_cases():
    """(name, function, set, options) for every coefficient with ``method="bootstrap"`` (issue 4)."""
    many = aset_from_matrix(random_matrix(5, 300, 4, 3, p_missing=0.2), 3, ordinal=True)
    pair = aset_from_matrix(random_matrix(6, 400, 2, 4, p_missing=0.1), 4, ordinal=True)
    cases = [(f.__name__, f, many, {}) for f in MULTI]
    cases += [(f"cohen_kappa[{w}]", cohen_kappa, pair, {"weights": w}) for w in (None, "linear", "quadratic")]
    cases += [("scott_pi", scott_pi, pair, {})]
    cases += [(f"gwet_ac2[{w}]", gwet_ac1, many, {"weights": w}) for w in ("linear", "quadratic")]
    cases += [(f"krippendorff_alpha[{lv}]", krippendorff_alpha, many, {"level": lv})
              for lv in ("ordinal", "interval", "ratio")]
    return cases


def test_bootstrap_is_seeded_and_close_to_the_analytic_interval():
    for name, f, aset, options in _bootstrap_cases():
        analytic = f(aset, **options)
        a = f(aset, method="bootstrap", n_boot=400, seed=3, **options)
        b = f(aset, method="bootstrap", n_boot=400, seed=3, **options)
        c = f(aset, method="bootstrap", n_boot=400, seed=4, **options)
        assert (a.ci_low, a.ci_high, a.standard_error) == (b.ci_low, b.ci_high, b.standard_error), name
        assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high), name
        assert a.value == analytic.value and a.n_boot == 400 and "bootstrap" in a.interval_method, name
        assert "bootstrap" not in analytic.interval_method, name
        # the linearized SE and the bootstrap SE estimate the same quantity; the percentile interval is
        # close to the Wald one (endpoints within a fifth of its width on these 300-400 items)
        assert a.standard_error == pytest.approx(analytic.standard_error, rel=0.2), name
        width = analytic.ci_high - analytic.ci_low
        assert abs(a.ci_low - analytic.ci_low) < 0.2 * width, name
        assert abs(a.ci_high - analytic.ci_high) < 0.2 * width, name
        assert a.ci_low < a.value < a.ci_high, name


def test_bootstrap_of_category_kappas_is_seeded_and_close_to_the_analytic_interval():
    aset = aset_from_matrix(random_matrix(5, 300, 4, 3, p_missing=0.2), 3)
    analytic = fleiss_kappa_by_category(aset)
    a = fleiss_kappa_by_category(aset, method="bootstrap", n_boot=400, seed=3)
    b = fleiss_kappa_by_category(aset, method="bootstrap", n_boot=400, seed=3)
    c = fleiss_kappa_by_category(aset, method="bootstrap", n_boot=400, seed=4)
    interval = ["ci_low", "ci_high", "standard_error"]
    pd.testing.assert_frame_equal(a[interval], b[interval])
    assert (a[["ci_low", "ci_high"]].to_numpy() != c[["ci_low", "ci_high"]].to_numpy()).any(axis=1).all()
    np.testing.assert_array_equal(a["kappa"], analytic["kappa"])
    assert list(a["category"]) == list(analytic["category"]) == ["0", "1", "2"]
    assert "bootstrap" in a.attrs["interval_method"] and "bootstrap" not in analytic.attrs["interval_method"]
    np.testing.assert_allclose(a["standard_error"], analytic["standard_error"], rtol=0.2)
    width = (analytic["ci_high"] - analytic["ci_low"]).to_numpy()
    assert (np.abs(a["ci_low"] - analytic["ci_low"]).to_numpy() < 0.2 * width).all()
    assert (np.abs(a["ci_high"] - analytic["ci_high"]).to_numpy() < 0.2 * width).all()
    assert ((a["ci_low"] < a["kappa"]) & (a["kappa"] < a["ci_high"])).all()


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
