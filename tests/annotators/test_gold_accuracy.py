"""Golden-set audit: accuracy with Wilson intervals, binomial test with Holm, evidence, coverage."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests as _multipletests
from statsmodels.stats.proportion import proportion_confint

from analytics import (
    AnnotationSchemaError,
    DataQualityWarning,
    InvalidParameterError,
    gold_accuracy_by_annotator,
    gold_coverage,
    load_annotations,
)
from analytics.annotators.gold import wilson_n_needed
from quality_helpers import annotation_frames, load


def _direct(frame: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Per-annotator n_gold / n_correct straight from the tables."""
    merged = frame.merge(gold, on="item_id", how="inner")
    merged["ok"] = merged["label"] == merged["gold_label"]
    return merged.groupby("annotator_id")["ok"].agg(n_gold="size", n_correct="sum")


def multipletests(*args, **kwargs):
    """statsmodels' ``multipletests`` (the oracle). Its Holm branch calls ``gc.collect()`` on every call, which in a
    full test session's heap costs about a second (over 200 hypothesis examples: minutes of CI time); with the
    collection patched out it returns the same numbers."""
    with mock.patch("gc.collect"):
        return _multipletests(*args, **kwargs)


@settings(max_examples=20, deadline=None)
@given(annotation_frames(gold=True))
def test_counts_intervals_tests_match_direct_computation(data):
    frame, gold = data
    res = gold_accuracy_by_annotator(load(frame, gold), target=0.8, confidence_level=0.9)
    table = res.table.set_index("annotator_id")
    direct = _direct(frame, gold).reindex(table.index, fill_value=0)
    np.testing.assert_array_equal(table["n_gold"], direct["n_gold"])
    np.testing.assert_array_equal(table["n_correct"], direct["n_correct"])
    has = direct["n_gold"] > 0
    low, high = proportion_confint(direct["n_correct"][has], direct["n_gold"][has], alpha=0.1, method="wilson")
    np.testing.assert_allclose(table["ci_low"][has], low, atol=1e-12)
    np.testing.assert_allclose(table["ci_high"][has], high, atol=1e-12)
    assert table.loc[~has, ["accuracy", "ci_low", "ci_high", "p_value"]].isna().all().all()
    p = [stats.binomtest(int(x), int(n), 0.8, alternative="less").pvalue
         for x, n in zip(direct["n_correct"][has], direct["n_gold"][has])]
    np.testing.assert_allclose(table["p_value"][has], p, rtol=1e-12)
    reject, adjusted, _, _ = multipletests(p, alpha=0.1, method="holm")
    np.testing.assert_allclose(table["p_adjusted"][has], adjusted, rtol=1e-12)
    np.testing.assert_array_equal(table["flagged"][has], reject)
    assert not table.loc[~has, "flagged"].any()


@settings(max_examples=10, deadline=None)
@given(annotation_frames(gold=True))
def test_items_without_gold_never_count(data):
    frame, gold = data
    extra = pd.DataFrame({"item_id": [f"x{k}" for k in range(30)], "annotator_id": frame["annotator_id"].iloc[0],
                          "label": frame["label"].iloc[0]})
    before = gold_accuracy_by_annotator(load(frame, gold)).table
    after = gold_accuracy_by_annotator(load(pd.concat([frame, extra]), gold)).table
    pd.testing.assert_frame_equal(before, after)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.8, 0.9, 0.97, 1.0])
@pytest.mark.parametrize("width", [0.05, 0.1, 0.2, 0.3])
def test_n_gold_needed_is_the_smallest_n_reaching_the_width(p, width):
    n = int(wilson_n_needed(p, width, 0.95))
    low, high = proportion_confint(p * n, n, alpha=0.05, method="wilson")
    assert high - low <= width + 1e-12
    if n > 1:
        low, high = proportion_confint(p * (n - 1), n - 1, alpha=0.05, method="wilson")
        assert high - low > width


def test_evidence_and_flags():
    # a: 50 gold items all right; b: 50 gold items, 30 right; c: 3 gold items.
    rows, gold = [], []
    for k in range(50):
        gold.append((f"g{k}", "x"))
        rows += [(f"g{k}", "a", "x"), (f"g{k}", "b", "x" if k < 30 else "y")]
        if k < 3:
            rows.append((f"g{k}", "c", "x"))
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    res = gold_accuracy_by_annotator(load(frame, pd.DataFrame(gold, columns=["item_id", "gold_label"])),
                                     target=0.9, min_gold=10, ci_width=0.3)
    t = res.table.set_index("annotator_id")
    assert res.flagged == ["b"]
    assert t.loc["a", "evidence"] == "enough" and t.loc["b", "evidence"] == "enough"
    assert t.loc["c", "evidence"] == "not enough evidence"
    assert t.loc["c", "n_gold_needed"] >= 10
    assert res.per_class_recall.loc["b", "x"] == pytest.approx(0.6)
    assert np.isnan(res.per_class_recall.loc["a", "y"])


def test_per_class_recall_matches_direct():
    frame = pd.DataFrame({"item_id": [1, 2, 3, 4, 1, 2, 3, 4], "annotator_id": list("aaaabbbb"),
                          "label": list("xyyyxxyx")})
    gold = pd.DataFrame({"item_id": [1, 2, 3, 4], "gold_label": list("xyyx")})
    recall = gold_accuracy_by_annotator(load(frame, gold), min_gold=1).per_class_recall
    assert recall.loc["a"].tolist() == [0.5, 1.0]
    assert recall.loc["b"].tolist() == [1.0, 0.5]


def test_no_gold_anonymous_and_bad_options_raise():
    frame = pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": ["x", "y"]})
    with pytest.raises(AnnotationSchemaError, match="gold"):
        gold_accuracy_by_annotator(load(frame))
    counts = load_annotations(pd.DataFrame({"item": [1, 2], "x": [2, 1], "y": [0, 1]}), format="counts",
                              gold=pd.DataFrame({"item_id": ["1"], "gold_label": ["x"]}))
    with pytest.raises(AnnotationSchemaError, match="anonymous"):
        gold_accuracy_by_annotator(counts)
    with pytest.raises(InvalidParameterError):
        gold_accuracy_by_annotator(load(frame), target=1.0)


def test_gold_coverage_counts_pairs_and_warning():
    frame = pd.DataFrame({
        "item_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
        "annotator_id": list("ababababab"),
        "label": ["cat", "dog", "cat", "dog", "cat", "dog", "fox", "fox", "cat", "fox"],
    })
    gold = pd.DataFrame({"item_id": [1, 4], "gold_label": ["cat", "fox"]})
    with pytest.warns(DataQualityWarning, match="dog"):
        cov = gold_coverage(load(frame, gold))
    assert cov.classes_without_gold == ("dog",)
    assert cov.by_class.set_index("category")["n_gold"].to_dict() == {"cat": 1, "dog": 0, "fox": 1}
    top = cov.by_pair.iloc[0]
    assert {top["class_a"], top["class_b"]} == {"cat", "dog"}
    assert top["disagreements"] == 6  # three items split cat/dog: o_cd + o_dc = 3 × 2
    assert top["n_gold_pair"] == 1 and top["gold_confusions"] == 1
    assert cov.n_gold_items == 2
    assert cov.unused_classes_without_gold == ()


def test_gold_coverage_warns_for_declared_classes_nobody_used():
    """Issue 5: warn where a class has no gold at all — a declared class nobody used counts too."""
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator_id": list("ababab"),
                          "label": ["cat", "dog", "cat", "cat", "fox", "fox"]})
    gold = pd.DataFrame({"item_id": [1, 3], "gold_label": ["cat", "fox"]})
    with pytest.warns(DataQualityWarning, match="eel") as record:
        cov = gold_coverage(load(frame, gold, categories=["cat", "dog", "eel", "fox"]))
    message = str(record[0].message)
    assert "dog" in message and "not used by any annotator" in message
    assert cov.classes_without_gold == ("dog", "eel")
    assert cov.unused_classes_without_gold == ("eel",)
    by_class = cov.by_class.set_index("category")
    assert by_class.loc["eel", "n_gold"] == 0 and by_class.loc["eel", "n_annotations"] == 0
    # full gold on the used classes: the unused declared class alone still triggers the warning
    gold_all = pd.DataFrame({"item_id": [1, 2, 3], "gold_label": ["cat", "dog", "fox"]})
    with pytest.warns(DataQualityWarning, match="eel"):
        cov = gold_coverage(load(frame, gold_all, categories=["cat", "dog", "eel", "fox"]))
    assert cov.classes_without_gold == cov.unused_classes_without_gold == ("eel",)


def test_gold_coverage_without_any_gold_warns_for_every_used_class():
    frame = pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": ["x", "y"]})
    with pytest.warns(DataQualityWarning):
        cov = gold_coverage(load(frame))
    assert cov.classes_without_gold == ("x", "y") and cov.n_gold_items == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.05, 1.0, float("nan")])), max_size=40),
       st.sampled_from([0.01, 0.05, 0.1, 0.2]))
def test_holm_equals_statsmodels(p_values, alpha):
    """Our Holm step-down (no gc.collect per call) gives statsmodels' adjusted p-values and rejections."""
    from analytics.annotators.gold import holm

    p = np.asarray(p_values, dtype=float)
    adjusted, reject = holm(p, alpha)
    ok = np.isfinite(p)
    assert np.isnan(adjusted[~ok]).all() and not reject[~ok].any()
    if ok.any():
        expected_reject, expected, _, _ = multipletests(p[ok], alpha=alpha, method="holm")
        np.testing.assert_allclose(adjusted[ok], expected, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(reject[ok], expected_reject)
