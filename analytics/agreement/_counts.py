"""Shared runner of the count-based multi-rater coefficients (validation → counts → estimate → interval)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from .._reshape import MergedColumns, SwapsFixed, item_category_counts, rating_moments, reduce_items, require_in_memory, view_counts
from ._core import (
    Coefficient,
    CountKind,
    CountParts,
    count_based_from_sums,
    count_parts,
    count_point,
    count_squared_deviations,
    count_standard_error,
)
from ._merged import merged_parts, shifted_parts
from ._input import (
    IntervalMethod,
    Weights,
    agreement_set,
    require_annotation_set,
    check_interval_options,
    check_weights,
    require_single_label,
)
from ._results import AgreementEstimate, check_confidence_level, undefined_estimate, wald_interval
from ._score import ratings_histogram, with_score_interval, with_trials_interval
from .bootstrap import bootstrap_replicates, with_bootstrap_interval

__all__ = ["count_coefficient", "count_estimate", "count_sums", "prepare", "equal_raters", "equal_raters_of",
           "cached_parts", "view_parts"]

_INTERVAL = {
    "fleiss": "Wald; Gwet (2014) linearized variance",
    "gwet": "Wald; Gwet (2008) linearized variance",
    "brennan_prediger": "Wald; Gwet (2014) linearized variance",
    "percent": "Wald; variance of the item-level agreement (Gwet 2014)",
}


def prepare(annotations: Any, name: str, *, confidence_level: float, method: str, n_boot: int, seed: int | None):
    """Validate the common arguments; return the set whose items are the agreement units."""
    check_confidence_level(confidence_level)
    check_interval_options(method, n_boot, seed)
    aset = require_annotation_set(annotations)
    require_single_label(aset, name)
    if method == "bootstrap":
        require_in_memory(aset, f"{name}(method='bootstrap')",
                          instead="Use method='analytic' (Wald intervals from the linearized variances, computed "
                                  "from sums over items), or load the annotations in memory for a bootstrap.")
    return agreement_set(aset)


def count_coefficient(
    annotations: Any,
    kind: CountKind,
    name: str,
    *,
    weights: Weights,
    confidence_level: float,
    method: IntervalMethod,
    n_boot: int,
    seed: int | None,
) -> AgreementEstimate:
    """Compute one count-based coefficient of :mod:`._core` as a public :class:`AgreementEstimate`."""
    aset = prepare(annotations, name, confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)
    w, wname = check_weights(aset, weights, name)
    coef = count_estimate(aset, kind, w)
    if not math.isfinite(coef.value):
        est = undefined_estimate(name, coef.reason or "undefined", n_items=coef.n_items,
                                 n_annotators=aset.n_annotators, confidence_level=confidence_level, weights=wname)
        return _with_agreement(est, coef.observed, coef.expected)
    bounds = (0.0, 1.0) if kind == "percent" else (-math.inf, 1.0)
    lo, hi = wald_interval(coef.value, coef.standard_error, confidence_level, bounds=bounds)
    est = AgreementEstimate(
        value=coef.value, ci_low=lo, ci_high=hi, n_items=coef.n_items, n_annotators=aset.n_annotators, method=name,
        standard_error=coef.standard_error, confidence_level=confidence_level, interval_method=_INTERVAL[kind],
        observed_agreement=coef.observed, expected_agreement=coef.expected, weights=wname,
    )
    if method == "score":
        return count_score(aset, est, kind, w, coef)
    if method == "bootstrap":
        reps = bootstrap_replicates(cached_parts(aset, w).features(), lambda s: count_based_from_sums(kind, s, w),
                                    n_boot=n_boot, seed=seed)
        est = with_bootstrap_interval(est, reps, n_boot=n_boot, seed=seed)
    return est


def count_score(aset, est: AgreementEstimate, kind: CountKind, w: np.ndarray, coef: Coefficient) -> AgreementEstimate:
    """``est`` with its default score interval (:mod:`._score`); the model-free one for weighted coefficients.

    Both use the ratio-linearized standard error (``Coefficient.standard_error_ratio``); the estimate keeps
    Gwet's (irrCAC's) as ``standard_error``.
    """
    histogram = ratings_histogram(aset)
    if not np.array_equal(w, np.eye(len(w))):
        return with_trials_interval(est, se=coef.standard_error_ratio, histogram=histogram,
                                    agreement_scale=kind == "percent")
    sums = count_sums(aset, w)
    return with_score_interval(est, kind=kind, se=coef.standard_error_ratio, prevalence=sums[3:] / sums[2],
                               histogram=histogram)


def count_sums(aset, w: np.ndarray, view=None) -> np.ndarray:
    """Summed per-item features of the count-based coefficients (:meth:`CountParts.sums`) over all items.

    ``view``: of the counts a relabelling would give (:mod:`analytics._reshape._views`) instead of the set's own.
    """
    return reduce_items(aset, _count_sums, w, view)


def view_parts(part, w: np.ndarray | None, view=None) -> CountParts:
    """:func:`cached_parts` of the set's counts (``view=None``) or :func:`count_parts` of a view's counts.

    ``w=None``: identity weights as wide as the counts. The last view's parts are kept on the set (one at a
    time), so the two passes of a coefficient over an in-memory set build them once.
    """
    if view is None:
        return cached_parts(part, np.eye(part.n_categories) if w is None else w)
    key = (view, None if w is None else w.tobytes())
    last = part._cache.get("last_view_parts")
    if last is not None and last[0] == key:
        return last[1]
    if w is None and isinstance(view, (MergedColumns, SwapsFixed)) and getattr(view, "keep", None) is None:
        base = cached_parts(part, np.eye(part.n_categories))  # the parts follow the relabelling (._merged)
        if isinstance(view, MergedColumns):
            parts = merged_parts(base, view.groups, view.n_groups)
        elif len(base.r) == part.n_items:  # one row per item: the moved ratings' rows are the item codes
            parts = shifted_parts(base, *view.changes(part))
        else:
            parts = count_parts(view_counts(part, view), np.eye(part.n_categories))
        part._cache["last_view_parts"] = (key, parts)
        return parts
    counts = view_counts(part, view)
    parts = count_parts(counts, np.eye(counts.shape[1]) if w is None else w)
    part._cache["last_view_parts"] = (key, parts)
    return parts


def _count_sums(part, w: np.ndarray, view=None) -> np.ndarray:
    return view_parts(part, w, view).sums()


def _count_squares(part, kind: CountKind, w: np.ndarray, value: float, pe: float, pi: np.ndarray, n: int,
                   n2: int, view=None) -> np.ndarray:
    return count_squared_deviations(kind, view_parts(part, w, view), w, value, pe, pi, n, n2)


def count_estimate(aset, kind: CountKind, w: np.ndarray, view=None) -> Coefficient:
    """A count-based coefficient (:func:`~._core.count_based`) of the set, in two passes over its items.

    The first pass sums the per-item features (:func:`count_sums`), the second the item-level squared
    deviations of the linearized variance; each pass runs on every partition of items of a distributed set.
    ``view``: the coefficient of the counts a relabelling would give (a merge, a roll-up), without relabelling.
    """
    sums = count_sums(aset, w, view)
    coef = count_point(kind, sums, w)
    if not math.isfinite(coef.value):
        return coef
    n = int(sums[2])
    squares = reduce_items(aset, _count_squares, kind, w, coef.value, coef.expected, sums[3:] / sums[2], n,
                           coef.n_items, view)
    return replace(coef, standard_error=count_standard_error(float(squares[0]), n),
                   standard_error_ratio=count_standard_error(float(squares[1]), n))


def cached_parts(aset, w: np.ndarray, counts=None) -> CountParts:
    """Per-item parts of the count-based coefficients, cached on the set per weight matrix.

    ``counts`` defaults to the set's item × category counts (other counts, e.g. of tag sets, are not cached).
    """
    if counts is not None:
        return count_parts(counts, w)
    key = ("agreement_count_parts", w.shape[0], w.tobytes())
    if key not in aset._cache:
        aset._cache[key] = count_parts(item_category_counts(aset, layout="auto"), w)
    return aset._cache[key]


def _with_agreement(est: AgreementEstimate, observed: float, expected: float) -> AgreementEstimate:
    return replace(est, observed_agreement=float(observed), expected_agreement=float(expected))


def equal_raters(counts) -> int | None:
    """The common number of ratings per item, or None when items have different numbers."""
    r = np.asarray(counts.sum(axis=1)).ravel().astype(np.int64)
    r = r[r > 0]
    return _equal_from_moments(np.array([len(r), r.sum(), (r * r).sum()], dtype=np.int64))


def equal_raters_of(aset) -> int | None:
    """:func:`equal_raters` of the set's items (from :func:`~analytics._reshape.rating_moments`, summed over items)."""
    return _equal_from_moments(rating_moments(aset))


def _equal_from_moments(moments: np.ndarray) -> int | None:
    n, s1, s2 = (int(v) for v in moments)
    return s1 // n if n and n * s2 == s1 * s1 else None
