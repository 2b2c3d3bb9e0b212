"""One diagnosis per class pair: the tests behind it (against scipy), pilots with a known answer, and every place
that shows a pair (hotspots, recommendations, Overview, report) reading the same diagnosis."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from taxonomy_helpers import ALL, FIVE, SAMPLES, THREE, crafted_frame, load, merge_pilot, retrain_pilot

from analytics import confusion_hotspots, diagnose_class_pairs, load_annotations, recommend_taxonomy_changes
from analytics._reshape import annotator_pair_swaps
from analytics.exceptions import InvalidParameterError
from analytics.report.overview import top_problems
from analytics.taxonomy._whatif import change_after_mapping
from analytics.taxonomy.pairs import DIAGNOSIS_LABELS, PAIR_COLUMNS, PAIR_DIAGNOSES


def _gold_against_the_majority(seed: int):
    """Uniform 4 % errors between every two classes (no pair stands out); on the items where A and B were both used
    gold names the minority label — the gold author draws that boundary the other way."""
    swaps = {(ALL, t, g): 0.04 for t in FIVE for g in FIVE if g != t}
    frame, truth = crafted_frame(FIVE, 60, THREE, swaps, seed=seed)
    minority = frame.groupby("item_id")["label"].agg(lambda s: s.value_counts().index[-1])
    both = frame.groupby("item_id")["label"].agg(lambda s: set(s) == {"A", "B"})
    gold = np.where(both, minority, truth.reindex(minority.index))
    return load(frame, gold=pd.DataFrame({"item_id": minority.index, "gold_label": gold}))


def test_everyone_confusing_a_pair_is_overlap():
    d = diagnose_class_pairs(merge_pilot())
    ab = d.of("B", "A")
    assert ab["diagnosis"] == "class_overlap" and ab["annotators"] == () and ab["p_overlap_adjusted"] < 0.05
    assert list(d.table.columns) == PAIR_COLUMNS and set(d.table["diagnosis"]) <= set(PAIR_DIAGNOSES)
    assert "Merge A and B if both are unreliable" in ab["what_to_do"]


def test_one_annotator_confusing_a_pair_is_theirs():
    d = diagnose_class_pairs(retrain_pilot())
    cd = d.of("C", "D")
    assert cd["diagnosis"] == "annotator_confusion" and cd["annotators"] == ("a3",)
    assert cd["reduction_without"] >= 0.5 and "others tell the classes apart" in cd["diagnosis_note"]
    assert d.of("A", "B")["diagnosis"] == "class_overlap"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_gold_against_the_people_is_gold_split(seed):
    ab = diagnose_class_pairs(_gold_against_the_majority(seed)).of("A", "B")
    assert ab["diagnosis"] == "gold_split" and ab["gold_verdict"] == "against_majority"
    assert ab["gold_with_majority"] == 0 and "Review the gold labels" in ab["what_to_do"]


def test_a_merge_gain_below_min_merge_gain_is_no_overlap():
    """The overlap test asks whether merging raises kappa by more than min_merge_gain: a pair everyone confuses is
    an overlap at the default 0.01 and not when the gain asked for exceeds the simulated gain."""
    aset = merge_pilot()
    ab = diagnose_class_pairs(aset).of("A", "B")
    assert ab["diagnosis"] == "class_overlap" and "exceeds 0.01" in ab["diagnosis_note"]
    strict = diagnose_class_pairs(aset, min_merge_gain=round(float(ab["merge_gain_ci_high"]) + 0.01, 3)).of("A", "B")
    assert strict["diagnosis"] != "class_overlap" and strict["p_overlap"] > 0.5
    assert strict["merge_gain"] == pytest.approx(ab["merge_gain"])  # the same simulation, a stricter question


def test_an_annotator_is_named_only_when_their_swap_rate_exceeds_the_others_by_min_swap_excess():
    """Significant is not enough: the annotator's swap rate on the pair must also be at least min_swap_excess above
    the other annotators' pooled rate (computed here from the swap counts)."""
    aset = retrain_pilot()
    cats = list(aset.categories)
    swaps, trials = annotator_pair_swaps(aset, np.array([[cats.index("C"), cats.index("D")]]))
    s, t = swaps[0].astype(float), trials[0].astype(float)
    x = list(aset.annotator_ids).index("a3")
    excess = s[x] / t[x] - (s.sum() - s[x]) / (t.sum() - t[x])
    assert excess >= 0.10 and diagnose_class_pairs(aset).of("C", "D")["annotators"] == ("a3",)
    strict = diagnose_class_pairs(aset, min_swap_excess=round(excess + 0.01, 2)).of("C", "D")
    assert strict["annotators"] == () and strict["diagnosis"] != "annotator_confusion"
    assert strict["p_annotator_adjusted"] < 0.05  # still significant, but not by the margin asked for
    with pytest.raises(InvalidParameterError, match="min_swap_excess"):
        diagnose_class_pairs(aset, min_swap_excess=1.0)


def test_too_little_data_is_not_enough_evidence_with_the_reason():
    frame, _ = crafted_frame(FIVE, 6, THREE, {("a1", "A", "B"): 0.34, ("a2", "C", "D"): 0.34})
    d = diagnose_class_pairs(load(frame))
    assert len(d.table) == 2 and set(d.table["diagnosis"]) == {"not_enough_evidence"}
    assert all(note for note in d.table["diagnosis_note"])


def test_the_tests_are_the_stated_ones():
    """Fisher exact (one-sided), exact binomial against gold_majority and the z-test of the simulated merge, each as
    scipy computes it, Holm-adjusted."""
    frame, truth = crafted_frame(FIVE, 40, THREE, {(ALL, "A", "B"): 0.3, (ALL, "B", "A"): 0.3, ("a3", "C", "D"): 0.4,
                                                   ("a3", "D", "C"): 0.4})
    aset = load(frame, gold=pd.DataFrame({"item_id": truth.index, "gold_label": truth.to_numpy()}))
    d = diagnose_class_pairs(aset)
    cats = list(aset.categories)
    cd = d.of("C", "D")
    swaps, trials = annotator_pair_swaps(aset, np.array([[cats.index("C"), cats.index("D")]]))
    x = list(aset.annotator_ids).index("a3")
    s, t = swaps[0], trials[0]
    table = [[s[x], t[x] - s[x]], [s.sum() - s[x], t.sum() - t[x] - (s.sum() - s[x])]]
    assert cd["p_annotator"] == pytest.approx(stats.fisher_exact(table, alternative="greater")[1], rel=1e-9)
    assert cd["p_annotator_adjusted"] >= cd["p_annotator"]
    ab = d.of("A", "B")
    n = ab["n_gold_disputed"]
    assert ab["p_gold"] == pytest.approx(stats.binomtest(ab["gold_with_majority"], n, 0.8, alternative="less").pvalue)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ch = change_after_mapping(aset, cats, {"A": "A+B", "B": "A+B"})
    assert ab["merge_gain"] == pytest.approx(ch.delta)
    assert ab["p_overlap"] == pytest.approx(stats.norm.sf((ch.delta - 0.01) / ch.standard_error), rel=1e-9, abs=0)
    candidates = d.table[d.table["candidate"]]
    assert d.n_candidates == len(candidates) and (candidates["p_overlap_adjusted"] >= candidates["p_overlap"]).all()


def test_an_untold_cause_that_costs_agreement_is_clarified_not_merged():
    """benchmarks/decisions.py, ambiguous pair at 300 items x 3 raters, seed 0 (missed before): the c0/c1 overlap is
    significant on its own but not after Holm over the tested pairs and no annotator stands out, so the diagnosis
    stays "not enough evidence" while the action is to clarify the boundary — never merge or retrain on it."""
    from benchmarks._pilots import CLASSES, UNKNOWN, make_pilot

    from analytics.taxonomy.pairs import cause_untold_but_costly, pair_action

    pilot = make_pilot("ambiguous_pair", 300, 3, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
        d = diagnose_class_pairs(aset)
        recs = recommend_taxonomy_changes(aset)
    row = d.of("c0", "c1")
    assert row["diagnosis"] == "not_enough_evidence" and row["candidate"]
    assert row["p_overlap"] < 0.05 <= row["p_overlap_adjusted"] and row["p_annotator"] >= 0.05
    # the overlap path alone depends on the level; the pair's own agreement is significantly below 0.8 here too
    overlap_only = row.copy()
    overlap_only["pair_below_target"] = False
    assert cause_untold_but_costly(overlap_only) and not cause_untold_but_costly(overlap_only, confidence_level=0.999)
    assert row["pair_below_target"] and row["pair_kappa_ci_high"] < 0.8 and cause_untold_but_costly(row)
    assert "agree on which of the two with Fleiss' kappa" in row["diagnosis_note"]
    assert {pair_action(row, wa, wb, UNKNOWN) for wa in (True, False) for wb in (True, False)} == {"clarify"}
    assert "clarify the boundary" in row["what_to_do"] and "not established" in row["what_to_do"]
    pair = [r for r in recs if set(r.classes) == {"c0", "c1"}]
    assert pair and pair[0].action == "clarify" and "cause is not established" in pair[0].evidence
    untold = d.table[(d.table["diagnosis"] == "not_enough_evidence") & d.table["candidate"]]
    costly = untold.apply(cause_untold_but_costly, axis=1)
    assert (untold.loc[~costly, "what_to_do"].str.startswith("Label more items")).all() and costly.sum() >= 1


@pytest.mark.parametrize("change, expected", [
    ({}, "clarify"),
    ({"p_annotator": 0.01}, ""),            # a hint of one annotator: wait for more labels, do not clarify
    ({"p_overlap": 0.2}, ""),               # the confusion is not shown to cost agreement
    ({"p_overlap": np.nan}, ""),            # not computable
    ({"candidate": False, "p_overlap": np.nan}, ""),
    ({"p_annotator": np.nan}, "clarify"),   # anonymous annotators: nobody can stand out
    ({"diagnosis": "annotator_confusion"}, "retrain_annotator"),
    # agreement on which of the two significantly below the target costs agreement too
    ({"p_overlap": 0.2, "pair_below_target": True}, "clarify"),
    ({"p_overlap": np.nan, "pair_below_target": True}, "clarify"),
    ({"p_overlap": 0.2, "pair_below_target": True, "p_annotator": 0.01}, ""),
    ({"p_overlap": 0.2, "pair_below_target": False}, ""),
])
def test_pair_action_of_an_untold_cause(change, expected):
    from analytics.taxonomy.pairs import pair_action

    row = {"class_a": "A", "class_b": "B", "diagnosis": "not_enough_evidence", "candidate": True,
           "p_overlap": 0.01, "p_annotator": 0.4, "gold_distinguishes": False} | change
    assert pair_action(pd.Series(row), True, True, "Unknown") == expected


def _pair_problems(aset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [p for p in top_problems(aset, n=20) if p.kind in ("taxonomy_change", "confused_pair")]


_ACTION = {"annotator_confusion": {"retrain_annotator"}, "class_overlap": {"merge", "clarify"},
           "gold_split": {"clarify"}, "not_enough_evidence": {"merge", "clarify"}}


@pytest.mark.parametrize("name", ["merge", "retrain", "gold_split", "digits", "retail"])
def test_every_place_reads_the_same_diagnosis(name):
    aset = {"merge": merge_pilot, "retrain": retrain_pilot, "gold_split": lambda: _gold_against_the_majority(0),
            "digits": lambda: load_annotations(SAMPLES / "digits" / "annotations.csv",
                                               gold=SAMPLES / "digits" / "gold.csv"),
            "retail": lambda: load_annotations(SAMPLES / "retail" / "annotations.csv",
                                               gold=SAMPLES / "retail" / "gold.csv")}[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = diagnose_class_pairs(aset).table.set_index(["class_a", "class_b"])
        hot = confusion_hotspots(aset, top=None).set_index(["class_a", "class_b"])
        rec = recommend_taxonomy_changes(aset)
    assert (hot["diagnosis"] == d["diagnosis"].reindex(hot.index)).all()
    assert (hot["diagnosis_note"] == d["diagnosis_note"].reindex(hot.index)).all()
    for r in rec:
        if len(r.classes) != 2 or r.action not in ("merge", "retrain_annotator", "clarify"):
            continue
        key = r.classes if r.classes in d.index else r.classes[::-1]
        if key not in d.index:
            continue
        dx = d.loc[key]
        if r.action == "clarify" and dx["diagnosis"] == "not_enough_evidence":
            continue  # a weak class with a dominant partner (clarify_rules), not a pair proposal
        assert r.action in _ACTION[dx["diagnosis"]], (r.action, key, dx["diagnosis"])
        if r.action == "retrain_annotator":
            assert r.annotators[0] in dx["annotators"]
        if dx["diagnosis"] != "annotator_confusion":
            assert "tell the classes apart" not in r.evidence and "classes themselves are fine" not in r.evidence
        if r.action == "merge" and r.recommended:
            assert dx["diagnosis"] == "class_overlap"
    for p in _pair_problems(aset):
        key = p.classes if p.classes in d.index else p.classes[::-1]
        if p.kind == "confused_pair":
            assert (DIAGNOSIS_LABELS[d.loc[key, "diagnosis"]] if d.loc[key, "diagnosis"] != "not_enough_evidence"
                    else "the cause is not established") in p.headline
        assert p.action in _ACTION[d.loc[key, "diagnosis"]] if key in d.index else True


def test_digits_pairs_of_the_confuser():
    aset = load_annotations(SAMPLES / "digits" / "annotations.csv", gold=SAMPLES / "digits" / "gold.csv")
    d = diagnose_class_pairs(aset)
    for a, b in (("4", "9"), ("3", "8")):
        row = d.of(a, b)
        assert row["diagnosis"] == "annotator_confusion" and row["annotators"] == ("ann_confuser",)
    hot = confusion_hotspots(aset, top=2)
    assert set(hot["diagnosis"]) == {"annotator_confusion"}  # not "classes truly overlap" next to a retraining


def test_bad_options():
    with pytest.raises(InvalidParameterError, match="max_pairs"):
        diagnose_class_pairs(merge_pilot(), max_pairs=0)
    with pytest.raises(InvalidParameterError, match="gold_majority"):
        diagnose_class_pairs(merge_pilot(), gold_majority=0.4)
    with pytest.raises(InvalidParameterError, match="annotator_removal"):
        diagnose_class_pairs(merge_pilot(), annotator_removal=0)
    with pytest.raises(InvalidParameterError, match="min_merge_gain"):
        diagnose_class_pairs(merge_pilot(), min_merge_gain=-0.1)
    with pytest.raises(InvalidParameterError, match="confidence_level"):
        diagnose_class_pairs(merge_pilot(), confidence_level=1.5)
    for bad in (0.4, 1.0, True, "0.8"):
        with pytest.raises(InvalidParameterError, match="clarify_confidence"):
            diagnose_class_pairs(merge_pilot(), clarify_confidence=bad)
        with pytest.raises(InvalidParameterError, match="clarify_confidence"):
            recommend_taxonomy_changes(merge_pilot(), clarify_confidence=bad)
    with pytest.raises(InvalidParameterError):
        diagnose_class_pairs(merge_pilot()).of("A", "Z")


def _pair_only(frame: pd.DataFrame, a: str, b: str):
    """The definition of a pair's own agreement: Fleiss' kappa of the ratings a or b alone (others dropped)."""
    from analytics import fleiss_kappa

    part = frame[frame["label"].isin([a, b])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fleiss_kappa(load_annotations(part, categories=[a, b]), method="analytic")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 5), st.integers(12, 60))
def test_pair_agreement_is_fleiss_kappa_of_the_pair_s_ratings(seed, raters, n_items):
    """Property: each candidate pair's ``pair_kappa`` and its one-sided bound equal Fleiss' kappa (with its Wald
    standard error) of the set cut to that pair's ratings; items rated by 1..raters annotators, four classes."""
    from analytics.taxonomy._pairstats import pair_agreement

    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n_items)
    rows = []
    for i in range(n_items):
        for r in range(int(rng.integers(1, raters + 1))):
            label = truth[i] if rng.random() < 0.7 else int(rng.integers(0, 4))
            rows.append((f"i{i}", f"r{r}", "ABCD"[label]))
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = diagnose_class_pairs(load_annotations(frame, categories=list("ABCD")))
    z, z_likely = stats.norm.ppf(0.95), stats.norm.ppf(0.8)
    for _, row in d.table[d.table["candidate"]].iterrows():
        ref = _pair_only(frame, row["class_a"], row["class_b"])
        if not np.isfinite(ref.value) or not np.isfinite(ref.standard_error):
            assert np.isnan(row["pair_kappa_ci_high"]) and not row["pair_below_target"]
            assert not row["pair_likely_below_target"]
            continue
        assert row["pair_kappa"] == pytest.approx(ref.value, abs=1e-12)
        assert row["pair_kappa_ci_high"] == pytest.approx(ref.value + z * ref.standard_error, abs=1e-12)
        assert row["pair_kappa_standard_error"] == pytest.approx(ref.standard_error, abs=1e-12)
        assert row["pair_kappa_items"] == ref.n_items
        assert row["pair_below_target"] == (row["pair_kappa_ci_high"] < 0.8)
        assert row["pair_likely_below_target"] == (ref.value + z_likely * ref.standard_error < 0.8)
        assert row["pair_likely_below_target"] or not row["pair_below_target"]  # the 80 % bound is the lower
    # the function itself, for a pair given by codes
    cats = list("ABCD")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = load_annotations(frame, categories=cats)
        got = pair_agreement(aset, np.array([[0, 1]]), 0.95)
    ref = _pair_only(frame, "A", "B")
    if np.isfinite(ref.value) and np.isfinite(ref.standard_error):
        assert got["kappa"][0] == pytest.approx(ref.value, abs=1e-12)
    # the per-item path (items with 64 or more ratings of one class) gives the histogram path's numbers
    import analytics.taxonomy._pairstats as pairstats

    codes = np.array([[0, 1], [0, 2], [1, 3], [2, 3]])
    fast = pair_agreement(aset, codes, 0.95)
    saved, pairstats._HISTOGRAM_BASE = pairstats._HISTOGRAM_BASE, 0
    try:
        slow = pair_agreement(aset, codes, 0.95)
    finally:
        pairstats._HISTOGRAM_BASE = saved
    for key in ("kappa", "ci_high", "n_items"):
        np.testing.assert_allclose(slow[key], fast[key], rtol=0, atol=1e-12, equal_nan=True)


def test_pair_agreement_against_statsmodels_with_equal_raters():
    """Three raters on every item, items rated A/B only or a third class only: the pair's kappa is statsmodels'
    Fleiss' kappa of the A/B items."""
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    rng = np.random.default_rng(3)
    rows, table = [], []
    for i in range(80):
        if i < 50:
            p = 0.5 if i % 3 == 0 else (0.95 if i % 4 else 0.05)  # A about three times as common as B
            votes = ["A" if rng.random() < p else "B" for _ in range(3)]
            table.append([votes.count("A"), votes.count("B")])
        else:
            votes = ["C" if i % 2 else "D"] * 3
        rows += [(f"i{i}", f"r{r}", v) for r, v in enumerate(votes)]
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = diagnose_class_pairs(load_annotations(frame, categories=list("ABCD"))).of("A", "B")
    assert row["candidate"] and row["pair_kappa_items"] == 50
    assert row["pair_kappa"] == pytest.approx(sm_fleiss(np.array(table)), abs=1e-12)


def test_a_pair_with_the_unknown_class_is_not_held_to_the_target():
    """benchmarks/decisions.py, clean pilot 100 items x 3 raters, seed 11: 'Unknown' is used when unsure and rarely
    agrees with itself, so c1/Unknown's own kappa is far below 0.8 — the safety valve, not a boundary to clarify
    (its use is checked on its own). Counted as a pair below the target, it raised a false alarm."""
    from benchmarks._pilots import CLASSES, UNKNOWN, make_pilot

    pilot = make_pilot("clean", 100, 3, 11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
        row = diagnose_class_pairs(aset).of("c1", UNKNOWN)
        problems = top_problems(aset)
    assert row["candidate"] and row["pair_kappa_ci_high"] < 0.8 and not row["pair_below_target"]
    assert not row["pair_likely_below_target"]
    assert "the Unknown class 'Unknown' is not held to it" in row["diagnosis_note"]
    assert not any(UNKNOWN in p.classes and p.action for p in problems), [(p.kind, p.classes) for p in problems]


@pytest.mark.parametrize("x, text", [(0.797229, "0.797"), (0.7996, "0.7996"), (0.8213, "0.82"), (0.80004, "0.80004"),
                                      (0.75, "0.75"), (0.8, "0.800000")])
def test_a_bound_is_shown_on_its_side_of_the_target(x, text):
    from analytics._wording import beside_target

    assert beside_target(x, 0.8) == text
