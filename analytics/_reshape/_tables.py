"""Sufficient statistics of an :class:`~analytics.AnnotationSet`: the cached wrappers over the kernels.

Each function builds one table from the set's integer codes (or, on the Dask backend, adds the partitions'
tables), caches it on the set, and returns it; see the package docstring of :mod:`analytics._reshape`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from .._lazy import sparse
from ._dispatch import additive, cached, is_distributed, require_in_memory
from ._kernels import (
    counts_from_codes,
    sparse_counts_from_codes,
    coincidence_from_counts,
    pair_tables_from_labels,
    _pair_tables_from_onehot,
    others_share_from_codes,
    annotator_prediction_tables_from_codes,
    annotator_onehot_from_codes,
)
from ._partition import ItemPartition

if TYPE_CHECKING:
    from .._schema import AnnotationSet

_cached = cached

def one_hot(aset: "AnnotationSet") -> sparse.csr_matrix:
    """Annotation × category indicator matrix (the tag matrix for multi-label sets)."""
    if aset.multilabel:
        return aset.tags
    n = aset.n_annotations
    return sparse.csr_matrix(
        (np.ones(n, dtype=np.int8), (np.arange(n), aset.label_codes)), shape=(n, aset.n_categories)
    )


#: ``layout="auto"`` counts are dense up to this many item × category cells (32 MB of int64).
AUTO_DENSE_CELLS = 1 << 22


def item_category_counts(
    aset: "AnnotationSet", *, layout: Literal["dense", "sparse", "auto"] = "dense",
) -> "np.ndarray | sparse.csr_matrix":
    """Item × category counts (rows in item code order, columns in category order).

    For multi-label sets, ``n[i, c]`` counts the annotations of item *i* that contain tag *c*.
    ``layout="sparse"`` returns an int32 CSR matrix whose memory follows the number of non-zero
    cells (so ten million annotations in 100 classes fit in memory); ``"dense"`` an int64 array;
    ``"auto"`` the dense array up to :data:`AUTO_DENSE_CELLS` cells (fastest) and the CSR matrix beyond.
    """
    if layout == "auto":
        small = aset.n_items * aset.n_categories <= AUTO_DENSE_CELLS
        return item_category_counts(aset, layout="dense" if small else "sparse")
    if is_distributed(aset):  # rows of every partition, in the order of ``aset.item_ids`` (gathered)
        return _cached(aset, f"item_category_counts_{layout}", lambda: aset.gather(item_category_counts, layout=layout))
    if layout == "sparse":
        def build_sparse() -> sparse.csr_matrix:
            if aset.multilabel:
                items = sparse.csr_matrix(
                    (np.ones(aset.n_annotations, dtype=np.int32), (aset.item_codes, np.arange(aset.n_annotations))),
                    shape=(aset.n_items, aset.n_annotations),
                )
                out = sparse.csr_matrix(items @ aset.tags.astype(np.int32))
                out.sum_duplicates()
                return out
            return sparse_counts_from_codes(aset.item_codes, aset.label_codes, aset.n_items, aset.n_categories)

        return _cached(aset, "item_category_counts_sparse", build_sparse)

    def build() -> np.ndarray:
        if aset.multilabel:
            items = sparse.csr_matrix(
                (np.ones(aset.n_annotations, dtype=np.int64), (aset.item_codes, np.arange(aset.n_annotations))),
                shape=(aset.n_items, aset.n_annotations),
            )
            return np.asarray((items @ aset.tags.astype(np.int64)).todense())
        return counts_from_codes(aset.item_codes, aset.label_codes, aset.n_items, aset.n_categories)

    return _cached(aset, "item_category_counts", build)


@additive
def coincidence_matrix(aset: "AnnotationSet") -> np.ndarray:
    r"""Krippendorff's coincidence matrix of a single-label set (see :func:`coincidence_from_counts`).

    When the annotator-pair tables are already built (:func:`annotator_pair_tables`, cached by the pairwise
    coefficients) and every item with two or more ratings has the same number *m* of them, it is read from
    them: :math:`o = \sum_{a \ne b} T[a, b] / (m - 1)` (each unit's ordered pairs of ratings by different
    annotators, weighted :math:`1/(m_u - 1)`), with no pass over the items.
    """
    def build() -> np.ndarray:
        from_pairs = _coincidence_from_pair_tables(aset)
        if from_pairs is not None:
            return from_pairs
        return coincidence_from_counts(item_category_counts(aset, layout="auto"))

    return _cached(aset, "coincidence", build)


def _coincidence_from_pair_tables(aset: "AnnotationSet") -> np.ndarray | None:
    tables = aset._cache.get("pair_tables") if aset.annotators_known else None
    if tables is None:
        return None
    r = ratings_per_item(aset)
    multi = r[r >= 2]
    if not len(multi) or multi.min() != multi.max():
        return None
    a = tables.shape[0]
    own = tables[np.arange(a), np.arange(a)].sum(axis=0)  # T[a, a]: an annotator with itself
    return (tables.sum(axis=(0, 1)) - own).astype(np.float64) / (float(multi[0]) - 1.0)


def ratings_per_item(aset: "AnnotationSet") -> np.ndarray:
    """Number of annotations of each item (int64, item code order), cached."""
    if is_distributed(aset):
        return _cached(aset, "ratings_per_item", lambda: aset.gather(ratings_per_item))
    return _cached(aset, "ratings_per_item", lambda: np.bincount(aset.item_codes, minlength=aset.n_items))


def _require_annotators(aset: "AnnotationSet", what: str) -> None:
    from ..exceptions import AnnotationSchemaError

    if not aset.annotators_known:
        raise AnnotationSchemaError(
            f"{what} needs annotator ids, but this set has anonymous annotators (e.g. an item × category counts "
            "table). Load a table with one row per annotation to get per-annotator results."
        )


def require_annotators(aset: "AnnotationSet", what: str) -> None:
    """Raise :class:`~analytics.exceptions.AnnotationSchemaError` when annotators are anonymous."""
    _require_annotators(aset, what)


def require_single_label(aset: "AnnotationSet", what: str) -> None:
    """Raise :class:`~analytics.exceptions.AnnotationSchemaError` for a multi-label (tag set) annotation set."""
    from ..exceptions import AnnotationSchemaError

    if aset.multilabel:
        raise AnnotationSchemaError(
            f"{what} needs single-label annotations, but this set holds tag sets (multi-label). Analyse one tag "
            "at a time (e.g. relabel to present/absent) or load a single-label column."
        )


def annotator_item_matrix(aset: "AnnotationSet") -> np.ndarray:
    """Item × annotator matrix of label codes (int32), -1 where the annotator did not label the item."""
    _require_annotators(aset, "An item × annotator matrix")
    require_in_memory(aset, "An item × annotator matrix")

    def build() -> np.ndarray:
        m = np.full((aset.n_items, aset.n_annotators), -1, dtype=np.int32)
        m.reshape(-1)[aset.item_codes * aset.n_annotators + aset.annotator_codes] = aset.label_codes
        return m

    return _cached(aset, "annotator_item_matrix", build)


def annotator_label_rows(aset: "AnnotationSet") -> np.ndarray:
    """:func:`padded_label_rows` of the set (annotator × item, missing = ``C``), built directly and cached."""
    _require_annotators(aset, "Pairwise agreement")
    require_in_memory(aset, "An annotator × item label matrix")

    def build() -> np.ndarray:
        out = np.full((aset.n_annotators, aset.n_items), aset.n_categories, dtype=np.int64)
        out.reshape(-1)[aset.annotator_codes * aset.n_items + aset.item_codes] = aset.label_codes
        return out

    return _cached(aset, "annotator_label_rows", build)


def item_annotator_onehot(aset: "AnnotationSet") -> sparse.csr_matrix:
    """Item × (annotator, category) one-hot matrix (see :func:`annotator_onehot_from_codes`), cached."""
    _require_annotators(aset, "Pairwise agreement")
    require_in_memory(aset, "An item × (annotator, category) matrix")
    return _cached(aset, "item_annotator_onehot", lambda: annotator_onehot_from_codes(
        aset.item_codes, aset.annotator_codes, aset.label_codes, aset.n_items, aset.n_annotators, aset.n_categories))


def dense_overlap(aset: "AnnotationSet") -> bool:
    """Whether most annotators label most items, so item × annotator matrices beat sparse products.

    True when the ``n_items × pairs`` cells that :func:`pair_tables_from_matrix` visits are at most four
    times the number of annotator pairs that actually share an item.
    """
    def build() -> bool:
        a = aset.n_annotators
        r = ratings_per_item(aset).astype(np.float64)
        shared = float((r * (r - 1.0) / 2.0).sum())
        return aset.n_items * (a * (a - 1) / 2.0) <= 4.0 * max(shared, 1.0)

    return _cached(aset, "dense_overlap", build)


@additive
def annotator_pair_tables(aset: "AnnotationSet") -> np.ndarray:
    """``T[a, b, c, k]`` for every annotator pair, computed without a loop over pairs.

    Dense overlap (:func:`dense_overlap`): one ``bincount`` of pair cell codes of the item × annotator
    matrix (:func:`pair_tables_from_matrix`); sparse overlap (crowdsourcing: many annotators, few per item):
    one sparse product ``XᵀX`` of the item × (annotator, category) one-hot matrix (:func:`pair_tables_from_codes`).
    """
    _require_annotators(aset, "Pairwise agreement")

    def build() -> np.ndarray:
        if dense_overlap(aset):
            return pair_tables_from_labels(annotator_label_rows(aset), aset.n_categories)
        return _pair_tables_from_onehot(item_annotator_onehot(aset), aset.n_annotators, aset.n_categories)

    return _cached(aset, "pair_tables", build)


def pair_codes(aset: "AnnotationSet", a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items labelled by both annotator codes *a* and *b*: ``(item_codes, labels_of_a, labels_of_b)``.

    ``numpy.bincount(labels_of_a * C + labels_of_b)`` is the pair's contingency table ``T[a, b]``
    (:func:`pair_table`).
    """
    _require_annotators(aset, "Pairwise agreement")
    require_in_memory(aset, "The common items of two annotators")
    in_a, in_b = aset.annotator_codes == a, aset.annotator_codes == b
    both, ja, jb = np.intersect1d(aset.item_codes[in_a], aset.item_codes[in_b],
                                  return_indices=True)
    return both, aset.label_codes[in_a][ja].astype(np.int64), aset.label_codes[in_b][jb].astype(np.int64)


@additive
def annotator_category_counts(aset: "AnnotationSet") -> np.ndarray:
    """Annotator × category counts: how often each annotator used each category."""
    _require_annotators(aset, "Per-annotator counts")
    return _cached(aset, "annotator_category_counts", lambda: counts_from_codes(
        aset.annotator_codes, aset.label_codes, aset.n_annotators, aset.n_categories))


@additive
def annotator_gold_confusion(aset: "AnnotationSet") -> np.ndarray:
    """``G[a, g, c]``: annotations of annotator *a* on gold items whose gold is *g* and label is *c*.

    Items without gold do not count. Requires gold labels (single-label sets).
    """
    _require_annotators(aset, "Gold confusion per annotator")

    def build() -> np.ndarray:
        c = aset.n_categories
        out = np.zeros((aset.n_annotators, c, c), dtype=np.int64)
        if aset.gold_codes is None:
            return out
        gold = aset.gold_codes[aset.item_codes]
        has = gold >= 0
        flat = (aset.annotator_codes[has] * c + gold[has]) * c + aset.label_codes[has]
        return np.bincount(flat, minlength=aset.n_annotators * c * c).reshape(aset.n_annotators, c, c)

    return _cached(aset, "annotator_gold_confusion", build)


@additive
def gold_class_counts(aset: "AnnotationSet") -> np.ndarray:
    """Gold items per category (zeros when the set has no gold)."""
    def build() -> np.ndarray:
        if aset.gold_codes is None:
            return np.zeros(aset.n_categories, dtype=np.int64)
        codes = aset.gold_codes[aset.gold_codes >= 0]
        return np.bincount(codes, minlength=aset.n_categories)

    return _cached(aset, "gold_class_counts", build)


@additive
def annotator_others_share(aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray]:
    """``(expected, used)`` annotator × category tables of :func:`others_share_from_codes` (cached)."""
    _require_annotators(aset, "Comparing annotators with the others")
    return _cached(aset, "annotator_others_share", lambda: others_share_from_codes(
        aset.item_codes, aset.annotator_codes, aset.label_codes, item_category_counts(aset), aset.n_annotators))


def annotator_prediction_tables(aset: "AnnotationSet") -> np.ndarray:
    """``T[a, c, k]``: annotator *a* said *c* and the model predicts *k* (cached; zeros without predictions).

    See :func:`annotator_prediction_tables_from_codes`; the model label is ``aset.prediction_codes``.
    """
    _require_annotators(aset, "Comparing annotators with the model")

    def build() -> np.ndarray:
        q = aset.n_categories
        if aset.prediction_codes is None:
            return np.zeros((aset.n_annotators, q, q), dtype=np.int64)
        return annotator_prediction_tables_from_codes(aset.item_codes, aset.annotator_codes, aset.label_codes,
                                                      aset.prediction_codes, aset.n_annotators, q)

    return _cached(aset, "annotator_prediction_tables", build)
# -- additive statistics of the set (sums over items; see :func:`reduce_items`) ----------------------
@additive
def pair_table(aset: "AnnotationSet", a: int, b: int) -> np.ndarray:
    """Contingency table ``T[a, b]`` (C × C, int64) of annotator codes *a* and *b* on their common items."""
    q = aset.n_categories
    _, codes_a, codes_b = pair_codes(aset, a, b)
    return np.bincount(codes_a * q + codes_b, minlength=q * q).reshape(q, q)


@additive
def category_totals(aset: "AnnotationSet") -> np.ndarray:
    """Annotations per category (tags per category in multi-label sets): column sums of the item counts."""
    return np.asarray(item_category_counts(aset, layout="auto").sum(axis=0)).ravel()


@additive
def annotator_totals(aset: "AnnotationSet") -> np.ndarray:
    """Annotations per annotator (annotator code order)."""
    _require_annotators(aset, "Per-annotator counts")
    return np.bincount(aset.annotator_codes, minlength=aset.n_annotators)


@additive
def n_items_with_ratings(aset: "AnnotationSet", minimum: int = 2) -> int:
    """Items with at least ``minimum`` annotations."""
    return int((ratings_per_item(aset) >= minimum).sum())


@additive
def rating_moments(aset: "AnnotationSet") -> np.ndarray:
    r"""``[n, Σ r_i, Σ r_i²]`` over the items with a rating (int64): the ratings per item are all equal
    exactly when :math:`n \sum r_i^2 = (\sum r_i)^2`. Cached."""
    def build() -> np.ndarray:
        r = ratings_per_item(aset)
        r = r[r > 0].astype(np.int64)
        return np.array([len(r), r.sum(), (r * r).sum()], dtype=np.int64)

    return _cached(aset, "rating_moments", build).copy()


@additive
def n_repeated_ratings(aset: "AnnotationSet") -> int:
    """Annotations beyond the first of the same ``(item, annotator)`` (re-labels in later rounds)."""
    key = aset.item_codes * max(aset.n_annotators, 1) + aset.annotator_codes
    return int(len(key) - len(np.unique(key)))


@additive
def n_gold_items(aset: "AnnotationSet") -> int:
    """Annotated items with a gold label (0 without gold)."""
    return 0 if aset.gold_codes is None else int((aset.gold_codes >= 0).sum())


@additive
def gold_label_counts(aset: "AnnotationSet") -> np.ndarray:
    """``G[g, c]``: annotations labelled *c* of gold items whose gold label is *g* (zeros without gold)."""
    g = np.zeros((aset.n_categories, aset.n_categories), dtype=np.int64)
    if aset.gold_codes is not None:
        has = aset.gold_codes >= 0
        np.add.at(g, aset.gold_codes[has], item_category_counts(aset)[has])
    return g


def _round_codes(aset: "AnnotationSet") -> tuple[np.ndarray, int] | None:
    """Per-annotation round codes (index into the set's rounds, -1 without a round) and the number of rounds."""
    if isinstance(aset, ItemPartition):
        return None if aset.round_codes is None else (aset.round_codes, aset.n_rounds)
    if not aset.rounds:
        return None
    text = aset.frame["round"].astype(object).where(aset.frame["round"].notna(), None).map(
        lambda v: None if v is None else str(v))
    return pd.Categorical(text, categories=list(aset.rounds)).codes.astype(np.int64), len(aset.rounds)


@additive
def round_category_counts(aset: "AnnotationSet") -> np.ndarray:
    """Annotations (tags in multi-label sets) per round × category, rows in the order of ``aset.rounds``.

    Annotations without a round are not counted; a set without rounds gives a ``0 × C`` table. The
    Unknown/Other share per round is a row of it divided by the row's total.
    """
    found = _round_codes(aset)
    if found is None:
        return np.zeros((0, aset.n_categories), dtype=np.int64)
    codes, n_rounds = found
    has = codes >= 0
    rounds = sparse.csr_matrix((np.ones(int(has.sum()), dtype=np.int64), (codes[has], np.flatnonzero(has))),
                               shape=(n_rounds, aset.n_annotations))
    return np.asarray((rounds @ one_hot(aset).astype(np.int64)).todense())
