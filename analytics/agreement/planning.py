"""How many items does a pilot need for a kappa interval of a given width?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from statistics import NormalDist

from .._lazy import sparse
from ..exceptions import InvalidParameterError
from ..results import ResultMixin
from ._core import count_based, pairwise_from_tables
from ._results import check_confidence_level

__all__ = ["PilotPlan", "plan_pilot"]

#: Pilot sizes shown in :attr:`PilotPlan.widths`.
GRID = (25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 2000)


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
        :math:`\\sigma_1 = \\sqrt{n}\\,\\mathrm{SE}`: the standard error of kappa on *n* items is
        :math:`\\sigma_1/\\sqrt{n}` and the Wald interval is :math:`2 z \\sigma_1 / \\sqrt{n}` wide.
    coefficient : str
        ``"cohen_kappa"`` (two annotators) or ``"fleiss_kappa"``.
    method : str
        ``"analytic: …"`` or ``"simulation: …"`` with its reference and, for a simulation, its size and seed.
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
        """Expected width of the interval with ``n_items`` items."""
        return _width(self.per_item_sd, n_items, self.confidence_level)

    def items_for(self, ci_width: float) -> int:
        """Items needed for an interval of width ``ci_width``."""
        return _items(self.per_item_sd, ci_width, self.confidence_level)


def _width(sd: float, n: int, confidence_level: float) -> float:
    return float(2.0 * NormalDist().inv_cdf(0.5 + confidence_level / 2.0) * sd / math.sqrt(n))


def _items(sd: float, width: float, confidence_level: float) -> int:
    z = NormalDist().inv_cdf(0.5 + confidence_level / 2.0)
    return int(max(2, math.ceil((2.0 * z * sd / width) ** 2)))


def _model_table(kappa: float, p: np.ndarray) -> np.ndarray:
    """Joint distribution of two ratings: :math:`\\kappa\\,\\mathrm{diag}(p) + (1-\\kappa)\\,p p^\\top`."""
    return kappa * np.diag(p) + (1.0 - kappa) * np.outer(p, p)


def _simulate_counts(kappa: float, p: np.ndarray, m: int, n_items: int, seed: int | None) -> sparse.csr_matrix:
    """Item × category counts of *m* raters under the latent-class model with pairwise kappa ``kappa``."""
    rng = np.random.default_rng(seed)
    q = len(p)
    truth = rng.choice(q, size=n_items, p=p)
    theta = math.sqrt(kappa)
    accurate = rng.random((n_items, m)) < theta
    guess = rng.choice(q, size=(n_items, m), p=p)
    labels = np.where(accurate, truth[:, None], guess)
    rows = np.repeat(np.arange(n_items), m)
    out = sparse.csr_matrix((np.ones(n_items * m), (rows, labels.ravel())), shape=(n_items, q))
    out.sum_duplicates()
    return out


def plan_pilot(
    *,
    expected_kappa: float,
    n_categories: int,
    n_annotators: int,
    prevalence: Sequence[float] | None = None,
    ci_width: float | None = None,
    n_items: int | None = None,
    confidence_level: float = 0.95,
    n_simulated_items: int = 20000,
    seed: int | None = 0,
) -> PilotPlan:
    r"""Items a labeling pilot needs for the kappa interval to be ``ci_width`` wide — and what a pilot size buys.

    Agreement is modelled as a latent class: each item has a true class drawn with ``prevalence``
    (uniform by default) and each annotator reports it with probability :math:`\sqrt{\kappa}`, otherwise
    guesses from the prevalence. Any two annotators then have the joint distribution
    :math:`\kappa\,\mathrm{diag}(p) + (1-\kappa)\,p p^\top`, whose Cohen's (and Fleiss') kappa is exactly
    ``expected_kappa``.

    * **Two annotators** (Cohen's kappa) — analytic: the Fleiss, Cohen & Everitt (1969) variance of that
      table gives :math:`\sigma_1^2 = n\,\mathrm{var}(\hat\kappa)`.
    * **Three or more** (Fleiss' kappa) — simulation: ``n_simulated_items`` items are drawn from the model
      (seeded) and :math:`\sigma_1` is read from Gwet's linearized variance of Fleiss' kappa on them
      (Monte Carlo error about :math:`1/\sqrt{2 \cdot 20000} \approx 0.5\,\%`).

    The Wald interval on *n* items is :math:`2 z \sigma_1/\sqrt{n}` wide (before capping at 1), so
    :math:`n = \lceil (2 z \sigma_1 / w)^2 \rceil`. Skewed prevalence makes kappa noisier, so give
    ``prevalence`` when one class dominates.

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
    n_simulated_items : int
        Size of the simulation (three or more annotators).
    seed : int or None
        Seed of the simulation.

    Returns
    -------
    PilotPlan

    References
    ----------
    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and weighted
    kappa. Psychological Bulletin, 72(5), 323–327. https://doi.org/10.1037/h0028106

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 and 9. Advanced Analytics.

    Examples
    --------
    >>> plan = plan_pilot(expected_kappa=0.8, n_categories=2, n_annotators=2, ci_width=0.2)
    >>> plan.n_items, round(plan.width_for(plan.n_items), 3) <= 0.2
    (139, True)
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
    kappa = float(expected_kappa)
    if n_annotators == 2:
        res = pairwise_from_tables("cohen", _model_table(kappa, p), np.eye(n_categories))
        sd = float(res["se"])  # a table of proportions has n = 1, so its SE is sigma_1
        coefficient = "cohen_kappa"
        how = "analytic: Fleiss, Cohen & Everitt (1969) variance of the model's two-rater table"
    else:
        if not isinstance(n_simulated_items, (int, np.integer)) or n_simulated_items < 100:
            raise InvalidParameterError(f"n_simulated_items must be an integer ≥ 100; got {n_simulated_items!r}.")
        counts = _simulate_counts(kappa, p, int(n_annotators), int(n_simulated_items), seed)
        sd = count_based("fleiss", counts, np.eye(n_categories)).standard_error * math.sqrt(n_simulated_items)
        coefficient = "fleiss_kappa"
        how = (f"simulation: Gwet (2014) variance of Fleiss' kappa on {n_simulated_items:,} simulated items "
               f"(seed {seed})")
    needed = _items(sd, ci_width, confidence_level) if ci_width is not None else 0
    widths = pd.DataFrame({"n_items": list(GRID), "ci_width": [_width(sd, n, confidence_level) for n in GRID]})
    return PilotPlan(
        n_items=needed, ci_width=float(ci_width) if ci_width is not None else float("nan"),
        pilot_items=int(n_items or 0),
        expected_width=_width(sd, int(n_items), confidence_level) if n_items is not None else float("nan"),
        per_item_sd=float(sd), expected_kappa=kappa, n_categories=int(n_categories), n_annotators=int(n_annotators),
        prevalence=tuple(float(x) for x in p), confidence_level=confidence_level, coefficient=coefficient,
        method=how, widths=widths,
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
