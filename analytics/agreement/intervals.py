r"""Confidence intervals of the agreement coefficients that keep their promise at pilot sizes.

**The default (``method="score"``)** is a score interval: it holds every value that a two-sided test of the
estimate does not reject,

.. math:: \{\theta_0 :\ (\hat X - X(\theta_0))^2 \le t_{n'-1}^2\,\max\{V_0(\theta_0),\ \hat V\}\},

where :math:`V_0(\theta_0)` is the variance of the estimate *if the truth were* :math:`\theta_0` under the
latent-class model with the observed class shares (each item has a true class; each rating is that class with
probability :math:`\sqrt{\kappa_0}`, otherwise a draw from the class shares — the "common correlation" model
of Donner & Eliasziw 1992, here for any number of raters and classes and for missing ratings), and
:math:`\hat V` is the sandwich (linearized) variance of the data. Evaluating the variance at the hypothesized
value, as Wilson (1927) does for a proportion, is what keeps the interval honest where the Wald interval
``estimate ± z·SE`` fails:

* when every item agrees, :math:`\hat V = 0` and the Wald interval has zero width; :math:`V_0(\kappa_0) > 0`
  for every :math:`\kappa_0 < 1`, so the lower bound says how little the items prove;
* when a class is rare, a small pilot often shows no agreement on it: :math:`\hat V` is then far too small,
  but :math:`V_0` at a higher :math:`\kappa_0` is not, so higher values stay in the interval;
* :math:`\hat V` keeps the interval at least as wide as the Wald one when the data vary more than the model
  says (e.g. a mix of hard and easy items).

**Continuity correction (kappa scale, upper side).** The estimate moves in steps: each item's agreement is
shared by its ratings, so on a pilot of :math:`N = n'\bar r` pairable ratings one rating carries :math:`1/N` of the
observed agreement, which moves a kappa by :math:`1/(N(1-p_e))`; that step is large where a class is rare
(:math:`1 - p_e` small) and the pilot small — one deviating rare rating among 13 items turns a kappa of 1 into
about 0. As Yates (1934) for the χ² test and Newcombe (1998, method 4) for the Wilson interval, the test of a
candidate *above* the estimate compares the distance less half that step,

.. math:: \big(\max\{X(\theta_0) - \hat X - c,\ 0\}\big)^2 \le t_{n'-1}^2\,\max\{V_0(\theta_0),\ \hat V\},
   \qquad c = \frac{1}{2N(1-p_e)},

with :math:`p_e = \sum_c p_c^2` of the model's class shares; candidates below the estimate are tested without
it. One side only, because that is where the study (``benchmarks/coverage.py``) found the misses: without the
correction 18 of 8,208 designs with 20 or more items covered less than 0.93 (worst 0.904: 20 items, two raters,
one class 90 %, kappa 0.9, missing ratings — pilots that saw the rare class once, in a disagreement), and the
misses there were intervals *below* the true value (all of them in 6,000 pilots of each of the two worst kinds);
the lower bounds already hold (20 items × 3 raters in perfect agreement keep 0.82, near the exact binomial bound
0.83). With the correction no design with 20 or more items covers less than 0.93 (worst 0.935); it widens the
study's intervals by 0.03 % in the median cell and by at most 4.6 %. Percent agreement,
AC1 and Brennan–Prediger do not need it (their union with the Agresti–Coull interval below already covers).

The quantile is Student's *t* with :math:`n'-1` degrees of freedom (:math:`n'` = items with two or more
ratings), as Gwet (2014, ch. 5) and Klein (2018) use for these coefficients. The parameter
:math:`\theta_0` is :math:`\kappa_0` itself for the kappas (Cohen, Light, Fleiss, Scott, Krippendorff's
alpha all equal :math:`\kappa_0` under the model) and the observed agreement :math:`p_{a0}` for percent
agreement, Gwet's AC1 and Brennan–Prediger, which are affine in it: :math:`X = (p_{a0} - \hat p_e)/(1 -
\hat p_e)`. ``benchmarks/coverage.py`` measures the coverage of this and the other methods
(``benchmarks/README.md``); ``method="analytic"`` keeps the Wald interval of the published variances (irrCAC,
SAS, statsmodels) and ``method="bootstrap"`` the percentile bootstrap.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. Journal of the
American Statistical Association, 22(158), 209–212. https://doi.org/10.1080/01621459.1927.10502953

Donner, A., & Eliasziw, M. (1992). A goodness-of-fit approach to inference procedures for the kappa
statistic: confidence interval construction, significance-testing and sample size estimation. Statistics in
Medicine, 11(11), 1511–1519. https://doi.org/10.1002/sim.4780111109

Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5. Advanced Analytics.

Klein, D. (2018). Implementing a general framework for assessing interrater agreement in Stata. The Stata
Journal, 18(4), 871–901. https://doi.org/10.1177/1536867X1801800408

Yates, F. (1934). Contingency tables involving small numbers and the χ² test. Supplement to the Journal of the
Royal Statistical Society, 1(2), 217–235. https://doi.org/10.2307/2983604

Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison of seven methods.
Statistics in Medicine, 17(8), 857–872. https://doi.org/10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E

Zapf, A., Castell, S., Morawietz, L., & Karch, A. (2016). Measuring inter-rater reliability for nominal data
– which coefficients and confidence intervals are appropriate? BMC Medical Research Methodology, 16, 93.
https://doi.org/10.1186/s12874-016-0200-9
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special  # not scipy.stats: a second of import time for one quantile

__all__ = ["ModelKind", "count_model_variance", "pair_model_variance", "score_intervals", "agresti_coull_intervals",
           "pair_leave_one_out", "t_quantile", "normal_quantile"]

#: Whose estimator the model variance linearizes: ``"fleiss"`` (Fleiss' kappa, Krippendorff's alpha),
#: ``"pairs"`` (the mean of pairwise kappas on each pair's common items: Cohen, Light, Scott for two raters),
#: ``"gwet"`` (AC1), ``"brennan_prediger"`` and ``"percent"`` (percent agreement).
ModelKind = Literal["fleiss", "pairs", "gwet", "brennan_prediger", "percent"]

_GRID = 65
_BISECT = 40
#: Bisection steps answered per call of the acceptance test (:func:`_bisect`); divides :data:`_BISECT`.
_SECTION_BITS = 5
#: Continuity correction of the upper side on the kappa scale, in steps of :math:`1/(N(1-p_e))` (module docstring).
_CONTINUITY = 0.5


def normal_quantile(confidence_level: float) -> float:
    """The two-sided normal quantile :math:`z_{1-(1-c)/2}` of a confidence level *c*."""
    return float(special.ndtri(0.5 + confidence_level / 2.0))


def t_quantile(confidence_level: float, n_pairable: np.ndarray) -> np.ndarray:
    """The two-sided Student *t* quantile with :math:`n' - 1` degrees of freedom (at least 1)."""
    df = np.maximum(np.asarray(n_pairable, dtype=np.float64) - 1.0, 1.0)
    return special.stdtrit(df, 0.5 + confidence_level / 2.0)  # what scipy.stats.t.ppf computes


def _chance_weights(kind: str, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(w, pe)``: weights of the item's chance term :math:`p_{e|i} = \\sum_c (n_{ic}/r_i) w_c` and the
    chance agreement :math:`p_e` of the class shares ``p`` (… × q)."""
    q = p.shape[-1]
    if kind == "fleiss":
        return p, (p * p).sum(-1)
    if kind == "gwet":
        return (1.0 - p) / (q - 1.0), (p * (1.0 - p)).sum(-1) / (q - 1.0)
    return np.zeros_like(p), np.full(p.shape[:-1], 1.0 / q if kind == "brennan_prediger" else 0.0)


def _class_rates(kappa0: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(θ, 1-θ, p_c)`` broadcast to (…, G, q): the rating probabilities are :math:`\\pi_k = θ 1(k=c) + (1-θ) p_k`."""
    th = np.sqrt(np.clip(kappa0, 0.0, 1.0))[..., None]
    return th, 1.0 - th, p[..., None, :]


def count_model_variance(kappa0: np.ndarray, prevalence: np.ndarray, ratings_counts: np.ndarray,
                         kind: Literal["fleiss", "gwet", "brennan_prediger", "percent"]) -> np.ndarray:
    r"""Variance of a count-based coefficient's estimate when agreement is ``kappa0``, under the model.

    The estimate's influence is :math:`T_i = \frac{n}{n'}\frac{p_{a|i}}{1-p_e} - 2(1-X)\frac{p_{e|i}}{1-p_e}`
    (Gwet 2014, ch. 5; the chance term only for Fleiss and AC1), so the variance is
    :math:`\frac{1}{n^2}\sum_r n_r \mathrm{Var}(T \mid r)` over the :math:`n_r` items rated *r* times. Given the
    true class *c*, the counts are multinomial with probabilities :math:`\pi_k`, and
    :math:`A = \sum_k n_k(n_k-1) = r(r-1)p_{a|i}`, :math:`B = \sum_k n_k w_k = r\,p_{e|i}` have the factorial
    moments :math:`E[A] = r^{(2)}S_2`, :math:`E[A^2] = r^{(4)}S_2^2 + 4r^{(3)}S_3 + 2r^{(2)}S_2`,
    :math:`E[B^2] = r\sum_k\pi_k w_k^2 + r^{(2)}(\sum_k\pi_k w_k)^2`,
    :math:`E[AB] = r^{(3)}S_2\sum_k\pi_k w_k + 2r^{(2)}\sum_k\pi_k^2 w_k` (:math:`S_j = \sum_k\pi_k^j`,
    :math:`r^{(j)}` the falling factorial) — closed forms in θ and :math:`p_c`, averaged over *c*.

    ``kappa0`` (…, G); ``prevalence`` (…, q); ``ratings_counts`` (…, M + 1): items with *r* ratings (items rated
    once carry class shares but no agreement). Values of ``kappa0`` below 0 use the variance at 0.
    """
    p = np.asarray(prevalence, dtype=np.float64)
    nr = np.asarray(ratings_counts, dtype=np.float64)
    k0 = np.asarray(kappa0, dtype=np.float64)
    w, pe = _chance_weights(kind, p)
    s2 = (p * p).sum(-1)[..., None]
    pe_ = pe[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (k0 + (1.0 - k0) * s2 - pe_) / (1.0 - pe_)
    th, b, pc = _class_rates(k0, p)
    wc = w[..., None, :]

    def tot(x: np.ndarray) -> np.ndarray:
        return x.sum(-1)[..., None, None]

    s2c = th ** 2 + 2 * th * b * pc + b ** 2 * tot(p ** 2)
    s3c = th ** 3 + 3 * th ** 2 * b * pc + 3 * th * b ** 2 * pc ** 2 + b ** 3 * tot(p ** 3)
    swc = th * wc + b * tot(p * w)
    sw2c = th * wc ** 2 + b * tot(p * w * w)
    s2wc = th ** 2 * wc + 2 * th * b * pc * wc + b ** 2 * tot(p * p * w)

    def mix(x: np.ndarray) -> np.ndarray:
        return (x * pc).sum(-1)

    n = nr[..., 1:].sum(-1)[..., None]
    n2 = nr[..., 2:].sum(-1)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = (n / n2) / (1.0 - pe_)
        beta = -2.0 * (1.0 - value) / (1.0 - pe_) if kind in ("fleiss", "gwet") else np.zeros_like(value)
    var = np.zeros_like(value)
    for r in range(1, nr.shape[-1]):
        count = nr[..., r][..., None]
        if not np.any(count):
            continue
        r2, r3, r4 = r * (r - 1.0), r * (r - 1.0) * (r - 2.0), r * (r - 1.0) * (r - 2.0) * (r - 3.0)
        eb = mix(r * swc)
        vb = mix(r * sw2c + r2 * swc ** 2) - eb ** 2
        vt = beta ** 2 * vb / r ** 2
        if r >= 2:
            ea = mix(r2 * s2c)
            va = mix(r4 * s2c ** 2 + 4 * r3 * s3c + 2 * r2 * s2c) - ea ** 2
            cab = mix(r3 * s2c * swc + 2 * r2 * s2wc) - ea * eb
            vt = vt + alpha ** 2 * va / r2 ** 2 + 2 * alpha * beta * cab / (r2 * r)
        var = var + count * vt
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(var, 0.0, None) / n ** 2


def pair_model_variance(kappa0: np.ndarray, prevalence: np.ndarray, ratings_counts: np.ndarray,
                        n_pairs: np.ndarray, pair_items: np.ndarray) -> np.ndarray:
    r"""Variance of a mean of pairwise kappas (Cohen for one pair, Light's over ``n_pairs``) under the model.

    Each pair's kappa has the influence :math:`g(x, y) = [1(x=y) - (1-\kappa)(p_x + p_y) - (p_a - 2(1-\kappa)p_e)]
    /(1-p_e)` (Fleiss, Cohen & Everitt 1969 with the model's common marginals) on the items the pair shares, so an
    item rated by *r* annotators contributes :math:`\frac{1}{P\bar n}\sum_{a<b} g(x_a, x_b)` (:math:`\bar n` =
    ``pair_items``, the mean number of items a pair shares). Its variance needs, for the true class *c*,
    :math:`E[g^2]`, :math:`E[g(x_a,x_b)g(x_a,x_d)]` (pairs sharing an annotator) and :math:`E[g]^2`
    (disjoint pairs), all closed forms in θ and :math:`p_c`; then
    :math:`\mathrm{Var}(\psi \mid r) = (P\bar n)^{-2}[\binom r2 E_2 + r^{(3)}E_1 + \binom r2\binom{r-2}2 E_0]`.
    """
    p = np.asarray(prevalence, dtype=np.float64)
    nr = np.asarray(ratings_counts, dtype=np.float64)
    k0 = np.clip(np.asarray(kappa0, dtype=np.float64), 0.0, 1.0)
    th, b, pc = _class_rates(k0, p)
    s2 = (p * p).sum(-1)[..., None]
    a = (1.0 - k0)                                                  # (…, G)
    kk = k0 + a * s2 - 2.0 * a * s2                                 # p_a - 2(1-κ) p_e
    a_, kk_ = a[..., None], kk[..., None]
    pk = p[..., None, None, :]                                       # (…, 1, 1, q): the rated class x
    eye = np.eye(p.shape[-1])
    pi = th[..., None] * eye + b[..., None] * pk                    # (…, G, c, x)
    s_c = th * pc + b * s2[..., None]                               # Σ_y π_y p_y
    h = pi - a_[..., None] * pk - (a_ * s_c + kk_)[..., None]       # E_Y[D(x, Y) | c]
    e1 = (pi * h * h).sum(-1)
    e0 = (pi * h).sum(-1) ** 2
    t_c = th * pc ** 2 + b * (p ** 3).sum(-1)[..., None, None]      # Σ_x π_x p_x²
    u_c = th ** 2 * pc + 2 * th * b * pc ** 2 + b ** 2 * (p ** 3).sum(-1)[..., None, None]  # Σ_x π_x² p_x
    s2c = th ** 2 + 2 * th * b * pc + b ** 2 * s2[..., None]
    e2 = (s2c + a_ ** 2 * (2 * t_c + 2 * s_c ** 2) + kk_ ** 2 - 4 * a_ * u_c - 2 * kk_ * s2c + 4 * a_ * kk_ * s_c)

    def mix(x: np.ndarray) -> np.ndarray:
        return (x * pc).sum(-1)

    m2, m1, m0 = mix(e2), mix(e1), mix(e0)
    var = np.zeros_like(k0)
    for r in range(2, nr.shape[-1]):
        c2 = r * (r - 1.0) / 2.0
        c22 = (r - 2.0) * (r - 3.0) / 2.0
        var = var + nr[..., r][..., None] * (c2 * m2 + r * (r - 1.0) * (r - 2.0) * m1 + c2 * c22 * m0)
    scale = (np.asarray(n_pairs, dtype=np.float64) * np.asarray(pair_items, dtype=np.float64))[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(var, 0.0, None) / (scale ** 2 * (1.0 - s2) ** 2)


def _smoothed(p: np.ndarray, n_ratings: np.ndarray) -> np.ndarray:
    """Class shares with half a pseudo-rating per class where a single class holds every rating (so the model
    can produce disagreement); other rows unchanged."""
    q = p.shape[-1]
    single = p.max(-1) >= 1.0 - 1e-12
    smooth = (p * n_ratings[..., None] + 0.5) / (n_ratings[..., None] + q / 2.0)
    return np.where(single[..., None], smooth, p)


def score_intervals(values: np.ndarray, standard_errors: np.ndarray, *, prevalence: np.ndarray,
                    ratings_counts: np.ndarray, n_pairable: np.ndarray, confidence_level: float,
                    kind: ModelKind, expected_agreement: np.ndarray | None = None,
                    n_pairs: np.ndarray | None = None, pair_items: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    r"""The default score intervals (see the module docstring), elementwise over a leading axis.

    Parameters
    ----------
    values, standard_errors : arrays (K,)
        Estimates and their sandwich standard errors (a NaN SE counts as 0: the model variance decides).
    prevalence : array (K, q)
        Observed class shares (rows with a single class get half a pseudo-rating per class).
    ratings_counts : array (K, M + 1)
        Items per number of ratings.
    n_pairable : array (K,)
        Items with two or more ratings (degrees of freedom of the *t* quantile).
    confidence_level : float
    kind : {"fleiss", "pairs", "gwet", "brennan_prediger", "percent"}
        ``"fleiss"`` and ``"pairs"`` are kappas (searched over :math:`\kappa_0 \in [-1, 1]`); the others over
        the observed agreement :math:`p_{a0} \in [0, 1]` with ``expected_agreement`` :math:`\hat p_e`.
    n_pairs, pair_items : arrays (K,), for ``kind="pairs"``
        Annotator pairs averaged and the mean number of items a pair shares.

    Returns
    -------
    ci_low, ci_high : arrays (K,)
        NaN where the value is NaN. The interval always contains the estimate.
    """
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    k = len(v)
    se2 = np.nan_to_num(np.atleast_1d(np.asarray(standard_errors, dtype=np.float64)), nan=0.0) ** 2
    nr = np.asarray(ratings_counts, dtype=np.float64).reshape(k, -1)
    n_ratings = (nr * np.arange(nr.shape[-1])).sum(-1)
    p = _smoothed(np.asarray(prevalence, dtype=np.float64).reshape(k, -1), n_ratings)
    crit2 = t_quantile(confidence_level, np.broadcast_to(n_pairable, (k,))) ** 2
    kappa_scale = kind in ("fleiss", "pairs")
    lo_p, hi_p = (-1.0, 1.0) if kappa_scale else (0.0, 1.0)
    pe_hat = (np.zeros(k) if expected_agreement is None
              else np.broadcast_to(np.asarray(expected_agreement, dtype=np.float64), (k,)))
    s2 = (p * p).sum(-1)
    two_all = nr[:, 2:].sum(-1)
    rbar_all = (nr[:, 2:] * np.arange(2, nr.shape[-1])).sum(-1) / np.maximum(two_all, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_step = np.where(kappa_scale & (two_all > 0) & (s2 < 1.0),
                             _CONTINUITY / (rbar_all * two_all * (1.0 - s2)), 0.0)
    ok = np.flatnonzero(np.isfinite(v) & np.isfinite(p).all(-1) & (nr[:, 2:].sum(-1) > 0))
    coef = _variance_polynomial(kind, p[ok], nr[ok], None if n_pairs is None else np.broadcast_to(n_pairs, (k,))[ok],
                                None if pair_items is None else np.broadcast_to(pair_items, (k,))[ok])

    v_o, pe_o, s2_o, hs_o, crit2_o, se2_o = v[ok], pe_hat[ok], s2[ok], half_step[ok], crit2[ok], se2[ok]

    def curve(param: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficient value and model variance at ``param`` (len(pos), G) for the rows ``ok[pos]``."""
        if kappa_scale:
            x, k0 = param, param
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                x = (param - pe_o[pos, None]) / (1.0 - pe_o[pos, None])
                k0 = np.where(s2_o[pos, None] < 1.0, (param - s2_o[pos, None]) / (1.0 - s2_o[pos, None]), 0.0)
        var = _chebyshev(coef[pos], 2.0 * np.sqrt(np.clip(k0, 0.0, 1.0)) - 1.0)
        return x, np.where(np.isfinite(var), np.clip(var, 0.0, None), np.inf)

    def inside(param: np.ndarray, pos: np.ndarray) -> np.ndarray:
        x, var = curve(param, pos)
        d = np.where(x > v_o[pos, None], np.maximum(x - v_o[pos, None] - hs_o[pos, None], 0.0), v_o[pos, None] - x)
        return d ** 2 <= crit2_o[pos, None] * np.maximum(var, se2_o[pos, None])

    lo, hi = np.full(k, np.nan), np.full(k, np.nan)
    if len(ok):
        every = np.arange(len(ok))
        grid = np.linspace(lo_p, hi_p, _GRID)
        acc = inside(np.broadcast_to(grid, (len(ok), _GRID)), every)
        found = acc.any(-1)
        first = acc.argmax(-1)
        last = _GRID - 1 - acc[:, ::-1].argmax(-1)
        # both edges in one search: rows [0, K) look for the lower edge, [K, 2K) for the upper one; rows whose grid
        # accepts no point keep their start (they are searched from the estimate below, or fall back to it)
        twice = np.concatenate([every, every])
        start = np.concatenate([first, last])
        edges = grid[start]
        searched = np.flatnonzero(np.concatenate([found, found]))
        if len(searched):
            edges[searched] = _bisect(lambda param: inside(param, twice[searched]), grid, start[searched],
                                      outward=np.repeat([-1, 1], len(ok))[searched])
        # A large pilot's interval can fall between two grid points (narrower than a grid step: some 20,000 items
        # and more); the estimate itself is always accepted, so both edges are searched from it to its grid neighbours.
        theta = v_o if kappa_scale else v_o * (1.0 - pe_o) + pe_o
        narrow = np.flatnonzero(~found & (theta > lo_p) & (theta < hi_p))
        if len(narrow):
            narrow = narrow[inside(theta[narrow, None], narrow)[:, 0]]
        if len(narrow):
            below = grid[np.searchsorted(grid, theta[narrow]) - 1]
            above = grid[np.searchsorted(grid, theta[narrow], side="right")]
            pair = np.concatenate([narrow, narrow])
            edges[np.concatenate([narrow, narrow + len(ok)])] = _bisect_between(
                lambda param: inside(param, pair), np.concatenate([theta[narrow], theta[narrow]]),
                np.concatenate([below, above]), np.ones(len(pair), dtype=bool))
            found[narrow] = True
        x_edges = curve(edges[:, None], twice)[0][:, 0]
        x_lo, x_hi = x_edges[:len(ok)], x_edges[len(ok):]
        # Clipped to the coefficient's range, which is not always [-1, 1] below: with items rated once, Fleiss'
        # kappa takes p_e from every item (Gwet 2014) and reaches -p_e/(1 - p_e) < -1 when p_e > 1/2 (p_a = 0).
        # The model (and so the search) stops at -1; the estimate itself is never clipped out of its interval.
        bound = (-1.0, 1.0) if kappa_scale or kind != "percent" else (0.0, 1.0)
        floor = np.fmin(bound[0], v[ok])
        lo[ok] = np.clip(np.where(found, np.fmin(x_lo, v[ok]), v[ok]), floor, bound[1])
        hi[ok] = np.clip(np.where(found, np.fmax(x_hi, v[ok]), v[ok]), floor, bound[1])
    if not kappa_scale:  # union with the model-free interval (see the module docstring)
        two = nr[:, 2:].sum(-1)
        rbar = (nr[:, 2:] * np.arange(2, nr.shape[-1])).sum(-1) / np.maximum(two, 1.0)
        ac_lo, ac_hi = agresti_coull_intervals(v, np.sqrt(se2), pe_hat, two, rbar, confidence_level,
                                               scale="agreement" if kind == "percent" else "chance_corrected")
        lo, hi = np.fmin(lo, ac_lo), np.fmax(hi, ac_hi)
    shape = np.shape(values)
    return lo.reshape(shape), hi.reshape(shape)


def agresti_coull_intervals(values: np.ndarray, standard_errors: np.ndarray, expected_agreement: np.ndarray,
                            n_pairable: np.ndarray, mean_raters: np.ndarray, confidence_level: float, *,
                            scale: Literal["agreement", "chance_corrected"]) -> tuple[np.ndarray, np.ndarray]:
    r"""Agresti–Coull (1998) intervals on the agreement scale with effective trials, elementwise.

    The estimate becomes a proportion *u*: the observed agreement (``scale="agreement"``) or
    :math:`(1 + \hat X)/2`. Its standard error gives the effective number of trials
    :math:`n^\star = u(1-u)/\mathrm{SE}_u^2`; where that is undefined (every rating pair agrees, SE 0) the design
    gives it: an item rated *r* times carries :math:`r/2` agreement trials when disagreements are rare (one
    deviating rating turns :math:`2/r` of its pairs into disagreements), so :math:`n^\star = n'\bar r/2`, or
    :math:`n'\bar r(1-\hat p_e)` on the chance-corrected scale (:math:`1 - X = (1-p_a)/(1-p_e)`). The interval is
    :math:`\tilde u \pm z\sqrt{\tilde u(1-\tilde u)/\tilde n}` with :math:`\tilde n = n^\star + z^2` and
    :math:`\tilde u = (n^\star u + z^2/2)/\tilde n`, clipped to [0, 1] and mapped back; Brown, Cai & DasGupta
    (2001) recommend it over Wilson's near 0 and 1.
    """
    v = np.asarray(values, dtype=np.float64)
    se = np.asarray(standard_errors, dtype=np.float64)
    pe = np.asarray(expected_agreement, dtype=np.float64)
    npair, rbar = np.asarray(n_pairable, dtype=np.float64), np.asarray(mean_raters, dtype=np.float64)
    if scale == "agreement":
        u, se_u, boundary = v, se, npair * rbar / 2.0
    else:
        u, se_u, boundary = (1.0 + v) / 2.0, se / 2.0, npair * rbar * (1.0 - pe)
    u = np.clip(u, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = u * (1.0 - u) / se_u ** 2
        n_eff = np.where(np.isfinite(n_eff) & (se_u > 0) & (u > 0) & (u < 1), n_eff, boundary)
        z = normal_quantile(confidence_level)
        nt = n_eff + z * z
        ut = (n_eff * u + z * z / 2.0) / nt
        half = z * np.sqrt(ut * (1.0 - ut) / nt)
    lo, hi = np.fmin(np.clip(ut - half, 0.0, 1.0), u), np.fmax(np.clip(ut + half, 0.0, 1.0), u)
    if scale != "agreement":
        lo, hi = 2.0 * lo - 1.0, 2.0 * hi - 1.0
    bad = ~np.isfinite(v)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


#: The model variance is a polynomial of degree ≤ 8 in θ = √κ₀ (the moments are polynomials of degree ≤ 4 in θ and
#: enter squared); it is interpolated exactly at 9 Chebyshev nodes, then evaluated by Clenshaw's recurrence.
_DEGREE = 8
_NODES = np.cos(np.pi * (np.arange(_DEGREE + 1) + 0.5) / (_DEGREE + 1))   # in [-1, 1]; θ = (t + 1)/2
_CHEB = np.polynomial.chebyshev.chebvander(_NODES, _DEGREE)                # (9, 9)
_CHEB_INV_T = np.linalg.inv(_CHEB).T                                       # values at the nodes -> coefficients


def _variance_polynomial(kind: str, p: np.ndarray, nr: np.ndarray, n_pairs: np.ndarray | None,
                         pair_items: np.ndarray | None) -> np.ndarray:
    """Chebyshev coefficients (K, 9) of the model variance as a function of t = 2θ − 1."""
    kappa0 = (((_NODES + 1.0) / 2.0) ** 2)[None, :].repeat(len(p), 0)
    if kind == "pairs":
        var = pair_model_variance(kappa0, p, nr, n_pairs, pair_items)
    else:
        var = count_model_variance(kappa0, p, nr, kind)  # type: ignore[arg-type]
    with np.errstate(invalid="ignore"):
        return var @ _CHEB_INV_T


def _chebyshev(coef: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Evaluate rows of Chebyshev coefficients ``coef`` (K, d+1) at ``t`` (K, G) (Clenshaw)."""
    b1 = np.zeros_like(t)
    b2 = np.zeros_like(t)
    for c in coef.T[:0:-1]:
        b1, b2 = 2.0 * t * b1 - b2 + c[:, None], b1
    return t * b1 - b2 + coef[:, :1]


def _bisect(inside, grid: np.ndarray, index: np.ndarray, *, outward: np.ndarray) -> np.ndarray:
    """The edge of the accepted set between grid point ``index`` (accepted) and its outer neighbour (rejected);
    ``outward`` is −1 (a lower edge) or +1 (an upper edge) per row.

    :data:`_BISECT` bisection steps, taken :data:`_SECTION_BITS` at a time: each round evaluates ``inside`` once at
    the :math:`2^b - 1` points that the next *b* bisection steps could visit, then replays those steps on the
    answers. The points are dyadic fractions of the grid step (exact in floating point), so the edge is the
    bisection's to the last bit with an eighth of the calls (a test compares it with the plain bisection).
    """
    g = len(grid)
    outer = index + outward
    return _bisect_between(inside, grid[index], grid[np.clip(outer, 0, g - 1)], (outer >= 0) & (outer < g))


def _bisect_between(inside, accepted: np.ndarray, rejected: np.ndarray, has_outer: np.ndarray) -> np.ndarray:
    """:func:`_bisect` from an accepted and a rejected point per row (rows without ``has_outer`` stay put)."""
    has_outer = has_outer[:, None]
    a = np.array(accepted, dtype=np.float64)[:, None]
    b = np.array(rejected, dtype=np.float64)[:, None]
    n = len(a)
    parts = 1 << _SECTION_BITS
    fractions = np.arange(1, parts)[None, :] / parts
    rows = np.arange(n)[:, None]
    for _ in range(_BISECT // _SECTION_BITS):
        acc = inside(a + (b - a) * fractions)           # the points j/parts of the way from a to b, j = 1 … parts-1
        lo, hi = np.zeros((n, 1), dtype=np.int64), np.full((n, 1), parts)
        for _ in range(_SECTION_BITS):                  # the bisection steps on those answers
            mid = (lo + hi) // 2
            took = acc[rows, mid - 1]
            lo, hi = np.where(took, mid, lo), np.where(took, hi, mid)
        a, b = (np.where(has_outer, a + (b - a) * (lo / parts), a),
                np.where(has_outer, a + (b - a) * (hi / parts), b))
    return a[:, 0]


def pair_leave_one_out(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""What removing one item in cell *(x, y)* does to each pair's Cohen's kappa, for the jackknife.

    For tables ``T[..., x, y]`` (any leading axes) returns three arrays of the same shape: the change
    :math:`\kappa(T - e_{xy}) - \kappa(T)` where the smaller table still has a kappa; the kappa itself where
    removing the item leaves the pair without one (a single category left: the pair then drops out of a mean of
    pairs); and the indicator of the latter. Closed form, no loop: with *n* items,
    :math:`p_o' = (\mathrm{tr}\,T - 1(x=y))/(n-1)` and
    :math:`p_e' = (\sum_c R_c C_c - C_x - R_y + 1(x=y))/(n-1)^2` (row and column totals *R*, *C*).
    Pairs without a kappa give zeros.
    """
    t = np.asarray(tables, dtype=np.float64)
    q = t.shape[-1]
    eye = np.eye(q)
    n = t.sum((-2, -1))[..., None, None]
    rows, cols = t.sum(-1), t.sum(-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        po = (np.trace(t, axis1=-2, axis2=-1)[..., None, None] - eye) / (n - 1.0)
        pe = ((rows * cols).sum(-1)[..., None, None] - cols[..., :, None] - rows[..., None, :] + eye) / (n - 1.0) ** 2
        loo = (po - pe) / (1.0 - pe)
        full_po = np.trace(t, axis1=-2, axis2=-1) / n[..., 0, 0]
        full_pe = (rows * cols).sum(-1) / n[..., 0, 0] ** 2
        kappa = ((full_po - full_pe) / (1.0 - full_pe))[..., None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        defined = (n > 0) & (1.0 - (rows * cols).sum(-1)[..., None, None] / n ** 2 > 1e-12)
    still = defined & (n > 1.0) & (1.0 - pe > 1e-12)
    dropped = defined & ~still
    return (np.where(still, loo - kappa, 0.0), np.where(dropped, kappa, 0.0), dropped.astype(np.float64))
