"""Vectorized bootstrap over items for every agreement coefficient.

Every coefficient here is a smooth function of *sums over items* of per-item features (the rows of the
item × category counts, of the per-item pair-table cells, or of the per-item coincidence cells). A
bootstrap replicate draws ``n`` items with replacement, which is the same as weighting each item by how
often it was drawn. So a block of ``b`` replicates is one matrix product ``W @ F`` of a ``b × n`` matrix
of draw counts with the ``n × F`` feature matrix, and the statistic is evaluated on all ``b`` rows at
once — no Python loop per replicate, only one per block of replicates (blocks bound the memory).

The interval is the percentile interval of the replicates (Efron & Tibshirani 1993, ch. 13); the
reported standard error is their standard deviation. Replicates where the coefficient is undefined
(e.g. a resample that happens to hold one category only) are dropped and counted.

References
----------
Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall/CRC.
https://doi.org/10.1201/9780429246593
"""

from __future__ import annotations

import warnings
from typing import Callable, Iterator

import numpy as np

from .._lazy import sparse
from ._results import NAN, AgreementEstimate
from .._wording import count_noun

__all__ = ["replicate_weights", "bootstrap_replicates", "percentile_interval", "percentile_intervals",
           "with_bootstrap_interval", "describe"]

_MAX_CELLS = 1 << 22


def replicate_weights(n_items: int, n_boot: int, *, seed: int | None, n_features: int = 1,
                      max_cells: int = _MAX_CELLS) -> Iterator[np.ndarray]:
    """Blocks of bootstrap draw counts: arrays ``b × n_items`` whose rows sum to ``n_items``.

    Row *j* counts how often each item was drawn in replicate *j* (a multinomial with equal
    probabilities, drawn as ``n_items`` uniform indices). Deterministic for a given ``seed``.

    Examples
    --------
    >>> w = np.vstack(list(replicate_weights(5, 3, seed=0)))
    >>> w.shape, w.sum(axis=1).tolist()
    ((3, 5), [5.0, 5.0, 5.0])
    """
    rng = np.random.default_rng(seed)
    block = max(1, min(n_boot, max_cells // max(n_items, n_features, 1)))
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        draws = rng.integers(0, n_items, size=(b, n_items)) + (np.arange(b) * n_items)[:, None]
        yield np.bincount(draws.ravel(), minlength=b * n_items).reshape(b, n_items).astype(np.float64)
        done += b


def bootstrap_replicates(features: "np.ndarray | sparse.spmatrix", statistic: Callable[[np.ndarray], np.ndarray],
                         *, n_boot: int, seed: int | None) -> np.ndarray:
    """Evaluate ``statistic`` on the column sums of ``n_boot`` resamples of the rows of ``features``.

    ``statistic`` maps a ``b × F`` array of resampled sums to ``b`` (or ``b × …``) values.
    """
    n, f = features.shape
    is_sparse = sparse.issparse(features)
    if is_sparse:
        features_t = sparse.csr_matrix(features.T)
    out = []
    for w in replicate_weights(n, n_boot, seed=seed, n_features=f):
        sums = (features_t @ w.T).T if is_sparse else w @ features
        out.append(np.asarray(statistic(np.asarray(sums))))
    return np.concatenate(out, axis=0)


def percentile_interval(replicates: np.ndarray, confidence_level: float) -> tuple[float, float, float, int]:
    """``(ci_low, ci_high, standard_error, n_valid)`` of one coefficient's replicates (NaNs dropped)."""
    valid = np.asarray(replicates, dtype=np.float64)
    valid = valid[np.isfinite(valid)]
    if len(valid) < 2:
        return NAN, NAN, NAN, len(valid)
    tail = (1.0 - confidence_level) / 2.0
    lo, hi = np.quantile(valid, [tail, 1.0 - tail])
    return float(lo), float(hi), float(valid.std(ddof=1)), len(valid)


def percentile_intervals(replicates: np.ndarray, confidence_level: float,
                         defined: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise :func:`percentile_interval` of ``n_boot × k`` replicates: ``(ci_low, ci_high, se)`` arrays.

    Columns with fewer than two finite replicates, or not ``defined`` in the full sample, are NaN.
    """
    reps = np.asarray(replicates, dtype=np.float64)
    tail = (1.0 - confidence_level) / 2.0
    enough = np.isfinite(reps).sum(axis=0) >= 2
    if defined is not None:
        enough &= np.asarray(defined, dtype=bool)
    out = np.full((3, reps.shape[1]), np.nan)
    if enough.any():
        sub = reps[:, enough]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[0, enough], out[1, enough] = np.nanquantile(sub, [tail, 1.0 - tail], axis=0)
            out[2, enough] = np.nanstd(sub, axis=0, ddof=1)
    return out[0], out[1], out[2]


def describe(n_boot: int, seed: int | None, n_valid: int) -> str:
    """The ``interval_method`` text of a bootstrap interval."""
    dropped = n_boot - n_valid
    extra = f"; {count_noun(dropped, 'replicate')} where the coefficient was undefined were dropped" if dropped else ""
    return f"percentile bootstrap over items ({n_boot} replicates, seed {seed}{extra})"


def with_bootstrap_interval(estimate: AgreementEstimate, replicates: np.ndarray, *, n_boot: int,
                            seed: int | None) -> AgreementEstimate:
    """``estimate`` with its interval replaced by the percentile interval of ``replicates``."""
    if not estimate.is_defined:
        return estimate
    lo, hi, se, n_valid = percentile_interval(replicates, estimate.confidence_level)
    return estimate.with_interval(lo, hi, standard_error=se, interval_method=describe(n_boot, seed, n_valid),
                                  n_boot=n_boot)
