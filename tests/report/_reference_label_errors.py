"""The label-error ranking as it was before issue 17's speed-up (one row per item; test oracle only).

Verbatim copy of ``find_label_errors`` and the Dawid-Skene people evidence of commit f88abe4, so the fast path
(computed once per distinct vote pattern) is checked against the straightforward per-item computation.
"""
# flake8: noqa
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from analytics._reshape import item_category_counts, require_in_memory, require_single_label
from analytics._wording import count_noun
from analytics.annotators._label_error_inputs import resolve_given, resolve_model
from analytics.annotators.consensus import dawid_skene, em_partition_of
from analytics.annotators.label_errors import LabelErrors, SIGNALS, _EXCLUDED_COLUMNS, _MIN_PROBABILITY, _check
from analytics.annotators.routing import _votes_rows as _votes_text
from analytics.exceptions import ConvergenceWarning, InvalidParameterError

@dataclass(frozen=True)
class PeopleEvidence:
    log_posteriors: np.ndarray
    log_prior: np.ndarray
    method: str
    notes: tuple


def _dawid_skene_log_posteriors(aset: "AnnotationSet") -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fit = dawid_skene(aset, use_gold=False)
    log_conf = np.log(fit.annotator_confusion)
    log_prior = np.log(fit.class_priors.to_numpy(dtype=np.float64))
    part = em_partition_of(aset, False)
    a, c = part.n_annotators, part.n_categories
    weights = np.ascontiguousarray(log_conf.transpose(0, 2, 1).reshape(a * c, c))
    joint = part.design @ weights + log_prior
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning))
    return joint - special.logsumexp(joint, axis=1, keepdims=True), log_prior, notes


def people_evidence(aset: "AnnotationSet") -> PeopleEvidence:
    """Dawid–Skene posteriors with annotator ids (gold not clamped); the Dirichlet-multinomial model for counts."""
    if aset.annotators_known:
        log_post, log_prior, notes = _dawid_skene_log_posteriors(aset)
        return PeopleEvidence(log_post, log_prior, "dawid_skene", notes)
    from analytics._reshape import item_category_counts
    from analytics.annotators._latent_class import fit_dirichlet_multinomial

    fit = fit_dirichlet_multinomial(item_category_counts(aset, layout="sparse"))
    notes = () if fit.converged else (f"the vote model stopped after {fit.n_iter} iterations before converging",)
    return PeopleEvidence(fit.log_posteriors, fit.log_prior, "dirichlet_multinomial", notes)


def _log_normalize(values: np.ndarray) -> np.ndarray:
    return values - special.logsumexp(values, axis=1, keepdims=True)


def _class_thresholds(probs: np.ndarray, given: np.ndarray, ok: np.ndarray, n_classes: int) -> np.ndarray:
    """Confident learning's :math:`t_j`: mean model probability of class *j* over items given *j* (NaN if none)."""
    out = np.full(n_classes, np.nan)
    for j in range(n_classes):
        rows = ok & (given == j)
        if rows.any():
            out[j] = probs[rows, j].mean()
    return out


def _confident_learning_flags(probs: np.ndarray, given: np.ndarray, ok: np.ndarray, space: np.ndarray,
                              thresholds: np.ndarray) -> np.ndarray:
    r"""Off-diagonal of the confident joint: :math:`j^* = \arg\max\{p_{ij}: p_{ij} \ge t_j\}` exists and :math:`\ne g_i`."""
    above = np.where(space[None, :] & (probs >= np.nan_to_num(thresholds, nan=np.inf)[None, :]), probs, -np.inf)
    best = np.argmax(above, axis=1)
    exists = np.isfinite(above.max(axis=1))
    return ok & exists & (best != given)


def _unused_check(threshold: Any) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) or not 0 < threshold < 1:
        raise InvalidParameterError(
            f"threshold must be a probability strictly between 0 and 1 (e.g. 0.5: list an item when its given label "
            f"is more likely wrong than right); got {threshold!r}.")


def find_label_errors_reference(
    annotations: "AnnotationSet", *, given: Any = None, predictions: Any = None, threshold: float = 0.5,
) -> LabelErrors:
    r"""Rank the items whose given label is probably wrong, from the people's votes and a model's probabilities.

    The formulas are in the module docstring (:mod:`analytics.annotators.label_errors`): the people's posterior
    :math:`q_{ik}` (Dawid–Skene with annotator ids, a Dirichlet-multinomial latent-class model for anonymous
    counts) and the model's probabilities :math:`p_{ik}` are combined as independent evidence,
    :math:`r_{ik} \propto q_{ik} p_{ik} / \pi_k`, and an item is listed when :math:`1 - r_{ig} \ge`
    ``threshold`` for its given label *g*.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations; with predictions attached they are used unless ``predictions`` is given.
    given : Series, DataFrame, path or None
        The labels to check, per item: a Series indexed by item id, or a table (DataFrame or file) with an item
        column and a label column (``label``, ``gold_label``, ``true_label`` …, as :func:`analytics.load_gold`).
        None: the gold labels where attached, else the people's consensus (their most probable class). Items
        without a given label are checked against the consensus (``given_source`` says which).
    predictions : DataFrame, path or None
        Model probabilities: ``item_id`` plus one probability column per class (as
        :func:`analytics.load_predictions`). None: the attached predictions, if any; without any, the people's
        evidence alone is used.
    threshold : float
        Probability that the given label is wrong from which an item is a candidate, in (0, 1).

    Returns
    -------
    LabelErrors

    Raises
    ------
    InvalidParameterError
        ``threshold`` outside (0, 1), ``given`` of an unsupported type, or a set on the Dask backend.
    AnnotationSchemaError
        Multi-label annotations; predictions with a label and confidence only, or with classes that are not
        categories of the annotations; an unreadable ``given`` or ``predictions`` table.

    References
    ----------
    Northcutt, Jiang & Chuang (2021), https://doi.org/10.1613/jair.1.12125; Dawid & Skene (1979),
    https://doi.org/10.2307/2346806; Kittler et al. (1998), https://doi.org/10.1109/34.667881

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, find_label_errors
    >>> votes = pd.DataFrame({"item": ["a", "b", "c", "d"], "cat": [9, 0, 8, 1], "dog": [1, 10, 2, 9]})
    >>> res = find_label_errors(load_annotations(votes, format="counts"),
    ...                         given=pd.Series({"a": "cat", "b": "cat", "c": "cat", "d": "dog"}))
    >>> res.candidates[["item_id", "given_label", "suggested_label", "signal"]].values.tolist()
    [['b', 'cat', 'dog', 'people']]
    """

    _check(threshold)
    require_in_memory(annotations, "find_label_errors", because="it ranks every item by its own evidence",
                      instead="Check a delivery batch in memory (backend='memory', or aqa label-errors on its files).")
    require_single_label(annotations, "find_label_errors")
    aset = annotations
    cats = np.asarray(aset.categories, dtype=object)
    n, k = aset.n_items, aset.n_categories
    people = people_evidence(aset)
    given = resolve_given(aset, given, np.argmax(people.log_posteriors, axis=1))
    model = resolve_model(aset, predictions)
    counts = item_category_counts(aset)
    unknown = -1 if aset.unknown_label is None else list(aset.categories).index(aset.unknown_label)
    space = np.ones(k, dtype=bool) if model is None else model.classes.copy()
    if unknown >= 0:
        space[unknown] = False
    g = given.codes
    reason = np.full(n, None, dtype=object)
    plurality = np.argmax(counts, axis=1)
    reason[(g < 0)] = "the given label is not a category of the annotations"
    if unknown >= 0:
        reason[(reason == None) & (plurality == unknown)] = "people marked the item Unknown"  # noqa: E711
        reason[(reason == None) & (g == unknown)] = "the given label is Unknown"  # noqa: E711
    if model is not None:
        outside = (reason == None) & (g >= 0) & ~space[np.maximum(g, 0)]  # noqa: E711
        reason[outside] = ["the model has no class '" + str(cats[c]) + "'" for c in g[outside]]
    scored = reason == None  # noqa: E711
    if space.sum() < 2:
        raise InvalidParameterError(
            "Label errors need at least two classes to choose between (outside the Unknown class"
            + (", among the model's classes" if model is not None else "") + ").")

    cols = np.flatnonzero(space)
    local = np.full(k, -1)
    local[cols] = np.arange(len(cols))
    log_q = _log_normalize(people.log_posteriors[:, cols])
    log_r = log_q.copy()
    if model is not None:
        probs = np.clip(np.nan_to_num(model.probs[:, cols], nan=1.0), _MIN_PROBABILITY, 1.0)
        evidence = np.where(model.has_prediction[:, None], np.log(probs) - people.log_prior[cols], 0.0)
        log_r = _log_normalize(log_r + evidence)
    rows = np.arange(n)
    gl = np.where(scored, local[np.maximum(g, 0)], 0)
    others = log_r.copy()
    others[rows, gl] = -np.inf
    log_wrong = special.logsumexp(others, axis=1)
    log_odds = log_wrong - log_r[rows, gl]
    suggested = np.argmax(others, axis=1)
    people_given = np.exp(log_q[rows, gl])
    m = counts.sum(axis=1)
    thresholds = np.zeros(0)
    model_flag = np.zeros(n, dtype=bool)
    if model is not None:
        probs = np.nan_to_num(model.probs)
        ok = scored & model.has_prediction
        thresholds = _class_thresholds(probs, np.where(scored, g, -1), ok, k)
        model_flag = _confident_learning_flags(probs, g, ok, space, thresholds)
    people_flag = people_given < 0.5
    p_wrong = np.exp(log_wrong)
    signal = np.select([people_flag & model_flag, people_flag, model_flag, p_wrong >= threshold],
                       list(SIGNALS[:4]), SIGNALS[4])
    table = pd.DataFrame({
        "item_id": np.asarray(aset.item_ids, dtype=object), "given_label": given.text, "given_source": given.source,
        "suggested_label": cats[cols][suggested], "p_given_wrong": p_wrong, "p_suggested": np.exp(log_r[rows, suggested]),
        "log_odds_wrong": log_odds, "signal": signal, "votes": _votes_text(counts, aset.categories),
        "n_ratings": m, "vote_share_given": counts[rows, np.maximum(g, 0)] / m,
        "people_p_given": people_given, "people_p_suggested": np.exp(log_q[rows, suggested]),
    })
    if model is not None:
        has = model.has_prediction
        table["model_p_given"] = np.where(has, model.probs[rows, np.maximum(g, 0)], np.nan)
        table["model_p_suggested"] = np.where(has, model.probs[rows, cols[suggested]], np.nan)
        table["model_label"] = np.where(has, cats[np.argmax(np.nan_to_num(model.probs), axis=1)], None)
    else:
        table["model_p_given"] = table["model_p_suggested"] = np.nan
        table["model_label"] = None
    if "image" in aset.frame.columns:
        image = aset.frame["image"].groupby(aset.item_codes).first()
        table["image"] = image.reindex(np.arange(n)).to_numpy()
    excluded = table.loc[~scored, [c for c in _EXCLUDED_COLUMNS if c != "reason"] + (
        ["image"] if "image" in table.columns else [])].copy()
    excluded.insert(3, "reason", reason[~scored])
    scores = table.loc[scored].copy()
    scores["_id"] = scores["item_id"].astype(str)
    scores = scores.sort_values(["log_odds_wrong", "_id"], ascending=[False, True], kind="stable").drop(columns="_id")
    scores.insert(0, "rank", np.arange(1, len(scores) + 1))
    scores = scores.reset_index(drop=True)
    candidates = scores[scores["p_given_wrong"] >= threshold].reset_index(drop=True)
    notes = given.notes + (model.notes if model is not None else ()) + people.notes
    if model is None:
        notes += ("no model predictions: the people's votes alone judge the labels",)
    n_scored, n_cand, n_excl = int(scored.sum()), len(candidates), int((~scored).sum())
    sentence = (f"{n_cand:,} of {count_noun(n_scored, 'item')} {'has' if n_cand == 1 else 'have'} a given label that "
                f"is probably wrong (probability at least {threshold:.0%}, "
                f"{'people and model combined' if model is not None else 'from the people alone'})"
                + (f"; {count_noun(n_excl, 'item')} {'was' if n_excl == 1 else 'were'} set apart (Unknown, or a label "
                   "the model has no class for)." if n_excl else "."))
    return LabelErrors(
        candidates=candidates, scores=scores, excluded=excluded.reset_index(drop=True),
        class_thresholds=pd.Series(thresholds, index=pd.Index(list(cats[:len(thresholds)]), name="class"),
                                   name="threshold", dtype=float),
        threshold=float(threshold), people_method=people.method, uses_model=model is not None, n_items=n,
        n_scored=n_scored, n_candidates=n_cand, n_excluded=n_excl, sentence=sentence, notes=tuple(notes))
