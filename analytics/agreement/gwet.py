"""Gwet's AC1/AC2, Scott's pi, Brennan–Prediger and percent agreement.

All are count-based multi-rater coefficients of the form :math:`(p_a - p_e)/(1 - p_e)` sharing Fleiss'
observed agreement :math:`p_a` (see :func:`analytics.fleiss_kappa`); they differ in the chance agreement
:math:`p_e`. Standard errors are Gwet's linearized variances (as R/Python ``irrCAC``).
"""

from __future__ import annotations

from typing import Any, Sequence

from ._counts import count_coefficient, prepare
from ._input import IntervalMethod, Weights
from ._pairs import pair_coefficient
from ._results import AgreementEstimate

__all__ = ["gwet_ac1", "scott_pi", "brennan_prediger", "percent_agreement"]


def gwet_ac1(
    annotations: Any,
    *,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Gwet's AC1 (unweighted) or AC2 (weighted): a chance-corrected agreement robust to skewed classes.

    .. math:: \mathrm{AC} = \frac{p_a - p_e}{1 - p_e}, \qquad
              p_e = \frac{T_w}{q(q-1)} \sum_c \pi_c (1 - \pi_c)

    with Fleiss' observed agreement :math:`p_a`, the category proportions :math:`\pi_c`, *q* the number of
    categories of the set (declared ones included, even unused) and :math:`T_w` the sum of the weights
    (:math:`T_w = q` unweighted). Chance agreement here is the probability that two raters agree on a
    hard-to-classify item by guessing; unlike kappa it stays small when one class dominates, so AC1 does
    not collapse in the "kappa paradox" (high raw agreement, low kappa). Missing ratings: as Fleiss.

    The standard error is Gwet's (2008) linearized variance (for two raters on every item it equals
    the contingency-table formula times :math:`\sqrt{n/(n-1)}`). The default interval (``method="score"``) is
    the union of the score interval on the observed agreement and the Agresti–Coull effective-trials interval
    (:mod:`analytics.agreement.intervals`; the coverage study's choice: each alone fails somewhere — the model when
    a pilot shows a single class, Agresti–Coull at low agreement among many classes); AC2 (weighted) gets the
    Agresti–Coull interval. ``method="analytic"``: Wald; ``method="bootstrap"``: percentile bootstrap.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    weights : {None, "linear", "quadratic"}
        ``None`` gives AC1; weights over the category order give AC2 (``method == "gwet_ac2"``).
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of high agreement.
    British Journal of Mathematical and Statistical Psychology, 61(1), 29–48.
    https://doi.org/10.1348/000711006X126600

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": list(range(10)) * 2, "annotator_id": ["a"] * 10 + ["b"] * 10,
    ...                    "label": ["ok"] * 9 + ["bad"] + ["ok"] * 8 + ["bad", "ok"]})
    >>> round(gwet_ac1(load_annotations(df)).value, 3)
    0.756
    """
    name = "gwet_ac1" if weights is None else "gwet_ac2"
    return count_coefficient(annotations, "gwet", name, weights=weights, confidence_level=confidence_level,
                             method=method, n_boot=n_boot, seed=seed)


def brennan_prediger(
    annotations: Any,
    *,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Brennan–Prediger coefficient (free-marginal kappa): chance agreement :math:`p_e = T_w / q^2` (``1/q`` unweighted).

    *q* is the number of categories of the set. With equal raters and no weights this is Randolph's
    free-marginal multirater kappa (statsmodels ``fleiss_kappa(method="randolph")``).

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    weights : {None, "linear", "quadratic"}
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate

    References
    ----------
    Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: Some uses, misuses, and alternatives.
    Educational and Psychological Measurement, 41(3), 687–699. https://doi.org/10.1177/001316448104100307

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": ["a", "b"] * 2, "label": ["x", "x", "y", "x"]})
    >>> brennan_prediger(load_annotations(df)).value
    0.0
    """
    return count_coefficient(annotations, "brennan_prediger", "brennan_prediger", weights=weights,
                             confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)


def percent_agreement(
    annotations: Any,
    *,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Observed (raw) agreement: the share of agreeing rating pairs, averaged over items with ≥ 2 ratings.

    .. math:: p_a = \frac{1}{n'}\sum_{i:\,r_i \ge 2}\sum_c \frac{n_{ic}(n^\star_{ic} - 1)}{r_i(r_i - 1)}

    For two annotators it is the share of common items they label alike. It is not corrected for
    chance: with one dominant class it is high even for random labels (compare :func:`gwet_ac1`).
    Interval: the default is the union of the score interval and the Agresti–Coull effective-trials interval on the
    agreement scale (see :func:`gwet_ac1`); ``method="analytic"`` is Wald with the variance of the item-level
    agreements, clipped to [0, 1]; ``method="bootstrap"`` a percentile bootstrap.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    weights : {None, "linear", "quadratic"}
        Partial credit for near misses on an ordinal scale.
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate

    References
    ----------
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 2. Advanced Analytics.

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": ["a", "b"] * 2, "label": ["x", "x", "y", "x"]})
    >>> percent_agreement(load_annotations(df)).value
    0.5
    """
    return count_coefficient(annotations, "percent", "percent_agreement", weights=weights,
                             confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)


def scott_pi(
    annotations: Any,
    *,
    annotators: Sequence[Any] | None = None,
    weights: Weights = None,
    confidence_level: float = 0.95,
    method: IntervalMethod = "score",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AgreementEstimate:
    r"""Scott's pi: kappa with chance agreement from the pooled marginals of the two annotators.

    For a pair (``annotators=(a, b)``, or a set with exactly two annotators), on the items both labelled:

    .. math:: \pi = \frac{p_o - p_e}{1 - p_e}, \qquad p_e = \sum_{c,k} w_{ck}\,\bar p_c \bar p_k, \qquad
              \bar p_c = \frac{p_{c\cdot} + p_{\cdot c}}{2},

    With more than two annotators (or anonymous ones) Scott's pi generalizes to Fleiss' kappa (Fleiss 1971), which
    is then returned under the name ``scott_pi``.

    **Standard error.** Scott's pi of two annotators *is* Fleiss' kappa of the items both labelled, so it has one
    standard error, Fleiss' (Gwet 2014, ch. 5: :math:`\frac{1}{n(n-1)}\sum_i(\kappa^\star_i-\kappa)^2`, irrCAC's
    raw-data formula, tested against irrCAC) and the same interval as :func:`fleiss_kappa` on those items. (The
    contingency-table formula of Gwet 2014, sec. 2.4, divides by :math:`n^2` and is :math:`\sqrt{(n-1)/n}`
    smaller: 29 % at two items.) The default interval is the score interval of :func:`fleiss_kappa`.

    Parameters
    ----------
    annotations : AnnotationSet or pandas.DataFrame
    annotators : pair of annotator ids, optional
    weights : {None, "linear", "quadratic"}
    confidence_level : float
    method : {"score", "analytic", "bootstrap"}
    n_boot : int
    seed : int or None

    Returns
    -------
    AgreementEstimate

    References
    ----------
    Scott, W. A. (1955). Reliability of content analysis: The case of nominal scale coding. Public Opinion
    Quarterly, 19(3), 321–325. https://doi.org/10.1086/266577

    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 2 and 5. Advanced Analytics.

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator_id": ["a", "b"] * 3,
    ...                    "label": ["x", "x", "y", "x", "y", "y"]})
    >>> round(scott_pi(load_annotations(df)).value, 3)
    0.333
    """
    aset = prepare(annotations, "scott_pi", confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)
    if annotators is not None or (aset.annotators_known and aset.n_annotators == 2):
        return pair_coefficient(aset, "scott", "scott_pi", annotators=annotators, weights=weights,
                                confidence_level=confidence_level, method=method, n_boot=n_boot, seed=seed)
    return count_coefficient(aset, "fleiss", "scott_pi", weights=weights, confidence_level=confidence_level,
                             method=method, n_boot=n_boot, seed=seed)
