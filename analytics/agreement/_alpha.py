r"""Krippendorff's alpha on coincidence matrices, its difference functions and its standard error.

Pure functions of arrays (see :mod:`._core` for the shared item-level parts).

References
----------
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication
Departmental Papers 43. https://repository.upenn.edu/asc_papers/43

Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), sec. 5.3. Advanced Analytics.

Passonneau, R. (2006). Measuring agreement on set-valued items (MASI) for semantic and pragmatic
annotation. Proceedings of LREC 2006.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .._lazy import sparse
from ._core import _EPS, NAN, CountParts
from ._products import rows_dot, weighted_column_sums

__all__ = ["difference_matrix", "alpha_from_coincidence", "alpha_nominal_from_parts", "alpha_nominal_sums",
           "alpha_nominal_from_sums", "alpha_standard_error", "alpha_se_sums", "alpha_se_point", "alpha_se_squares",
           "alpha_se_from_squares", "alpha_weights", "set_distance"]


def difference_matrix(level: str, marginals: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    r"""Krippendorff's squared difference :math:`\delta^2_{ck}` for a level of measurement.

    * nominal: :math:`1(c \ne k)`;
    * ordinal (ranks in category order): :math:`\left(\sum_{g=c}^{k} n_g - \frac{n_c + n_k}{2}\right)^2`,
      from the marginals :math:`n_g` of the coincidence matrix (vectorized over leading axes of ``marginals``);
    * interval: :math:`(v_c - v_k)^2`; ratio: :math:`\left(\frac{v_c - v_k}{v_c + v_k}\right)^2` (0 when both are 0).
    """
    q = marginals.shape[-1]
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(q), marginals.shape[:-1] + (q, q)).copy()
    if level == "ordinal":
        cum = np.cumsum(marginals, axis=-1)
        lo = np.minimum.outer(np.arange(q), np.arange(q))
        hi = np.maximum.outer(np.arange(q), np.arange(q))
        between = cum[..., hi] - cum[..., lo] + marginals[..., lo]
        d = between - (marginals[..., :, None] + marginals[..., None, :]) / 2.0
        d = d ** 2
        d[..., np.arange(q), np.arange(q)] = 0.0
        return d
    v = np.asarray(values, dtype=np.float64)
    diff = np.subtract.outer(v, v)
    if level == "interval":
        d = diff ** 2
    else:
        total = np.add.outer(v, v)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(total != 0, (diff / np.where(total != 0, total, 1.0)) ** 2, 0.0)
    return np.broadcast_to(d, marginals.shape[:-1] + (q, q)).copy()


def alpha_from_coincidence(o: np.ndarray, level: str, values: np.ndarray | None = None, *,
                           delta: np.ndarray | None = None) -> dict[str, np.ndarray]:
    r"""Krippendorff's alpha from coincidence matrices ``o[..., c, k]`` (vectorized over leading axes).

    .. math:: \alpha = 1 - (n_{\cdot\cdot} - 1)\,\frac{\sum_{ck} o_{ck}\,\delta^2_{ck}}{\sum_{ck} n_c n_k \delta^2_{ck}}

    Returns ``value`` (NaN with fewer than two pairable values or no expected disagreement — one value
    used), ``observed`` and ``expected`` disagreement, the marginals ``n_c`` and ``n_pairable``. A given
    ``delta`` (e.g. a set distance between tag sets) replaces the level's difference function.
    """
    o = np.asarray(o, dtype=np.float64)
    nc = o.sum(axis=-1)
    total = nc.sum(axis=-1)
    delta = difference_matrix(level, nc, values) if delta is None else np.broadcast_to(delta, o.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_o = (o * delta).sum(axis=(-2, -1)) / total
        d_e = np.einsum("...c,...ck,...k->...", nc, delta, nc) / (total * (total - 1.0))
        value = 1.0 - d_o / d_e
    ok = (total >= 2) & (d_e > _EPS)
    return {"value": np.where(ok, value, np.nan), "observed": d_o, "expected": d_e, "marginals": nc,
            "n_pairable": total, "delta": delta}


def alpha_nominal_sums(parts: CountParts) -> np.ndarray:
    r"""``[Σ_u m_u p_{a|u}, n_1 … n_C]`` over the items of ``parts`` (additive over items; see
    :func:`alpha_nominal_from_parts`)."""
    nc = weighted_column_sums(parts.two.astype(np.float64), parts.counts)
    return np.concatenate([[float((parts.pa_i * parts.r).sum())], np.asarray(nc, dtype=np.float64).ravel()])


def alpha_nominal_from_sums(sums: np.ndarray) -> dict[str, np.ndarray]:
    """Nominal alpha from summed :func:`alpha_nominal_sums` (the keys of :func:`alpha_from_coincidence`)."""
    nc = sums[1:]
    total = float(nc.sum())
    q = len(nc)
    ok = total >= 2
    d_o = 1.0 - float(sums[0]) / total if ok else NAN
    d_e = (total ** 2 - float((nc ** 2).sum())) / (total * (total - 1.0)) if ok else NAN
    ok = ok and d_e > _EPS
    value = 1.0 - d_o / d_e if ok else NAN
    return {"value": np.float64(value if ok else np.nan), "observed": np.float64(d_o), "expected": np.float64(d_e),
            "marginals": nc, "n_pairable": np.float64(total), "delta": 1.0 - np.eye(q)}


def alpha_nominal_from_parts(parts: CountParts) -> dict[str, np.ndarray]:
    r"""Nominal alpha from the per-item parts: only the coincidence matrix's diagonal and marginals are needed.

    With :math:`w_u = 1/(m_u - 1)` on pairable units, :math:`\sum_c o_{cc} = \sum_u w_u \sum_c n_{uc}(n_{uc} - 1)
    = \sum_u m_u\,p_{a|u}` and :math:`n_c = \sum_{u:\,m_u \ge 2} n_{uc}`, so
    :math:`D_o = 1 - \sum_c o_{cc}/n_{\cdot\cdot}` and :math:`D_e = (n_{\cdot\cdot}^2 - \sum_c n_c^2)/(n_{\cdot\cdot}(n_{\cdot\cdot}-1))`
    — the same numbers as :func:`alpha_from_coincidence` with the nominal level, in one pass over the counts
    (:func:`alpha_nominal_sums`, additive over partitions of items). Returns the same keys.
    """
    return alpha_nominal_from_sums(alpha_nominal_sums(parts))


def alpha_se_sums(parts: CountParts) -> np.ndarray:
    r"""``[m, Σ r_i, Σ_c n_{ic}(n^\star_{ic} - 1)/(r_i - 1)]`` over pairable items (additive; first pass of
    :func:`alpha_standard_error`). The pooled proportions need the nominal sums' :math:`n_c` as well."""
    two = parts.two
    r = parts.r[two]
    sumq = parts.pa_i[two] * r * (r - 1.0)
    return np.array([float(len(r)), float(r.sum()), float((sumq / (r - 1.0)).sum())])


def alpha_se_point(sums: np.ndarray, nc: np.ndarray, w: np.ndarray) -> dict[str, float] | None:
    """The whole set's quantities of :func:`alpha_standard_error` (None when the SE is undefined).

    ``sums`` is :func:`alpha_se_sums` and ``nc`` the pairable category totals (:func:`alpha_nominal_sums`).
    """
    m, r_total, q_total = float(sums[0]), float(sums[1]), float(sums[2])
    if m < 2:
        return None
    rbar = r_total / m
    eps = 1.0 / r_total
    pa_prime = q_total / rbar / m
    pa = (1.0 - eps) * pa_prime + eps
    pi = nc / (m * rbar)
    pe = float(pi @ w @ pi)
    if 1.0 - pe <= _EPS:
        return None
    return {"m": m, "rbar": rbar, "pa": pa, "pe": pe, "pi": pi, "alpha": (pa_prime - pe) / (1.0 - pe)}


def alpha_se_squares(parts: CountParts, w: np.ndarray, point: dict[str, float]) -> float:
    r""":math:`\sum_i (\alpha^\star_i - \alpha')^2` over the pairable items of ``parts`` (second pass; additive)."""
    two = parts.two
    r = parts.r[two]
    rbar, pa, pe, pi, alpha_prime = point["rbar"], point["pa"], point["pe"], point["pi"], point["alpha"]
    sumq = parts.pa_i[two] * r * (r - 1.0)
    pa_i = sumq / (rbar * (r - 1.0)) - pa * (r - rbar) / rbar
    k_i = (pa_i - pe) / (1.0 - pe)
    pe_i = rows_dot(parts.counts, (w + w.T) @ pi / 2.0)[two] / rbar - pe * (r - rbar) / rbar
    k_star = k_i - 2.0 * (1.0 - alpha_prime) * (pe_i - pe) / (1.0 - pe)
    return float(((k_star - alpha_prime) ** 2).sum())


def alpha_se_from_squares(point: dict[str, float] | None, squares: float) -> float:
    """The standard error from :func:`alpha_se_point` and the summed :func:`alpha_se_squares`."""
    if point is None:
        return NAN
    m = point["m"]
    return float(np.sqrt(squares / (m * (m - 1.0))))


def alpha_standard_error(parts: CountParts, w: np.ndarray) -> float:
    r"""Gwet's (2014, sec. 5.3; irrCAC ``krippen.alpha.raw``) linearized standard error of Krippendorff's alpha.

    ``parts`` are the :func:`count_parts` of the item × value counts under the agreement weights
    :math:`w = 1 - \delta^2/\max\delta^2` (alpha is invariant to that rescaling), used on the pairable items
    (:math:`r_i \ge 2`). For the ordinal level the weights are those of the observed marginals, treated as fixed.
    Two passes over the items: :func:`alpha_se_sums` (with :func:`alpha_nominal_sums`), then
    :func:`alpha_se_squares`.
    """
    point = alpha_se_point(alpha_se_sums(parts), alpha_nominal_sums(parts)[1:], w)
    return alpha_se_from_squares(point, alpha_se_squares(parts, w, point) if point is not None else 0.0)


def alpha_weights(delta: np.ndarray) -> np.ndarray | None:
    r"""Agreement weights :math:`1 - \delta^2/\max\delta^2` of a difference matrix (None when all are 0)."""
    dmax = float(np.max(delta)) if delta.size else 0.0
    return None if dmax <= 0 else 1.0 - delta / dmax


def set_distance(members: sparse.csr_matrix, kind: Literal["jaccard", "masi"]) -> np.ndarray:
    r"""Distances between tag sets (rows of a set × tag indicator matrix).

    Jaccard: :math:`1 - |A \cap B| / |A \cup B|`. MASI (Passonneau 2006):
    :math:`1 - rac{|A \cap B|}{|A \cup B|}\,M` with :math:`M = 1` for equal sets, 2/3 when one contains
    the other, 1/3 when they overlap otherwise, 0 when disjoint. Two empty sets are at distance 0.
    """
    b = sparse.csr_matrix(members, dtype=np.float64)
    size = np.asarray(b.sum(axis=1)).ravel()
    inter = (b @ b.T).toarray()
    union = size[:, None] + size[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 1.0)
    if kind == "jaccard":
        return 1.0 - jac
    smaller = np.minimum.outer(size, size)
    equal = (inter == size[:, None]) & (inter == size[None, :])
    m = np.where(equal, 1.0, np.where(inter == smaller, 2.0 / 3.0, np.where(inter > 0, 1.0 / 3.0, 0.0)))
    return 1.0 - jac * m
