r"""Unknown/Other monitoring: how often annotators reach for the safety valve, where, and whether it is growing.

A growing Unknown share is the sign of a taxonomy gap: items the classes do not cover. This module reports
the share overall (Wilson interval), per round with an alarm, per annotator, per class neighbourhood (what
the other annotators said on items someone called Unknown, and how often each consensus class draws an
Unknown), and checks the rule "below 70 % model confidence, say Unknown" against the model's predictions.

**Alarm.** Between consecutive rounds, the status is ``alarm`` when the share grows by more than
``alarm_points`` percentage points, else ``ok``. Every increase is also tested with the one-sided
two-proportion z-test (statsmodels ``proportions_ztest``, H1: the later share is larger; ``p_value``); with
``require_significance=True`` a rise above ``alarm_points`` that the test does not reject at
``1 - confidence_level`` is ``watch`` instead of ``alarm`` (for small rounds, where a few labels move the share).
Annotations of the same item are treated as independent (the test is then somewhat liberal when items
carry many Unknowns together).

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22(158),
209–212. https://doi.org/10.1080/01621459.1927.10502953

Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions.
Statistics in Medicine 17(8), 873–890. https://doi.org/10.1002/(SICI)1097-0258(19980430)17:8<873::AID-SIM779>3.0.CO;2-I
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from .._reshape import (
    annotator_category_counts,
    annotator_totals,
    category_totals,
    is_distributed,
    require_single_label,
    round_category_counts,
    unknown_neighbourhood,
)
from ..agreement._input import require_annotation_set
from ..agreement._results import check_confidence_level
from ..exceptions import InvalidParameterError
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["UnknownShare", "unknown_share", "ROUND_STATUS"]

#: Values of the ``status`` column of :attr:`UnknownShare.by_round`.
ROUND_STATUS = ("first", "ok", "watch", "alarm")


@dataclass(frozen=True, eq=False)
class UnknownShare(ResultMixin):
    """How the Unknown/Other class is used.

    Attributes
    ----------
    unknown_label : str or None
        The Unknown/Other class (taxonomy flag or a recognised name); None when the set has none.
    n_annotations, n_unknown : int
    share, ci_low, ci_high : float
        Share of annotations that are Unknown, with its Wilson interval (NaN without an Unknown class).
    n_items_with_unknown : int
        Items on which at least one annotator said Unknown.
    by_round : pandas.DataFrame
        ``round, n_annotations, n_unknown, share, ci_low, ci_high, change_points`` (vs the previous round),
        ``p_value`` (one-sided two-proportion z-test), ``status`` (:data:`ROUND_STATUS`).
    by_annotator : pandas.DataFrame
        ``annotator_id, n_annotations, n_unknown, share`` (empty for anonymous annotators).
    by_class : pandas.DataFrame
        Per consensus class (plurality of the item's non-Unknown ratings): ``category, n_items, n_ratings,
        n_unknown, unknown_rate`` (share of the class's ratings that are Unknown), ``neighbour_ratings``
        (ratings of the class on items where someone said Unknown) and ``neighbour_share`` (their share of
        all such ratings): the classes next to which annotators are unsure.
    low_confidence : pandas.DataFrame
        Items whose model top probability is below ``threshold``: ``item_id, predicted_label, confidence,
        n_ratings, n_unknown, unknown_share``, least confident first (empty without predictions).
    n_low_confidence : int
    low_confidence_unknown_share, high_confidence_unknown_share : float
        Share of ratings that are Unknown on items below / at or above the threshold.
    n_low_confidence_without_unknown : int
        Items below the threshold that no annotator called Unknown (the rule says they should be).
    alarm : bool
        Some round is in ``alarm``.
    threshold, alarm_points, confidence_level : float
    require_significance : bool
        Whether an alarm also needed a significant test (else the rise alone raised it).
    sentence : str
    reason : str or None
        Why shares are NaN (no Unknown class).
    model_rule_reason : str or None
        Why the model-confidence rule was not checked (no predictions attached, or the Dask backend, which does
        not read predictions); None when it was.
    """

    unknown_label: str | None
    n_annotations: int
    n_unknown: int
    share: float
    ci_low: float
    ci_high: float
    n_items_with_unknown: int
    by_round: pd.DataFrame
    by_annotator: pd.DataFrame
    by_class: pd.DataFrame
    low_confidence: pd.DataFrame
    n_low_confidence: int
    low_confidence_unknown_share: float
    high_confidence_unknown_share: float
    n_low_confidence_without_unknown: int
    alarm: bool
    threshold: float
    alarm_points: float
    confidence_level: float
    sentence: str
    reason: str | None = None
    model_rule_reason: str | None = None
    require_significance: bool = False

    @property
    def alarms(self) -> list[str]:
        """Rounds whose Unknown share rose by more than ``alarm_points`` (and significantly, when required)."""
        return self.by_round.loc[self.by_round["status"] == "alarm", "round"].tolist()

    def to_frame(self) -> pd.DataFrame:
        return self.by_round.copy()


def _wilson(x: np.ndarray, n: np.ndarray, confidence_level: float) -> tuple[np.ndarray, np.ndarray]:
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    lo, hi = np.full(len(n), np.nan), np.full(len(n), np.nan)
    ok = n > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(x[ok], n[ok], alpha=1 - confidence_level, method="wilson")
    return lo, hi


def _rounds(aset: "AnnotationSet", u: int, points: float, confidence_level: float,
            require_significance: bool = False) -> pd.DataFrame:
    cols = ["round", "n_annotations", "n_unknown", "share", "ci_low", "ci_high", "change_points", "p_value", "status"]
    if not aset.rounds:
        return pd.DataFrame(columns=cols)
    table = round_category_counts(aset)  # rounds × categories, a sum over items
    n = table.sum(axis=1)
    x = table[:, u] if u >= 0 else np.zeros(len(n), dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = x / n
    lo, hi = _wilson(x, n, confidence_level)
    change, pval, status = [np.nan], [np.nan], ["first"]
    for k in range(1, len(n)):
        change.append(100.0 * (share[k] - share[k - 1]))
        p = np.nan
        if x[k] + x[k - 1] > 0 and n[k] + n[k - 1] > x[k] + x[k - 1]:
            p = float(proportions_ztest([x[k], x[k - 1]], [n[k], n[k - 1]], alternative="larger")[1])
        pval.append(p)
        if change[-1] > points:
            significant = bool(np.isfinite(p) and p < 1 - confidence_level)
            status.append("alarm" if significant or not require_significance else "watch")
        else:
            status.append("ok")
    return pd.DataFrame({"round": list(aset.rounds), "n_annotations": n, "n_unknown": x, "share": share, "ci_low": lo,
                         "ci_high": hi, "change_points": change, "p_value": pval, "status": status}, columns=cols)


def _by_class(aset: "AnnotationSet", u: int) -> pd.DataFrame:
    items, ratings, unknown, neighbours, _ = unknown_neighbourhood(aset, u)  # sums over items
    cats = [c for k, c in enumerate(aset.categories) if k != u]
    codes = np.array([k for k in range(aset.n_categories) if k != u], dtype=np.int64)
    ratings, unknown, neighbours = ratings[codes], unknown[codes], neighbours[codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({"category": cats, "n_items": items[codes].astype(np.int64),
                            "n_ratings": ratings.astype(np.int64),
                            "n_unknown": unknown.astype(np.int64), "unknown_rate": unknown / ratings,
                            "neighbour_ratings": neighbours.astype(np.int64),
                            "neighbour_share": neighbours / neighbours.sum() if neighbours.sum() else np.nan})
    return out.sort_values(["neighbour_ratings", "unknown_rate"], ascending=False, kind="stable").reset_index(drop=True)


def _model_rule(aset: "AnnotationSet", u: int,
                threshold: float) -> tuple[pd.DataFrame, dict[str, Any], str | None]:
    cols = ["item_id", "predicted_label", "confidence", "n_ratings", "n_unknown", "unknown_share"]
    empty = {"n_low_confidence": 0, "low_confidence_unknown_share": np.nan, "high_confidence_unknown_share": np.nan,
             "n_low_confidence_without_unknown": 0}
    if is_distributed(aset):
        return pd.DataFrame(columns=cols), empty, (
            "the Dask backend does not read model predictions; load the annotations in memory with predictions= "
            "to check the model-confidence rule")
    if aset.prediction_confidence is None:
        return pd.DataFrame(columns=cols), empty, (
            "no model predictions are attached; load them with predictions= to check the model-confidence rule")
    is_unknown = aset.label_codes == u if u >= 0 else np.zeros(aset.n_annotations, dtype=bool)
    conf = aset.prediction_confidence
    rated = np.bincount(aset.item_codes, minlength=aset.n_items)
    unknown = np.bincount(aset.item_codes, weights=is_unknown, minlength=aset.n_items)
    low = np.isfinite(conf) & (conf < threshold)
    high = np.isfinite(conf) & ~low
    idx = np.flatnonzero(low)
    idx = idx[np.argsort(conf[idx], kind="stable")]
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame({
            "item_id": np.asarray(aset.item_ids, dtype=object)[idx],
            "predicted_label": np.asarray(aset.categories, dtype=object)[aset.prediction_codes[idx]],
            "confidence": conf[idx], "n_ratings": rated[idx], "n_unknown": unknown[idx].astype(np.int64),
            "unknown_share": unknown[idx] / rated[idx]}, columns=cols)
        summary = {
            "n_low_confidence": int(low.sum()),
            "low_confidence_unknown_share": float(unknown[low].sum() / rated[low].sum()) if low.any() else np.nan,
            "high_confidence_unknown_share": float(unknown[high].sum() / rated[high].sum()) if high.any() else np.nan,
            "n_low_confidence_without_unknown": int((low & (unknown == 0)).sum()),
        }
    return table, summary, None


def unknown_share(annotations: Any, *, threshold: float = 0.70, alarm_points: float = 5.0,
                  confidence_level: float = 0.95, require_significance: bool = False) -> UnknownShare:
    """Share of Unknown/Other labels — overall, per round (with an alarm), per annotator and per class neighbourhood.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations. The Unknown class is the taxonomy's ``unknown: true`` class or a category
        named like Unknown/Other/Unsure (:attr:`AnnotationSet.unknown_label`).
    threshold : float
        Model-confidence rule: items whose top predicted probability is below it should be Unknown
        (uses :attr:`AnnotationSet.prediction_confidence`; without predictions — and on the Dask backend, which
        does not read them — that section is empty and ``model_rule_reason`` says why).
    alarm_points : float
        Alarm when the share grows by more than this many percentage points between consecutive rounds
        (5–10 is typical).
    confidence_level : float
        Of the Wilson intervals; ``1 - confidence_level`` is the test's significance level.
    require_significance : bool
        Also require the one-sided two-proportion test to reject before calling an alarm; a rise above
        ``alarm_points`` without significance is then ``watch``.

    Returns
    -------
    UnknownShare

    References
    ----------
    Wilson (1927), https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> from analytics import load_annotations
    >>> res = unknown_share(load_annotations("sample_data/digits/annotations.csv"))
    >>> res.unknown_label, res.by_round["round"].tolist()
    ('Unknown', ['1', '2'])
    """
    check_confidence_level(confidence_level)
    if not isinstance(threshold, (int, float)) or not 0.0 < float(threshold) <= 1.0:
        raise InvalidParameterError(f"threshold= must be a probability in (0, 1], e.g. 0.70; got {threshold!r}.")
    if not isinstance(alarm_points, (int, float)) or not 0.0 <= float(alarm_points) < 100.0:
        raise InvalidParameterError(f"alarm_points= must be percentage points in [0, 100), e.g. 5; got {alarm_points!r}.")
    aset = require_annotation_set(annotations)
    require_single_label(aset, "unknown_share")
    label = aset.unknown_label if aset.unknown_label in aset.categories else None
    u = aset.categories.index(label) if label is not None else -1
    n = aset.n_annotations
    low_table, model, model_reason = _model_rule(aset, u, float(threshold))
    if label is None:
        reason = ("the set has no Unknown/Other class (flag one with 'unknown: true' in the taxonomy or name a "
                  "category Unknown/Other)")
        return UnknownShare(
            unknown_label=None, n_annotations=n, n_unknown=0, share=np.nan, ci_low=np.nan, ci_high=np.nan,
            n_items_with_unknown=0, by_round=_rounds(aset, u, alarm_points, confidence_level).iloc[0:0],
            require_significance=bool(require_significance),
            by_annotator=pd.DataFrame(columns=["annotator_id", "n_annotations", "n_unknown", "share"]),
            by_class=pd.DataFrame(columns=["category", "n_items", "n_ratings", "n_unknown", "unknown_rate",
                                           "neighbour_ratings", "neighbour_share"]),
            low_confidence=low_table, **model, alarm=False, threshold=float(threshold),
            alarm_points=float(alarm_points), confidence_level=confidence_level,
            sentence=f"No Unknown/Other class: {reason}.", reason=reason, model_rule_reason=model_reason)
    x = int(category_totals(aset)[u])
    lo, hi = _wilson(np.array([x]), np.array([n]), confidence_level)
    rounds = _rounds(aset, u, float(alarm_points), confidence_level, bool(require_significance))
    by_annotator = pd.DataFrame(columns=["annotator_id", "n_annotations", "n_unknown", "share"])
    if aset.annotators_known:
        na = annotator_totals(aset)
        xa = annotator_category_counts(aset)[:, u].astype(np.int64)
        by_annotator = pd.DataFrame({"annotator_id": np.asarray(aset.annotator_ids, dtype=object), "n_annotations": na,
                                     "n_unknown": xa, "share": xa / np.maximum(na, 1)})
    items_with = int(unknown_neighbourhood(aset, u)[4, u])  # items on which Unknown was used
    alarm = bool((rounds["status"] == "alarm").any())
    sentence = _sentence(label, x, n, float(lo[0]), float(hi[0]), rounds, alarm_points, confidence_level)
    return UnknownShare(
        unknown_label=label, n_annotations=n, n_unknown=x, share=x / n if n else np.nan, ci_low=float(lo[0]),
        ci_high=float(hi[0]), n_items_with_unknown=items_with, by_round=rounds, by_annotator=by_annotator,
        by_class=_by_class(aset, u), low_confidence=low_table, **model, alarm=alarm, threshold=float(threshold),
        alarm_points=float(alarm_points), confidence_level=confidence_level, sentence=sentence,
        model_rule_reason=model_reason, require_significance=bool(require_significance))


def _sentence(label: str, x: int, n: int, lo: float, hi: float, rounds: pd.DataFrame, points: float,
              confidence_level: float) -> str:
    head = f"'{label}' is {x / n:.1%} of {n:,} annotations ({confidence_level:.0%} CI {lo:.1%}–{hi:.1%})"
    if len(rounds) < 2:
        return head + "."
    steps = ", ".join(f"{r} {s:.1%}" for r, s in zip(rounds["round"], rounds["share"]))
    flagged = rounds[rounds["status"].isin(["alarm", "watch"])]
    if flagged.empty:
        return f"{head}; by round {steps}: no rise above {points:g} points."
    parts = [f"round {r['round']} +{r['change_points']:.1f} points (p = {r['p_value']:.3g}, {r['status']})"
             for _, r in flagged.iterrows()]
    return f"{head}; by round {steps}: {'; '.join(parts)} — a growing Unknown share points to a taxonomy gap."
