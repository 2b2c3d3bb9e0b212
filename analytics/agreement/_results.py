"""Result type of the agreement coefficients, Wald intervals, and the Landis & Koch bands."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Sequence

import numpy as np

from ..exceptions import InvalidParameterError
from ..results import Estimate, warn_undefined

__all__ = ["AgreementEstimate", "landis_koch", "wald_interval", "wald_intervals", "check_confidence_level", "undefined_estimate"]

NAN = float("nan")


@dataclass(frozen=True)
class AgreementEstimate(Estimate):
    """An agreement coefficient with its confidence interval.

    Extends :class:`analytics.results.Estimate` (``value``, ``ci_low``, ``ci_high``, ``n_items``,
    ``n_annotators``, ``method``, ``standard_error``, ``confidence_level``, ``interval_method``, ``reason``).

    Attributes
    ----------
    observed_agreement : float
        The (weighted) observed agreement :math:`p_a` (``1 - D_o/D_max`` style quantity for alpha:
        the share of pairable values that agree, weighted by ``1 - δ/δ_max``).
    expected_agreement : float
        The chance agreement :math:`p_e` the coefficient corrects for.
    standard_error_h0 : float
        Standard error under the null hypothesis "coefficient = 0", where the literature gives one
        (Cohen: Fleiss, Cohen & Everitt 1969; Fleiss: Fleiss, Nee & Landis 1979 for equal raters per
        item); NaN otherwise. For tests of "better than chance", not for intervals.
    weights : str
        ``"identity"`` (unweighted), ``"linear"``, ``"quadratic"``, or the alpha level of measurement.
    annotators : tuple of str
        The two annotators of a pairwise coefficient; empty for multi-rater coefficients.
    n_boot : int
        Bootstrap replicates behind the interval (0 for an analytic interval).
    """

    observed_agreement: float = NAN
    expected_agreement: float = NAN
    standard_error_h0: float = NAN
    weights: str = "identity"
    annotators: tuple[str, ...] = ()
    n_boot: int = 0

    @property
    def z_h0(self) -> float:
        """``value / standard_error_h0``: the z statistic of the test "coefficient = 0" (NaN without it)."""
        if not (np.isfinite(self.standard_error_h0) and self.standard_error_h0 > 0):
            return NAN
        return float(self.value / self.standard_error_h0)

    def with_interval(self, ci_low: float, ci_high: float, *, standard_error: float, interval_method: str,
                      n_boot: int = 0) -> "AgreementEstimate":
        """A copy with another interval (e.g. a bootstrap one)."""
        return replace(self, ci_low=float(ci_low), ci_high=float(ci_high), standard_error=float(standard_error),
                       interval_method=interval_method, n_boot=n_boot)


def check_confidence_level(confidence_level: float) -> float:
    """Validate ``confidence_level`` (strictly between 0 and 1)."""
    if not isinstance(confidence_level, (int, float)) or not 0.0 < float(confidence_level) < 1.0:
        raise InvalidParameterError(
            f"confidence_level must be a number strictly between 0 and 1 (e.g. 0.95), got {confidence_level!r}."
        )
    return float(confidence_level)


def wald_intervals(values: np.ndarray, standard_errors: np.ndarray, confidence_level: float, *,
                   bounds: tuple[float, float] = (-math.inf, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """``value ± z·SE`` clipped to ``bounds`` (coefficients never exceed 1), elementwise; NaN where either is NaN."""
    z = NormalDist().inv_cdf(0.5 + confidence_level / 2.0)  # statistics, not scipy.special: no import cost
    v, se = np.asarray(values, dtype=np.float64), np.asarray(standard_errors, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.clip(v - z * se, bounds[0], bounds[1]), np.clip(v + z * se, bounds[0], bounds[1])


def wald_interval(value: float, standard_error: float, confidence_level: float, *,
                  bounds: tuple[float, float] = (-math.inf, 1.0)) -> tuple[float, float]:
    """``value ± z·SE`` clipped to ``bounds`` (coefficients never exceed 1); NaN when either is NaN."""
    lo, hi = wald_intervals(np.array([value]), np.array([standard_error]), confidence_level, bounds=bounds)
    return float(lo[0]), float(hi[0])


#: Landis & Koch (1977) benchmark bands above 0, as (inclusive upper bound, name).
_BANDS: tuple[tuple[float, str], ...] = (
    (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"), (math.inf, "almost perfect"),
)


def landis_koch(value: float) -> str:
    """Landis & Koch (1977) band of a kappa-type coefficient.

    ``< 0`` poor, ``0–0.20`` slight, ``0.21–0.40`` fair, ``0.41–0.60`` moderate, ``0.61–0.80``
    substantial, ``0.81–1`` almost perfect; ``"undefined"`` for NaN.

    References
    ----------
    Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical data.
    Biometrics, 33(1), 159–174. https://doi.org/10.2307/2529310

    Examples
    --------
    >>> landis_koch(0.72)
    'substantial'
    """
    if not np.isfinite(value):
        return "undefined"
    if value < 0:
        return "poor"
    return next(name for upper, name in _BANDS if value <= upper)


def undefined_estimate(method: str, reason: str, *, n_items: int = 0, n_annotators: int = 0,
                       confidence_level: float = 0.95, weights: str = "identity",
                       annotators: Sequence[str] = (), warn: bool = True, stacklevel: int = 4) -> AgreementEstimate:
    """A NaN estimate carrying ``reason`` (and the :class:`UndefinedMetricWarning` saying it)."""
    if warn:
        warn_undefined(method, reason, stacklevel=stacklevel)
    return AgreementEstimate(
        value=NAN, ci_low=NAN, ci_high=NAN, n_items=int(n_items), n_annotators=int(n_annotators), method=method,
        confidence_level=confidence_level, reason=reason, weights=weights, annotators=tuple(annotators),
    )
