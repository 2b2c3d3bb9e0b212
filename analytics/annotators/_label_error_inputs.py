"""The inputs of :func:`analytics.find_label_errors`: the given labels, the model's probabilities and the people's
evidence (log posteriors per item and class), each resolved once at the public boundary."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from ..exceptions import AnnotationSchemaError, ConvergenceWarning, InvalidParameterError
from .._wording import count_noun

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["GivenLabels", "ModelEvidence", "PeopleEvidence", "resolve_given", "resolve_model", "people_evidence"]


@dataclass(frozen=True)
class GivenLabels:
    """Per item: the given label's code (-1: none, or a label that is not a category), its source and raw text."""

    codes: np.ndarray
    source: np.ndarray
    text: np.ndarray
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ModelEvidence:
    """Model probabilities aligned to the items (NaN rows: no prediction) and the classes the model has."""

    probs: np.ndarray
    has_prediction: np.ndarray
    classes: np.ndarray  # boolean per category
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PeopleEvidence:
    """Log posteriors of the true class from the people's votes alone, the log class priors, and the method.

    Items with the same votes (the same annotators giving the same labels) have the same posterior, so
    ``log_posteriors`` holds one row per distinct vote pattern and ``codes`` the pattern of each item: the
    posterior of item *i* is ``log_posteriors[codes[i]]``.
    """

    log_posteriors: np.ndarray
    log_prior: np.ndarray
    method: str
    notes: tuple[str, ...]
    codes: np.ndarray

    def per_item(self) -> np.ndarray:
        """Items × classes log posteriors."""
        return self.log_posteriors[self.codes]


def _given_series(given: Any) -> tuple[pd.Series, tuple[str, ...]]:
    if not (hasattr(given, "frame") and hasattr(given, "report")):  # GoldLabels, loaded at the API boundary
        raise InvalidParameterError(
            f"given must be loaded labels per item (analytics.load_gold), got {type(given).__name__}: "
            "analytics.find_label_errors loads a pandas Series indexed by item id, a table or a file for you.")
    gold = given
    series = pd.Series(gold.frame["gold_label"].to_numpy(dtype=object), index=gold.frame["item_id"].astype(str))
    notes = tuple(gold.report.warnings)
    if gold.report.rows_skipped:
        notes += (f"{count_noun(gold.report.rows_skipped, 'row')} of the given labels were skipped: "
                  + "; ".join(f"{k}: {v}" for k, v in gold.report.skipped_by_reason.items()) + ".",)
    return series, notes


def resolve_given(aset: "AnnotationSet", given: Any, consensus: np.ndarray) -> GivenLabels:
    """The given label of every item: ``given`` where it has one, else gold where attached, else ``consensus`` codes."""
    n = aset.n_items
    cats = np.asarray(aset.categories, dtype=object)
    codes = np.asarray(consensus, dtype=np.int64).copy()
    source = np.full(n, "consensus", dtype=object)
    text = np.where(codes >= 0, cats[np.maximum(codes, 0)], None).astype(object)
    notes: list[str] = []
    if given is None and aset.gold_codes is not None:
        has = aset.gold_codes >= 0
        codes[has], source[has] = aset.gold_codes[has], "gold"
        text[has] = cats[aset.gold_codes[has]]
    elif given is not None:
        series, extra = _given_series(given)
        notes += list(extra)
        ids = pd.Index(np.asarray(aset.item_ids, dtype=object).astype(str))
        outside = ~series.index.isin(ids)
        if outside.any():
            shown = ", ".join(map(str, series.index[outside][:5]))
            notes.append(f"{count_noun(int(outside.sum()), 'given label')} {'is' if int(outside.sum()) == 1 else 'are'} for items without any annotation and were left out "
                         f"(e.g. {shown}).")
        series = series[~outside]
        pos = ids.get_indexer(series.index)
        values = series.to_numpy(dtype=object)
        lookup = {c: k for k, c in enumerate(cats)}
        code = np.array([lookup.get(v, -1) for v in values], dtype=np.int64)
        codes[pos], source[pos], text[pos] = code, "given", values
        missing = n - len(pos)
        if missing:
            notes.append(f"{count_noun(missing, 'item')} {'has' if missing == 1 else 'have'} no given label; they are checked against the consensus.")
    return GivenLabels(codes, source, text, tuple(notes))


def resolve_model(aset: "AnnotationSet", predictions: Any) -> ModelEvidence | None:
    """The model's probabilities per item and class (``predictions``, else the attached ones; None without any)."""
    from .._attach import align_predictions

    notes: tuple[str, ...] = ()
    if predictions is None:
        if not aset.has_predictions:
            return None
        if aset.prediction_probs is None:
            raise AnnotationSchemaError(
                "The attached predictions give only a label and its confidence; finding label errors needs one "
                "probability per class (a table with item_id and one probability column per class).")
        probs = np.asarray(aset.prediction_probs, dtype=np.float64)
        has = ~np.isnan(probs).any(axis=1)
        classes = np.nan_to_num(probs[has]).max(axis=0) > 0 if has.any() else np.zeros(aset.n_categories, bool)
    else:
        if not all(hasattr(predictions, a) for a in ("frame", "kind", "classes")):  # loaded at the API boundary
            raise InvalidParameterError(
                f"predictions must be loaded model outputs (analytics.load_predictions), got "
                f"{type(predictions).__name__}: analytics.find_label_errors loads a table or a file for you.")
        pred = predictions
        if pred.kind != "probabilities":
            raise AnnotationSchemaError(
                "The predictions give only a label and its confidence; finding label errors needs one probability per "
                "class (a table with item_id and one probability column per class).")
        unknown = [c for c in pred.classes if c not in set(aset.categories)]
        if unknown:
            raise AnnotationSchemaError(
                f"The predictions have class column{'s' if len(unknown) != 1 else ''} {unknown[:10]} that are not categories of the annotations "
                f"{list(aset.categories)[:12]}: rename the columns to the annotation labels, or attach the predictions "
                "when loading (load_annotations(..., predictions=FILE), or --predictions FILE on the command line), "
                "which adds the model's classes to the categories.")
        frame = pred.frame.assign(item_id=pred.frame["item_id"].astype(str))
        ids = pd.Index(np.asarray(aset.item_ids, dtype=object).astype(str))
        outside = ~frame["item_id"].isin(ids)
        if outside.any():
            notes += (f"{count_noun(int(outside.sum()), 'prediction row')} {'is' if int(outside.sum()) == 1 else 'are'} for items without any annotation and were left "
                      f"out (e.g. {', '.join(frame.loc[outside, 'item_id'].head(5))}).",)
        probs, _, _ = align_predictions(frame.loc[~outside], ids, aset.categories)
        has = ~np.isnan(probs).any(axis=1)
        classes = np.isin(np.asarray(aset.categories, dtype=object), list(pred.classes))
    if not has.any():
        return None
    if (~has).any():
        notes += (f"{count_noun(int((~has).sum()), 'item')} {'has' if int((~has).sum()) == 1 else 'have'} no model prediction; the people's votes alone judge them.",)
    return ModelEvidence(probs, has, classes, notes)


def _dawid_skene_log_posteriors(aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray, tuple[str, ...], np.ndarray]:
    from .consensus import unclamped_dawid_skene, vote_patterns

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fit = unclamped_dawid_skene(aset)
    log_conf = np.log(fit.annotator_confusion)
    log_prior = np.log(fit.class_priors.to_numpy(dtype=np.float64))
    a, c = aset.n_annotators, aset.n_categories
    weights = np.ascontiguousarray(log_conf.transpose(0, 2, 1).reshape(a * c, c))
    codes, _, design = vote_patterns(aset)  # each distinct row of the design once: the same row products
    joint = design @ weights + log_prior
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning))
    return joint - special.logsumexp(joint, axis=1, keepdims=True), log_prior, notes, codes


def people_evidence(aset: "AnnotationSet") -> PeopleEvidence:
    """Dawid–Skene posteriors with annotator ids (gold not clamped); the Dirichlet-multinomial model for counts."""
    if aset.annotators_known:
        log_post, log_prior, notes, codes = _dawid_skene_log_posteriors(aset)
        return PeopleEvidence(log_post, log_prior, "dawid_skene", notes, codes)
    from .._reshape import item_category_counts
    from ._latent_class import fit_dirichlet_multinomial

    fit = fit_dirichlet_multinomial(item_category_counts(aset, layout="sparse"))
    notes = () if fit.converged else (f"the vote model stopped after {fit.n_iter} iterations before converging",)
    return PeopleEvidence(fit.log_posteriors, fit.log_prior, "dirichlet_multinomial", notes,
                          np.arange(len(fit.log_posteriors)))
