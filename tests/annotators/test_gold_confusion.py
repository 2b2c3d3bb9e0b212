"""Per-annotator confusion against gold (oracle: scikit-learn) and systematic biases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from sklearn.metrics import confusion_matrix

from analytics import annotator_bias, gold_confusion_by_annotator
from quality_helpers import annotation_frames, load


@pytest.mark.filterwarnings("ignore:A single label was found")
@settings(max_examples=20, deadline=None)
@given(annotation_frames(gold=True))
def test_confusion_matches_sklearn(data):
    frame, gold = data
    aset = load(frame, gold)
    res = gold_confusion_by_annotator(aset)
    merged = frame.merge(gold, on="item_id")
    cats = list(aset.categories)
    for annotator in res.annotator_ids:
        part = merged[merged["annotator_id"] == annotator]
        expected = confusion_matrix(part["gold_label"], part["label"], labels=cats) if len(part) else 0
        np.testing.assert_array_equal(res.frame(annotator).to_numpy(), expected)
        rows = res.frame(annotator).sum(axis=1).to_numpy()
        norm = res.frame(annotator, normalized=True).to_numpy()
        np.testing.assert_allclose(norm[rows > 0].sum(axis=1), 1.0)
        assert np.isnan(norm[rows == 0]).all()
    assert res.table["count"].sum() == len(merged)


def test_table_lists_errors_first():
    frame = pd.DataFrame({"item_id": [1, 2, 3, 1, 2, 3], "annotator_id": list("aaabbb"), "label": list("xxyxyy")})
    gold = pd.DataFrame({"item_id": [1, 2, 3], "gold_label": list("xyy")})
    table = gold_confusion_by_annotator(load(frame, gold)).table
    first = table.iloc[0]
    assert (first["annotator_id"], first["gold_label"], first["label"], first["count"]) == ("a", "y", "x", 1)
    assert first["rate"] == pytest.approx(0.5)


def _biased_pilot() -> tuple[pd.DataFrame, pd.DataFrame]:
    """40 gold items (20 cat, 20 dog); 'b' calls 12 of the 20 dogs 'cat' and never the reverse."""
    rows, gold = [], []
    for k in range(40):
        truth = "cat" if k < 20 else "dog"
        gold.append((k, truth))
        for annotator in "acd":
            rows.append((k, annotator, truth))
        rows.append((k, "b", "cat" if truth == "cat" or k < 32 else "dog"))
    return (pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]),
            pd.DataFrame(gold, columns=["item_id", "gold_label"]))


def test_bias_against_gold_is_detected_and_tested():
    frame, gold = _biased_pilot()
    bias = annotator_bias(load(frame, gold))
    row = bias.table.set_index(["annotator_id", "category"]).loc[("b", "cat")]
    assert (row["false_positives"], row["false_negatives"]) == (12, 0)
    assert row["overuse_vs_gold"] == pytest.approx(12 / 40)
    assert row["p_value"] == pytest.approx(2 * 0.5**12)  # exact McNemar, two-sided
    assert row["systematic"]
    top = bias.top.set_index("annotator_id")
    assert top.loc["b", "overused_vs_gold"] == "cat" and top.loc["b", "systematic"]
    assert not top.drop(index="b")["systematic"].any()
    assert top.loc["b", "overused_vs_others"] == "cat"


def test_bias_against_others_without_gold():
    frame, _ = _biased_pilot()
    bias = annotator_bias(load(frame))
    table = bias.table.set_index(["annotator_id", "category"])
    # b labels 32 cats on 40 items; the others (all correct) put 20 of them in cat.
    assert table.loc[("b", "cat"), "used"] == 32
    assert table.loc[("b", "cat"), "expected_from_others"] == pytest.approx(20)
    assert table.loc[("b", "cat"), "overuse_vs_others"] == pytest.approx(12 / 40)
    assert bias.table["p_value"].isna().all() and not bias.table["systematic"].any()
    # the expected shares of one annotator sum to the number of compared annotations
    sums = bias.table.groupby("annotator_id")[["expected_from_others", "used"]].sum()
    np.testing.assert_allclose(sums["expected_from_others"], sums["used"])
