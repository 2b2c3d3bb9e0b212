r"""Per-row sums over the pairs of a sparse row's entries: :math:`S_i = \sum_{j<k} v_{ij} v_{ik} G[c_{ij}, c_{ik}]`.

Light's kappa's delta-method and jackknife standard errors need, per item, a sum over the annotator pairs that
labelled it (:func:`analytics.agreement.cohen._pair_sums_per_item`). When few annotators share an item (many
annotators, a handful each), that sum is the quadratic form :math:`\tfrac12 x_i^\top G x_i` of the item's
(annotator, category) one-hot row :math:`x_i` with a symmetric :math:`G` whose same-annotator blocks are zero.
Computed as a sparse × dense product it costs :math:`r_i \cdot A C` per item (every column of :math:`G`); read
directly it is :math:`r_i (r_i - 1) / 2` gathers of :math:`G` — with 5 ratings among 50 annotators in 10 classes,
10 gathers instead of 2,500 products per item. Items are grouped by their number of entries, so each group is a
rectangular table of column codes and the gathers are vectorized.

The terms are the same products as the quadratic form's (the diagonal :math:`j = k` terms are zero because the
same-annotator blocks of :math:`G` are), added in another order: equal to about 1e-15 relative.
"""

from __future__ import annotations

import numpy as np

from .._lazy import sparse

__all__ = ["row_pair_sums"]

#: Gathered values held at once (per block of rows of one entry count).
_MAX_GATHERED = 1 << 22


def row_pair_sums(x: "sparse.csr_matrix", g: np.ndarray) -> np.ndarray:
    r""":math:`\sum_{j<k} v_{ij} v_{ik}\, G[c_{ij}, c_{ik}]` for every row *i* of ``x``.

    Parameters
    ----------
    x : scipy.sparse.csr_matrix
        ``n × D``; row *i* holds entries :math:`(c_{ij}, v_{ij})` (no repeated column within a row).
    g : numpy.ndarray
        ``(D, D)`` symmetric, or ``(D, D, m)`` for *m* such sums at once.

    Returns
    -------
    numpy.ndarray
        ``(n,)``, or ``(n, m)`` when ``g`` has three dimensions.
    """
    x = sparse.csr_matrix(x)
    extra = g.shape[2:]
    n, d = x.shape
    out = np.zeros((n,) + extra)
    flat = np.ascontiguousarray(g).reshape((d * d,) + extra)  # G[c, k] at c·D + k
    counts = np.diff(x.indptr)
    ones = bool((x.data == 1).all())  # one-hot rows: every weight is 1
    data = x.data.astype(np.float64, copy=False)
    per_term = int(np.prod(extra, dtype=np.int64)) if extra else 1
    for r in np.unique(counts):
        r = int(r)
        if r < 2:
            continue  # a row with one entry has no pair
        rows = np.flatnonzero(counts == r)
        first, second = np.triu_indices(r, 1)
        step = max(1, _MAX_GATHERED // (len(first) * per_term))
        for start in range(0, len(rows), step):
            block = rows[start:start + step]
            at = x.indptr[block][:, None] + np.arange(r)
            cols = x.indices[at].astype(np.int64)
            terms = flat.take(cols[:, first] * d + cols[:, second], axis=0)  # (rows, pairs[, m])
            if ones:
                out[block] = terms.sum(axis=1)
            else:
                values = data[at]
                out[block] = np.einsum("rp...,rp->r...", terms, values[:, first] * values[:, second])
    return out
