"""The guideline's suggested rules: Tarone's level by hand, lone-dissent patterns and Unknown neighbourhoods on
hand-made pilots, and the simulation with a known answer (planted rules found, none in the null scenarios)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analytics import guideline_cards, load_annotations
from analytics.taxonomy._guideline_examples import item_view
from analytics.taxonomy._guideline_rules import lone_dissent_patterns, tarone_level, unknown_neighbourhoods
from benchmarks.guideline_rules_simulation import pilot, study


def _load(rows: list[tuple], gold: dict | None = None, **options):
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    g = None if gold is None else pd.DataFrame({"item_id": list(gold), "gold_label": list(gold.values())})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_annotations(frame, gold=g, **options)


def test_tarone_level_by_hand():
    # patterns with 5, 4 and 1 gold items: smallest attainable p-values 1/32, 1/16, 1/2 (two hypotheses each).
    # K = 1: two hypotheses reach 0.05 (> 1); K = 2: none reaches 0.025 (≤ 2) -> level 0.025
    assert tarone_level(np.array([5, 4, 1]), 0.05) == (0.025, 2)
    # one pattern with 6 items: 1/64 ≤ 0.05 for both directions -> K = 2 (two hypotheses ≤ 0.025)
    assert tarone_level(np.array([6]), 0.05) == (0.025, 2)
    assert tarone_level(np.array([1, 2]), 0.05) == (0.05, 1)  # nothing testable: the plain level


def test_lone_dissent_patterns_name_the_lone_annotator():
    rows = [("i1", "a", "x"), ("i1", "b", "y"), ("i1", "c", "y"),      # a alone says x
            ("i2", "a", "y"), ("i2", "b", "x"), ("i2", "c", "y"),      # b alone says x
            ("i3", "a", "x"), ("i3", "b", "y"),                        # only one other rating: not lone
            ("i4", "a", "x"), ("i4", "b", "y"), ("i4", "c", "z")]      # three labels: not lone
    aset = _load(rows)
    view = item_view(aset, aset, consensus="majority_vote", embeddings=None)
    found = lone_dissent_patterns(view, aset, min_others=2)
    names = [(view.ids[u], aset.annotator_ids[a], view.categories[g], view.categories[o])
             for u, a, g, o in found[["unit", "annotator", "given", "others"]].itertuples(index=False)]
    assert sorted(names) == [("i1", "a", "x", "y"), ("i2", "b", "x", "y")]


def test_a_planted_lone_dissent_rule_is_suggested_with_its_evidence():
    rows, gold = [], {}
    for k in range(8):  # annotator a reads y as x on 8 gold items; b, c, d say y
        item = f"m{k}"
        rows += [(item, "a", "x"), (item, "b", "y"), (item, "c", "y"), (item, "d", "y")]
        gold[item] = "y"
    for k in range(20):
        item = f"n{k}"
        label = "x" if k % 2 else "y"
        rows += [(item, ann, label) for ann in "abcd"]
    cards = guideline_cards(_load(rows, gold), min_items=5)
    rule = cards.suggested_rules.iloc[0]
    assert (rule.annotator, rule.given, rule.others, rule.direction) == ("a", "x", "y", "others")
    assert rule.p_others == pytest.approx(0.5 ** 8) and rule.level == pytest.approx(0.025)
    assert "gold says" not in rule.rule and "'y', not 'x'" in rule.rule
    assert "'y' on 8, 'x' on 0" in rule.evidence and "95% CI 63%–100%" in rule.evidence
    assert [r.kind for r in cards.card("x").rules] == ["lone_dissent"] == [r.kind for r in cards.card("y").rules]


def test_unknown_neighbourhood_applies_where_unknown_gathers():
    rows = []
    for k in range(40):
        for cls, unsure in (("p", k < 16), ("q", k < 2), ("r", k < 2)):
            item = f"{cls}{k}"
            rows += [(item, "a", cls), (item, "b", cls), (item, "c", "U" if unsure else cls)]
    for k in range(4):  # too few 's' items to compare
        rows += [(f"s{k}", ann, "s") for ann in "abc"]
    taxonomy = {"classes": [{"name": n} for n in "pqrs"] + [{"name": "U", "unknown": True}]}
    aset = _load(rows, taxonomy=taxonomy)
    view = item_view(aset, aset, consensus="majority_vote", embeddings=None)
    table = unknown_neighbourhoods(view, aset.categories.index("U"), min_items=10).set_index("category")
    assert table.loc["p", "status"] == "applies" and table.loc["p", "n_items_with_unknown"] == 16
    assert table.loc["q", "status"] == table.loc["r", "status"] == "not_elevated"
    assert table.loc["s", "status"] == "too_few_items" and "need 10" in table.loc["s", "evidence"]
    assert table.loc["p", "rule"] == "If unsure whether an item is 'p', use 'U'."
    assert table.loc["p", "share_elsewhere"] == pytest.approx(4 / 84)  # q, r and the 4 s items
    card = guideline_cards(aset).card("p")
    assert [r.kind for r in card.rules] == ["unknown_neighbourhood"] and "16 of 40" in card.unknown_neighbourhood


def test_simulated_pilots_have_the_truth_they_were_built_with():
    frame, gold = pilot("others", 3, n_items=200, gold_share=0.5)
    assert set(frame["label"]) <= {"c0", "c1", "c2", "c3", "Unknown"} and len(frame) == 5 * 200
    assert 0.35 < len(gold) / 200 < 0.65


@pytest.mark.slow
def test_null_scenarios_seldom_suggest_a_rule():
    # 30 pilots each where no rule is true; a family-wise level of 5% gives more than 6 false runs with
    # probability 0.002 (binomial), while testing every pattern at 5% without Tarone's correction would give ~25%.
    assert study("null", 30, n_items=600)["false"] <= 6 / 30
    assert study("unknown_null", 30, n_items=600)["false"] <= 6 / 30


@pytest.mark.parametrize("scenario, options", [("others", {"gold_share": 0.5}), ("annotator", {"gold_share": 0.5}),
                                               ("unknown_planted", {"p_unknown": 0.2})])
def test_planted_rules_are_found(scenario, options):
    res = study(scenario, 8, n_items=600, seed=100, **options)
    assert res["power"] >= 7 / 8 and res["false"] <= 1 / 8, res
