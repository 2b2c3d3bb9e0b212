r"""Taxonomy redesign: a ranked list of proposals — merge, lift to parent, clarify, add Other, collect more, retrain.

:func:`recommend_taxonomy_changes` reads the confusion hotspots, the per-class and per-level kappas, the
Unknown share and the class balance of one annotation set, and proposes changes with the numbers behind
them. Every proposal that changes labels (merge, lift, retrain) is **simulated** on the count tables and its
expected effect is the simulated change of Fleiss' kappa with a paired interval (:mod:`analytics.taxonomy._whatif`).

Evidence rules (all thresholds are options)
-------------------------------------------
Candidate pairs are the ``top`` hotspots whose merge would raise Krippendorff's alpha (score > 0, i.e. the
pair is confused more than an even spread of the observed disagreement would give). Each gets one proposal, of
the kind its **diagnosis** calls for — :func:`analytics.taxonomy.pairs.diagnose_class_pairs`, the same diagnosis the
hotspot table, the report and the Overview show (one stated test per diagnosis, Holm-adjusted):

* **retrain_annotator** — diagnosis ``annotator_confusion``: an annotator's swap rate on the pair is significantly
  above the others' (one-sided Fisher exact test, Holm over every pair × annotator) and removing them removes
  ≥ ``annotator_removal`` of the pair's disagreement (the others tell the classes apart). Recommended when the
  simulated gain of their labelling the pair like the others is ≥ ``min_gain`` with a paired interval above 0.
* **clarify** (the pair) — diagnosis ``gold_split`` (gold sides with the item's majority significantly less often
  than a correct gold would: review the disputed gold labels, then state the boundary), or ``class_overlap`` while
  gold shows the classes can be told apart (gold names one class, or sides with the majority, on ≥ 80% of the
  disputed gold items); or ``not_enough_evidence`` while the confusion costs agreement and no annotator stands
  out (:func:`analytics.taxonomy.pairs.cause_untold_but_costly`). Each pair's clarification is recommended when
  one of its classes is significantly below ``target`` or the annotators' agreement on which of the two is
  *likely* below it (one-sided ``clarify_confidence`` bound, 0.8 by default: a clarification is cheap and is
  checked again by the next round, so it needs less evidence than a merge).
* **merge** — diagnosis ``class_overlap`` (merging raises Fleiss' kappa significantly), when the classes were both
  used on ≥ ``min_items`` items, *both* per-class kappas are significantly below ``target`` (one-sided test
  :math:`\kappa + z\,\mathrm{SE} < \text{target}`; a reliable class is not merged into a weak one — the boundary is
  clarified instead, when at least one of the two is significantly below), neither is the Unknown class,
  and the simulated gain in Fleiss' kappa is ≥ ``min_gain`` with a paired interval above 0. A pair diagnosed
  ``not_enough_evidence`` is listed as a held-back merge with the diagnosis as what is missing.
* **lift_to_parent** — a parent node whose children agree poorly (within-node kappa < ``target``, see
  :func:`agreement_by_level`) while the node itself agrees (its per-class kappa at its level ≥ ``target``),
  unless one annotator explains ≥ ``retrain_share`` of the confusion (retrain instead) or, with three or more
  children, one sibling pair holds ≥ ``pair_share`` of it (merge that pair instead); ≥ ``min_items`` items
  and the same gain condition as a merge. Pairs inside a lifted node get no separate merge.
* **clarify** — a class (not Unknown) with per-class kappa whose upper bound is below ``target``, used on
  ≥ ``min_items`` items and not explained by another proposal: no partner holds ≥ ``dominant_share`` of its
  disagreements (else the boundary with that partner is to be clarified), and no annotator flagged by
  :func:`analytics.agreement_with_peers` makes ≥ ``retrain_share`` of the class's dissent (then it is theirs).
  Comes with borderline items.
* **add_other** — no Unknown/Other class at all; or its share rose by more than ``alarm_points`` between
  rounds with a significant two-proportion test; or it is ≥ ``max_unknown_share`` of the labels.
* **collect_more** — a class whose per-class kappa interval is wider than ``ci_width`` or that has fewer
  than ``min_items`` consensus items (:func:`class_balance`), unless a recommended merge or lift absorbs it.

A proposal that fails a condition is kept with ``status="held back"`` and ``missing_evidence`` saying what is
missing; recommended proposals come first, by ``priority`` — the simulated kappa gain (merge, lift, retrain),
the kappa at stake (clarify: the class's p(1−p)-weighted shortfall from target), the Unknown rise (add_other)
— then held-back ones.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43

Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
378–382. https://doi.org/10.1037/h0031619

Fisher, R. A. (1922). On the interpretation of χ² from contingency tables, and the calculation of P. Journal
of the Royal Statistical Society, 85(1), 87–94. https://doi.org/10.2307/2340521
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import pandas as pd

from ._recommend_rules import (
    Context,
    Rules,
    add_other_rules,
    clarify_rules,
    collect_more_rules,
    effect_text,
    lift_rules,
    pair_rules,
)
from .._reshape import coincidence_matrix
from ._pair_actions import check_clarify_confidence
from ._whatif import change_after_mapping
from ..agreement._counts import count_estimate
from ..agreement._input import require_annotation_set
from ..agreement._results import check_confidence_level
from .confusion import hotspot_table, units
from ..exceptions import InvalidParameterError, UndefinedMetricWarning
from ..results import ResultMixin
from .._wording import count_noun

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["ACTIONS", "Recommendation", "TaxonomyRecommendations", "recommend_taxonomy_changes"]

#: The kinds of proposal.
ACTIONS = ("merge", "lift_to_parent", "clarify", "add_other", "collect_more", "retrain_annotator")

_COLUMNS = ["rank", "action", "classes", "annotators", "status", "priority", "evidence", "expected_effect",
            "missing_evidence", "kappa_before", "kappa_after", "gain_ci_low", "gain_ci_high", "example_items"]


@dataclass(frozen=True)
class Recommendation(ResultMixin):
    """One proposed change to the taxonomy or the team.

    Attributes
    ----------
    rank : int
        1 = most important.
    action : str
        One of :data:`ACTIONS`.
    classes : tuple of str
        The classes concerned (``lift_to_parent``: the parent, then its children; ``add_other`` without an
        Unknown class: empty).
    annotators : tuple of str
        ``retrain_annotator``: who; empty otherwise.
    evidence : str
        The numbers behind the proposal, in words.
    expected_effect : str
        Simulated change of Fleiss' kappa (merge, lift, retrain) or what the change should achieve.
    priority : float
        Ranking score (kappa points for merge, lift, retrain and clarify; see the module docstring).
    status : {"recommended", "held back"}
    missing_evidence : str or None
        What a held-back proposal lacks.
    kappa_before, kappa_after, gain_ci_low, gain_ci_high : float
        Simulated Fleiss' kappa before/after and the paired interval of the gain (NaN when not simulated).
    example_items : tuple of str
        Items to look at (most evenly split first).
    """

    rank: int
    action: str
    classes: tuple[str, ...]
    annotators: tuple[str, ...]
    evidence: str
    expected_effect: str
    priority: float
    status: str
    missing_evidence: str | None
    kappa_before: float
    kappa_after: float
    gain_ci_low: float
    gain_ci_high: float
    example_items: tuple[str, ...]

    @property
    def recommended(self) -> bool:
        return self.status == "recommended"

    @property
    def kappa_gain(self) -> float:
        return self.kappa_after - self.kappa_before

    def __str__(self) -> str:
        who = f" ({', '.join(self.annotators)})" if self.annotators else ""
        head = f"{self.rank}. {' '.join([self.action, ' + '.join(self.classes)]).strip()}{who}"
        tail = f" — held back: {self.missing_evidence}" if self.missing_evidence else ""
        return f"{head}: {self.expected_effect}. Evidence: {self.evidence}.{tail}"


@dataclass(frozen=True, eq=False)
class TaxonomyRecommendations(ResultMixin):
    """The ranked proposals of :func:`recommend_taxonomy_changes`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per proposal (the fields of :class:`Recommendation`), best first.
    recommendations : tuple of Recommendation
        The same, as objects.
    kappa : float
        Fleiss' kappa of the set as it is.
    kappa_after_all : float
        Fleiss' kappa with every recommended merge and lift applied together (NaN when there is none).
    combined_effect : str
    sentence : str
    rules : dict
        The evidence thresholds used.
    notes : tuple of str
        Why some candidates became no proposal (e.g. a node whose confusion is one annotator's).
    """

    table: pd.DataFrame
    recommendations: tuple[Recommendation, ...]
    kappa: float
    kappa_after_all: float
    combined_effect: str
    sentence: str
    rules: dict
    notes: tuple[str, ...]

    def __iter__(self) -> Iterator[Recommendation]:
        return iter(self.recommendations)

    def __len__(self) -> int:
        return len(self.recommendations)

    @property
    def top(self) -> Recommendation | None:
        """The highest-ranked recommended proposal."""
        return next((r for r in self.recommendations if r.recommended), None)

    def of(self, action: str, *, recommended_only: bool = True) -> list[Recommendation]:
        """Proposals of one action."""
        if action not in ACTIONS:
            raise InvalidParameterError(f"action must be one of {ACTIONS}; got {action!r}.")
        return [r for r in self.recommendations if r.action == action and (r.recommended or not recommended_only)]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _check(rules: Rules) -> None:
    check_confidence_level(rules.confidence_level)
    check_clarify_confidence(rules.clarify_confidence)
    for name in ("target", "annotator_removal", "dominant_share", "pair_share", "retrain_share",
                 "max_unknown_share"):
        value = getattr(rules, name)
        if not isinstance(value, (int, float)) or not 0.0 < float(value) <= 1.0:
            raise InvalidParameterError(f"{name}= must be a number in (0, 1]; got {value!r}.")
    for name in ("min_items", "top"):
        value = getattr(rules, name)
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidParameterError(f"{name}= must be a positive integer; got {value!r}.")
    if not isinstance(rules.min_gain, (int, float)) or rules.min_gain < 0:
        raise InvalidParameterError(f"min_gain= must be ≥ 0; got {rules.min_gain!r}.")
    if not isinstance(rules.ci_width, (int, float)) or not 0 < rules.ci_width < 2:
        raise InvalidParameterError(f"ci_width= must be in (0, 2); got {rules.ci_width!r}.")
    if not isinstance(rules.alarm_points, (int, float)) or not 0 <= rules.alarm_points < 100:
        raise InvalidParameterError(f"alarm_points= must be in [0, 100); got {rules.alarm_points!r}.")


def _context(original: "AnnotationSet", rules: Rules) -> Context:
    from ..agreement import fleiss_kappa_by_category
    from .hierarchy import agreement_by_level

    aset = units(original, "recommend_taxonomy_changes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        by_cat = fleiss_kappa_by_category(aset, confidence_level=rules.confidence_level)
    tax = aset.taxonomy
    levels = agreement_by_level(aset, confidence_level=rules.confidence_level) if tax is not None and \
        tax.is_hierarchical else None
    return Context(aset=aset, original=original, coincidence=coincidence_matrix(aset),
                   hotspots=hotspot_table(aset, top=None, details=rules.top,
                                          confidence_level=rules.confidence_level), by_category=by_cat,
                   kappa=count_estimate(aset, "fleiss", np.eye(aset.n_categories)).value, taxonomy=tax, rules=rules,
                   levels=levels)


def _combined(ctx: Context, proposals: list[dict[str, Any]]) -> tuple[float, str]:
    """Apply every recommended merge and lift together (classes that share a group end up in one)."""
    group: dict[str, str] = {}
    for p in proposals:
        if p["status"] != "recommended" or p["action"] not in ("merge", "lift_to_parent"):
            continue
        if p["action"] == "merge":
            members, name = set(p["classes"]), "+".join(p["classes"])
        else:
            node = p["classes"][0]
            members = {c for c in ctx.cats if c == node or node in (ctx.taxonomy.ancestors(c) if c in ctx.taxonomy else ())}
            name = node
        joined = {c for c, g in group.items() if g in {group.get(m) for m in members}} | members
        for c in joined:
            group[c] = name
    if not group:
        return math.nan, "no merge or lift is recommended"
    ch = change_after_mapping(ctx.aset, ctx.cats, group, confidence_level=ctx.rules.confidence_level)
    return ch.after, effect_text("applying every recommended merge and lift together", ch)


def _mark_overlaps(proposals: list[dict[str, Any]]) -> None:
    """Say so when a recommended merge shares a class with a higher-ranked one (their effects do not add up)."""
    seen: list[tuple[str, ...]] = []
    for p in proposals:
        if p["action"] != "merge" or p["status"] != "recommended":
            continue
        shared = [q for q in seen if set(q) & set(p["classes"])]
        if shared:
            p["evidence"] += (f"; shares a class with the merge of {' + '.join(shared[0])} ranked above — see "
                              "combined_effect for both together")
        seen.append(p["classes"])


def recommend_taxonomy_changes(
    annotations: Any,
    *,
    target: float = 0.8,
    min_items: int = 10,
    min_gain: float = 0.01,
    annotator_removal: float = 0.5,
    dominant_share: float = 0.5,
    pair_share: float = 0.8,
    retrain_share: float = 0.5,
    alarm_points: float = 5.0,
    max_unknown_share: float = 0.10,
    ci_width: float = 0.3,
    confidence_level: float = 0.95,
    top: int = 10,
    clarify_confidence: float = 0.8,
) -> TaxonomyRecommendations:
    """Ranked proposals to merge, lift, clarify or add classes, collect examples, or retrain an annotator.

    See the module docstring for the evidence each action needs; nothing is recommended on less, and a
    proposal that falls short is listed as held back with what is missing.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations; a hierarchical taxonomy (``load_annotations(..., taxonomy=)``) enables
        ``lift_to_parent``, gold labels add a gold verdict to the evidence, rounds enable the Unknown alarm.
    target : float
        The kappa a class (and the project) should reach.
    min_items : int
        Fewest items of evidence (disputed items of a pair, items inside a node, items using a class).
    min_gain : float
        Smallest simulated gain in Fleiss' kappa worth a merge, lift or retraining.
    annotator_removal : float
        Retraining (the ``annotator_confusion`` diagnosis): the share of the pair's disagreement that must disappear
        without the annotator.
    dominant_share : float
        Clarify: a partner with at least this share of a class's disagreements makes it a pair issue.
    pair_share, retrain_share : float
        Lift: one sibling pair (with ≥ 3 children) or one annotator's pairs holding this share of a node's
        confusion block the lift in favour of a merge or retraining.
    alarm_points, max_unknown_share : float
        add_other: rise of the Unknown share between rounds (percentage points) and its largest acceptable share.
    ci_width : float
        collect_more: widest acceptable interval of a per-class kappa.
    confidence_level : float
    top : int
        Candidate pairs considered (best hotspots by score).
    clarify_confidence : float
        A pair's clarification (not a merge) is also recommended when neither class is significantly below
        ``target`` but the annotators' agreement on which of the two is below it with this one-sided confidence
        (0.8: likely below; see :func:`analytics.diagnose_class_pairs`).

    Returns
    -------
    TaxonomyRecommendations

    References
    ----------
    Krippendorff (2011), https://repository.upenn.edu/asc_papers/43; Fleiss (1971),
    https://doi.org/10.1037/h0031619; Fisher (1922), https://doi.org/10.2307/2340521.

    Examples
    --------
    >>> from analytics import load_annotations
    >>> aset = load_annotations("sample_data/retail/annotations.csv", taxonomy="sample_data/retail/taxonomy.yaml")
    >>> rec = recommend_taxonomy_changes(aset)
    >>> rec.top.action, rec.top.classes
    ('merge', ('Shirt', 'Blouse'))
    """
    rules = Rules(target=target, min_items=min_items, min_gain=min_gain, annotator_removal=annotator_removal,
                  dominant_share=dominant_share, pair_share=pair_share, retrain_share=retrain_share,
                  alarm_points=alarm_points, max_unknown_share=max_unknown_share, ci_width=ci_width,
                  confidence_level=confidence_level, top=top, clarify_confidence=clarify_confidence)
    _check(rules)
    original = require_annotation_set(annotations)
    ctx = _context(original, rules)
    pairs = pair_rules(ctx)
    retrain = {tuple(p["classes"]) for p in pairs if p["action"] == "retrain_annotator" and p["status"] == "recommended"}
    lifts, covered = lift_rules(ctx, retrain)
    pairs = [p for p in pairs if frozenset(p["classes"]) not in covered or tuple(p["classes"]) in retrain]
    recommended = [p for p in pairs + lifts if p["status"] == "recommended"]
    handled = {c for p in recommended for c in p["classes"]}
    proposed = {frozenset(p["classes"]) for p in pairs} | covered
    proposals = pairs + lifts + clarify_rules(ctx, handled, proposed) + add_other_rules(ctx)
    absorbed = {c for p in recommended if p["action"] in ("merge", "lift_to_parent") for c in p["classes"]}
    proposals += collect_more_rules(ctx, absorbed)
    order = {a: k for k, a in enumerate(ACTIONS)}
    proposals.sort(key=lambda p: (p["status"] != "recommended", -p["priority"], order[p["action"]]))
    _mark_overlaps(proposals)
    recs = tuple(Recommendation(rank=k + 1, **p) for k, p in enumerate(proposals))
    table = pd.DataFrame([dataclasses.asdict(r) for r in recs], columns=_COLUMNS)
    after_all, combined = _combined(ctx, proposals)
    n_rec = sum(r.recommended for r in recs)
    top_rec = next((r for r in recs if r.recommended), None)
    sentence = (f"{count_noun(n_rec, 'recommendation')}, {len(recs) - n_rec} held back for more evidence; Fleiss' kappa is "
                f"{ctx.kappa:.2f}." + (f" First: {' '.join([top_rec.action, ' + '.join(top_rec.classes)]).strip()} — "
                                       f"{top_rec.expected_effect}." if top_rec else ""))
    return TaxonomyRecommendations(table=table, recommendations=recs, kappa=float(ctx.kappa),
                                   kappa_after_all=float(after_all), combined_effect=combined, sentence=sentence,
                                   rules=dataclasses.asdict(rules), notes=tuple(ctx.notes))
