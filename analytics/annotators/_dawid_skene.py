r"""Dawid–Skene EM as pure functions of code arrays (partition-friendly kernels).

The model (Dawid & Skene 1979): item *i* has a latent true class :math:`z_i` with prior
:math:`p_t = P(z_i = t)`; annotator *a* gives label *l* to an item of true class *t* with probability
:math:`\pi^{(a)}_{tl}` (row *t* of the annotator's confusion matrix sums to one). EM alternates

* **E-step** (in log space): :math:`\log T_{it} = \log p_t + \sum_{k \in i} \log \pi^{(a_k)}_{t\,l_k} - \log Z_i`,
  where :math:`Z_i` normalizes the row and :math:`\sum_i \log Z_i` is the observed-data log-likelihood;
* **M-step**: :math:`\pi^{(a)}_{tl} \propto s + \sum_{k:\,a_k=a,\,l_k=l} T_{i_k t}` and
  :math:`p_t \propto s + \sum_i T_{it}`, with a symmetric pseudo-count *s* (``smoothing``, a Dirichlet
  MAP estimate) so that annotators with one label, true classes an annotator never met and classes nobody
  used get finite, defined parameters (a row with no evidence becomes uniform).

Gold items are clamped: their posterior is the one-hot gold class and their log-likelihood term is the
complete-data term :math:`\log p_g + \sum_k \log \pi^{(a_k)}_{g\,l_k}`.

Everything per iteration is one sparse product each way with the item × (annotator, label) indicator
matrix ``X`` (one row per item, one entry per annotation):

* E-step: ``X @ W`` with ``W[(a, l), t] = log π[a, t, l]`` gives the summed log-likelihood per item and class;
* M-step sufficient statistics: ``Xᵀ @ T`` gives the soft confusion counts ``N[a, t, l]``.

Both the M-step statistics (``N``, class totals) and the log-likelihood are sums over items, so a
partitioned (e.g. Dask) run maps :func:`e_step` and :func:`m_step_stats` over partitions of items
(each holding its own posteriors) and reduces by summation; :func:`m_step` then turns the summed
statistics into parameters. :func:`run_em` is exactly that loop over a list of partitions.

References
----------
Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the
EM algorithm. Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import sparse

from ._ds_params import ColumnLayout, extrapolate

#: SQUAREM's step-length cap: its first value, and the factor it grows by when reached (shrinks by on rejection).
STEP_MAX0, STEP_FACTOR = 4.0, 4.0
__all__ = ["EMPartition", "EMFit", "em_partition", "clamp_gold", "e_step", "m_step_stats", "m_step", "em_iteration",
           "dense_weights", "column_step",
           "InMemoryPartitions", "run_em", "run_em_on"]


@dataclass(frozen=True, eq=False)
class EMPartition:
    """The annotations of one partition of items, ready for EM.

    Attributes
    ----------
    design : scipy.sparse.csr_matrix
        Items × (annotator · n_categories + label) indicator counts, float64. The M-step uses its
        transpose, a free CSC view.
    gold_codes : numpy.ndarray
        Gold class per local item, -1 where there is none (or gold is not used).
    n_annotators, n_categories : int
    """

    design: sparse.csr_matrix
    gold_codes: np.ndarray
    n_annotators: int
    n_categories: int

    @property
    def n_items(self) -> int:
        return self.design.shape[0]


@dataclass(frozen=True)
class EMFit:
    """Parameters and posteriors at the end of :func:`run_em`."""

    posteriors: list[np.ndarray]
    log_prior: np.ndarray
    log_confusion: np.ndarray
    counts: np.ndarray
    log_likelihood: tuple[float, ...]
    n_iter: int
    converged: bool


def em_partition(
    item_codes: np.ndarray, annotator_codes: np.ndarray, label_codes: np.ndarray, n_items: int,
    n_annotators: int, n_categories: int, gold_codes: np.ndarray | None = None,
) -> EMPartition:
    """Build the indicator matrices of one partition (item codes local to it: ``0 .. n_items-1``)."""
    cols = annotator_codes.astype(np.int64)
    cols *= n_categories
    cols += label_codes
    shape = (n_items, n_annotators * n_categories)
    design = _sorted_design(item_codes, cols, shape)
    if design is None:
        design = sparse.csr_matrix((np.ones(len(item_codes), dtype=np.float64), (item_codes.astype(np.int64), cols)),
                                   shape=shape)
        design.sum_duplicates()
    gold = np.full(n_items, -1, dtype=np.int64) if gold_codes is None else np.asarray(gold_codes, dtype=np.int64)
    return EMPartition(design, gold, n_annotators, n_categories)


def _sorted_design(items: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix | None:
    """The canonical CSR matrix straight from the codes when the annotations already come in its order (items
    ascending, columns strictly ascending within an item: no duplicate to sum), as exports grouped by item do;
    None otherwise. The same matrix the COO route builds, without its sort."""
    items = np.asarray(items)
    if not len(items) or int(items.min()) < 0:
        return None
    if (items[1:] < items[:-1]).any() or ((items[1:] == items[:-1]) & (cols[1:] <= cols[:-1])).any():
        return None
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(items, minlength=shape[0]), out=indptr[1:])
    index = np.int32 if max(shape[1], len(items)) < np.iinfo(np.int32).max else np.int64
    return sparse.csr_matrix((np.ones(len(items), dtype=np.float64), cols.astype(index), indptr.astype(index)),
                             shape=shape)


def clamp_gold(posteriors: np.ndarray, gold_codes: np.ndarray) -> np.ndarray:
    """Set the posterior of every gold item to its one-hot gold class (in place; returns the array)."""
    has = gold_codes >= 0
    if has.any():
        posteriors[has] = 0.0
        posteriors[np.flatnonzero(has), gold_codes[has]] = 1.0
    return posteriors


def _row_max(values: np.ndarray) -> np.ndarray:
    """Row maxima of an items × classes array (a loop over the few columns beats ``max(axis=1)``)."""
    top = values[:, 0].copy()
    for c in range(1, values.shape[1]):
        np.maximum(top, values[:, c], out=top)
    return top


def m_step_stats(part: EMPartition, posteriors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Additive M-step statistics of one partition.

    Returns ``counts[a, t, l] = Σ_{k: a_k=a, l_k=l} T[i_k, t]`` (soft confusion counts) and the
    class totals ``Σ_i T[i, t]``.
    """
    a, c = part.n_annotators, part.n_categories
    soft = part.design.T @ posteriors  # (a, l) × t; the CSC view multiplies faster than a CSR copy
    counts = np.ascontiguousarray(soft.reshape(a, c, c).transpose(0, 2, 1))
    return counts, posteriors.sum(axis=0)


def m_step(counts: np.ndarray, class_totals: np.ndarray, *, smoothing: float) -> tuple[np.ndarray, np.ndarray]:
    """Parameters from summed statistics: ``(log_prior[t], log_confusion[a, t, l])`` (rows sum to one)."""
    c = counts.shape[-1]
    conf = counts + smoothing
    rows = conf.sum(axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = np.where(rows > 0, conf / rows, 1.0 / c)
        prior = (class_totals + smoothing) / (class_totals.sum() + c * smoothing)
        return np.log(prior), np.log(conf)


def e_step(part: EMPartition, log_prior: np.ndarray, log_confusion: np.ndarray) -> tuple[np.ndarray, float]:
    """Posteriors ``T[i, t]`` of one partition and its additive log-likelihood term (gold items clamped)."""
    return _posteriors(part.design, part.gold_codes, log_prior, dense_weights(log_confusion))


def dense_weights(log_confusion: np.ndarray) -> np.ndarray:
    """``log π[a, t, l]`` laid out as the E-step weights ``W[(a, l), t]`` (one row per design column)."""
    a, c, _ = log_confusion.shape
    return np.ascontiguousarray(log_confusion.transpose(0, 2, 1).reshape(a * c, c))


def _posteriors(design: sparse.csr_matrix, gold: np.ndarray, log_prior: np.ndarray,
                weights: np.ndarray) -> tuple[np.ndarray, float]:
    """E-step on a design whose columns match the rows of ``weights`` (all ``(a, l)`` or only the used ones)."""
    post, item_ll = _row_posteriors(design, gold, log_prior, weights)
    return post, float(item_ll.sum())


def _row_posteriors(design: sparse.csr_matrix, gold: np.ndarray, log_prior: np.ndarray,
                    weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_posteriors` with the log-likelihood term of every row (each row is computed on its own)."""
    with np.errstate(invalid="ignore"):
        joint = design @ np.where(np.isfinite(weights), weights, -1e300)
    joint += log_prior
    has = gold >= 0
    rows = np.flatnonzero(has)
    gold_ll = joint[rows, gold[has]]  # complete-data term of a clamped item: log p_g + Σ_k log π[a_k, g, l_k]
    top = _row_max(joint)
    joint -= top[:, None]
    post = np.exp(joint, out=joint)
    total = post.sum(axis=1)
    post /= total[:, None]
    item_ll = np.log(total) + top
    if len(rows):
        item_ll[rows] = gold_ll
        clamp_gold(post, gold)
    return post, item_ll


def column_step(design: sparse.csr_matrix, gold: np.ndarray, log_prior: np.ndarray,
                weights: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """One EM iteration in column layout: ``(posteriors, log_likelihood, soft, class_totals)``.

    ``soft[j, t] = Σ_i X[i, j] T[i, t]`` is the soft count of design column *j* (an ``(a, l)`` pair) for
    true class *t*; with :func:`dense_weights` and a full design it is ``counts[a, t, l]`` transposed.
    """
    post, ll = _posteriors(design, gold, log_prior, weights)
    return post, ll, design.T @ post, post.sum(axis=0)


@dataclass(frozen=True, eq=False)
class DistinctRows:
    """The distinct (design row, gold code) pairs of a partition: ``codes[i]`` is item *i*'s, ``design`` and
    ``gold`` hold one row each (the first item with it)."""

    codes: np.ndarray
    design: sparse.csr_matrix
    gold: np.ndarray

    @classmethod
    def of(cls, design: sparse.csr_matrix, gold: np.ndarray) -> "DistinctRows | None":
        """None when the items share too few rows for it to pay (more than half of them distinct)."""
        from .._reshape._distinct import distinct_design_rows, distinct_rows

        codes, first = distinct_design_rows(design)
        if (gold >= 0).any():
            codes, first = distinct_rows(np.column_stack([codes, gold]))
        if 2 * len(first) > design.shape[0]:
            return None
        return cls(codes, design[first], gold[first])


def distinct_column_step(design: sparse.csr_matrix, distinct: DistinctRows, log_prior: np.ndarray,
                         weights: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """:func:`column_step` with the E-step computed once per distinct row and taken for the items.

    Every item's posterior row and log-likelihood term is the same computation on the same numbers as in
    :func:`column_step`, and the sums over items run over the same per-item arrays in the same order, so the
    result is identical; only the E-step's work shrinks to the distinct rows.
    """
    post_rows, ll_rows = _row_posteriors(distinct.design, distinct.gold, log_prior, weights)
    post = post_rows[distinct.codes]
    return post, float(ll_rows[distinct.codes].sum()), design.T @ post, post.sum(axis=0)


def em_iteration(part: EMPartition, log_prior: np.ndarray,
                 log_confusion: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """One EM iteration's work on one partition: the E-step and the M-step statistics of its posteriors.

    Returns ``(posteriors, log_likelihood, counts, class_totals)``; everything but the posteriors is
    additive over partitions, so one map and one sum per iteration drive EM on partitioned data.
    """
    post, ll = e_step(part, log_prior, log_confusion)
    counts, totals = m_step_stats(part, post)
    return post, ll, counts, totals


class InMemoryPartitions:
    """The partitions EM runs on, held in this process (see :func:`run_em_on` for the protocol).

    ``columns`` are the design columns (``a · c + l``) that occur in any partition; the designs are
    compressed to them. ``statistics()`` sums the column soft counts and class totals of the current
    posteriors; ``iterate(log_prior, weights)`` runs :func:`column_step` on every partition with
    ``weights[j, t] = log π[a_j, t, l_j]``, keeps the new posteriors and returns the summed
    ``(log_likelihood, soft, class_totals)``; ``posteriors()`` returns them.
    """

    def __init__(self, parts: Sequence[EMPartition], posteriors: Sequence[np.ndarray]) -> None:
        self.parts = list(parts)
        self.n_annotators, self.n_categories = self.parts[0].n_annotators, self.parts[0].n_categories
        used = np.zeros(self.n_annotators * self.n_categories, dtype=bool)
        for part in self.parts:
            used[part.design.indices] = True
        self.columns = np.flatnonzero(used)
        full = len(self.columns) == self.n_annotators * self.n_categories  # every column used: the designs as they are
        self.designs = [part.design if full else part.design[:, self.columns].tocsr() for part in self.parts]
        self.distinct = [DistinctRows.of(d, part.gold_codes) for d, part in zip(self.designs, self.parts)]
        self.posts = [clamp_gold(np.array(p, dtype=np.float64), part.gold_codes) for p, part in zip(posteriors, parts)]

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        return (sum(d.T @ p for d, p in zip(self.designs, self.posts)),
                sum(p.sum(axis=0) for p in self.posts))

    def iterate(self, log_prior: np.ndarray, weights: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        steps = [column_step(d, part.gold_codes, log_prior, weights) if rows is None
                 else distinct_column_step(d, rows, log_prior, weights)
                 for d, part, rows in zip(self.designs, self.parts, self.distinct)]
        self.posts = [s[0] for s in steps]
        return float(sum(s[1] for s in steps)), sum(s[2] for s in steps), sum(s[3] for s in steps)

    def posteriors(self) -> list[np.ndarray]:
        return self.posts


def run_em(
    parts: Sequence[EMPartition], posteriors: Sequence[np.ndarray], *, max_iter: int, tol: float,
    smoothing: float, acceleration: str = "squarem",
) -> EMFit:
    """EM from initial posteriors, one map (per partition) and one reduce (sum) per step.

    Stops when no parameter (class prior or confusion probability) changes by more than ``tol``
    in one EM step, or after ``max_iter`` E-steps. (A test on the log-likelihood gain stops
    too early: on flat likelihoods the consensus labels still change long after the gain is tiny.)
    The parameters returned are the M-step of the last posteriors, so posteriors and parameters are
    a matched pair. See :func:`run_em_on`.
    """
    return run_em_on(InMemoryPartitions(parts, posteriors), max_iter=max_iter, tol=tol, smoothing=smoothing,
                     acceleration=acceleration)


def run_em_on(data: "InMemoryPartitions", *, max_iter: int, tol: float, smoothing: float,
              acceleration: str = "squarem") -> EMFit:
    r""":func:`run_em` on partitions held anywhere: ``data`` has the methods and the ``columns``,
    ``n_annotators`` and ``n_categories`` attributes of :class:`InMemoryPartitions`.

    The Dask backend passes partitions that live on a cluster (``iterate`` is one map of
    :func:`column_step` and one sum per iteration; posteriors stay in the partitions); ``posteriors()``
    then returns whatever handles the holder uses. The loop and the stopping rule are the same.

    With ``acceleration="squarem"`` every two EM steps :math:`\theta_1 = F(\theta_0)`,
    :math:`\theta_2 = F(\theta_1)` are followed by the SQUAREM S3 extrapolation
    (:func:`~analytics.annotators._ds_params.extrapolate`) and one EM step from the extrapolated point
    (which stabilizes it). The step length is clamped to ``[1, cap]``; the cap starts at
    :data:`STEP_MAX0` and grows by :data:`STEP_FACTOR` each time it is reached (and shrinks by it when a
    capped step is rejected). The extrapolation is accepted only when its smoothed objective (log-likelihood
    plus the Dirichlet term of the smoothing) is not below that at :math:`\theta_1`, otherwise EM goes on
    from :math:`\theta_2` (and the cap shrinks), so the objective never decreases along the path.
    ``log_likelihood`` lists the log-likelihood at every accepted point, so it can be shorter than
    ``n_iter`` (every E-step counts, rejected ones too). The run always ends with a plain EM step, whose
    largest parameter change is the stopping test, so a converged fit is an EM fixed point to ``tol``.

    References
    ----------
    Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating the
    convergence of any EM algorithm. Scandinavian Journal of Statistics, 35(2), 335–353.
    https://doi.org/10.1111/j.1467-9469.2007.00585.x
    """
    layout = ColumnLayout(data.columns, data.n_annotators, data.n_categories, smoothing)
    soft, totals = data.statistics()
    theta, probs = layout.m_step(soft, totals)
    trace: list[float] = []
    evals = 0

    def step(point: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        nonlocal evals
        evals += 1
        ll, new_soft, new_totals = data.iterate(*layout.weights(point))
        return (*layout.m_step(new_soft, new_totals), float(ll), new_soft)

    def change(p: np.ndarray, q: np.ndarray) -> float:
        return float(np.abs(p - q).max()) if len(p) else 0.0

    converged, step_max = max_iter == 0, STEP_MAX0
    while evals < max_iter:
        theta1, probs1, ll0, soft = step(theta)
        trace.append(ll0)
        if change(probs1, probs) < tol or evals >= max_iter:
            theta, probs, converged = theta1, probs1, change(probs1, probs) < tol
            break
        theta2, probs2, ll1, soft = step(theta1)
        trace.append(ll1)
        if change(probs2, probs1) < tol or evals >= max_iter:
            theta, probs, converged = theta2, probs2, change(probs2, probs1) < tol
            break
        if acceleration != "squarem" or evals + 2 > max_iter:  # keep one E-step for the closing plain step
            theta, probs = theta2, probs2
            continue
        point, alpha = extrapolate(theta, theta1, theta2, step_max)
        if alpha == 1.0:  # the S3 point is θ2 itself
            theta, probs = theta2, probs2
            step_max = step_max * STEP_FACTOR if alpha == step_max else step_max
            continue
        point = layout.normalize(point)
        theta3, probs3, ll_point, soft3 = step(point)
        objective = ll_point + layout.penalty(point)
        if np.isfinite(objective) and objective >= ll1 + layout.penalty(theta1):
            trace.append(ll_point)
            step_max = step_max * STEP_FACTOR if alpha == step_max else step_max
            if change(probs3, layout.probabilities(point)) < tol:  # θ' is a fixed point: E(θ'), F(θ') match
                theta, probs, soft, converged = theta3, probs3, soft3, True
                break
            theta, probs, soft = theta3, probs3, soft3
        else:  # monotonicity fallback: plain EM from θ2 (the E-step spent on the rejected point still counts)
            theta, probs = theta2, probs2
            step_max = max(1.0, step_max / STEP_FACTOR) if alpha == step_max else step_max
    log_prior, log_conf, counts = layout.dense(theta, soft)
    return EMFit(data.posteriors(), log_prior, log_conf, counts, tuple(trace), evals, converged)
