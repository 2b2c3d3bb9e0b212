r"""What-if arithmetic on count tables: agreement after merging classes, with a paired interval for the change.

A merge or roll-up changes only which column a rating falls in, so the counts after it are the columns of
the item × category counts summed into groups (:func:`analytics._reshape.merge_count_columns`) — no
annotation is re-read. Both coefficients are then computed on the *same items*, so their difference has a
paired standard error from Gwet's (2014) per-item linearized terms (:func:`count_based_terms`):
:math:`\mathrm{SE}(\Delta) = \sqrt{\sum_i (d_i - \bar d)^2 / (n(n-1))}` with :math:`d_i` the change of item
*i*'s term. That is much narrower than combining the two SEs as if independent.

References
----------
Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5. Advanced Analytics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ._reshape import merge_count_columns
from .agreement._core import CountKind, count_based_terms
from .agreement._results import wald_interval
from .results import ResultMixin

__all__ = ["Change", "group_codes", "paired_change", "change_after_mapping"]


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


def paired_change(counts_before, counts_after, *, kind: CountKind = "fleiss", coefficient: str = "fleiss_kappa",
                  confidence_level: float = 0.95) -> Change:
    """A count-based coefficient on two count tables of the same items (same rows), with the paired interval."""
    before, t0 = count_based_terms(kind, counts_before, np.eye(counts_before.shape[1]))
    after, t1 = count_based_terms(kind, counts_after, np.eye(counts_after.shape[1]))
    delta = after.value - before.value
    se = lo = hi = math.nan
    if t0 is not None and t1 is not None and len(t0) == len(t1) and len(t0) > 1:
        d = t1 - t0
        se = float(np.sqrt(((d - d.mean()) ** 2).sum() / (len(d) * (len(d) - 1.0))))
        lo, hi = wald_interval(delta, se, confidence_level, bounds=(-math.inf, math.inf))
    return Change(coefficient=coefficient, before=float(before.value), after=float(after.value), delta=float(delta),
                  standard_error=se, ci_low=lo, ci_high=hi, confidence_level=confidence_level,
                  n_items=int(before.n_items))


def change_after_mapping(counts, categories: Sequence[str], mapping: Mapping[str, str], *,
                         confidence_level: float = 0.95) -> Change:
    """Fleiss' kappa before and after relabelling categories by ``mapping`` (merges, roll-ups)."""
    groups, names = group_codes(categories, mapping)
    return paired_change(counts, merge_count_columns(counts, groups, len(names)), confidence_level=confidence_level)
