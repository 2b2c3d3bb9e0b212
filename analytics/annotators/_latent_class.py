r"""A latent-class model for anonymous vote counts: which class is each item, from plain counts?

With annotator ids, Dawid–Skene weighs each vote by its annotator's confusion matrix. A counts table (CIFAR-10H)
has no ids, and treating all votes as independent draws of one pooled annotator makes the evidence grow without
bound with the number of raters: 30 votes against 21 would be decisive, although people genuinely split on such
images. Here each item's votes follow a Dirichlet-multinomial (Pólya) distribution given its true class *k*,

.. math:: P(n_i \mid z_i = k) = \frac{\Gamma(A_k)}{\Gamma(A_k + m_i)} \prod_l \frac{\Gamma(\alpha_{kl} + n_{il})}
          {\Gamma(\alpha_{kl})} \binom{m_i}{n_i}, \qquad A_k = \sum_l \alpha_{kl},

so an item of class *k* has its own label distribution :math:`\theta_i \sim \mathrm{Dirichlet}(\alpha_k)` (items
differ in difficulty) and the evidence of many votes saturates: only the first votes for an unusual label are
surprising. :math:`\alpha_k / A_k` is class *k*'s average confusion row and :math:`A_k` how consistent items of the
class are. EM alternates

* **E-step**: :math:`T_{ik} \propto \pi_k P(n_i \mid z_i = k)` (in log space);
* **M-step**: :math:`\pi_k \propto s + \sum_i T_{ik}` and, per class, Minka's fixed point for the Pólya
  distribution with item weights :math:`T_{ik}`,

  .. math:: \alpha_{kl} \leftarrow \alpha_{kl} \frac{\sum_i T_{ik}\,[\psi(n_{il} + \alpha_{kl}) - \psi(\alpha_{kl})]}
            {\sum_i T_{ik}\,[\psi(m_i + A_k) - \psi(A_k)]},

  with :math:`\alpha_{kl}` kept at or above ``floor`` (a label never seen for a class stays possible).

Only the non-zero counts enter the sums (:math:`\psi(0 + \alpha) - \psi(\alpha) = 0`), so the cost is one pass over
the non-zero (item, label) cells per class.

References
----------
Minka, T. P. (2000, revised 2012). Estimating a Dirichlet distribution. Technical report, Microsoft Research.
https://www.microsoft.com/en-us/research/publication/estimating-dirichlet-distribution/

Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the EM algorithm.
Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806

Paun, S., Carpenter, B., Chamberlain, J., Hovy, D., Kruschwitz, U., & Poesio, M. (2018). Comparing Bayesian models
of annotation. Transactions of the ACL, 6, 571–585. https://doi.org/10.1162/tacl_a_00040
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, special

__all__ = ["LatentClassFit", "fit_dirichlet_multinomial"]


@dataclass(frozen=True)
class LatentClassFit:
    """The fitted model: log posteriors (items × classes), log class priors, Dirichlet parameters, EM trace."""

    log_posteriors: np.ndarray
    log_prior: np.ndarray
    alpha: np.ndarray
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


def _objective(theta: np.ndarray, cells: sparse.coo_matrix, m: np.ndarray, k: int, smoothing: float,
               shared: bool) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood (plus the priors' pseudo-counts) and its gradient.

    ``theta`` = row logits of the mean confusion rows (k × k), log concentration(s) (1 shared, or k), prior logits.
    """
    n_conc = 1 if shared else k
    logits = theta[: k * k].reshape(k, k)
    log_conc = theta[k * k: k * k + n_conc]
    prior_logits = theta[k * k + n_conc:]
    log_prior = prior_logits - special.logsumexp(prior_logits)
    rows = np.exp(logits - special.logsumexp(logits, axis=1, keepdims=True))
    conc = np.exp(log_conc) * np.ones(k)
    alpha = conc[:, None] * rows
    joint = _log_likelihood(cells, m, alpha) + log_prior
    norm = special.logsumexp(joint, axis=1)
    post = np.exp(joint - norm[:, None])
    value = -float(norm.sum()) - smoothing * float(log_prior.sum())
    # d LL_ik / d alpha_kl = psi(A_k) - psi(A_k + m_i) + [psi(alpha_kl + n_il) - psi(alpha_kl)]
    common = (post * (special.digamma(conc)[None, :] - special.digamma(m[:, None] + conc[None, :]))).sum(axis=0)
    a = alpha[:, cells.col].T
    contrib = post[cells.row] * (special.digamma(a + cells.data[:, None]) - special.digamma(a))
    cell_part = np.vstack([np.bincount(cells.col, weights=contrib[:, c], minlength=k) for c in range(k)])
    g_alpha = -(common[:, None] + cell_part)
    g_logits = conc[:, None] * rows * (g_alpha - (g_alpha * rows).sum(axis=1, keepdims=True))
    g_conc = (g_alpha * alpha).sum(axis=1)
    g_conc = np.array([g_conc.sum()]) if shared else g_conc
    prior = np.exp(log_prior)
    g_prior = -(post.sum(axis=0) - len(m) * prior) - smoothing * (1.0 - k * prior)
    return value, np.concatenate([g_logits.ravel(), g_conc, g_prior])


def fit_dirichlet_multinomial(counts: np.ndarray | sparse.spmatrix, *, max_iter: int = 1000, tol: float = 1e-10,
                              smoothing: float = 0.01, shared_concentration: bool = True) -> LatentClassFit:
    """Fit the Dirichlet-multinomial latent-class model to items × categories vote counts.

    The observed-data log-likelihood :math:`\\sum_i \\log \\sum_k \\pi_k P(n_i \\mid k)` (plus ``smoothing``
    pseudo-counts on the class priors) is maximized with L-BFGS-B and the analytic gradient (whose
    :math:`\\alpha` part is the EM statistic: :math:`T_{ik}`-weighted digamma differences) over
    :math:`\\alpha_{kl} = A_k \\mu_{kl}` — the mean confusion rows :math:`\\mu_k` as softmax logits (bounded to
    ±12, so no label is impossible for a class) and the concentration, one :math:`A` shared by all classes
    (``shared_concentration``, the default) or one per class. It starts from the vote shares as posteriors,
    rows of average vote shares and :math:`A = 5`; ``tol`` is L-BFGS-B's relative objective change.
    """
    from scipy import optimize

    cells = sparse.coo_matrix(counts)
    cells.sum_duplicates()
    cells.data = cells.data.astype(np.float64)
    n_items, k = cells.shape
    m = np.bincount(cells.row, weights=cells.data, minlength=n_items)
    shares = np.asarray(sparse.csr_matrix(cells).todense(), dtype=np.float64) / np.maximum(m, 1)[:, None]
    post = np.where(m[:, None] > 0, shares, 1.0 / k)
    conf = (post.T @ (shares * m[:, None]) + 0.01) / (post.T @ m + 0.01 * k)[:, None]
    prior0 = (post.sum(axis=0) + smoothing) / (n_items + k * smoothing)
    n_conc = 1 if shared_concentration else k
    theta0 = np.concatenate([np.log(conf).ravel(), np.full(n_conc, np.log(5.0)), np.log(prior0)])
    bounds = [(-12.0, 12.0)] * (k * k) + [(np.log(1e-2), np.log(1e6))] * n_conc + [(None, None)] * k
    res = optimize.minimize(_objective, theta0, args=(cells, m, k, smoothing, shared_concentration), jac=True,
                            method="L-BFGS-B", bounds=bounds, options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-6})
    logits = res.x[: k * k].reshape(k, k)
    rows = np.exp(logits - special.logsumexp(logits, axis=1, keepdims=True))
    alpha = np.exp(res.x[k * k: k * k + n_conc])[:, None] * rows
    log_prior = res.x[k * k + n_conc:] - special.logsumexp(res.x[k * k + n_conc:])
    joint = _log_likelihood(cells, m, alpha) + log_prior
    log_post = joint - special.logsumexp(joint, axis=1, keepdims=True)
    return LatentClassFit(log_post, log_prior, alpha, int(res.nit), bool(res.success))
