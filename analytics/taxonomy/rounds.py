r"""Did the guideline change help? Two rounds compared: every coefficient, every class, and the hotspots.

Each round is its own subset (:meth:`AnnotationSet.subset`). A coefficient's change gets the Wald interval
:math:`\Delta \pm z\sqrt{\mathrm{SE}_1^2 + \mathrm{SE}_2^2}` from the two rounds' analytic standard errors
(Gwet's linearized SEs for the count-based coefficients; the SEs in :func:`agreement_summary`), which treats
the rounds as independent samples of items. When the same items were labelled in both rounds the two
estimates are positively correlated and this interval is conservative (wider than a paired one); a
:class:`DataQualityWarning` says so.

**Hotspots, one test.** Every pair that is a hotspot of either round (:func:`confusion_hotspots`: among the
round's ``top`` pairs by score, positive score, disputed on ≥ ``min_items`` items) gets its *rate* in each round —
the share of the round's items on which both classes were used — and one two-sided Fisher exact test of
rate before = rate after, Holm-adjusted over the pairs compared. Then:

* significantly lower: **closed** when the pair is no longer a hotspot of the later round, else **improved**;
* significantly higher: **opened** when it was not a hotspot of the earlier round, else **worse**;
* otherwise **persisting**: no significant change of its rate (whatever the point estimates say).

References
----------
Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5. Advanced Analytics.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._reshape import require_in_memory
from ..agreement._input import require_annotation_set
from ..agreement._results import check_confidence_level
from .confusion import hotspot_table, units
from ..exceptions import DataQualityWarning, InvalidParameterError, UndefinedMetricWarning
from ..results import ResultMixin, interval_text
from .._hotspot_rule import HOTSPOT_STATUS, HOTSPOT_TEST, hotspot_status_of
from .._wording import count_noun

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["RoundComparison", "compare_rounds", "HOTSPOT_STATUS", "HOTSPOT_TEST", "hotspot_status"]

INTERVAL_METHOD = "Wald on the difference, sqrt(SE_before² + SE_after²) (rounds treated as independent samples)"


@dataclass(frozen=True, eq=False)
class RoundComparison(ResultMixin):
    """Agreement of two rounds side by side.

    Attributes
    ----------
    rounds : tuple of str
        ``(before, after)``.
    coefficients : pandas.DataFrame
        ``coefficient, label, before, after, difference, standard_error, ci_low, ci_high, p_value``
        (two-sided z test of no change) and ``significant``.
    by_category : pandas.DataFrame
        ``category, kappa_before, kappa_after, difference, standard_error, ci_low, ci_high, p_value,
        significant`` (per-category Fleiss kappas).
    hotspots : pandas.DataFrame
        One row per pair that is a hotspot of either round: ``class_a, class_b, status`` (:data:`HOTSPOT_STATUS`, by
        the rule :data:`HOTSPOT_TEST`), ``hotspot_before``, ``hotspot_after`` (bool), ``score_before, score_after,
        n_items_before, n_items_after`` (items on which both classes were used), ``rate_before, rate_after`` (those
        items per item of the round), ``p_value`` (two-sided Fisher exact test of the rates), ``p_adjusted`` (Holm
        over the rows), ``top_annotator_before``, ``top_annotator_after``.
    n_items_before, n_items_after, n_shared_items : int
    sentence : str
    interval_method : str
    confidence_level : float
    hotspot_test : str
        :data:`HOTSPOT_TEST`.
    """

    rounds: tuple[str, str]
    coefficients: pd.DataFrame
    by_category: pd.DataFrame
    hotspots: pd.DataFrame
    n_items_before: int
    n_items_after: int
    n_shared_items: int
    sentence: str
    interval_method: str
    confidence_level: float
    hotspot_test: str = HOTSPOT_TEST

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()


def _difference(v0, v1, se0, se1, confidence_level: float) -> dict[str, np.ndarray]:
    v0, v1, se0, se1 = (np.asarray(x, dtype=float) for x in (v0, v1, se0, se1))
    diff = v1 - v0
    se = np.sqrt(se0 ** 2 + se1 ** 2)
    z = stats.norm.ppf(0.5 + confidence_level / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2.0 * stats.norm.sf(np.abs(diff / se))
    p = np.where(se > 0, p, np.nan)
    return {"difference": diff, "standard_error": se, "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p,
            "significant": np.nan_to_num(p, nan=1.0) < 1.0 - confidence_level}


def _pick_rounds(aset: "AnnotationSet", rounds: Sequence[Any] | None) -> tuple[str, str]:
    have = list(aset.rounds)
    if rounds is None:
        if len(have) < 2:
            raise InvalidParameterError(
                f"compare_rounds needs at least two rounds in the 'round' column; this set has {have or 'none'}.")
        return have[-2], have[-1]
    if isinstance(rounds, str) or len(rounds) != 2:
        raise InvalidParameterError(f"rounds= must be two round values, e.g. ('1', '2'); got {rounds!r}.")
    picked = tuple(str(r) for r in rounds)
    missing = [r for r in picked if r not in have]
    if missing or picked[0] == picked[1]:
        raise InvalidParameterError(f"rounds= must be two different rounds of the set {have}; got {list(rounds)!r}.")
    return picked  # type: ignore[return-value]


def _round_subset(aset: "AnnotationSet", name: str) -> "AnnotationSet":
    text = aset.frame["round"].astype(object).map(lambda v: None if pd.isna(v) else str(v))
    return aset.subset((text == name).to_numpy())


def hotspot_status(k_before: np.ndarray, n_before: int, k_after: np.ndarray, n_after: int, hot_before: np.ndarray,
                   hot_after: np.ndarray, alpha: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """:data:`HOTSPOT_TEST` for the pairs compared: ``(status, p_value, p_adjusted)``, one per pair.

    ``k_*``: items on which both classes of the pair were used, out of ``n_*`` items; ``hot_*``: whether the pair is
    a hotspot of that round (or delivery). The workspace history applies the same rule between deliveries.
    """
    from ..annotators.gold import holm

    k0, k1 = np.asarray(k_before, dtype=np.int64), np.asarray(k_after, dtype=np.int64)
    p = np.array([stats.fisher_exact([[a, n_before - a], [b, n_after - b]])[1] for a, b in zip(k0, k1)], dtype=float)
    adjusted, reject = holm(p, alpha)
    status = [hotspot_status_of(bool(significant), a / max(n_before, 1), b / max(n_after, 1), bool(before), bool(after))
              for a, b, significant, before, after in zip(k0, k1, reject, hot_before, hot_after)]
    return status, p, adjusted


def _hotspot_changes(sets: tuple["AnnotationSet", "AnnotationSet"], top: int | None, min_items: int,
                     alpha: float) -> pd.DataFrame:
    cols = ["class_a", "class_b", "status", "hotspot_before", "hotspot_after", "score_before", "score_after",
            "n_items_before", "n_items_after", "rate_before", "rate_after", "p_value", "p_adjusted",
            "top_annotator_before", "top_annotator_after"]
    tables = [hotspot_table(units(s, "compare_rounds"), top=None, n_examples=0, diagnose=False) for s in sets]
    keyed = [t.set_index(["class_a", "class_b"]) for t in tables]
    hot = []
    for t in tables:
        ok = t[(t["score"] > 0) & (t["n_items"] >= min_items)]
        hot.append(set(map(tuple, ok[["class_a", "class_b"]].head(top).to_numpy())))
    n = [s.n_items for s in sets]
    pairs = sorted(hot[0] | hot[1], key=lambda p: -max(_get(keyed[0], p, "score", 0.0), _get(keyed[1], p, "score", 0.0)))
    k = np.array([[int(_get(t, pair, "n_items", 0)) for t in keyed] for pair in pairs], dtype=np.int64).reshape(-1, 2)
    statuses, p, adjusted = hotspot_status(k[:, 0], n[0], k[:, 1], n[1], np.array([q in hot[0] for q in pairs]),
                                           np.array([q in hot[1] for q in pairs]), alpha)
    rows = []
    for pair, (k0, k1), p_raw, p_adj, status in zip(pairs, k, p, adjusted, statuses):
        r0, r1 = k0 / n[0], k1 / n[1]
        before, after = pair in hot[0], pair in hot[1]
        rows.append({"class_a": pair[0], "class_b": pair[1], "status": status, "hotspot_before": before,
                     "hotspot_after": after, "score_before": _get(keyed[0], pair, "score", np.nan),
                     "score_after": _get(keyed[1], pair, "score", np.nan), "n_items_before": int(k0),
                     "n_items_after": int(k1), "rate_before": r0, "rate_after": r1, "p_value": float(p_raw),
                     "p_adjusted": float(p_adj), "top_annotator_before": _get(keyed[0], pair, "top_annotator", None),
                     "top_annotator_after": _get(keyed[1], pair, "top_annotator", None)})
    return pd.DataFrame(rows, columns=cols)


def _get(table: pd.DataFrame, pair: tuple, column: str, default: Any) -> Any:
    return table.at[pair, column] if pair in table.index else default


def compare_rounds(annotations: Any, *, rounds: Sequence[Any] | None = None, target: float = 0.8,
                   confidence_level: float = 0.95, top: int | None = 10, min_items: int = 5) -> RoundComparison:
    """Compare two rounds (guideline versions): change of every coefficient and class, hotspots closed or opened.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations with a ``round`` column.
    rounds : pair of round values, optional
        ``(before, after)``; default: the last two rounds in natural order.
    target, confidence_level : float
        As :func:`agreement_summary`.
    top : int or None
        A pair is a hotspot of a round when it is among the round's ``top`` pairs by score, has a positive
        score and was disputed on at least ``min_items`` items.
    min_items : int

    Returns
    -------
    RoundComparison

    References
    ----------
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5. Advanced Analytics.

    Examples
    --------
    >>> from analytics import load_annotations
    >>> cmp = compare_rounds(load_annotations("sample_data/digits/annotations.csv"))
    >>> cmp.rounds, bool(cmp.coefficients.set_index("coefficient").at["fleiss_kappa", "difference"] > 0)
    (('1', '2'), True)
    """
    from ..agreement import agreement_summary, fleiss_kappa_by_category

    check_confidence_level(confidence_level)
    if not isinstance(min_items, (int, np.integer)) or min_items < 1:
        raise InvalidParameterError(f"min_items= must be a positive integer; got {min_items!r}.")
    aset = require_annotation_set(annotations)
    require_in_memory(aset, "compare_rounds", instead=(
        "Per round on the cluster: agreement_summary(lake) (its by_round table) and agreement_by(lake, by='round'); "
        "for compare_rounds load the annotations in memory (backend='memory')."))
    if aset.multilabel:
        raise InvalidParameterError("compare_rounds needs single-label annotations; this set holds tag sets.")
    names = _pick_rounds(aset, rounds)
    sets = (_round_subset(aset, names[0]), _round_subset(aset, names[1]))
    shared = int(len(set(sets[0].item_ids) & set(sets[1].item_ids)))
    if shared:
        warnings.warn(
            f"{count_noun(shared, 'item')} {'was' if shared == 1 else 'were'} labelled in both rounds {names[0]} and {names[1]}; the intervals treat the rounds "
            "as independent, which is conservative (too wide) when the same items are re-labelled.",
            DataQualityWarning, stacklevel=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        summaries = [agreement_summary(s, target=target, confidence_level=confidence_level, by_round=False) for s in sets]
        per_class = [fleiss_kappa_by_category(s, confidence_level=confidence_level) for s in sets]
    t0, t1 = (s.table.set_index("coefficient") for s in summaries)
    common = [c for c in t0.index if c in t1.index]
    diff = _difference(t0.loc[common, "value"], t1.loc[common, "value"], t0.loc[common, "standard_error"],
                       t1.loc[common, "standard_error"], confidence_level)
    coefficients = pd.DataFrame({"coefficient": common, "label": t0.loc[common, "label"].to_numpy(),
                                 "before": t0.loc[common, "value"].to_numpy(dtype=float),
                                 "after": t1.loc[common, "value"].to_numpy(dtype=float), **diff})
    k0, k1 = per_class
    cdiff = _difference(k0["kappa"], k1["kappa"], k0["standard_error"], k1["standard_error"], confidence_level)
    by_category = pd.DataFrame({"category": k0["category"], "kappa_before": k0["kappa"], "kappa_after": k1["kappa"],
                                **cdiff})
    hotspots = _hotspot_changes(sets, top, int(min_items), 1.0 - confidence_level)
    # the primary coefficient depends on the number of annotators (Cohen's kappa for two), which can differ between
    # rounds: use one both rounds have
    primary = next(c for c in (summaries[1].primary, summaries[0].primary, "fleiss_kappa", *common) if c in common)
    return RoundComparison(
        rounds=names, coefficients=coefficients, by_category=by_category, hotspots=hotspots,
        n_items_before=sets[0].n_items, n_items_after=sets[1].n_items, n_shared_items=shared,
        sentence=_sentence(names, coefficients, primary, hotspots, confidence_level),
        interval_method=INTERVAL_METHOD, confidence_level=confidence_level)


def _sentence(names: tuple[str, str], coefficients: pd.DataFrame, primary: str, hotspots: pd.DataFrame,
              confidence_level: float) -> str:
    row = coefficients.set_index("coefficient").loc[primary]
    verdict = "a significant change" if row["significant"] else "not a significant change"
    text = (f"{row['label']} went from {row['before']:.3f} in round {names[0]} to {row['after']:.3f} in round "
            f"{names[1]} ({row['difference']:+.3f}, "
            f"{interval_text(row['ci_low'], row['ci_high'], confidence_level, spec='+.3f', sep=' to ')}: {verdict}).")
    words = {"closed": "Closed", "improved": "Improved", "worse": "Worse", "opened": "Opened"}
    for status in ("closed", "improved", "worse", "opened"):
        pairs = hotspots[hotspots["status"] == status]
        if len(pairs):
            text += f" {words[status]} hotspots: " + ", ".join(
                f"{a}/{b} ({r0:.1%} → {r1:.1%} of items, Holm-adjusted p = {p:.2g})"
                for a, b, r0, r1, p in zip(pairs["class_a"], pairs["class_b"], pairs["rate_before"],
                                           pairs["rate_after"], pairs["p_adjusted"])) + "."
    same = hotspots[hotspots["status"] == "persisting"]
    if len(same):
        text += (" No significant change (persisting, Holm-adjusted Fisher exact test): "
                 + ", ".join(f"{a}/{b} ({r0:.1%} → {r1:.1%})" for a, b, r0, r1 in
                             zip(same["class_a"], same["class_b"], same["rate_before"], same["rate_after"])) + ".")
    return text
