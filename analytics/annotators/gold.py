r"""Golden-set audit: each annotator's accuracy on gold items, with honest uncertainty, and gold coverage.

Only annotations of items with a gold label count. Accuracy gets a Wilson score interval and a
one-sided exact binomial test against a target accuracy, Holm-corrected across annotators, so that
9/10 and 90/100 no longer look the same and only annotators the data show to be below target are flagged.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. Journal of
the American Statistical Association, 22(158), 209–212. https://doi.org/10.1080/01621459.1927.10502953

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of
Statistics, 6(2), 65–70. https://www.jstor.org/stable/4615733
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from .._wording import count_noun
from .._reshape import (
    annotator_gold_confusion,
    category_totals,
    coincidence_matrix,
    gold_class_counts,
    gold_label_counts,
    n_gold_items,
    ranked_class_pairs,
    require_annotators,
    require_single_label,
)
from ..exceptions import AnnotationSchemaError, DataQualityWarning, InvalidParameterError
from ..results import Estimate, ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["GoldAccuracy", "GoldCoverage", "gold_accuracy", "gold_accuracy_by_annotator", "gold_coverage",
           "wilson_n_needed"]


def annotator_index(aset: "AnnotationSet") -> pd.Index:
    """Annotator ids as an object Index named ``annotator_id`` (in code order)."""
    return pd.Index(np.asarray(aset.annotator_ids), dtype=object, name="annotator_id")


def require_gold(aset: "AnnotationSet", what: str) -> None:
    """Raise :class:`AnnotationSchemaError` unless the set is single-label with annotators and gold."""
    require_single_label(aset, what)
    require_annotators(aset, what)
    if n_gold_items(aset) == 0:
        raise AnnotationSchemaError(
            f"{what} needs gold labels for some of the annotated items, but this set has none. Attach them with "
            "load_annotations(..., gold='gold.csv') or aset.with_attachments(gold=...); gold item ids must match "
            "the annotations' item ids."
        )


def holm(p_values: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Holm's step-down adjusted p-values and rejections; NaN p-values stay NaN / False.

    With the *m* finite p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`,

    .. math:: \tilde p_{(i)} = \min\Bigl(1, \max_{j \le i} (m - j + 1)\, p_{(j)}\Bigr), \qquad
              \text{reject } H_{(i)} \iff p_{(j)} \le \frac{\alpha}{m - j + 1} \text{ for every } j \le i.

    The same numbers as statsmodels ``multipletests(method="holm")`` (the test suite checks it as an oracle),
    computed here because that function runs a full ``gc.collect()`` on every Holm call (about 70 ms in a
    dashboard process, several times per page).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of
    Statistics, 6(2), 65–70. https://www.jstor.org/stable/4615733

    Examples
    --------
    >>> adjusted, reject = holm(np.array([0.01, 0.04, 0.03, np.nan]), 0.05)
    >>> adjusted.round(2).tolist()[:3], reject.tolist()
    ([0.03, 0.06, 0.06], [True, False, False, False])
    """
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(len(p_values), np.nan)
    reject = np.zeros(len(p_values), dtype=bool)
    ok = np.flatnonzero(np.isfinite(p_values))
    m = len(ok)
    if m:
        order = ok[np.argsort(p_values[ok], kind="mergesort")]
        p_sorted = p_values[order]
        steps = np.arange(m, 0, -1)
        adjusted[order] = np.minimum(np.maximum.accumulate(p_sorted * steps), 1.0)
        reject[order] = np.logical_and.accumulate(p_sorted <= alpha / steps)
    return adjusted, reject


def wilson_n_needed(accuracy: np.ndarray | float, ci_width: float, confidence_level: float = 0.95) -> np.ndarray:
    r"""Smallest number of gold items whose Wilson interval is at most ``ci_width`` wide at ``accuracy``.

    The Wilson half-width is :math:`h(n) = z\sqrt{n p q + z^2/4}\,/\,(n + z^2)`, strictly decreasing in *n*.
    Setting :math:`h = w/2` and squaring gives the quadratic
    :math:`h^2 n^2 + (2h^2z^2 - z^2pq)\,n + h^2z^4 - z^4/4 = 0`, whose larger root, rounded up, is returned.

    Examples
    --------
    >>> int(wilson_n_needed(0.9, 0.2))
    37
    """
    p = np.asarray(accuracy, dtype=float)
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    h = ci_width / 2
    b = 2 * h**2 * z**2 - z**2 * p * (1 - p)
    c = h**2 * z**4 - z**4 / 4
    root = (-b + np.sqrt(b**2 - 4 * h**2 * c)) / (2 * h**2)
    return np.maximum(np.ceil(root - 1e-9), 1).astype(np.int64)


@dataclass(frozen=True, eq=False)
class GoldAccuracy(ResultMixin):
    """Per-annotator accuracy on gold items.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per annotator: ``annotator_id, n_gold`` (annotations of gold items), ``n_correct, accuracy,
        ci_low, ci_high`` (Wilson), ``p_value`` (exact binomial, H1: accuracy < target), ``p_adjusted`` (Holm),
        ``flagged`` (significantly below target), ``evidence`` (``"enough"`` / ``"not enough evidence"``) and
        ``n_gold_needed`` (gold annotations for an interval of width ``ci_width`` at the observed accuracy).
    per_class_recall : pandas.DataFrame
        Annotator × gold class: share of the annotator's gold items of that class labelled correctly
        (NaN where the annotator met no gold item of the class).
    target, confidence_level, ci_width : float
    min_gold : int
    n_gold_items : int
        Annotated items with a gold label.
    interval_method, test_method : str
    """

    table: pd.DataFrame
    per_class_recall: pd.DataFrame
    target: float
    confidence_level: float
    min_gold: int
    ci_width: float
    n_gold_items: int
    interval_method: str = "Wilson score interval (statsmodels proportion_confint, method='wilson')"
    test_method: str = "one-sided exact binomial test (H1: accuracy < target), Holm-adjusted across annotators"

    @property
    def flagged(self) -> list[str]:
        """Annotators significantly below target."""
        return self.table.loc[self.table["flagged"], "annotator_id"].tolist()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def gold_accuracy_by_annotator(
    annotations: "AnnotationSet", *, target: float = 0.9, confidence_level: float = 0.95, min_gold: int = 10,
    ci_width: float = 0.25,
) -> GoldAccuracy:
    r"""Each annotator's accuracy on gold items with a Wilson interval and a test against ``target``.

    For annotator *a* with :math:`n_a` annotations of gold items, :math:`x_a` of them equal to gold:
    accuracy :math:`\hat p_a = x_a / n_a`; Wilson interval

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n};

    p-value :math:`P(X \le x_a)` for :math:`X \sim \mathrm{Bin}(n_a, \text{target})`; Holm's step-down
    adjustment across annotators; ``flagged`` when the adjusted p-value is below ``1 - confidence_level``.
    ``evidence`` is ``"enough"`` when :math:`n_a \ge` ``min_gold`` and the interval is at most ``ci_width``
    wide; ``n_gold_needed`` is the number of gold annotations that would make it so at the observed accuracy
    (at ``target`` for an annotator without gold), see :func:`wilson_n_needed`.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with gold labels attached.
    target : float
        Accuracy an annotator should reach, in (0, 1).
    confidence_level : float
        Of the intervals; ``1 - confidence_level`` is the significance level of the flags.
    min_gold : int
        Fewest gold annotations before any verdict counts as evidence.
    ci_width : float
        Widest acceptable interval (upper minus lower bound).

    Returns
    -------
    GoldAccuracy

    References
    ----------
    Wilson (1927), https://doi.org/10.1080/01621459.1927.10502953; Holm (1979), https://www.jstor.org/stable/4615733

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, gold_accuracy_by_annotator
    >>> df = pd.DataFrame({"item_id": [1, 2, 3, 1, 2, 3], "annotator_id": list("aaabbb"),
    ...                    "label": ["x", "y", "x", "x", "x", "x"]})
    >>> gold = pd.DataFrame({"item_id": [1, 2, 3], "gold_label": ["x", "y", "x"]})
    >>> res = gold_accuracy_by_annotator(load_annotations(df, gold=gold), min_gold=2)
    >>> res.table[["annotator_id", "n_gold", "n_correct"]].values.tolist()
    [['a', 3, 3], ['b', 3, 2]]
    """
    if not 0 < target < 1:
        raise InvalidParameterError(f"target must lie strictly between 0 and 1, not {target!r}.")
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")
    if not 0 < ci_width <= 1 or min_gold < 0:
        raise InvalidParameterError(f"ci_width must be in (0, 1] and min_gold ≥ 0 (got {ci_width!r}, {min_gold!r}).")
    require_gold(annotations, "gold_accuracy_by_annotator")
    conf = annotator_gold_confusion(annotations)
    n = conf.sum(axis=(1, 2))
    x = np.trace(conf, axis1=1, axis2=2)
    has = n > 0
    acc = np.full(len(n), np.nan)
    low = np.full(len(n), np.nan)
    high = np.full(len(n), np.nan)
    pval = np.full(len(n), np.nan)
    acc[has] = x[has] / n[has]
    low[has], high[has] = proportion_confint(x[has], n[has], alpha=1 - confidence_level, method="wilson")
    pval[has] = [stats.binomtest(int(k), int(m), target, alternative="less").pvalue for k, m in zip(x[has], n[has])]
    adjusted, reject = holm(pval, 1 - confidence_level)
    needed = np.maximum(wilson_n_needed(np.where(has, acc, target), ci_width, confidence_level), min_gold)
    enough = has & (n >= min_gold) & (high - low <= ci_width + 1e-12)
    table = pd.DataFrame({
        "annotator_id": np.asarray(annotations.annotator_ids, dtype=object),
        "n_gold": n, "n_correct": x, "accuracy": acc, "ci_low": low, "ci_high": high,
        "p_value": pval, "p_adjusted": adjusted, "flagged": reject & has,
        "evidence": np.where(enough, "enough", "not enough evidence"),
        "n_gold_needed": needed,
    })
    per_class_n = conf.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.diagonal(conf, axis1=1, axis2=2) / per_class_n
    per_class = pd.DataFrame(recall, index=annotator_index(annotations),
                             columns=pd.Index(annotations.categories, name="gold_label"))
    return GoldAccuracy(
        table=table, per_class_recall=per_class, target=float(target), confidence_level=float(confidence_level),
        min_gold=int(min_gold), ci_width=float(ci_width),
        n_gold_items=n_gold_items(annotations),
    )


def gold_accuracy(annotations: "AnnotationSet", *, confidence_level: float = 0.95) -> Estimate:
    r"""The pooled golden-set accuracy of a delivery: the share of annotations of gold items equal to gold.

    Over the :math:`n` annotations of items with a gold label, :math:`x` of them equal to it,
    :math:`\hat p = x / n` with a Wilson score interval (as in :func:`gold_accuracy_by_annotator`). Works
    without annotator ids (an item × category counts table with gold). The interval treats annotations as
    independent; annotations of one item are not quite, so read it as a lower bound on the uncertainty.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with gold labels attached.
    confidence_level : float
        Of the interval.

    Returns
    -------
    Estimate
        ``value`` = accuracy, ``ci_low``/``ci_high`` (Wilson), ``n_items`` = annotated gold items,
        ``n_annotators`` (0 when anonymous), ``method="gold_accuracy"``.

    References
    ----------
    Wilson (1927), https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 2, 1, 2], "annotator_id": list("aabb"), "label": ["x", "y", "x", "x"]})
    >>> gold = pd.DataFrame({"item_id": [1, 2], "gold_label": ["x", "y"]})
    >>> est = gold_accuracy(load_annotations(df, gold=gold))
    >>> est.value, round(est.ci_low, 3), est.n_items
    (0.75, 0.301, 2)
    """
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")
    require_single_label(annotations, "gold_accuracy")
    n_items = n_gold_items(annotations)
    if n_items == 0:
        raise AnnotationSchemaError(
            "gold_accuracy needs gold labels for some of the annotated items, but this set has none. Attach them with "
            "load_annotations(..., gold='gold.csv'); gold item ids must match the annotations' item ids.")
    table = gold_label_counts(annotations)  # gold × label counts over the annotations of gold items
    n, x = int(table.sum()), int(np.trace(table))
    low, high = proportion_confint(x, n, alpha=1 - confidence_level, method="wilson")
    n_annotators = (int((annotator_gold_confusion(annotations).sum(axis=(1, 2)) > 0).sum())
                    if annotations.annotators_known else 0)
    return Estimate(value=x / n, ci_low=float(low), ci_high=float(high), n_items=n_items,
                    n_annotators=n_annotators, method="gold_accuracy",
                    standard_error=float(np.sqrt(x / n * (1 - x / n) / n)), confidence_level=float(confidence_level),
                    interval_method="Wilson score interval (statsmodels proportion_confint, method='wilson')")


@dataclass(frozen=True, eq=False)
class GoldCoverage(ResultMixin):
    """How well the golden set covers the classes and the classes annotators confuse.

    Attributes
    ----------
    by_class : pandas.DataFrame
        ``category, n_gold, gold_share, n_annotations, annotation_share``.
    by_pair : pandas.DataFrame
        The most-confused class pairs (largest off-diagonal coincidence, all items):
        ``class_a, class_b, disagreements`` (pairable disagreements between the two classes,
        :math:`o_{ab} + o_{ba}`), ``n_gold_a, n_gold_b, n_gold_pair`` (gold items of either class) and
        ``gold_confusions`` (annotations of gold items of one class labelled as the other).
    classes_without_gold : tuple of str
        Every class without a gold item, in category order, whether or not the annotators used it (a
        :class:`DataQualityWarning` names them).
    n_gold_items : int
    unused_classes_without_gold : tuple of str
        The subset of ``classes_without_gold`` that no annotator used either (declared in the categories or
        taxonomy only): nothing to audit yet, but a golden set should still cover them.
    """

    by_class: pd.DataFrame
    by_pair: pd.DataFrame
    classes_without_gold: tuple[str, ...]
    n_gold_items: int
    unused_classes_without_gold: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.by_class.copy()


def gold_coverage(annotations: "AnnotationSet", *, top_pairs: int = 10) -> GoldCoverage:
    r"""Gold items per class and per most-confused class pair; warns where a class has no gold at all.

    Every class of ``annotations.categories`` without a gold item is reported in
    ``classes_without_gold`` and named in the warning, including declared classes nobody used (those are
    also listed in ``unused_classes_without_gold``).

    Class pairs are ranked by their pairable disagreements in Krippendorff's coincidence matrix
    :math:`o_{ab} + o_{ba}` over all items (how often two annotators of one item split between *a*
    and *b*), so the pairs listed are the ones a golden set most needs to cover.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations (gold optional: without gold every count is zero and every class is
        reported as lacking gold).
    top_pairs : int
        How many class pairs to list (pairs without any disagreement are never listed).

    Returns
    -------
    GoldCoverage

    Warns
    -----
    DataQualityWarning
        When any class has no gold item (used by the annotators or only declared).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43

    Examples
    --------
    >>> import warnings, pandas as pd
    >>> from analytics import load_annotations, gold_coverage
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"), "label": ["x", "y", "y", "y"]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     cov = gold_coverage(load_annotations(df, gold=pd.DataFrame({"item_id": [2], "gold_label": ["y"]})))
    >>> cov.classes_without_gold
    ('x',)
    """
    require_single_label(annotations, "gold_coverage")
    if top_pairs < 0:
        raise InvalidParameterError(f"top_pairs must be ≥ 0, not {top_pairs!r}.")
    cats = np.asarray(annotations.categories, dtype=object)
    n_gold = gold_class_counts(annotations)
    used = category_totals(annotations)
    total_gold = int(n_gold.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        by_class = pd.DataFrame({
            "category": cats, "n_gold": n_gold, "gold_share": n_gold / total_gold if total_gold else np.nan,
            "n_annotations": used, "annotation_share": used / max(int(used.sum()), 1),
        })
    missing = tuple(str(c) for c in cats[n_gold == 0])
    unused = tuple(str(c) for c in cats[(n_gold == 0) & (used == 0)])
    if missing:
        note = f" ({len(unused)} of them not used by any annotator either: {', '.join(unused)})" if unused else ""
        warnings.warn(
            f"{count_noun(len(missing), 'class')} {'has' if len(missing) == 1 else 'have'} no gold item: "
            f"{', '.join(missing)}{note}. Accuracy on them cannot be "
            "audited; add gold items of these classes.", DataQualityWarning, stacklevel=2)
    by_pair = _pair_coverage(annotations, n_gold, top_pairs)
    return GoldCoverage(by_class=by_class, by_pair=by_pair, classes_without_gold=missing, n_gold_items=total_gold,
                        unused_classes_without_gold=unused)


def _pair_coverage(aset: "AnnotationSet", n_gold: np.ndarray, top_pairs: int) -> pd.DataFrame:
    a_idx, b_idx, disagreements = (x[:top_pairs] for x in ranked_class_pairs(coincidence_matrix(aset)))
    g = gold_label_counts(aset)
    gold_conf = g[a_idx, b_idx] + g[b_idx, a_idx]
    cats = np.asarray(aset.categories, dtype=object)
    return pd.DataFrame({
        "class_a": cats[a_idx], "class_b": cats[b_idx], "disagreements": disagreements,
        "n_gold_a": n_gold[a_idx], "n_gold_b": n_gold[b_idx], "n_gold_pair": n_gold[a_idx] + n_gold[b_idx],
        "gold_confusions": gold_conf,
    })
