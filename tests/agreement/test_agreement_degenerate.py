"""Degenerate input gives NaN with a reason (UndefinedMetricWarning) — never a crash, never a silent 1.0."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from agreement_helpers import SAMPLES, aset_from_matrix
from analytics import (
    DataQualityWarning,
    InvalidParameterError,
    UndefinedMetricWarning,
    agreement_summary,
    brennan_prediger,
    cohen_kappa,
    cohen_kappa_by_pair,
    fleiss_kappa,
    fleiss_kappa_by_category,
    gwet_ac1,
    kappa_by_tag,
    krippendorff_alpha,
    krippendorff_alpha_multilabel,
    light_kappa,
    load_annotations,
    percent_agreement,
    scott_pi,
)

CHANCE_CORRECTED = [fleiss_kappa, krippendorff_alpha, light_kappa, scott_pi]


def _frame(rows):
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def _nan_with_warning(func, aset, match, **kwargs):
    with pytest.warns(UndefinedMetricWarning, match=match):
        est = func(aset, **kwargs)
    assert math.isnan(est.value) and math.isnan(est.ci_low) and math.isnan(est.ci_high)
    assert est.reason and re.search(match, est.reason)
    return est


@pytest.fixture
def one_category_used():
    rows = [(i, a, "cat") for i in range(5) for a in ("x", "y", "z")]
    return load_annotations(_frame(rows), categories=["cat", "dog"])


@pytest.mark.parametrize("func", CHANCE_CORRECTED + [cohen_kappa])
def test_one_category_used_is_nan_not_one(one_category_used, func):
    kwargs = {"annotators": ("x", "y")} if func is cohen_kappa else {}
    est = _nan_with_warning(func, one_category_used, "one (category|value)|same value|single category", **kwargs)
    assert est.reason


def test_one_category_used_keeps_raw_agreement_and_ac1_is_defined(one_category_used):
    with pytest.warns(UndefinedMetricWarning):
        k = fleiss_kappa(one_category_used)
    assert k.observed_agreement == 1.0 and k.expected_agreement == 1.0
    # AC1 and Brennan–Prediger correct with the declared categories, so they stay defined
    assert gwet_ac1(one_category_used).value == 1.0
    assert brennan_prediger(one_category_used).value == 1.0
    assert percent_agreement(one_category_used).value == 1.0


def test_a_single_declared_category_leaves_ac1_undefined():
    aset = load_annotations(_frame([(i, a, "cat") for i in range(4) for a in ("x", "y")]))
    _nan_with_warning(gwet_ac1, aset, "one category")
    _nan_with_warning(brennan_prediger, aset, "one category")


@pytest.fixture
def one_annotator():
    return load_annotations(_frame([(i, "solo", ["a", "b"][i % 2]) for i in range(6)]))


@pytest.mark.parametrize("func", [fleiss_kappa, krippendorff_alpha, gwet_ac1, percent_agreement, brennan_prediger])
def test_one_annotator_has_nothing_to_agree_on(one_annotator, func):
    _nan_with_warning(func, one_annotator, "two or more|pairable")


def test_one_annotator_pairwise(one_annotator):
    _nan_with_warning(cohen_kappa, one_annotator, "1 annotator")
    _nan_with_warning(light_kappa, one_annotator, "1 annotator")
    with pytest.warns(UndefinedMetricWarning):
        table = cohen_kappa_by_pair(one_annotator)
    assert table.empty and "kappa" in table.columns


def test_items_with_a_single_rating_are_left_out_but_not_fatal():
    rows = [(1, "x", "a"), (1, "y", "a"), (2, "x", "b"), (2, "y", "b"), (3, "x", "a"), (4, "y", "b")]
    aset = load_annotations(_frame(rows))
    k = fleiss_kappa(aset)
    assert k.value == pytest.approx(1.0) and k.n_items == 2
    assert krippendorff_alpha(aset).n_items == 2


def test_pair_without_overlap_is_nan_with_reason():
    rows = [(1, "x", "a"), (1, "y", "a"), (2, "x", "b"), (2, "y", "b"), (3, "z", "a"), (3, "y", "b"),
            (4, "z", "b"), (4, "y", "b")]
    aset = load_annotations(_frame(rows))
    _nan_with_warning(cohen_kappa, aset, "no item in common", annotators=("x", "z"))
    with pytest.warns(UndefinedMetricWarning, match="pairs have no kappa"):
        table = cohen_kappa_by_pair(aset)
    row = table[(table.annotator_a == "x") & (table.annotator_b == "z")].iloc[0]
    assert math.isnan(row.kappa) and row.n_items == 0 and "no item" in row.reason
    # Light's kappa averages the pairs that are defined
    assert math.isfinite(light_kappa(aset).value)


def test_anonymous_annotators_give_nan_for_pairwise_and_work_for_counts():
    counts = pd.DataFrame({"item": ["s1", "s2", "s3"], "a": [3, 0, 2], "b": [0, 3, 1]})
    aset = load_annotations(counts, format="counts")
    _nan_with_warning(cohen_kappa, aset, "anonymous")
    _nan_with_warning(light_kappa, aset, "anonymous")
    assert scott_pi(aset).value == pytest.approx(fleiss_kappa(aset).value)  # many-rater form without ids
    with pytest.warns(UndefinedMetricWarning, match="anonymous"):
        assert cohen_kappa_by_pair(aset).empty
    assert math.isfinite(fleiss_kappa(aset).value)
    summary = agreement_summary(aset)
    assert summary.primary == "fleiss_kappa" and "cohen_kappa" not in summary.table["coefficient"].tolist()


def test_no_pairable_value_in_krippendorff_alpha():
    aset = load_annotations(_frame([(i, f"a{i}", "x" if i % 2 else "y") for i in range(4)]))
    _nan_with_warning(krippendorff_alpha, aset, "pairable")


def test_fleiss_by_category_marks_unused_categories():
    aset = aset_from_matrix(np.array([[0, 0, 1], [1, 1, 1], [0, 0, 0.0]]), 3)
    with pytest.warns(UndefinedMetricWarning, match="1 of 3 categories"):
        table = fleiss_kappa_by_category(aset)
    assert math.isnan(table.loc[2, "kappa"]) and table.loc[2, "reason"] == "the category was never used"


def test_bad_options_raise_clear_errors():
    aset = aset_from_matrix(np.array([[0, 1], [1, 1], [0, 0.0]]), 2)
    with pytest.raises(InvalidParameterError, match="confidence_level"):
        fleiss_kappa(aset, confidence_level=95)
    with pytest.raises(InvalidParameterError, match="method="):
        fleiss_kappa(aset, method="jackknife")
    with pytest.raises(InvalidParameterError, match="n_boot"):
        fleiss_kappa(aset, method="bootstrap", n_boot=1)
    with pytest.raises(InvalidParameterError, match="weights="):
        cohen_kappa(aset, weights="cubic")
    with pytest.raises(InvalidParameterError, match="level="):
        krippendorff_alpha(aset, level="circular")
    with pytest.raises(InvalidParameterError, match="not in this set"):
        cohen_kappa(aset, annotators=("a0", "nobody"))
    three = aset_from_matrix(np.array([[0, 1, 1], [1, 1, 0.0]]), 2)
    with pytest.raises(InvalidParameterError, match="annotators=\\(a, b\\)"):
        cohen_kappa(three)
    with pytest.raises(InvalidParameterError, match="AnnotationSet"):
        fleiss_kappa([[1, 2], [3, 4]])


def test_interval_alpha_needs_numeric_categories_and_ratio_non_negative():
    text = load_annotations(_frame([(1, "x", "low"), (1, "y", "high"), (2, "x", "low"), (2, "y", "low")]))
    with pytest.raises(InvalidParameterError, match="numeric categories.*'high'"):
        krippendorff_alpha(text, level="interval")
    negative = load_annotations(_frame([(1, "x", "-1"), (1, "y", "2"), (2, "x", "2"), (2, "y", "2")]))
    with pytest.raises(InvalidParameterError, match="non-negative"):
        krippendorff_alpha(negative, level="ratio")
    assert math.isfinite(krippendorff_alpha(negative, level="interval").value)


def test_weights_and_ordinal_alpha_on_a_set_not_declared_ordinal_warn():
    aset = aset_from_matrix(np.array([[0, 1], [1, 2], [2, 2], [0, 0.0]]), 3)
    with pytest.warns(DataQualityWarning, match="not declared ordinal"):
        cohen_kappa(aset, weights="quadratic")
    with pytest.warns(DataQualityWarning, match="not declared ordinal"):
        krippendorff_alpha(aset, level="ordinal")


def test_single_label_functions_refuse_multilabel_sets_and_vice_versa():
    tags = load_annotations(SAMPLES / "retail" / "tags.csv")
    with pytest.raises(InvalidParameterError, match="kappa_by_tag"):
        fleiss_kappa(tags)
    single = aset_from_matrix(np.array([[0, 1], [1, 1.0]]), 2)
    with pytest.raises(InvalidParameterError, match="multi-label"):
        kappa_by_tag(single)
    with pytest.raises(InvalidParameterError, match="multi-label"):
        krippendorff_alpha_multilabel(single)


def test_repeated_labelling_across_rounds_uses_item_round_units():
    rows = []
    for r, labels in (("1", ["a", "b", "a", "b"]), ("2", ["a", "a", "b", "b"])):
        for i, lab in enumerate(labels):
            rows += [(i, "x", lab, r), (i, "y", lab if i else ("b" if lab == "a" else "a"), r)]
    aset = load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label", "round"]))
    with pytest.warns(DataQualityWarning, match="several rounds"):
        k = cohen_kappa(aset)
    assert k.n_items == 8  # 4 items × 2 rounds, nobody agreeing with themselves
    per_round = agreement_summary(aset).by_round
    assert sorted(per_round["round"].unique()) == ["1", "2"]
