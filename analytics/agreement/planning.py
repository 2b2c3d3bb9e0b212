"""How many items does a pilot need for a kappa interval of a given width?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError
from ..results import ResultMixin
from ._results import check_confidence_level
from .intervals import count_model_variance, pair_model_variance, score_intervals

__all__ = ["PilotPlan", "plan_pilot"]

#: Pilot sizes shown in :attr:`PilotPlan.widths`.
GRID = (25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 2000)
_MAX_ITEMS = 10_000_000


@dataclass(frozen=True)
class PilotPlan(ResultMixin):
    """Pilot size versus the width of the kappa confidence interval.

    Attributes
    ----------
    n_items : int
        Items needed for an interval of width ``ci_width`` (0 when no ``ci_width`` was asked).
    ci_width : float
        The width asked for (NaN when only a pilot size was given).
    pilot_items : int
        The pilot size asked about (0 when none was given).
    expected_width : float
        The interval width ``pilot_items`` items buy (NaN when no pilot size was given).
    per_item_sd : float
        :math:`\\sigma_1 = \\sqrt{n}\\,\\mathrm{SE}`: the model's standard error of kappa on *n* items is
        :math:`\\sigma_1/\\sqrt{n}`.
    coefficient : str
        ``"cohen_kappa"`` (two annotators) or ``"fleiss_kappa"``.
    method : str
        How the widths were computed, with references.
    widths : pandas.DataFrame
        ``n_items`` and ``ci_width`` for common pilot sizes (25 … 2000 items).
    """

    n_items: int
    ci_width: float
    pilot_items: int
    expected_width: float
    per_item_sd: float
    expected_kappa: float
    n_categories: int
    n_annotators: int
    prevalence: tuple[float, ...]
    confidence_level: float
    coefficient: str
    method: str
    widths: pd.DataFrame

    def width_for(self, n_items: int) -> float:
        """Width of the default (score) interval with ``n_items`` items at the expected kappa."""
        return float(_widths(self.expected_kappa, np.asarray(self.prevalence), self.n_annotators,
                             np.array([n_items], dtype=np.float64), self.confidence_level)[0])

    def items_for(self, ci_width: float) -> int:
        """Items needed for a default interval of width ``ci_width``."""
        return _items(self.expected_kappa, np.asarray(self.prevalence), self.n_annotators, ci_width,
                      self.confidence_level)


def _model_inputs(p: np.ndarray, m: int, n: np.ndarray) -> dict:
    hist = np.zeros((len(n), m + 1))
    hist[:, m] = n
    out = {"prevalence": np.tile(p, (len(n), 1)), "ratings_counts": hist, "n_pairable": n}
    if m == 2:
        out.update(kind="pairs", n_pairs=np.ones(len(n)), pair_items=n)
    else:
        out.update(kind="fleiss")
    return out


def _variance(kappa: float, p: np.ndarray, m: int, n: np.ndarray) -> np.ndarray:
    """The model variance of the kappa estimate on ``n`` items (each rated by all ``m`` annotators)."""
    inputs = _model_inputs(p, m, n)
    k0 = np.full((len(n), 1), kappa)
    if m == 2:
        return pair_model_variance(k0, inputs["prevalence"], inputs["ratings_counts"], inputs["n_pairs"],
                                   inputs["pair_items"])[:, 0]
    return count_model_variance(k0, inputs["prevalence"], inputs["ratings_counts"], "fleiss")[:, 0]


def _widths(kappa: float, p: np.ndarray, m: int, n: np.ndarray, confidence_level: float) -> np.ndarray:
    """Width of the default interval on a pilot of ``n`` items that shows exactly the expected kappa."""
    se = np.sqrt(_variance(kappa, p, m, n))
    lo, hi = score_intervals(np.full(len(n), kappa), se, confidence_level=confidence_level, **_model_inputs(p, m, n))
    return hi - lo


def _items(kappa: float, p: np.ndarray, m: int, width: float, confidence_level: float) -> int:
    """The smallest pilot whose default interval is at most ``width`` wide (the width falls with the items)."""
    grid = np.unique(np.geomspace(2, _MAX_ITEMS, 80).astype(np.int64)).astype(np.float64)
    widths = _widths(kappa, p, m, grid, confidence_level)
    fits = np.flatnonzero(widths <= width)
    if not len(fits):
        raise InvalidParameterError(f"Even {_MAX_ITEMS:,} items do not give an interval {width} wide; ask for a "
                                    "wider interval.")
    hi = int(grid[fits[0]])
    lo = int(grid[fits[0] - 1]) if fits[0] > 0 else 1
    while hi - lo > 1:                            # widths[lo] > width >= widths[hi]
        mid = (lo + hi) // 2
        if _widths(kappa, p, m, np.array([float(mid)]), confidence_level)[0] <= width:
            hi = mid
        else:
            lo = mid
    return max(hi, 2)


def plan_pilot(
    *,
    expected_kappa: float,
    n_categories: int,
    n_annotators: int,
    prevalence: Sequence[float] | None = None,
    ci_width: float | None = None,
    n_items: int | None = None,
    confidence_level: float = 0.95,
) -> PilotPlan:
    r"""Items a labeling pilot needs for the kappa interval to be ``ci_width`` wide — and what a pilot size buys.

    Agreement is modelled as a latent class: each item has a true class drawn with ``prevalence`` (uniform by
    default) and each annotator reports it with probability :math:`\sqrt{\kappa}`, otherwise guesses from the
    prevalence. Any two annotators then have the joint distribution :math:`\kappa\,\mathrm{diag}(p) +
    (1-\kappa)\,p p^\top`, whose Cohen's (and Fleiss') kappa is exactly ``expected_kappa`` — the model of the
    coverage study (``benchmarks/coverage.py``) and of the default interval.

    The width is that of the **default (score) interval** (:mod:`analytics.agreement.intervals`) on a pilot that
    shows exactly the expected kappa, with the model's exact variance: the Fleiss, Cohen & Everitt (1969)
    variance of Cohen's kappa for two annotators, Gwet's (2014) linearized variance of Fleiss' kappa for more
    (exact moments under the model, no simulation). It is the interval the summary will print, so the pilot
    the plan recommends gives the promised width (a test simulates such pilots and checks the mean width
    within 10 %). The smallest such pilot is found by bisection on the number of items. Skewed prevalence
    makes kappa noisier, so give ``prevalence`` when one class dominates.

    Parameters
    ----------
    expected_kappa : float
        The agreement you expect, strictly between 0 and 1.
    n_categories : int
        Number of classes (≥ 2).
    n_annotators : int
        Annotators per item (≥ 2).
    prevalence : sequence of float, optional
        Expected class shares (normalized to sum to 1); uniform when omitted.
    ci_width : float, optional
        Desired full width of the confidence interval (e.g. 0.1 for ±0.05).
    n_items : int, optional
        A pilot size whose expected interval width to report. Give ``ci_width``, ``n_items`` or both.
    confidence_level : float

    Returns
    -------
    PilotPlan

    References
    ----------
    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and weighted
    kappa. Psychological Bulletin, 72(5), 323–327. https://doi.org/10.1037/h0028106

    Donner, A., & Eliasziw, M. (1992). A goodness-of-fit approach to inference procedures for the kappa
    statistic: confidence interval construction, significance-testing and sample size estimation. Statistics in
    Medicine, 11(11), 1511–1519. https://doi.org/10.1002/sim.4780111109

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 and 9. Advanced Analytics.

    Examples
    --------
    >>> plan = plan_pilot(expected_kappa=0.8, n_categories=2, n_annotators=2, ci_width=0.2)
    >>> plan.width_for(plan.n_items) <= 0.2 < plan.width_for(plan.n_items - 1)
    True
    """
    check_confidence_level(confidence_level)
    if not isinstance(expected_kappa, (int, float)) or not 0.0 < float(expected_kappa) < 1.0:
        raise InvalidParameterError(f"expected_kappa must be strictly between 0 and 1; got {expected_kappa!r}.")
    if not isinstance(n_categories, (int, np.integer)) or n_categories < 2:
        raise InvalidParameterError(f"n_categories must be an integer ≥ 2; got {n_categories!r}.")
    if not isinstance(n_annotators, (int, np.integer)) or n_annotators < 2:
        raise InvalidParameterError(f"n_annotators must be an integer ≥ 2; got {n_annotators!r}.")
    if ci_width is None and n_items is None:
        raise InvalidParameterError("Give ci_width= (items needed for that width), n_items= (width a pilot size "
                                    "buys), or both.")
    if ci_width is not None and not (isinstance(ci_width, (int, float)) and 0.0 < ci_width < 2.0):
        raise InvalidParameterError(f"ci_width must be a number in (0, 2), e.g. 0.1; got {ci_width!r}.")
    if n_items is not None and (not isinstance(n_items, (int, np.integer)) or n_items < 2):
        raise InvalidParameterError(f"n_items must be an integer ≥ 2; got {n_items!r}.")
    p = _prevalence(prevalence, n_categories)
    kappa, m = float(expected_kappa), int(n_annotators)
    sd = float(np.sqrt(_variance(kappa, p, m, np.array([1.0]))[0]))
    coefficient = "cohen_kappa" if m == 2 else "fleiss_kappa"
    how = ("score interval (the default) of the latent-class model with its exact variance: Fleiss, Cohen & Everitt "
           "(1969) for two annotators, Gwet (2014) linearization of Fleiss' kappa for more; Student t quantile")
    needed = _items(kappa, p, m, float(ci_width), confidence_level) if ci_width is not None else 0
    widths = pd.DataFrame({"n_items": list(GRID),
                           "ci_width": _widths(kappa, p, m, np.array(GRID, dtype=np.float64), confidence_level)})
    expected = (float(_widths(kappa, p, m, np.array([float(n_items)]), confidence_level)[0])
                if n_items is not None else float("nan"))
    return PilotPlan(
        n_items=needed, ci_width=float(ci_width) if ci_width is not None else float("nan"),
        pilot_items=int(n_items or 0), expected_width=expected, per_item_sd=sd, expected_kappa=kappa,
        n_categories=int(n_categories), n_annotators=m, prevalence=tuple(float(x) for x in p),
        confidence_level=confidence_level, coefficient=coefficient, method=how, widths=widths,
    )


def _prevalence(prevalence: Sequence[float] | None, n_categories: int) -> np.ndarray:
    if prevalence is None:
        return np.full(n_categories, 1.0 / n_categories)
    p = np.asarray(prevalence, dtype=np.float64)
    if p.shape != (n_categories,) or not np.isfinite(p).all() or (p < 0).any() or p.sum() <= 0:
        raise InvalidParameterError(
            f"prevalence must hold {n_categories} non-negative shares (one per category); got {list(prevalence)!r}.")
    if (p == 0).any():
        raise InvalidParameterError("prevalence has a zero share; drop that category from n_categories instead.")
    return p / p.sum()
