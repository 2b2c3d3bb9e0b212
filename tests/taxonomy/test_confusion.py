"""The inter-annotator confusion matrix and the confusion hotspots, against independent computations."""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix
from taxonomy_helpers import ALL, FIVE, SAMPLES, THREE, crafted_frame, load, merge_pilot, retrain_pilot

from analytics import (
    confusion_hotspots,
    confusion_matrix_between_annotators,
    fleiss_kappa_by_category,
    krippendorff_alpha,
    load_annotations,
)
from analytics._reshape import (
    co_use_from_counts,
    counts_from_codes,
    item_category_counts,
    pair_gold_from_counts,
    pair_swaps_from_codes,
)
from analytics.exceptions import InvalidParameterError
from tests.conftest import DATASETS, need


@st.composite
def frames(draw, max_items=20, max_annotators=5, max_categories=4):
    n_items = draw(st.integers(2, max_items))
    n_ann = draw(st.integers(2, max_annotators))
    n_cat = draw(st.integers(2, max_categories))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rated = rng.random((n_items, n_ann)) < draw(st.floats(0.4, 1.0))
    rated[:, :2] = True
    truth = rng.integers(0, n_cat, n_items)
    items, anns = np.nonzero(rated)
    labels = np.where(rng.random(len(items)) < 0.6, truth[items], rng.integers(0, n_cat, len(items)))
    return pd.DataFrame({"item_id": [f"i{k}" for k in items], "annotator_id": [f"a{k}" for k in anns],
                         "label": [f"c{k}" for k in labels]})


def brute_coincidence(frame: pd.DataFrame, cats) -> np.ndarray:
    """Every ordered pair of ratings of the same item by different annotators, weighted 1/(m_u − 1)."""
    index = {c: k for k, c in enumerate(cats)}
    o = np.zeros((len(cats), len(cats)))
    for _, g in frame.groupby("item_id"):
        labels = g["label"].tolist()
        m = len(labels)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            o[index[labels[i]], index[labels[j]]] += 1.0 / (m - 1)
    return o


@settings(max_examples=40, deadline=None)
@given(frames())
def test_confusion_matrix_is_every_ordered_pair_of_ratings(frame):
    aset = load(frame)
    cm = confusion_matrix_between_annotators(aset)
    o = brute_coincidence(frame, aset.categories)
    np.testing.assert_allclose(cm.counts.to_numpy(), o, atol=1e-9)
    np.testing.assert_allclose(cm.counts.to_numpy(), cm.counts.to_numpy().T)
    assert cm.n_pairable == pytest.approx(o.sum())
    assert np.nansum(cm.share.to_numpy()) == pytest.approx(1.0)
    rows = cm.row_normalized.to_numpy()
    used = o.sum(axis=1) > 0
    np.testing.assert_allclose(rows[used].sum(axis=1), 1.0)
    assert list(cm.counts.index) == list(aset.categories)


def test_confusion_matrix_equals_summed_sklearn_pair_matrices():
    # five annotators on every item: o = Σ over annotator pairs (T + Tᵀ) / (m − 1), T from sklearn
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, 200)
    labels = np.where(rng.random((200, 5)) < 0.7, truth[:, None], rng.integers(0, 4, (200, 5)))
    frame = pd.DataFrame({"item_id": np.repeat(np.arange(200), 5), "annotator_id": np.tile(np.arange(5), 200),
                          "label": labels.ravel().astype(str)})
    cats = [str(c) for c in range(4)]
    expected = sum(confusion_matrix(labels[:, a], labels[:, b], labels=range(4))
                   for a, b in itertools.permutations(range(5), 2)) / 4.0
    cm = confusion_matrix_between_annotators(load(frame, categories=cats))
    np.testing.assert_allclose(cm.counts.to_numpy(), expected)
    assert cm.expected.to_numpy()[0, 1] == pytest.approx(cm.counts.to_numpy().sum(axis=1)[0] *
                                                         cm.counts.to_numpy().sum(axis=1)[1] / (1000 - 1))


@settings(max_examples=30, deadline=None)
@given(frames(max_categories=5))
def test_score_is_the_exact_change_of_alpha_when_the_pair_is_merged(frame):
    aset = load(frame)
    hot = confusion_hotspots(aset, top=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = krippendorff_alpha(aset).value
        for _, row in hot.head(3).iterrows():
            merged = aset.relabel({row["class_a"]: "M", row["class_b"]: "M"})
            after = krippendorff_alpha(merged).value
            if np.isfinite(after) and np.isfinite(before):
                assert row["score"] == pytest.approx(after - before, abs=1e-9)


def test_score_matches_the_krippendorff_package_on_merged_labels():
    kd = pytest.importorskip("krippendorff")
    aset = load_annotations(SAMPLES / "retail" / "annotations.csv")
    top = confusion_hotspots(aset, top=1).iloc[0]
    wide = aset.frame.pivot(index="annotator_id", columns="item_id", values="label")
    codes = {c: k for k, c in enumerate(aset.categories)}
    merged = wide.replace({top["class_b"]: top["class_a"]})
    a0 = kd.alpha(reliability_data=wide.replace(codes).to_numpy(dtype=float), level_of_measurement="nominal")
    a1 = kd.alpha(reliability_data=merged.replace(codes).to_numpy(dtype=float), level_of_measurement="nominal")
    assert top["score"] == pytest.approx(a1 - a0, abs=1e-9)


def test_all_annotators_confuse_the_top_pair_with_even_shares():
    hot = confusion_hotspots(merge_pilot(), top=3)
    top = hot.iloc[0]
    assert {top["class_a"], top["class_b"]} == {"A", "B"}
    assert top["n_annotators"] == 3 and top["top_annotator_share"] < 0.5
    assert sum(top["annotator_shares"].values()) == pytest.approx(1.0)
    assert top["ratio"] > 1 and top["lift"] > 1 and top["score"] > 0
    kappas = fleiss_kappa_by_category(merge_pilot()).set_index("category")["kappa"]
    assert (top["kappa_a"], top["kappa_b"]) == pytest.approx((kappas[top["class_a"]], kappas[top["class_b"]]), abs=1e-12)
    assert (hot["score"].iloc[1:] < top["score"]).all()


def test_one_annotator_confusing_a_pair_owns_its_swaps():
    hot = confusion_hotspots(retrain_pilot(), top=5).set_index(["class_a", "class_b"])
    row = hot.loc[("C", "D")]
    assert row["top_annotator"] == "a3" and row["top_annotator_share"] == 1.0
    assert hot.loc[("A", "B"), "top_annotator_share"] < 0.5


@settings(max_examples=25, deadline=None)
@given(frames())
def test_swap_kernel_against_a_direct_count(frame):
    aset = load(frame)
    counts = item_category_counts(aset)
    pairs = np.array([[a, a + 1] for a in range(aset.n_categories - 1)], dtype=np.int64).reshape(-1, 2)
    swaps, trials = pair_swaps_from_codes(aset.item_codes, aset.annotator_codes, aset.label_codes, counts, pairs,
                                          aset.n_annotators)
    for p, (a, b) in enumerate(pairs):
        exp_s = np.zeros(aset.n_annotators, dtype=int)
        exp_t = np.zeros(aset.n_annotators, dtype=int)
        for k in range(aset.n_annotations):
            lab = aset.label_codes[k]
            if lab not in (a, b):
                continue
            others = aset.label_codes[(aset.item_codes == aset.item_codes[k]) & (np.arange(aset.n_annotations) != k)]
            mine, theirs = (others == lab).sum(), (others == (b if lab == a else a)).sum()
            exp_t[aset.annotator_codes[k]] += (mine + theirs) > 0
            exp_s[aset.annotator_codes[k]] += theirs > mine
        np.testing.assert_array_equal(swaps[p], exp_s)
        np.testing.assert_array_equal(trials[p], exp_t)


def test_pair_kernels_add_up_over_partitions_of_items():
    aset = retrain_pilot()
    counts = item_category_counts(aset)
    pairs = np.array([[0, 1], [2, 3]])
    gold = np.where(np.arange(aset.n_items) % 3 == 0, aset.label_codes[:aset.n_items] % 5, -1)
    whole = (co_use_from_counts(counts), *pair_swaps_from_codes(aset.item_codes, aset.annotator_codes,
                                                                aset.label_codes, counts, pairs, 3),
             pair_gold_from_counts(counts, gold, pairs))
    parts = [np.zeros_like(w) for w in whole]
    for half in (aset.item_codes < 100, aset.item_codes >= 100):
        items = np.unique(aset.item_codes[half])
        remap = np.full(aset.n_items, -1)
        remap[items] = np.arange(len(items))
        sub = counts_from_codes(remap[aset.item_codes[half]], aset.label_codes[half], len(items), 5)
        parts[0] += co_use_from_counts(sub)
        s, t = pair_swaps_from_codes(remap[aset.item_codes[half]], aset.annotator_codes[half], aset.label_codes[half],
                                     sub, pairs, 3)
        parts[1] += s
        parts[2] += t
        parts[3] += pair_gold_from_counts(sub, gold[items], pairs)
    for w, p in zip(whole, parts):
        np.testing.assert_array_equal(w, p)


def test_disputed_items_examples_and_label_permutation():
    aset = merge_pilot()
    hot = confusion_hotspots(aset, top=1).iloc[0]
    counts = item_category_counts(aset)
    a, b = aset.categories.index("A"), aset.categories.index("B")
    disputed = set(aset.item_ids[(counts[:, a] > 0) & (counts[:, b] > 0)])
    assert hot["n_items"] == len(disputed)
    assert set(hot["example_items"]) <= disputed and len(hot["example_items"]) == 5
    renamed = aset.frame.assign(label=aset.frame["label"].map({"A": "z", "B": "y", "C": "x", "D": "w", "E": "v"}))
    hot2 = confusion_hotspots(load(renamed), top=1).iloc[0]
    assert {hot2["class_a"], hot2["class_b"]} == {"z", "y"}
    for column in ("n_disagreements", "n_items", "ratio", "lift", "score"):
        assert hot2[column] == pytest.approx(hot[column])


def test_gold_verdicts():
    frame, truth = crafted_frame(FIVE, 40, THREE, {(ALL, "A", "B"): 0.35, (ALL, "B", "A"): 0.35,
                                                   (ALL, "C", "D"): 0.3})
    gold = pd.DataFrame({"item_id": truth.index, "gold_label": truth.to_numpy()})
    hot = confusion_hotspots(load(frame, gold=gold), top=None).set_index(["class_a", "class_b"])
    ab, cd = hot.loc[("A", "B")], hot.loc[("C", "D")]
    # C is only ever mislabelled D: gold names C on every disputed item, the classes can be told apart
    assert cd["gold_verdict"] == "distinguishes" and cd["gold_a"] == cd["n_gold_items"] and cd["gold_b"] == 0
    # A/B swapped 35 % both ways by three raters: gold lands on both sides and sides with the majority on 40 of 56
    # (71 %): not distinguishable, yet not significantly below 80 % either (exact binomial p = 0.08)
    assert ab["gold_verdict"] == "inconclusive" and ab["gold_a"] > 0 and ab["gold_b"] > 0
    assert ab["gold_with_majority"] == 40 and "p = 0.079" in ab["gold_note"]
    assert ab["diagnosis"] == "class_overlap" and "gold" in ab["diagnosis_note"]
    no_gold = confusion_hotspots(load(frame), top=1).iloc[0]
    assert no_gold["gold_verdict"] == "no_gold"


def test_disagreement_counts_are_integers_and_the_weighted_value_is_kept():
    frame, _ = crafted_frame(FIVE, 30, ["a1", "a2", "a3", "a4"], {(ALL, "A", "B"): 0.3, ("a1", "C", "E"): 0.5})
    aset = load(frame)
    hot = confusion_hotspots(aset, top=None)
    assert hot["n_disagreements"].dtype.kind == "i"
    cats = list(aset.categories)
    o = brute_coincidence(frame, cats)
    for row in hot.itertuples():
        a, b = cats.index(row.class_a), cats.index(row.class_b)
        pairs = sum(int((g["label"] == row.class_a).sum()) * int((g["label"] == row.class_b).sum())
                    for _, g in frame.groupby("item_id"))
        assert row.n_disagreements == pairs  # pairs of ratings of the same item, one a and one b
        assert row.weighted_disagreements == pytest.approx(o[a, b] + o[b, a])


def test_anonymous_annotators_and_images():
    counts = pd.DataFrame({"item": ["x", "y", "z"], "cat": [3, 1, 0], "dog": [1, 3, 4]})
    hot = confusion_hotspots(load_annotations(counts, format="counts", item="item"))
    assert hot.iloc[0]["top_annotator"] is None and hot.iloc[0]["annotator_shares"] == {}
    digits = load_annotations(SAMPLES / "digits" / "annotations.csv")
    row = confusion_hotspots(digits, top=1).iloc[0]
    assert [p.endswith(f"{i}.png") for i, p in zip(row["example_items"], row["example_images"])] == [True] * 5
    json.dumps(confusion_matrix_between_annotators(digits).to_dict())


def test_bad_options():
    aset = merge_pilot()
    with pytest.raises(InvalidParameterError, match="top="):
        confusion_hotspots(aset, top=-1)
    with pytest.raises(InvalidParameterError, match="gold_majority"):
        confusion_hotspots(aset, gold_majority=0.4)


#: Pairs a person expects CIFAR-10 annotators to confuse (similar shape, background or texture).
EXPECTED_CIFAR = {frozenset(p) for p in [("cat", "dog"), ("automobile", "truck"), ("airplane", "ship"),
                                         ("deer", "horse"), ("bird", "airplane"), ("bird", "frog"), ("cat", "frog"),
                                         ("bird", "cat"), ("deer", "dog"), ("bird", "deer"), ("dog", "horse"),
                                         ("ship", "truck"), ("cat", "deer")]}


def test_cifar10h_hotspots_are_the_expected_pairs():
    folder = need(DATASETS / "cifar10h")
    aset = load_annotations(folder / "human_counts.csv", gold=folder / "truth.csv")
    hot = confusion_hotspots(aset, top=10)
    pairs = [frozenset(p) for p in zip(hot["class_a"], hot["class_b"])]
    assert pairs[0] == frozenset(("cat", "dog"))
    assert set(pairs[:4]) == {frozenset(p) for p in [("cat", "dog"), ("automobile", "truck"), ("deer", "horse"),
                                                     ("airplane", "ship")]}
    assert all(p in EXPECTED_CIFAR for p in pairs[:6])
    assert (hot["lift"].head(4) > 3).all()
