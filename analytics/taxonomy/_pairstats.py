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

from typing import TYPE_CHECKING, Any, Iterator

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
    :math:`\hat\kappa_{ab} + z_{\text{confidence\_level}}\,\mathrm{SE}`. With :math:`x_i, y_i` the item's ratings
    of *a* and *b*, :math:`r_i = x_i + y_i \ge 1` (:math:`n` items, :math:`n'` of them with :math:`r_i \ge 2`):
    :math:`p_a = \frac{1}{n'}\sum_{r_i \ge 2}\frac{x_i(x_i-1) + y_i(y_i-1)}{r_i(r_i-1)}`,
    :math:`\pi = \frac{1}{n}\sum_i (x_i, y_i)/r_i`, :math:`p_e = \pi_a^2 + \pi_b^2`,
    :math:`\kappa = (p_a - p_e)/(1 - p_e)`, and the variance of :func:`~analytics.agreement._core.count_based`
    (the spread of its per-item terms). A per-class kappa mixes a class's confusion with every other class; this
    asks the field's question (is agreement above the target?) of one boundary. Every term depends on the item only
    through :math:`(x_i, y_i)`, so one pass over the items counts each pair's combinations (summed over the
    partitions of a distributed set) and the sums come from those counts; with 64 or more ratings of one class on an
    item, two passes over per-item values instead.

    Returns ``kappa``, ``standard_error``, ``ci_high`` (NaN where undefined: no item with two ratings of the pair,
    or one class never used) and ``n_items`` (items with two or more ratings of *a* or *b*).
    """
    from .._reshape import merge_items, reduce_items
    from ._pair_actions import upper_bound  # one-sided, as :func:`~._pair_actions.below_target` reads it

    codes = np.asarray(codes, dtype=np.int64).reshape(-1, 2)
    kappa, high, se = (np.full(len(codes), np.nan) for _ in range(3))
    if not len(codes):
        return {"kappa": kappa, "standard_error": se, "ci_high": high, "n_items": np.zeros(0)}
    base = int(merge_items(aset, _most_in_a_cell, max)) + 1
    if base <= _HISTOGRAM_BASE:  # the items' (x, y) histogram per pair holds every sum: one pass
        hist = reduce_items(aset, _pair_histograms, codes, base).astype(np.float64)
        grid = np.arange(base * base)
        x, y = (grid // base).astype(np.float64), (grid % base).astype(np.float64)
        sums = np.stack([_sums_of(x, y, h) for h in hist], axis=1)
    else:
        sums = reduce_items(aset, _pair_sums, codes)
    s_pa, n2, n, t_x, t_y = sums
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = s_pa / n2
        pi = np.stack([t_x / n, t_y / n], axis=1)
        pe = (pi ** 2).sum(axis=1)
        value = (pa - pe) / (1.0 - pe)
    ok = (n2 > 0) & (1.0 - pe > 1e-12) & (n > 1)
    if ok.any():
        args = (value[ok], pe[ok], pi[ok], n[ok], n2[ok])
        if base <= _HISTOGRAM_BASE:
            squares = np.array([_squares_of(x, y, h, *(v[k] for v in args)) for k, h in enumerate(hist[ok])])
        else:
            squares = reduce_items(aset, _pair_squares, codes[ok], *args)
        se[ok] = np.sqrt(squares / (n[ok] * (n[ok] - 1.0)))
        kappa[ok], high[ok] = value[ok], upper_bound(value[ok], se[ok], confidence_level)
    return {"kappa": kappa, "standard_error": se, "ci_high": high, "n_items": n2}


#: Up to this many ratings of one class on one item (plus one), :func:`pair_agreement` counts the items' (x, y)
#: combinations per pair (a histogram of ``base²`` cells) instead of keeping per-item values.
_HISTOGRAM_BASE = 64


def _most_in_a_cell(part: "AnnotationSet") -> int:
    from .._reshape import item_category_counts

    counts = item_category_counts(part, layout="auto")
    return int(counts.max()) if np.prod(counts.shape) else 0


def _pair_histograms(part: "AnnotationSet", codes: np.ndarray, base: int) -> np.ndarray:
    """Items per ``(x, y)`` = (ratings of *a*, ratings of *b*), per pair, as ``x·base + y`` (additive)."""
    from .._reshape import item_category_counts
    from .._reshape._pair_kernels import column_major, count_column

    columns = column_major(item_category_counts(part, layout="auto"))
    out = np.zeros((len(codes), base * base), dtype=np.int64)
    for k, (a, b) in enumerate(codes):
        out[k] = np.bincount(count_column(columns, int(a)) * base + count_column(columns, int(b)),
                             minlength=base * base)
    return out


def _sums_of(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``[sum p_a|i, n', n, sum x/r, sum y/r]`` over items with ratings ``x``, ``y`` (each counted ``w`` times)."""
    r = x + y
    rated, two = r >= 1, r >= 2
    pa_i = _item_agreement(x[two], y[two])
    return np.array([(w[two] * pa_i).sum(), w[two].sum(), w[rated].sum(), (w[rated] * x[rated] / r[rated]).sum(),
                     (w[rated] * y[rated] / r[rated]).sum()])


def _item_agreement(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:math:`p_{a|i} = (x(x-1) + y(y-1)) / (r(r-1))` of items with :math:`r = x + y \\ge 2` ratings of the pair."""
    r = x + y
    return (x * (x - 1.0) + y * (y - 1.0)) / (r * (r - 1.0))


def _squares_of(x: np.ndarray, y: np.ndarray, w: np.ndarray, value: float, pe: float, pi: np.ndarray, n: float,
                n2: float) -> float:
    r""":math:`\sum_i (\kappa^\star_i - \kappa)^2` over the rated items, with
    :math:`\kappa^\star_i = \frac{n}{n'}\frac{p_{a|i} - p_e 1(r_i \ge 2)}{1 - p_e} - 2(1-\kappa)\frac{p_{e|i} - p_e}{1-p_e}`
    and :math:`p_{e|i} = (x_i\pi_a + y_i\pi_b)/r_i` (:func:`~analytics.agreement._core.count_item_terms`)."""
    rated = (x + y) >= 1
    x, y, w = x[rated], y[rated], w[rated]
    r = x + y
    two = r >= 2
    pa_i = np.zeros(len(r))
    pa_i[two] = _item_agreement(x[two], y[two])
    pe_i = (x * pi[0] + y * pi[1]) / r
    k_i = ((n / n2) * (pa_i - pe * two) - 2.0 * (1.0 - value) * (pe_i - pe)) / (1.0 - pe)
    return float((w * (k_i - value) ** 2).sum())


def _rated_pairs(part: "AnnotationSet", codes: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For each pair, the ratings of *a* and of *b* on the partition's items rated *a* or *b* (float, one pair at a
    time: compressed to the rated items, so a pair costs its items, not the set's)."""
    from .._reshape import item_category_counts
    from .._reshape._pair_kernels import column_major, count_column

    columns = column_major(item_category_counts(part, layout="auto"))
    for a, b in codes:
        x, y = count_column(columns, int(a)), count_column(columns, int(b))
        rated = np.flatnonzero(x + y)
        yield x[rated].astype(np.float64), y[rated].astype(np.float64)


def _pair_sums(part: "AnnotationSet", codes: np.ndarray) -> np.ndarray:
    """Per-item first pass (items with more than ``_HISTOGRAM_BASE - 1`` ratings of a class): :func:`_sums_of`."""
    return np.stack([_sums_of(x, y, np.ones(len(x))) for x, y in _rated_pairs(part, codes)], axis=1)


def _pair_squares(part: "AnnotationSet", codes: np.ndarray, value: np.ndarray, pe: np.ndarray, pi: np.ndarray,
                  n: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Per-item second pass: :func:`_squares_of` per pair over the partition's items."""
    return np.array([_squares_of(x, y, np.ones(len(x)), value[k], pe[k], pi[k], n[k], n2[k])
                     for k, (x, y) in enumerate(_rated_pairs(part, codes))])
