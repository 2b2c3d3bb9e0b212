"""Sufficient statistics: the ONLY place that builds count, contingency and coincidence tables.

Every agreement coefficient, consensus method and confusion analysis reduces to a few additive
tables built here from the integer codes of an :class:`~analytics.AnnotationSet`:

* item × category counts ``n[i, c]`` (how many annotators put item *i* in category *c*);
* the coincidence matrix ``o[c, k]`` of Krippendorff (2011);
* annotator-pair contingency tables ``T[a, b, c, k]`` (items annotator *a* put in *c* and *b* in *k*);
* annotator × category counts and annotator × gold × label confusion counts.

The ``*_from_codes`` kernels take plain code arrays, so the same functions run on any partition of
the annotations (all tables are sums over items); the ``AnnotationSet`` wrappers cache their result
on the set, so a dashboard or report computes each table once.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
Communication Departmental Papers 43. https://repository.upenn.edu/asc_papers/43
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from ._schema import AnnotationSet

__all__ = [
    "counts_from_codes",
    "coincidence_from_counts",
    "pair_tables_from_codes",
    "item_category_counts",
    "coincidence_matrix",
    "annotator_item_matrix",
    "annotator_pair_tables",
    "annotator_category_counts",
    "annotator_gold_confusion",
    "one_hot",
    "require_annotators",
    "require_single_label",
    "gold_class_counts",
    "others_share_from_codes",
    "annotator_others_share",
]

T = TypeVar("T")


def _cached(aset: "AnnotationSet", key: str, build: Callable[[], T]) -> T:
    cache = aset._cache
    if key not in cache:
        cache[key] = build()
    return cache[key]


# -- kernels on code arrays (partition-friendly: results add up over partitions of items) ------------
def counts_from_codes(item_codes: np.ndarray, label_codes: np.ndarray, n_items: int, n_categories: int) -> np.ndarray:
    """Item × category count matrix ``n[i, c]`` from per-annotation codes (int64, dense)."""
    flat = item_codes.astype(np.int64) * n_categories + label_codes.astype(np.int64)
    return np.bincount(flat, minlength=n_items * n_categories).reshape(n_items, n_categories)


def coincidence_from_counts(counts: np.ndarray | sparse.spmatrix) -> np.ndarray:
    r"""Krippendorff's coincidence matrix from item × category counts.

    .. math:: o_{ck} = \sum_{u:\, m_u \ge 2} \frac{n_{uc}\,(n_{uk} - \delta_{ck})}{m_u - 1}

    where :math:`m_u = \sum_c n_{uc}` is the number of ratings of unit *u*; units with fewer than two
    ratings are not pairable and contribute nothing. The matrix is symmetric and its total is the number
    of pairable values :math:`n_{\cdot\cdot} = \sum_{u: m_u \ge 2} m_u`.
    """
    if sparse.issparse(counts):
        counts = sparse.csr_matrix(counts, dtype=np.float64)
        m = np.asarray(counts.sum(axis=1)).ravel()
        pairable = m >= 2
        weights = np.zeros_like(m)
        weights[pairable] = 1.0 / (m[pairable] - 1.0)
        scaled = sparse.diags(weights) @ counts
        o = np.asarray((scaled.T @ counts).todense())
        o -= np.diag(np.asarray(scaled.sum(axis=0)).ravel())
        return o
    n = np.asarray(counts, dtype=np.float64)
    m = n.sum(axis=1)
    pairable = m >= 2
    n = n[pairable]
    w = 1.0 / (m[pairable] - 1.0)
    o = (n * w[:, None]).T @ n
    o -= np.diag((n * w[:, None]).sum(axis=0))
    return o


def pair_tables_from_codes(
    item_codes: np.ndarray, annotator_codes: np.ndarray, label_codes: np.ndarray,
    n_items: int, n_annotators: int, n_categories: int,
) -> np.ndarray:
    """All annotator-pair contingency tables at once: ``T[a, b, c, k]``.

    ``T[a, b, c, k]`` counts items that annotator *a* labelled *c* and annotator *b* labelled *k*.
    Built from one sparse product ``XᵀX`` of the item × (annotator, category) one-hot matrix ``X``,
    so its cost is linear in the number of annotations plus ``(A·C)²`` for the result; no loop over pairs.
    The diagonal blocks ``T[a, a]`` are diagonal matrices of annotator *a*'s category counts.
    """
    cols = annotator_codes.astype(np.int64) * n_categories + label_codes.astype(np.int64)
    x = sparse.csr_matrix(
        (np.ones(len(item_codes), dtype=np.int64), (item_codes.astype(np.int64), cols)),
        shape=(n_items, n_annotators * n_categories),
    )
    product = (x.T @ x).toarray()
    return product.reshape(n_annotators, n_categories, n_annotators, n_categories).transpose(0, 2, 1, 3)


# -- AnnotationSet wrappers (cached on the set) -----------------------------------------------------
def one_hot(aset: "AnnotationSet") -> sparse.csr_matrix:
    """Annotation × category indicator matrix (the tag matrix for multi-label sets)."""
    if aset.multilabel:
        return aset.tags
    n = aset.n_annotations
    return sparse.csr_matrix(
        (np.ones(n, dtype=np.int8), (np.arange(n), aset.label_codes)), shape=(n, aset.n_categories)
    )


def item_category_counts(aset: "AnnotationSet") -> np.ndarray:
    """Item × category counts (rows in item code order, columns in category order).

    For multi-label sets, ``n[i, c]`` counts the annotations of item *i* that contain tag *c*.
    """
    def build() -> np.ndarray:
        if aset.multilabel:
            items = sparse.csr_matrix(
                (np.ones(aset.n_annotations, dtype=np.int64), (aset.item_codes, np.arange(aset.n_annotations))),
                shape=(aset.n_items, aset.n_annotations),
            )
            return np.asarray((items @ aset.tags.astype(np.int64)).todense())
        return counts_from_codes(aset.item_codes, aset.label_codes, aset.n_items, aset.n_categories)

    return _cached(aset, "item_category_counts", build)


def coincidence_matrix(aset: "AnnotationSet") -> np.ndarray:
    """Krippendorff's coincidence matrix of a single-label set (see :func:`coincidence_from_counts`)."""
    return _cached(aset, "coincidence", lambda: coincidence_from_counts(item_category_counts(aset)))


def _require_annotators(aset: "AnnotationSet", what: str) -> None:
    from .exceptions import AnnotationSchemaError

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
    from .exceptions import AnnotationSchemaError

    if aset.multilabel:
        raise AnnotationSchemaError(
            f"{what} needs single-label annotations, but this set holds tag sets (multi-label). Analyse one tag "
            "at a time (e.g. relabel to present/absent) or load a single-label column."
        )


def annotator_item_matrix(aset: "AnnotationSet") -> np.ndarray:
    """Item × annotator matrix of label codes (int32), -1 where the annotator did not label the item."""
    _require_annotators(aset, "An item × annotator matrix")

    def build() -> np.ndarray:
        m = np.full((aset.n_items, aset.n_annotators), -1, dtype=np.int32)
        m[aset.item_codes, aset.annotator_codes] = aset.label_codes
        return m

    return _cached(aset, "annotator_item_matrix", build)


def annotator_pair_tables(aset: "AnnotationSet") -> np.ndarray:
    """``T[a, b, c, k]`` for every annotator pair (see :func:`pair_tables_from_codes`)."""
    _require_annotators(aset, "Pairwise agreement")
    return _cached(aset, "pair_tables", lambda: pair_tables_from_codes(
        aset.item_codes, aset.annotator_codes, aset.label_codes, aset.n_items, aset.n_annotators, aset.n_categories))


def annotator_category_counts(aset: "AnnotationSet") -> np.ndarray:
    """Annotator × category counts: how often each annotator used each category."""
    _require_annotators(aset, "Per-annotator counts")
    return _cached(aset, "annotator_category_counts", lambda: counts_from_codes(
        aset.annotator_codes, aset.label_codes, aset.n_annotators, aset.n_categories))


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


def gold_class_counts(aset: "AnnotationSet") -> np.ndarray:
    """Gold items per category (zeros when the set has no gold)."""
    def build() -> np.ndarray:
        if aset.gold_codes is None:
            return np.zeros(aset.n_categories, dtype=np.int64)
        codes = aset.gold_codes[aset.gold_codes >= 0]
        return np.bincount(codes, minlength=aset.n_categories)

    return _cached(aset, "gold_class_counts", build)


def others_share_from_codes(
    item_codes: np.ndarray, annotator_codes: np.ndarray, label_codes: np.ndarray, counts: np.ndarray,
    n_annotators: int,
) -> tuple[np.ndarray, np.ndarray]:
    r"""What the *other* annotators of the same items chose, summed per annotator.

    For annotation *k* (annotator *a*, item *i*, label *l*) the others' label shares are
    :math:`(n_{ic} - [l = c]) / (m_i - 1)`, defined when :math:`m_i \ge 2`. Returns ``(expected, used)``,
    both annotator × category: ``expected[a, c]`` sums the others' shares over *a*'s annotations of items
    with another rating, and ``used[a, c]`` counts *a*'s own labels *c* on those same items. Comparing
    the two shows which classes an annotator uses more than the others do on the same items. ``counts``
    are the item × category counts of the same partition (sums over partitions of items add up).
    """
    n_cat = counts.shape[1]
    m = counts.sum(axis=1)[item_codes]
    keep = m >= 2
    items, ann, labels = item_codes[keep], annotator_codes[keep], label_codes[keep]
    others = counts[items].astype(np.float64)
    others[np.arange(len(items)), labels] -= 1.0
    others /= (m[keep] - 1.0)[:, None]
    by_annotator = sparse.csr_matrix(
        (np.ones(len(ann)), (ann.astype(np.int64), np.arange(len(ann)))), shape=(n_annotators, len(ann)))
    expected = np.asarray(by_annotator @ others)
    used = counts_from_codes(ann, labels, n_annotators, n_cat)
    return expected, used


def annotator_others_share(aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray]:
    """``(expected, used)`` annotator × category tables of :func:`others_share_from_codes` (cached)."""
    _require_annotators(aset, "Comparing annotators with the others")
    return _cached(aset, "annotator_others_share", lambda: others_share_from_codes(
        aset.item_codes, aset.annotator_codes, aset.label_codes, item_category_counts(aset), aset.n_annotators))
