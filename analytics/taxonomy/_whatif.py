r"""What-if arithmetic on count tables: agreement after merging classes, with a paired interval for the change.

A merge or roll-up changes only which column a rating falls in, so the counts after it are the columns of
the item × category counts summed into groups (:func:`analytics._reshape.merge_count_columns`, a count view
:class:`~analytics._reshape.MergedColumns`) — no annotation is re-read. Both coefficients are then computed on
the *same items*, so their difference has a paired standard error from Gwet's (2014) per-item linearized
terms (:func:`~analytics.agreement._core.count_item_terms`):
:math:`\mathrm{SE}(\Delta) = \sqrt{\sum_i (d_i - \bar d)^2 / (n(n-1))}` with :math:`d_i` the change of item
*i*'s term. That is much narrower than combining the two SEs as if independent.

Both coefficients and :math:`\sum_i (d_i - \bar d)^2` are sums over items, so the change is computed in two
passes that run per partition of a distributed set (:func:`paired_change_of`): the feature sums of both
tables, then per partition :math:`n_k`, :math:`S_k = \sum d_i`, :math:`M_k = \sum (d_i - S_k/n_k)^2` and
:math:`S_k^2/n_k`, which add up to :math:`\sum_i (d_i - \bar d)^2 = \sum_k M_k + (\sum_k S_k^2/n_k - S^2/n)`
(Chan, Golub & LeVeque 1983) — in memory, one partition, the bracket is exactly 0.

References
----------
Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5. Advanced Analytics.

Chan, T. F., Golub, G. H., & LeVeque, R. J. (1983). Algorithms for computing the sample variance: analysis and
recommendations. The American Statistician, 37(3), 242–247. https://doi.org/10.1080/00031305.1983.10483115
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .._reshape import MergedColumns, reduce_items
from ..agreement._core import Coefficient, CountKind, CountParts, count_item_terms, count_parts, count_point
from ..agreement._counts import view_parts
from ..agreement._results import wald_interval
from ..results import ResultMixin

__all__ = ["Change", "group_codes", "paired_change", "paired_change_of", "change_after_mapping"]


@dataclass(frozen=True)
class Change(ResultMixin):
    """A coefficient before and after a relabelling of the same items, with a paired interval for the change."""

    coefficient: str
    before: float
    after: float
    delta: float
    standard_error: float
    ci_low: float
    ci_high: float
    confidence_level: float
    n_items: int

    @property
    def significant(self) -> bool:
        """The interval of the change excludes 0 (in either direction)."""
        return bool(np.isfinite(self.ci_low) and (self.ci_low > 0 or self.ci_high < 0))


def group_codes(categories: Sequence[str], mapping: Mapping[str, str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """New code of every category under ``mapping`` (unmapped categories keep their name), and the new names
    in order of first appearance — the category order :meth:`AnnotationSet.relabel` gives."""
    names = tuple(dict.fromkeys(mapping.get(c, c) for c in categories))
    index = {n: k for k, n in enumerate(names)}
    return np.array([index[mapping.get(c, c)] for c in categories], dtype=np.int64), names


@dataclass(frozen=True)
class _Point:
    """Both coefficients of the whole set (first pass): what the second pass needs."""

    kind: str
    before: Coefficient
    after: Coefficient
    pi_before: np.ndarray
    pi_after: np.ndarray
    n: int

    @property
    def paired(self) -> bool:
        return bool(np.isfinite(self.before.value) and np.isfinite(self.after.value) and self.n > 1)


def _eye(parts: CountParts) -> np.ndarray:
    return np.eye(len(parts.share_totals))


def _point(kind: CountKind, sums: tuple[np.ndarray, np.ndarray]) -> _Point:
    before = count_point(kind, sums[0], np.eye(len(sums[0]) - 3))
    after = count_point(kind, sums[1], np.eye(len(sums[1]) - 3))
    n = int(sums[0][2]) if sums[0][2] == sums[1][2] else 0  # the same items rated (else no pairing)
    with np.errstate(invalid="ignore", divide="ignore"):  # no rated item: undefined coefficients, no pairing
        return _Point(kind, before, after, sums[0][3:] / sums[0][2], sums[1][3:] / sums[1][2], n)


def _deviations(point: _Point, p0: CountParts, p1: CountParts, t0: np.ndarray | None = None) -> np.ndarray:
    """``[n_k, S_k, M_k, S_k²/n_k]`` of the change of the items' linearized terms (see the module docstring).

    ``t0``: the terms before, when already known (:func:`_terms_before`)."""
    b, a = point.before, point.after
    if t0 is None:
        t0 = count_item_terms(point.kind, p0, _eye(p0), b.value, b.expected, point.pi_before, point.n, b.n_items)
    t1 = count_item_terms(point.kind, p1, _eye(p1), a.value, a.expected, point.pi_after, point.n, a.n_items)
    d = t1 - t0
    if not len(d):
        return np.zeros(4)
    s = d.sum()
    return np.array([len(d), s, ((d - s / len(d)) ** 2).sum(), s * s / len(d)])


def _finish(point: _Point, deviations: np.ndarray | None, coefficient: str, confidence_level: float) -> Change:
    delta = point.after.value - point.before.value
    se = lo = hi = math.nan
    if deviations is not None:
        n, s, m2, between = deviations
        se = float(np.sqrt((m2 + (between - s * s / n)) / (n * (n - 1.0))))
        lo, hi = wald_interval(delta, se, confidence_level, bounds=(-math.inf, math.inf))
    return Change(coefficient=coefficient, before=float(point.before.value), after=float(point.after.value),
                  delta=float(delta), standard_error=se, ci_low=lo, ci_high=hi, confidence_level=confidence_level,
                  n_items=int(point.before.n_items))


def paired_change(counts_before, counts_after, *, kind: CountKind = "fleiss", coefficient: str = "fleiss_kappa",
                  confidence_level: float = 0.95) -> Change:
    """A count-based coefficient on two count tables of the same items (same rows), with the paired interval."""
    p0 = count_parts(counts_before, np.eye(counts_before.shape[1]))
    p1 = count_parts(counts_after, np.eye(counts_after.shape[1]))
    point = _point(kind, (p0.sums(), p1.sums()))
    return _finish(point, _deviations(point, p0, p1) if point.paired else None, coefficient, confidence_level)


def _change_sums(part, before, after) -> tuple[np.ndarray, np.ndarray]:
    return view_parts(part, None, before).sums(), view_parts(part, None, after).sums()


def _change_deviations(part, point: _Point, before, after) -> np.ndarray:
    p0 = view_parts(part, None, before)
    return _deviations(point, p0, view_parts(part, None, after), _terms_before(part, point, before, p0))


def _terms_before(part, point: _Point, before, p0: CountParts) -> np.ndarray:
    """The items' terms of the coefficient before the change, kept on the set for the last ``before`` asked:
    the what-ifs of one recommendation run all start from the same counts."""
    b = point.before
    key = (point.kind, before, b.value, b.expected, point.pi_before.tobytes(), point.n, b.n_items)
    last = part._cache.get("whatif_terms_before")
    if last is None or last[0] != key:
        terms = count_item_terms(point.kind, p0, _eye(p0), b.value, b.expected, point.pi_before, point.n, b.n_items)
        last = (key, terms)
        part._cache["whatif_terms_before"] = last
    return last[1]


def paired_change_of(aset, after, *, before=None, kind: CountKind = "fleiss", coefficient: str = "fleiss_kappa",
                     confidence_level: float = 0.95) -> Change:
    """:func:`paired_change` of the set's counts under two count views (``None``: the counts as they are).

    ``after`` (and ``before``) are views of :mod:`analytics._reshape._views` (a merge, a roll-up, an annotator's
    swaps set right). Two passes over the items, each summed over the partitions of a distributed set.
    """
    point = _point(kind, reduce_items(aset, _change_sums, before, after))
    deviations = reduce_items(aset, _change_deviations, point, before, after) if point.paired else None
    return _finish(point, deviations, coefficient, confidence_level)


def change_after_mapping(aset, categories: Sequence[str], mapping: Mapping[str, str], *,
                         confidence_level: float = 0.95) -> Change:
    """Fleiss' kappa before and after relabelling categories by ``mapping`` (merges, roll-ups), from the counts."""
    groups, names = group_codes(categories, mapping)
    return paired_change_of(aset, MergedColumns(tuple(int(g) for g in groups), len(names)),
                            confidence_level=confidence_level)
