"""Shared runner of the two-annotator coefficients (Cohen's kappa, Scott's pi) on one pair table."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from .._lazy import sparse
from .._reshape import pair_codes, pair_table
from .._wording import count_noun
from .._schema import AnnotationSet
from ._core import PairKind, pairwise_from_tables
from ._input import IntervalMethod, Weights, check_weights, resolve_pair
from ._results import AgreementEstimate, undefined_estimate, wald_interval
from ._score import pair_jackknife_se, pair_model_inputs, with_score_interval, with_trials_interval
from .bootstrap import bootstrap_replicates, with_bootstrap_interval

__all__ = ["pair_coefficient"]

_INTERVAL = {
    "cohen": "Wald; asymptotic variance of Fleiss, Cohen & Everitt (1969)",
    "scott": "Wald; Gwet (2014, ch. 5) linearized variance of Fleiss' kappa on the common items",
}


def pair_coefficient(
    aset: AnnotationSet,
    kind: PairKind,
    name: str,
    *,
    annotators: Sequence[Any] | None,
    weights: Weights,
    confidence_level: float,
    method: IntervalMethod,
    n_boot: int,
    seed: int | None,
) -> AgreementEstimate:
    """One pairwise coefficient on the items both annotators labelled (pairwise deletion)."""
    if not aset.annotators_known:
        return undefined_estimate(name, "annotator ids are unknown (anonymous ratings, e.g. a counts table), so no "
                                  "two annotators can be compared; use fleiss_kappa or gwet_ac1 instead",
                                  confidence_level=confidence_level)
    if annotators is None and aset.n_annotators < 2:
        return undefined_estimate(name, f"the set has {aset.n_annotators} annotator; two are needed",
                                  n_annotators=aset.n_annotators, confidence_level=confidence_level)
    a, b, names = resolve_pair(aset, annotators, name)
    w, wname = check_weights(aset, weights, name)
    q = aset.n_categories
    table = pair_table(aset, a, b)
    n_common = int(table.sum())
    if n_common == 0:
        return undefined_estimate(name, f"annotators {names[0]!r} and {names[1]!r} labelled no item in common",
                                  n_annotators=2, confidence_level=confidence_level, weights=wname, annotators=names)
    res = {k: float(v) for k, v in pairwise_from_tables(kind, table, w).items()}
    if kind == "scott":  # the same value as the table formula; Fleiss' (Gwet's) variance on the common items
        res["se"] = _scott_standard_error(table, w)
    if not math.isfinite(res["value"]):
        est = undefined_estimate(
            name, f"annotators {names[0]!r} and {names[1]!r} used only one category on their {count_noun(n_common, 'common item')}, "
            "so agreement expected by chance is 1 and the coefficient is 0/0 (raw agreement is reported "
            "as observed_agreement)", n_items=n_common, n_annotators=2, confidence_level=confidence_level,
            weights=wname, annotators=names)
        return replace(est, observed_agreement=res["observed"], expected_agreement=res["expected"])
    lo, hi = wald_interval(res["value"], res["se"], confidence_level)
    est = AgreementEstimate(
        value=res["value"], ci_low=lo, ci_high=hi, n_items=n_common, n_annotators=2, method=name,
        standard_error=res["se"], confidence_level=confidence_level, interval_method=_INTERVAL[kind],
        observed_agreement=res["observed"], expected_agreement=res["expected"], standard_error_h0=res["se_h0"],
        weights=wname, annotators=names,
    )
    if method == "score":
        pooled, n = pair_model_inputs(table)
        histogram = np.array([0.0, 0.0, float(n)])
        if not np.array_equal(w, np.eye(q)):
            return with_trials_interval(est, histogram=histogram)
        if kind == "cohen":
            se = float(np.fmax(res["se"], pair_jackknife_se(table)))
            return with_score_interval(est, kind="pairs", se=se, prevalence=pooled, histogram=histogram, n_pairs=1.0,
                                       pair_items=float(n))
        return with_score_interval(est, kind="fleiss", se=res["se"], prevalence=pooled, histogram=histogram)
    if method == "bootstrap":
        _, codes_a, codes_b = pair_codes(aset, a, b)
        cells = codes_a * q + codes_b
        onehot = sparse.csr_matrix((np.ones(len(cells)), (np.arange(len(cells)), cells)), shape=(len(cells), q * q))
        reps = bootstrap_replicates(
            onehot, lambda s: pairwise_from_tables(kind, s.reshape(-1, q, q), w)["value"], n_boot=n_boot, seed=seed)
        est = with_bootstrap_interval(est, reps, n_boot=n_boot, seed=seed)
    return est


def _scott_standard_error(table: np.ndarray, w: np.ndarray) -> float:
    r"""Scott's pi's standard error as Fleiss' kappa's on the pair's common items (Gwet 2014, ch. 5; irrCAC ``raw``).

    Scott's pi of two annotators *is* Fleiss' kappa of the items both labelled (pooled class shares, share of
    agreeing pairs), so it takes the same linearized variance :math:`\frac{1}{n(n-1)}\sum_i(\kappa^\star_i -
    \kappa)^2` — one formula for both, and the same interval on a two-annotator set. (The contingency-table form
    of Gwet 2014, sec. 2.4, divides by :math:`n^2` instead, a factor :math:`\sqrt{(n-1)/n}` smaller.) An item in
    cell *(x, y)* has :math:`p_{a|i} = (w_{xy} + w_{yx})/2` and :math:`p_{e|i} = (\bar\pi^w_x + \bar\pi^w_y)/2`
    with :math:`\bar\pi^w = (W + W^\top)\pi/2`, so the sum runs over the table's cells (works on the Dask backend,
    where the table is a sum over partitions).
    """
    t = np.asarray(table, dtype=np.float64)
    n = t.sum()
    if n < 2:
        return float("nan")
    pi = (t.sum(axis=1) + t.sum(axis=0)) / (2.0 * n)
    pe = float(pi @ w @ pi)
    if 1.0 - pe <= 1e-12:
        return float("nan")
    pa_cell = (w + w.T) / 2.0
    kappa = float(((t * pa_cell).sum() / n - pe) / (1.0 - pe))
    pbar = (w + w.T) @ pi / 2.0
    pe_cell = (pbar[:, None] + pbar[None, :]) / 2.0
    k_star = (pa_cell - pe) / (1.0 - pe) - 2.0 * (1.0 - kappa) * (pe_cell - pe) / (1.0 - pe)
    return float(np.sqrt((t * (k_star - kappa) ** 2).sum() / (n * (n - 1.0))))
