r"""Consensus labels: majority vote and Dawid–Skene, with one shared result type.

Both functions take an :class:`~analytics.AnnotationSet` and return a :class:`ConsensusResult`
(consensus label, confidence and class posteriors per item; an accuracy per annotator). Dawid–Skene
also estimates each annotator's confusion matrix and the class priors; see :mod:`analytics._dawid_skene`
for the EM kernels.

References
----------
Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the
EM algorithm. Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from . import _dawid_skene as _ds
from ._reshape import item_category_counts, require_annotators, require_single_label
from .exceptions import ConvergenceWarning, DataQualityWarning, InvalidParameterError
from .results import ResultMixin

if TYPE_CHECKING:
    from ._schema import AnnotationSet

__all__ = ["ConsensusResult", "majority_vote", "dawid_skene"]


@dataclass(frozen=True, eq=False)
class ConsensusResult(ResultMixin):
    """Consensus labels per item and the quality estimates that come with them.

    Attributes
    ----------
    method : str
        ``"majority_vote"`` or ``"dawid_skene"``.
    labels : pandas.Series
        Consensus label per item (object dtype, indexed by ``item_id``); ``pd.NA`` where a tie is unresolved.
    confidence : pandas.Series
        Per item: the winning vote share (majority vote) or the largest posterior probability (Dawid–Skene).
    posteriors : pandas.DataFrame
        Items × categories: vote shares (majority vote) or posterior class probabilities (Dawid–Skene).
    annotator_accuracy : pandas.Series
        Per annotator: share of their labels equal to the consensus on resolved items (majority vote), or
        the expected share of correct labels under the posteriors, ``Σ_k T[i_k, l_k] / n_a`` (Dawid–Skene).
        Empty when annotators are anonymous.
    n_ratings : pandas.Series
        Annotations per item.
    n_unresolved : int
        Items without a consensus label (ties left unresolved).
    annotator_confusion : numpy.ndarray or None
        Dawid–Skene: ``annotator × true × given`` confusion probabilities (rows sum to one);
        see :meth:`confusion_frame`.
    class_priors : pandas.Series or None
        Dawid–Skene: estimated prevalence of each true class.
    log_likelihood : tuple of float
        Dawid–Skene: observed-data log-likelihood after each E-step (empty for majority vote). EM with
        ``smoothing > 0`` maximizes the smoothed (MAP) objective, so this trace may dip by tiny amounts;
        with ``smoothing=0`` it never decreases.
    n_iter : int
        Dawid–Skene: E-steps run (0 for majority vote).
    converged : bool
        Dawid–Skene: no parameter changed by more than ``tol`` in the last iteration (within ``max_iter``).
    details : str
        Options used (tie rule, seed, smoothing, gold clamping).
    """

    method: str
    labels: pd.Series
    confidence: pd.Series
    posteriors: pd.DataFrame
    annotator_accuracy: pd.Series
    n_ratings: pd.Series
    n_unresolved: int
    annotator_confusion: np.ndarray | None = None
    class_priors: pd.Series | None = None
    log_likelihood: tuple[float, ...] = ()
    n_iter: int = 0
    converged: bool = True
    details: str = ""

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.posteriors.columns)

    def confusion_frame(self, annotator_id: str) -> pd.DataFrame:
        """One annotator's estimated confusion matrix: rows true class, columns given label (Dawid–Skene only)."""
        if self.annotator_confusion is None:
            raise InvalidParameterError(f"{self.method} does not estimate confusion matrices; use dawid_skene().")
        ids = list(self.annotator_accuracy.index)
        if annotator_id not in ids:
            raise InvalidParameterError(f"Unknown annotator {annotator_id!r}; annotators are {ids[:20]}.")
        cats = pd.Index(self.categories)
        return pd.DataFrame(self.annotator_confusion[ids.index(annotator_id)],
                            index=cats.rename("true"), columns=cats.rename("given"))

    def to_frame(self) -> pd.DataFrame:
        """Per item: ``item_id, consensus, confidence, n_ratings``."""
        return pd.DataFrame({
            "item_id": self.labels.index.to_numpy(),
            "consensus": self.labels.to_numpy(),
            "confidence": self.confidence.to_numpy(),
            "n_ratings": self.n_ratings.to_numpy(),
        })


def _item_index(aset: "AnnotationSet") -> pd.Index:
    return pd.Index(np.asarray(aset.item_ids), dtype=object, name="item_id")


def _label_series(aset: "AnnotationSet", codes: np.ndarray) -> pd.Series:
    names = np.asarray(aset.categories, dtype=object)
    values = np.where(codes >= 0, names[np.maximum(codes, 0)], pd.NA).astype(object)
    return pd.Series(values, index=_item_index(aset), name="consensus", dtype=object)


def _agreement_with(aset: "AnnotationSet", codes: np.ndarray) -> pd.Series:
    """Per annotator: share of their labels equal to ``codes`` of the item, over items where ``codes >= 0``."""
    index = pd.Index(np.asarray(aset.annotator_ids), dtype=object, name="annotator_id")
    if not aset.annotators_known:
        return pd.Series([], index=index, dtype=float, name="annotator_accuracy")
    target = codes[aset.item_codes]
    scored = target >= 0
    n = np.bincount(aset.annotator_codes[scored], minlength=aset.n_annotators)
    hits = np.bincount(aset.annotator_codes[scored], weights=(aset.label_codes == target)[scored],
                       minlength=aset.n_annotators)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.Series(hits / n, index=index, name="annotator_accuracy")


def majority_vote(
    annotations: "AnnotationSet", *, tie: Literal["unresolved", "random"] = "unresolved", seed: int | None = None,
) -> ConsensusResult:
    r"""Consensus by majority (plurality) vote.

    The consensus of item *i* is :math:`\arg\max_c n_{ic}` with :math:`n_{ic}` the number of annotators
    who chose *c*; its confidence is the vote share :math:`\max_c n_{ic} / \sum_c n_{ic}`. Works from
    item × category counts, so anonymous annotators (a counts table) are fine.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations.
    tie : {"unresolved", "random"}
        Items whose top count is shared: leave them without consensus (``pd.NA``), or pick one of the
        tied classes at random.
    seed : int, optional
        Seed of the random tie-break (``numpy.random.default_rng``).

    Returns
    -------
    ConsensusResult
        ``annotator_accuracy`` is each annotator's agreement with the consensus on resolved items.

    References
    ----------
    Dawid, A. P., & Skene, A. M. (1979). https://doi.org/10.2307/2346806 (majority vote as the EM starting point).

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, majority_vote
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2], "annotator_id": ["a", "b", "c", "a", "b"],
    ...                    "label": ["cat", "cat", "dog", "cat", "dog"]})
    >>> res = majority_vote(load_annotations(df))
    >>> res.labels.tolist(), res.confidence.round(2).tolist()
    (['cat', <NA>], [0.67, 0.5])
    """
    if tie not in ("unresolved", "random"):
        raise InvalidParameterError(f"tie must be 'unresolved' or 'random', not {tie!r}.")
    require_single_label(annotations, "majority_vote")
    counts = item_category_counts(annotations)
    m = counts.sum(axis=1)
    top = counts.max(axis=1)
    is_top = counts == top[:, None]
    tied = is_top.sum(axis=1) > 1
    if tie == "random":
        rng = np.random.default_rng(seed)
        codes = np.argmax(is_top * rng.random(counts.shape), axis=1)
    else:
        codes = np.where(tied, -1, np.argmax(counts, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / m[:, None]
    index = _item_index(annotations)
    return ConsensusResult(
        method="majority_vote",
        labels=_label_series(annotations, codes),
        confidence=pd.Series(top / m, index=index, name="confidence"),
        posteriors=pd.DataFrame(shares, index=index, columns=pd.Index(annotations.categories, name="category")),
        annotator_accuracy=_agreement_with(annotations, codes),
        n_ratings=pd.Series(m, index=index, name="n_ratings"),
        n_unresolved=int((codes < 0).sum()),
        details=f"tie={tie}" + (f", seed={seed}" if tie == "random" else ""),
    )


def dawid_skene(
    annotations: "AnnotationSet", *, max_iter: int = 100, tol: float = 1e-6, use_gold: bool = True,
    init: Literal["majority", "majority_hard"] = "majority", smoothing: float = 0.01,
) -> ConsensusResult:
    r"""Consensus and per-annotator confusion matrices by the Dawid–Skene EM algorithm.

    Each item has a latent true class *t* with prior :math:`p_t`; annotator *a* reports *l* with
    probability :math:`\pi^{(a)}_{tl}`. EM alternates the E-step

    .. math:: T_{it} \propto p_t \prod_{k \in i} \pi^{(a_k)}_{t\, l_k}

    (computed in log space) and the M-step
    :math:`\pi^{(a)}_{tl} \propto s + \sum_{k: a_k = a, l_k = l} T_{i_k t}`,
    :math:`p_t \propto s + \sum_i T_{it}`, where *s* = ``smoothing`` is a pseudo-count (a Dirichlet MAP
    estimate) that keeps annotators with one label, items with one rating and classes nobody used finite:
    a confusion row without evidence becomes uniform. All items and annotators are updated at once with
    sparse matrix products (no loop over items).

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with annotator ids.
    max_iter : int
        Maximum number of EM iterations (E-steps).
    tol : float
        Stop when no class prior or confusion probability changes by more than ``tol`` between two
        iterations. If ``max_iter`` is reached first, ``converged`` is False and a
        :class:`~analytics.exceptions.ConvergenceWarning` is emitted.
    use_gold : bool
        Clamp gold items to their gold label (their posterior is one-hot and they inform the confusion matrices).
    init : {"majority", "majority_hard"}
        Starting posteriors: vote shares, or the one-hot plurality label (ties split evenly).
    smoothing : float
        Pseudo-count *s* ≥ 0 added to every confusion cell and class total.

    Returns
    -------
    ConsensusResult
        With ``annotator_confusion`` (annotator × true × given), ``class_priors``, ``log_likelihood`` trace,
        ``n_iter`` and ``converged``; ``confidence`` is the largest posterior per item.

    Raises
    ------
    AnnotationSchemaError
        Anonymous annotators (an item × category counts table) or multi-label sets.

    Warns
    -----
    ConvergenceWarning
        ``max_iter`` reached before convergence.
    DataQualityWarning
        No item has two ratings and no gold is used (e.g. a single annotator): the model is not
        identifiable, so EM is not run and each item keeps its one label.

    References
    ----------
    Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the
    EM algorithm. Journal of the Royal Statistical Society, Series C, 28(1), 20–28.
    https://doi.org/10.2307/2346806

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, dawid_skene
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": list("abcabc"),
    ...                    "label": ["cat", "cat", "dog", "dog", "dog", "dog"]})
    >>> res = dawid_skene(load_annotations(df))
    >>> res.labels.tolist(), bool(res.converged)
    (['cat', 'dog'], True)
    """
    require_single_label(annotations, "dawid_skene")
    require_annotators(annotations, "dawid_skene")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise InvalidParameterError(f"max_iter must be a positive integer, not {max_iter!r}.")
    if not (tol >= 0 and smoothing >= 0):
        raise InvalidParameterError(f"tol and smoothing must be ≥ 0 (got tol={tol!r}, smoothing={smoothing!r}).")
    if init not in ("majority", "majority_hard"):
        raise InvalidParameterError(f"init must be 'majority' or 'majority_hard', not {init!r}.")
    aset = annotations
    n_cat, n_ann = aset.n_categories, aset.n_annotators
    gold = aset.gold_codes if (use_gold and aset.gold_codes is not None) else None
    part = _ds.em_partition(aset.item_codes, aset.annotator_codes, aset.label_codes, aset.n_items, n_ann, n_cat, gold)
    counts = item_category_counts(aset).astype(np.float64)
    if init == "majority_hard":
        counts = (counts == counts.max(axis=1, keepdims=True)).astype(np.float64)
    start = counts / counts.sum(axis=1, keepdims=True)
    identifiable = bool((aset.ratings_per_item >= 2).any() or (gold is not None and (gold >= 0).any()))
    if not identifiable:
        warnings.warn(
            "dawid_skene: no item has two ratings and no gold item is used, so annotator confusion matrices cannot "
            "be estimated (the likelihood is flat); the consensus is each item's single label and the confusion "
            "matrices are one M-step from it.", DataQualityWarning, stacklevel=2)
    fit = _ds.run_em([part], [start], max_iter=int(max_iter) if identifiable else 0, tol=float(tol),
                     smoothing=float(smoothing))
    if identifiable and not fit.converged:
        warnings.warn(
            f"dawid_skene did not converge in {fit.n_iter} iterations (a parameter still moved by more than "
            f"tol={tol}); the labels may still change. Raise max_iter or tol.", ConvergenceWarning, stacklevel=2)
    post = fit.posteriors[0]
    codes = np.argmax(post, axis=1)
    index = _item_index(aset)
    cats = pd.Index(aset.categories, name="category")
    n_by_annotator = fit.counts.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.trace(fit.counts, axis1=1, axis2=2) / n_by_annotator
    return ConsensusResult(
        method="dawid_skene",
        labels=_label_series(aset, codes),
        confidence=pd.Series(post.max(axis=1), index=index, name="confidence"),
        posteriors=pd.DataFrame(post, index=index, columns=cats),
        annotator_accuracy=pd.Series(accuracy, index=pd.Index(np.asarray(aset.annotator_ids), dtype=object,
                                                              name="annotator_id"), name="annotator_accuracy"),
        n_ratings=pd.Series(aset.ratings_per_item, index=index, name="n_ratings"),
        n_unresolved=0,
        annotator_confusion=np.exp(fit.log_confusion),
        class_priors=pd.Series(np.exp(fit.log_prior), index=cats, name="prior"),
        log_likelihood=fit.log_likelihood,
        n_iter=fit.n_iter,
        converged=fit.converged or not identifiable,
        details=f"smoothing={smoothing}, init={init}, use_gold={bool(use_gold and gold is not None)}, "
                f"tol={tol} (largest parameter change), max_iter={max_iter}",
    )
