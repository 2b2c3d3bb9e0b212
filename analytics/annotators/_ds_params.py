r"""Dawid–Skene parameters in column layout, and the SQUAREM extrapolation between EM steps.

An annotator uses only some labels: on the ``emotion`` data (38 annotators, 94 classes) 711 of the
38 · 94 = 3,572 ``(annotator, label)`` pairs occur. A confusion cell :math:`\pi^{(a)}_{tl}` of a label
*l* that annotator *a* never gave has no soft count, so after the smoothed M-step

.. math:: \pi^{(a)}_{tl} = \frac{N_{atl} + s}{\sum_{l'} N_{atl'} + c\,s}

all such cells of row :math:`(a, t)` share one value, :math:`s / (\sum_{l'} N_{atl'} + c\,s)`. The
parameters are therefore held as

* ``log_prior[t]``;
* ``used[j, t] = log π[a_j, t, l_j]`` for each used column *j* (an ``(a, l)`` pair that occurs);
* ``rest[a, t]``: the log of the common value of the unused cells of row ``(a, t)``;

and each EM iteration costs :math:`O(\mathrm{nnz} \cdot c + U \cdot c)` instead of
:math:`O(A \cdot c^2)` (*U* used columns, *A* annotators). The dense ``annotator × true × given`` array
is built once, at the end (:meth:`ColumnLayout.dense`).

SQUAREM (Varadhan & Roland 2008, scheme S3) accelerates the EM map :math:`F`: from
:math:`\theta_0`, :math:`\theta_1 = F(\theta_0)`, :math:`\theta_2 = F(\theta_1)`,
:math:`r = \theta_1 - \theta_0`, :math:`v = \theta_2 - 2\theta_1 + \theta_0`, the step length
:math:`\alpha = \lVert r \rVert / \lVert v \rVert` clamped to :math:`[1, \alpha_{\max}]` and the
extrapolated point :math:`\theta' = \theta_0 + 2\alpha r + \alpha^2 v`. It works on the vector of
log-probabilities (unconstrained, apart from the normalization restored by
:meth:`ColumnLayout.normalize`). :math:`\alpha = 1` gives :math:`\theta' = \theta_2`, plain EM.

References
----------
Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating the
convergence of any EM algorithm. Scandinavian Journal of Statistics, 35(2), 335–353.
https://doi.org/10.1111/j.1467-9469.2007.00585.x

Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the
EM algorithm. Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["ColumnLayout", "extrapolate"]


class ColumnLayout:
    """Where the parameters of the used columns live in the flat vector ``θ = [log_prior, used, rest]``.

    Parameters
    ----------
    columns : numpy.ndarray
        Sorted design columns ``a · c + l`` that occur in the data.
    n_annotators, n_categories : int
    smoothing : float
        The pseudo-count *s* of the M-step.
    """

    def __init__(self, columns: np.ndarray, n_annotators: int, n_categories: int, smoothing: float) -> None:
        self.columns = np.asarray(columns, dtype=np.int64)
        self.a, self.c, self.s = int(n_annotators), int(n_categories), float(smoothing)
        self.owner = self.columns // self.c
        u = len(self.columns)
        self.indicator = sparse.csr_matrix((np.ones(u), (self.owner, np.arange(u))), shape=(self.a, u))
        self.n_unused = self.c - np.bincount(self.owner, minlength=self.a)
        self.starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]]) if u else np.zeros(0, np.int64)
        self.sizes = (self.c, u * self.c, self.a * self.c)

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(log_prior, used (U × c), rest (A × c))`` views of a flat vector."""
        c, nu, _ = self.sizes
        return theta[:c], theta[c:c + nu].reshape(-1, self.c), theta[c + nu:].reshape(self.a, self.c)

    def m_step(self, soft: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Smoothed M-step from column soft counts: ``(θ, p)``, log-parameters and the probabilities compared
        between iterations (``p`` leaves out the unused cells of rows that have none)."""
        c, s = self.c, self.s
        rows = self.indicator @ soft + c * s  # A × c: Σ_l N[a, t, l] + c s
        with np.errstate(divide="ignore", invalid="ignore"):
            used = np.where(rows[self.owner] > 0, (soft + s) / rows[self.owner], 1.0 / c)
            rest = np.where(rows > 0, s / rows, 1.0 / c)
            prior = (totals + s) / (totals.sum() + c * s)
            theta = np.log(np.concatenate([prior, used.ravel(), rest.ravel()]))
        probs = np.concatenate([prior, used.ravel(), (rest * (self.n_unused > 0)[:, None]).ravel()])
        return theta, probs

    def probabilities(self, theta: np.ndarray) -> np.ndarray:
        """The probabilities of a log-parameter vector, laid out as the ``p`` of :meth:`m_step`."""
        probs = np.exp(theta)
        probs[self.c + self.sizes[1]:].reshape(self.a, self.c)[self.n_unused == 0] = 0.0
        return probs

    def weights(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(log_prior, W)`` for the E-step on the column-compressed design (``W[j, t] = log π[a_j, t, l_j]``)."""
        log_prior, used, _ = self.split(theta)
        return log_prior, used

    def penalty(self, theta: np.ndarray) -> float:
        r"""The log Dirichlet prior of the smoothed (MAP) objective, :math:`s(\sum \log p + \sum \log \pi)`."""
        if self.s == 0:
            return 0.0
        log_prior, used, rest = self.split(theta)
        return self.s * float(log_prior.sum() + used.sum() + (self.n_unused[:, None] * rest).sum())

    def normalize(self, theta: np.ndarray) -> np.ndarray:
        """Renormalize the prior and every confusion row of an extrapolated log-parameter vector (in place)."""
        log_prior, used, rest = self.split(theta)
        log_prior -= _logsumexp(log_prior)
        top = np.where(self.n_unused[:, None] > 0, rest, -np.inf)
        if len(self.starts):
            top[self.owner[self.starts]] = np.maximum(top[self.owner[self.starts]],
                                                      np.maximum.reduceat(used, self.starts, axis=0))
        top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(invalid="ignore"):
            total = self.indicator @ np.exp(used - top[self.owner]) + self.n_unused[:, None] * np.exp(rest - top)
            lse = np.log(total) + top
        used -= lse[self.owner]
        rest -= lse
        return theta

    def dense(self, theta: np.ndarray, soft: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(log_prior, log_confusion[a, t, l], counts[a, t, l])`` in the dense layout of the results."""
        log_prior, used, rest = self.split(theta)
        a, c = self.a, self.c
        labels = self.columns % c
        log_conf = np.repeat(rest[:, :, None], c, axis=2)
        log_conf[self.owner, :, labels] = used
        counts = np.zeros((a, c, c))
        counts[self.owner, :, labels] = soft
        return log_prior.copy(), log_conf, counts


def _logsumexp(values: np.ndarray) -> float:
    top = float(values.max()) if len(values) else 0.0
    top = top if np.isfinite(top) else 0.0
    return float(np.log(np.exp(values - top).sum()) + top)


def extrapolate(theta0: np.ndarray, theta1: np.ndarray, theta2: np.ndarray,
                step_max: float) -> tuple[np.ndarray, float]:
    r"""The SQUAREM S3 point :math:`\theta_0 + 2\alpha r + \alpha^2 v` and its clamped step length α.

    Coordinates that are not finite in any of the three points (log of a zero probability when
    ``smoothing=0``) keep their value in :math:`\theta_2`.
    """
    finite = np.isfinite(theta0) & np.isfinite(theta1) & np.isfinite(theta2)
    with np.errstate(invalid="ignore"):
        r = np.where(finite, theta1 - theta0, 0.0)
        v = np.where(finite, theta2 - 2.0 * theta1 + theta0, 0.0)
    sv2 = float(np.square(v).sum())  # not v @ v: a threaded BLAS dot costs more than it saves here
    alpha = float(np.sqrt(float(np.square(r).sum()) / sv2)) if sv2 > 0 else 1.0
    alpha = min(max(alpha, 1.0), step_max)
    return np.where(finite, theta0 + 2.0 * alpha * r + alpha * alpha * v, theta2), alpha
