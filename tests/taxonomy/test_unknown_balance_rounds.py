"""Unknown/Other monitoring, class balance and round comparison on crafted and bundled data."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from taxonomy_helpers import ALL, FIVE, SAMPLES, THREE, crafted_frame, load, unknown_pilot

from analytics import (
    DataQualityWarning,
    agreement_summary,
    class_balance,
    compare_rounds,
    fleiss_kappa_by_category,
    load_annotations,
    majority_vote,
    unknown_share,
)
from analytics.exceptions import InvalidParameterError


# -- Unknown ----------------------------------------------------------------------------------------
def _z_test_larger(x2, n2, x1, n1):
    """One-sided pooled two-proportion z-test, written out (H1: p2 > p1)."""
    p = (x1 + x2) / (n1 + n2)
    z = (x2 / n2 - x1 / n1) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return stats.norm.sf(z)


def test_rising_unknown_raises_the_alarm():
    aset = unknown_pilot(0.02, 0.15)
    res = unknown_share(aset)
    r = res.by_round.set_index("round")
    x1, x2 = int(r.at["1", "n_unknown"]), int(r.at["2", "n_unknown"])
    n1, n2 = int(r.at["1", "n_annotations"]), int(r.at["2", "n_annotations"])
    assert (x1, x2) == (3 * 3 * round(0.02 * 60), 3 * 3 * round(0.15 * 60))
    assert r.at["2", "change_points"] == pytest.approx(100 * (x2 / n2 - x1 / n1))
    assert r.at["2", "p_value"] == pytest.approx(_z_test_larger(x2, n2, x1, n1))
    assert r.at["2", "status"] == "alarm" and res.alarm and res.alarms == ["2"]
    lo, hi = proportion_confint(x1 + x2, n1 + n2, method="wilson")
    assert (res.ci_low, res.ci_high) == pytest.approx((lo, hi))
    assert "taxonomy gap" in res.sentence
    json.dumps(res.to_dict())


def test_alarm_threshold_and_significance():
    res = unknown_share(unknown_pilot(0.02, 0.15), alarm_points=20)
    assert not res.alarm and res.by_round["status"].tolist() == ["first", "ok"]
    # 1 of 20 → 3 of 20: +10 points, but not significant on so few annotations
    labels = ["U"] + ["A"] * 19 + ["U"] * 3 + ["A"] * 17
    frame = pd.DataFrame({"item_id": [k // 2 for k in range(40)], "annotator_id": ["a", "b"] * 20, "label": labels,
                          "round": ["1"] * 20 + ["2"] * 20}).replace({"U": "Unknown"})
    small = unknown_share(load(frame))  # the rule: a rise above alarm_points is an alarm
    assert small.by_round["change_points"].iloc[1] == pytest.approx(10.0)
    assert small.by_round["status"].iloc[1] == "alarm" and small.alarm and small.by_round["p_value"].iloc[1] > 0.05
    tested = unknown_share(load(frame), require_significance=True)
    assert tested.by_round["status"].iloc[1] == "watch" and not tested.alarm and tested.require_significance
    assert unknown_share(unknown_pilot(0.02, 0.15), require_significance=True).alarms == ["2"]  # significant
    flat = unknown_share(unknown_pilot(0.05, 0.05))
    assert flat.by_round["status"].iloc[1] == "ok"
    with pytest.raises(InvalidParameterError, match="threshold"):
        unknown_share(flat_set := unknown_pilot(), threshold=1.5)
    with pytest.raises(InvalidParameterError, match="alarm_points"):
        unknown_share(flat_set, alarm_points=-1)


def test_neighbourhood_names_the_class_next_to_unknown():
    frame, _ = crafted_frame(["A", "B", "C", "Unknown"], {"A": 40, "B": 40, "C": 40, "Unknown": 0}, THREE,
                             {(ALL, "B", "Unknown"): 0.3, (ALL, "A", "Unknown"): 0.05})
    res = unknown_share(load(frame, categories=["A", "B", "C", "Unknown"]))
    top = res.by_class.iloc[0]
    assert top["category"] == "B" and top["neighbour_share"] > 0.7
    by = res.by_class.set_index("category")
    assert by.at["B", "unknown_rate"] > by.at["A", "unknown_rate"] > by.at["C", "unknown_rate"] == 0


def test_model_confidence_rule():
    aset = load_annotations(SAMPLES / "digits" / "annotations.csv", predictions=SAMPLES / "digits" / "predictions.csv")
    res = unknown_share(aset, threshold=0.7)
    conf = aset.prediction_confidence
    low = conf < 0.7
    assert res.n_low_confidence == int(low.sum()) == len(res.low_confidence)
    unknown = (aset.frame["label"] == "Unknown").groupby(aset.item_codes).sum().to_numpy()
    assert res.n_low_confidence_without_unknown == int((low & (unknown == 0)).sum())
    assert res.low_confidence["confidence"].is_monotonic_increasing
    assert res.low_confidence_unknown_share > res.high_confidence_unknown_share


def test_no_unknown_class():
    frame = load_annotations(SAMPLES / "retail" / "annotations.csv").frame
    res = unknown_share(load(frame.assign(label=frame["label"].replace({"Other": "Tote"}))))
    assert res.unknown_label is None and math.isnan(res.share) and "no Unknown" in res.reason


# -- class balance ------------------------------------------------------------------------------------
def test_prevalence_from_majority_vote_and_items_needed():
    frame, _ = crafted_frame(FIVE, {"A": 60, "B": 60, "C": 60, "D": 60, "E": 6}, THREE,
                             {(ALL, "A", "B"): 0.1, ("a1", "E", "D"): 0.34})
    aset = load(frame)
    res = class_balance(aset, ci_width=0.3, min_items=10)
    table = res.table.set_index("category")
    mv = majority_vote(aset).labels.value_counts()
    assert table["n_items"].to_dict() == {c: int(mv.get(c, 0)) for c in FIVE}
    assert "E" in res.rare and "only 6 consensus items" in table.at["E", "reason"]
    per = fleiss_kappa_by_category(aset).set_index("category")
    z = stats.norm.ppf(0.975)
    for c in FIVE:
        se = per.at[c, "standard_error"]
        assert table.at[c, "ci_width"] == pytest.approx(2 * z * se)
        if se > 0:
            assert table.at[c, "n_items_needed"] == math.ceil((2 * z * se * math.sqrt(aset.n_items) / 0.3) ** 2)
    # asking for the width the data already give needs about the items already there
    w = table.at["A", "ci_width"]
    again = class_balance(aset, ci_width=w).table.set_index("category")
    assert again.at["A", "n_items_needed"] == pytest.approx(aset.n_items, abs=1)
    json.dumps(res.to_dict())
    with pytest.raises(InvalidParameterError):
        class_balance(aset, consensus="vote")


# -- rounds -------------------------------------------------------------------------------------------
def test_round_comparison_of_the_digits_pilot():
    aset = load_annotations(SAMPLES / "digits" / "annotations.csv")
    cmp = compare_rounds(aset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per = agreement_summary(aset).by_round
    coef = cmp.coefficients.set_index("coefficient")
    for name in coef.index:
        v1 = per[(per["round"] == "1") & (per["coefficient"] == name)].iloc[0]
        v2 = per[(per["round"] == "2") & (per["coefficient"] == name)].iloc[0]
        assert coef.at[name, "difference"] == pytest.approx(v2["value"] - v1["value"])
        se = math.hypot(v1["standard_error"], v2["standard_error"])
        assert coef.at[name, "standard_error"] == pytest.approx(se)
        assert coef.at[name, "ci_low"] == pytest.approx(v2["value"] - v1["value"] - stats.norm.ppf(0.975) * se)
    hot = cmp.hotspots.set_index(["class_a", "class_b"])
    assert hot.at[("3", "8"), "rate_after"] < hot.at[("3", "8"), "rate_before"]  # the guideline fix of round 2
    assert set(cmp.hotspots["status"]) <= {"opened", "closed", "persisting", "not_significant"}
    json.dumps(cmp.to_dict())


def test_closed_and_opened_hotspots():
    r1, _ = crafted_frame(FIVE, 40, THREE, {(ALL, "A", "B"): 0.35, (ALL, "B", "A"): 0.35}, round_="v1",
                          item_prefix="x")
    r2, _ = crafted_frame(FIVE, 40, THREE, {(ALL, "C", "D"): 0.35, (ALL, "D", "C"): 0.35}, round_="v2",
                          item_prefix="y")
    cmp = compare_rounds(load(pd.concat([r1, r2], ignore_index=True)), rounds=("v1", "v2"))
    status = cmp.hotspots.set_index(["class_a", "class_b"])["status"]
    assert status[("A", "B")] == "closed" and status[("C", "D")] == "opened"
    assert "Closed hotspots: A/B" in cmp.sentence and "Opened hotspots: C/D" in cmp.sentence


def test_same_items_in_both_rounds_warn_and_bad_rounds_raise():
    r1, _ = crafted_frame(FIVE, 20, THREE, {(ALL, "A", "B"): 0.3}, round_="1")
    r2, _ = crafted_frame(FIVE, 20, THREE, {}, round_="2")
    aset = load(pd.concat([r1, r2], ignore_index=True))
    with pytest.warns(DataQualityWarning, match="both rounds"):
        cmp = compare_rounds(aset)
    assert cmp.n_shared_items == 100
    with pytest.raises(InvalidParameterError, match="two different rounds"):
        compare_rounds(aset, rounds=("1", "3"))
    with pytest.raises(InvalidParameterError, match="at least two rounds"):
        compare_rounds(load(r1.drop(columns="round")))
    assert np.isfinite(cmp.coefficients["difference"]).all()
