"""The designed behaviours of the bundled digits pilot surface (see sample_data/README.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analytics import (
    DataQualityWarning,
    accuracy_over_time,
    annotator_bias,
    dawid_skene,
    gold_accuracy_by_annotator,
    gold_confusion_by_annotator,
    gold_coverage,
    load_annotations,
    majority_vote,
    review_summary,
    route_for_review,
    speed_vs_accuracy,
)
from tests.conftest import SAMPLES

DIGITS = SAMPLES / "digits"
PARTNERS = [("3", "8"), ("8", "3"), ("4", "9"), ("9", "4")]


@pytest.fixture(scope="module")
def digits():
    return load_annotations(DIGITS / "annotations.csv", gold=DIGITS / "gold.csv")


@pytest.fixture(scope="module")
def truth():
    t = pd.read_csv(DIGITS / "truth.csv", dtype=str).set_index("item_id")
    return t["true_label"].where(t["illegible"] != "true", "Unknown")


def test_gold_audit_flags_the_careless_annotator(digits):
    res = gold_accuracy_by_annotator(digits, target=0.9)
    t = res.table.set_index("annotator_id")
    assert res.flagged == ["ann_fast"]
    assert (t["n_gold"] == 60).all() and (t["evidence"] == "enough").all()
    assert t["accuracy"].idxmax() == "ann_expert"
    # the confuser's recall on 3/4/8/9 is below its recall on the other digits
    recall = res.per_class_recall.loc["ann_confuser"]
    assert recall[["3", "4", "8", "9"]].mean() < recall[["0", "1", "2", "5", "6", "7"]].mean()


def test_confuser_confusions_show_in_gold_and_dawid_skene(digits):
    table = gold_confusion_by_annotator(digits).table
    top = table[table["annotator_id"] == "ann_confuser"].head(3)
    assert set(zip(top["gold_label"], top["label"])) <= set(PARTNERS)
    res = dawid_skene(digits)
    rates = {a: np.mean([res.confusion_frame(a).loc[t, g] for t, g in PARTNERS]) for a in res.annotator_accuracy.index}
    assert max(rates, key=rates.get) == "ann_confuser" and rates["ann_confuser"] > 0.15


def test_consensus_accuracy_against_truth(digits, truth):
    ds = (dawid_skene(digits).labels.reindex(truth.index) == truth).mean()
    mv = (majority_vote(digits, tie="random", seed=0).labels.reindex(truth.index) == truth).mean()
    assert ds >= mv and ds > 0.97
    est = dawid_skene(digits).annotator_accuracy
    assert est.idxmax() == "ann_expert" and est.idxmin() == "ann_fast"


def test_drift_and_speed_surface(digits):
    drift = accuracy_over_time(digits)
    assert drift.drifting == ["ann_drift"]
    row = drift.tests.set_index("annotator_id").loc["ann_drift"]
    assert row["accuracy_first_half"] - row["accuracy_second_half"] > 0.05
    speed = speed_vs_accuracy(digits)
    assert speed.flagged == ["ann_fast"]
    assert speed.table.set_index("annotator_id")["median_duration_s"].idxmin() == "ann_fast"


def test_coverage_routing_and_bias(digits):
    with pytest.warns(DataQualityWarning, match="Unknown"):
        cov = gold_coverage(digits)
    assert cov.classes_without_gold == ("Unknown",)
    top_pairs = set(map(frozenset, cov.by_pair[["class_a", "class_b"]].head(2).itertuples(index=False)))
    assert top_pairs == {frozenset({"3", "8"}), frozenset({"4", "9"})}
    summary = review_summary(route_for_review(digits)).set_index("decision")["n_items"]
    assert summary.sum() == 500 and summary["needs_overlap"] == 0 and summary["adjudicate"] > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bias = annotator_bias(digits)
    assert set(bias.top["annotator_id"]) == set(digits.annotator_ids)
