"""A fast subset of benchmarks/pair_verdicts.py: pilots with a known answer behind each class-pair verdict and behind
the round comparison's status (1,000 items, 5 raters; the benchmark's full grid is in benchmarks/README.md)."""

from __future__ import annotations

import pytest

from benchmarks.pair_verdicts import gold_split_pilot, run_one, run_round

SEEDS = (0, 1)


@pytest.mark.parametrize("scenario", ["class_overlap", "annotator_confusion", "gold_split"])
def test_the_planted_pair_gets_its_verdict(scenario):
    rows = [run_one((scenario, 1000, 5, seed)) for seed in SEEDS]
    assert all(r["right"] for r in rows), [(r["verdict"], r["other_verdicts"]) for r in rows]
    assert not any(r["wrong_verdict"] for r in rows)


def test_clean_pilots_get_no_verdict():
    rows = [run_one(("clean", 1000, 5, seed)) for seed in SEEDS]
    assert not any(r["false_verdict"] for r in rows), [r["other_verdicts"] for r in rows]


@pytest.mark.parametrize("scenario, statuses", [("fixed", {"closed", "improved"}), ("persisting", {"persisting"}),
                                                ("opened", {"opened", "worse"})])
def test_the_round_comparison_status_follows_the_planted_change(scenario, statuses):
    rows = [run_round((scenario, 1000, 5, seed)) for seed in SEEDS]
    assert {r["status"] for r in rows} <= statuses, [r["status"] for r in rows]
    assert not any(r["false_change"] for r in rows), [r["other_changes"] for r in rows]


def test_the_gold_split_pilot_plants_what_it_says():
    p = gold_split_pilot(300, 3, 0)
    truth = dict(zip(p.item_ids, p.truth))
    gold = p.gold.set_index("item_id")["gold_label"]
    against = [i for i, g in gold.items() if g != f"c{truth[i]}"]
    assert against and all(truth[i] in (4, 5) and g in ("c4", "c5") for i, g in gold[against].items())
