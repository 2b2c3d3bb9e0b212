r"""Per-category ("c" vs "not c") kappas from one histogram of the item × category counts.

Every per-item quantity of the per-category kappas of :mod:`._core` (:func:`~._core.binary_features` and the
item-level terms of :func:`~._core.binary_squared_deviations`) depends on an item only through its number
of ratings :math:`r_i` and the count :math:`x = n_{ic}` of the category. So the sums over items are sums
over the cells of the histogram

.. math:: H[c, r, x] = \#\{i : r_i = r,\ n_{ic} = x\},

weighted by the multiplicity of each cell: the same terms as the item-by-item passes, added in another order
(equal to about 1e-15). Building :math:`H` is one ``bincount`` over the count table; the point estimates and
Gwet's linearized variances then cost :math:`O(C R^2)` for at most :math:`R` ratings per item, instead of two
passes over the items.

References
----------
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
378–382. https://doi.org/10.1037/h0031619

Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics. ISBN 978-0970806284.
"""

from __future__ import annotations

import numpy as np

from .._lazy import sparse

__all__ = ["MAX_HISTOGRAM_CELLS", "binary_histogram", "histogram_sums", "histogram_squares"]

#: Largest histogram (C·(R+1)² cells) built; beyond it (items with very many ratings) the item passes are used.
MAX_HISTOGRAM_CELLS = 1 << 22


def binary_histogram(counts: "sparse.spmatrix | np.ndarray", ratings: np.ndarray | None = None) -> np.ndarray | None:
    r""":math:`H[c, r, x]`: items with :math:`r` ratings that put :math:`x` of them in category :math:`c`.

    ``ratings`` overrides :math:`r_i` (the row sums), as in :func:`~._core.binary_features`. Items without a
    rating are left out. Returns an int64 array of shape ``(C, R + 1, R + 1)``, or None when it would have
    more than :data:`MAX_HISTOGRAM_CELLS` cells.
    """
    n_items, q = counts.shape
    if sparse.issparse(counts):
        counts = sparse.csr_matrix(counts)
        counts.sum_duplicates()
        r = (np.asarray(counts.sum(axis=1)).ravel() if ratings is None else np.asarray(ratings)).astype(np.int64)
    else:
        counts = np.asarray(counts, dtype=np.int64)
        r = (np.einsum("ic->i", counts) if ratings is None else np.asarray(ratings)).astype(np.int64, copy=False)
    top = int(r.max()) if n_items else 0
    side = top + 1
    if q * side * side > MAX_HISTOGRAM_CELLS or (len(r) and r.min() < 0):
        return None
    per_rating = np.bincount(r, minlength=side)  # items per number of ratings
    if sparse.issparse(counts):
        rows = np.repeat(np.arange(n_items), np.diff(counts.indptr))
        keys = (counts.indices.astype(np.int64) * side + r[rows]) * side + counts.data.astype(np.int64)
        h = np.bincount(keys, minlength=q * side * side).reshape(q, side, side)
        h[:, :, 0] += per_rating[None, :] - h.sum(axis=2)  # the zero cells a sparse table does not store
    else:
        h = _dense_histogram(counts, r, q, side)
    h[:, 0, :] = 0  # items without a rating do not count
    return h


#: Rows of the count table turned into histogram keys at a time (a buffer that stays in the CPU cache).
_BLOCK_ROWS = 1 << 14


#: Most ratings per item for which an equal-raters table is counted value by value (:func:`_equal_raters_histogram`).
_MAX_COUNTED_RATINGS = 12


def _dense_histogram(counts: np.ndarray, r: np.ndarray, q: int, side: int) -> np.ndarray:
    """The histogram of a dense table, block by block: key ``(c·side + r_i)·side + n_ic`` of every cell into one
    reused buffer, then ``bincount`` (no table-sized temporary array)."""
    equal = len(r) and r.min() == r.max()
    if equal and side - 1 <= _MAX_COUNTED_RATINGS:
        return _equal_raters_histogram(counts, int(r[0]), q, side)
    offsets = np.arange(q, dtype=np.int64) * (side * side)
    if equal:
        offsets = offsets + int(r[0]) * side
    h = np.zeros(q * side * side, dtype=np.int64)
    buffer = np.empty((min(_BLOCK_ROWS, len(r)), q), dtype=np.int64)
    for start in range(0, len(r), _BLOCK_ROWS):
        block = counts[start:start + _BLOCK_ROWS]
        keys = buffer[:len(block)]
        np.add(block, offsets, out=keys)
        if not equal:
            keys += (r[start:start + _BLOCK_ROWS] * side)[:, None]
        h += np.bincount(keys.ravel(), minlength=q * side * side)
    return h.reshape(q, side, side)


def _equal_raters_histogram(counts: np.ndarray, m: int, q: int, side: int) -> np.ndarray:
    """The histogram when every item has the same :math:`m \\le` :data:`_MAX_COUNTED_RATINGS` ratings: the table as one
    byte per cell, category by category, and :math:`H[c, m, x]` for :math:`x = 1..m` by counting the bytes equal
    to *x* (``count_nonzero``, no index array); :math:`H[c, m, 0]` is what is left of the *N* items. About 3× faster
    than the ``bincount`` of keys at 200,000 items × 10 categories, with the same integers."""
    h = np.zeros((q, side, side), dtype=np.int64)
    by_category = counts.astype(np.uint8).T.copy()  # counts are at most m <= 12, so a byte holds them exactly
    for c, column in enumerate(by_category):
        for x in range(1, m + 1):
            h[c, m, x] = np.count_nonzero(column == x)
    h[:, m, 0] = counts.shape[0] - h[:, m, 1:].sum(axis=1)
    return h


def _grid(side: int) -> tuple[np.ndarray, np.ndarray]:
    r, x = np.meshgrid(np.arange(side, dtype=np.float64), np.arange(side, dtype=np.float64), indexing="ij")
    return r, x


def histogram_sums(h: np.ndarray) -> np.ndarray:
    """The summed :func:`~._core.binary_features` (``[n'', n, Σ d_i1 … Σ d_iC, Σ n_i1/r_i … Σ n_iC/r_i]``)."""
    side = h.shape[1]
    r, x = _grid(side)
    per_rating = h[0].sum(axis=1)
    two = r >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(two, 2.0 * x * (r - x) / np.where(two, r * (r - 1.0), 1.0), 0.0)
        share = np.where(r > 0, x / np.where(r > 0, r, 1.0), 0.0)
    hf = h.astype(np.float64)
    n2 = float(per_rating[2:].sum())
    n = float(per_rating[1:].sum())
    return np.concatenate([[n2, n], np.einsum("crx,rx->c", hf, d), np.einsum("crx,rx->c", hf, share)])


def histogram_squares(h: np.ndarray, point: dict[str, np.ndarray]) -> np.ndarray:
    r""":math:`\sum_i (\kappa^\star_{ic} - \kappa_c)^2` per category (:func:`~._core.binary_squared_deviations`)."""
    kappa, pe, pi = point["kappa"], point["expected"], point["prevalence"]
    n_items, n2 = point["n_rated"], point["n_items"]
    side = h.shape[1]
    r, x = _grid(side)
    rr, xx = r[None], x[None]
    t = rr >= 2
    y = rr - xx
    with np.errstate(divide="ignore", invalid="ignore"):
        pa_i = np.where(t, (xx * (xx - 1.0) + y * (y - 1.0)) / np.where(t, rr * (rr - 1.0), 1.0), 0.0)
        pe_c, pi_c, kappa_c = pe[:, None, None], pi[:, None, None], kappa[:, None, None]
        k_i = (n_items / max(n2, 1)) * (pa_i - pe_c * t) / (1.0 - pe_c)
        pe_i = (xx * pi_c + y * (1.0 - pi_c)) / np.where(rr > 0, rr, 1.0)
        k_star = k_i - 2.0 * (1.0 - kappa_c) * (pe_i - pe_c) / (1.0 - pe_c)
        terms = np.where(h > 0, (k_star - kappa_c) ** 2, 0.0)
    return (terms * h).sum(axis=(1, 2))
