"""The default (``method="score"``) intervals of the coefficients: gather what :mod:`.intervals` needs from a set.

Each coefficient hands over its estimate, its sandwich standard error, the class shares and the number of items
per number of ratings; :func:`with_score_interval` replaces the estimate's interval. Weighted coefficients (AC2,
weighted kappa, ordinal/interval/ratio and set-distance alpha) fall outside the latent-class model of nominal
labels and get the model-free Agresti–Coull effective-trials interval (:func:`with_trials_interval`).
"""

from __future__ import annotations

import math

import numpy as np

from .._reshape import rating_histogram
from .._wording import count_noun
from ._results import AgreementEstimate
from .intervals import ModelKind, agresti_coull_intervals, pair_leave_one_out, score_intervals

__all__ = ["SCORE_TEXT", "TRIALS_TEXT", "ratings_histogram", "with_score_interval", "with_trials_interval",
           "pair_jackknife_se", "pair_model_inputs"]

SCORE_TEXT = ("score interval: inverted t-test (n'−1 df) with the larger of the latent-class model variance at each "
              "candidate value (Donner & Eliasziw 1992, generalized) and the sandwich variance; coverage checked by "
              "benchmarks/coverage.py")
TRIALS_TEXT = ("Agresti–Coull interval with effective trials (model-free; weighted coefficients are outside the "
               "coverage study's nominal model)")
#: Appended to the score text of percent agreement, AC1 and Brennan–Prediger.
UNION_TEXT = ", joined with the model-free Agresti–Coull effective-trials interval"
TOO_FEW = ("only {items} labelled by two or more annotators, too few for an interval: its width cannot be "
           "estimated from a single item")


def ratings_histogram(aset, view=None) -> np.ndarray:
    """``h[r]``: items with exactly *r* ratings (``h[0]`` = 0; at least ``r = 2`` long), over the items of the set or
    of a count view (:func:`analytics._reshape.rating_histogram`: summed per partition, nothing gathered).

    Always a fresh array: a distributed set caches the summed histogram, so writing into it would change every
    later interval of that set."""
    h = np.array(rating_histogram(aset, view), dtype=np.float64)
    if len(h) < 3:
        h = np.concatenate([h, np.zeros(3 - len(h))])
    h[0] = 0.0
    return h


def _too_few(est: AgreementEstimate, text: str) -> AgreementEstimate:
    return AgreementEstimate(**{**{f: getattr(est, f) for f in est.__dataclass_fields__ if not f.startswith("_")},
                                "ci_low": math.nan, "ci_high": math.nan, "interval_method": text,
                                "reason": TOO_FEW.format(items=count_noun(est.n_items, "item"))})


def with_score_interval(est: AgreementEstimate, *, kind: ModelKind, se: float, prevalence: np.ndarray,
                        histogram: np.ndarray, n_pairs: float | None = None,
                        pair_items: float | None = None) -> AgreementEstimate:
    """``est`` with the score interval of :func:`.intervals.score_intervals` (NaN with a reason below 2 items)."""
    if not est.is_defined:
        return est
    text = SCORE_TEXT + ("" if kind in ("fleiss", "pairs") else UNION_TEXT)
    if est.n_items < 2:
        return _too_few(est, text)
    lo, hi = score_intervals(
        np.array([est.value]), np.array([se]), prevalence=np.asarray(prevalence, dtype=np.float64)[None, :],
        ratings_counts=np.asarray(histogram, dtype=np.float64)[None, :], n_pairable=np.array([est.n_items]),
        confidence_level=est.confidence_level, kind=kind, expected_agreement=np.array([est.expected_agreement]),
        n_pairs=None if n_pairs is None else np.array([n_pairs]),
        pair_items=None if pair_items is None else np.array([pair_items]))
    return est.with_interval(lo[0], hi[0], standard_error=est.standard_error, interval_method=text)


def with_trials_interval(est: AgreementEstimate, *, histogram: np.ndarray, se: float | None = None,
                         agreement_scale: bool = False) -> AgreementEstimate:
    """``est`` with the Agresti–Coull effective-trials interval (weighted coefficients; see the module docstring)."""
    if not est.is_defined:
        return est
    if est.n_items < 2:
        return _too_few(est, TRIALS_TEXT)
    h = np.asarray(histogram, dtype=np.float64)
    two = h[2:].sum()
    rbar = float((h[2:] * np.arange(2, len(h))).sum() / two) if two else 2.0
    se = est.standard_error if se is None else se
    lo, hi = agresti_coull_intervals(np.array([est.value]), np.array([se]),
                                     np.array([est.expected_agreement]), np.array([est.n_items]), np.array([rbar]),
                                     est.confidence_level, scale="agreement" if agreement_scale else "chance_corrected")
    return est.with_interval(lo[0], hi[0], standard_error=est.standard_error, interval_method=TRIALS_TEXT)


def pair_model_inputs(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pooled class shares ``(T.sum(-1) + T.sum(-2)) / 2n`` and items ``n`` of pair tables ``(…, q, q)``."""
    t = np.asarray(tables, dtype=np.float64)
    n = t.sum((-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (t.sum(-1) + t.sum(-2)) / (2.0 * n[..., None])
    return pooled, n


def pair_jackknife_se(tables: np.ndarray) -> np.ndarray:
    r"""Jackknife standard error of Cohen's kappa of each table ``(…, q, q)`` (over the table's items).

    Removing an item in cell *(x, y)* changes kappa by :math:`d_{xy}` (:func:`.intervals.pair_leave_one_out`;
    a removal that would leave a single category, and so no kappa, counts as no change), so
    :math:`v_J = \frac{n-1}{n}\sum_{xy} T_{xy}(d_{xy} - \bar d)^2` (Quenouille–Tukey). The jackknife sees the
    small-sample skew of kappa on rare classes that the delta method misses.
    """
    t = np.asarray(tables, dtype=np.float64)
    d = pair_leave_one_out(t)[0]
    n = t.sum((-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        dbar = (t * d).sum((-2, -1)) / n
        var = (n - 1.0) / n * (t * (d - dbar[..., None, None]) ** 2).sum((-2, -1))
    return np.sqrt(np.where(n > 1, var, np.nan))
