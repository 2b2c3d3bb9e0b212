"""A fast subset of benchmarks/decisions.py: pilots with one planted defect each, at 300 items; the Overview's top
three problems must name the defect, propose no wrong kind of action, and raise nothing on clean pilots."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks._pilots import DEFECTS, make_pilot
from benchmarks.decisions import actions, run_one, summarize, wilson


RUNS = [(300, 3, 0), (300, 3, 1), (300, 5, 0), (300, 5, 1)]


@pytest.mark.parametrize("defect", [d for d in DEFECTS if d != "clean"])
def test_each_defect_is_found_with_the_right_kind_of_action(defect):
    rows = [run_one((defect, n, raters, seed)) for n, raters, seed in RUNS]
    found = [r["found"] for r in rows]
    wrong = [r["wrong_kind"] for r in rows]
    assert sum(found) >= 3, [r["top3"] for r in rows]  # the benchmark's goal is 90 % at 300 items
    assert sum(wrong) <= 1, [r["top3"] for r in rows]


def test_an_ambiguous_pair_with_three_raters_is_clarified_when_its_cause_cannot_be_told():
    """Seeds the Overview missed at 300 items x 3 raters before the untold-cause rule (the overlap was significant on
    its own, not after Holm over the tested pairs): now a clarify on c0+c1 among the top three, with nothing that
    blames an annotator or gold. Seed 2 has the same untold cause but neither class is significantly below the
    target, so the clarify is held back with that reason, as it would be for an established overlap."""
    import warnings

    import analytics as aqa
    from benchmarks._pilots import CLASSES, UNKNOWN

    for seed in (0, 10):
        row = run_one(("ambiguous_pair", 300, 3, seed))
        assert row["found"] and not row["wrong_kind"], row["top3"]
        assert "clarify:c0+c1" in row["top3"] or "clarify:c1+c0" in row["top3"], row["top3"]
    pilot = make_pilot("ambiguous_pair", 300, 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recs = aqa.recommend_taxonomy_changes(aqa.load_annotations(pilot.annotations, gold=pilot.gold,
                                                                   categories=CLASSES + [UNKNOWN]))
    pair = [r for r in recs if set(r.classes) == {"c0", "c1"}]
    assert [(r.action, r.recommended) for r in pair] == [("clarify", False)]
    assert "neither class is significantly below" in pair[0].missing_evidence


def test_clean_pilots_raise_no_alarm():
    rows = [run_one(("clean", n, raters, seed)) for n, raters, seed in RUNS]
    assert not any(r["false_alarm"] for r in rows), [r["top3"] for r in rows]


def test_the_simulator_plants_what_it_says():
    p = make_pilot("confuser", 300, 5, 0)
    frame = p.annotations.set_index("item_id")
    truth = dict(zip(p.item_ids, p.truth))
    mine = frame[frame["annotator_id"] == p.culprit]
    true2 = mine[[truth[i] == 2 for i in mine.index]]
    assert (true2["label"] == "c3").mean() > 0.25  # the confuser swaps c2 for c3 (40% of its correct answers)
    gold = make_pilot("wrong_gold", 300, 3, 0)
    wrong = gold.gold[gold.gold["item_id"].isin(gold.wrong_gold_items)]
    assert len(wrong) == 6 and all(f"c{truth_k}" != g for truth_k, g in zip(
        [dict(zip(gold.item_ids, gold.truth))[i] for i in wrong["item_id"]], wrong["gold_label"]))
    dups = make_pilot("near_duplicates", 300, 3, 0)
    index = {i: k for k, i in enumerate(dups.item_ids)}
    for pair in dups.duplicate_pairs:
        a, b = (index[i] for i in pair)
        cos = dups.embeddings[a] @ dups.embeddings[b] / np.linalg.norm(dups.embeddings[a]) / np.linalg.norm(
            dups.embeddings[b])
        assert cos > 0.99 and dups.truth[a] != dups.truth[b]
    missing = make_pilot("missing_class", 300, 3, 0)
    assert (missing.truth[:150] >= 0).all() and (missing.truth[150:] < 0).mean() == pytest.approx(0.25, abs=0.01)


def test_actions_are_classified_by_kind():
    from analytics.report.overview import Problem

    found = actions([
        Problem("agreement_below_target", 0.7, "", "", "Agreement"),
        Problem("taxonomy_change", 0.7, "", "", "", classes=("a", "b"), action="merge"),
        Problem("confused_pair", 0.7, "", "", "", classes=("a", "b"), annotators=("x",), action="retrain_annotator"),
        Problem("gold_suspect", 0.7, "", "", "", items=("i1",)),
        Problem("weak_classes", 0.5, "", "", "", classes=("a",))])
    assert [f[0] for f in found] == ["taxonomy", "annotator", "gold", "general"]


def test_false_alarms_carry_a_wilson_interval():
    """0 of 20 has the Wilson upper bound z²/(n + z²); 5 of 100 the textbook (0.0215, 0.1118)."""
    z2 = 1.959963984540054 ** 2
    assert wilson(0, 20) == pytest.approx((0.0, z2 / (20 + z2)))
    assert wilson(5, 100) == pytest.approx((0.02154, 0.11175), abs=1e-4)
    import pandas as pd

    runs = pd.DataFrame({"defect": "clean", "n_items": 300, "raters": 3, "seed": range(100), "seconds": 1.0,
                         "found": False, "wrong_kind": False, "false_alarm": [True] * 5 + [False] * 95})
    row = summarize(runs).iloc[0]
    assert (row["alarms"], row["runs"]) == (5, 100) and row["false_alarm_ci_high"] == pytest.approx(0.11175, abs=1e-4)
