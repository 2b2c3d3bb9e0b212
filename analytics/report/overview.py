"""The project manager's verdict: the top problems of a pilot, in plain language, with their evidence.

:func:`top_problems` gathers the findings of the other analyses (agreement against the target, classes
that break agreement, the top taxonomy change or the most confused class pair with its diagnosis, gold labels the
annotators contradict, annotators below the golden-set target, below their peers or drifting, a large or growing
Unknown/Other share, the kappa paradox, a pilot too small to conclude) and ranks them by a severity in [0, 1].
Each finding says which page or analysis holds the detail, and each reads the same analysis its page shows (a
class pair's diagnosis from :func:`analytics.taxonomy.pairs.pair_diagnoses`, the Unknown alarm from
:func:`analytics.unknown_share`), so the Overview never contradicts a page.

Severity bands: the agreement verdict 0.45–1; specific findings with an action (a taxonomy change, a diagnosed
pair, suspect gold, an annotator flag, a rising Unknown share) 0.6–0.9; general ones (weak classes, a large Unknown
share, the kappa paradox, a small pilot) 0.4–0.6, so what to do comes before what is merely weak.
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
        ``agreement_cannot_be_measured`` (ranked first; the detail says what to do), ``agreement_below_target``,
        ``weak_classes``, ``taxonomy_change`` (the top recommended taxonomy change), ``confused_pair`` (the most
        confused pair with a diagnosis, or with an untold cause that costs agreement, when no change is recommended), ``gold_suspect`` (gold labels the annotators
        contradict), ``annotator_below_gold_target``, ``annotator_below_peers``,
        ``annotator_drift``, ``unknown_share``, ``kappa_paradox`` or ``pilot_too_small``.
    severity : float
        In [0, 1]; findings are ranked by it.
    headline : str
        One sentence a project manager reads.
    detail : str
        The numbers behind it and what to do.
    where : str
        The dashboard page (and analysis) with the detail.
    classes : tuple of str
        The classes the finding is about (a pair, the weak classes, the Unknown class); empty when none.
    annotators : tuple of str
        The annotators it names (to retrain, pause or check); empty when none.
    items : tuple of str
        The items it names (suspect gold labels); empty when none.
    action : str
        ``taxonomy_change``: the recommendation's action (:data:`analytics.taxonomy.recommend.ACTIONS`);
        ``confused_pair``: the action its diagnosis calls for (``retrain_annotator``, ``clarify`` or ``merge``; an
        untold cause only ``clarify``, :func:`analytics.taxonomy.pairs.pair_action`);
        empty for the other kinds (the kind says what to do).
    """

    kind: str
    severity: float
    headline: str
    detail: str
    where: str
    classes: tuple[str, ...] = ()
    annotators: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    action: str = ""


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


def _cannot_measure(headline: str, reason: str, what_to_do: str) -> Problem:
    return Problem(kind="agreement_cannot_be_measured", severity=0.95,
                   headline=f"{headline} cannot be measured: {reason}.", detail=what_to_do, where="Agreement")


def _agreement(aset: AnnotationSet, target: float, summary: Any = None) -> list[Problem]:
    from ..agreement import agreement_summary, fleiss_kappa_by_category

    if summary is None:
        summary = _quiet(lambda: agreement_summary(aset, target=target))
    out: list[Problem] = []
    if summary is None:
        return [_cannot_measure("Agreement", "the agreement summary does not apply to this set",
                                "Check the export on the Data page (import report), then come back.")]
    row = summary.table.set_index("coefficient").loc[summary.primary]
    if summary.verdict == "cannot be measured":
        return [_cannot_measure(str(row["label"]), summary.verdict_reason or "it is undefined for this set",
                                summary.what_to_do or "")]
    if summary.verdict == "not met":
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
        # the Unknown/Other safety valve is used when unsure, so it rarely agrees; its use is checked on its own
        weak = per_class[(per_class["ci_high"] < target) & per_class["kappa"].notna()
                         & (per_class["category"] != aset.unknown_label)].sort_values("kappa")
        if len(weak):
            shown = ", ".join(f"{c} (κ {k:.2f})" for c, k in zip(weak["category"].head(3), weak["kappa"].head(3)))
            out.append(Problem(
                kind="weak_classes", severity=float(min(0.6, 0.45 + (target - weak["kappa"].iloc[0]) / 2)),
                headline=f"{count_noun(len(weak), 'class')} {'breaks' if len(weak) == 1 else 'break'} agreement, "
                         f"worst: {shown}.",
                detail=(f"Their per-class Fleiss kappa is below {target:.2f} with 95% confidence. The diagnoses of the "
                        "pairs they are confused with say whether to fix a definition, retrain someone or check gold."),
                where="Agreement → per-category kappa", classes=tuple(str(c) for c in weak["category"])))
    return out


def _tag_agreement(aset: AnnotationSet, target: float) -> list[Problem]:
    """Multi-label sets: Krippendorff's alpha on tag sets (MASI) against the target — the coefficient for tag sets."""
    from ..agreement import krippendorff_alpha_multilabel
    from ..agreement.summary import tag_set_verdict

    est = _quiet(lambda: krippendorff_alpha_multilabel(aset))
    label = "Krippendorff's alpha on tag sets (MASI)"
    if est is None:
        return [_cannot_measure(label, "this tag set cannot be compared", "Check the export on the Data page.")]
    verdict, sentence, reason, todo = tag_set_verdict(aset, est, target)
    if verdict == "cannot be measured":
        return [_cannot_measure(label, reason or "it is undefined for this set", todo or "")]
    if verdict == "not met":
        return [Problem(kind="agreement_below_target", severity=0.6, headline=sentence, detail=todo or "",
                        where="Agreement")]
    return []


def _confused_pair(aset: AnnotationSet, target: float, flagged: set[str], min_gain: float = 0.01) -> list[Problem]:
    """The most confused pair that calls for an action (:func:`analytics.taxonomy.pairs.pair_action`: an established
    diagnosis, or an untold cause whose confusion costs agreement while no annotator stands out) and matters: one
    of its classes is significantly below the target (one-sided test), or the annotators' agreement on which of the
    two (the pair's own kappa) is likely below it (``pair_likely_below_target``: its one-sided 80 % bound), and,
    for a class-level diagnosis, the confusion costs at least ``min_gain`` of Fleiss' kappa (the recommendations'
    minimum). A pair confused by an annotator flagged on their own is that
    annotator's problem; a class-level diagnosis has to hold on the other annotators' labels too. The action is
    :func:`analytics.taxonomy.pairs.pair_action`'s, as in the recommendations."""
    from .._reshape import coincidence_matrix
    from ..agreement import fleiss_kappa_by_category
    from ..taxonomy._pairstats import units
    from ..taxonomy._pair_actions import matters
    from ..taxonomy.pairs import DIAGNOSIS_LABELS, below_target, pair_action, pair_diagnoses

    unit = _quiet(lambda: units(aset, "top_problems"))
    diag = _quiet(lambda: pair_diagnoses(unit, target=target)) if unit is not None else None
    per_class = _quiet(lambda: fleiss_kappa_by_category(unit)) if unit is not None else None
    if diag is None or per_class is None or diag.table.empty:
        return []
    weak = {str(c): below_target(float(k), float(se), target) for c, k, se in
            zip(per_class["category"], per_class["kappa"], per_class["standard_error"])}
    rest = None
    for _, dx in diag.table.iterrows():
        wa, wb = weak.get(dx["class_a"], False), weak.get(dx["class_b"], False)
        if not matters(dx, wa, wb) or set(dx["annotators"]) & flagged or not pair_action(dx, wa, wb,
                                                                                          aset.unknown_label):
            continue
        if dx["diagnosis"] != "annotator_confusion" and not dx["merge_gain"] >= min_gain:
            continue
        if dx["diagnosis"] != "annotator_confusion" and flagged and aset.annotators_known:
            rest = rest if rest is not None else _quiet(lambda: pair_diagnoses(units(_without(aset, flagged),
                                                                                    "top_problems"), target=target))
            again = _quiet(lambda: rest.of(dx["class_a"], dx["class_b"])) if rest is not None else None
            if again is None or again["diagnosis"] != dx["diagnosis"] or not pair_action(again, wa, wb,
                                                                                        aset.unknown_label):
                continue
        break
    else:
        return []
    o = coincidence_matrix(unit)
    cats = list(unit.categories)
    a, b = cats.index(dx["class_a"]), cats.index(dx["class_b"])
    total = o.sum() - np.trace(o)
    share = (o[a, b] + o[b, a]) / total if total > 0 else 0.0
    return [Problem(
        kind="confused_pair", severity=float(min(0.85, 0.6 + share / 2)),
        headline=(f"'{dx['class_a']}' and '{dx['class_b']}' are confused ({share:.0%} of all disagreements): "
                  + (f"{DIAGNOSIS_LABELS[dx['diagnosis']]}." if dx["diagnosis"] != "not_enough_evidence" else
                     "the cause is not established (clarify the boundary meanwhile).")),
        detail=f"{dx['diagnosis_note']}. {dx['what_to_do']}", where="Confusion & taxonomy → hotspots",
        classes=(str(dx["class_a"]), str(dx["class_b"])), annotators=tuple(dx["annotators"]),
        action=pair_action(dx, wa, wb, aset.unknown_label))]


def _without(aset: AnnotationSet, flagged: set[str]) -> AnnotationSet | None:
    """The set without the annotators flagged on their own (None when nobody else is left, or when the set is
    distributed: a Dask set has no row subset, so a class-level change cannot be re-checked and is not shown)."""
    from .._reshape import is_distributed

    if is_distributed(aset):
        return None
    keep = ~aset.frame["annotator_id"].astype(str).isin(flagged).to_numpy()
    return aset.subset(keep) if keep.any() else None


def _recommendation(aset: AnnotationSet, target: float, flagged: set[str], recs: Any = None) -> list[Problem]:
    """The top recommended change; retraining an annotator already flagged on their own (gold, peers, drift) is
    that annotator's problem, reported as such, so the next change is shown instead, and a change of the classes
    is shown only when it is also recommended on the labels of the annotators who are not flagged."""
    from ..taxonomy.recommend import recommend_taxonomy_changes

    if recs is None:
        recs = _quiet(lambda: recommend_taxonomy_changes(aset, target=target))
    if recs is None:
        return []
    # changes with simulated evidence on these classes; add_other / collect_more are guideline hygiene, reported on
    # the taxonomy page (a growing Unknown share is its own problem below)
    table = recs.table[(recs.table["status"] == "recommended")
                       & recs.table["action"].isin(["merge", "lift_to_parent", "retrain_annotator", "clarify"])]
    table = table[[not (set(who) & flagged) for who in table["annotators"]]]
    if flagged and len(table) and aset.annotators_known:
        # a class-level change must not be an artefact of the annotators flagged on their own: it has to be
        # recommended on the other annotators' labels too (the numbers shown stay those of the whole set)
        rest = _without(aset, flagged)
        again = _quiet(lambda: recommend_taxonomy_changes(rest, target=target)) if rest is not None else None
        kept = set() if again is None else {
            (a, frozenset(c)) for a, c, st in zip(again.table["action"], again.table["classes"], again.table["status"])
            if st == "recommended"}
        table = table[[a == "retrain_annotator" or (a, frozenset(c)) in kept
                       for a, c in zip(table["action"], table["classes"])]]
    if table.empty:
        return []
    top = table.iloc[0]
    gain = float(top["kappa_after"] - top["kappa_before"]) if np.isfinite(top["kappa_after"]) else float(top["priority"])
    who = f" ({', '.join(top['annotators'])})" if len(top["annotators"]) else ""
    return [Problem(
        kind="taxonomy_change", severity=float(min(0.9, 0.62 + 2 * max(gain, 0.0))),
        headline=f"Top change: {top['action'].replace('_', ' ')} {' + '.join(top['classes'])}{who} — {top['expected_effect']}.",
        detail=str(top["evidence"]), where="Confusion & taxonomy → recommendations",
        classes=tuple(str(c) for c in top["classes"]), annotators=tuple(str(a) for a in top["annotators"]),
        action=str(top["action"]))]


def _suspect_gold(aset: AnnotationSet, target: float = 0.8) -> tuple[list[Problem], set[str]]:
    """Gold labels the annotators' votes clearly contradict (:func:`analytics.find_label_errors` with the gold as given).

    A gold item counts when the people alone put at most 5% probability on its gold label, a strict majority of its
    raters chose one same other label and at most one in five chose the gold label, unless the gold label and
    the people's choice form a class pair diagnosed as overlapping or as split gold, or whose boundary is to be
    clarified though its cause is untold (:func:`analytics.taxonomy.pairs.cause_untold_but_costly`): there the
    disagreement is the pair's (reported with the pair), not evidence that this one gold label is wrong.
    """
    from ..annotators.label_errors import find_label_errors
    from ..taxonomy._pairstats import units
    from ..taxonomy.pairs import cause_untold_but_costly, pair_diagnoses

    if not aset.has_gold or not aset.annotators_known:
        return [], set()
    found = _quiet(lambda: find_label_errors(aset))
    if found is None:
        return [], set()
    from .._reshape import item_category_counts

    gold = found.candidates[(found.candidates["given_source"] == "gold") & (found.candidates["people_p_given"] <= 0.05)]
    if len(gold):  # and a strict majority of the item's raters chose the same other label
        counts = item_category_counts(aset)
        rows = aset.item_ids.get_indexer(gold["item_id"].astype(str))
        cols = [list(aset.categories).index(c) if c in aset.categories else -1 for c in gold["suggested_label"]]
        votes = np.array([counts[r, c] if r >= 0 and c >= 0 else 0 for r, c in zip(rows, cols)])
        given = [list(aset.categories).index(c) if c in aset.categories else -1 for c in gold["given_label"]]
        for_gold = np.array([counts[r, c] if r >= 0 and c >= 0 else 0 for r, c in zip(rows, given)])
        gold = gold[(2 * votes > gold["n_ratings"].to_numpy()) & (5 * for_gold <= gold["n_ratings"].to_numpy())]
    diag = _quiet(lambda: pair_diagnoses(units(aset, "top_problems"), target=target))
    if diag is not None and len(gold):
        d = diag.table
        t = d[d["diagnosis"].isin(["class_overlap", "gold_split"])]
        explained = {frozenset(p) for p in zip(t["class_a"], t["class_b"])}
        explained |= {frozenset((r["class_a"], r["class_b"])) for _, r in d[d["candidate"]].iterrows()
                      if cause_untold_but_costly(r)}  # untested pairs are never costly
        gold = gold[[frozenset((g, s)) not in explained for g, s in zip(gold["given_label"], gold["suggested_label"])]]
    if gold.empty:
        return [], set()
    shown = "; ".join(f"{i}: gold '{g}', votes {v}" for i, g, v in
                      gold[["item_id", "given_label", "votes"]].head(3).itertuples(index=False))
    n_gold = int(aset.gold.notna().sum()) if aset.gold is not None else len(gold)
    return [Problem(
        kind="gold_suspect", severity=float(min(0.88, 0.7 + len(gold) / max(n_gold, 1))),
        headline=(f"{count_noun(len(gold), 'gold label')} of {n_gold:,} {'is' if len(gold) == 1 else 'are'} "
                  f"probably wrong: the annotators' votes contradict {'it' if len(gold) == 1 else 'them'} ({shown})."),
        detail=("The people alone give each of these gold labels at most a 5% probability (Dawid–Skene posterior, "
                "votes weighted by each annotator's estimated reliability). Have the gold author review these items "
                "before auditing annotators on gold; the golden-set audit here leaves them out."),
        where="Model vs human → label errors", items=tuple(str(i) for i in gold["item_id"]))], \
        {str(i) for i in gold["item_id"]}


def _annotators(aset: AnnotationSet, suspect_gold: set[str]) -> list[Problem]:
    from ..annotators.drift import accuracy_over_time
    from ..annotators.gold import gold_accuracy_by_annotator
    from ..annotators.peers import agreement_with_peers

    out: list[Problem] = []
    if not aset.annotators_known or aset.multilabel:
        return out
    audited = aset
    if suspect_gold and aset.gold is not None:  # audit on the gold the annotators confirm
        keep = aset.gold[~aset.gold.index.astype(str).isin(suspect_gold)]
        audited = aset.with_attachments(gold=keep) if len(keep) else None
    audit = _quiet(lambda: gold_accuracy_by_annotator(audited)) if audited is not None and audited.has_gold else None
    gold_flagged: set[str] = set()
    if audit is not None:
        flagged = audit.table[audit.table["flagged"]].sort_values("accuracy")
        gold_flagged = {str(a) for a in flagged["annotator_id"]}
        if len(flagged):
            shown = ", ".join(f"{a} ({acc:.0%}, CI {lo:.0%}–{hi:.0%})" for a, acc, lo, hi in
                              flagged[["annotator_id", "accuracy", "ci_low", "ci_high"]].head(3).itertuples(index=False))
            left_out = (f" The {count_noun(len(suspect_gold), 'suspect gold label')} above "
                        f"{'is' if len(suspect_gold) == 1 else 'are'} left out." if suspect_gold else "")
            out.append(Problem(
                kind="annotator_below_gold_target", severity=0.7,
                headline=(f"{count_noun(len(flagged), 'annotator')} {'is' if len(flagged) == 1 else 'are'} "
                          f"significantly below the {audit.target:.0%} golden-set target: {shown}."),
                detail="One-sided exact binomial test with Holm correction across annotators. Retrain or pause them, "
                       "and re-route their items." + left_out, where="Annotators",
                annotators=tuple(str(a) for a in flagged["annotator_id"])))
    drift = _quiet(lambda: accuracy_over_time(audited if audited is not None else aset))
    drifting = set(drift.drifting) if drift is not None else set()
    if drift is not None and len(drift.drifting):
        tests = drift.tests.set_index("annotator_id")
        shown = ", ".join(f"{a} ({tests.loc[a, 'accuracy_first_half']:.0%} → {tests.loc[a, 'accuracy_second_half']:.0%})"
                          for a in drift.drifting[:3])
        out.append(Problem(kind="annotator_drift", severity=0.72,
                           headline=f"Accuracy declines within sessions for {shown}.",
                           detail=(f"Flagged when accuracy in the second half of a session is significantly lower "
                                   f"(two-proportion z-test, Holm across annotators) and at least "
                                   f"{100 * drift.min_decline:.0f} points lower than in the first half. Fatigue or "
                                   "guideline drift: shorter sessions, spot checks late in a session."),
                           where="Annotators → drift", annotators=tuple(str(a) for a in drift.drifting)))
    peers = _quiet(lambda: agreement_with_peers(aset))
    if peers is not None and peers.flagged:
        rows = peers.table.set_index("annotator_id")
        # the gold audit already names them; a drifting annotator's shortfall is the drift's
        new = [a for a in peers.flagged if a not in gold_flagged and a not in drifting]
        if new:
            shown = ", ".join(f"{a} ({rows.loc[a, 'agreement']:.0%} vs {rows.loc[a, 'others_agreement']:.0%})"
                              for a in new[:3])
            out.append(Problem(
                kind="annotator_below_peers", severity=0.68,
                headline=(f"{count_noun(len(new), 'annotator')} {'agrees' if len(new) == 1 else 'agree'} with the "
                          f"other annotators of their items far less than the rest do: {shown}."),
                detail=("Agreement with the others' majority on the same items, no gold needed (significantly more "
                        f"than {peers.margin:.0%} below the rest: one-sided score test, Holm across annotators). Look "
                        "at their labels on the Annotators page, then retrain or pause them."),
                where="Annotators → agreement with peers", annotators=tuple(new)))
    return out


def _unknown(aset: AnnotationSet) -> list[Problem]:
    """The Unknown/Other alarm of :func:`analytics.unknown_share` (the Confusion & taxonomy page's), or a large share."""
    from ..taxonomy.unknown import unknown_share

    if aset.unknown_label is None or aset.multilabel or aset.unknown_label not in aset.categories:
        return []
    res = _quiet(lambda: unknown_share(aset))
    if res is None or res.unknown_label is None:
        return []
    alarms = res.by_round[res.by_round["status"] == "alarm"]
    if len(alarms):
        row = alarms.sort_values("change_points", ascending=False).iloc[0]
        rounds = list(res.by_round["round"])
        before = res.by_round.iloc[rounds.index(row["round"]) - 1]
        near = ", ".join(str(c) for c in res.by_class["category"].head(3))
        return [Problem(kind="unknown_share", severity=float(min(0.85, 0.65 + row["change_points"] / 100.0)),
                        headline=(f"The '{res.unknown_label}' share grew from {before['share']:.0%} (round "
                                  f"{before['round']}) to {row['share']:.0%} (round {row['round']}): a sign of a "
                                  "taxonomy gap."),
                        detail=(f"Up {row['change_points']:.1f} points (one-sided two-proportion test p = "
                                f"{row['p_value']:.2g}). Look at what the other annotators chose on those items "
                                f"(most often {near}): a class may be missing."),
                        where="Confusion & taxonomy → Unknown / Other", classes=(str(res.unknown_label),))]
    if res.share > 0.10:
        return [Problem(kind="unknown_share", severity=0.5,
                        headline=f"{res.share:.0%} of labels are '{res.unknown_label}'.",
                        detail="A large Unknown/Other share points at missing classes or unclear definitions.",
                        where="Confusion & taxonomy → Unknown / Other", classes=(str(res.unknown_label),))]
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
        Ranked by severity; empty only when agreement is measured, meets the target with confidence and nothing
        else falls short.

    Examples
    --------
    >>> from analytics.samples import load_sample
    >>> [p.kind for p in top_problems(load_sample("digits"))][:1]
    ['agreement_below_target']
    """
    found: list[Problem] = []
    gold, suspect = _suspect_gold(annotations, target) if not annotations.multilabel else ([], set())
    people = _annotators(annotations, suspect)
    flagged = {a for p in people for a in p.annotators}
    if annotations.multilabel:
        found += _tag_agreement(annotations, target)
    else:
        found += _agreement(annotations, target, summary)
        found += _recommendation(annotations, target, flagged, recommendations) or _confused_pair(annotations, target, flagged)
        found += _unknown(annotations)
    found += gold + people
    found.sort(key=lambda p: -p.severity)
    return tuple(found[:n])
