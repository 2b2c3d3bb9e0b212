r"""Agreement formulas on sufficient statistics — pure functions of arrays, no AnnotationSet.

Three families, each vectorized:

* **Count-based multi-rater coefficients** (Fleiss' kappa, Gwet's AC1/AC2, Brennan–Prediger, percent
  agreement, Scott's pi for many raters) from the item × category counts ``n[i, c]`` (a CSR matrix).
  Every one of them has the form :math:`(p_a - p_e)/(1 - p_e)` with

  .. math:: p_a = \frac{1}{n'} \sum_{i: r_i \ge 2} \sum_c \frac{n_{ic}(n^\star_{ic} - 1)}{r_i (r_i - 1)},
            \qquad \pi_c = \frac{1}{n} \sum_i \frac{n_{ic}}{r_i}, \qquad n^\star_{ic} = \sum_l w_{cl} n_{il},

  where :math:`r_i` is the number of ratings of item *i*, :math:`n'` the number of items with at least two
  ratings and :math:`w` the agreement weights. Their variance is Gwet's linearization (Gwet 2008, 2014):
  :math:`v = \frac{1}{n(n-1)}\sum_i (\kappa^\star_i - \kappa)^2` with the item-level terms of
  :func:`count_based`. With equal raters per item and identity weights, Fleiss' :math:`p_a`, :math:`\pi`
  and kappa are exactly those of Fleiss (1971).
* **Pairwise coefficients** (Cohen's kappa, Scott's pi) from contingency tables ``T[..., c, k]``,
  vectorized over any leading axes (all annotator pairs, bootstrap replicates).
* **Krippendorff's alpha** from the coincidence matrix and a difference function δ² (:mod:`._alpha`).

References
----------
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, 76(5),
378–382. https://doi.org/10.1037/h0031619

Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and weighted
kappa. Psychological Bulletin, 72(5), 323–327. https://doi.org/10.1037/h0028106

Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of high agreement.
British Journal of Mathematical and Statistical Psychology, 61(1), 29–48.
https://doi.org/10.1348/000711006X126600

Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics. ISBN 978-0970806284.

Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator, Literal

import numpy as np

from .._lazy import sparse
from ._products import rows_dot, weighted_column_sums

__all__ = [
    "CountKind",
    "Coefficient",
    "weight_matrix",
    "row_quadratic",
    "row_blocks",
    "CountParts",
    "count_parts",
    "count_based",
    "count_point",
    "count_squared_deviations",
    "count_standard_error",
    "count_based_from_sums",
    "count_based_terms",
    "pairwise_from_tables",
    "binary_features",
    "binary_from_sums",
    "binary_point",
    "binary_squared_deviations",
    "binary_finish",
    "binary_fleiss_by_category",
]

CountKind = Literal["fleiss", "gwet", "brennan_prediger", "percent"]
PairKind = Literal["cohen", "scott"]
_EPS = 1e-12
NAN = float("nan")


@dataclass(frozen=True)
class Coefficient:
    """A coefficient computed from tables, before it becomes a public result."""

    value: float
    standard_error: float
    observed: float
    expected: float
    n_items: int
    reason: str | None = None
    standard_error_h0: float = NAN
    #: The ratio-linearized (sandwich) standard error the score interval uses; equals ``standard_error`` when
    #: every item has two or more ratings (see :func:`count_item_terms`).
    standard_error_ratio: float = NAN


def _undefined(reason: str, n_items: int = 0) -> Coefficient:
    return Coefficient(NAN, NAN, NAN, NAN, n_items, reason)


def weight_matrix(n_categories: int, weights: Literal["linear", "quadratic"] | None) -> np.ndarray:
    r"""Agreement weights over category positions: identity, :math:`1 - |c-k|/(q-1)` or :math:`1 - (c-k)^2/(q-1)^2`."""
    q = int(n_categories)
    if weights is None or q < 2:
        return np.eye(max(q, 1))
    d = np.abs(np.subtract.outer(np.arange(q), np.arange(q))) / (q - 1.0)
    return 1.0 - (d if weights == "linear" else d ** 2)


def _is_identity(w: np.ndarray) -> bool:
    return bool(np.array_equal(w, np.eye(len(w))))


def row_blocks(n_rows: int, n_cols: int, *, max_cells: int = 1 << 22) -> Iterator[slice]:
    """Row slices whose dense blocks hold at most ``max_cells`` values (bounded memory on any size)."""
    step = max(1, max_cells // max(n_cols, 1))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def row_quadratic(counts: sparse.csr_matrix, w: np.ndarray) -> np.ndarray:
    r""":math:`\sum_{c,l} n_{ic} w_{cl} n_{il}` for every row *i* (chunked for non-identity weights)."""
    if _is_identity(w):
        return np.asarray(counts.multiply(counts).sum(axis=1), dtype=np.float64).ravel()
    out = np.empty(counts.shape[0])
    for rows in row_blocks(*counts.shape):
        block = counts[rows]
        out[rows] = np.asarray(block.multiply(block @ w).sum(axis=1)).ravel()
    return out


def _as_float_csr(counts: "sparse.spmatrix | np.ndarray") -> sparse.csr_matrix:
    out = sparse.csr_matrix(counts, dtype=np.float64)
    out.sum_duplicates()
    return out


@dataclass(frozen=True)
class CountParts:
    """Per-item quantities shared by the count-based coefficients (for items with a rating).

    ``counts`` the item × category counts as floats (dense or CSR, as given), ``r`` ratings per item,
    ``two`` = ``r ≥ 2``, ``pa_i`` the item's (weighted) observed agreement (0 when ``r < 2``) and
    ``share_totals`` the column sums of the rating shares :math:`n_{ic}/r_i`.
    """

    counts: "sparse.csr_matrix | np.ndarray"
    r: np.ndarray
    two: np.ndarray
    pa_i: np.ndarray
    share_totals: np.ndarray

    def share_dot(self, vector: np.ndarray) -> np.ndarray:
        r""":math:`\sum_c (n_{ic}/r_i)\,v_c` for every item (without forming the shares)."""
        return rows_dot(self.counts, vector) / self.r

    def sums(self) -> np.ndarray:
        """Column sums of :meth:`features`, without building it."""
        return np.concatenate([[self.pa_i.sum(), float(self.two.sum()), float(len(self.r))], self.share_totals])

    def features(self) -> sparse.csr_matrix:
        r"""Per-item additive features ``[p_a|i · 1(r_i ≥ 2), 1(r_i ≥ 2), 1, n_i1/r_i, …, n_iC/r_i]``.

        Summing the rows (or any resampled, weighted set of rows) gives everything
        :func:`count_based_from_sums` needs, which is how the bootstrap resamples items.
        """
        share = sparse.diags(1.0 / self.r) @ sparse.csr_matrix(self.counts)
        head = sparse.csr_matrix(np.column_stack([self.pa_i, self.two.astype(np.float64), np.ones(len(self.r))]))
        return sparse.hstack([head, share], format="csr")


def count_parts(counts: "sparse.spmatrix | np.ndarray", w: np.ndarray) -> CountParts:
    """:class:`CountParts` of item × category counts under agreement weights ``w``.

    A dense array is handled with ``einsum`` loops (one thread: :mod:`._products`); a sparse matrix on its CSR
    arrays with ``bincount`` (linear in the number of non-zero cells).
    """
    if not sparse.issparse(counts):
        n = np.asarray(counts, dtype=np.float64)
        r = np.einsum("ic->i", n)
        if not (r > 0).all():
            n, r = n[r > 0], r[r > 0]
        wn = n if _is_identity(w) else np.einsum("ic,cl->il", n, w)
        quad = np.einsum("ic,ic->i", wn, n)
        totals = weighted_column_sums(1.0 / r, n)
    else:
        n = _as_float_csr(counts)
        rows = np.repeat(np.arange(n.shape[0]), np.diff(n.indptr))
        r = np.bincount(rows, weights=n.data, minlength=n.shape[0])
        if not (r > 0).all():
            n = n[r > 0]
            rows = np.repeat(np.arange(n.shape[0]), np.diff(n.indptr))
            r = r[r > 0]
        quad = np.bincount(rows, weights=n.data ** 2, minlength=len(r)) if _is_identity(w) else row_quadratic(n, w)
        totals = np.bincount(n.indices, weights=n.data / r[rows], minlength=n.shape[1])
    two = r >= 2
    pa_i = np.zeros(len(r))
    pa_i[two] = (quad[two] - r[two]) / (r[two] * (r[two] - 1.0))
    return CountParts(counts=n, r=r, two=two, pa_i=pa_i, share_totals=totals)


def _expected(kind: CountKind, pi: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Chance agreement from class proportions ``pi`` (… × C), vectorized over leading axes."""
    q = w.shape[0]
    if kind == "fleiss":
        return np.einsum("...c,cl,...l->...", pi, w, pi)
    if kind == "gwet":
        return w.sum() * (pi * (1.0 - pi)).sum(axis=-1) / (q * (q - 1.0))
    if kind == "brennan_prediger":
        return np.full(pi.shape[:-1], w.sum() / q ** 2)
    return np.zeros(pi.shape[:-1])


def count_based_from_sums(kind: CountKind, sums: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Coefficient values from summed :meth:`CountParts.features` (``… × (3 + C)``), vectorized."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = sums[..., 0] / sums[..., 1]
        pi = sums[..., 3:] / sums[..., 2:3]
        pe = _expected(kind, pi, w)
        value = (pa - pe) / (1.0 - pe)
    return np.where((sums[..., 1] > 0) & (1.0 - pe > _EPS), value, np.nan)


def count_point(kind: CountKind, sums: np.ndarray, w: np.ndarray) -> Coefficient:
    """The coefficient from summed :meth:`CountParts.features` (first pass); its standard error is NaN.

    Undefined cases (one declared category for AC1/Brennan–Prediger, no item with two ratings, chance
    agreement 1) come back with a reason.
    """
    q = w.shape[0]
    if kind in ("gwet", "brennan_prediger") and q < 2:
        return _undefined("only one category is declared, so chance agreement cannot be corrected for")
    n2 = int(sums[1])
    if n2 == 0:
        return _undefined("no item has two or more ratings, so there is no agreement to measure")
    pa = sums[0] / sums[1]
    pi = sums[3:] / sums[2]
    pe = float(_expected(kind, pi, w))
    if 1.0 - pe <= _EPS:
        return Coefficient(NAN, NAN, float(pa), pe, n2,
                           "only one category was used, so agreement expected by chance is 1 and the "
                           "chance-corrected coefficient is 0/0 (raw agreement is reported as observed_agreement)")
    return Coefficient(float((pa - pe) / (1.0 - pe)), NAN, float(pa), pe, n2)


def count_item_terms(kind: CountKind, parts: CountParts, w: np.ndarray, value: float, pe: float,
                     pi: np.ndarray, n: int, n2: int, *, ratio: bool = False) -> np.ndarray:
    r"""The item-level linearized terms :math:`\kappa^\star_i` of the items of ``parts`` (see :func:`count_based`).

    ``value``, ``pe``, ``pi``, ``n`` (items with a rating) and ``n2`` (items with two or more) are the
    whole set's, from :func:`count_point`.

    ``ratio=True`` gives the linearization of :math:`p_a` as the ratio estimator it is (the mean agreement over
    the :math:`n'` items with two or more ratings): Gwet's terms minus :math:`\kappa\,(\frac{n}{n'}1(r_i \ge 2)
    - 1)`. Gwet's form (irrCAC's) also counts the chance that an item has a second rating as variance, which
    inflates the standard error with missing ratings (percent agreement covers 99 % instead of 95 % in the
    coverage study); without missing ratings the two are equal.
    """
    q = w.shape[0]
    k_i = (n / n2) * (parts.pa_i - pe * parts.two) / (1.0 - pe)
    if kind == "fleiss":
        pe_i = parts.share_dot((w + w.T) @ pi / 2.0)
    elif kind == "gwet":
        pe_i = w.sum() / (q * (q - 1.0)) * parts.share_dot(1.0 - pi)
    else:
        pe_i = None
    if pe_i is not None:
        k_i = k_i - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe)
    if ratio:
        k_i = k_i - value * ((n / n2) * parts.two - 1.0)
    return k_i


def count_squared_deviations(kind: CountKind, parts: CountParts, w: np.ndarray, value: float, pe: float,
                             pi: np.ndarray, n: int, n2: int) -> np.ndarray:
    r"""``[Σ (κ*_i − κ)², Σ (κ*_i,ratio − κ)²]`` over the items of ``parts`` (second pass; additive over items):
    Gwet's and the ratio-linearized terms of :func:`count_item_terms`."""
    gwet = count_item_terms(kind, parts, w, value, pe, pi, n, n2)
    ratio = gwet - value * ((n / n2) * parts.two - 1.0)
    return np.array([((gwet - value) ** 2).sum(), ((ratio - value) ** 2).sum()])


def count_standard_error(squares: float, n: int) -> float:
    """Gwet's linearized standard error from :func:`count_squared_deviations` summed over all items."""
    return float(np.sqrt(squares / (n * (n - 1.0)))) if n > 1 else NAN


def count_based_terms(kind: CountKind, counts: "CountParts | sparse.spmatrix | np.ndarray",
                      w: np.ndarray) -> tuple[Coefficient, np.ndarray | None]:
    r"""A count-based multi-rater coefficient and its per-item linearized terms :math:`\kappa^\star_i`.

    The terms average to the coefficient and their spread is its variance, so the difference of two
    coefficients computed on the *same items* (e.g. before and after merging two classes) has the
    paired standard error :math:`\sqrt{\sum_i (d_i - \bar d)^2 / (n(n-1))}` with
    :math:`d_i = \kappa^{\star\prime}_i - \kappa^\star_i`. Terms are ``None`` when the coefficient is undefined.
    """
    parts = counts if isinstance(counts, CountParts) else count_parts(counts, w)
    sums = parts.sums()
    coef = count_point(kind, sums, w)
    if not np.isfinite(coef.value):
        return coef, None
    n = len(parts.r)
    terms = count_item_terms(kind, parts, w, coef.value, coef.expected, sums[3:] / sums[2], n, coef.n_items)
    se = count_standard_error(float(((terms - coef.value) ** 2).sum()), n)
    ratio = terms - coef.value * ((n / coef.n_items) * parts.two - 1.0)
    return replace(coef, standard_error=se,
                   standard_error_ratio=count_standard_error(float(((ratio - coef.value) ** 2).sum()), n)), terms


def count_based(kind: CountKind, counts: "CountParts | sparse.spmatrix | np.ndarray", w: np.ndarray) -> Coefficient:
    r"""A count-based multi-rater coefficient with Gwet's linearized standard error.

    Item-level terms (Gwet 2014, ch. 5; as in R/Python ``irrCAC``):
    :math:`\kappa_i = \frac{n}{n'}\,\frac{p_{a|i} - p_e 1(r_i \ge 2)}{1 - p_e}` and
    :math:`\kappa^\star_i = \kappa_i - 2(1-\kappa)\frac{p_{e|i} - p_e}{1 - p_e}`, where
    :math:`p_{e|i} = \sum_c \frac{n_{ic}}{r_i}\bar\pi^w_c` (Fleiss; :math:`\bar\pi^w = (W + W^\top)\pi/2`) or
    :math:`\frac{T_w}{q(q-1)}\sum_c \frac{n_{ic}}{r_i}(1-\pi_c)` (AC1/AC2); Brennan–Prediger and percent
    agreement have a fixed :math:`p_e` and no correction term. Two passes over the items: the sums of
    :func:`count_point`, then :func:`count_squared_deviations` (each additive over partitions of items).
    """
    return count_based_terms(kind, counts, w)[0]


def pairwise_from_tables(kind: PairKind, tables: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    r"""Cohen's kappa or Scott's pi of contingency tables ``T[..., c, k]``, vectorized over leading axes.

    Cohen: :math:`p_e = \sum_{ck} w_{ck} p_{c\cdot} p_{\cdot k}`; asymptotic variance of Fleiss, Cohen &
    Everitt (1969)

    .. math:: \widehat{\mathrm{var}}(\hat\kappa) = \frac{\sum_{ck} p_{ck}\,[w_{ck} - (\bar w_{c\cdot} +
              \bar w_{\cdot k})(1-\hat\kappa)]^2 - [\hat\kappa - p_e(1-\hat\kappa)]^2}{n(1-p_e)^2},

    with :math:`\bar w_{c\cdot} = \sum_k w_{ck}p_{\cdot k}` and :math:`\bar w_{\cdot k} = \sum_c w_{ck}p_{c\cdot}`,
    and its null-hypothesis version :math:`\mathrm{var}_0 = [\sum_{ck} p_{c\cdot}p_{\cdot k}(w_{ck} - \bar w_{c\cdot}
    - \bar w_{\cdot k})^2 - p_e^2]/(n(1-p_e)^2)` (the SAS ``ASE`` values). Scott: :math:`\pi_c = (p_{c\cdot} +
    p_{\cdot c})/2`, :math:`p_e = \pi^\top W \pi`, variance of Gwet (2014, sec. 2.4).

    Returns arrays ``value, se, se_h0, observed, expected, n`` with NaN where a table is empty or only
    one category occurs (:math:`p_e = 1`).
    """
    t = np.asarray(tables, dtype=np.float64)
    n = t.sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = t / n[..., None, None]
        row, col = p.sum(axis=-1), p.sum(axis=-2)
        po = (p * w).sum(axis=(-2, -1))
        if kind == "cohen":
            pe = np.einsum("...c,ck,...k->...", row, w, col)
            kappa = (po - pe) / (1.0 - pe)
            wr = np.einsum("ck,...k->...c", w, col)
            wc = np.einsum("...c,ck->...k", row, w)
            dev = w - (wr[..., :, None] + wc[..., None, :]) * (1.0 - kappa)[..., None, None]
            var = ((p * dev ** 2).sum(axis=(-2, -1)) - (kappa - pe * (1.0 - kappa)) ** 2) / (n * (1.0 - pe) ** 2)
            outer = row[..., :, None] * col[..., None, :]
            dev0 = w - (wr[..., :, None] + wc[..., None, :])
            var0 = ((outer * dev0 ** 2).sum(axis=(-2, -1)) - pe ** 2) / (n * (1.0 - pe) ** 2)
        else:
            pi = (row + col) / 2.0
            pe = np.einsum("...c,ck,...k->...", pi, w, pi)
            kappa = (po - pe) / (1.0 - pe)
            pbk = np.einsum("ck,...c->...k", w, pi)
            dev = w - (1.0 - kappa)[..., None, None] * (pbk[..., :, None] + pbk[..., None, :])
            var = ((p * dev ** 2).sum(axis=(-2, -1)) - (po - 2.0 * (1.0 - kappa) * pe) ** 2) / (n * (1.0 - pe) ** 2)
            var0 = np.full_like(var, np.nan)
    ok = (n > 0) & (1.0 - pe > _EPS)
    nan = np.full_like(po, np.nan)
    return {
        "value": np.where(ok, kappa, nan),
        # both are variances (non-negative in exact arithmetic); clip rounding noise below 0
        "se": np.where(ok, np.sqrt(np.clip(var, 0.0, None)), nan),
        "se_h0": np.where(ok, np.sqrt(np.clip(var0, 0.0, None)), nan),
        "observed": np.where(n > 0, po, nan),
        "expected": np.where(n > 0, pe, nan),
        "n": n,
    }


def binary_features(counts: "sparse.spmatrix | np.ndarray",
                    ratings: np.ndarray | None = None) -> tuple[sparse.csr_matrix, np.ndarray]:
    r"""Per-item additive features of the per-category ("c" vs "not c") kappas, for items with a rating.

    Columns: ``[1(r_i ≥ 2), 1, d_i1 … d_iC, n_i1/r_i … n_iC/r_i]`` where
    :math:`d_{ic} = 2 n_{ic}(r_i - n_{ic}) / (r_i(r_i - 1))` is the share of disagreeing rating pairs of
    item *i* on category *c* (sparse: zero unless the item is split on *c*). Returns the features and ``r``.
    ``ratings`` overrides :math:`r_i` (the row sums): in a multi-label set an annotation can carry several
    tags, so the number of annotations of an item is not its number of tags.
    """
    n = _as_float_csr(counts)
    r = np.asarray(n.sum(axis=1)).ravel() if ratings is None else np.asarray(ratings, dtype=np.float64)
    rated = r > 0
    if not rated.all():
        n, r = n[rated], r[rated]
    two = r >= 2
    scale = np.where(two, 2.0 / np.where(two, r * (r - 1.0), 1.0), 0.0)
    split = n.copy()
    split.data = split.data * (np.repeat(r, np.diff(split.indptr)) - split.data)
    per_entry = np.diff(split.indptr)
    disagree = split
    disagree.data *= np.repeat(scale, per_entry)
    share = n.copy()
    share.data /= np.repeat(r, per_entry)
    head = sparse.csr_matrix(np.column_stack([two.astype(np.float64), np.ones(len(r))]))
    return sparse.hstack([head, disagree, share], format="csr"), r


def binary_from_sums(sums: np.ndarray) -> np.ndarray:
    """Per-category kappas from summed :func:`binary_features` (``… × (2 + 2C)``), vectorized."""
    q = (sums.shape[-1] - 2) // 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = 1.0 - sums[..., 2:2 + q] / sums[..., 0:1]
        pi = sums[..., 2 + q:] / sums[..., 1:2]
        pe = pi ** 2 + (1.0 - pi) ** 2
        kappa = (pa - pe) / (1.0 - pe)
    return np.where((sums[..., 0:1] > 0) & (1.0 - pe > _EPS), kappa, np.nan)


def binary_point(sums: np.ndarray) -> dict[str, np.ndarray]:
    """Per-category kappas and their parts from summed :func:`binary_features` (first pass)."""
    q = (len(sums) - 2) // 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = 1.0 - sums[2:2 + q] / sums[0]
        pi = sums[2 + q:] / sums[1]
        pe = pi ** 2 + (1.0 - pi) ** 2
    return {"kappa": binary_from_sums(sums), "prevalence": pi, "observed": pa, "expected": pe,
            "n_items": int(sums[0]), "n_rated": int(sums[1])}


def binary_squared_deviations(counts: "sparse.spmatrix | np.ndarray", point: dict[str, np.ndarray],
                              ratings: np.ndarray | None = None) -> np.ndarray:
    r""":math:`\sum_i (\kappa^\star_{ic} - \kappa_c)^2` for every category over the items of ``counts``.

    ``point`` is the whole set's :func:`binary_point`; additive over partitions of items (second pass).
    The pass works on dense row blocks, so memory stays bounded for any number of items.
    """
    kappa, pe, pi = point["kappa"], point["expected"], point["prevalence"]
    n_items, n2 = point["n_rated"], point["n_items"]
    n = _as_float_csr(counts)
    all_r = np.asarray(n.sum(axis=1)).ravel() if ratings is None else np.asarray(ratings, dtype=np.float64)
    n = n[all_r > 0]
    r = all_r[all_r > 0]
    two = r >= 2
    q = n.shape[1]
    ss = np.zeros(q)
    for rows in row_blocks(len(r), q):
        x = n[rows].toarray()
        rr = r[rows][:, None]
        t = two[rows][:, None]
        y = rr - x
        pa_i = np.where(t, (x * (x - 1.0) + y * (y - 1.0)) / np.where(t, rr * (rr - 1.0), 1.0), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            k_i = (n_items / max(n2, 1)) * (pa_i - pe * t) / (1.0 - pe)
            pe_i = (x * pi + y * (1.0 - pi)) / rr
            k_star = k_i - 2.0 * (1.0 - kappa) * (pe_i - pe) / (1.0 - pe)
        ss += ((k_star - kappa) ** 2).sum(axis=0)
    return ss


def binary_finish(point: dict[str, np.ndarray], squares: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`binary_point` plus Gwet's linearized standard errors from the summed squared deviations."""
    n_items = point["n_rated"]
    kappa = point["kappa"]
    with np.errstate(invalid="ignore"):
        se = np.sqrt(squares / (n_items * (n_items - 1.0))) if n_items > 1 else np.full(len(kappa), np.nan)
    return {"kappa": kappa, "se": np.where(np.isfinite(kappa), se, np.nan), "prevalence": point["prevalence"],
            "observed": point["observed"], "expected": point["expected"], "n_items": point["n_items"]}


def binary_fleiss_by_category(counts: "sparse.spmatrix | np.ndarray",
                              ratings: np.ndarray | None = None) -> dict[str, np.ndarray]:
    r"""Fleiss' kappa of every category against all others ("category c" vs "not c"), vectorized.

    For equal raters this is Fleiss' (1971) per-category kappa
    :math:`\kappa_c = 1 - \sum_i n_{ic}(m - n_{ic}) / (N m (m-1) p_c q_c)`, as R's
    ``irr::kappam.fleiss(detail=TRUE)``; with unequal raters it is the count-based Fleiss kappa of the
    collapsed two-category table, with Gwet's linearized standard error. Two passes over the items
    (:func:`binary_point` of the summed features, then :func:`binary_squared_deviations`).
    """
    from ._histogram import binary_histogram, histogram_squares, histogram_sums

    h = binary_histogram(counts, ratings)
    if h is not None:  # the same sums over the cells of the counts' histogram (one bincount)
        r = np.asarray(counts.sum(axis=1)).ravel() if ratings is None else np.asarray(ratings, dtype=np.float64)
        point = binary_point(histogram_sums(h))
        return {**binary_finish(point, histogram_squares(h, point)), "ratings_per_item": r[r > 0].astype(np.float64)}
    feats, r = binary_features(counts, ratings)
    point = binary_point(np.asarray(feats.sum(axis=0)).ravel())
    return {**binary_finish(point, binary_squared_deviations(counts, point, ratings)), "ratings_per_item": r}
