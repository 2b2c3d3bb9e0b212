r"""Per-item parts of the count-based coefficients after a relabelling, from the parts before it.

Two count views (:mod:`analytics._reshape._views`) change the counts in a way the parts can follow without a
new item × category table: merging categories (:func:`merged_parts`) and moving a few ratings from one
category to another (an annotator's swaps set right, :func:`shifted_parts`: only the items whose ratings move
get new parts).

Merging categories into groups (:class:`~analytics._reshape.MergedColumns`) keeps every item's number of
ratings :math:`r_i` and changes its counts to :math:`n'_{ig} = \sum_{c \in g} n_{ic}`. So, with :math:`P` the
category → group indicator matrix,

.. math:: \sum_g n'^2_{ig} = \sum_c n_{ic}^2 + \sum_{g} \Big[\Big(\sum_{c \in g} n_{ic}\Big)^2 - \sum_{c \in g} n_{ic}^2\Big],
          \qquad \sum_g n'_{ig} v_g = \sum_c n_{ic} (P v)_c,
          \qquad \pi' = P^\top \pi,

and the parts of the merged counts (:class:`~._core.CountParts`) follow from the parts of the original ones and the
columns of the merged categories alone: a what-if merge costs a pass over those few columns, not a new
item × category table and its passes. The merged table itself is only built for a bootstrap
(:meth:`MergedParts.features`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._lazy import sparse
from ._core import CountParts

__all__ = ["MergedParts", "merged_parts", "ShiftedParts", "shifted_parts"]


@dataclass(frozen=True)
class MergedParts(CountParts):
    """:class:`~._core.CountParts` of merged counts, computed from ``base`` (the parts before the merge)."""

    base: Any = None
    groups: Any = None

    def share_dot(self, vector: np.ndarray) -> np.ndarray:
        return self.base.share_dot(np.asarray(vector, dtype=np.float64)[self.groups])

    def features(self) -> sparse.csr_matrix:
        return CountParts(counts=_merge(self.base.counts, self.groups, len(self.share_totals)), r=self.r,
                          two=self.two, pa_i=self.pa_i, share_totals=self.share_totals).features()


def _merge(counts: Any, groups: np.ndarray, n_groups: int) -> Any:
    p = sparse.csr_matrix((np.ones(len(groups)), (np.arange(len(groups)), groups)), shape=(len(groups), n_groups))
    out = counts @ p
    return out if sparse.issparse(out) else np.asarray(out)


def _columns(counts: Any, columns: np.ndarray) -> np.ndarray:
    if sparse.issparse(counts):
        return np.asarray(sparse.csc_matrix(counts)[:, columns].toarray(), dtype=np.float64)
    return np.asarray(counts[:, columns], dtype=np.float64)


def merged_parts(base: CountParts, groups: Any, n_groups: int) -> MergedParts:
    """The parts of the counts with category *c* moved to column ``groups[c]`` (identity agreement weights)."""
    groups = np.asarray(groups, dtype=np.int64)
    sizes = np.bincount(groups, minlength=n_groups)
    members = np.flatnonzero(sizes[groups] >= 2)  # categories that share their group with another
    pa_i = base.pa_i
    if len(members):
        cols = _columns(base.counts, members)  # the merged categories' columns only
        extra = -(cols ** 2).sum(axis=1)
        for g in np.unique(groups[members]):  # Σ_g (Σ_{c∈g} n_ic)² − Σ_c n_ic²
            extra += cols[:, groups[members] == g].sum(axis=1) ** 2
        r, two = base.r, base.two
        pa_i = pa_i.copy()
        pa_i[two] += extra[two] / (r[two] * (r[two] - 1.0))
    share_totals = np.bincount(groups, weights=base.share_totals, minlength=n_groups)
    return MergedParts(counts=None, r=base.r, two=base.two, pa_i=pa_i, share_totals=share_totals, base=base,
                       groups=groups)


@dataclass(frozen=True)
class ShiftedParts(CountParts):
    """:class:`~._core.CountParts` of counts whose rows ``rows`` changed to ``new_rows`` (the others as ``base``)."""

    base: Any = None
    rows: Any = None
    new_rows: Any = None

    def share_dot(self, vector: np.ndarray) -> np.ndarray:
        out = self.base.share_dot(vector)
        out[self.rows] = (self.new_rows @ np.asarray(vector, dtype=np.float64)) / self.r[self.rows]
        return out

    def features(self) -> sparse.csr_matrix:
        counts = self.base.counts
        counts = sparse.lil_matrix(counts) if sparse.issparse(counts) else np.array(counts, dtype=np.float64)
        counts[self.rows] = self.new_rows
        return CountParts(counts=sparse.csr_matrix(counts) if sparse.issparse(counts) else counts, r=self.r,
                          two=self.two, pa_i=self.pa_i, share_totals=self.share_totals).features()


def shifted_parts(base: CountParts, items: np.ndarray, old: np.ndarray, new: np.ndarray) -> ShiftedParts:
    """The parts after one rating of each ``items[k]`` moves from category ``old[k]`` to ``new[k]``.

    ``base`` must hold one row per item (every item has a rating, as in an annotation set's counts).
    """
    rows, inverse = np.unique(np.asarray(items, dtype=np.int64), return_inverse=True)
    q = len(base.share_totals)
    before = _rows(base.counts, rows, q)
    after = before.copy()
    np.add.at(after, (inverse, np.asarray(old, dtype=np.int64)), -1.0)
    np.add.at(after, (inverse, np.asarray(new, dtype=np.int64)), 1.0)
    r = base.r[rows]
    two = base.two[rows]
    pa_i = base.pa_i.copy()
    pa_i[rows] = np.where(two, ((after ** 2).sum(axis=1) - r) / np.where(two, r * (r - 1.0), 1.0), 0.0)
    share_totals = base.share_totals + ((after - before) / r[:, None]).sum(axis=0)
    return ShiftedParts(counts=None, r=base.r, two=base.two, pa_i=pa_i, share_totals=share_totals, base=base,
                        rows=rows, new_rows=after)


def _rows(counts: Any, rows: np.ndarray, q: int) -> np.ndarray:
    if sparse.issparse(counts):
        return np.asarray(sparse.csr_matrix(counts)[rows].toarray(), dtype=np.float64).reshape(len(rows), q)
    return np.asarray(counts[rows], dtype=np.float64).reshape(len(rows), q)
