"""Shared runner of the count-based multi-rater coefficients (validation → counts → estimate → interval)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from .._reshape import item_category_counts
from ._core import CountKind, CountParts, count_based, count_based_from_sums, count_parts
from ._input import (
    IntervalMethod,
    Weights,
    agreement_set,
    as_annotation_set,
    check_interval_options,
    check_weights,
    require_single_label,
)
from ._results import AgreementEstimate, check_confidence_level, undefined_estimate, wald_interval
from .bootstrap import bootstrap_replicates, with_bootstrap_interval

__all__ = ["count_coefficient", "prepare", "equal_raters", "cached_parts"]

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
    aset = as_annotation_set(annotations)
    require_single_label(aset, name)
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
    parts = cached_parts(aset, w)
    coef = count_based(kind, parts, w)
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
    if method == "bootstrap":
        reps = bootstrap_replicates(parts.features(), lambda s: count_based_from_sums(kind, s, w), n_boot=n_boot, seed=seed)
        est = with_bootstrap_interval(est, reps, n_boot=n_boot, seed=seed)
    return est


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
    r = np.asarray(counts.sum(axis=1)).ravel()
    r = r[r > 0]
    return int(r[0]) if len(r) and (r == r[0]).all() else None
