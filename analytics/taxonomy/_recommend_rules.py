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
import pandas as pd
from scipy import stats

from .._reshape import SwapsFixed, annotator_pair_swaps, co_use_matrix, example_items, pair_disagreement_without
from ._whatif import Change, change_after_mapping, paired_change_of

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
    concentration: float = 0.5
    annotator_removal: float = 0.5
    dominant_share: float = 0.5
    pair_share: float = 0.8
    retrain_share: float = 0.5
    alarm_points: float = 5.0
    max_unknown_share: float = 0.10
    ci_width: float = 0.3
    confidence_level: float = 0.95
    top: int = 10

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

    @property
    def cats(self) -> tuple[str, ...]:
        return tuple(self.aset.categories)

    def code(self, name: str) -> int:
        return self.cats.index(name)

    def class_kappa(self, name: str) -> tuple[float, float, float]:
        row = self.by_category.iloc[self.code(name)]
        return float(row["kappa"]), float(row["ci_low"]), float(row["ci_high"])


def _pct(x: float) -> str:
    return f"{x:.0%}" if np.isfinite(x) else "n/a"


def effect_text(what: str, ch: Change) -> str:
    """``"<what> lifts Fleiss' kappa from 0.72 to 0.84 (simulated; +0.115, paired 95% CI …)"``."""
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


# -- class pairs: merge or retrain ----------------------------------------------------------------------
def _retrain_stats(ctx: Context, a: int, b: int, d: float, swaps: np.ndarray,
                   trials: np.ndarray) -> dict[str, Any] | None:
    """The pair's most-swapping annotator, their swap rates, and the pair without them (None: anonymous).

    ``swaps``, ``trials``: the pair's row of :func:`~analytics._reshape.annotator_pair_swaps`.
    """
    aset = ctx.aset
    if not aset.annotators_known:
        return None
    raters = int((trials > 0).sum())
    if raters < 3 or swaps.sum() == 0:
        return {"raters": raters}
    x = int(np.argmax(swaps))
    sx, tx = int(swaps[x]), int(trials[x])
    so, to = int(swaps.sum() - sx), int(trials.sum() - tx)
    p = float(stats.fisher_exact([[sx, tx - sx], [so, to - so]], alternative="greater")[1])
    d_without = pair_disagreement_without(aset, a, b, x)
    return {"raters": raters, "annotator": str(aset.annotator_ids[x]), "share": sx / swaps.sum(), "swaps": sx,
            "total_swaps": int(swaps.sum()), "rate": sx / max(tx, 1), "rate_others": so / max(to, 1), "p": p,
            "d_without": d_without, "reduction": 1.0 - d_without / d if d > 0 else math.nan,
            "change": paired_change_of(aset, SwapsFixed(a, b, x), confidence_level=ctx.rules.confidence_level)}


def _shares_text(row: pd.Series) -> str:
    shares = row["annotator_shares"] or {}
    if not shares:
        return "annotators are anonymous, so who confuses them is unknown"
    values = list(shares.values())
    k = len(values)
    return (f"all {k} annotators contribute {min(values):.0%}–{max(values):.0%} of the swaps" if k > 1
            else f"only {next(iter(shares))} swaps")


def pair_rules(ctx: Context) -> list[dict[str, Any]]:
    """Merge or retrain proposals for the ``top`` pairs whose merge would raise alpha (score > 0).

    The Fisher tests of the candidate pairs' top annotators are Holm-adjusted together.
    """
    from ..annotators.gold import holm

    r = ctx.rules
    cand = ctx.hotspots[(ctx.hotspots["score"] > 0)].head(r.top)
    codes = np.array([[ctx.code(a), ctx.code(b)] for a, b in zip(cand["class_a"], cand["class_b"])],
                     dtype=np.int64).reshape(-1, 2)
    swaps, trials = (annotator_pair_swaps(ctx.aset, codes) if ctx.aset.annotators_known and len(codes)
                     else (codes[:, :0], codes[:, :0]))  # every candidate pair in one pass
    stats_ = [_retrain_stats(ctx, int(a), int(b), float(d), s, t) for (a, b), d, s, t in
              zip(codes, cand["n_disagreements"], swaps, trials)]
    concentrated = [rt is not None and bool(rt.get("annotator")) and rt["share"] >= r.concentration for rt in stats_]
    p = np.array([rt["p"] if c else np.nan for rt, c in zip(stats_, concentrated)])
    adjusted, _ = holm(p, r.alpha)
    out = []
    for (_, row), rt, conc, p_adj in zip(cand.iterrows(), stats_, concentrated, adjusted):
        names = (str(row["class_a"]), str(row["class_b"]))
        n = int(row["n_items"])
        few = [f"only {n} item(s) on which both classes were used (need ≥ {r.min_items})"] if n < r.min_items else []
        if conc:
            out.append(_retrain(row, names, rt, p_adj, few, r))
        else:
            out.append(_merge(ctx, row, names, few))
    return out


def _retrain(row: pd.Series, names: tuple[str, str], rt: dict[str, Any], p_adj: float, few: list[str],
             r: Rules) -> dict[str, Any]:
    d, who = float(row["n_disagreements"]), rt["annotator"]
    gaps = list(few)
    if not p_adj < r.alpha:
        gaps.append(f"{who}'s swap rate is not significantly above the others' (Fisher exact p = {rt['p']:.2g}, "
                    f"Holm-adjusted over the candidate pairs {p_adj:.2g})")
    if not rt["reduction"] >= r.annotator_removal:
        gaps.append(f"without {who} the pair's disagreements fall by only {_pct(rt['reduction'])} "
                    f"(need ≥ {r.annotator_removal:.0%}), so the others confuse the classes too")
    gaps += gain_gaps(rt["change"], r)
    evidence = (f"{who} makes {rt['share']:.0%} of the {names[0]}/{names[1]} swaps ({rt['swaps']} of "
                f"{rt['total_swaps']}); swap rate {rt['rate']:.0%} vs {rt['rate_others']:.0%} for the other "
                f"{rt['raters'] - 1} annotators (Fisher exact p = {rt['p']:.2g}, Holm-adjusted {p_adj:.2g}); without "
                f"{who} the pair's disagreements fall from {d:.0f} to {rt['d_without']:.0f} (−{_pct(rt['reduction'])})"
                f"{', so the classes themselves are fine' if not gaps else ''}; kappa({names[0]})={row['kappa_a']:.2f}, "
                f"kappa({names[1]})={row['kappa_b']:.2f}")
    effect = effect_text(f"if {who} labelled {names[0]}/{names[1]} like the others, this", rt["change"])
    return _proposal("retrain_annotator", names, annotators=(who,), evidence=evidence, effect=effect, gaps=gaps,
                     change=rt["change"], examples=tuple(row["example_items"]))


def _merge(ctx: Context, row: pd.Series, names: tuple[str, str], few: list[str]) -> dict[str, Any]:
    r = ctx.rules
    d, n = float(row["n_disagreements"]), int(row["n_items"])
    into = "+".join(names)
    ch = change_after_mapping(ctx.aset, ctx.cats, {names[0]: into, names[1]: into},
                              confidence_level=r.confidence_level)
    gaps = list(few)
    if min(row["kappa_a"], row["kappa_b"]) >= r.target:
        gaps.append(f"both classes already meet the {r.target:.2f} target (kappa {row['kappa_a']:.2f}, "
                    f"{row['kappa_b']:.2f}), so the confusion does not call for a merge")
    if ctx.aset.unknown_label in names:
        gaps.append(f"one side is the Unknown/Other class '{ctx.aset.unknown_label}': merging a class into it "
                    "hides the class — clarify when Unknown is to be used instead")
    if row["gold_verdict"] == "annotator_error":
        gaps.append(f"gold: {row['gold_note']} — an annotator problem, not a taxonomy one")
    gaps += gain_gaps(ch, r)
    evidence = (f"kappa({names[0]})={row['kappa_a']:.2f}, kappa({names[1]})={row['kappa_b']:.2f}; {d:.0f} pairable "
                f"disagreements on {n} items — {_pct(row['share_of_disagreements'])} of all disagreements, "
                f"{_pct(row['share_of_a'])} of {names[0]}'s and {_pct(row['share_of_b'])} of {names[1]}'s; "
                f"{row['ratio']:.2f}× the chance rate, {row['lift']:.1f}× the average pair; {_shares_text(row)}; "
                f"gold: {row['gold_note']}")
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
        total = float(inside["n_disagreements"].sum())
        if total <= 0:
            continue
        rank = {c: k for k, c in enumerate(children)}
        by_child = inside.groupby([[tuple(sorted((child_of[a], child_of[b]), key=rank.get)) for a, b in
                                    zip(inside["class_a"], inside["class_b"])]])["n_disagreements"].sum()
        by_child = by_child.sort_values(ascending=False)
        retrained = sum(d for a, b, d in zip(inside["class_a"], inside["class_b"], inside["n_disagreements"])
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
        gaps = ([f"only {int(row['n_items'])} item(s) with two or more ratings inside {node} (need ≥ {r.min_items})"]
                if row["n_items"] < r.min_items else []) + gain_gaps(ch, r)
        spread = ", ".join(f"{a}/{b} {d / total:.0%}" for (a, b), d in by_child.head(4).items())
        evidence = (f"inside {node}, annotators agree on the child class only with kappa {row['kappa']:.2f} "
                    f"({r.confidence_level:.0%} CI {row['ci_low']:.2f}–{row['ci_high']:.2f}, {int(row['n_items'])} "
                    f"items), while {node} itself agrees with kappa {row['node_kappa']:.2f} (CI "
                    f"{row['node_ci_low']:.2f}–{row['node_ci_high']:.2f}); the confusion spreads over "
                    f"{len(by_child)} sibling pair(s): {spread}")
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
        gaps = [f"only {used} item(s) use {name} (need ≥ {r.min_items})"] if used < r.min_items else []
        if not hi < r.target:
            gaps.append(f"kappa({name}) = {k:.2f} is not clearly below the {r.target:.2f} target "
                        f"({r.confidence_level:.0%} CI {lo:.2f}–{hi:.2f})")
        spread = ", ".join(f"{ctx.cats[j]} {row[j] / off:.0%}" for j in order[:4])
        what = (f"its disagreements spread over {spread} — no single partner" if len(classes) == 1 else
                f"{top_share:.0%} of its disagreements are with {partner} ({spread}), a pair no other proposal covers")
        evidence = f"kappa({name}) = {k:.2f} ({r.confidence_level:.0%} CI {lo:.2f}–{hi:.2f}); {what}"
        stake = pq[c] * (r.target - k) / pq.sum() if pq.sum() > 0 else 0.0
        effect = (f"a clearer definition with the borderline examples; raising kappa({name}) to {r.target:.2f} would "
                  f"lift Fleiss' kappa by about {stake:.3f} (overall kappa is the p(1−p)-weighted mean of the "
                  "per-class kappas, Fleiss 1971)")
        out.append(_proposal("clarify", classes, evidence=evidence, effect=effect, gaps=gaps, priority=stake,
                             examples=example_items(ctx.aset, [("class", c)], 5)[0][0]))
    return out


# -- add or widen Other -------------------------------------------------------------------------------
def add_other_rules(ctx: Context) -> list[dict[str, Any]]:
    from .unknown import unknown_share

    r = ctx.rules
    res = unknown_share(ctx.original, alarm_points=r.alarm_points, confidence_level=r.confidence_level)
    low = (f"; {res.n_low_confidence} item(s) have a model top probability below {res.threshold:.2f}"
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
        evidence = (f"{name}: {int(row['n_items'])} consensus item(s) ({row['prevalence']:.1%} of items); "
                    f"{row['reason']}")
        effect = (f"about {int(row['n_class_items_needed'])} items of {name} ({int(row['n_more_items'])} more) would "
                  f"narrow its kappa interval to {r.ci_width:.2f}")
        out.append(_proposal("collect_more", (name,), evidence=evidence, effect=effect, gaps=[], priority=0.0))
    return out
