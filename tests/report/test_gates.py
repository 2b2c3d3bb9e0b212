"""Quality gates: the statistics compared, pass/fail margins, and gates that cannot be evaluated."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

import analytics
from analytics import check_gates, load_annotations
from analytics.exceptions import InvalidParameterError


@pytest.fixture(scope="module")
def retail(sample_reports):
    return sample_reports["retail"][0]


def test_kappa_gate_compares_fleiss_kappa(retail):
    counts = pd.crosstab(retail.frame["item_id"], retail.frame["label"]).to_numpy()
    kappa = fleiss_kappa(counts, method="fleiss")  # statsmodels, independent of ours
    below, above = check_gates(retail, min_kappa=round(kappa + 0.05, 2)), check_gates(retail, min_kappa=0.5)
    gate = below.gates[0]
    assert gate.value == pytest.approx(kappa) and gate.status == "fail" and below.exit_code == 1
    assert gate.margin == pytest.approx(kappa - round(kappa + 0.05, 2))
    assert gate.line().startswith(f"FAIL kappa {kappa:.2f} < {round(kappa + 0.05, 2):.2f} by ")
    assert above.passed and above.exit_code == 0 and above.gates[0].line().startswith("PASS kappa")


def test_lower_bound_is_stricter_than_the_estimate(retail):
    summary = analytics.agreement_summary(retail).table.set_index("coefficient").loc["fleiss_kappa"]
    threshold = (summary["value"] + summary["ci_low"]) / 2  # between the lower bound and the estimate
    assert check_gates(retail, min_kappa=threshold).passed
    strict = check_gates(retail, min_kappa=threshold, use_lower_bound=True)
    assert strict.exit_code == 1 and strict.gates[0].value == pytest.approx(summary["ci_low"])
    assert "lower 95% bound" in strict.gates[0].statistic


def test_gold_accuracy_gate_is_the_pooled_share_correct(retail):
    merged = retail.frame.merge(retail.gold.rename("gold").reset_index(), on="item_id")
    x, n = int((merged["label"] == merged["gold"]).sum()), len(merged)
    result = check_gates(retail, min_gold_accuracy=0.5, use_lower_bound=True)
    low, _ = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert result.gates[0].value == pytest.approx(low) and result.passed
    assert check_gates(retail, min_gold_accuracy=x / n).passed  # equal to the threshold passes
    assert check_gates(retail, min_gold_accuracy=min(1.0, x / n + 1e-9)).exit_code == 1


def test_unknown_share_and_flagged_annotators(sample_reports):
    digits = sample_reports["digits"][0]
    share = float((digits.frame["label"] == "Unknown").mean())
    result = check_gates(digits, max_unknown_share=share - 0.001, max_flagged_annotators=0)
    unknown, flagged = result.gates
    assert unknown.value == pytest.approx(share) and unknown.status == "fail"
    assert unknown.line().startswith(f"FAIL unknown_share {share:.3f} > {share - 0.001:.3f} by 0.001")
    assert flagged.value == 1 and flagged.status == "fail" and "ann_fast" in flagged.detail
    assert check_gates(digits, max_flagged_annotators=1).passed


def test_gates_that_cannot_be_evaluated_never_pass(sample_reports):
    retail = sample_reports["retail"][0]
    bare = load_annotations(retail.frame[["item_id", "annotator_id", "label"]])  # the retail labels without gold
    result = check_gates(bare, min_kappa=0.1, min_gold_accuracy=0.5, max_flagged_annotators=3)
    assert [g.status for g in result.gates] == ["pass", "not_evaluable", "not_evaluable"]
    assert result.exit_code == 2 and not result.passed
    assert "gold" in result.gates[1].reason and result.gates[1].line().startswith("CANNOT MEASURE gold_accuracy: ")
    tags = sample_reports["retail-tags"][0]
    result = check_gates(tags, min_kappa=0.5, min_alpha=0.5)
    assert [g.status for g in result.gates] == ["not_evaluable", "pass"] and "--min-alpha" in result.gates[0].what_to_do
    assert "tag sets" in result.gates[0].reason
    counts = pd.DataFrame({"item_id": ["a", "b"], "cat": [3, 2], "dog": [0, 1]})
    assert "Unknown/Other" in check_gates(load_annotations(counts, format="counts"),
                                          max_unknown_share=0.1).gates[0].reason


def test_an_undefined_statistic_cannot_be_evaluated():
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"), "label": ["x"] * 4})
    result = check_gates(load_annotations(frame), min_kappa=0.5)  # one category used: kappa is 0/0
    gate = result.gates[0]
    assert gate.status == "not_evaluable" and math.isnan(gate.value) and "same class" in gate.reason
    assert "other classes" in gate.what_to_do
    assert result.exit_code == 2


def test_failure_precedence_and_json(sample_reports):
    digits = sample_reports["digits"][0]
    result = check_gates(digits, min_kappa=0.9, min_alpha=0.5)
    assert [g.status for g in result.gates] == ["fail", "pass"] and result.exit_code == 1
    data = result.to_dict()
    assert data["gates"][0]["name"] == "kappa" and data["gates"][0]["margin"] < 0
    assert np.isfinite(data["gates"][1]["margin"])


@pytest.mark.parametrize("bad", [{}, {"min_kappa": 1.5}, {"min_gold_accuracy": -0.1}, {"max_flagged_annotators": -1},
                                 {"max_flagged_annotators": 1.5}, {"min_kappa": 0.5, "confidence_level": 1.0}])
def test_invalid_gates_raise(retail, bad):
    with pytest.raises(InvalidParameterError):
        check_gates(retail, **bad)
