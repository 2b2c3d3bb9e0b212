"""Merge and split simulations against direct recomputation on re-labelled data."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from taxonomy_helpers import SAMPLES, merge_pilot

from analytics import agreement_summary, fleiss_kappa, load_annotations, simulate_merge, simulate_split
from analytics._reshape import item_category_counts
from analytics.taxonomy._whatif import group_codes, paired_change
from analytics._reshape import merge_count_columns
from analytics.agreement._core import count_parts
from analytics.agreement.bootstrap import bootstrap_replicates
from analytics.agreement._core import count_based_from_sums
from analytics.exceptions import InvalidParameterError


@pytest.fixture(scope="module")
def retail():
    return load_annotations(SAMPLES / "retail" / "annotations.csv", gold=SAMPLES / "retail" / "gold.csv")


def test_merge_after_equals_a_direct_computation_on_relabelled_data(retail):
    before = retail.frame.copy()
    sim = simulate_merge(retail, ["Shirt", "Blouse"], into="Top")
    direct = retail.relabel({"Shirt": "Top", "Blouse": "Top"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = agreement_summary(direct, by_round=False).table.set_index("coefficient")
        base = agreement_summary(retail, by_round=False).table.set_index("coefficient")
    delta = sim.delta.set_index("coefficient")
    for name in delta.index:
        assert delta.at[name, "after"] == pytest.approx(table.at[name, "value"], abs=1e-12)
        assert delta.at[name, "before"] == pytest.approx(base.at[name, "value"], abs=1e-12)
        assert delta.at[name, "delta"] == pytest.approx(table.at[name, "value"] - base.at[name, "value"], abs=1e-12)
    assert sim.after.value("fleiss_kappa") == pytest.approx(fleiss_kappa(direct).value, abs=1e-12)
    assert "Top" in sim.after.categories and "Shirt" not in sim.after.categories
    assert sim.n_changed == int(retail.frame["label"].isin(["Shirt", "Blouse"]).sum())
    assert set(sim.annotations.gold.unique()) <= set(sim.after.categories)
    pd.testing.assert_frame_equal(retail.frame, before)  # the input is untouched
    assert sim.after.hotspots.iloc[0][["class_a", "class_b"]].tolist() != ["Shirt", "Blouse"]
    json.dumps(sim.to_dict())


def test_paired_interval_of_the_change_agrees_with_a_bootstrap():
    aset = merge_pilot()
    counts = item_category_counts(aset)
    groups, names = group_codes(aset.categories, {"A": "AB", "B": "AB"})
    merged = merge_count_columns(counts, groups, len(names))
    ch = paired_change(counts, merged)
    eye0, eye1 = np.eye(counts.shape[1]), np.eye(merged.shape[1])
    f0, f1 = count_parts(counts, eye0).features(), count_parts(merged, eye1).features()
    k0 = f0.shape[1]
    stacked = np.hstack([f0.toarray(), f1.toarray()])
    reps = bootstrap_replicates(stacked, lambda s: count_based_from_sums("fleiss", s[:, k0:], eye1)
                                - count_based_from_sums("fleiss", s[:, :k0], eye0), n_boot=2000, seed=1)
    assert ch.delta == pytest.approx(fleiss_kappa(aset.relabel({"A": "AB", "B": "AB"})).value - fleiss_kappa(aset).value)
    assert ch.standard_error == pytest.approx(reps.std(ddof=1), rel=0.15)
    assert ch.significant and ch.ci_low > 0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_split_by_annotation_undoes_a_merge(seed):
    rng = np.random.default_rng(seed)
    n = 30
    truth = rng.integers(0, 3, n)
    labels = np.where(rng.random((n, 3)) < 0.7, truth[:, None], rng.integers(0, 3, (n, 3)))
    frame = pd.DataFrame({"item_id": np.repeat(np.arange(n), 3), "annotator_id": np.tile(["a", "b", "c"], n),
                          "label": np.array(list("xyz"))[labels.ravel()]})
    original = load_annotations(frame)
    merged = original.relabel({"x": "xy", "y": "xy"})
    labels_by_row = original.frame.set_index(["item_id", "annotator_id"])["label"]

    def undo(f: pd.DataFrame):
        return [labels_by_row[(i, a)] for i, a in zip(f["item_id"], f["annotator_id"])]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim = simulate_split(merged, undo, classes=["xy"])
        assert sim.after.value("fleiss_kappa") == pytest.approx(fleiss_kappa(original).value, nan_ok=True)
    assert sim.mapping == {}


def test_split_by_item_relabels_only_the_split_class_and_gold():
    frame = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2, 3, 3, 3], "annotator_id": list("abc") * 3,
                          "label": ["shoe", "shoe", "bag", "shoe", "shoe", "shoe", "bag", "bag", "shoe"]})
    gold = pd.DataFrame({"item_id": [1, 2, 3], "gold_label": ["shoe", "shoe", "bag"]})
    aset = load_annotations(frame, gold=gold)
    sim = simulate_split(aset, {"1": "boot", "2": "sneaker", "3": "boot"}, classes=["shoe"])
    expected = frame.assign(label=["boot", "boot", "bag", "sneaker", "sneaker", "sneaker", "bag", "bag", "boot"])
    assert sim.annotations.frame["label"].tolist() == expected["label"].tolist()
    assert sim.annotations.gold.to_dict() == {"1": "boot", "2": "sneaker", "3": "bag"}
    assert sim.after.categories == ("bag", "boot", "sneaker")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert sim.after.value("fleiss_kappa") == pytest.approx(fleiss_kappa(load_annotations(expected)).value)


def test_bad_arguments(retail):
    with pytest.raises(InvalidParameterError, match="at least two"):
        simulate_merge(retail, ["Shirt"])
    with pytest.raises(InvalidParameterError, match="Jumper"):
        simulate_merge(retail, ["Shirt", "Jumper"])
    with pytest.raises(InvalidParameterError, match="not in the annotations"):
        simulate_split(retail, {"p999": "X"})
    with pytest.raises(InvalidParameterError, match="one new label per row"):
        simulate_split(retail, lambda f: ["X"])
    with pytest.raises(InvalidParameterError, match="target="):
        simulate_merge(retail, ["Shirt", "Blouse"], target=3)
