"""Wrappers of the class-pair kernels (confusion hotspots, Unknown monitoring, taxonomy proposals).

Every wrapper marked :func:`~analytics._reshape.additive` is a sum over items, so on a distributed set it runs
on each partition and the results are added; :func:`example_items` picks each partition's best items and
merges them by the same ranking rule (:func:`~analytics._reshape.top_items`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._dispatch import additive, cached, merge_items
from ._pair_kernels import (
    class_item_weights,
    co_use_from_counts,
    column_major,
    count_column,
    first_per_item,
    pair_disagreement,
    pair_gold_from_counts,
    pair_item_weights,
    pair_swaps_from_codes,
    rating_pairs_from_counts,
    top_items,
    unknown_neighbourhood_from_counts,
)

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["co_use_matrix", "rating_pair_matrix", "annotator_pair_swaps", "pair_gold_counts",
           "unknown_neighbourhood", "pair_disagreement_without", "non_integer_item_ids", "item_images", "example_items", "TopMerge"]


def _counts(aset: Any) -> Any:
    from . import item_category_counts

    return item_category_counts(aset, layout="auto")


@additive
def co_use_matrix(aset: "AnnotationSet") -> np.ndarray:
    """:func:`co_use_from_counts` of the set: items on which both categories were used (cached)."""
    return cached(aset, "co_use", lambda: co_use_from_counts(_counts(aset)))


@additive
def rating_pair_matrix(aset: "AnnotationSet") -> np.ndarray:
    """:func:`rating_pairs_from_counts` of the set: pairs of ratings of the same item in two categories (cached)."""
    return cached(aset, "rating_pairs", lambda: rating_pairs_from_counts(_counts(aset)))


@additive
def annotator_pair_swaps(aset: "AnnotationSet", pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pair_swaps_from_codes` of the set for the class-code ``pairs`` (``P × 2``): ``(swaps, trials)``, cached
    per list of pairs (the hotspots and the recommendations ask for the same candidate pairs)."""
    from . import require_annotators

    require_annotators(aset, "Per-annotator shares of a confusion")
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    def build() -> tuple[np.ndarray, np.ndarray]:
        patterns = _pattern_labels(aset)
        if patterns is not None and (pairs[:, 0] != pairs[:, 1]).all():
            return pair_swaps_from_patterns(*patterns, pairs)
        return pair_swaps_from_codes(aset.item_codes, aset.annotator_codes, aset.label_codes, _counts(aset), pairs,
                                     aset.n_annotators)

    return cached(aset, ("annotator_pair_swaps", pairs.tobytes()), build)


def _pattern_labels(aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray] | None:
    """``(rows, labels)``: the distinct count rows of the set (``U × K``) and how many annotations each annotator gave
    each label on items of each row (``U × A × K``); None when the dense counts are not at hand or too many."""
    from ._distinct import distinct_count_rows
    from ._tables import item_category_counts

    if "item_category_counts" not in aset._cache:
        return None

    def build() -> tuple[np.ndarray, np.ndarray] | None:
        codes, first = distinct_count_rows(aset)
        a, k = aset.n_annotators, aset.n_categories
        if len(first) * a * k > max(aset.n_annotations, 1 << 16):
            return None
        key = (codes[aset.item_codes] * a + aset.annotator_codes) * k + aset.label_codes
        labels = np.bincount(key, minlength=len(first) * a * k).reshape(len(first), a, k)
        return item_category_counts(aset)[first], labels

    return cached(aset, "pattern_annotator_labels", build)


def pair_swaps_from_patterns(rows: np.ndarray, labels: np.ndarray,
                             pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pair_swaps_from_codes` from :func:`_pattern_labels`: an annotation's trial and swap depend only on its
    item's counts and its label, so they are decided once per (distinct row, label) and counted (whole numbers)."""
    swaps = np.zeros((len(pairs), labels.shape[1]), dtype=np.int64)
    trials = np.zeros((len(pairs), labels.shape[1]), dtype=np.int64)
    for p, (a, b) in enumerate(pairs):
        for own, other in ((int(a), int(b)), (int(b), int(a))):
            c_own, c_other = rows[:, own] - 1, rows[:, other]  # the item's other ratings on either side
            given = labels[:, :, own]
            trials[p] += given[(c_own + c_other) > 0].sum(axis=0)
            swaps[p] += given[c_other > c_own].sum(axis=0)
    return swaps, trials


@additive
def pair_gold_counts(aset: "AnnotationSet", pairs: np.ndarray) -> np.ndarray:
    """:func:`pair_gold_from_counts` of the set (``P × 4``; zeros without gold)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if not len(pairs):
        return np.zeros((0, 4), dtype=np.int64)
    gold = aset.gold_codes if aset.gold_codes is not None else np.full(aset.n_items, -1)
    return pair_gold_from_counts(column_major(_counts(aset)), gold, pairs)


@additive
def unknown_neighbourhood(aset: "AnnotationSet", u: int) -> np.ndarray:
    """:func:`unknown_neighbourhood_from_counts` of the set for the Unknown category code *u* (``5 × C``), cached."""
    return cached(aset, ("unknown_neighbourhood", int(u)), lambda: unknown_neighbourhood_from_counts(_counts(aset), u))


@additive
def pair_disagreement_without(aset: "AnnotationSet", a: int, b: int, annotator: int) -> float:
    r""":math:`o_{ab} + o_{ba}` with every rating of annotator code ``annotator`` left out
    (see :func:`pair_disagreement`)."""
    from . import ratings_per_item

    own = aset.annotator_codes == annotator
    n = aset.n_items
    m = ratings_per_item(aset) - np.bincount(aset.item_codes[own], minlength=n)
    columns = column_major(_counts(aset))
    cols = [count_column(columns, k) - np.bincount(aset.item_codes[own & (aset.label_codes == k)], minlength=n)
            for k in (a, b)]
    return pair_disagreement(cols[0], cols[1], m)


@additive
def non_integer_item_ids(aset: "AnnotationSet") -> int:
    """1 when some item id is not an integer, else 0; summed over partitions it is 0 exactly when every id is an
    integer, i.e. when items are ordered numerically (:func:`analytics._schema.id_order`). Cached."""
    from .._schema import n_non_integer_ids

    def build() -> int:
        ids = pd.Index(np.asarray(aset.item_ids, dtype=object).astype(str), dtype=object)
        return int(n_non_integer_ids(ids[:64]) > 0 or n_non_integer_ids(ids) > 0)  # text ids show up early

    return cached(aset, "non_integer_item_ids", build)


def item_images(aset: "AnnotationSet") -> np.ndarray | None:
    """Each item's ``image`` (that of its first annotation; None where blank), or None without an image column."""
    if not hasattr(aset, "column_names"):  # a partition of a distributed set carries its items' images
        return getattr(aset, "images", None)
    if "image" not in aset.column_names:
        return None
    return cached(aset, "item_images", lambda: first_per_item(aset.item_codes, aset.frame["image"].to_numpy(),
                                                               aset.n_items))


@dataclass(frozen=True)
class TopMerge:
    """Combine partial :func:`example_items` results: the best ``k`` of the union, for every request."""

    k: int
    numeric: bool

    def __call__(self, *parts: tuple) -> tuple:
        out = []
        for found in zip(*parts):
            images = None if found[0][2] is None else np.concatenate([f[2] for f in found])
            out.append(top_items(np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found]),
                                 self.k, self.numeric, images))
        return tuple(out)


def _example_kernel(aset: "AnnotationSet", requests: tuple, k: int, numeric: bool) -> tuple:
    from . import ratings_per_item

    counts = column_major(_counts(aset))
    m = ratings_per_item(aset)
    ids = np.asarray(aset.item_ids, dtype=object)
    images = item_images(aset)
    out = []
    in_id_order = _codes_in_id_order(aset)
    for request in requests:
        if request[0] == "pair":
            w = pair_item_weights(counts, int(request[1]), int(request[2]), m)
        else:
            w = class_item_weights(counts, int(request[1]), m)
        out.append(top_items(w, ids, k, numeric, images, in_id_order=in_id_order))
    return tuple(out)


def _codes_in_id_order(aset: Any) -> bool:
    """Whether the item codes follow the ids' order (:func:`analytics._schema.id_order`): an in-memory set's do —
    it numbers its items in that order when it is built (``_order_ids``, ``_order_coded``)."""
    from .._schema import AnnotationSet

    return isinstance(aset, AnnotationSet)


def example_items(aset: "AnnotationSet", requests: list[tuple],
                  k: int) -> list[tuple[tuple[str, ...], tuple[str, ...] | None]]:
    """Up to ``k`` example items per request, most evenly split first: ``[(item ids, images or None), …]``.

    A request is ``("pair", a, b)`` (weights :func:`pair_item_weights`: items split between classes *a* and *b*)
    or ``("class", c)`` (:func:`class_item_weights`: items split on class *c*). Items of zero weight are never
    examples; ties go to the first item in item order (:func:`top_items`). Images are those of the items' first
    annotation (``""`` where blank), or None when the set has no image column.
    """
    if k <= 0:
        return [((), None) for _ in requests]
    numeric = _codes_in_id_order(aset) or non_integer_item_ids(aset) == 0  # (in id order: not needed)
    found = merge_items(aset, _example_kernel, TopMerge(int(k), bool(numeric)), tuple(requests), int(k), bool(numeric))
    return [(tuple(str(x) for x in ids),
             None if images is None else tuple("" if v is None or pd.isna(v) else str(v) for v in images))
            for _, ids, images in found]
