r"""Reproducible audit samples of annotations, and what they can catch.

An audit draws a share of the annotations for a second look, stratified by label or annotator, and says how
likely it is to catch an error at a given error rate: if a share :math:`r` of the :math:`N` annotations is
wrong (:math:`K = \lceil rN \rceil`), a sample of :math:`n` holds at least one of them with probability
:math:`1 - \binom{N-K}{n} / \binom{N}{n}` (hypergeometric).

References
----------
Cochran, W. G. (1977). Sampling Techniques (3rd ed.). Wiley. ISBN 0-471-16240-X (proportional stratified
allocation; hypergeometric detection probability for finite populations).

Hanley, J. A., & Lippman-Hand, A. (1983). If nothing goes wrong, is everything all right? JAMA, 249(13),
1743–1745. https://doi.org/10.1001/jama.1983.03330370053031
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Sequence

import numpy as np
import pandas as pd

from .._reshape import require_annotators, require_single_label
from ..exceptions import InvalidParameterError
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["AuditSample", "audit_sample", "detection_probability", "percent_text"]


@dataclass(frozen=True, eq=False)
class AuditSample(ResultMixin):
    """A reproducible audit sample of annotations and what it can detect.

    Attributes
    ----------
    sample : pandas.DataFrame
        The sampled annotation rows (all columns of ``annotations.frame``) plus ``stratum``.
    strata : pandas.DataFrame
        ``stratum, n_population, n_sampled``.
    detection_power : pandas.DataFrame
        ``error_rate, p_detect``: probability that the sample contains at least one erroneous annotation
        if that share of the population is wrong (hypergeometric).
    detectable_error_rate : float
        Smallest error rate caught (at least one error in the sample) with probability ≥ ``confidence_level``;
        also the upper confidence bound on the error rate when the audit finds no error.
    fraction : float
    n_population, n_sampled : int
    stratify_by : str or None
    seed : int or None
    confidence_level : float
    """

    sample: pd.DataFrame
    strata: pd.DataFrame
    detection_power: pd.DataFrame
    detectable_error_rate: float
    fraction: float
    n_population: int
    n_sampled: int
    stratify_by: str | None
    seed: int | None
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        return self.sample.copy()

    @property
    def sentence(self) -> str:
        """What the sample can catch, in words (the rate with as many digits as it needs: 0.012%, not 0.0%).

        Examples
        --------
        >>> import pandas as pd
        >>> from analytics import load_annotations, audit_sample
        >>> df = pd.DataFrame({"item_id": range(200), "annotator_id": ["a", "b"] * 100, "label": ["x", "y"] * 100})
        >>> audit_sample(load_annotations(df), fraction=0.1, seed=1).sentence[:90]
        '20 of 200 annotations sampled. If 13.5% or more of the annotations are wrong, the sample h'
        """
        return f"{self.n_sampled:,} of {self.n_population:,} annotations sampled. {self.detection_sentence}"

    @property
    def detection_sentence(self) -> str:
        """The error rate the sample catches with ``confidence_level`` probability, in one sentence."""
        rate = self.detectable_error_rate
        if not np.isfinite(rate):
            return (f"The sample is too small to contain a wrong annotation with {self.confidence_level:.0%} "
                    "probability at any error rate; audit a larger fraction.")
        return (f"If {percent_text(rate)} or more of the annotations are wrong, the sample holds at least one of them "
                f"with {self.confidence_level:.0%} probability.")


def percent_text(share: float) -> str:
    """A share as a percentage with the digits it needs: ``0.052 → "5.2%"``, ``0.00012 → "0.012%"`` (never "0.0%")."""
    pct = 100.0 * share
    return f"{pct:.1f}%" if pct >= 1 else f"{pct:.2g}%"


def _allocate(sizes: np.ndarray, total: int) -> np.ndarray:
    """Proportional allocation of ``total`` over strata by largest remainder (never above a stratum's size)."""
    quota = sizes * total / sizes.sum()
    alloc = np.floor(quota).astype(np.int64)
    short = total - int(alloc.sum())
    if short > 0:
        order = np.argsort(-(quota - alloc), kind="stable")
        alloc[order[:short]] += 1
    return np.minimum(alloc, sizes)


def detection_probability(n_population: int, n_sampled: int, error_rate: np.ndarray) -> np.ndarray:
    r"""P(at least one of ``n_sampled`` draws without replacement is an error) = :math:`1 - \binom{N-K}{n}/\binom{N}{n}`, :math:`K = \lceil rN \rceil`."""
    from scipy import stats  # here, not at import: scipy.stats takes ~1 s to import and routing does not need it

    k = np.ceil(np.asarray(error_rate, dtype=float) * n_population - 1e-9).astype(np.int64)
    return 1.0 - stats.hypergeom.pmf(0, n_population, k, n_sampled)


def _smallest_detectable(n_population: int, n_sampled: int, confidence_level: float) -> float:
    """Smallest error rate K/N whose detection probability reaches ``confidence_level`` (bisection on K)."""
    from scipy import stats

    def power(k: int) -> float:
        return float(1.0 - stats.hypergeom.pmf(0, n_population, k, n_sampled))

    if power(n_population) < confidence_level:
        return float("nan")
    lo, hi = 0, n_population  # power(lo) < level <= power(hi); power rises with K
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if power(mid) >= confidence_level else (mid, hi)
    return hi / n_population


def audit_sample(
    annotations: "AnnotationSet", *, fraction: float = 0.05,
    stratify_by: Literal["label", "annotator"] | None = "label", seed: int | None = 0,
    confidence_level: float = 0.95, error_rates: Sequence[float] = (0.01, 0.02, 0.05, 0.10, 0.20),
) -> AuditSample:
    r"""Draw a reproducible, stratified random sample of annotations for an audit.

    ``round(fraction · N)`` annotations (at least one) are allocated to strata in proportion to their
    size (largest remainder) and drawn without replacement within each stratum. If a share *r* of the
    *N* annotations is wrong (:math:`K = \lceil rN \rceil`), the audit of *n* annotations catches at
    least one error with probability :math:`1 - \binom{N-K}{n} / \binom{N}{n}`
    (:math:`\approx 1 - (1 - r)^n`); ``detectable_error_rate`` is the smallest *r* for which that
    probability reaches ``confidence_level`` (about :math:`3/n` at 95 %, the "rule of three").

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations.
    fraction : float
        Share of annotations to audit, in (0, 1]; 0.05–0.10 is the usual range (a warning outside it).
    stratify_by : {"label", "annotator"} or None
        Stratify by the annotation's label, by annotator, or draw a simple random sample.
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same sample.
    confidence_level : float
        For ``detectable_error_rate``.
    error_rates : sequence of float
        Error rates at which ``detection_power`` is tabulated.

    Returns
    -------
    AuditSample

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques (3rd ed.), ch. 5 (stratified sampling). Wiley.
    Hanley, J. A., & Lippman-Hand, A. (1983). If nothing goes wrong, is everything all right?
    JAMA, 249(13), 1743–1745. https://doi.org/10.1001/jama.1983.03330370053031

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, audit_sample
    >>> df = pd.DataFrame({"item_id": range(200), "annotator_id": ["a", "b"] * 100, "label": ["x", "y", "y", "y"] * 50})
    >>> audit = audit_sample(load_annotations(df), fraction=0.1, seed=1)
    >>> audit.n_sampled, audit.strata["n_sampled"].tolist()
    (20, [5, 15])
    """
    if not 0 < fraction <= 1:
        raise InvalidParameterError(f"fraction must lie in (0, 1], not {fraction!r}.")
    if stratify_by not in ("label", "annotator", None):
        raise InvalidParameterError(f"stratify_by must be 'label', 'annotator' or None, not {stratify_by!r}.")
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")
    if not 0.05 <= fraction <= 0.10:
        warnings.warn(f"fraction={fraction} is outside the usual audit range 0.05–0.10.", UserWarning, stacklevel=2)
    require_single_label(annotations, "audit_sample")
    if stratify_by == "annotator":
        require_annotators(annotations, "audit_sample(stratify_by='annotator')")
    frame = annotations.frame
    n_pop = len(frame)
    if stratify_by == "label":
        codes, names = annotations.label_codes, np.asarray(annotations.categories, dtype=object)
    elif stratify_by == "annotator":
        codes, names = annotations.annotator_codes, np.asarray(annotations.annotator_ids, dtype=object)
    else:
        codes, names = np.zeros(n_pop, dtype=np.int64), np.asarray(["all"], dtype=object)
    sizes = np.bincount(codes, minlength=len(names))
    total = max(1, int(round(fraction * n_pop)))
    alloc = _allocate(sizes, total)
    rng = np.random.default_rng(seed)
    key = rng.random(n_pop)
    order = np.lexsort((key, codes))  # by stratum, random within
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n_pop, dtype=np.int64)
    rank[order] = np.arange(n_pop) - np.repeat(starts, sizes)
    chosen = np.flatnonzero(rank < alloc[codes])
    chosen = chosen[np.argsort(codes[chosen] * (n_pop + 1) + rank[chosen], kind="stable")]
    sample = frame.iloc[chosen].copy()
    sample["stratum"] = names[codes[chosen]]
    n = len(chosen)
    rates = np.asarray(error_rates, dtype=float)
    detectable = _smallest_detectable(n_pop, n, confidence_level)
    present = sizes > 0
    return AuditSample(
        sample=sample.reset_index(drop=True),
        strata=pd.DataFrame({"stratum": names[present], "n_population": sizes[present], "n_sampled": alloc[present]}),
        detection_power=pd.DataFrame({"error_rate": rates, "p_detect": detection_probability(n_pop, n, rates)}),
        detectable_error_rate=detectable,
        fraction=float(fraction), n_population=n_pop, n_sampled=n, stratify_by=stratify_by, seed=seed,
        confidence_level=float(confidence_level),
    )
