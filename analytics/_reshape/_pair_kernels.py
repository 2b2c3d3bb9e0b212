"""Class-pair kernels (confusion hotspots, Unknown neighbourhoods, what-if counts) on plain arrays.

Like :mod:`._kernels`, every function works on one partition of whole items; tables are sums over items, and
the example-item selection (:func:`top_items`) merges across partitions by the same rule it applies within one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._lazy import sparse


# -- class-pair kernels (confusion hotspots) ----------------------------------------------------------
def ranked_class_pairs(coincidence: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Class pairs ``a < b`` with pairable disagreements :math:`o_{ab} + o_{ba} > 0`, most disagreements first.

    Returns ``(a, b, disagreements)`` (stable order on ties: category order). Used by the gold coverage
    and the confusion hotspots, which re-rank the same pairs by their own score.
    """
    o = np.asarray(coincidence, dtype=np.float64)
    a_idx, b_idx = np.triu_indices(o.shape[0], k=1)
    d = o[a_idx, b_idx] + o[b_idx, a_idx]
    order = np.argsort(-d, kind="stable")
    order = order[d[order] > 0]
    return a_idx[order], b_idx[order], d[order]


def co_use_from_counts(counts: "np.ndarray | sparse.spmatrix") -> np.ndarray:
    """``U[c, k]``: items on which category *c* and category *k* were both used (diagonal: items using *c*).

    A sum over items of the outer product of each item's "category used" indicator (int64, C × C).
    """
    used = sparse.csr_matrix(counts, copy=True)
    used.sum_duplicates()
    used.eliminate_zeros()
    used = sparse.csr_matrix((np.ones(used.nnz, dtype=np.int64), used.indices, used.indptr), shape=used.shape)
    return np.asarray((used.T @ used).todense(), dtype=np.int64)


def rating_pairs_from_counts(counts: "np.ndarray | sparse.spmatrix") -> np.ndarray:
    r"""``R[c, k]``: pairs of ratings of the same item, one *c* and the other *k* (:math:`\sum_u n_{uc} n_{uk}`, c ≠ k).

    The unweighted count behind a pair's disagreement: an item whose *m* ratings split *j* vs *m − j* on
    *a*/*b* adds :math:`j(m - j)` (two raters 1–1: 1; three raters 2–1: 2). Integer (int64, C × C, zero
    diagonal); a sum over items.
    """
    n = sparse.csr_matrix(counts, dtype=np.int64)
    out = np.asarray((n.T @ n).todense(), dtype=np.int64)
    np.fill_diagonal(out, 0)
    return out


def column_major(counts: "np.ndarray | sparse.spmatrix") -> "np.ndarray | sparse.csc_matrix":
    """Counts in a layout whose columns are cheap to read: CSC for a sparse input, the array itself otherwise."""
    return sparse.csc_matrix(counts) if sparse.issparse(counts) else np.asarray(counts)


def count_column(counts: "np.ndarray | sparse.spmatrix", c: int) -> np.ndarray:
    """Column *c* of item × category counts as a dense 1-D array (a view of a dense input).

    Reading many columns of a sparse table: convert it once with :func:`column_major` (CSC columns are
    slices of its arrays; CSR columns need a search per call).
    """
    if sparse.issparse(counts):
        if not sparse.isspmatrix_csc(counts):
            return np.asarray(counts[:, [c]].todense()).ravel()
        out = np.zeros(counts.shape[0], dtype=counts.dtype)
        lo, hi = counts.indptr[c], counts.indptr[c + 1]
        out[counts.indices[lo:hi]] = counts.data[lo:hi]
        return out
    return np.asarray(counts)[:, c]


def pair_disagreement(col_a: np.ndarray, col_b: np.ndarray, ratings: np.ndarray) -> float:
    r""":math:`o_{ab} + o_{ba} = 2\sum_u n_{ua} n_{ub} / (m_u - 1)` from two count columns and the ratings per item."""
    m = np.asarray(ratings, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(m >= 2, col_a * col_b / (m - 1.0), 0.0)
    return float(2.0 * w.sum())


def pair_item_weights(counts: "np.ndarray | sparse.spmatrix", a: int, b: int,
                      ratings: np.ndarray | None = None) -> np.ndarray:
    r"""Each item's share of the pair's coincidences: :math:`n_{ua} n_{ub} / (m_u - 1)` (0 unless split on a/b).

    Twice its sum is :math:`o_{ab} + o_{ba}`; the largest values are the most evenly split items.
    ``ratings`` (:math:`m_u`, the row sums) may be passed to save recomputing them.
    """
    m = np.asarray(counts.sum(axis=1) if ratings is None else ratings, dtype=np.float64).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (count_column(counts, a) * count_column(counts, b)) / (m - 1.0)
    return np.where(m >= 2, w, 0.0)


def pair_swaps_from_codes(
    item_codes: np.ndarray, annotator_codes: np.ndarray, label_codes: np.ndarray,
    counts: "np.ndarray | sparse.spmatrix", pairs: np.ndarray, n_annotators: int,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Per annotator and class pair: how often the annotator took one side of the pair against the others.

    For annotation *k* (annotator *x*, item *u*, label :math:`l \in \{a, b\}`) let
    :math:`c_a = n_{ua} - [l = a]` and :math:`c_b = n_{ub} - [l = b]` be the *other* ratings of the item
    in *a* and *b*. The annotation is a **trial** of the pair when :math:`c_a + c_b > 0` and a **swap**
    when the others lean strictly to the other side (:math:`l = a` and :math:`c_b > c_a`, or vice versa).
    With three raters split 2–1 only the lone rater swaps; with two raters split 1–1 both do (two raters
    cannot tell who confused the classes). Returns ``(swaps, trials)``, both ``len(pairs) × n_annotators``
    int64; sums over partitions of items (each with its own counts) add up.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    counts = column_major(counts)
    swaps = np.zeros((len(pairs), n_annotators), dtype=np.int64)
    trials = np.zeros((len(pairs), n_annotators), dtype=np.int64)
    if not len(pairs):
        return swaps, trials
    # the annotations grouped by label once (a counting sort), then per pair only the two classes' annotations:
    # an annotation of class l on item u is a trial of (l, m) when c_l + n_um > 0 and a swap when n_um > c_l,
    # with c_l = n_ul - 1 the item's other ratings of l; a swap is always a trial
    used = np.unique(pairs)
    small = label_codes.astype(np.int16) if used.max() < 2 ** 15 - 1 and label_codes.max(initial=0) < 2 ** 15 - 1 \
        else label_codes
    order = np.argsort(small, kind="stable")
    sorted_labels = small[order]
    bounds = np.searchsorted(sorted_labels, np.stack([used, used + 1]))
    keep = np.concatenate([order[lo:hi] for lo, hi in zip(bounds[0], bounds[1])])  # the annotations of used classes
    starts = np.concatenate([[0], np.cumsum(bounds[1] - bounds[0])])
    items, keys = item_codes[keep], annotator_codes[keep] * 3
    # the used classes' columns, contiguous (a column of a row-major table is a strided gather)
    columns = {c: np.ascontiguousarray(count_column(counts, c)) for c in used.tolist()}
    side = {}
    for j, c in enumerate(used.tolist()):
        part = slice(starts[j], starts[j + 1])
        side[c] = items[part], keys[part], columns[c][items[part]] - 1
    for p, (a, b) in enumerate(pairs.tolist()):
        tally = np.zeros(3 * n_annotators, dtype=np.int64)
        for own, other in ((a, b), (b, a)):
            on, key, c_own = side[own]
            c_other = columns[other][on]
            # key + 1 for a trial, + 2 for a swap: tally[3x + 1] + tally[3x + 2] trials, tally[3x + 2] swaps
            tally += np.bincount(key + ((c_own + c_other) > 0) + (c_other > c_own), minlength=3 * n_annotators)
        tally = tally.reshape(n_annotators, 3)
        trials[p], swaps[p] = tally[:, 1] + tally[:, 2], tally[:, 2]
    return swaps, trials


def pair_swap_flags(item_codes: np.ndarray, label_codes: np.ndarray, counts: "np.ndarray | sparse.spmatrix",
                    a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per annotation of class *a* or *b*: ``(positions, trial, swap, other_side)`` (see :func:`pair_swaps_from_codes`).

    ``positions`` index the annotations labelled *a* or *b*; ``other_side`` is the class code the item's
    other ratings lean to on a swap (the label the annotation would have to agree with them).
    """
    sel = np.flatnonzero((label_codes == a) | (label_codes == b))
    items, is_a = item_codes[sel], label_codes[sel] == a
    ca = count_column(counts, a)[items] - is_a
    cb = count_column(counts, b)[items] - ~is_a
    own, other = np.where(is_a, ca, cb), np.where(is_a, cb, ca)
    return sel, (ca + cb) > 0, other > own, np.where(is_a, b, a).astype(np.int64)


def pair_gold_from_counts(counts: "np.ndarray | sparse.spmatrix", gold_codes: np.ndarray,
                          pairs: np.ndarray) -> np.ndarray:
    """Gold labels of each pair's disputed items (both classes used), ``P × 4`` counts.

    Columns: gold = *a*, gold = *b*, gold = another class, and gold = the pair's side with strictly more
    ratings on the item (the majority of the pair is right). ``gold_codes`` per item (-1 = no gold).
    Sums over partitions of items add up.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    counts = column_major(counts)
    out = np.zeros((len(pairs), 4), dtype=np.int64)
    has = np.asarray(gold_codes) >= 0
    for p, (a, b) in enumerate(pairs):
        na, nb = count_column(counts, a), count_column(counts, b)
        disputed = has & (na > 0) & (nb > 0)
        g, na, nb = gold_codes[disputed], na[disputed], nb[disputed]
        majority = ((g == a) & (na > nb)) | ((g == b) & (nb > na))
        out[p] = [(g == a).sum(), (g == b).sum(), ((g != a) & (g != b)).sum(), majority.sum()]
    return out


def merge_count_columns(counts: "np.ndarray | sparse.spmatrix", groups: np.ndarray,
                        n_groups: int) -> "np.ndarray | sparse.csr_matrix":
    """Item × category counts with categories summed into groups (``groups[c]`` = new code of category *c*).

    The counts a relabelling (merge, roll-up to a taxonomy level) would produce, without re-reading the
    annotations. Dense in, dense out; sparse in, CSR out. Rows are unchanged, so partitions still add up.
    """
    groups = np.asarray(groups, dtype=np.int64)
    m = sparse.csr_matrix((np.ones(len(groups), dtype=np.int64), (np.arange(len(groups)), groups)),
                          shape=(len(groups), n_groups))
    if sparse.issparse(counts):
        out = sparse.csr_matrix(sparse.csr_matrix(counts) @ m.astype(counts.dtype))
        out.sum_duplicates()
        return out
    return np.asarray(counts @ m.toarray().astype(np.asarray(counts).dtype))


def class_item_weights(counts: "np.ndarray | sparse.spmatrix", c: int, ratings: np.ndarray) -> np.ndarray:
    r"""How evenly each item is split on category *c*: :math:`n_{uc}(m_u - n_{uc})/(m_u - 1)` (0 unless split).

    The largest values are a class's borderline items (half the raters chose it). ``ratings`` are :math:`m_u`.
    """
    m = np.asarray(ratings, dtype=np.float64)
    nc = count_column(counts, c)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m >= 2, nc * (m - nc) / (m - 1.0), 0.0)


def unknown_neighbourhood_from_counts(counts: "np.ndarray | sparse.spmatrix", u: int) -> np.ndarray:
    """Where the Unknown class *u* is used, per consensus class: a ``5 × C`` table (float64, integer values).

    Each item's consensus is the plurality of its ratings other than *u* (no consensus on a tie or without
    such ratings). Rows: items per consensus class, their ratings, their ratings of *u*, the ratings of each
    class on items where someone said *u* (column *u* is 0), and the items on which each class was used.
    Sums over partitions of items add up.
    """
    n = counts.toarray() if sparse.issparse(counts) else np.asarray(counts)
    q = n.shape[1]
    known = n.copy()
    known[:, u] = 0
    top = known.max(axis=1) if len(n) else np.zeros(0, dtype=n.dtype)
    tied = (known == top[:, None]).sum(axis=1) > 1
    consensus = np.where((top > 0) & ~tied, known.argmax(axis=1) if len(n) else 0, -1)
    has = consensus >= 0
    c = consensus[has]
    return np.vstack([
        np.bincount(c, minlength=q),
        np.bincount(c, weights=n.sum(axis=1)[has], minlength=q),
        np.bincount(c, weights=n[has, u], minlength=q),
        known[n[:, u] > 0].sum(axis=0),
        (n > 0).sum(axis=0),
    ]).astype(np.float64)


def shift_counts(counts, items: np.ndarray, old: np.ndarray, new: np.ndarray):
    """Counts with one rating of each ``items[k]`` moved from category ``old[k]`` to ``new[k]`` (dense or sparse)."""
    n, c = counts.shape
    delta = sparse.csr_matrix((np.concatenate([-np.ones(len(items)), np.ones(len(items))]),
                               (np.concatenate([items, items]), np.concatenate([old, new]))), shape=(n, c))
    if sparse.issparse(counts):
        out = sparse.csr_matrix(counts + delta.astype(counts.dtype))
        out.eliminate_zeros()
        return out
    return counts + delta.toarray().astype(counts.dtype)


def first_per_item(item_codes: np.ndarray, values: np.ndarray, n_items: int) -> np.ndarray:
    """Each item's value on its first annotation (object array; None for items without an annotation)."""
    out = np.full(n_items, None, dtype=object)
    items, first = np.unique(np.asarray(item_codes), return_index=True)
    out[items] = np.asarray(values, dtype=object)[first]
    return out


def top_items(weights: np.ndarray, ids: np.ndarray, k: int, numeric: bool,
              images: np.ndarray | None = None, *,
              in_id_order: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The ``k`` items of largest positive weight: ``(weights, ids, images)``, best first.

    Ties go to the item that comes first in item order (:func:`analytics._schema.id_order`: numerically when all
    the set's ids are integers — ``numeric`` — else as text), which is the item code order of an in-memory set.
    A total order, so the best ``k`` of the union of each partition's best ``k`` are the best ``k`` overall.
    ``in_id_order``: ``ids`` are already in that order (an in-memory set's items), so ties go by position and no id
    is converted or sorted.
    """
    from .._schema import id_order

    weights = np.asarray(weights, dtype=np.float64)
    keep = np.flatnonzero(weights > 0)
    if 0 < k < len(keep):  # only items at least as heavy as the k-th heaviest can be among the best k
        kth = -np.partition(-weights[keep], k - 1)[k - 1]
        keep = keep[weights[keep] >= kth]
    ids = np.asarray(ids, dtype=object)[keep]
    if in_id_order:  # keep is ascending: its positions are the ids' order
        rank = np.arange(len(keep), dtype=np.int64)
    else:
        rank = np.empty(len(keep), dtype=np.int64)
        rank[id_order(pd.Index(ids.astype(str), dtype=object), numeric)] = np.arange(len(keep))
    sel = np.lexsort((rank, -weights[keep]))[:k]
    best = keep[sel]
    return weights[best], ids[sel], None if images is None else np.asarray(images, dtype=object)[best]
