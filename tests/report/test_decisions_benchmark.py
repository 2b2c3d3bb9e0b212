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
    blames an annotator or gold. Seed 2 has the same untold cause and neither class significantly below the target,
    but the annotators' agreement on which of the two is (one-sided 95 % bound 0.797 < 0.80). Seed 6 has neither
    (95 % bound 0.82); its agreement is *likely* below the target (one-sided 80 % bound 0.76, clarify_confidence), the
    bar a clarification needs (a merge still needs both classes significantly below). Seed 51 has neither either
    (80 % bound 0.82), so its clarify is held back with both reasons."""
    import warnings

    import analytics as aqa
    from benchmarks._pilots import CLASSES, UNKNOWN

    for seed in (0, 2, 6, 10):
        row = run_one(("ambiguous_pair", 300, 3, seed))
        assert row["found"] and not row["wrong_kind"], row["top3"]
        assert "clarify:c0+c1" in row["top3"] or "clarify:c1+c0" in row["top3"], row["top3"]

    def load(seed):
        pilot = make_pilot("ambiguous_pair", 300, 3, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aset = aqa.load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
            return aqa.diagnose_class_pairs(aset).of("c0", "c1"), aqa.recommend_taxonomy_changes(aset)

    two, _ = load(2)
    assert "upper bound 0.797: below the 0.80 target" in two["diagnosis_note"]  # not "0.80 ... 0.80"
    six, recs = load(6)
    assert not six["pair_below_target"] and six["pair_likely_below_target"]
    assert "95% upper bound 0.82: not below the 0.80 target; one-sided 80% bound 0.76: likely below it" in \
        six["diagnosis_note"]
    pair = [r for r in recs if set(r.classes) == {"c0", "c1"}]
    assert [(r.action, r.recommended) for r in pair] == [("clarify", True)]
    fifty_one, recs = load(51)
    assert not fifty_one["pair_likely_below_target"] and "80% bound 0.82: not likely below it" in \
        fifty_one["diagnosis_note"]
    pair = [r for r in recs if set(r.classes) == {"c0", "c1"}]
    assert [(r.action, r.recommended) for r in pair] == [("clarify", False)]
    assert "neither class is significantly below" in pair[0].missing_evidence
    assert ("nor is the agreement on which of the two likely below it (kappa 0.76, one-sided 80% upper bound 0.82)"
            in pair[0].missing_evidence)
    assert "upper bound 0.88: not below the 0.80 target" in pair[0].evidence


def test_gold_on_an_ambiguous_boundary_is_not_suspect_gold():
    """Ambiguous pair, 300 items x 3 raters, seeds 4 and 53: the gold of a borderline c0/c1 item names its true class
    while the annotators' coin flips outvote it. Before, those gold labels were listed as *suspect gold* (a wrong
    kind of action: it blames gold) next to the c0/c1 clarify; the pair's boundary explains them, as it does for an
    established overlap or split gold, so only the clarify remains."""
    for seed in (4, 53):
        row = run_one(("ambiguous_pair", 300, 3, seed))
        assert row["found"] and not row["wrong_kind"] and "gold_suspect" not in row["top3"], row["top3"]


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
                         "found": False, "wrong_kind": False, "false_alarm": [True] * 5 + [False] * 95,
                         "unfounded_alarm": [True] * 2 + [False] * 98})
    row = summarize(runs).iloc[0]
    assert (row["alarms"], row["runs"]) == (5, 100) and row["false_alarm_ci_high"] == pytest.approx(0.11175, abs=1e-4)
    assert row["unfounded_alarms"] == 2 and row["unfounded_alarm_ci_low"] == pytest.approx(wilson(2, 100)[0])


@pytest.mark.parametrize(("defect", "seed"), [("clean", 1), ("clean", 4), ("ambiguous_pair", 1)])
def test_the_true_class_kappa_is_what_a_large_pilot_estimates(defect, seed):
    """population_class_kappa (Fleiss' kappa in the population of a pilot's items) against the estimate from a
    30,000-item pilot of the same design: within 4 standard errors for every class. Accuracies 0.01 too high, or
    the borderline c0/c1 items left out, move some class by more than that (both fail this test)."""
    import warnings

    import analytics as aqa
    from analytics.agreement import fleiss_kappa_by_category
    from benchmarks._pilots import CLASSES, UNKNOWN

    pilot = make_pilot(defect, 30_000, 3, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = fleiss_kappa_by_category(aqa.load_annotations(pilot.annotations, categories=CLASSES + [UNKNOWN]))
    true = np.array([pilot.true_class_kappa[c] for c in est["category"]])
    gap = np.abs(est["kappa"].to_numpy() - true) / est["standard_error"].to_numpy()
    assert (gap[:-1] < 4).all(), dict(zip(est["category"], gap.round(1)))
    if defect == "ambiguous_pair":
        assert true[0] < 0.75 and true[1] < 0.8  # the overlap puts both classes below the bar


def test_some_clean_pilots_have_a_class_truly_below_the_target():
    """The reason for the truth-aware count: of clean pilots at 300 x 3, seeds 0-99, about a fifth have a small class
    whose true kappa is below 0.8 (the smallest class's uniform errors from the seven others)."""
    below = [min(v for c, v in make_pilot("clean", 300, 3, s).true_class_kappa.items() if c != "Unknown") < 0.8
             for s in range(100)]
    assert 10 <= sum(below) <= 40


def test_an_alarm_is_founded_only_when_every_action_names_a_truly_weak_class():
    from benchmarks.decisions import founded

    truth = {"c0": 0.72, "c1": 0.85, "c2": 0.9, "Unknown": 0.0}
    f, a = frozenset, frozenset()
    assert founded([("general", f({"c0"}), a, "weak_classes")], truth)
    assert not founded([("general", f({"c0", "c1"}), a, "weak_classes")], truth)  # c1 meets the target
    assert founded([("taxonomy", f({"c0", "c1"}), a, "confused_pair")], truth)  # a boundary of a weak class
    assert not founded([("taxonomy", f({"c1", "c2"}), a, "confused_pair")], truth)
    assert not founded([("taxonomy", f({"c0", "c1"}), a, "confused_pair"), ("gold", a, a, "gold_suspect")], truth)
    assert not founded([("annotator", a, f({"a0"}), "annotator_drift")], truth)
    assert not founded([("taxonomy", f({"Unknown"}), a, "unknown_share")], truth)
    assert not founded([], truth)


def test_more_clean_seeds_continue_the_same_pilots(tmp_path):
    """--first-clean-seed S --update runs seeds S.. and keeps 0..S-1 from the runs file: the rows equal a run of
    all seeds at once (but for the seconds), and a gap in the kept seeds is refused."""
    import pandas as pd

    from benchmarks.decisions import main

    cell = ["--defects", "clean", "--sizes", "100", "--raters", "3"]
    main(cell + ["--clean-seeds", "2", "--out", str(tmp_path / "a")])
    main(cell + ["--clean-seeds", "3", "--first-clean-seed", "2", "--update", "--out", str(tmp_path / "a")])
    main(cell + ["--clean-seeds", "3", "--out", str(tmp_path / "b")])
    a, b = (pd.read_csv(tmp_path / d / "decisions_runs.csv", keep_default_na=False).drop(columns="seconds")
            for d in ("a", "b"))
    assert list(a["seed"]) == [0, 1, 2]
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(SystemExit, match="seeds"):  # 0..3 asked for, 0..2 stored
        main(cell + ["--clean-seeds", "5", "--first-clean-seed", "4", "--update", "--out", str(tmp_path / "a")])
    with pytest.raises(SystemExit):  # the earlier seeds must come from the runs file
        main(cell + ["--clean-seeds", "5", "--first-clean-seed", "3", "--out", str(tmp_path / "a")])


def test_clean_alarms_are_told_apart_by_kind():
    """Two clean-pilot alarms of the benchmark: a drift flag (100 x 3 seed 7), and a clarify of c4/c5 at 100 x 5
    seed 80 whose pair is 'not enough evidence' (the untold-cause clarify); plus a weak class shown twice."""
    import pandas as pd

    from benchmarks.decisions import alarm_kinds

    runs = pd.DataFrame({
        "defect": ["clean"] * 4 + ["drift"], "n_items": 100, "raters": [3, 5, 5, 3, 3], "seed": [7, 80, 1, 2, 7],
        "false_alarm": [True, True, True, False, False],
        "top3": ["annotator_drift:::a0 | agreement_below_target:::",
                 "confused_pair:clarify:c4+c5: | agreement_below_target:::",
                 "taxonomy_change:clarify:c0: | weak_classes::c0:", "", "annotator_drift:::a0"]})
    kinds = alarm_kinds(runs)
    assert list(kinds["kind"]) == ["drift", "clarify pair (untold cause)", "weak class"]
