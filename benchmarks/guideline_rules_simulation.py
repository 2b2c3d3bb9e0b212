"""Do the guideline's suggested rules appear when planted, and seldom otherwise? A simulation with a known answer.

Two kinds of rule come out of :func:`analytics.guideline_cards` (see ``analytics/taxonomy/_guideline_rules.py``):

* **lone-dissent rules** — "items labelled X by annotator A and Y by all the others are mostly gold Y" (or gold X):
  one-sided exact binomial tests against an even split, Tarone's correction over the patterns;
* **Unknown neighbourhoods** — "if unsure whether an item is C, use Unknown": one-sided Fisher exact tests of the
  share of C's items that drew an Unknown vote against the other classes', Holm's correction.

Scenarios (5 annotators ``a0``–``a4``, classes ``c0``–``c3`` plus ``Unknown``; every item rated by all five):

* ``null`` — lone dissent carries no information: half of the items are ambiguous between c0 and c1, their gold a
  coin flip and every vote an independent coin flip, the rest labelled correctly by everyone. Any suggested rule
  is false, so the share of runs with one estimates the family-wise error rate (target ≤ 5%).
* ``others`` — a0 misreads c1 as c0 on half of the c1 items; the others are right 95% of the time. The planted rule
  is (a0, c0 → c1, "others"). Power is reported against the gold share (items with a gold label).
* ``annotator`` — the expert a0 is right where the others are not: on 40% of the c2 items every other annotator says
  c3 with probability 0.9. The planted rule is (a0, c2 against c3, "annotator").
* ``unknown_null`` — every rating is Unknown with probability 0.05 whatever the class; any "applies" is false.
* ``unknown_planted`` — c2's items draw Unknown with probability ``p`` per rating, the others 0.05. The planted
  neighbourhood is c2.

    PYTHONPATH=. python benchmarks/guideline_rules_simulation.py [--runs 200] [--items 600]

It prints, per scenario, the runs, the share of runs with the planted suggestion (power) and the share with a false
one (a suggestion in the null scenarios, or one with another pattern or direction where the truth is known).
"""

from __future__ import annotations

import argparse
import warnings
from typing import Literal

import numpy as np
import pandas as pd

CLASSES = ["c0", "c1", "c2", "c3", "Unknown"]
ANNOTATORS = [f"a{k}" for k in range(5)]


def _noisy(truth: np.ndarray, accuracy: float, rng: np.random.Generator) -> np.ndarray:
    """Each annotator's label: the truth with probability ``accuracy``, else another of c0–c3 at random."""
    wrong = (truth[:, None] + rng.integers(1, 4, (len(truth), 5))) % 4
    return np.where(rng.random((len(truth), 5)) < accuracy, truth[:, None], wrong)


def pilot(scenario: Literal["null", "others", "annotator", "unknown_null", "unknown_planted"], seed: int, *,
          n_items: int = 600, gold_share: float = 1.0, p_unknown: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(annotations, gold)``: one simulated pilot (labels ``c0``–``c3`` and ``Unknown``)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n_items)
    if scenario == "null":
        ambiguous = rng.random(n_items) < 0.5
        truth = np.where(ambiguous, rng.integers(0, 2, n_items), truth)
        labels = np.where(ambiguous[:, None], rng.integers(0, 2, (n_items, 5)), truth[:, None])
    elif scenario == "others":
        labels = _noisy(truth, 0.95, rng)
        misread = (truth == 1) & (rng.random(n_items) < 0.5)
        labels[:, 0] = np.where(misread, 0, labels[:, 0])
    elif scenario == "annotator":
        labels = _noisy(truth, 0.95, rng)
        tricky = (truth == 2) & (rng.random(n_items) < 0.4)
        fooled = tricky[:, None] & (rng.random((n_items, 5)) < 0.9)
        fooled[:, 0] = False
        labels = np.where(fooled, 3, labels)
        labels[:, 0] = np.where(tricky, 2, labels[:, 0])
    else:
        labels = _noisy(truth, 0.95, rng)
        p = np.full(n_items, 0.05)
        if scenario == "unknown_planted":
            p[truth == 2] = p_unknown
        labels = np.where(rng.random((n_items, 5)) < p[:, None], 4, labels)
    ids = np.array([f"i{k:04d}" for k in range(n_items)], dtype=object)
    frame = pd.DataFrame({"item_id": np.repeat(ids, 5), "annotator_id": ANNOTATORS * n_items,
                          "label": np.asarray(CLASSES, dtype=object)[labels.ravel()]})
    has_gold = rng.random(n_items) < gold_share
    gold = pd.DataFrame({"item_id": ids[has_gold], "gold_label": np.asarray(CLASSES, dtype=object)[truth[has_gold]]})
    return frame, gold


def suggestions(frame: pd.DataFrame, gold: pd.DataFrame) -> tuple[set, set]:
    """``(lone-dissent rules, Unknown neighbourhoods)`` suggested on one pilot: ``{(annotator, given, others,
    direction)}`` and ``{class}``."""
    from analytics import load_annotations
    from analytics.taxonomy._guideline_examples import item_view
    from analytics.taxonomy._guideline_rules import lone_dissent_rules, unknown_neighbourhoods

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = load_annotations(frame, gold=gold if len(gold) else None, categories=CLASSES)
        view = item_view(aset, aset, consensus="majority_vote", embeddings=None)
        rules = lone_dissent_rules(view, aset)
        unknown = unknown_neighbourhoods(view, CLASSES.index("Unknown"), min_items=10)
    found = rules[rules["status"] == "suggested"]
    return ({(r.annotator, r.given, r.others, r.direction) for r in found.itertuples()},
            set(unknown.loc[unknown["status"] == "applies", "category"]))


PLANTED = {"null": None, "others": ("a0", "c0", "c1", "others"), "annotator": ("a0", "c2", "c3", "annotator"),
           "unknown_null": None, "unknown_planted": "c2"}


def is_false(scenario: str, rule: tuple) -> bool:
    """Whether a suggested lone-dissent rule contradicts the scenario's truth."""
    if scenario == "null":
        return True
    annotator, given, others, direction = rule
    if scenario == "others":  # every lone dissent is a0's misreading or a slip: the others are right
        return direction != "others"
    return direction != "others" and rule != PLANTED["annotator"]


def study(scenario: str, runs: int, *, n_items: int = 600, gold_share: float = 1.0, p_unknown: float = 0.2,
          seed: int = 0) -> dict[str, float]:
    """Power and false-suggestion rate of one scenario over ``runs`` simulated pilots."""
    hits = false = 0
    for r in range(runs):
        frame, gold = pilot(scenario, seed + r, n_items=n_items, gold_share=gold_share, p_unknown=p_unknown)
        rules, unknown = suggestions(frame, gold)
        if scenario.startswith("unknown"):
            hits += PLANTED[scenario] in unknown
            false += bool(unknown - {PLANTED[scenario]})
        else:
            hits += PLANTED[scenario] in rules
            false += any(is_false(scenario, rule) for rule in rules)
    return {"runs": runs, "power": hits / runs if PLANTED[scenario] else float("nan"), "false": false / runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--items", type=int, default=600)
    args = parser.parse_args()
    rows = []
    for scenario, options in [("null", {}), ("unknown_null", {}), ("others", {"gold_share": 0.05}),
                              ("others", {"gold_share": 0.1}), ("others", {"gold_share": 0.2}),
                              ("annotator", {"gold_share": 0.1}), ("annotator", {"gold_share": 0.2}),
                              ("unknown_planted", {"p_unknown": 0.1}), ("unknown_planted", {"p_unknown": 0.2})]:
        res = study(scenario, args.runs, n_items=args.items, **options)
        rows.append({"scenario": scenario, **options, **res})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
