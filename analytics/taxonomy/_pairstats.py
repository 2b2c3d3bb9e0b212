r"""The class-pair statistics shared by the hotspots and the pair diagnoses (kept apart so neither imports the other).

:func:`pair_statistics` reads Krippendorff's coincidence matrix :math:`o_{ck}` and gives every pair with a
disagreement its disagreement :math:`o_{ab} + o_{ba}`, chance expectation :math:`e_{ab} + e_{ba}` with
:math:`e_{ck} = n_c n_k / (n_{\cdot\cdot} - 1)`, ratio, lift and the merge score (the exact change of nominal
alpha if the two classes were merged); :mod:`analytics.taxonomy.confusion` documents the formulas.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication
Departmental Papers 43. https://repository.upenn.edu/asc_papers/43

Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 (Fleiss' kappa with missing ratings and
its linearized variance). Advanced Analytics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._reshape import ranked_class_pairs, require_single_label

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["units", "expected_coincidences", "pair_statistics", "ranked_by_score", "pair_agreement"]


def units(annotations: Any, what: str) -> "AnnotationSet":
    """The validated single-label set whose items are the agreement units (see ``agreement_set``)."""
    from ..agreement._input import agreement_set, require_annotation_set

    aset = require_annotation_set(annotations)
    require_single_label(aset, what)
    return agreement_set(aset)


def expected_coincidences(o: np.ndarray) -> np.ndarray:
    r""":math:`e_{ck}` under chance: :math:`n_c n_k/(n_{\cdot\cdot}-1)` off the diagonal, :math:`n_c(n_c-1)/(n_{\cdot\cdot}-1)` on it."""
    n_c = o.sum(axis=1)
    total = n_c.sum()
    if total <= 1:
        return np.full_like(o, np.nan)
    e = np.outer(n_c, n_c)
    e[np.diag_indices_from(e)] -= n_c
    return e / (total - 1.0)


def pair_statistics(o: np.ndarray) -> dict[str, np.ndarray | float]:
    """Disagreement, chance expectation, ratio, lift and merge score of every pair with a disagreement."""
    a, b, d = ranked_class_pairs(o)
    e = expected_coincidences(o)
    total = o.sum()
    off = total - np.trace(o)
    e_off = np.nansum(e) - np.nansum(np.diag(e))
    expected = e[a, b] + e[b, a] if len(a) else np.zeros(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = off / e_off if e_off > 0 else np.nan        # D_o / D_e = 1 - alpha
        ratio = d / expected
        lift = ratio / baseline
        score = (ratio - baseline) * expected / (e_off - expected)  # exact alpha change if a and b merged
    return {"a": a, "b": b, "d": d, "expected": expected, "ratio": ratio, "lift": lift, "baseline": baseline,
            "score": np.where(np.isfinite(score), score, np.nan), "off": off}


def ranked_by_score(st: dict[str, Any]) -> np.ndarray:
    """Positions of :func:`pair_statistics`' pairs, highest score first (ties: more disagreement first)."""
    return np.lexsort((-st["d"], -np.nan_to_num(st["score"], nan=-np.inf)))


def pair_agreement(aset: "AnnotationSet", codes: np.ndarray, confidence_level: float) -> dict[str, np.ndarray]:
    r"""How well the annotators agree on *which of the two* classes, for every pair ``codes[k] = (a, b)``.

    Fleiss' kappa of the binary question *a or b?* on the items with a rating of *a* or *b*, from those ratings
    only (a rating of a third class is a rating not given to this question: an item with one *a*/*b* rating
    counts towards the class shares, one with two or more also towards the observed agreement; Gwet 2014, ch. 5),
    with Gwet's linearized standard error and the one-sided upper confidence bound
    :math:`\hat\kappa_{ab} + z_{\text{confidence\_level}}\,\mathrm{SE}`. A per-class kappa mixes a class's
    confusion with every other class; this asks the field's question (is agreement above the target?) of one
    boundary. Computed by two passes over the items with the pair as a count view (any backend).

    Returns ``kappa``, ``ci_high`` (NaN where undefined: fewer than two items, or one class never used) and
    ``n_items`` (items with two or more ratings of *a* or *b*).
    """
    from scipy import stats

    from .._reshape import PairColumns
    from ..agreement._counts import count_estimate

    z = float(stats.norm.ppf(confidence_level))  # one-sided, as in :func:`~._pair_actions.below_target`
    kappa, high, n_two = (np.full(len(codes), np.nan) for _ in range(3))
    for k, (a, b) in enumerate(np.asarray(codes, dtype=np.int64).reshape(-1, 2)):
        coef = count_estimate(aset, "fleiss", np.eye(2), PairColumns(int(a), int(b)))
        n_two[k] = coef.n_items
        if np.isfinite(coef.value) and np.isfinite(coef.standard_error):
            kappa[k], high[k] = coef.value, coef.value + z * coef.standard_error
    return {"kappa": kappa, "ci_high": high, "n_items": n_two}
