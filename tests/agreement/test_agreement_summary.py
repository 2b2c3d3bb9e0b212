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
from analytics.agreement.summary import MEETS_TARGET, TABLE_COLUMNS, meets_target, verdict_of


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


@pytest.mark.parametrize("value, low, expected, verdict", [
    (0.85, 0.81, "yes, with confidence", "met"), (0.85, 0.75, "point estimate only", "not met"),
    (0.79, 0.70, "no", "not met"), (float("nan"), float("nan"), "cannot be measured", "cannot be measured"),
    (0.9, float("nan"), "cannot be measured", "cannot be measured"), (0.80, 0.80, "yes, with confidence", "met")])
def test_meets_target(value, low, expected, verdict):
    assert meets_target(value, low, 0.8) == expected
    assert verdict_of(value, low, 0.8) == verdict


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
    assert plan.per_item_sd == pytest.approx(cohens_kappa(table).std_kappa * math.sqrt(200), rel=1e-9)
    assert plan.coefficient == "cohen_kappa" and plan.method.startswith("score interval")
    assert plan.width_for(plan.n_items) <= 0.1 < plan.width_for(plan.n_items - 1)
    assert plan.items_for(plan.expected_width * (1 + 1e-9)) == 200
    assert plan.widths["ci_width"].is_monotonic_decreasing


def _latent_class_pilot(rng: np.random.Generator, n: int, m: int, p: np.ndarray, kappa: float) -> pd.DataFrame:
    """One simulated pilot of the model plan_pilot and the coverage study assume (tidy annotations)."""
    truth = rng.choice(len(p), size=n, p=p)
    right = rng.random((n, m)) < math.sqrt(kappa)
    labels = np.where(right, truth[:, None], rng.choice(len(p), size=(n, m), p=p))
    return pd.DataFrame({"item_id": np.repeat(np.arange(n), m), "annotator_id": np.tile([f"a{j}" for j in range(m)], n),
                         "label": [f"c{c}" for c in labels.ravel()]})


@pytest.mark.parametrize("kappa,q,m,prevalence,width", [
    (0.8, 2, 2, None, 0.2),
    (0.6, 4, 3, None, 0.15),
    (0.7, 3, 5, [0.7, 0.2, 0.1], 0.2),
])
def test_plan_pilot_keeps_its_promise_in_simulated_pilots(kappa, q, m, prevalence, width):
    """The items plan_pilot recommends give the promised width of the default interval in simulation (within
    10 %), and the model variance it uses is the spread of kappa across those pilots (issue 15)."""
    plan = plan_pilot(expected_kappa=kappa, n_categories=q, n_annotators=m, prevalence=prevalence, ci_width=width)
    p = np.asarray(plan.prevalence)
    rng = np.random.default_rng(15)
    widths, values = [], []
    func = cohen_kappa if m == 2 else fleiss_kappa
    for _ in range(200):
        aset = load_annotations(_latent_class_pilot(rng, plan.n_items, m, p, kappa),
                                categories=[f"c{c}" for c in range(q)])
        est = func(aset)
        widths.append(est.ci_high - est.ci_low)
        values.append(est.value)
    assert np.mean(widths) == pytest.approx(width, rel=0.10)
    assert np.std(values) * math.sqrt(plan.n_items) == pytest.approx(plan.per_item_sd, rel=0.15)


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
