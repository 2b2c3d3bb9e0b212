r"""Model versus people: where a model's predictions and the annotators' labels disagree, and why.

:func:`model_vs_human` takes an annotation set with model predictions attached;
:func:`model_vs_human_arrays` is the same analysis on plain arrays (probabilities and vote counts),
for sets too large to hold as annotations. Both stream over the items in batches on a torch device
(CUDA when available with ``device="auto"``): each batch yields additive statistics
(:mod:`analytics.model.vs_human._kernels`) that are summed, so memory stays bounded for any number of items and
small batches give the same results as one batch.

With :math:`p_i` the model's probabilities of item *i*, :math:`\hat y_i = \arg\max_c p_{ic}` its label,
:math:`\hat p_i = \max_c p_{ic}` its confidence, :math:`n_{ic}` the human votes, :math:`h_{ic} =
n_{ic}/\sum_k n_{ik}` the vote distribution and :math:`y_i` the consensus label:

* accuracy :math:`\frac1n\sum_i [\hat y_i = y_i]` (Wilson interval) and Cohen's kappa of :math:`\hat y` vs
  :math:`y` (Fleiss–Cohen–Everitt interval; the agreement engine's table core);
* soft-label cross-entropy :math:`\frac1n\sum_i -\sum_c h_{ic}\log p_{ic}` and
  :math:`\mathrm{KL} = \mathrm{CE} - \frac1n\sum_i H(h_i)` (Peterson et al. 2019);
* self-confidence :math:`p_{i,y_i}`, the model's probability of the given (consensus) label; confident
  disagreements (:math:`\hat y_i \ne y_i`, :math:`\hat p_i \ge` ``threshold``) ranked by it, lowest first, are
  the likeliest label errors (Northcutt et al. 2021);
* expected calibration error :math:`\sum_b \frac{n_b}{n}|\mathrm{acc}_b - \mathrm{conf}_b|` over
  equal-width bins of :math:`\hat p` (Guo et al. 2017), against the consensus and against gold;
* human–human confusion from Krippendorff's coincidence matrix beside the consensus × model confusion.

The model as one more annotator (its kappa with each annotator and in the pairwise matrix) is the exception to
the torch streaming: it is computed with numpy from annotator × model-label × human-label count tables
(:func:`analytics._reshape.annotator_prediction_tables`), whose size — annotators × classes² — does not grow
with the number of items.

References
----------
Northcutt, C. G., Jiang, L., & Chuang, I. L. (2021). Confident learning: Estimating uncertainty in dataset
labels. Journal of Artificial Intelligence Research, 70, 1373–1411. https://doi.org/10.1613/jair.1.12125

Peterson, J. C., Battleday, R. M., Griffiths, T. L., & Russakovsky, O. (2019). Human uncertainty makes
classification more robust. ICCV 2019, 9617–9626. https://doi.org/10.1109/ICCV.2019.00971

Guo, C., Pleiss, G., Sun, Y., & Weinberger, K. Q. (2017). On calibration of modern neural networks. ICML 2017,
PMLR 70, 1321–1330. https://proceedings.mlr.press/v70/guo17a.html

Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological Measurement,
20(1), 37–46. https://doi.org/10.1177/001316446002000104

Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. https://repository.upenn.edu/asc_papers/43
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, Sequence

from ...exceptions import AnnotationSchemaError, InvalidParameterError
from ..._wording import count_noun

# numpy, pandas and the analysis modules (statsmodels, agreement, consensus) load when an analysis runs, so that
# importing this module (``analytics.model_vs_human`` resolves to its function) costs nothing.

if TYPE_CHECKING:
    import numpy as np

    from ._results import ModelVsHuman
    from ...annotators.consensus import ConsensusResult
    from ..._schema import AnnotationSet
    from ..._taxonomy_model import Taxonomy

__all__ = ["ModelVsHuman", "model_vs_human", "model_vs_human_arrays"]

ConsensusChoice = Literal["majority", "dawid_skene"]


def model_vs_human_arrays(
    probs: Any,
    human_counts: Any,
    *,
    categories: Sequence[str] | None = None,
    item_ids: Sequence[Any] | None = None,
    consensus_codes: Any = None,
    consensus_scores: Any = None,
    gold_codes: Any = None,
    taxonomy: "Taxonomy | None" = None,
    threshold: float = 0.70,
    device: str = "auto",
    batch_size: int | None = None,
    confidence_level: float = 0.95,
    n_bins: int = 15,
    max_listed: int | None = 10_000,
    confusion_threshold: float = 0.05,
) -> "ModelVsHuman":
    """:func:`model_vs_human` on arrays: model probabilities and human vote counts, one row per item.

    The array-level entry point for sets too large for an :class:`~analytics.AnnotationSet` (anonymous
    votes, e.g. an item × class counts table). Arrays are read one batch of rows at a time, so numpy
    memory maps (``numpy.load(..., mmap_mode="r")``) stream from disk; nothing of size ``items × classes``
    is copied. Per-annotator tables (``kappa_by_annotator``, ``kappa_matrix``) are empty here.

    Parameters
    ----------
    probs : array-like, (n_items, n_classes)
        Model probabilities (rows sum to 1 within 1e-3, then renormalized; a row of NaN = no prediction).
    human_counts : array-like, (n_items, n_classes)
        Human votes per item and class.
    categories : sequence of str, optional
        Class names (default ``"0"``, ``"1"``, …).
    item_ids : sequence, optional
        Item ids for the listed tables (default the row numbers).
    consensus_codes : array-like of int, optional
        Consensus class code per item (-1: none). Default: the plurality of ``consensus_scores``
        (ties unresolved).
    consensus_scores : array-like, (n_items, n_classes), optional
        Consensus posteriors (e.g. Dawid–Skene); default the vote counts (majority vote).
    gold_codes : array-like of int, optional
        Gold class code per item (-1: none).
    taxonomy : Taxonomy, optional
        A class hierarchy whose class names include ``categories``: adds the coarser levels.
    threshold, device, batch_size, confidence_level, n_bins, max_listed, confusion_threshold
        As :func:`model_vs_human`.

    Returns
    -------
    ModelVsHuman

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.75, 0.25]])
    >>> votes = np.array([[3, 0], [0, 3], [0, 3]])
    >>> res = model_vs_human_arrays(probs, votes, categories=["cat", "dog"], device="cpu")
    >>> round(res.accuracy_vs_consensus.value, 3), res.confident_disagreements["item_id"].tolist()
    (0.667, [2])
    """
    import numpy as np
    from ._core import run_analysis

    p = probs if hasattr(probs, "shape") and hasattr(probs, "__getitem__") else np.asarray(probs, dtype=np.float64)
    c = human_counts if hasattr(human_counts, "shape") else np.asarray(human_counts, dtype=np.float64)
    if len(p.shape) != 2 or tuple(c.shape) != tuple(p.shape):
        raise InvalidParameterError(
            f"probs and human_counts must both be (n_items, n_classes) arrays of the same shape; got {tuple(p.shape)} "
            f"and {tuple(c.shape)}.")
    n, q = p.shape
    cats = tuple(str(x) for x in categories) if categories is not None else tuple(str(k) for k in range(q))
    if len(cats) != q or len(set(cats)) != q:
        raise InvalidParameterError(f"categories must be {q} distinct names (one per column); got {list(cats)[:12]}.")
    for name, value in (("item_ids", item_ids), ("consensus_codes", consensus_codes), ("gold_codes", gold_codes)):
        if value is not None and len(value) != n:
            raise InvalidParameterError(f"{name} has {len(value)} entries for {n} items.")
    if consensus_scores is not None and tuple(consensus_scores.shape) != (n, q):
        raise InvalidParameterError(f"consensus_scores must have shape {(n, q)}; got {tuple(consensus_scores.shape)}.")
    for name, value in (("consensus_codes", consensus_codes), ("gold_codes", gold_codes)):
        if value is not None and len(value) and (np.max(value) >= q or np.min(value) < -1):
            raise InvalidParameterError(f"{name} must be class codes in [0, {q}) or -1 (none).")
    method = "majority_vote" if consensus_scores is None and consensus_codes is None else "given"
    return run_analysis(
        p, c, categories=cats, item_ids=item_ids, consensus_codes=consensus_codes, consensus_scores=consensus_scores,
        gold_codes=gold_codes, taxonomy=taxonomy, consensus_method=method, threshold=threshold, device=device,
        batch_size=batch_size, confidence_level=confidence_level, n_bins=n_bins, max_listed=max_listed,
        confusion_threshold=confusion_threshold)


def _consensus(aset: "AnnotationSet", consensus: Any) -> "ConsensusResult":
    import pandas as pd
    from ...annotators.consensus import ConsensusResult, dawid_skene, majority_vote

    if isinstance(consensus, ConsensusResult):
        if tuple(consensus.categories) != tuple(aset.categories):
            raise InvalidParameterError(
                f"The ConsensusResult's categories {list(consensus.categories)[:12]} are not the set's "
                f"{list(aset.categories)[:12]}; compute it from this annotation set.")
        missing = pd.Index(aset.item_ids).difference(consensus.labels.index)
        if len(missing):
            raise InvalidParameterError(
                f"The ConsensusResult has no label for {count_noun(len(missing), 'item')} of the set, e.g. "
                f"{', '.join(map(str, missing[:5]))}; compute it from this annotation set.")
        return consensus
    if consensus == "majority":
        return majority_vote(aset)
    if consensus == "dawid_skene":
        return dawid_skene(aset)
    raise InvalidParameterError(f"consensus must be 'majority', 'dawid_skene' or a ConsensusResult; got {consensus!r}.")


def _prediction_probs(aset: "AnnotationSet", has: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Probabilities of the predicted items; label + confidence predictions spread the rest evenly."""
    import numpy as np
    if aset.prediction_probs is not None:
        return aset.prediction_probs[has], None
    q = aset.n_categories
    codes, conf = aset.prediction_codes[has], aset.prediction_confidence[has]
    bad = ~np.isfinite(conf) | (conf < 1.0 / q)
    if bad.any():
        ids = np.asarray(aset.item_ids)[has][bad]
        raise AnnotationSchemaError(
            f"{count_noun(bad.sum(), 'predicted item')} {'has' if bad.sum() == 1 else 'have'} no confidence or one below 1/{q} "
            f"(e.g. {', '.join(map(str, ids[:5]))}); "
            "comparing the model with people needs a probability per class, or a predicted label with its probability. "
            "Attach a probability table (item_id + one column per class).")
    probs = np.repeat(((1.0 - conf) / max(q - 1, 1))[:, None], q, axis=1)
    probs[np.arange(len(codes)), codes] = conf
    return probs, ("predictions give only a label and its confidence: the remaining probability is spread evenly "
                   "over the other classes, so self-confidence is approximate and the soft-label cross-entropy "
                   "and KL divergence are not reported")


def model_vs_human(
    annotations: "AnnotationSet",
    *,
    threshold: float = 0.70,
    device: str = "auto",
    consensus: "ConsensusChoice | ConsensusResult" = "majority",
    batch_size: int | None = None,
    confidence_level: float = 0.95,
    n_bins: int = 15,
    max_listed: int | None = 10_000,
    confusion_threshold: float = 0.05,
) -> "ModelVsHuman":
    r"""Compare a model's predictions with the annotators: agreement, disagreements, confusion, calibration.

    The formulas are in the module docstring (:mod:`analytics.model.vs_human.api`). Items without a
    prediction are left out (``n_items_without_prediction``); consensus statistics use the items whose
    consensus is resolved (majority-vote ties are not). The model is also compared with each annotator
    as if it were one more annotator (Cohen's kappa on the items both labelled), and with a hierarchical
    taxonomy the model's probabilities are summed up to each parent class (level by level), so agreement
    is measured per level and an item the model cannot place as a leaf but confidently places as its
    parent is reported as such (``low_confidence_items.placed_class``).

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with predictions attached (``load_annotations(..., predictions=...)``).
        Label + confidence predictions work, with the remaining probability spread evenly over the other
        classes (soft-label cross-entropy and KL are then NaN).
    threshold : float
        Model confidence (top probability) below which an item is a candidate for Unknown, and at or above
        which a disagreement with the consensus counts as confident.
    device : {"auto", "cpu", "cuda", "cuda:N"}
        Where the batches are computed (``"auto"``: CUDA when available).
    consensus : {"majority", "dawid_skene"} or ConsensusResult
        The people's label per item: majority vote (ties unresolved), Dawid–Skene, or a result you computed.
    batch_size : int, optional
        Items per batch (default :math:`2^{22}/C` items, about 32 MB per float64 batch array).
    confidence_level : float
        Of the accuracy and kappa intervals.
    n_bins : int
        Equal-width confidence bins of the calibration curve.
    max_listed : int or None
        Rows kept in ``confident_disagreements`` and ``low_confidence_items`` (None: all); counts are exact.
    confusion_threshold : float
        Confusion rate from which a class pair counts as confused (``confusion_pairs.kind``).

    Returns
    -------
    ModelVsHuman

    Raises
    ------
    AnnotationSchemaError
        No predictions attached, multi-label annotations, or label-only predictions without a confidence.

    References
    ----------
    Northcutt, C. G., Jiang, L., & Chuang, I. L. (2021). Confident learning: Estimating uncertainty in dataset
    labels. JAIR, 70, 1373–1411. https://doi.org/10.1613/jair.1.12125

    Peterson, J. C., Battleday, R. M., Griffiths, T. L., & Russakovsky, O. (2019). Human uncertainty makes
    classification more robust. ICCV 2019. https://doi.org/10.1109/ICCV.2019.00971

    Guo, C., Pleiss, G., Sun, Y., & Weinberger, K. Q. (2017). On calibration of modern neural networks.
    ICML 2017, PMLR 70, 1321–1330. https://proceedings.mlr.press/v70/guo17a.html

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4],
    ...                    "annotator_id": ["a", "b", "c", "a", "b", "c", "a", "b", "a", "b", "c"],
    ...                    "label": ["cat", "cat", "dog", "dog", "dog", "dog", "cat", "dog", "cat", "cat", "cat"]})
    >>> preds = pd.DataFrame({"item_id": ["1", "2", "3", "4"], "cat": [0.9, 0.2, 0.6, 0.25],
    ...                       "dog": [0.1, 0.8, 0.4, 0.75]})
    >>> res = model_vs_human(load_annotations(df, predictions=preds), device="cpu")
    >>> round(res.accuracy_vs_consensus.value, 3), res.n_consensus, res.n_confident_disagreements
    (0.667, 3, 1)
    >>> res.confident_disagreements[["item_id", "model_label", "consensus_label", "self_confidence"]].values.tolist()
    [['4', 'dog', 'cat', 0.25]]
    """
    import numpy as np
    import pandas as pd
    from ._annotators import annotator_tables, item_images
    from ._core import check_options, run_analysis
    from ..._reshape import item_category_counts, require_single_label

    check_options(threshold=threshold, n_bins=n_bins, max_listed=max_listed, confusion_threshold=confusion_threshold,
                  batch_size=batch_size, confidence_level=confidence_level)
    require_single_label(annotations, "model_vs_human")
    aset = annotations
    if not aset.has_predictions or not (aset.prediction_codes >= 0).any():
        raise AnnotationSchemaError(
            "model_vs_human needs model predictions for the annotated items, but this set has none. Attach them "
            "with load_annotations(..., predictions='predictions.csv') or aset.with_attachments(predictions=...) "
            "(e.g. from analytics.score_images + predictions_frame); prediction item ids must match the items.")
    has = aset.prediction_codes >= 0
    probs, spread_note = _prediction_probs(aset, has)
    cons = _consensus(aset, consensus)
    labels = cons.labels.reindex(aset.item_ids)
    codes = pd.Categorical(labels.where(labels.notna(), None), categories=list(aset.categories)).codes
    scores = None if cons.method == "majority_vote" else \
        cons.posteriors.reindex(aset.item_ids).to_numpy(dtype=np.float64)[has]
    gold = None if aset.gold_codes is None else aset.gold_codes[has]
    ids = np.asarray(aset.item_ids, dtype=object)[has]
    result = run_analysis(
        probs, item_category_counts(aset)[has], categories=aset.categories, item_ids=ids,
        consensus_codes=codes.astype(np.int64)[has], consensus_scores=scores, gold_codes=gold,
        taxonomy=aset.taxonomy, consensus_method=cons.method, threshold=threshold, device=device,
        batch_size=batch_size, confidence_level=confidence_level, n_bins=n_bins, max_listed=max_listed,
        confusion_threshold=confusion_threshold, n_annotators=aset.n_annotators,
        n_items_without_prediction=int((~has).sum()), soft_label_note=spread_note)
    images = item_images(aset)
    by_annotator, matrix, note = annotator_tables(aset, confidence_level=confidence_level)
    changes: dict[str, Any] = {"kappa_by_annotator": by_annotator, "kappa_matrix": matrix,
                               "notes": result.notes + ((note,) if note else ())}
    if images is not None:
        for name in ("confident_disagreements", "low_confidence_items"):
            table = getattr(result, name).copy()
            table["image"] = table["item_id"].map(images).astype(object)
            changes[name] = table
    return replace(result, **changes)


def __getattr__(name: str) -> Any:
    if name == "ModelVsHuman":  # the result class, loaded with the analysis modules
        from ._results import ModelVsHuman

        return ModelVsHuman
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
