r"""Consensus labels: majority vote and Dawid–Skene, with one shared result type.

Both functions take an :class:`~analytics.AnnotationSet` and return a :class:`ConsensusResult`
(consensus label, confidence and class posteriors per item; an accuracy per annotator). Dawid–Skene
also estimates each annotator's confusion matrix and the class priors; see :mod:`analytics.annotators._dawid_skene`
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
from .._reshape import (
    cached,
    distributed_implementation,
    is_distributed,
    item_category_counts,
    n_gold_items,
    n_items_with_ratings,
    require_annotators,
    require_single_label,
)
from ..exceptions import ConvergenceWarning, DataQualityWarning, InvalidParameterError
from ..results import ResultMixin

if TYPE_CHECKING:
    from scipy import sparse

    from .._schema import AnnotationSet

__all__ = ["ConsensusResult", "majority_vote", "dawid_skene", "vote_tables", "posterior_tables", "agreement_counts",
           "accuracy_series", "start_posteriors", "em_partition_of", "vote_details", "unclamped_dawid_skene",
           "vote_patterns", "scored_hits"]


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
        Dawid–Skene: observed-data log-likelihood at each point EM passed through (empty for majority vote);
        a SQUAREM extrapolation that was rejected is not listed, so it can be shorter than ``n_iter``. EM
        with ``smoothing > 0`` maximizes the smoothed (MAP) objective, so this trace may dip by tiny amounts;
        with ``smoothing=0`` it never decreases.
    n_iter : int
        Dawid–Skene: E-steps run, SQUAREM's included (0 for majority vote).
    converged : bool
        Dawid–Skene: no parameter changed by more than ``tol`` in the last (plain) EM step, within ``max_iter``.
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

    def label_counts(self) -> pd.Series:
        """Items per consensus class, in category order (items without a consensus are not counted)."""
        return count_labels(self.labels.dropna().astype(str).value_counts(), self.categories)

    def to_frame(self) -> pd.DataFrame:
        """Per item: ``item_id, consensus, confidence, n_ratings``."""
        return pd.DataFrame({
            "item_id": self.labels.index.to_numpy(),
            "consensus": self.labels.to_numpy(),
            "confidence": self.confidence.to_numpy(),
            "n_ratings": self.n_ratings.to_numpy(),
        })


def count_labels(counts: pd.Series, categories: tuple[str, ...]) -> pd.Series:
    """Label counts (``value_counts`` of the consensus labels) in category order, 0 for unused classes."""
    return counts.reindex(list(categories), fill_value=0).astype(np.int64).rename("n_items")


def _item_index(aset: "AnnotationSet") -> pd.Index:
    return pd.Index(aset.item_ids, dtype=object, name="item_id", copy=False)  # shares the ids, no copy per table


def _label_series(aset: "AnnotationSet", codes: np.ndarray, categories: tuple[str, ...] | None = None) -> pd.Series:
    names = np.asarray(aset.categories if categories is None else categories, dtype=object)
    values = np.where(codes >= 0, names[np.maximum(codes, 0)], pd.NA).astype(object)
    return pd.Series(values, index=_item_index(aset), name="consensus", dtype=object)


def agreement_counts(part: "AnnotationSet", codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator: ``(hits, n)`` — labels equal to the item's ``codes`` and labels scored (``codes >= 0``).

    A sum over items (``codes`` are per item of ``part``), so partitions of items add up.
    """
    return scored_hits(part, codes[part.item_codes])


def scored_hits(part: "AnnotationSet", reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per annotator: ``(hits, n)`` — labels equal to their annotation's ``reference`` and labels scored
    (``reference >= 0``); ``reference`` holds one class code per annotation (the item's consensus, or the other
    annotators' plurality)."""
    unscored = reference < 0
    # a label never equals -1, so the unscored add 0.0 to the same sums in the same order: no subset is copied
    n = np.bincount(part.annotator_codes, minlength=part.n_annotators)
    if unscored.any():
        n = n - np.bincount(part.annotator_codes[unscored], minlength=part.n_annotators)
    hits = np.bincount(part.annotator_codes, weights=part.label_codes == reference, minlength=part.n_annotators)
    return hits, n


def accuracy_series(aset: "AnnotationSet", hits: np.ndarray | None, n: np.ndarray | None) -> pd.Series:
    """``hits / n`` per annotator as the ``annotator_accuracy`` Series (empty for anonymous annotators)."""
    index = pd.Index(np.asarray(aset.annotator_ids), dtype=object, name="annotator_id")
    if not aset.annotators_known:
        return pd.Series([], index=index, dtype=float, name="annotator_accuracy")
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.Series(hits / n, index=index, name="annotator_accuracy")


def vote_tables(part: "AnnotationSet", categories: tuple[str, ...], tie: str,
                rng: np.random.Generator | None) -> tuple[dict[str, "pd.Series | pd.DataFrame"], np.ndarray]:
    """Majority vote of the items of ``part``: the per-item results and the consensus codes (-1: unresolved).

    Returns ``({"labels", "confidence", "posteriors", "n_ratings"}, codes)``; per item, so the same function
    runs on a whole set or on each partition of items.
    """
    counts = item_category_counts(part)
    rows = None
    if tie != "random" and hasattr(part, "_cache") and not is_distributed(part):
        from .._reshape._distinct import distinct_count_rows

        rows, first = distinct_count_rows(part)  # every number below is a function of the item's counts row
        counts = counts[first]
    m = counts.sum(axis=1)
    top = counts.max(axis=1)
    is_top = counts == top[:, None]
    tied = is_top.sum(axis=1) > 1
    if tie == "random":
        codes = np.argmax(is_top * rng.random(counts.shape), axis=1)
    else:
        codes = np.where(tied, -1, np.argmax(counts, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / m[:, None]
    if rows is not None:  # taken for the items
        m, top, codes, shares = m[rows], top[rows], codes[rows], shares[rows]
    index = _item_index(part)
    tables = {
        "labels": _label_series(part, codes, categories),
        "confidence": pd.Series(top / m, index=index, name="confidence"),
        "posteriors": pd.DataFrame(shares, index=index, columns=pd.Index(categories, name="category"), copy=False),
        "n_ratings": pd.Series(m, index=index, name="n_ratings"),
    }
    return tables, codes


def posterior_tables(part: "AnnotationSet", categories: tuple[str, ...],
                     post: np.ndarray) -> dict[str, "pd.Series | pd.DataFrame"]:
    """Per-item Dawid–Skene results of the items of ``part`` from their posteriors (as :func:`vote_tables`)."""
    index = _item_index(part)
    return {
        "labels": _label_series(part, np.argmax(post, axis=1), categories),
        "confidence": pd.Series(post.max(axis=1), index=index, name="confidence"),
        "posteriors": pd.DataFrame(post, index=index, columns=pd.Index(categories, name="category")),
        "n_ratings": pd.Series(part.ratings_per_item, index=index, name="n_ratings"),
    }


def start_posteriors(part: "AnnotationSet", init: str) -> np.ndarray:
    """EM starting posteriors of the items of ``part``: vote shares, or the one-hot plurality (ties split)."""
    if is_distributed(part) or not hasattr(part, "_cache"):
        return _start_rows(item_category_counts(part), init)
    from .._reshape._distinct import distinct_count_rows

    codes, first = distinct_count_rows(part)  # a function of each item's counts: once per distinct row
    return _start_rows(item_category_counts(part)[first], init)[codes]


def _start_rows(counts: np.ndarray, init: str) -> np.ndarray:
    counts = counts.astype(np.float64)
    if init == "majority_hard":
        counts = (counts == counts.max(axis=1, keepdims=True)).astype(np.float64)
    return counts / counts.sum(axis=1, keepdims=True)


def em_partition_of(part: "AnnotationSet", gold: bool) -> "_ds.EMPartition":
    """The :class:`~analytics.annotators._dawid_skene.EMPartition` of a set or partition (gold clamped if ``gold``).

    Without gold, an in-memory set keeps it (read-only): the Dawid–Skene fit and the distinct vote patterns of
    routing and label errors read the same matrix."""
    from .._schema import AnnotationSet

    def build() -> "_ds.EMPartition":
        return _ds.em_partition(part.item_codes, part.annotator_codes, part.label_codes, part.n_items,
                                part.n_annotators, part.n_categories, part.gold_codes if gold else None)

    if gold or not isinstance(part, AnnotationSet):
        return build()
    return cached(part, "em_partition_unclamped", build)


def vote_patterns(aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray, "sparse.csr_matrix"]:
    """``(codes, first, design)``: the distinct rows of the set's item × (annotator, label) indicator matrix (gold
    not clamped) — items with the same annotators giving the same labels share a code — the first item of each,
    and the matrix's rows of those items (cached on the set, read-only)."""
    from .._reshape._distinct import distinct_design_rows

    def build() -> tuple[np.ndarray, np.ndarray, "sparse.csr_matrix"]:
        design = em_partition_of(aset, False).design
        codes, first = distinct_design_rows(design)
        codes.flags.writeable = first.flags.writeable = False
        return codes, first, design[first]

    return cached(aset, "vote_patterns", build)


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
    if is_distributed(annotations):
        return distributed_implementation(annotations, "majority_vote")(annotations, tie=tie, seed=seed)

    def build() -> ConsensusResult:
        tables, codes = vote_tables(annotations, annotations.categories, tie, np.random.default_rng(seed))
        hits, n = agreement_counts(annotations, codes) if annotations.annotators_known else (None, None)
        return ConsensusResult(
            method="majority_vote", **tables, annotator_accuracy=accuracy_series(annotations, hits, n),
            n_unresolved=int((codes < 0).sum()), details=vote_details(tie, seed),
        )

    if tie == "random":
        return build()
    # deterministic: kept on the set (routing, class balance and the recommendations each ask for it)
    return cached(annotations, "majority_vote_unresolved", build)


def vote_details(tie: str, seed: int | None) -> str:
    return f"tie={tie}" + (f", seed={seed}" if tie == "random" else "")


def dawid_skene(
    annotations: "AnnotationSet", *, max_iter: int = 100, tol: float = 1e-6, use_gold: bool = True,
    init: Literal["majority", "majority_hard"] = "majority", smoothing: float = 0.01,
    acceleration: Literal["squarem", "none"] = "squarem",
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
    acceleration : {"squarem", "none"}
        ``"squarem"``: after every two EM steps, the SQUAREM S3 extrapolation (Varadhan & Roland 2008),
        kept only if it does not lower the smoothed log-likelihood, then one EM step from it; it reaches the
        same fixed point in far fewer iterations when EM crawls (e.g. 781 → under 100 on the ``product``
        data). ``"none"``: plain EM.

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

    Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating the
    convergence of any EM algorithm. Scandinavian Journal of Statistics, 35(2), 335–353.
    https://doi.org/10.1111/j.1467-9469.2007.00585.x

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
    if acceleration not in ("squarem", "none"):
        raise InvalidParameterError(f"acceleration must be 'squarem' or 'none', not {acceleration!r}.")
    aset = annotations
    gold = bool(use_gold and aset.gold is not None)
    identifiable = n_items_with_ratings(aset, 2) > 0 or (gold and n_gold_items(aset) > 0)
    if not identifiable:
        warnings.warn(
            "dawid_skene: no item has two ratings and no gold item is used, so annotator confusion matrices cannot "
            "be estimated (the likelihood is flat); the consensus is each item's single label and the confusion "
            "matrices are one M-step from it.", DataQualityWarning, stacklevel=2)
    options = dict(max_iter=int(max_iter) if identifiable else 0, tol=float(tol), smoothing=float(smoothing),
                   acceleration=acceleration)
    if is_distributed(aset):
        fit_dawid_skene = distributed_implementation(aset, "dawid_skene")
        fit, tables, result_type = fit_dawid_skene(aset, gold=gold, init=init, **options)
    else:
        fit = _ds.run_em([em_partition_of(aset, gold)], [start_posteriors(aset, init)], **options)
        tables, result_type = posterior_tables(aset, aset.categories, fit.posteriors[0]), ConsensusResult
    if identifiable and not fit.converged:
        warnings.warn(
            f"dawid_skene did not converge in {fit.n_iter} iterations (a parameter still moved by more than "
            f"tol={tol}); the labels may still change. Raise max_iter or tol.", ConvergenceWarning, stacklevel=2)
    cats = pd.Index(aset.categories, name="category")
    n_by_annotator = fit.counts.sum(axis=(1, 2))
    return result_type(
        method="dawid_skene", **tables,
        annotator_accuracy=accuracy_series(aset, np.trace(fit.counts, axis1=1, axis2=2), n_by_annotator),
        n_unresolved=0,
        annotator_confusion=np.exp(fit.log_confusion),
        class_priors=pd.Series(np.exp(fit.log_prior), index=cats, name="prior"),
        log_likelihood=fit.log_likelihood,
        n_iter=fit.n_iter,
        converged=fit.converged or not identifiable,
        details=f"smoothing={smoothing}, init={init}, use_gold={gold}, "
                f"tol={tol} (largest parameter change), max_iter={max_iter}, acceleration={acceleration}",
    )


def unclamped_dawid_skene(annotations: "AnnotationSet") -> ConsensusResult:
    """``dawid_skene(annotations, use_gold=False)`` with the default options, fitted once per in-memory set.

    Review routing's reliability weights and the label errors' people evidence both use this fit; it is kept on
    the set (read it, do not change it) and the warnings the fit raised are raised again on every call, so each
    caller sees (and records) what a fit of its own would have told it.
    """
    if is_distributed(annotations):
        return dawid_skene(annotations, use_gold=False)

    def build() -> tuple[ConsensusResult, tuple[warnings.WarningMessage, ...]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = dawid_skene(annotations, use_gold=False)
        return result, tuple(caught)

    result, caught = cached(annotations, "dawid_skene_unclamped", build)
    for w in caught:
        warnings.warn(w.message, stacklevel=2)
    return result
