"""Trends across deliveries equal the library's own analyses of each delivery and of rounds (peer: compare_rounds,
unknown_share), and flag what the data show: a fallen annotator, a growing Unknown share."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import analytics as aqa
from analytics.workspace import open_workspace


@pytest.fixture(scope="module")
def digits_history(tmp_path_factory, digits_rounds):
    path = tmp_path_factory.mktemp("hist") / "digits.aqa"
    with open_workspace(path, create=True) as ws:
        ws.add(digits_rounds[0], name="r1")
        ws.add(digits_rounds[1], name="r2")
        yield ws.history(), ws


def test_agreement_trend_equals_compare_rounds(digits_history):
    history, _ = digits_history
    digits = aqa.load_annotations("sample_data/digits/annotations.csv", gold="sample_data/digits/gold.csv")
    cmp = aqa.compare_rounds(digits)
    ours = {r["coefficient"]: r for r in history.agreement if r["delivery"] == "r2"}
    for row in cmp.coefficients.itertuples(index=False):
        mine = ours[row.coefficient]
        assert mine["value"] == pytest.approx(row.after, abs=1e-12)
        assert mine["change"] == pytest.approx(row.difference, abs=1e-12)
        assert (mine["change_ci_low"], mine["change_ci_high"]) == pytest.approx((row.ci_low, row.ci_high), abs=1e-12)
        assert (mine["status"] in ("drop", "rise")) == bool(row.p_value < 0.1)  # one-sided at 5% = two-sided at 10%
    first = [r for r in history.agreement if r["delivery"] == "r1"]
    assert all(r["status"] == "first" and r["previous"] is None for r in first)
    per = {r["category"]: r for r in history.per_class if r["delivery"] == "r2"}
    for row in cmp.by_category.itertuples(index=False):
        if np.isfinite(row.difference):
            assert per[row.category]["change"] == pytest.approx(row.difference, abs=1e-12)
            assert per[row.category]["change_ci_low"] == pytest.approx(row.ci_low, abs=1e-12)
    statuses = {(r["class_a"], r["class_b"]): r["status"] for r in history.hotspots}
    assert statuses == {(a, b): s for a, b, s in zip(cmp.hotspots["class_a"], cmp.hotspots["class_b"],
                                                     cmp.hotspots["status"])}


def test_unknown_trend_equals_unknown_share_by_round(digits_history):
    history, _ = digits_history
    digits = aqa.load_annotations("sample_data/digits/annotations.csv")
    for points in (1.0, 5.0):
        by_round = aqa.unknown_share(digits, alarm_points=points).by_round
        ours = open_history(digits_history, alarm_points=points).unknown
        for mine, (_, ref) in zip(ours, by_round.iterrows()):
            assert mine["share"] == pytest.approx(ref["share"])
            assert (mine["ci_low"], mine["ci_high"]) == pytest.approx((ref["ci_low"], ref["ci_high"]))
            assert mine["status"] == ref["status"]
            if np.isfinite(ref["p_value"]):
                assert mine["p_value"] == pytest.approx(ref["p_value"], rel=1e-9)
                assert mine["change_points"] == pytest.approx(ref["change_points"])
    assert [r["status"] for r in open_history(digits_history, alarm_points=1.0).unknown] == ["first", "alarm"]


def open_history(digits_history, **options):
    return digits_history[1].history(**options)


def test_per_delivery_numbers_equal_the_analyses(digits_history, digits_rounds):
    history, _ = digits_history
    for name, aset in zip(("r1", "r2"), digits_rounds):
        table = aqa.agreement_summary(aset).table.set_index("coefficient")
        for r in (r for r in history.agreement if r["delivery"] == name):
            assert r["value"] == pytest.approx(table.at[r["coefficient"], "value"], abs=1e-12)
            assert r["standard_error"] == pytest.approx(table.at[r["coefficient"], "standard_error"], abs=1e-12)
        gold = aqa.gold_accuracy_by_annotator(aset).table.set_index("annotator_id")
        for r in (r for r in history.gold if r["delivery"] == name):
            assert (r["n_gold"], r["n_correct"]) == (gold.at[r["annotator_id"], "n_gold"],
                                                     gold.at[r["annotator_id"], "n_correct"])
            assert (r["ci_low"], r["ci_high"]) == pytest.approx((gold.at[r["annotator_id"], "ci_low"],
                                                                 gold.at[r["annotator_id"], "ci_high"]))
        shares = aset.frame["label"].value_counts(normalize=True)
        for r in (r for r in history.balance if r["delivery"] == name):
            assert r["share"] == pytest.approx(shares.get(r["category"], 0.0))
    frames = {name: history.frame(name) for name in ("deliveries", "agreement", "per_class", "gold", "unknown",
                                                      "balance", "hotspots")}
    assert list(frames["deliveries"]["name"]) == ["r1", "r2"]
    assert len(frames["agreement"]) == len(history.agreement)


def _delivery(rng, accuracy: dict[str, float], n_items: int = 80, n_gold: int = 60, unknown: float = 0.0):
    classes = ["a", "b", "c", "d"]
    truth = rng.choice(classes, n_items)
    rows = []
    for ann, acc in accuracy.items():
        right = rng.random(n_items) < acc
        wrong = rng.choice(classes, n_items)
        labels = np.where(right, truth, wrong)
        labels = np.where(rng.random(n_items) < unknown, "Unknown", labels)
        rows += [{"item_id": f"i{k}", "annotator_id": ann, "label": lab} for k, lab in enumerate(labels)]
    gold = pd.DataFrame({"item_id": [f"i{k}" for k in range(n_gold)], "gold_label": truth[:n_gold]})
    return aqa.load_annotations(pd.DataFrame(rows), gold=gold, categories=classes + ["Unknown"])


def test_a_fallen_annotator_and_a_growing_unknown_share_are_flagged(tmp_path):
    rng = np.random.default_rng(11)
    steady = {"ann_1": 0.95, "ann_2": 0.95, "ann_3": 0.95}
    with open_workspace(tmp_path / "w.aqa", create=True) as ws:
        ws.add(_delivery(rng, steady), name="d1")
        ws.add(_delivery(rng, {**steady, "ann_3": 0.55}, unknown=0.12), name="d2")
        history = ws.history()
        check = ws.check_no_regression()
    falls = history.gold_falls
    assert [(r["delivery"], r["annotator_id"]) for r in falls] == [("d2", "ann_3")]
    assert falls[0]["p_adjusted"] < 0.05 and falls[0]["previous"] == "d1"
    assert [r["status"] for r in history.unknown] == ["first", "alarm"]
    assert check.status == "fail" and check.exit_code == 1 and check.p_value < 0.05
    assert [r["delivery"] for r in history.regressions] == ["d2"]


def test_undefined_values_never_show_nan(tmp_path):
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": ["a", "b"] * 2, "label": ["x"] * 4})
    with open_workspace(tmp_path / "w.aqa", create=True) as ws:
        ws.add(aqa.load_annotations(frame), name="one-class")
        ws.add(aqa.load_annotations(frame.assign(item_id=[3, 3, 4, 4])), name="again")
        history = ws.history()
        check = ws.check_no_regression()
    assert check.status == "not_evaluable" and "undefined" in check.reason
    from analytics.cli.history import history_lines

    text = "\n".join(history_lines(history, "w.aqa"))
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    assert all(r["status"] in ("first", "cannot be measured") for r in history.agreement)
    assert not math.isnan(history.unknown[0]["n_annotations"])
