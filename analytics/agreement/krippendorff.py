"""Krippendorff's alpha from the coincidence matrix, for nominal, ordinal, interval and ratio data."""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, Literal

import numpy as np

from .._reshape import (
    coincidence_matrix,
    item_category_counts,
    item_coincidence_cells,
    n_items_with_ratings,
    reduce_items,
)
from .._schema import AnnotationSet
from ..exceptions import DataQualityWarning, InvalidParameterError
from ._alpha import (
    alpha_from_coincidence,
    alpha_nominal_from_sums,
    alpha_nominal_sums,
    alpha_se_from_squares,
    alpha_se_point,
    alpha_se_squares,
    alpha_se_sums,
    alpha_weights,
)
from ._counts import cached_parts, prepare
from ._input import IntervalMethod
from ._results import AgreementEstimate, undefined_estimate, wald_interval
from ._score import ratings_histogram, with_score_interval, with_trials_interval
from .bootstrap import bootstrap_replicates, with_bootstrap_interval

__all__ = ["krippendorff_alpha", "alpha_estimate", "Level"]

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def _category_values(aset: AnnotationSet, level: str) -> np.ndarray | None:
    """Numeric category values for interval/ratio alpha (clear error when categories are not numbers)."""
    if level not in ("interval", "ratio"):
        return None
    values = aset.category_values
    if values is None:
        bad = []
        for c in aset.categories:
            try:
                float(c)
            except ValueError:
                bad.append(c)
        raise InvalidParameterError(
            f"level={level!r} needs numeric categories (their values are differences apart), but "
            f"{', '.join(map(repr, bad[:8]))}{' …' if len(bad) > 8 else ''} are not numbers. Use level='ordinal' "
            "for ordered text categories (declare the order with categories= or an ordinal taxonomy) or 'nominal'."
        )
    if level == "ratio" and (values < 0).any():
        raise InvalidParameterError(
            f"level='ratio' needs non-negative category values (a ratio scale has a true zero), but "
            f"{[c for c, v in zip(aset.categories, values) if v < 0][:8]} are negative; use level='interval'."
        )
    return values


def krippendorff_alpha(
    annotations: Any,
    *,
    level: Level = "nominal",
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Krippendorff's alpha reliability for any number of annotators, missing ratings allowed.

    From the coincidence matrix :math:`o_{ck}` (:func:`analytics._reshape.coincidence_matrix`: a
    ``C × C`` table, so memory does not grow with the number of items beyond the item × category counts),
    its marginals :math:`n_c` and the pairable total :math:`n_{\cdot\cdot}` (items with ≥ 2 ratings):

    .. math:: \alpha = 1 - \frac{D_o}{D_e} = 1 - (n_{\cdot\cdot} - 1)\,
              \frac{\sum_{c,k} o_{ck}\, \delta^2_{ck}}{\sum_{c,k} n_c\, n_k\, \delta^2_{ck}}

    with the difference function of the level of measurement (Krippendorff 2011): nominal
    :math:`1(c \ne k)`; ordinal :math:`(\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2` over the set's category order;
    interval :math:`(v_c - v_k)^2`; ratio :math:`((v_c - v_k)/(v_c + v_k))^2`, where :math:`v_c` are the
    numeric category values (``AnnotationSet.category_values``).

    The standard error is Gwet's (2014) linearized variance of alpha with weights :math:`1 - \delta^2/\max\delta^2`
    (for the ordinal level the marginals in δ are treated as fixed). The default interval (``method="score"``)
    of nominal alpha is the score interval of :mod:`analytics.agreement.intervals` on the pairable items (the
    coverage study's choice; Zapf et al. 2016 recommend alpha with a bootstrap interval, which the study finds
    collapses to zero width when every item agrees); the other levels get the model-free Agresti–Coull
    effective-trials interval. ``method="analytic"`` is Wald; ``method="bootstrap"`` a percentile bootstrap over
    items (it recomputes the coincidences and, for ordinal data, the differences in every replicate).

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    level : {"nominal", "ordinal", "interval", "ratio"}
        Interval and ratio need numeric categories; ordinal uses the category order (warns when the set is
        not declared ordinal).
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate
        ``n_items`` counts pairable items; ``observed_agreement`` is :math:`1 - D_o/\delta_{max}` and
        ``expected_agreement`` :math:`1 - D_e/\delta_{max}`. NaN with a reason when fewer than two values are
        pairable or a single value is used (no expected disagreement).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication
    Departmental Papers 43. https://repository.upenn.edu/asc_papers/43

    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability measure for
    coding data. Communication Methods and Measures, 1(1), 77–89. https://doi.org/10.1080/19312450709336664

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3, 4], "annotator_id": ["a", "b"] * 3 + ["a"],
    ...                    "label": ["x", "x", "y", "y", "x", "y", "x"]})
    >>> round(krippendorff_alpha(load_annotations(df)).value, 3)
    0.444
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise InvalidParameterError(f"level= must be 'nominal', 'ordinal', 'interval' or 'ratio'; got {level!r}.")
    aset = prepare(annotations, "krippendorff_alpha", confidence_level=confidence_level, method=method,
                   n_boot=n_boot, seed=seed)
    values = _category_values(aset, level)
    if level == "ordinal" and not aset.ordinal:
        warnings.warn(
            f"krippendorff_alpha(level='ordinal') treats the category order {list(aset.categories)[:8]}"
            f"{'…' if aset.n_categories > 8 else ''} as ranks, but the set is not declared ordinal. Load it with "
            "ordinal=True (and categories= in scale order) if that order is meaningful.", DataQualityWarning,
            stacklevel=2)
    if level == "nominal":  # diagonal and marginals of the coincidence matrix suffice (one pass over the counts)
        res = alpha_nominal_from_sums(reduce_items(aset, _nominal_sums))
    else:
        res = alpha_from_coincidence(coincidence_matrix(aset), level, values)
    return alpha_estimate(aset, "krippendorff_alpha", res, level=level, values=values,
                          standard_error=lambda w: _standard_error(aset, w),
                          cells=lambda: item_coincidence_cells(item_category_counts(aset, layout="auto")),
                          confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)


def _nominal_sums(part) -> np.ndarray:
    return alpha_nominal_sums(cached_parts(part, np.eye(part.n_categories)))


def _se_sums(part, w: np.ndarray) -> np.ndarray:
    parts = cached_parts(part, w)
    return np.concatenate([alpha_se_sums(parts), alpha_nominal_sums(parts)[1:]])


def _se_squares(part, w: np.ndarray, point: dict) -> float:
    return alpha_se_squares(cached_parts(part, w), w, point)


def _standard_error(aset, w: np.ndarray) -> float:
    """Gwet's standard error of alpha (:func:`~._alpha.alpha_standard_error`) in two passes over the set's items."""
    sums = reduce_items(aset, _se_sums, w)
    point = alpha_se_point(sums[:3], sums[3:], w)
    return alpha_se_from_squares(point, reduce_items(aset, _se_squares, w, point) if point is not None else 0.0)


def alpha_estimate(aset: AnnotationSet, name: str, res: dict, *, level: str,
                   standard_error: Callable[[np.ndarray], float], cells: Callable[[], Any], values: np.ndarray | None = None, delta: np.ndarray | None = None,
                   confidence_level: float, method: str, n_boot: int, seed: int | None) -> AgreementEstimate:
    """Alpha, its Gwet standard error and interval from the alpha statistics ``res``.

    ``res`` is :func:`~._alpha.alpha_from_coincidence` (or its nominal shortcut). Shared by
    :func:`krippendorff_alpha` (values are categories) and the multi-label alpha (values are tag sets, with a
    given ``delta``). ``standard_error(w)`` gives Gwet's standard error under agreement weights ``w``;
    ``cells()`` the per-item coincidence cells (:func:`~analytics._reshape.item_coincidence_cells`, bootstrap only).
    """
    n_pairable = n_items_with_ratings(aset, 2)
    value = float(res["value"])
    if not math.isfinite(value):
        reason = ("no item has two or more ratings, so no values are pairable" if res["n_pairable"] < 2
                  else "all pairable ratings have the same value, so there is no expected disagreement (alpha is 0/0)")
        return undefined_estimate(name, reason, n_items=n_pairable, n_annotators=aset.n_annotators,
                                  confidence_level=confidence_level, weights=level, stacklevel=5)
    delta = res["delta"]
    dmax = float(delta.max())
    w = alpha_weights(delta)
    se = standard_error(w)
    lo, hi = wald_interval(value, se, confidence_level)
    est = AgreementEstimate(
        value=value, ci_low=lo, ci_high=hi, n_items=n_pairable, n_annotators=aset.n_annotators, method=name,
        standard_error=se, confidence_level=confidence_level,
        interval_method="Wald; Gwet (2014) linearized variance of alpha",
        observed_agreement=1.0 - float(res["observed"]) / dmax, expected_agreement=1.0 - float(res["expected"]) / dmax,
        weights=level,
    )
    if method == "score":
        histogram = ratings_histogram(aset)
        histogram[1] = 0.0                       # alpha uses the pairable items only
        if level != "nominal":
            return with_trials_interval(est, histogram=histogram)
        nc = np.asarray(res["marginals"], dtype=np.float64)
        return with_score_interval(est, kind="fleiss", se=se, prevalence=nc / nc.sum(), histogram=histogram)
    if method == "bootstrap":
        q = delta.shape[-1]
        reps = bootstrap_replicates(
            cells(),
            lambda s: alpha_from_coincidence(s.reshape(-1, q, q), level, values, delta=delta)["value"],
            n_boot=n_boot, seed=seed)
        est = with_bootstrap_interval(est, reps, n_boot=n_boot, seed=seed)
    return est
