"""The project manager's verdict: the top problems of a pilot, in plain language, with their evidence.

:func:`top_problems` gathers the findings of the other analyses (agreement against the target, classes
that break agreement, the most confused class pair, annotators below the golden-set target or drifting,
a large or growing Unknown/Other share, the kappa paradox, a pilot too small to conclude) and ranks
them by a severity in [0, 1]. Each finding says which page or analysis holds the detail.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._wording import count_noun
from .._schema import AnnotationSet
from ..exceptions import AnnotationQAError
from ..results import ResultMixin

__all__ = ["Problem", "top_problems"]


@dataclass(frozen=True)
class Problem(ResultMixin):
    """One finding for the project manager.

    Attributes
    ----------
    kind : str
        ``agreement_below_target``, ``weak_classes``, ``taxonomy_change`` (the top recommended taxonomy change),
        ``confused_pair`` (when no change is recommended), ``annotator_below_gold_target``,
        ``annotator_drift``, ``unknown_share``, ``kappa_paradox`` or ``pilot_too_small``.
    severity : float
        In [0, 1]; findings are ranked by it.
    headline : str
        One sentence a project manager reads.
    detail : str
        The numbers behind it and what to do.
    where : str
        The dashboard page (and analysis) with the detail.
    """

    kind: str
    severity: float
    headline: str
    detail: str
    where: str


def _quiet(fn: Callable[[], Any]) -> Any:
    """Run an analysis; ``None`` when it does not apply to this set (no gold, no annotator ids, …)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn()
        except AnnotationQAError:
            return None


def _by_round_text(summary: Any) -> str:
    """' Per round: 1 0.67 → 2 0.74.' for the primary coefficient, when the set has rounds."""
    by_round = summary.by_round
    if by_round is None or not len(by_round):
        return ""
    rows = by_round[by_round["coefficient"] == summary.primary]
    return " Per round: " + " → ".join(f"{r} {v:.2f}" for r, v in zip(rows["round"], rows["value"])) + "."


def _agreement(aset: AnnotationSet, target: float, summary: Any = None) -> list[Problem]:
    from ..agreement import agreement_summary, fleiss_kappa_by_category

    if summary is None:
        summary = _quiet(lambda: agreement_summary(aset, target=target))
    out: list[Problem] = []
    if summary is None:
        return out
    row = summary.table.set_index("coefficient").loc[summary.primary]
    if np.isfinite(row["value"]) and row["ci_low"] < target:
        below = row["value"] < target
        out.append(Problem(
            kind="agreement_below_target",
            severity=float(min(1.0, 0.6 + (target - row["value"]) * 2)) if below else 0.45,
            headline=(f"Agreement is {'below' if below else 'not yet confidently above'} the {target:.2f} target: "
                      f"{row['label']} {row['value']:.2f} (95% CI {row['ci_low']:.2f}–{row['ci_high']:.2f})."),
            detail="Fix the definitions of the weakest classes and the most confused pairs first, then label another "
                   "round to check." + _by_round_text(summary), where="Agreement"))
    if summary.kappa_paradox:
        out.append(Problem(kind="kappa_paradox", severity=0.5,
                           headline="High raw agreement but low kappa: one class dominates (the kappa paradox).",
                           detail=summary.paradox_note or "", where="Agreement"))
    width = row["ci_high"] - row["ci_low"]
    if np.isfinite(width) and width > 0.2:
        out.append(Problem(kind="pilot_too_small", severity=0.4,
                           headline=f"The pilot is too small to conclude: the interval of {row['label']} is {width:.2f} wide.",
                           detail="Label more items (see plan_pilot for how many a given interval width needs).",
                           where="Agreement"))
    per_class = _quiet(lambda: fleiss_kappa_by_category(aset))
    if per_class is not None:
        weak = per_class[(per_class["ci_high"] < target) & per_class["kappa"].notna()].sort_values("kappa")
        if len(weak):
            shown = ", ".join(f"{c} (κ {k:.2f})" for c, k in zip(weak["category"].head(3), weak["kappa"].head(3)))
            out.append(Problem(
                kind="weak_classes", severity=float(min(0.9, 0.5 + (target - weak["kappa"].iloc[0]))),
                headline=f"{count_noun(len(weak), 'class')} {'breaks' if len(weak) == 1 else 'break'} agreement, "
                         f"worst: {shown}.",
                detail=(f"Their per-class Fleiss kappa is below {target:.2f} with 95% confidence. Check the guideline "
                        "definitions of these classes and the pairs they are confused with."),
                where="Agreement → per-category kappa"))
    return out


def _confused_pair(aset: AnnotationSet) -> list[Problem]:
    from ..annotators.gold import gold_coverage

    coverage = _quiet(lambda: gold_coverage(aset, top_pairs=1))
    if coverage is None or coverage.by_pair.empty:
        return []
    top = coverage.by_pair.iloc[0]
    from .._reshape import coincidence_matrix

    o = coincidence_matrix(aset)
    total_disagreement = o.sum() - np.trace(o)
    if total_disagreement <= 0 or top["disagreements"] <= 0:
        return []
    share = top["disagreements"] / total_disagreement  # o_ck + o_kc over all off-diagonal mass
    return [Problem(
        kind="confused_pair", severity=float(min(0.85, 0.3 + share)),
        headline=f"'{top['class_a']}' and '{top['class_b']}' are the most confused pair: {share:.0%} of all disagreements.",
        detail="Decide whether to clarify the two definitions (with borderline examples), merge them, or lift them to "
               "their parent class.", where="Confusion & taxonomy")]


def _recommendation(aset: AnnotationSet, target: float, recs: Any = None) -> list[Problem]:
    from ..taxonomy.recommend import recommend_taxonomy_changes

    if recs is None:
        recs = _quiet(lambda: recommend_taxonomy_changes(aset, target=target))
    if recs is None:
        return []
    # changes with simulated evidence on these classes; add_other / collect_more are guideline hygiene, reported on
    # the taxonomy page (a growing Unknown share is its own problem below)
    table = recs.table[(recs.table["status"] == "recommended")
                       & recs.table["action"].isin(["merge", "lift_to_parent", "retrain_annotator", "clarify"])]
    if table.empty:
        return []
    top = table.iloc[0]
    gain = float(top["kappa_after"] - top["kappa_before"]) if np.isfinite(top["kappa_after"]) else 0.0
    who = f" ({', '.join(top['annotators'])})" if len(top["annotators"]) else ""
    return [Problem(
        kind="taxonomy_change", severity=float(min(0.9, 0.5 + 2 * max(gain, 0.0))),
        headline=f"Top change: {top['action'].replace('_', ' ')} {' + '.join(top['classes'])}{who} — {top['expected_effect']}.",
        detail=str(top["evidence"]), where="Confusion & taxonomy → recommendations")]


def _annotators(aset: AnnotationSet) -> list[Problem]:
    from ..annotators.drift import accuracy_over_time
    from ..annotators.gold import gold_accuracy_by_annotator

    out: list[Problem] = []
    if not aset.annotators_known or aset.multilabel:
        return out
    audit = _quiet(lambda: gold_accuracy_by_annotator(aset)) if aset.has_gold else None
    if audit is not None:
        flagged = audit.table[audit.table["flagged"]].sort_values("accuracy")
        if len(flagged):
            shown = ", ".join(f"{a} ({acc:.0%}, CI {lo:.0%}–{hi:.0%})" for a, acc, lo, hi in
                              flagged[["annotator_id", "accuracy", "ci_low", "ci_high"]].head(3).itertuples(index=False))
            out.append(Problem(
                kind="annotator_below_gold_target", severity=0.7,
                headline=f"{len(flagged)} annotator(s) are significantly below the {audit.target:.0%} golden-set target: {shown}.",
                detail="One-sided exact binomial test with Holm correction across annotators. Retrain or pause them, "
                       "and re-route their items.", where="Annotators"))
    drift = _quiet(lambda: accuracy_over_time(aset))
    if drift is not None and len(drift.drifting):
        tests = drift.tests.set_index("annotator_id")
        shown = ", ".join(f"{a} ({tests.loc[a, 'accuracy_first_half']:.0%} → {tests.loc[a, 'accuracy_second_half']:.0%})"
                          for a in drift.drifting[:3])
        out.append(Problem(kind="annotator_drift", severity=0.55,
                           headline=f"Accuracy declines within sessions for {shown}.",
                           detail="Fatigue or guideline drift: shorter sessions, spot checks late in a session.",
                           where="Annotators → drift"))
    return out


def _unknown(aset: AnnotationSet) -> list[Problem]:
    from .._reshape import category_totals, round_category_counts

    if aset.unknown_label is None or aset.multilabel or aset.unknown_label not in aset.categories:
        return []
    code = aset.categories.index(aset.unknown_label)
    totals = category_totals(aset)
    share = float(totals[code] / max(int(totals.sum()), 1))
    rounds = aset.rounds
    if len(rounds) >= 2:
        per_round = round_category_counts(aset)
        first_n, last_n = per_round[0].sum(), per_round[-1].sum()
        if first_n and last_n:
            first, last = per_round[0, code] / first_n, per_round[-1, code] / last_n
            if last - first > 0.05:
                return [Problem(kind="unknown_share", severity=0.65,
                                headline=(f"The '{aset.unknown_label}' share grew from {first:.0%} (round {rounds[0]}) "
                                          f"to {last:.0%} (round {rounds[-1]}): a sign of a taxonomy gap."),
                                detail="Look at what the other annotators chose on those items.",
                                where="Confusion & taxonomy")]
    if share > 0.10:
        return [Problem(kind="unknown_share", severity=0.5,
                        headline=f"{share:.0%} of labels are '{aset.unknown_label}'.",
                        detail="A large Unknown/Other share points at missing classes or unclear definitions.",
                        where="Confusion & taxonomy")]
    return []


def top_problems(annotations: AnnotationSet, *, target: float = 0.8, n: int = 3, summary: Any = None,
                 recommendations: Any = None) -> tuple[Problem, ...]:
    """The ``n`` most severe problems of a pilot, in plain language.

    Parameters
    ----------
    annotations : AnnotationSet
    target : float
        The agreement target (the field's bar is 0.8).
    n : int
        How many problems to return (fewer when the pilot has fewer).
    summary, recommendations : optional
        Results already computed for this set with this ``target`` (and the default confidence level):
        :func:`~analytics.agreement_summary` and :func:`~analytics.recommend_taxonomy_changes` (default options),
        used instead of computing them again (the quality report passes its own).

    Returns
    -------
    tuple of Problem
        Ranked by severity; empty when nothing falls short.

    Examples
    --------
    >>> from analytics.samples import load_sample
    >>> [p.kind for p in top_problems(load_sample("digits"))][:1]
    ['agreement_below_target']
    """
    found: list[Problem] = []
    if not annotations.multilabel:
        found += _agreement(annotations, target, summary)
        found += _recommendation(annotations, target, recommendations) or _confused_pair(annotations)
        found += _unknown(annotations)
    found += _annotators(annotations)
    found.sort(key=lambda p: -p.severity)
    return tuple(found[:n])
