"""Taxonomy levels: probabilities summed up to parent classes, agreement per level, placement of unsure items."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import load_annotations, load_taxonomy, model_vs_human, model_vs_human_arrays
from tests.conftest import SAMPLES
from mvh_reference import reference

pytest.importorskip("torch")

RETAIL = SAMPLES / "retail"
TAXONOMY = load_taxonomy(RETAIL / "taxonomy.yaml")
LEAVES = ("Shirt", "Blouse", "T-shirt", "Jeans", "Trousers", "Skirt", "Sneakers", "Boots", "Sandals", "Backpack",
          "Handbag", "Tote", "Other")


def rollup_matrix(level: int) -> tuple[np.ndarray, list[str]]:
    """Leaf × parent indicator matrix, written out from the taxonomy's parent links (not from rollup())."""
    def ancestor(name: str) -> str:
        chain = [name]
        while TAXONOMY.parent_of(chain[-1]) is not None:
            chain.append(TAXONOMY.parent_of(chain[-1]))
        chain.reverse()
        return chain[min(level, len(chain)) - 1]

    parents = [ancestor(c) for c in LEAVES]
    names = [n for n in TAXONOMY.names if n in set(parents)]
    r = np.zeros((len(LEAVES), len(names)))
    r[np.arange(len(LEAVES)), [names.index(p) for p in parents]] = 1.0
    return r, names


def run(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model_vs_human_arrays(*args, categories=LEAVES, taxonomy=TAXONOMY, device="cpu", **kwargs)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), threshold=st.sampled_from([0.5, 0.7, 0.9]),
       batch_size=st.sampled_from([None, 1, 4]))
def test_levels_equal_reference_on_rolled_up_arrays(seed, n, threshold, batch_size):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(len(LEAVES), 0.3), size=n)
    counts = rng.integers(0, 3, size=(n, len(LEAVES))) * (rng.random((n, len(LEAVES))) < 0.3)
    gold = np.where(rng.random(n) < 0.5, rng.integers(0, len(LEAVES), n), -1)
    res = run(probs, counts, gold_codes=gold, threshold=threshold, batch_size=batch_size, max_listed=None)
    by_level = res.by_level.set_index("level")
    assert by_level.index.tolist() == [1, 2, 3]
    leaf = reference(probs, counts, gold=gold, threshold=threshold)
    conf = {3: leaf["conf"]}
    for level in (1, 2):
        r, names = rollup_matrix(level)
        g = np.where(gold >= 0, np.argmax(r[np.maximum(gold, 0)], axis=1), -1)
        ref = reference(probs @ r, counts @ r, gold=g, threshold=threshold)
        row = by_level.loc[level]
        assert row["n_classes"] == len(names) and row["n_items"] == (ref["cons"] >= 0).sum()
        np.testing.assert_allclose(row["accuracy_vs_consensus"], ref["accuracy"], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(row["kappa"], ref["kappa"], rtol=1e-10, atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(row["accuracy_vs_gold"], ref["gold_accuracy"], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(row["low_confidence_share"], ref["low_share"], rtol=1e-12)
        conf[level] = ref["conf"]
    np.testing.assert_allclose(by_level.loc[3, "accuracy_vs_consensus"], leaf["accuracy"], rtol=1e-12, equal_nan=True)
    deepest = np.select([conf[3] >= threshold, conf[2] >= threshold, conf[1] >= threshold], [3, 2, 1], 0)
    expected = [int(np.sum(deepest == lv)) for lv in (1, 2, 3)]
    assert by_level["n_deepest_confident"].tolist() == expected


def test_unsure_leaf_confident_parent_is_placed():
    """The model cannot tell Jeans from Trousers but is sure it is Bottoms (and Shirt/Blouse: Tops)."""
    annotations = pd.read_csv(RETAIL / "annotations.csv")
    truth = pd.read_csv(RETAIL / "truth.csv").set_index("item_id")["true_label"]
    leaf = {c: k for k, c in enumerate(LEAVES)}
    probs = np.full((len(truth), len(LEAVES)), 0.0)
    for i, label in enumerate(truth):
        if label in ("Jeans", "Trousers", "Skirt"):
            probs[i, [leaf["Jeans"], leaf["Trousers"], leaf["Skirt"]]] = [0.4, 0.4, 0.1]
        elif label in ("Shirt", "Blouse"):
            probs[i, [leaf["Shirt"], leaf["Blouse"], leaf["T-shirt"]]] = [0.4, 0.35, 0.05]
        else:
            probs[i, leaf[label]] = 0.8
        probs[i] += (1.0 - probs[i].sum()) / len(LEAVES)
    preds = pd.DataFrame(probs, columns=LEAVES)
    preds.insert(0, "item_id", truth.index.astype(str))
    aset = load_annotations(annotations, taxonomy=TAXONOMY, predictions=preds, gold=RETAIL / "gold.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model_vs_human(aset, device="cpu")
    low = res.low_confidence_items.set_index("item_id")
    bottoms = truth.index[truth.isin(["Jeans", "Trousers", "Skirt"])].astype(str)
    tops = truth.index[truth.isin(["Shirt", "Blouse"])].astype(str)
    assert set(low.index) == set(bottoms) | set(tops)
    assert (low.loc[bottoms, "placed_class"] == "Bottoms").all() and (low.loc[bottoms, "placed_level"] == 2).all()
    assert (low.loc[tops, "placed_class"] == "Tops").all()
    assert low.loc[bottoms, "placed_confidence"].to_numpy() == pytest.approx(0.9 + 3 * 0.1 / 13)
    by_level = res.by_level.set_index("level")
    assert by_level.loc[3, "n_deepest_confident"] == len(truth) - len(bottoms) - len(tops)
    assert by_level.loc[2, "n_deepest_confident"] == len(bottoms) + len(tops)
    assert by_level.loc[2, "low_confidence_share"] == 0.0 < by_level.loc[3, "low_confidence_share"]
    # people agree better on the parents too (the sample's designed Bottoms finding), and so does the model
    assert by_level.loc[1, "accuracy_vs_consensus"] >= by_level.loc[2, "accuracy_vs_consensus"] \
        > by_level.loc[3, "accuracy_vs_consensus"]
