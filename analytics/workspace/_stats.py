r"""Small statistics of the trends, in plain Python (no numpy, scipy or pandas).

``aqa history`` must answer within a second as a whole process; importing scipy.stats and statsmodels alone takes
longer than that on a small machine. The few formulas the trends need are therefore written out here and tested
against scipy and statsmodels as oracles (``tests/workspace/test_stats.py``):

* :func:`wald_difference` — the change of a coefficient between two deliveries,
  :math:`\Delta = v_1 - v_0`, :math:`\mathrm{SE}(\Delta) = \sqrt{\mathrm{SE}_0^2 + \mathrm{SE}_1^2}` (independent
  samples of items), Wald interval and z-test; the same rule as :func:`analytics.compare_rounds`.
* :func:`wilson` — Wilson's score interval of a proportion (statsmodels ``proportion_confint(method="wilson")``).
* :func:`two_proportion_z` — the pooled two-proportion z-test (statsmodels ``proportions_ztest``).
* :func:`fisher_less` — the one-sided Fisher exact test of a fall in a proportion (scipy ``fisher_exact``).
* :func:`fisher_two_sided` — the two-sided Fisher exact test of equal proportions (scipy ``fisher_exact``).
* :func:`holm` — Holm's step-down adjustment (statsmodels ``multipletests(method="holm")``).

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22(158),
209–212. https://doi.org/10.1080/01621459.1927.10502953

Fisher, R. A. (1922). On the interpretation of χ² from contingency tables, and the calculation of P. JRSS 85(1),
87–94. https://doi.org/10.2307/2340521

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Statist. 6(2), 65–70.
https://www.jstor.org/stable/4615733
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Sequence

__all__ = ["z_value", "norm_sf", "finite", "Difference", "wald_difference", "wilson", "two_proportion_z",
           "fisher_less", "fisher_two_sided", "holm"]

_NORMAL = NormalDist()
NAN = float("nan")


def finite(value: object) -> bool:
    """Whether ``value`` is a finite number (None and NaN are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def z_value(confidence_level: float) -> float:
    """The two-sided normal quantile of ``confidence_level`` (1.96 for 0.95)."""
    return _NORMAL.inv_cdf(0.5 + confidence_level / 2.0)


def norm_sf(z: float) -> float:
    """Upper tail of the standard normal, :math:`P(Z > z)`."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


@dataclass(frozen=True)
class Difference:
    """``after - before`` with its standard error, interval and p-values (NaN when it cannot be computed)."""

    difference: float
    standard_error: float
    ci_low: float
    ci_high: float
    p_two_sided: float
    p_drop: float  # one-sided: H1 after < before
    p_rise: float  # one-sided: H1 after > before


def wald_difference(before: float | None, se_before: float | None, after: float | None, se_after: float | None,
                    confidence_level: float = 0.95) -> Difference:
    r"""Change of an estimate between two independent samples, with the Wald interval and z-tests.

    :math:`\Delta = a - b`, :math:`\mathrm{SE} = \sqrt{\mathrm{SE}_b^2 + \mathrm{SE}_a^2}`,
    :math:`z = \Delta / \mathrm{SE}`; ``p_drop`` :math:`= \Phi(z)`, ``p_rise`` :math:`= 1 - \Phi(z)`.
    """
    if not all(finite(v) for v in (before, se_before, after, se_after)):
        diff = after - before if finite(before) and finite(after) else NAN  # type: ignore[operator]
        return Difference(diff, NAN, NAN, NAN, NAN, NAN, NAN)
    diff = float(after) - float(before)  # type: ignore[arg-type]
    se = math.sqrt(float(se_before) ** 2 + float(se_after) ** 2)  # type: ignore[arg-type]
    if se <= 0:
        return Difference(diff, se, NAN, NAN, NAN, NAN, NAN)
    z = z_value(confidence_level)
    stat = diff / se
    return Difference(diff, se, diff - z * se, diff + z * se, min(1.0, 2.0 * norm_sf(abs(stat))), norm_sf(-stat),
                      norm_sf(stat))


def wilson(x: int, n: int, confidence_level: float = 0.95) -> tuple[float, float]:
    r"""Wilson score interval of :math:`x/n`:
    :math:`\frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}` (NaN for n = 0)."""
    if n <= 0:
        return NAN, NAN
    z = z_value(confidence_level)
    p = x / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_z(x_before: int, n_before: int, x_after: int, n_after: int, *,
                     alternative: str = "two-sided") -> float:
    r"""p-value of the pooled two-proportion z-test of the share after vs before.

    :math:`z = (\hat p_a - \hat p_b) / \sqrt{\bar p(1-\bar p)(1/n_a + 1/n_b)}` with the pooled share
    :math:`\bar p`; ``alternative`` ``"larger"`` (the share rose), ``"smaller"`` or ``"two-sided"``. NaN when
    undefined (an empty sample, or a pooled share of 0 or 1).
    """
    if n_before <= 0 or n_after <= 0:
        return NAN
    pooled = (x_before + x_after) / (n_before + n_after)
    var = pooled * (1 - pooled) * (1 / n_before + 1 / n_after)
    if var <= 0:
        return NAN
    z = (x_after / n_after - x_before / n_before) / math.sqrt(var)
    if alternative == "larger":
        return norm_sf(z)
    if alternative == "smaller":
        return norm_sf(-z)
    return min(1.0, 2.0 * norm_sf(abs(z)))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _hypergeom_tail(start: int, step: int, stop: int, total: int, successes: int, draws: int) -> float:
    """Sum of the hypergeometric pmf from ``start`` towards ``stop`` (``step`` ±1), ``start`` on the far side of the
    mode so the terms only shrink: one log-pmf by ``lgamma``, then the ratio of neighbours, stopped once the rest
    cannot change the sum (the pmf is log-concave, so the terms fall at least geometrically)."""
    term = math.exp(_log_comb(successes, start) + _log_comb(total - successes, draws - start)
                    - _log_comb(total, draws))
    terms, k = [term], start
    while k != stop and term > 0.0:
        if step < 0:  # pmf(k - 1) / pmf(k)
            ratio = k * (total - successes - draws + k) / ((successes - k + 1) * (draws - k + 1))
        else:  # pmf(k + 1) / pmf(k)
            ratio = (successes - k) * (draws - k) / ((k + 1) * (total - successes - draws + k + 1))
        term *= ratio
        k += step
        terms.append(term)
        if ratio < 1.0 and term * ratio / (1.0 - ratio) < 1e-17 * terms[0]:
            break
    return math.fsum(terms)


def fisher_less(x_after: int, n_after: int, x_before: int, n_before: int) -> float:
    r"""One-sided Fisher exact test that the share after is smaller than before.

    The p-value is the hypergeometric lower tail :math:`P(X \le x_a)`, with :math:`X` the successes among
    :math:`n_a` draws from :math:`n_a + n_b` with :math:`x_a + x_b` successes (scipy
    ``fisher_exact([[x_a, n_a - x_a], [x_b, n_b - x_b]], alternative="less")``). NaN for an empty sample.

    The tail is summed from its end nearest the mode :math:`\lfloor (n_a + 1)(x_a + x_b + 1) / (N + 2) \rfloor`
    outwards by the ratio of neighbouring terms,
    :math:`p(k-1)/p(k) = k (N - K - n + k) / ((K - k + 1)(n - k + 1))`; when :math:`x_a` lies above the mode, as
    :math:`1 - P(X \ge x_a + 1)`. A few terms suffice instead of one ``lgamma`` triple per term.
    """
    if n_after <= 0 or n_before <= 0:
        return NAN
    total, successes, draws = n_after + n_before, x_after + x_before, n_after
    low = max(0, draws - (total - successes))
    high = min(successes, draws)
    if x_after < low:
        return 0.0
    if x_after >= high:
        return 1.0
    mode = (draws + 1) * (successes + 1) // (total + 2)
    if x_after <= mode:
        return min(1.0, _hypergeom_tail(x_after, -1, low, total, successes, draws))
    return min(1.0, max(0.0, 1.0 - _hypergeom_tail(x_after + 1, +1, high, total, successes, draws)))


def fisher_two_sided(x_before: int, n_before: int, x_after: int, n_after: int) -> float:
    r"""Two-sided Fisher exact test of equal shares: the probability of every table as likely as the one seen or less.

    With :math:`X` the successes among :math:`n_b` draws from :math:`n_b + n_a` holding :math:`x_b + x_a` successes
    (hypergeometric), :math:`p = \sum_{k: P(X=k) \le P(X=x_b)(1 + 10^{-7})} P(X = k)` — scipy
    ``fisher_exact([[x_b, n_b - x_b], [x_a, n_a - x_a]])``. NaN for an empty sample.
    """
    if n_after <= 0 or n_before <= 0:
        return NAN
    total, successes, draws = n_after + n_before, x_after + x_before, n_before
    low, high = max(0, draws - (total - successes)), min(successes, draws)
    mode = min(max((draws + 1) * (successes + 1) // (total + 2), low), high)
    log_all = _log_comb(total, draws)
    log_mode = _log_comb(successes, mode) + _log_comb(total - successes, draws - mode) - log_all
    # every term relative to the mode's, walked outwards by the ratio of neighbours (the pmf is unimodal and
    # log-concave: once a side's terms are below the observed one they only shrink, geometrically)
    limit = math.exp(_log_comb(successes, x_before) + _log_comb(total - successes, draws - x_before) - log_all
                     - log_mode) * (1.0 + 1e-7)
    terms = [1.0] if limit >= 1.0 else []
    for step, stop in ((-1, low), (1, high)):
        k, term = mode, 1.0
        while k != stop and term > 0.0:
            if step < 0:
                ratio = k * (total - successes - draws + k) / ((successes - k + 1) * (draws - k + 1))
            else:
                ratio = (successes - k) * (draws - k) / ((k + 1) * (total - successes - draws + k + 1))
            term *= ratio
            k += step
            if term <= limit:
                terms.append(term)
                if ratio < 1.0 and term * ratio / (1.0 - ratio) < 1e-17 * limit:
                    break
    return min(1.0, math.exp(log_mode) * math.fsum(terms))


def holm(p_values: Sequence[float], alpha: float) -> tuple[list[float], list[bool]]:
    r"""Holm's step-down adjusted p-values and rejections (NaN stays NaN / False), as :func:`analytics.gold.holm`.

    With the *m* finite p-values sorted, :math:`\tilde p_{(i)} = \min(1, \max_{j \le i} (m - j + 1) p_{(j)})`.
    """
    adjusted = [NAN] * len(p_values)
    reject = [False] * len(p_values)
    ok = sorted((p, i) for i, p in enumerate(p_values) if finite(p))
    m = len(ok)
    running, still = 0.0, True
    for j, (p, i) in enumerate(ok):
        running = max(running, min(1.0, (m - j) * p))
        adjusted[i] = running
        still = still and p <= alpha / (m - j)
        reject[i] = still
    return adjusted, reject
