"""agreement_summary, agreement_by and plan_pilot."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from agreement_helpers import SAMPLES, aset_from_matrix, random_matrix, tidy_from_matrix
from analytics import (
    InvalidParameterError,
    agreement_by,
    agreement_summary,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    load_annotations,
    plan_pilot,
)
from analytics.agreement._core import count_based
from analytics.agreement.planning import _simulate_counts
from analytics.agreement.summary import MEETS_TARGET, TABLE_COLUMNS, meets_target


@pytest.fixture(scope="module")
def digits():
    return load_annotations(SAMPLES / "digits" / "annotations.csv", taxonomy=SAMPLES / "digits" / "taxonomy.yaml")


def test_summary_of_the_digits_pilot(digits):
    s = agreement_summary(digits)
    assert list(s.table.columns) == TABLE_COLUMNS
    assert s.table["coefficient"].tolist() == ["percent_agreement", "light_kappa", "fleiss_kappa",
                                               "krippendorff_alpha", "gwet_ac1", "brennan_prediger"]
    assert s.primary == "fleiss_kappa"
    fleiss = s.estimate("fleiss_kappa")
    assert fleiss["value"] == pytest.approx(fleiss_kappa(digits).value)
    assert fleiss["landis_koch"] == "substantial" and fleiss["meets_target"] == "no"
    assert set(s.table["meets_target"]) <= set(MEETS_TARGET)
    # the designed guideline fix between the rounds shows in the per-round table
    per_round = s.by_round[s.by_round["coefficient"] == "fleiss_kappa"].set_index("round")["value"]
    assert list(per_round.index) == ["1", "2"] and per_round["2"] > per_round["1"]
    assert s.sentence.startswith("Fleiss' kappa is 0.70 (95% CI")
    assert "below the 0.80 target" in s.sentence and "By round: 1 0.67, 2 0.74." in s.sentence
    assert not s.kappa_paradox
    json.dumps(s.to_dict())  # JSON-ready for reports and the dashboard


@pytest.mark.parametrize("value, low, expected", [(0.85, 0.81, "yes, with confidence"),
                                                   (0.85, 0.75, "point estimate only"),
                                                   (0.79, 0.70, "no"), (float("nan"), float("nan"), "no"),
                                                   (0.80, 0.80, "yes, with confidence")])
def test_meets_target(value, low, expected):
    assert meets_target(value, low, 0.8) == expected


def _two_raters(n_items, accuracy, seed, prevalence=None, n_categories=3):
    rng = np.random.default_rng(seed)
    p = prevalence if prevalence is not None else np.full(n_categories, 1 / n_categories)
    truth = rng.choice(len(p), n_items, p=p)
    m = np.where(rng.random((n_items, 2)) < accuracy, truth[:, None], rng.choice(len(p), (n_items, 2), p=p))
    return aset_from_matrix(m.astype(float), len(p))


def test_verdicts_with_confidence_and_point_estimate_only():
    sure = agreement_summary(_two_raters(3000, 0.97, 1))
    assert sure.primary == "cohen_kappa" and sure.estimate("cohen_kappa")["meets_target"] == "yes, with confidence"
    assert "met with 95% confidence" in sure.sentence
    assert "scott_pi" in sure.table["coefficient"].tolist()
    rows, item = [], 0
    for (i, j), n in np.ndenumerate(np.array([[10, 1, 0], [0, 9, 0], [0, 1, 9]])):  # 28 of 30 items agree
        for _ in range(n):
            rows += [(item, "r1", "abc"[i]), (item, "r2", "abc"[j])]
            item += 1
    unsure = agreement_summary(load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])))
    row = unsure.estimate("cohen_kappa")
    assert row["value"] >= 0.8 > row["ci_low"] and row["meets_target"] == "point estimate only"
    assert "not yet met with confidence" in unsure.sentence


def test_kappa_paradox_is_flagged_and_points_to_ac1():
    # 96 % of the items are "ok"; annotators agree on almost all, but rarely on the rare class
    rows = [(i, a, "ok") for i in range(180) for a in ("x", "y")]
    rows += [(180, "x", "defect"), (180, "y", "ok"), (181, "x", "ok"), (181, "y", "defect"),
             (182, "x", "defect"), (182, "y", "defect")]
    rows += [(183 + i, a, lab) for i, (a, lab) in enumerate([("x", "defect"), ("y", "ok")] * 3)]
    aset = load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]))
    s = agreement_summary(aset)
    kappa, ac1 = cohen_kappa(aset).value, gwet_ac1(aset).value
    assert kappa < 0.6 < 0.9 < ac1
    assert s.kappa_paradox and s.dominant_category == "ok" and s.dominant_share > 0.9
    assert "Kappa paradox" in s.sentence and "Gwet's AC1" in s.sentence and f"{ac1:.2f}" in s.paradox_note


def test_agreement_by_finds_the_bad_camera():
    clean = random_matrix(1, 150, 4, 4, accuracy=0.95)
    dirty = random_matrix(2, 150, 4, 4, accuracy=0.5)
    tidy = pd.concat([tidy_from_matrix(clean, item_prefix="c").assign(camera="cam-A"),
                      tidy_from_matrix(dirty, item_prefix="d").assign(camera="cam-B")], ignore_index=True)
    aset = load_annotations(tidy)
    table = agreement_by(aset, by="camera")
    assert list(table.columns) == ["camera"] + TABLE_COLUMNS + ["difference"]
    fleiss = table[table["coefficient"] == "fleiss_kappa"].set_index("camera")
    assert fleiss.loc["cam-B", "value"] < 0.5 < 0.8 < fleiss.loc["cam-A", "value"]
    assert fleiss.loc["cam-B", "difference"] < 0 < fleiss.loc["cam-A", "difference"]
    assert fleiss.loc["cam-B", "ci_high"] < fleiss.loc["cam-A", "ci_low"]
    sub = aset.subset((aset.frame["camera"] == "cam-B").to_numpy())
    assert fleiss.loc["cam-B", "value"] == pytest.approx(fleiss_kappa(sub).value)
    with pytest.raises(InvalidParameterError, match="not in the annotations"):
        agreement_by(aset, by="lighting")


def test_summary_with_bootstrap_intervals():
    s = agreement_summary(aset_from_matrix(random_matrix(4, 80, 3, 3), 3), method="bootstrap", n_boot=200)
    assert s.table["interval_method"].str.startswith("percentile bootstrap").all()
    assert s.method == "bootstrap"


# -- plan_pilot ------------------------------------------------------------------------------------------
def test_two_rater_plan_uses_the_fleiss_cohen_everitt_variance():
    from statsmodels.stats.inter_rater import cohens_kappa

    p = np.array([0.5, 0.3, 0.2])
    plan = plan_pilot(expected_kappa=0.7, n_categories=3, n_annotators=2, prevalence=p, ci_width=0.1, n_items=200)
    table = 200 * (0.7 * np.diag(p) + 0.3 * np.outer(p, p))  # the model's expected table for 200 items
    se = cohens_kappa(table).std_kappa
    assert plan.expected_width == pytest.approx(2 * 1.959963984540054 * se, rel=1e-9)
    assert plan.coefficient == "cohen_kappa" and plan.method.startswith("analytic")
    assert plan.width_for(plan.n_items) <= 0.1 < plan.width_for(plan.n_items - 1)
    assert plan.items_for(plan.expected_width * (1 + 1e-9)) == 200
    assert plan.widths["ci_width"].is_monotonic_decreasing


def test_many_rater_plan_is_seeded_and_matches_simulated_pilots():
    plan = plan_pilot(expected_kappa=0.6, n_categories=4, n_annotators=4, ci_width=0.15, seed=1)
    again = plan_pilot(expected_kappa=0.6, n_categories=4, n_annotators=4, ci_width=0.15, seed=1)
    assert plan.n_items == again.n_items and plan.method.startswith("simulation")
    n = 150
    kappas = [count_based("fleiss", _simulate_counts(0.6, np.full(4, 0.25), 4, n, 100 + s), np.eye(4)).value
              for s in range(300)]
    assert np.mean(kappas) == pytest.approx(0.6, abs=0.02)
    assert np.std(kappas) * math.sqrt(n) == pytest.approx(plan.per_item_sd, rel=0.15)


def test_skewed_prevalence_needs_more_items():
    even = plan_pilot(expected_kappa=0.8, n_categories=2, n_annotators=2, ci_width=0.1)
    skewed = plan_pilot(expected_kappa=0.8, n_categories=2, n_annotators=2, ci_width=0.1, prevalence=[0.9, 0.1])
    assert skewed.n_items > even.n_items


def test_plan_pilot_validates_its_options():
    with pytest.raises(InvalidParameterError, match="expected_kappa"):
        plan_pilot(expected_kappa=1.2, n_categories=2, n_annotators=2, ci_width=0.1)
    with pytest.raises(InvalidParameterError, match="ci_width=.*n_items="):
        plan_pilot(expected_kappa=0.8, n_categories=2, n_annotators=2)
    with pytest.raises(InvalidParameterError, match="prevalence"):
        plan_pilot(expected_kappa=0.8, n_categories=3, n_annotators=2, ci_width=0.1, prevalence=[0.5, 0.5])
    only_size = plan_pilot(expected_kappa=0.8, n_categories=5, n_annotators=2, n_items=300)
    assert only_size.n_items == 0 and math.isnan(only_size.ci_width) and 0 < only_size.expected_width < 1
