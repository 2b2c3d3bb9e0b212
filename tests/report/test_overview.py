"""top_problems: the project manager's findings, checked against the analyses they summarize."""

from __future__ import annotations

import numpy as np
import pandas as pd

import analytics
from analytics.report.overview import top_problems
from analytics.samples import load_sample


def test_digits_problems_name_the_designed_findings():
    aset = load_sample("digits")
    problems = top_problems(aset, n=10)
    kinds = [p.kind for p in problems]
    assert kinds[0] == "agreement_below_target"
    summary = analytics.agreement_summary(aset)
    kappa = summary.table.set_index("coefficient").loc["fleiss_kappa", "value"]
    assert f"{kappa:.2f}" in problems[0].headline
    flagged = next(p for p in problems if p.kind == "annotator_below_gold_target")
    assert "ann_fast" in flagged.headline and "ann_drift" not in flagged.headline
    drift = next(p for p in problems if p.kind == "annotator_drift")
    assert "ann_drift" in drift.headline
    assert [p.severity for p in problems] == sorted((p.severity for p in problems), reverse=True)


def test_retail_top_change_is_the_designed_merge():
    change = next(p for p in top_problems(load_sample("retail"), n=10) if p.kind == "taxonomy_change")
    assert change.headline.startswith("Top change: merge Shirt + Blouse")
    assert [p.kind for p in top_problems(load_sample("retail"), n=3)].count("taxonomy_change") == 1


def test_perfect_agreement_has_no_problems():
    rng = np.random.default_rng(0)
    labels = rng.choice(["a", "b", "c"], size=60)
    frame = pd.DataFrame([(f"i{i}", f"r{r}", lab) for i, lab in enumerate(labels) for r in range(3)],
                         columns=["item_id", "annotator_id", "label"])
    assert top_problems(analytics.load_annotations(frame)) == ()


def test_growing_unknown_share_is_reported():
    rows = []
    for rnd, n_unknown in (("1", 2), ("2", 20)):
        for i in range(50):
            for r in range(3):
                label = "Unknown" if (i < n_unknown and r == 0) else ("x" if i % 2 else "y")
                rows.append((f"{rnd}-{i}", f"r{r}", label, rnd))
    aset = analytics.load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label", "round"]))
    problem = next(p for p in top_problems(aset, n=10) if p.kind == "unknown_share")
    assert "grew from 1% (round 1) to 13% (round 2)" in problem.headline


def test_problems_name_their_classes_annotators_and_action():
    change = next(p for p in top_problems(load_sample("retail"), n=10) if p.kind == "taxonomy_change")
    assert change.action == "merge" and set(change.classes) == {"Shirt", "Blouse"} and change.annotators == ()
    drift = next(p for p in top_problems(load_sample("digits"), n=10) if p.kind == "annotator_drift")
    assert drift.annotators == ("ann_drift",)


def test_the_unknown_problem_is_the_unknown_share_alarm():
    from analytics.taxonomy.unknown import unknown_share
    from benchmarks._pilots import CLASSES, UNKNOWN, make_pilot

    for defect in ("missing_class", "clean"):
        pilot = make_pilot(defect, 300, 3, 0)
        aset = analytics.load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
        problems = [p for p in top_problems(aset, n=10) if p.kind == "unknown_share"]
        assert bool(problems) == unknown_share(aset).alarm == (defect == "missing_class")


def test_suspect_gold_is_reported_and_left_out_of_the_gold_audit():
    from benchmarks._pilots import CLASSES, UNKNOWN, make_pilot

    pilot = make_pilot("wrong_gold", 300, 3, 0)
    aset = analytics.load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
    problems = top_problems(aset, n=10)
    gold = next(p for p in problems if p.kind == "gold_suspect")
    assert set(gold.items) <= set(pilot.wrong_gold_items) and len(gold.items) >= len(pilot.wrong_gold_items) - 1
    assert not any(p.kind == "annotator_below_gold_target" for p in problems)
    # the plain gold audit (every gold label) blames the annotators for the wrong gold
    assert len(analytics.gold_accuracy_by_annotator(aset).table.query("flagged")) >= 1


def test_no_pair_problem_says_not_enough_evidence():
    for name in ("digits", "retail"):
        for p in top_problems(load_sample(name), n=20):
            if p.kind == "confused_pair":
                assert "not enough evidence" not in p.headline
