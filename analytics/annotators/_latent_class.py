r"""A latent-class model for anonymous vote counts: which class is each item, from plain counts?

With annotator ids, Dawid–Skene weighs each vote by its annotator's confusion matrix. A counts table (CIFAR-10H)
has no ids, and treating all votes as independent draws of one pooled annotator makes the evidence grow without
bound with the number of raters: 30 votes against 21 would be decisive, although people genuinely split on such
images. Here the votes of an item of true class *k* follow a Dirichlet-multinomial (Pólya) distribution,

.. math:: P(n_i \mid z_i = k) = \frac{\Gamma(A)}{\Gamma(A + m_i)} \prod_l \frac{\Gamma(A\mu_{kl} + n_{il})}
          {\Gamma(A\mu_{kl})} \binom{m_i}{n_i},

so an item of class *k* has its own label distribution :math:`\theta_i \sim \mathrm{Dirichlet}(A\mu_k)` (items
differ in difficulty): :math:`\mu_k` is class *k*'s average confusion row and the concentration *A* says how
consistent items are. The evidence of many votes saturates — only the first votes for an unusual label are
surprising — and as :math:`A \to \infty` the model becomes the pooled multinomial.

Fitting, in two stages that keep the classes apart (a joint maximum-likelihood fit of :math:`\mu` and *A* is not
identified on few votes per item: with three votes it merges classes and sends *A* to 0):

1. :math:`\pi` and :math:`\mu` by EM for the pooled multinomial (Dawid–Skene with one anonymous annotator), from
   the vote shares: :math:`T_{ik} \propto \pi_k \prod_l \mu_{kl}^{n_{il}}`,
   :math:`\mu_{kl} \propto s + d\,[k = l] + \sum_i T_{ik} n_{il}`, :math:`\pi_k \propto s + \sum_i T_{ik}` (MAP
   with Dirichlet priors: *s* on every cell, *d* more on the diagonal, as in Bayesian Dawid–Skene, Paun et al.
   2018). Its
   :math:`\mu_k` estimates the Dirichlet-multinomial mean row too (both models give the same expected votes).
2. *A* by maximizing the marginal likelihood :math:`\sum_i \log \sum_k \pi_k P(n_i \mid k)` over :math:`\log A`
   (bounded one-dimensional search) with a weak log-normal prior (median 10, a factor *e* either way): with few
   items the prior keeps *A* moderate; on CIFAR-10H (500,000 votes) the data decide.

The posteriors are then :math:`T_{ik} = \pi_k P(n_i \mid k) / \sum_c \pi_c P(n_i \mid c)`. Only the non-zero counts
enter the products (:math:`\Gamma(\alpha + 0)/\Gamma(\alpha) = 1`), one pass over the non-zero (item, label) cells
per class.

References
----------
Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the EM algorithm.
Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806

Minka, T. P. (2000, revised 2012). Estimating a Dirichlet distribution. Technical report, Microsoft Research.
https://www.microsoft.com/en-us/research/publication/estimating-dirichlet-distribution/

Paun, S., Carpenter, B., Chamberlain, J., Hovy, D., Kruschwitz, U., & Poesio, M. (2018). Comparing Bayesian models
of annotation. Transactions of the ACL, 6, 571–585. https://doi.org/10.1162/tacl_a_00040
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse, special

__all__ = ["LatentClassFit", "fit_dirichlet_multinomial"]

#: Log-normal prior of the concentration A: median 10, one standard deviation a factor e either way.
_LOG_CONCENTRATION_MEDIAN = float(np.log(10.0))
_LOG_CONCENTRATION_SD = 1.0


@dataclass(frozen=True)
class LatentClassFit:
    """The fitted model: log posteriors (items × classes), log class priors, mean rows, concentration, EM trace."""

    log_posteriors: np.ndarray
    log_prior: np.ndarray
    mean_rows: np.ndarray
    concentration: float
    n_iter: int
    converged: bool


def _log_likelihood(cells: sparse.coo_matrix, m: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Items × classes :math:`\\log P(n_i \\mid k)` without the multinomial coefficient (the same for every class)."""
    total = alpha.sum(axis=1)
    ll = special.gammaln(total)[None, :] - special.gammaln(m[:, None] + total[None, :])
    a = alpha[:, cells.col].T  # nnz × classes
    terms = special.gammaln(a + cells.data[:, None]) - special.gammaln(a)
    ll += np.vstack([np.bincount(cells.row, weights=terms[:, k], minlength=len(m)) for k in range(alpha.shape[0])]).T
    return ll


def _pooled_em(cells: sparse.csr_matrix, *, max_iter: int, tol: float, smoothing: float,
               diagonal: float) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Stage 1: class priors and mean confusion rows of the pooled multinomial, by EM from the vote shares."""
    n_items, k = cells.shape
    m = np.asarray(cells.sum(axis=1)).ravel()
    post = np.asarray(cells.todense(), dtype=np.float64) / np.maximum(m, 1)[:, None]
    post[m == 0] = 1.0 / k
    mu = prior = None
    converged, n_iter = False, 0
    for n_iter in range(1, max_iter + 1):
        mu = np.asarray(cells.T @ post).T + smoothing + diagonal * np.eye(k)  # classes × labels
        mu /= mu.sum(axis=1, keepdims=True)
        prior = (post.sum(axis=0) + smoothing) / (n_items + k * smoothing)
        joint = np.asarray(cells @ np.log(mu).T) + np.log(prior)
        new = np.exp(joint - special.logsumexp(joint, axis=1, keepdims=True))
        change = float(np.abs(new - post).max())
        post = new
        if change < tol:
            converged = True
            break
    return prior, mu, n_iter, converged


def fit_dirichlet_multinomial(counts: np.ndarray | sparse.spmatrix, *, max_iter: int = 500, tol: float = 1e-8,
                              smoothing: float = 0.01, diagonal: float = 2.0) -> LatentClassFit:
    """Fit the Dirichlet-multinomial latent-class model to items × categories vote counts (see the module docstring).

    ``smoothing`` is the pseudo-count of the class priors and of every confusion cell in stage 1, ``diagonal`` an
    extra pseudo-count on the diagonal (people usually give an item its class: without it, a class no item clearly
    belongs to could take a row of another class's votes); ``tol`` the largest change of any posterior at which
    stage 1 stops (else after ``max_iter`` iterations).
    """
    csr = sparse.csr_matrix(counts, dtype=np.float64)
    csr.sum_duplicates()
    prior, mu, n_iter, converged = _pooled_em(csr, max_iter=max_iter, tol=tol, smoothing=smoothing, diagonal=diagonal)
    cells = csr.tocoo()
    m = np.asarray(csr.sum(axis=1)).ravel()
    log_prior = np.log(prior)

    def objective(log_a: float) -> float:
        joint = _log_likelihood(cells, m, np.exp(log_a) * mu) + log_prior
        penalty = 0.5 * ((log_a - _LOG_CONCENTRATION_MEDIAN) / _LOG_CONCENTRATION_SD) ** 2
        return -float(special.logsumexp(joint, axis=1).sum()) + penalty

    found = optimize.minimize_scalar(objective, bounds=(np.log(1e-2), np.log(1e6)), method="bounded",
                                     options={"xatol": 1e-4})
    concentration = float(np.exp(found.x))
    joint = _log_likelihood(cells, m, concentration * mu) + log_prior
    log_post = joint - special.logsumexp(joint, axis=1, keepdims=True)
    return LatentClassFit(log_post, log_prior, mu, concentration, n_iter, converged)
