"""Count views: the item × category counts a relabelling *would* give, built per partition from the real ones.

A merge of classes, a roll-up to a taxonomy level, the ratings inside one parent node, or one annotator's
swaps set right change only which column a rating falls in. A *view* is a small frozen description of such a
change; :meth:`counts` applies it to the counts of any set of whole items (an in-memory set or one partition
of a distributed set), so every coefficient of the changed data is the same sum over items as the original
one — computed by :func:`~analytics._reshape.reduce_items` with the view as an argument, never by
re-reading or re-labelling the annotations. Views are picklable, so they travel to the workers of the Dask
backend with the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ._dispatch import additive, merge_items, reduce_items
from ._kernels import coincidence_from_counts
from ._pair_kernels import column_major, merge_count_columns, pair_swap_flags, shift_counts

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["MergedColumns", "SwapsFixed", "CountView", "view_counts", "view_coincidence", "view_category_totals"]


def _counts(aset: Any) -> Any:
    from . import item_category_counts

    return item_category_counts(aset, layout="auto")


@dataclass(frozen=True)
class MergedColumns:
    """Categories summed into groups (``groups[c]`` = new column of category *c*; see
    :func:`~analytics._reshape.merge_count_columns`), then optionally only the new columns ``keep``."""

    groups: tuple[int, ...]
    n_groups: int
    keep: tuple[int, ...] | None = None

    def counts(self, aset: "AnnotationSet") -> Any:
        out = merge_count_columns(_counts(aset), np.asarray(self.groups, dtype=np.int64), self.n_groups)
        return out if self.keep is None else out[:, list(self.keep)]


@dataclass(frozen=True)
class SwapsFixed:
    """The counts if annotator code ``annotator`` had sided with each item's other ratings on every one of
    their swaps between classes ``a`` and ``b`` (see :func:`~analytics._reshape.pair_swaps_from_codes`)."""

    a: int
    b: int
    annotator: int

    def counts(self, aset: "AnnotationSet") -> Any:
        return shift_counts(_counts(aset), *self.changes(aset))

    def changes(self, aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ratings the view moves: ``(item codes, old category, new category)``, one per fixed swap.

        The pair's swap flags are kept on the set for the last pair asked (one at a time): the annotators of a
        pair share them.
        """
        key = ("last_pair_swap_flags", self.a, self.b)
        last = aset._cache.get("last_pair_swap_flags")
        if last is None or last[0] != key:
            flags = pair_swap_flags(aset.item_codes, aset.label_codes, column_major(_counts(aset)), self.a, self.b)
            last = (key, flags)
            aset._cache["last_pair_swap_flags"] = last
        sel, _, swap, other = last[1]
        fix = swap & (aset.annotator_codes[sel] == self.annotator)
        return aset.item_codes[sel][fix], aset.label_codes[sel][fix], other[fix]


CountView = Union[MergedColumns, SwapsFixed]


def view_counts(aset: "AnnotationSet", view: "CountView | None") -> Any:
    """The item × category counts of the set (``view=None``) or as the view changes them.

    The last view's counts are kept on the set (one at a time, so memory stays bounded): the passes of one
    computation over an in-memory set then build them once.
    """
    if view is None:
        return _counts(aset)
    last = aset._cache.get("last_view_counts")
    if last is not None and last[0] == view:
        return last[1]
    counts = view.counts(aset)
    aset._cache["last_view_counts"] = (view, counts)
    return counts


@additive
def view_coincidence(aset: "AnnotationSet", view: "CountView | None") -> np.ndarray:
    """Krippendorff's coincidence matrix of the view's counts (a sum over items)."""
    return coincidence_from_counts(view_counts(aset, view))


@additive
def view_category_totals(aset: "AnnotationSet", view: "CountView | None") -> np.ndarray:
    """Column sums of the view's counts (ratings per view column)."""
    return np.asarray(view_counts(aset, view).sum(axis=0)).ravel()


def _row_sums(aset: "AnnotationSet", view: "CountView | None") -> np.ndarray:
    """Ratings per item of the view's counts, kept on the set (the whole set's for good, else the last view's):
    every coefficient's interval asks for the rating histogram, each in two passes. Read-only."""
    key = "rating_row_sums" if view is None else "last_view_row_sums"
    last = aset._cache.get(key)
    if last is not None and last[0] == view:
        return last[1]
    sums = np.asarray(view_counts(aset, view).sum(axis=1)).ravel().astype(np.int64)
    sums.flags.writeable = False
    aset._cache[key] = (view, sums)
    return sums


def _most_ratings(aset: "AnnotationSet", view: "CountView | None") -> int:
    sums = _row_sums(aset, view)
    return int(sums.max()) if len(sums) else 0


def _histogram(aset: "AnnotationSet", size: int, view: "CountView | None") -> np.ndarray:
    return np.bincount(_row_sums(aset, view), minlength=size + 1)[:size + 1].astype(np.float64)


def rating_histogram(aset: "AnnotationSet", view: "CountView | None" = None) -> np.ndarray:
    """``h[r]``: items with exactly *r* ratings (``h[0]``: items with none, e.g. outside a view), summed over the
    partitions of items — no per-item table is gathered (two passes: the largest *r*, then the counts)."""
    top = int(merge_items(aset, _most_ratings, max, view))
    return reduce_items(aset, _histogram, top, view)
