"""Shared runner of the two-annotator coefficients (Cohen's kappa, Scott's pi) on one pair table."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from .._lazy import sparse
from .._reshape import pair_codes, pair_table
from .._schema import AnnotationSet
from ._core import PairKind, pairwise_from_tables
from ._input import IntervalMethod, Weights, check_weights, resolve_pair
from ._results import AgreementEstimate, undefined_estimate, wald_interval
from .bootstrap import bootstrap_replicates, with_bootstrap_interval

__all__ = ["pair_coefficient"]

_INTERVAL = {
    "cohen": "Wald; asymptotic variance of Fleiss, Cohen & Everitt (1969)",
    "scott": "Wald; Gwet (2014) asymptotic variance",
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
    if not math.isfinite(res["value"]):
        est = undefined_estimate(
            name, f"annotators {names[0]!r} and {names[1]!r} used only one category on their {n_common} common "
            "item(s), so agreement expected by chance is 1 and the coefficient is 0/0 (raw agreement is reported "
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
    if method == "bootstrap":
        _, codes_a, codes_b = pair_codes(aset, a, b)
        cells = codes_a * q + codes_b
        onehot = sparse.csr_matrix((np.ones(len(cells)), (np.arange(len(cells)), cells)), shape=(len(cells), q * q))
        reps = bootstrap_replicates(
            onehot, lambda s: pairwise_from_tables(kind, s.reshape(-1, q, q), w)["value"], n_boot=n_boot, seed=seed)
        est = with_bootstrap_interval(est, reps, n_boot=n_boot, seed=seed)
    return est
