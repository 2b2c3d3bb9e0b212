"""Fleiss' kappa for many raters, overall and per category."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable

import numpy as np
import pandas as pd

from .._reshape import cached, is_distributed, item_category_counts, ratings_per_item, reduce_items, view_counts
from ..results import warn_undefined
from ._core import (
    binary_features,
    binary_finish,
    binary_from_sums,
    binary_point,
    binary_squared_deviations,
)
from ._histogram import binary_histogram, histogram_squares, histogram_sums
from ._counts import count_coefficient, count_sums, equal_raters_of, prepare
from ._input import IntervalMethod, Weights
from ._results import AgreementEstimate, wald_intervals
from ._score import SCORE_TEXT, ratings_histogram
from .intervals import score_intervals
from .bootstrap import bootstrap_replicates, describe, percentile_intervals

__all__ = ["fleiss_kappa", "fleiss_kappa_by_category", "binary_kappa_table", "binary_statistics", "binary_sums"]


def fleiss_kappa(
    annotations: Any,
    *,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Fleiss' kappa: chance-corrected agreement among any number of raters per item.

    .. math:: \kappa = \frac{p_a - p_e}{1 - p_e}, \quad
              p_a = \frac{1}{n'}\sum_{i:\,r_i \ge 2}\sum_c \frac{n_{ic}(n_{ic} - 1)}{r_i(r_i - 1)}, \quad
              p_e = \sum_c \pi_c^2, \quad \pi_c = \frac{1}{n}\sum_i \frac{n_{ic}}{r_i}

    where :math:`n_{ic}` is the number of ratings of item *i* in category *c*, :math:`r_i` its number of
    ratings, :math:`n` the number of items and :math:`n'` those with at least two ratings. With the same
    number of raters on every item this is exactly Fleiss (1971) (and statsmodels' ``fleiss_kappa``).

    **Unequal raters and missing ratings.** We use Gwet's (2014, ch. 5) generalization, which is what
    R/Python ``irrCAC`` compute: the observed agreement averages the per-item agreement over items with
    two or more ratings (an item rated once carries no agreement information), and the category
    proportions average each item's rating shares, so an item weighs the same however many raters it had.
    Items rated once then count in :math:`p_e` but not in :math:`p_a`, so kappa's range is
    :math:`[-p_e/(1 - p_e), 1]`, below -1 when :math:`p_e > 1/2` (e.g. items (a, b), (b, a), (a), (a):
    :math:`p_a = 0`, :math:`p_e = 0.625`, kappa = -5/3); the interval then reaches down to the estimate.

    **Interval.** The standard error is Gwet's (2008, 2014) linearized (delta-method) variance, valid for
    equal and unequal raters and away from kappa = 0 (irrCAC's). The default interval (``method="score"``) is the
    score interval of :mod:`analytics.agreement.intervals`, chosen by the coverage study
    (``benchmarks/coverage.py``; Zapf et al. 2016 also found the asymptotic Wald interval of Fleiss' kappa to
    under-cover): it inverts a t-test whose variance is evaluated at each candidate kappa under the latent-class
    model, never below the ratio-linearized sandwich variance. ``method="analytic"`` is the Wald interval
    ``kappa ± z·SE`` (upper bound capped at 1), ``method="bootstrap"`` a percentile bootstrap over items. When every item has the same number of raters, ``standard_error_h0`` holds the Fleiss, Nee &
    Landis (1979) standard error under "kappa = 0" (the one R's ``irr`` uses for its z test); it is meant for
    testing against chance, not for intervals.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
        Single-label annotations (anonymous annotators, e.g. a counts table, are fine).
    weights : {None, "linear", "quadratic"}
        Agreement weights over the category order (weighted generalization of Gwet 2014).
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
        Bootstrap replicates (``method="bootstrap"``).
    seed : int or None
        Seed of the bootstrap.

    Returns
    -------
    AgreementEstimate
        ``n_items`` counts items with at least two ratings. NaN with a reason
        (:class:`~analytics.UndefinedMetricWarning`) when no item has two ratings or only one category is used.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin,
    76(5), 378–382. https://doi.org/10.1037/h0031619

    Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of kappa in the case of
    different sets of raters. Psychological Bulletin, 86(5), 974–977. https://doi.org/10.1037/0033-2909.86.5.974

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4],
    ...                    "annotator_id": ["a", "b", "c"] * 3 + ["a", "b"],
    ...                    "label": ["cat", "cat", "cat", "dog", "dog", "cat", "dog", "dog", "dog", "cat", "cat"]})
    >>> round(fleiss_kappa(load_annotations(df)).value, 4)
    0.6571
    """
    aset = prepare(annotations, "fleiss_kappa", confidence_level=confidence_level, method=method, n_boot=n_boot,
                   seed=seed)
    est = count_coefficient(aset, "fleiss", "fleiss_kappa", weights=weights, confidence_level=confidence_level,
                            method=method, n_boot=n_boot, seed=seed)
    if not est.is_defined or weights is not None:
        return est
    sums = count_sums(aset, np.eye(aset.n_categories))
    return replace(est, standard_error_h0=_fleiss_nee_landis_se(int(sums[2]), equal_raters_of(aset), sums[3:]))


def _fleiss_nee_landis_se(n_items: int, m: int | None, share_totals: np.ndarray) -> float:
    r"""Fleiss, Nee & Landis (1979) SE under kappa = 0, for *m* raters on each of *N* items.

    .. math:: \mathrm{SE}_0 = \frac{\sqrt{2}}{\sum_j p_j q_j \sqrt{N m (m-1)}}
              \sqrt{\Big(\sum_j p_j q_j\Big)^2 - \sum_j p_j q_j (q_j - p_j)}

    NaN unless every item has the same number :math:`m \ge 2` of ratings.
    """
    if n_items == 0 or m is None or m < 2:
        return float("nan")
    m = float(m)
    p = share_totals / n_items  # with equal raters, the mean share is the pooled proportion
    pq = p * (1.0 - p)
    s = pq.sum()
    if s <= 0:
        return float("nan")
    return float(math.sqrt(2.0 / (n_items * m * (m - 1.0))) * math.sqrt(max(s ** 2 - (pq * (1.0 - 2.0 * p)).sum(), 0.0)) / s)


def fleiss_kappa_by_category(
    annotations: Any,
    *,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    r"""Per-category kappas: Fleiss' kappa of each category against all others.

    For category *c*, every rating becomes "c" or "not c" and Fleiss' kappa of that two-category table
    is reported — Fleiss' (1971, eq. 20–21) category-wise kappa
    :math:`\kappa_c = 1 - \sum_i n_{ic}(m - n_{ic}) / (N m (m-1) p_c q_c)` with equal raters, as
    R's ``irr::kappam.fleiss(detail=TRUE)``. Low values point at categories that annotators do not
    recognise consistently. Unequal raters per item use the same generalization and standard error as
    :func:`fleiss_kappa`.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    pandas.DataFrame
        One row per category in category order: ``category``, ``kappa``, ``ci_low``, ``ci_high``,
        ``standard_error``, ``standard_error_h0`` (Fleiss, Nee & Landis 1979: :math:`\sqrt{2/(N m (m-1))}`,
        equal raters only), ``prevalence`` (mean share of the item's ratings), ``n_items`` (items with at
        least two ratings) and ``reason`` (why a kappa is NaN: e.g. the category was never or always used).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin,
    76(5), 378–382. https://doi.org/10.1037/h0031619

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator_id": ["a", "b"] * 3,
    ...                    "label": ["x", "x", "y", "x", "y", "y"]})
    >>> fleiss_kappa_by_category(load_annotations(df))[["category", "kappa"]].round(3).to_dict("list")
    {'category': ['x', 'y'], 'kappa': [0.333, 0.333]}
    """
    aset = prepare(annotations, "fleiss_kappa_by_category", confidence_level=confidence_level, method=method,
                   n_boot=n_boot, seed=seed)
    res = binary_statistics(aset)
    m = equal_raters_of(aset)
    se0 = math.sqrt(2.0 / (res["n_items"] * m * (m - 1.0))) if m is not None and m >= 2 else float("nan")
    out = binary_kappa_table(res, aset.categories, func_name="fleiss_kappa_by_category", label_column="category",
                             features=lambda: binary_features(item_category_counts(aset, layout="auto"))[0],
                             confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed,
                             histogram=ratings_histogram(aset),
                             after_standard_error={"standard_error_h0": np.where(np.isfinite(res["kappa"]), se0, np.nan),
                                                   "prevalence": res["prevalence"]})
    return with_attached_rows(out, annotations, "category")


def with_attached_rows(table: pd.DataFrame, annotations: Any, column: str) -> pd.DataFrame:
    """``table`` with a row for every category of the set, in its order: classes only the gold labels or predictions
    use (``AnnotationSet.attached_categories``) get NaN and the reason."""
    attached = tuple(getattr(annotations, "attached_categories", ()))
    if not attached:
        return table
    out = table.set_index(column).reindex(list(annotations.categories)).reset_index()
    out.attrs.update(table.attrs)
    out.loc[out[column].isin(attached), "reason"] = ("only the gold labels or predictions use this class, so no "
                                                      "annotator agreement can be measured on it")
    if "n_items" in out:
        out["n_items"] = out["n_items"].fillna(table["n_items"].max() if len(table) else 0).astype(np.int64)
    return out


def _binary_sums(part, view=None) -> np.ndarray:
    feats, _ = binary_features(view_counts(part, view))
    return np.asarray(feats.sum(axis=0)).ravel()


def _binary_squares(part, point: dict, view=None) -> np.ndarray:
    return binary_squared_deviations(view_counts(part, view), point)


def binary_sums(aset, view=None) -> np.ndarray:
    """Summed per-item :func:`~._core.binary_features` of the set's counts (or of a view's counts, see
    :mod:`analytics._reshape._views`), over all partitions of items: the first pass of the per-category kappas.

    In memory they come from the histogram of the counts (:mod:`._histogram`), cached on the set."""
    h = _histogram(aset, view)
    return histogram_sums(h) if h is not None else reduce_items(aset, _binary_sums, view)


def binary_statistics(aset, view=None) -> dict:
    """:func:`~._core.binary_fleiss_by_category` of a set's item × category counts (or of a view's counts).

    In memory: from the histogram :math:`H[c, r, x]` of the counts (:mod:`._histogram`; one ``bincount``,
    cached on the set, then arithmetic on its :math:`C (R+1)^2` cells). A distributed set: two passes over its
    items (feature sums, then squared deviations), each summed over the partitions."""
    h = _histogram(aset, view)
    if h is not None:
        point = binary_point(histogram_sums(h))
        return binary_finish(point, histogram_squares(h, point))
    point = binary_point(binary_sums(aset, view))
    return binary_finish(point, reduce_items(aset, _binary_squares, point, view))


def _histogram(aset, view=None) -> np.ndarray | None:
    """:func:`~._histogram.binary_histogram` of an in-memory set's counts or of a view's counts (None on a
    distributed set, or when items have too many ratings for a histogram)."""
    if is_distributed(aset):
        return None
    if view is not None:
        return binary_histogram(view_counts(aset, view))
    return cached(aset, "binary_histogram", lambda: binary_histogram(item_category_counts(aset, layout="auto"),
                                                                      ratings_per_item(aset)))


def binary_kappa_table(res: dict, names, *, features: Callable[[], Any], func_name: str, label_column: str,
                       confidence_level: float, method: str, n_boot: int, seed: int | None,
                       histogram: np.ndarray | None = None,
                       after_standard_error: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    r"""Per-category ("c" vs "not c") kappas with intervals, shared by categories and multi-label tags.

    ``res`` holds the statistics of :func:`~._core.binary_fleiss_by_category` (or :func:`binary_statistics`);
    ``features()`` returns the per-item :func:`~._core.binary_features` (only called for a bootstrap);
    ``histogram`` the items per number of ratings (:func:`~._score.ratings_histogram`; for ``method="score"``,
    the default, whose model is each category against all others: shares :math:`(\pi_c, 1 - \pi_c)`).
    Returns the table (``label_column``, ``kappa``, ``ci_low``, ``ci_high``, ``standard_error``, then the columns of
    ``after_standard_error`` in their order, ``n_items``, ``reason``; ``attrs["interval_method"]``).
    """
    kappa, se = res["kappa"], res["se"]
    lo, hi = wald_intervals(kappa, se, confidence_level)
    if method == "score":
        k = len(kappa)
        pi = np.nan_to_num(np.asarray(res["prevalence"], dtype=np.float64))
        lo, hi = score_intervals(kappa, se, prevalence=np.column_stack([pi, 1.0 - pi]),
                                 ratings_counts=np.tile(np.asarray(histogram, dtype=np.float64), (k, 1)),
                                 n_pairable=np.full(k, float(res["n_items"])), confidence_level=confidence_level,
                                 kind="fleiss")
        if res["n_items"] < 2:
            lo, hi = np.full(k, np.nan), np.full(k, np.nan)
    if method == "bootstrap":
        reps = bootstrap_replicates(features(), binary_from_sums, n_boot=n_boot, seed=seed)
        lo, hi, se = percentile_intervals(reps, confidence_level, np.isfinite(kappa))
    what, whats = ("tag", "tags") if label_column == "tag" else ("category", "categories")
    reason = np.where(
        np.isfinite(kappa), None,
        np.where(res["n_items"] == 0, "no item has two or more ratings",
                 np.where(res["prevalence"] <= 0, f"the {what} was never used",
                          f"the {what} was on every rating, so chance agreement is 1")),
    )
    if not np.isfinite(kappa).all():
        warn_undefined(func_name, f"{int((~np.isfinite(kappa)).sum())} of {len(kappa)} {whats} have no kappa "
                                  "(see the reason column)", stacklevel=4)
    out = pd.DataFrame({label_column: list(names), "kappa": kappa, "ci_low": lo, "ci_high": hi,
                        "standard_error": se, **(after_standard_error or {}), "n_items": res["n_items"],
                        "reason": reason})
    out.attrs["interval_method"] = (describe(n_boot, seed, n_boot) if method == "bootstrap"
                                    else SCORE_TEXT if method == "score" else "Wald; Gwet (2014) linearized variance")
    return out
