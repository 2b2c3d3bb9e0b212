r"""Why do people disagree on two classes? One diagnosis per class pair, computed once and read everywhere.

The hotspot table (:func:`~analytics.confusion_hotspots`), the recommendations
(:func:`~analytics.recommend_taxonomy_changes`), the quality report and the Overview's top problems all read a
pair's diagnosis from :func:`pair_diagnoses` (cached per annotation set), so no two of them can disagree.

Diagnoses (:data:`PAIR_DIAGNOSES`), the first in this order whose test rejects at ``1 - confidence_level`` after
Holm's correction over its family:

``annotator_confusion`` — *particular annotators confuse them*. For every candidate pair and every annotator
    with a trial on it, a one-sided Fisher exact test that the annotator's swap rate on the pair (an annotation
    of *a* or *b* where the item's other ratings lean strictly to the other class, see
    :func:`~analytics._reshape.pair_swaps_from_codes`) exceeds the other annotators' pooled rate:
    :math:`p = P(X \ge s_x)`, :math:`X \sim \mathrm{Hypergeometric}(T, S, t_x)` with :math:`s_x, t_x` the
    annotator's swaps and trials and :math:`S, T` everybody's. Family: every (pair, annotator) test. An
    annotator counts only when the test rejects *and* their swap rate exceeds the others' pooled rate by at least
    ``min_swap_excess`` (:math:`s_x/t_x - (S - s_x)/(T - t_x) \ge` ``min_swap_excess``). The
    diagnosis also needs three or more annotators on the pair's items and that leaving the most-swapping flagged
    annotator out removes at least ``annotator_removal`` of the pair's disagreement :math:`o_{ab} + o_{ba}`
    (the others tell the classes apart); otherwise the flagged annotators are named in the note only.
``class_overlap`` — *the classes overlap for everyone*: merging the two raises Fleiss' kappa by more than
    ``min_merge_gain`` (0.01 by default: a smaller gain is the everyday confusion every taxonomy has, not a reason
    to change it). One-sided z-test of the simulated gain :math:`\Delta` with its paired standard error (Gwet's
    linearized per-item terms, :mod:`analytics.taxonomy._whatif`):
    :math:`p = 1 - \Phi((\Delta - \text{min\_merge\_gain}) / \mathrm{SE})`. Family: the candidates.
``gold_split`` — *gold itself is split*: on the pair's disputed items (both classes used) whose gold is *a* or
    *b*, gold sides with the item's majority within the pair less often than a correct gold would. One-sided
    exact binomial test against ``gold_majority``: :math:`p = P(X \le k)`, :math:`X \sim \mathrm{Bin}(n,
    \text{gold\_majority})`, with *k* of *n* items siding with the majority (``min_gold`` items or more).
    Family: every pair with that much gold. Gold and the annotators then draw the boundary differently.
``not_enough_evidence`` — no test rejects; the note says which fell short and why. When the confusion costs
    agreement — the overlap test rejects on its own (unadjusted) but not after Holm, or the annotators' agreement on
    which of the two classes (the pair's own Fleiss' kappa, :func:`~._pairstats.pair_agreement`) is significantly
    below ``target`` (one-sided upper bound below it) — and no annotator stands out (the annotator test's unadjusted
    p is not below the level either), the diagnosis stays, and ``what_to_do`` is to clarify the boundary with
    borderline examples (:func:`cause_untold_but_costly`); otherwise it is to label more items.

Candidates are the ``max_pairs`` pairs with the highest hotspot score among those whose merge would raise
Krippendorff's alpha (score > 0); a pair outside them is ``not_enough_evidence``: it is confused no more than an
even spread of the disagreement would give, or less than the tested pairs.

Gold that names one class, or sides with the item's majority, on at least ``gold_majority`` of a pair's disputed
gold items (``gold_distinguishes``) shows the classes can be told apart (the dissenting labels are slips): an
overlapping pair is then to be clarified, not merged.

References
----------
Fisher, R. A. (1922). On the interpretation of χ² from contingency tables, and the calculation of P. Journal
of the Royal Statistical Society, 85(1), 87–94. https://doi.org/10.2307/2340521

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of Statistics,
6(2), 65–70. https://www.jstor.org/stable/4615733

Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5. Advanced Analytics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._reshape import annotator_pair_swaps, cached, coincidence_matrix, pair_disagreement_without, pair_gold_counts
from ..agreement._results import check_confidence_level
from .._wording import beside_target
from ..exceptions import InvalidParameterError
from ..results import ResultMixin
from ._pair_actions import below_target, cause_untold_but_costly, check_clarify_confidence, pair_action, upper_bound
from ._pair_gold import gold_tests, gold_words
from ._pairstats import pair_agreement, pair_statistics, ranked_by_score, units
from ._whatif import change_after_mapping

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["PAIR_DIAGNOSES", "DIAGNOSIS_LABELS", "PAIR_COLUMNS", "PairDiagnoses", "diagnose_class_pairs",
           "pair_diagnoses", "pair_action", "below_target", "cause_untold_but_costly"]

#: The values of the ``diagnosis`` column.
PAIR_DIAGNOSES = ("annotator_confusion", "class_overlap", "gold_split", "not_enough_evidence")

#: How each diagnosis reads in a table or caption.
DIAGNOSIS_LABELS = {
    "annotator_confusion": "particular annotators confuse them",
    "class_overlap": "the classes overlap",
    "gold_split": "gold itself is split",
    "not_enough_evidence": "not enough evidence",
}

#: Columns of :attr:`PairDiagnoses.table`, in order.
PAIR_COLUMNS = [
    "class_a", "class_b", "diagnosis", "diagnosis_note", "what_to_do", "candidate", "annotators",
    "p_annotator", "p_annotator_adjusted", "reduction_without", "n_gold_disputed", "gold_with_majority",
    "p_gold", "p_gold_adjusted", "gold_distinguishes", "gold_verdict", "gold_note", "merge_gain", "merge_gain_ci_low",
    "merge_gain_ci_high", "kappa_before", "kappa_after", "p_overlap", "p_overlap_adjusted", "pair_kappa",
    "pair_kappa_ci_high", "pair_kappa_items", "pair_below_target", "pair_kappa_standard_error",
    "pair_likely_below_target",
]

#: Values of ``gold_verdict``: what gold says about a pair's disputed items. ``against_majority``: the gold test
#: rejects (the ``gold_split`` diagnosis); ``distinguishes``: gold names one class, or sides with the item's majority,
#: on at least ``gold_majority`` of them (``gold_distinguishes``); ``inconclusive``: neither; ``gold_elsewhere``: gold is
#: mostly a third class; ``too_little_gold``: fewer than ``min_gold``; ``no_gold``.
GOLD_VERDICTS = ("against_majority", "distinguishes", "inconclusive", "gold_elsewhere", "too_little_gold", "no_gold")


@dataclass(frozen=True, eq=False)
class PairDiagnoses(ResultMixin):
    """The diagnosis of every class pair with a disagreement (see the module docstring for the tests).

    Attributes
    ----------
    table : pandas.DataFrame
        Columns :data:`PAIR_COLUMNS`, in hotspot order (highest score first): ``diagnosis``
        (:data:`PAIR_DIAGNOSES`), ``diagnosis_note`` (the numbers behind it, in words), ``what_to_do``,
        ``candidate`` (tested), ``annotators`` (those whose swap rate is significantly above the others', most
        swaps first), ``p_annotator``/``p_annotator_adjusted`` (the first of them, or the smallest p), ``reduction_without``
        (share of the pair's disagreement gone without the first flagged annotator), ``n_gold_disputed``,
        ``gold_with_majority``, ``p_gold``/``p_gold_adjusted``, ``gold_distinguishes``, ``gold_verdict``
        (:data:`GOLD_VERDICTS`), ``gold_note``, ``merge_gain`` with ``merge_gain_ci_low``/``merge_gain_ci_high`` (the
        simulated change of Fleiss' kappa if the two were merged, paired interval), ``kappa_before``,
        ``kappa_after``, ``p_overlap``/``p_overlap_adjusted``, ``pair_kappa`` with ``pair_kappa_ci_high`` and
        ``pair_kappa_items`` (agreement on *which of the two*, :func:`~._pairstats.pair_agreement`, with its one-sided
        upper bound and the items with two or more ratings of either class), ``pair_below_target`` (that bound is
        below ``target``; never for a pair with the Unknown/Other class, a safety valve used when unsure, which
        rarely agrees with itself and whose use is checked on its own), ``pair_kappa_standard_error`` (Gwet's
        linearized standard error of ``pair_kappa``), ``pair_likely_below_target`` (the one-sided
        ``clarify_confidence`` bound, kappa + z·SE, is below ``target``, Unknown excepted: the
        agreement on the boundary is *likely* below the target, the bar a clarification of the pair needs in the
        recommendations and the Overview). Untested values are NaN / empty (the two flags False).
    rules : dict
        The options used.
    n_candidates : int
    tests : str
        The tests, in one paragraph.
    """

    table: pd.DataFrame
    rules: dict
    n_candidates: int
    tests: str

    def of(self, class_a: str, class_b: str) -> pd.Series:
        """The row of one pair (in either order)."""
        t = self.table
        hit = t[((t["class_a"] == class_a) & (t["class_b"] == class_b)) |
                ((t["class_a"] == class_b) & (t["class_b"] == class_a))]
        if hit.empty:
            raise InvalidParameterError(f"{class_a!r} and {class_b!r} were never confused with each other.")
        return hit.iloc[0]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


TESTS = ("Per pair, the first test in this order that rejects at {level} after Holm's correction over its family: "
         "particular annotators (one-sided Fisher exact test of each annotator's swap rate on the pair against the "
         "others', the rate at least {min_excess_points:.0f} points above theirs, and leaving the annotator out "
         "removes at least {removal:.0%} of the pair's disagreement); the "
         "classes overlap (one-sided z-test that merging them raises Fleiss' kappa by more than {min_gain:.2g}, paired "
         "standard error); gold "
         "itself split (one-sided exact binomial test that gold sides with the item's majority on fewer than "
         "{majority:.0%} of the disputed gold items, at least {min_gold}). Otherwise: not enough evidence — to be "
         "clarified all the same when the confusion costs agreement (the overlap test rejects before Holm's "
         "correction, or the annotators' agreement on which of the two, Fleiss' kappa of the pair's own ratings, has "
         "a one-sided upper bound below the {target:.2f} target) and no annotator stands out. A pair's "
         "clarification is proposed when one of its classes is significantly below the target or that agreement "
         "is likely below it (one-sided {clarify:.0%} bound). Tested: "
         "the {max_pairs} highest-scoring pairs whose merge would raise Krippendorff's alpha.")


def _check(max_pairs: Any, annotator_removal: Any, min_gold: Any, gold_majority: Any, confidence_level: Any,
           min_merge_gain: Any = 0.01, min_swap_excess: Any = 0.10, target: Any = 0.8,
           clarify_confidence: Any = 0.8) -> None:
    check_confidence_level(confidence_level)
    check_clarify_confidence(clarify_confidence)
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not -1.0 < float(target) <= 1.0:
        raise InvalidParameterError(f"target= must be a kappa in (-1, 1] (the field's bar is 0.8); got {target!r}.")
    if isinstance(min_swap_excess, bool) or not isinstance(min_swap_excess, (int, float)) or \
            not 0.0 <= float(min_swap_excess) < 1.0:
        raise InvalidParameterError(f"min_swap_excess= must be a number in [0, 1) (a difference of swap rates, e.g. "
                                    f"0.1 for 10 points); got {min_swap_excess!r}.")
    if isinstance(min_merge_gain, bool) or not isinstance(min_merge_gain, (int, float)) or \
            not 0.0 <= float(min_merge_gain) < 1.0:
        raise InvalidParameterError(f"min_merge_gain= must be a number in [0, 1) (a change of kappa); "
                                    f"got {min_merge_gain!r}.")
    if isinstance(max_pairs, bool) or not isinstance(max_pairs, (int, np.integer)) or max_pairs < 1:
        raise InvalidParameterError(f"max_pairs= must be a positive integer; got {max_pairs!r}.")
    if isinstance(min_gold, bool) or not isinstance(min_gold, (int, np.integer)) or min_gold < 1:
        raise InvalidParameterError(f"min_gold= must be a positive integer; got {min_gold!r}.")
    if not isinstance(annotator_removal, (int, float)) or not 0.0 < float(annotator_removal) <= 1.0:
        raise InvalidParameterError(f"annotator_removal= must be a number in (0, 1]; got {annotator_removal!r}.")
    if not isinstance(gold_majority, (int, float)) or not 0.5 < float(gold_majority) <= 1.0:
        raise InvalidParameterError(f"gold_majority= must be in (0.5, 1]; got {gold_majority!r}.")


def diagnose_class_pairs(annotations: Any, *, max_pairs: int = 20, annotator_removal: float = 0.5, min_gold: int = 3,
                         gold_majority: float = 0.8, min_merge_gain: float = 0.01, min_swap_excess: float = 0.10,
                         target: float = 0.8, confidence_level: float = 0.95,
                         clarify_confidence: float = 0.8) -> PairDiagnoses:
    r"""Why people disagree on each class pair: particular annotators, gold itself split, overlapping classes, or
    not enough evidence — one stated test each (see :mod:`analytics.taxonomy.pairs`).

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations; annotator ids enable the annotator test, gold labels the gold test.
    max_pairs : int
        Candidate pairs tested: the highest-scoring hotspots whose merge would raise alpha.
    annotator_removal : float
        Share of the pair's disagreement that must disappear without the flagged annotator.
    min_gold : int
        Disputed gold items (gold *a* or *b*) a pair needs before gold is judged.
    gold_majority : float
        Share of disputed gold items on which a correct gold sides with the item's majority (the null of the gold
        test), and the share on one class (or with the majority) that shows the classes can be told apart
        (``gold_distinguishes``).
    min_merge_gain : float
        The rise of Fleiss' kappa a merge must exceed (significantly) before the classes count as overlapping;
        ``benchmarks/pair_verdicts.py`` shows that without it the everyday confusions of a 1,000-item pilot read
        as overlaps.
    min_swap_excess : float
        How much higher than the other annotators' pooled swap rate on the pair an annotator's own rate must be
        (besides being significantly higher) before they are named as confusing it: 10 points by default. Clean
        annotators of accuracy 0.92–0.97 really differ by a few points on a neighbour pair, which a 1,000-item pilot
        makes significant; an annotator who swaps a pair 40 % of the time exceeds the others by about 35 points
        (``benchmarks/decisions.py``).
    target : float
        The kappa a boundary should reach (the field's bar, 0.8). A pair whose cause is not established is still
        to be clarified when the annotators' agreement on which of the two classes is significantly below it
        (``pair_below_target``; :func:`cause_untold_but_costly`).
    confidence_level : float
    clarify_confidence : float
        The one-sided confidence at which the annotators' agreement on which of the two classes must lie below
        ``target`` before the pair is proposed for clarification when neither class is significantly below it
        (``pair_likely_below_target``): 0.8 by default, "likely below". A clarification adds borderline examples to
        the guideline — cheap, and the next round's numbers show whether it helped — so it is proposed on lower
        evidence than a merge (``confidence_level`` for both classes); ``benchmarks/decisions.py`` measures what it
        finds and what it raises on clean pilots.

    Returns
    -------
    PairDiagnoses

    References
    ----------
    Fisher (1922), https://doi.org/10.2307/2340521; Holm (1979), https://www.jstor.org/stable/4615733;
    Gwet (2014), Handbook of Inter-Rater Reliability, ch. 5.

    Examples
    --------
    >>> from analytics.samples import load_sample
    >>> d = diagnose_class_pairs(load_sample("digits"))
    >>> d.of("4", "9")["diagnosis"], d.of("4", "9")["annotators"]
    ('annotator_confusion', ('ann_confuser',))
    """
    _check(max_pairs, annotator_removal, min_gold, gold_majority, confidence_level, min_merge_gain, min_swap_excess,
           target, clarify_confidence)
    aset = units(annotations, "diagnose_class_pairs")
    return pair_diagnoses(aset, max_pairs=int(max_pairs), annotator_removal=float(annotator_removal),
                          min_gold=int(min_gold), gold_majority=float(gold_majority),
                          min_merge_gain=float(min_merge_gain), min_swap_excess=float(min_swap_excess),
                          target=float(target), confidence_level=float(confidence_level),
                          clarify_confidence=float(clarify_confidence))


def pair_diagnoses(aset: "AnnotationSet", *, max_pairs: int = 20, annotator_removal: float = 0.5, min_gold: int = 3,
                   gold_majority: float = 0.8, min_merge_gain: float = 0.01, min_swap_excess: float = 0.10,
                   target: float = 0.8, confidence_level: float = 0.95,
                   clarify_confidence: float = 0.8) -> PairDiagnoses:
    """:func:`diagnose_class_pairs` on an already validated unit set, computed once per set and options (cached)."""
    rules = {"max_pairs": max_pairs, "annotator_removal": annotator_removal, "min_gold": min_gold,
             "gold_majority": gold_majority, "min_merge_gain": min_merge_gain, "min_swap_excess": min_swap_excess,
             "target": target, "confidence_level": confidence_level, "clarify_confidence": clarify_confidence}
    return cached(aset, ("pair_diagnoses", *rules.values()), lambda: _diagnose(aset, rules))


def _holm(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    from ..annotators.gold import holm

    return holm(p, alpha)


def _annotator_tests(aset: "AnnotationSet", codes: np.ndarray, alpha: float,
                     min_excess: float) -> dict[str, np.ndarray]:
    """Fisher exact p-values (raw, Holm-adjusted over every pair × annotator) and swaps of the candidates;
    ``reject``: significant and at least ``min_excess`` above the others' pooled swap rate."""
    n_pairs, n_ann = len(codes), aset.n_annotators if aset.annotators_known else 0
    if not n_ann or not n_pairs:
        empty = np.zeros((n_pairs, 0))
        return {"swaps": empty, "trials": empty, "p": empty, "adjusted": empty, "reject": empty.astype(bool),
                "significant": empty.astype(bool)}
    swaps, trials = annotator_pair_swaps(aset, codes)
    swaps, trials = swaps.astype(np.int64), trials.astype(np.int64)
    total_s, total_t = swaps.sum(axis=1, keepdims=True), trials.sum(axis=1, keepdims=True)
    raters = (trials > 0).sum(axis=1, keepdims=True)
    testable = (trials > 0) & (raters >= 3) & (total_s > 0)
    # one-sided Fisher exact (annotator's swap rate greater than the others'): the hypergeometric upper tail
    p = np.where(testable, stats.hypergeom.sf(swaps - 1, np.maximum(total_t, 1), total_s, trials), np.nan)
    adjusted, reject = _holm(p.ravel(), alpha)
    significant = reject.reshape(p.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        excess = swaps / np.maximum(trials, 1) - (total_s - swaps) / np.maximum(total_t - trials, 1)
    return {"swaps": swaps, "trials": trials, "p": p, "adjusted": adjusted.reshape(p.shape),
            "reject": significant & (excess >= min_excess - 1e-12), "significant": significant}


def _diagnose(aset: "AnnotationSet", rules: dict) -> PairDiagnoses:
    alpha = 1.0 - rules["confidence_level"]
    o = coincidence_matrix(aset)
    st = pair_statistics(o)
    order = ranked_by_score(st)
    a_all, b_all = st["a"][order], st["b"][order]
    d_all, score = st["d"][order], st["score"][order]
    cats = tuple(aset.categories)
    positive = np.flatnonzero(np.nan_to_num(score, nan=-np.inf) > 0)
    cand = positive[:rules["max_pairs"]]
    codes = np.column_stack([a_all, b_all]).astype(np.int64).reshape(-1, 2)
    ann = _annotator_tests(aset, codes[cand], alpha, rules["min_swap_excess"])
    gold = pair_gold_counts(aset, codes) if len(codes) else np.zeros((0, 4), dtype=np.int64)
    has_gold = aset.gold is not None
    g_p, g_adj, g_rej = gold_tests(gold, has_gold, rules["min_gold"], rules["gold_majority"], alpha)
    changes = [change_after_mapping(aset, cats, {cats[a]: f"{cats[a]}+{cats[b]}", cats[b]: f"{cats[a]}+{cats[b]}"},
                                    confidence_level=rules["confidence_level"]) for a, b in codes[cand]]
    gain = np.array([c.delta for c in changes], dtype=float)
    se = np.array([c.standard_error for c in changes], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        o_p = np.where(se > 0, stats.norm.sf((gain - rules["min_merge_gain"]) / se), np.nan)
    o_adj, o_rej = _holm(o_p, alpha)
    agree = pair_agreement(aset, codes[cand], rules["confidence_level"])
    ids = np.asarray(aset.annotator_ids, dtype=object) if aset.annotators_known else np.zeros(0, dtype=object)
    rows = []
    where = {int(k): j for j, k in enumerate(cand)}
    for k in range(len(codes)):
        a, b = int(codes[k, 0]), int(codes[k, 1])
        names = (cats[a], cats[b])
        ga, gb, go, gm = (int(v) for v in gold[k])
        verdict, g_note, one_side = gold_words(ga, gb, go, gm, names, has_gold, rules["min_gold"],
                                                rules["gold_majority"], float(g_p[k]), float(g_adj[k]), bool(g_rej[k]))
        row: dict[str, Any] = {
            "class_a": names[0], "class_b": names[1], "candidate": k in where, "annotators": (), "p_annotator": np.nan,
            "p_annotator_adjusted": np.nan, "reduction_without": np.nan, "n_gold_disputed": ga + gb,
            "gold_with_majority": gm, "p_gold": float(g_p[k]), "p_gold_adjusted": float(g_adj[k]),
            "gold_distinguishes": one_side, "gold_verdict": verdict, "gold_note": g_note, "merge_gain": np.nan,
            "merge_gain_ci_low": np.nan, "merge_gain_ci_high": np.nan, "kappa_before": np.nan, "kappa_after": np.nan,
            "p_overlap": np.nan, "p_overlap_adjusted": np.nan, "pair_kappa": np.nan, "pair_kappa_ci_high": np.nan,
            "pair_kappa_items": 0, "pair_below_target": False, "pair_kappa_standard_error": np.nan,
            "pair_likely_below_target": False}
        if k in where:
            j = where[k]
            ch = changes[j]
            row.update(merge_gain=ch.delta, merge_gain_ci_low=ch.ci_low, merge_gain_ci_high=ch.ci_high,
                       kappa_before=ch.before, kappa_after=ch.after, p_overlap=float(o_p[j]),
                       p_overlap_adjusted=float(o_adj[j]), pair_kappa=float(agree["kappa"][j]),
                       pair_kappa_ci_high=float(agree["ci_high"][j]), pair_kappa_items=int(agree["n_items"][j]),
                       pair_kappa_standard_error=float(agree["standard_error"][j]))
            for flag, level in (("pair_below_target", "confidence_level"), ("pair_likely_below_target",
                                                                             "clarify_confidence")):
                row[flag] = below_target(agree["kappa"][j], agree["standard_error"][j], rules["target"],
                                         rules[level]) and aset.unknown_label not in names
            _annotator_row(aset, row, ann, j, a, b, float(d_all[k]), ids)
        row.update(_decide(row, k in where, bool(g_rej[k]), bool(o_rej[where[k]]) if k in where else False,
                           float(score[k]), rules, names, aset.unknown_label))
        rows.append(row)
    table = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    tests = TESTS.format(level=f"{alpha:.2g}", removal=rules["annotator_removal"], majority=rules["gold_majority"],
                         min_gold=rules["min_gold"], max_pairs=rules["max_pairs"], min_gain=rules["min_merge_gain"],
                         min_excess_points=100 * rules["min_swap_excess"], target=rules["target"],
                         clarify=rules["clarify_confidence"])
    return PairDiagnoses(table=table, rules=dict(rules), n_candidates=int(len(cand)), tests=tests)


def _annotator_row(aset: "AnnotationSet", row: dict, ann: dict, j: int, a: int, b: int, d: float,
                   ids: np.ndarray) -> None:
    """Fill the annotator columns of candidate ``j`` (flagged annotators, most swaps first)."""
    if not ann["p"].shape[1]:
        return
    p, adj, rej, swaps = ann["p"][j], ann["adjusted"][j], ann["reject"][j], ann["swaps"][j]
    if not np.isfinite(p).any():
        return
    flagged = np.flatnonzero(rej)
    flagged = flagged[np.argsort(-swaps[flagged], kind="stable")]
    first = int(flagged[0]) if len(flagged) else int(np.nanargmin(p))
    trials = ann["trials"][j]
    rate = swaps[first] / max(trials[first], 1)
    others_t = trials.sum() - trials[first]
    rate_others = (swaps.sum() - swaps[first]) / max(others_t, 1)
    row.update(annotators=tuple(str(ids[x]) for x in flagged), p_annotator=float(p[first]),
               p_annotator_adjusted=float(adj[first]), _top=str(ids[first]), _swaps=int(swaps[first]),
               _total_swaps=int(swaps.sum()), _rate=float(rate), _rate_others=float(rate_others),
               _raters=int((trials > 0).sum()), _small=bool(ann["significant"][j][first] and not rej[first]))
    if len(flagged) and d > 0:
        without = pair_disagreement_without(aset, a, b, first)
        row["reduction_without"] = float(1.0 - without / d)


def _likely_words(row: dict, rules: dict) -> str:
    """``"; one-sided 80% bound 0.76: likely below it"`` (the bar of a clarification, ``clarify_confidence``)."""
    level = rules["clarify_confidence"]
    likely = upper_bound(row["pair_kappa"], row["pair_kappa_standard_error"], level)
    return (f"; one-sided {level:.0%} bound {beside_target(likely, rules['target'])}: "
            f"{'likely below' if row['pair_likely_below_target'] else 'not likely below'} it")


def _pct(x: float) -> str:
    return f"{x:.0%}" if np.isfinite(x) else "an unknown share"


def _decide(row: dict, candidate: bool, gold_rejected: bool, overlap_rejected: bool, score: float, rules: dict,
            names: tuple[str, str], unknown: str | None = None) -> dict[str, str]:
    a, b = names
    removal = rules["annotator_removal"]
    who = ", ".join(row["annotators"])
    ann_text, small = "", False
    if "_top" in row:
        small = row.pop("_small")
        top = row.pop("_top")
        ann_text = (f"{top} makes {row.pop('_swaps')} of the {row.pop('_total_swaps')} {a}/{b} swaps (swap rate "
                    f"{row.pop('_rate'):.0%} vs {row.pop('_rate_others'):.0%} for the other {row.pop('_raters') - 1} "
                    f"annotators; Fisher exact p = {row['p_annotator']:.2g}, Holm-adjusted "
                    f"{row['p_annotator_adjusted']:.2g})")
    overlap_text = ""
    if np.isfinite(row["p_overlap"]):
        overlap_text = (f"merging them changes Fleiss' kappa by {row['merge_gain']:+.3f} (simulated; one-sided z-test "
                        f"that it exceeds {rules['min_merge_gain']:.2g}: p = {row['p_overlap']:.2g}, Holm-adjusted "
                        f"{row['p_overlap_adjusted']:.2g})")
    gold_text = row["gold_note"] if row["gold_verdict"] not in ("no_gold",) else ""
    if row["annotators"] and row["reduction_without"] >= removal:
        note = (f"{ann_text}; without {row['annotators'][0]} the pair's disagreement falls by "
                f"{_pct(row['reduction_without'])}, so the others tell the classes apart")
        return {"diagnosis": "annotator_confusion", "diagnosis_note": note,
                "what_to_do": f"Retrain {who} on {a} vs {b} with the borderline examples, then check their next batch."}
    if overlap_rejected:
        parts = [f"everyone confuses them: {overlap_text}"]
        if row["annotators"]:
            parts.append(f"{ann_text}, but without {row['annotators'][0]} the disagreement falls by only "
                         f"{_pct(row['reduction_without'])} (need {removal:.0%}): the others confuse them too")
        if gold_text:
            parts.append(f"gold: {gold_text}")
        todo = (f"Clarify the {a}/{b} boundary in the guideline with the borderline examples (gold shows the classes "
                "can be told apart, so do not merge them)." if row["gold_distinguishes"] else
                f"Merge {a} and {b} if both are unreliable, else define the boundary with borderline examples (the "
                "recommendations say which, with the simulated effect).")
        return {"diagnosis": "class_overlap", "diagnosis_note": "; ".join(parts), "what_to_do": todo}
    if gold_rejected:
        return {"diagnosis": "gold_split", "diagnosis_note": row["gold_note"],
                "what_to_do": (f"Review the gold labels of the disputed {a}/{b} items with the guideline author, "
                               "then decide whose boundary the guideline states.")}
    if not candidate:
        why = ("they are confused no more often than an even spread of the disagreement would give (merging them "
               "would not raise agreement)" if not score > 0 else
               f"less than the {rules['max_pairs']} most confused pairs, which were tested first")
        return {"diagnosis": "not_enough_evidence", "diagnosis_note": why,
                "what_to_do": "Nothing specific to this pair; look at the pairs above it."}
    gaps = []
    if overlap_text:
        gaps.append(overlap_text + ", not significant")
    if np.isfinite(row["pair_kappa"]):
        high, target = row["pair_kappa_ci_high"], rules["target"]
        gaps.append(f"on the {row['pair_kappa_items']} items rated {a} or {b} by two or more annotators they agree on "
                    f"which of the two with Fleiss' kappa {row['pair_kappa']:.2f} (one-sided "
                    f"{rules['confidence_level']:.0%} upper bound {beside_target(high, target)}: "
                    f"{'below' if high < target else 'not below'} the {target:.2f} target"
                    + (f"; the Unknown class '{unknown}' is not held to it" if unknown in names else
                       "" if high < target else _likely_words(row, rules)) + ")")
    if ann_text:
        gaps.append(ann_text + (f", but without them the disagreement falls by only {_pct(row['reduction_without'])}"
                                if row["annotators"] else
                                f", less than {100 * rules['min_swap_excess']:.0f} points above the others' rate"
                                if small else
                                ", not significant"))
    else:
        gaps.append("who confuses them cannot be tested (anonymous annotators, or fewer than three on these items)")
    if gold_text:
        gaps.append(f"gold: {gold_text}")
    note = "no test rejects: " + "; ".join(g for g in gaps if g)
    untold = {"diagnosis": "not_enough_evidence", "candidate": True, "p_overlap": row["p_overlap"],
              "p_annotator": row["p_annotator"], "pair_below_target": row["pair_below_target"]}
    if cause_untold_but_costly(untold, rules["confidence_level"]):
        return {"diagnosis": "not_enough_evidence", "diagnosis_note": note,
                "what_to_do": (f"Whether the classes overlap is not established, but the {a}/{b} confusion costs "
                               "agreement and no annotator stands out: clarify the boundary in the guideline with "
                               "borderline examples, then label more items of these two classes to tell the cause "
                               "(more raters per item tells who confuses them).")}
    return {"diagnosis": "not_enough_evidence", "diagnosis_note": note,
            "what_to_do": "Label more items of these two classes (more raters per item tells who confuses them)."}
