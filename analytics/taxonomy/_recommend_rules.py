"""The rules behind :func:`analytics.recommend_taxonomy_changes`: one function per kind of proposal.

Each rule returns plain dicts (turned into :class:`~analytics.taxonomy.recommend.Recommendation` by the caller) with
the numbers it used, so the evidence can be rendered in words and audited. The thresholds live in
:class:`Rules`; :mod:`analytics.taxonomy.recommend` documents them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..results import interval_text
import pandas as pd
from scipy import stats

from .._reshape import SwapsFixed, co_use_matrix, example_items
from ._pair_actions import matters, upper_bound
from ._whatif import Change, change_after_mapping, paired_change_of
from .._wording import beside_target, count_noun

if TYPE_CHECKING:
    from .._schema import AnnotationSet
    from .._taxonomy_model import Taxonomy

__all__ = ["Rules", "Context", "pair_rules", "lift_rules", "clarify_rules", "add_other_rules", "collect_more_rules"]


@dataclass(frozen=True)
class Rules:
    """Evidence thresholds (see :func:`analytics.recommend_taxonomy_changes` for their meaning)."""

    target: float = 0.8
    min_items: int = 10
    min_gain: float = 0.01
    annotator_removal: float = 0.5
    dominant_share: float = 0.5
    pair_share: float = 0.8
    retrain_share: float = 0.5
    alarm_points: float = 5.0
    max_unknown_share: float = 0.10
    ci_width: float = 0.3
    confidence_level: float = 0.95
    top: int = 10
    clarify_confidence: float = 0.8

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence_level


@dataclass
class Context:
    """What every rule reads: the unit set and its tables (computed once; per-item work goes through the
    additive wrappers of :mod:`analytics._reshape`, so the rules run on a distributed set too)."""

    aset: "AnnotationSet"
    original: "AnnotationSet"
    coincidence: np.ndarray
    hotspots: pd.DataFrame
    by_category: pd.DataFrame
    kappa: float
    taxonomy: "Taxonomy | None"
    rules: Rules
    levels: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    cache: dict = field(default_factory=dict)

    @property
    def cats(self) -> tuple[str, ...]:
        return tuple(self.aset.categories)

    def code(self, name: str) -> int:
        return self.cats.index(name)

    def class_kappa(self, name: str) -> tuple[float, float, float]:
        row = self.by_category.iloc[self.code(name)]
        return float(row["kappa"]), float(row["ci_low"]), float(row["ci_high"])

    def weak(self, name: str) -> bool:
        """The class's kappa is significantly below the target (one-sided; :func:`~analytics.taxonomy.pairs.below_target`)."""
        from .pairs import below_target

        row = self.by_category.iloc[self.code(name)]
        return below_target(float(row["kappa"]), float(row["standard_error"]), self.rules.target,
                            self.rules.confidence_level)


def _pct(x: float) -> str:
    return f"{x:.0%}" if np.isfinite(x) else "n/a"


def effect_text(what: str, ch: Change) -> str:
    """``"<what> lifts Fleiss' kappa from 0.72 to 0.84 (simulated; +0.115, paired 95% CI …)"`` (never NaN: an
    undefined kappa before or after is said in words)."""
    if not (np.isfinite(ch.before) and np.isfinite(ch.after)):
        when = "after it" if np.isfinite(ch.before) else "before it"
        return f"{what}: Fleiss' kappa is undefined {when} (a single class left), so the effect cannot be simulated"
    verb = "lifts" if ch.delta >= 0 else "lowers"
    ci = (f", paired {ch.confidence_level:.0%} CI {ch.ci_low:+.3f} to {ch.ci_high:+.3f}"
          if np.isfinite(ch.ci_low) else "")
    return f"{what} {verb} Fleiss' kappa from {ch.before:.2f} to {ch.after:.2f} (simulated; {ch.delta:+.3f}{ci})"


def gain_gaps(ch: Change, rules: Rules) -> list[str]:
    """What a simulated change lacks to count as evidence (empty when it is enough)."""
    gaps = []
    if not np.isfinite(ch.delta) or ch.delta < rules.min_gain:
        gaps.append(f"the simulated gain {ch.delta:+.3f} is below the minimum {rules.min_gain:.3f}")
    elif not (np.isfinite(ch.ci_low) and ch.ci_low > 0):
        gaps.append(f"the gain's {rules.confidence_level:.0%} interval ({ch.ci_low:+.3f} to {ch.ci_high:+.3f}) "
                    "includes 0 — label more items")
    return gaps


def _proposal(action: str, classes: tuple[str, ...], *, evidence: str, effect: str, gaps: list[str],
              change: Change | None = None, priority: float | None = None, annotators: tuple[str, ...] = (),
              examples: tuple[str, ...] = ()) -> dict[str, Any]:
    gain = change.delta if change is not None else math.nan
    return {"action": action, "classes": classes, "annotators": annotators, "evidence": evidence,
            "expected_effect": effect, "priority": float(priority if priority is not None else
                                                         (gain if np.isfinite(gain) else 0.0)),
            "status": "held back" if gaps else "recommended", "missing_evidence": "; ".join(gaps) if gaps else None,
            "kappa_before": change.before if change is not None else math.nan,
            "kappa_after": change.after if change is not None else math.nan,
            "gain_ci_low": change.ci_low if change is not None else math.nan,
            "gain_ci_high": change.ci_high if change is not None else math.nan, "example_items": tuple(examples)}


# -- class pairs: retrain, clarify or merge, as the pair's diagnosis says ---------------------------------
def _shares_text(row: pd.Series) -> str:
    shares = row["annotator_shares"] or {}
    if not shares:
        return "annotators are anonymous, so who confuses them is unknown"
    values = list(shares.values())
    k = len(values)
    return (f"all {k} annotators contribute {min(values):.0%}–{max(values):.0%} of the swaps" if k > 1
            else f"only {next(iter(shares))} swaps")


def pair_rules(ctx: Context) -> list[dict[str, Any]]:
    """One proposal for each of the ``top`` pairs whose merge would raise alpha (score > 0), of the kind its diagnosis
    (:func:`analytics.taxonomy.pairs.pair_diagnoses`, the same the hotspot table shows) calls for:
    ``annotator_confusion`` → retrain the annotator; ``gold_split`` → clarify the boundary (with the gold author);
    ``class_overlap`` → merge when both classes are clearly below the target, else clarify the boundary
    (:func:`analytics.taxonomy.pairs.pair_action`); ``not_enough_evidence`` → clarify the boundary when the confusion
    costs agreement on its own and no annotator stands out (:func:`analytics.taxonomy.pairs.cause_untold_but_costly`),
    else a merge held back with the diagnosis as what is missing."""
    from .pairs import pair_action, pair_diagnoses

    r = ctx.rules
    diag = pair_diagnoses(ctx.aset, annotator_removal=r.annotator_removal, target=r.target,
                          confidence_level=r.confidence_level, clarify_confidence=r.clarify_confidence)
    cand = ctx.hotspots[(ctx.hotspots["score"] > 0)].head(r.top)
    out = []
    for _, row in cand.iterrows():
        names = (str(row["class_a"]), str(row["class_b"]))
        dx = diag.of(*names)
        n = int(row["n_items"])
        few = [f"only {count_noun(n, 'item')} on which both classes were used (need ≥ {r.min_items})"] if n < r.min_items else []
        action = pair_action(dx, ctx.weak(names[0]), ctx.weak(names[1]), ctx.aset.unknown_label,
                             confidence_level=r.confidence_level)
        if action == "retrain_annotator":
            out.append(_retrain(ctx, row, dx, names, few, float(diag.rules["min_swap_excess"])))
        elif action == "clarify":
            out.append(_clarify_pair(ctx, row, dx, names, few))
        else:
            out.append(_merge(ctx, row, dx, names, few))
    return out


def _change(dx: pd.Series, confidence_level: float) -> Change:
    """The simulated merge of a diagnosed pair (computed once, by the diagnosis)."""
    gain = float(dx["merge_gain"])
    lo, hi = float(dx["merge_gain_ci_low"]), float(dx["merge_gain_ci_high"])
    z = stats.norm.ppf(0.5 + confidence_level / 2.0)
    se = (hi - lo) / (2.0 * z) if np.isfinite(lo) and np.isfinite(hi) else math.nan
    return Change(coefficient="fleiss_kappa", before=float(dx["kappa_before"]), after=float(dx["kappa_after"]),
                  delta=gain, standard_error=se, ci_low=lo, ci_high=hi, confidence_level=confidence_level, n_items=0)


def _retrain(ctx: Context, row: pd.Series, dx: pd.Series, names: tuple[str, str], few: list[str],
             excess: float) -> dict[str, Any]:
    who = dx["annotators"][0]
    x = list(ctx.aset.annotator_ids).index(who)
    a, b = ctx.code(names[0]), ctx.code(names[1])
    change = paired_change_of(ctx.aset, SwapsFixed(a, b, x), confidence_level=ctx.rules.confidence_level)
    gaps = list(few) + gain_gaps(change, ctx.rules)
    evidence = (f"{dx['diagnosis_note']}; kappa({names[0]})={row['kappa_a']:.2f}, kappa({names[1]})={row['kappa_b']:.2f}; "
                f"an annotator is named when their swap rate is significantly higher than the others' and at least "
                f"{100 * excess:.0f} points above it")
    effect = effect_text(f"if {who} labelled {names[0]}/{names[1]} like the others, this", change)
    return _proposal("retrain_annotator", names, annotators=tuple(dx["annotators"][:1]), evidence=evidence,
                     effect=effect, gaps=gaps, change=change, examples=tuple(row["example_items"]))


def _clarify_pair(ctx: Context, row: pd.Series, dx: pd.Series, names: tuple[str, str],
                  few: list[str]) -> dict[str, Any]:
    a, b = names
    r = ctx.rules
    if dx["diagnosis"] == "gold_split":
        why = "gold itself is split: "
    elif dx["diagnosis"] == "not_enough_evidence":
        why = ("the cause is not established, but the confusion costs agreement and no annotator stands out, so the "
               "boundary is clarified whatever the cause (not merged): ")
    elif ctx.aset.unknown_label in names:
        why = f"one side is the Unknown/Other class (clarify when '{ctx.aset.unknown_label}' is to be used): "
    elif dx["gold_distinguishes"] or (ctx.weak(a) and ctx.weak(b)):
        why = ""
    else:
        fine = [c for c in names if not ctx.weak(c)]
        why = (f"{' and '.join(fine)} {'is' if len(fine) == 1 else 'are'} not significantly below the {r.target:.2f} "
               "target, so the boundary is to be clarified rather than a reliable class merged into a weak one: ")
    evidence = f"{why}{dx['diagnosis_note']}; kappa({a})={row['kappa_a']:.2f}, kappa({b})={row['kappa_b']:.2f}"
    gain = float(dx["merge_gain"]) if np.isfinite(dx["merge_gain"]) else 0.0
    gaps = list(few)
    if min(row["kappa_a"], row["kappa_b"]) >= r.target:
        gaps.append(f"both classes already meet the {r.target:.2f} target (kappa {row['kappa_a']:.2f} and "
                    f"{row['kappa_b']:.2f}), so the confusion does not call for a change")
    elif not matters(dx, ctx.weak(a), ctx.weak(b)):
        likely = upper_bound(dx["pair_kappa"], dx["pair_kappa_standard_error"], r.clarify_confidence)
        pair = (f", nor is the agreement on which of the two likely below it (kappa {dx['pair_kappa']:.2f}, one-sided "
                f"{r.clarify_confidence:.0%} upper bound {beside_target(likely, r.target)})"
                if np.isfinite(likely) else "")
        gaps.append(f"neither class is significantly below the {r.target:.2f} target (one-sided test; kappa "
                    f"{row['kappa_a']:.2f} and {row['kappa_b']:.2f}){pair}")
    if not (np.isfinite(gain) and gain >= r.min_gain):
        gaps.append(f"the confusion costs only {gain:+.3f} of Fleiss' kappa (the simulated gain of merging them; "
                    f"minimum {r.min_gain:.3f})")
    effect = (f"a clearer {a}/{b} boundary with the borderline examples"
              + (" (review the disputed gold labels with the guideline author first)"
                 if dx["diagnosis"] == "gold_split" else "")
              + f"; the confusion costs about {gain:.3f} of Fleiss' kappa (the simulated gain of merging them)")
    return _proposal("clarify", names, evidence=evidence, effect=effect, gaps=gaps, priority=gain,
                     examples=tuple(row["example_items"]))


def _merge(ctx: Context, row: pd.Series, dx: pd.Series, names: tuple[str, str], few: list[str]) -> dict[str, Any]:
    r = ctx.rules
    n = int(row["n_items"])
    ch = _change(dx, r.confidence_level)
    gaps = list(few)
    if dx["diagnosis"] != "class_overlap":
        gaps.append(f"the cause is not established — {dx['diagnosis_note']}")
    if min(row["kappa_a"], row["kappa_b"]) >= r.target:
        gaps.append(f"both classes already meet the {r.target:.2f} target (kappa {row['kappa_a']:.2f}, "
                    f"{row['kappa_b']:.2f}), so the confusion does not call for a merge")
    elif not (ctx.weak(names[0]) and ctx.weak(names[1])):
        fine = [c for c in names if not ctx.weak(c)]
        gaps.append(f"a merge needs both classes significantly below the {r.target:.2f} target (one-sided test), "
                    f"but {' and '.join(fine)} {'is' if len(fine) == 1 else 'are'} not")
    if ctx.aset.unknown_label in names:
        gaps.append(f"one side is the Unknown/Other class '{ctx.aset.unknown_label}': merging a class into it "
                    "hides the class — clarify when Unknown is to be used instead")
    gaps += gain_gaps(ch, r)
    evidence = (f"kappa({names[0]})={row['kappa_a']:.2f}, kappa({names[1]})={row['kappa_b']:.2f}; "
                f"{int(row['n_disagreements'])} pairs of disagreeing ratings on {n} items — "
                f"{_pct(row['share_of_disagreements'])} of all disagreements, {_pct(row['share_of_a'])} of "
                f"{names[0]}'s and {_pct(row['share_of_b'])} of {names[1]}'s; {row['ratio']:.2f}× the chance rate, "
                f"{row['lift']:.1f}× the average pair; {_shares_text(row)}"
                + (f"; {dx['diagnosis_note']}" if dx["diagnosis"] == "class_overlap" else ""))
    return _proposal("merge", names, evidence=evidence, effect=effect_text(f"merging {names[0]} and {names[1]}", ch),
                     gaps=gaps, change=ch, examples=tuple(row["example_items"]))


# -- lift to parent -----------------------------------------------------------------------------------
def _descendants(tax: "Taxonomy", node: str) -> list[str]:
    return [n for n in tax.names if node in tax.ancestors(n)]


def lift_rules(ctx: Context, retrain_pairs: set[tuple[str, str]]) -> tuple[list[dict[str, Any]], set[frozenset[str]]]:
    """Lift-to-parent proposals; returns them and the leaf pairs they cover (no separate merge for those)."""
    r, tax = ctx.rules, ctx.taxonomy
    out: list[dict[str, Any]] = []
    covered: set[frozenset[str]] = set()
    if tax is None or ctx.levels is None or not tax.is_hierarchical:
        return out, covered
    nodes = ctx.levels[ctx.levels["node"].notna()]
    hot = ctx.hotspots
    for _, row in nodes.iterrows():
        node, children = str(row["node"]), tuple(row["categories"])
        if not (row["kappa"] < r.target and row["node_kappa"] >= r.target):
            continue
        below = set(_descendants(tax, node))
        child_of = {leaf: next((c for c in children if c == leaf or c in tax.ancestors(leaf)), None) for leaf in below}
        inside = hot[hot["class_a"].isin(below) & hot["class_b"].isin(below)]
        inside = inside[[child_of.get(a) != child_of.get(b) for a, b in zip(inside["class_a"], inside["class_b"])]]
        total = float(inside["weighted_disagreements"].sum())
        if total <= 0:
            continue
        rank = {c: k for k, c in enumerate(children)}
        by_child = inside.groupby([[tuple(sorted((child_of[a], child_of[b]), key=rank.get)) for a, b in
                                    zip(inside["class_a"], inside["class_b"])]])["weighted_disagreements"].sum()
        by_child = by_child.sort_values(ascending=False)
        retrained = sum(d for a, b, d in zip(inside["class_a"], inside["class_b"], inside["weighted_disagreements"])
                        if (a, b) in retrain_pairs)
        if retrained / total >= r.retrain_share:
            ctx.notes.append(f"{node}: children confused but {retrained / total:.0%} of it is one annotator's — "
                             "retraining, not lifting")
            continue
        if len(children) >= 3 and by_child.iloc[0] / total >= r.pair_share:
            ctx.notes.append(f"{node}: {by_child.index[0][0]}/{by_child.index[0][1]} holds "
                             f"{by_child.iloc[0] / total:.0%} of the confusion among its children — a merge of that "
                             "pair is the more specific remedy")
            continue
        mapping = {c: node for c in ctx.cats if c in below or c == node}
        ch = change_after_mapping(ctx.aset, ctx.cats, mapping, confidence_level=r.confidence_level)
        gaps = ([f"only {count_noun(int(row['n_items']), 'item')} with two or more ratings inside {node} (need ≥ {r.min_items})"]
                if row["n_items"] < r.min_items else []) + gain_gaps(ch, r)
        spread = ", ".join(f"{a}/{b} {d / total:.0%}" for (a, b), d in by_child.head(4).items())
        evidence = (f"inside {node}, annotators agree on the child class only with kappa {row['kappa']:.2f} "
                    f"({interval_text(row['ci_low'], row['ci_high'], r.confidence_level)}, {int(row['n_items'])} "
                    f"items), while {node} itself agrees with kappa {row['node_kappa']:.2f} "
                    f"({interval_text(row['node_ci_low'], row['node_ci_high'], r.confidence_level)}); "
                    f"the confusion spreads over {count_noun(len(by_child), 'sibling pair')}: {spread}")
        examples = tuple(inside.iloc[0]["example_items"]) if len(inside) else ()
        out.append(_proposal("lift_to_parent", (node,) + tuple(c for c in children), evidence=evidence,
                             effect=effect_text(f"labelling {', '.join(children)} as {node}", ch), gaps=gaps,
                             change=ch, examples=examples))
        if not gaps:
            covered.update(frozenset((a, b)) for a, b in zip(inside["class_a"], inside["class_b"]))
    return out, covered


# -- clarify ------------------------------------------------------------------------------------------
def clarify_rules(ctx: Context, handled: set[str], proposed_pairs: set[frozenset[str]]) -> list[dict[str, Any]]:
    """Guideline clarifications for low-kappa classes no other proposal explains."""
    r = ctx.rules
    o = ctx.coincidence
    pq = (ctx.by_category["prevalence"] * (1 - ctx.by_category["prevalence"])).to_numpy(dtype=float)
    out = []
    for c, name in enumerate(ctx.cats):
        k, lo, hi = ctx.class_kappa(name)
        if name in handled or name == ctx.aset.unknown_label or not np.isfinite(k) or k >= r.target:
            continue
        row = o[c].copy()
        row[c] = 0.0
        off = row.sum()
        if off <= 0:
            continue
        order = np.argsort(-row, kind="stable")
        order = order[row[order] > 0]
        top_share = row[order[0]] / off
        partner = ctx.cats[order[0]]
        classes: tuple[str, ...] = (name,)
        if top_share >= r.dominant_share:
            if frozenset((name, partner)) in proposed_pairs:
                continue
            classes = (name, partner)
        used = int(co_use_matrix(ctx.aset)[c, c])  # items on which the class was used
        gaps = [f"only {count_noun(used, 'item')} {'uses' if used == 1 else 'use'} {name} (need ≥ {r.min_items})"] if used < r.min_items else []
        gaps += _annotator_explains(ctx, c, name)
        if not hi < r.target:
            gaps.append(f"kappa({name}) = {k:.2f} is not clearly below the {r.target:.2f} target "
                        f"({interval_text(lo, hi, r.confidence_level)})")
        spread = ", ".join(f"{ctx.cats[j]} {row[j] / off:.0%}" for j in order[:4])
        what = (f"its disagreements spread over {spread} — no single partner" if len(classes) == 1 else
                f"{top_share:.0%} of its disagreements are with {partner} ({spread}), a pair no other proposal covers")
        evidence = f"kappa({name}) = {k:.2f} ({interval_text(lo, hi, r.confidence_level)}); {what}"
        stake = pq[c] * (r.target - k) / pq.sum() if pq.sum() > 0 else 0.0
        effect = (f"a clearer definition with the borderline examples; raising kappa({name}) to {r.target:.2f} would "
                  f"lift Fleiss' kappa by about {stake:.3f} (overall kappa is the p(1−p)-weighted mean of the "
                  "per-class kappas, Fleiss 1971)")
        out.append(_proposal("clarify", classes, evidence=evidence, effect=effect, gaps=gaps, priority=stake,
                             examples=example_items(ctx.aset, [("class", c)], 5)[0][0]))
    return out


def _annotator_explains(ctx: Context, c: int, name: str) -> list[str]:
    """A gap when one annotator flagged by :func:`analytics.agreement_with_peers` makes ≥ ``retrain_share`` of the
    class's dissent (their label is *c* where the others' plurality is not, or the reverse): then it is theirs."""
    from .._reshape import is_distributed
    from ..annotators.drift import leave_one_out_codes
    from ..annotators.peers import agreement_with_peers

    aset = ctx.aset
    if not aset.annotators_known or is_distributed(aset):
        return []
    if "peers" not in ctx.cache:
        ref = leave_one_out_codes(aset)
        ctx.cache["peers"] = (ref, agreement_with_peers(aset, confidence_level=ctx.rules.confidence_level).flagged)
    ref, flagged = ctx.cache["peers"]
    if "peer_labels" not in ctx.cache:  # annotations per (annotator, own label, others' plurality or -1): one pass
        k = aset.n_categories
        ctx.cache["peer_labels"] = np.bincount((aset.annotator_codes * k + aset.label_codes) * (k + 1) + ref + 1,
                                               minlength=aset.n_annotators * k * (k + 1)).reshape(-1, k, k + 1)
    joint = ctx.cache["peer_labels"]
    own, other = np.arange(joint.shape[1])[:, None], np.arange(joint.shape[2])[None, :] - 1
    dissent = (other >= 0) & ((own == c) != (other == c))  # (own label, reference) pairs that dissent on c
    per = joint[:, dissent].sum(axis=1)
    if per.sum() == 0:
        return []
    x = int(np.argmax(per))
    who, share = str(aset.annotator_ids[x]), per[x] / per.sum()
    if who in flagged and share >= ctx.rules.retrain_share:
        return [f"{who} makes {share:.0%} of the dissent on {name} and agrees with the other annotators far less than "
                "the rest: retrain them rather than rewrite the definition"]
    return []


# -- add or widen Other -------------------------------------------------------------------------------
def add_other_rules(ctx: Context) -> list[dict[str, Any]]:
    from .unknown import unknown_share

    r = ctx.rules
    res = unknown_share(ctx.original, alarm_points=r.alarm_points, confidence_level=r.confidence_level)
    low = (f"; {count_noun(res.n_low_confidence, 'item')} {'has' if res.n_low_confidence == 1 else 'have'} a model top probability below {res.threshold:.2f}"
           if ctx.original.has_predictions else "")
    if res.unknown_label is None:
        return [_proposal("add_other", (), evidence=f"none of the {ctx.aset.n_categories} classes is an Unknown/Other "
                          f"class, so annotators must force unsure items into a class{low}",
                          effect="an Unknown/Other class catches the items the classes do not cover and makes a "
                          "taxonomy gap visible (its share can then be monitored per round)", gaps=[], priority=0.0)]
    out = []
    near = ", ".join(f"{c} {s:.0%}" for c, s in zip(res.by_class["category"].head(3), res.by_class["neighbour_share"].head(3))
                     if np.isfinite(s))
    for _, row in res.by_round[res.by_round["status"].isin(["alarm", "watch"])].iterrows():
        gaps = [] if row["status"] == "alarm" else [
            f"the rise is not significant (two-proportion z-test p = {row['p_value']:.2g})"]
        evidence = (f"'{res.unknown_label}' grew by {row['change_points']:.1f} points to {row['share']:.1%} in round "
                    f"{row['round']} (p = {row['p_value']:.2g}); the others said {near} on those items")
        out.append(_proposal("add_other", (res.unknown_label,), evidence=evidence,
                             effect="widen Other or add the missing classes its neighbourhood points to",
                             gaps=gaps, priority=row["change_points"] / 100.0))
    if res.share >= r.max_unknown_share:
        evidence = (f"'{res.unknown_label}' is {res.share:.1%} of all labels ({r.confidence_level:.0%} CI "
                    f"{res.ci_low:.1%}–{res.ci_high:.1%}), above {r.max_unknown_share:.0%}; the others said {near} "
                    f"on those items{low}")
        out.append(_proposal("add_other", (res.unknown_label,), evidence=evidence,
                             effect="add the classes the Unknown items belong to, or widen Other's definition",
                             gaps=[] if res.ci_low >= r.max_unknown_share else
                             [f"the interval's lower bound {res.ci_low:.1%} is below {r.max_unknown_share:.0%}"],
                             priority=res.share - r.max_unknown_share))
    return out


# -- collect more -------------------------------------------------------------------------------------
def collect_more_rules(ctx: Context, merged: set[str]) -> list[dict[str, Any]]:
    from .imbalance import class_balance

    r = ctx.rules
    out = []
    bal = class_balance(ctx.aset, ci_width=r.ci_width, min_items=r.min_items, confidence_level=r.confidence_level)
    for _, row in bal.table[~bal.table["stable"]].iterrows():
        name = row["category"]
        if name in merged or name == ctx.aset.unknown_label:
            continue
        evidence = (f"{name}: {count_noun(int(row['n_items']), 'consensus item')} ({row['prevalence']:.1%} of items); "
                    f"{row['reason']}")
        effect = (f"about {int(row['n_class_items_needed'])} items of {name} ({int(row['n_more_items'])} more) would "
                  f"narrow its kappa interval to {r.ci_width:.2f}")
        out.append(_proposal("collect_more", (name,), evidence=evidence, effect=effect, gaps=[], priority=0.0))
    return out
