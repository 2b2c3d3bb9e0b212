r"""Which given labels are probably wrong? People's votes and a model's probabilities as independent evidence.

The *given* label of an item is what a dataset says it is: labels passed as ``given`` (an existing dataset's
labels), else the gold label where one is attached, else the people's consensus. Two kinds of evidence about the
item's true class *k* are combined:

* **the people**: :math:`q_{ik} = P(z_i = k \mid \text{votes})`. With annotator ids, the Dawid–Skene posterior
  (each vote weighted by its annotator's estimated confusion matrix; gold not clamped, so a gold label is judged
  by the votes); for anonymous counts, the Dirichlet-multinomial latent-class posterior
  (:mod:`analytics.annotators._latent_class`), whose evidence saturates on items people genuinely split on;
* **the model**: its predicted probabilities :math:`p_{ik}`, where predictions exist.

Treating them as conditionally independent given the true class (Bayes' rule with the class priors
:math:`\pi_k` of the people model),

.. math:: r_{ik} \propto q_{ik}\, \frac{p_{ik}}{\pi_k}, \qquad
          P(\text{given label } g_i \text{ is wrong}) = 1 - r_{i g_i},

over the classes a label error can be about (the model's classes, without Unknown). Items are ranked by the
log-odds :math:`\log \frac{1 - r_{ig}}{r_{ig}}` (exact where the probability rounds to 1) and listed when
:math:`1 - r_{ig} \ge` ``threshold``. Each row says which signal fired:

* ``people``: the people alone think the given label more likely wrong than right (:math:`q_{ig} < 1/2`);
* ``model``: confident learning (Northcutt, Jiang & Chuang 2021) puts the item off the diagonal of the confident
  joint: with per-class thresholds :math:`t_j` = the mean probability the model gives class *j* on items given
  *j*, the class :math:`j^* = \arg\max \{p_{ij} : p_{ij} \ge t_j\}` exists and differs from the given label;
* ``people and model``, or ``combined`` when only the two together cross the threshold.

Items whose given label or people's plurality is the Unknown class, and items whose given label the model
cannot represent (a class outside its outputs) or that is not a category of the annotations, are set apart in
``excluded`` with the reason: a missing class or an unclear image is not a label error.

References
----------
Northcutt, C. G., Jiang, L., & Chuang, I. L. (2021). Confident learning: Estimating uncertainty in dataset labels.
Journal of Artificial Intelligence Research, 70, 1373–1411. https://doi.org/10.1613/jair.1.12125

Dawid, A. P., & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates using the EM algorithm.
Journal of the Royal Statistical Society, Series C, 28(1), 20–28. https://doi.org/10.2307/2346806

Kittler, J., Hatef, M., Duin, R. P. W., & Matas, J. (1998). On combining classifiers. IEEE Transactions on Pattern
Analysis and Machine Intelligence, 20(3), 226–239. https://doi.org/10.1109/34.667881 (the product rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from .._reshape import item_category_counts, require_in_memory, require_single_label
from .._reshape._distinct import distinct_rows
from .._wording import count_noun
from ..exceptions import InvalidParameterError
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["LabelErrors", "find_label_errors", "SIGNALS"]

#: Values of the ``signal`` column, strongest evidence first.
SIGNALS = ("people and model", "people", "model", "combined", "none")
#: Model probabilities are floored here (a probability of exactly 0 would be infinitely strong evidence).
_MIN_PROBABILITY = 1e-9
_EXCLUDED_COLUMNS = ["item_id", "given_label", "given_source", "reason", "votes", "n_ratings"]


@dataclass(frozen=True, eq=False)
class LabelErrors(ResultMixin):
    """Items whose given label is probably wrong, with the evidence (see :func:`analytics.find_label_errors`).

    Attributes
    ----------
    candidates : pandas.DataFrame
        The items with ``p_given_wrong ≥ threshold``, most likely wrong first: ``rank, item_id, given_label,
        given_source`` (``"given"``, ``"gold"`` or ``"consensus"``), ``suggested_label`` (the most probable other
        class), ``p_given_wrong`` (:math:`1 - r_{ig}`), ``p_suggested`` (:math:`r_{i,\\text{suggested}}`),
        ``log_odds_wrong`` (the ranking score), ``signal`` (see :data:`SIGNALS`), ``votes`` (e.g. ``"4×cat,
        1×dog"``), ``n_ratings``, ``vote_share_given``, ``people_p_given`` / ``people_p_suggested`` (the people's
        posterior alone), ``model_p_given`` / ``model_p_suggested`` (the model's probabilities; NaN without a
        prediction), ``model_label`` and ``image`` when the annotations have one.
    scores : pandas.DataFrame
        Every judged item with the same columns, ranked the same way.
    excluded : pandas.DataFrame
        Items set apart, never label-error candidates: ``item_id, given_label, given_source, reason, votes,
        n_ratings`` (and ``image``); reasons: the given label or the people's plurality is Unknown, the model has
        no such class, the given label is not a category of the annotations.
    class_thresholds : pandas.Series
        Confident learning's per-class thresholds :math:`t_j` (empty without predictions; NaN for a class no
        item is given).
    threshold : float
    people_method : str
        ``"dawid_skene"`` (annotator ids) or ``"dirichlet_multinomial"`` (anonymous counts).
    uses_model : bool
    n_items, n_scored, n_candidates, n_excluded : int
    sentence : str
        The finding in one sentence.
    notes : tuple of str
        What was left out or approximated, and why.
    """

    candidates: pd.DataFrame
    scores: pd.DataFrame
    excluded: pd.DataFrame
    class_thresholds: pd.Series
    threshold: float
    people_method: str
    uses_model: bool
    n_items: int
    n_scored: int
    n_candidates: int
    n_excluded: int
    sentence: str
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The candidates table."""
        return self.candidates.copy()


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


def _check(threshold: Any) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) or not 0 < threshold < 1:
        raise InvalidParameterError(
            f"threshold must be a probability strictly between 0 and 1 (e.g. 0.5: list an item when its given label "
            f"is more likely wrong than right); got {threshold!r}.")


def find_label_errors(
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
    from ._label_error_inputs import people_evidence, resolve_given, resolve_model
    from .routing import _votes_text

    _check(threshold)
    require_in_memory(annotations, "find_label_errors", because="it ranks every item by its own evidence",
                      instead="Check a delivery batch in memory (backend='memory', or aqa label-errors on its files).")
    require_single_label(annotations, "find_label_errors")
    aset = annotations
    cats = np.asarray(aset.categories, dtype=object)
    n, k = aset.n_items, aset.n_categories
    people = people_evidence(aset)
    given = resolve_given(aset, given, np.argmax(people.log_posteriors, axis=1)[people.codes])
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
    # Items with the same votes, given label and source share every number of the table but their id (and image):
    # without a model each such group is computed once and taken for its items (the model's probabilities differ
    # per item, so with a model every item is its own group).
    if model is None:
        group, rep = distinct_rows(np.column_stack([
            people.codes, g, scored, pd.factorize(given.source, use_na_sentinel=False)[0],
            pd.factorize(given.text, use_na_sentinel=False)[0]]))
    else:
        group = rep = np.arange(n)
    gr, scored_r = g[rep], scored[rep]
    log_q = _log_normalize(people.log_posteriors[people.codes[rep]][:, cols])
    log_r = log_q.copy()
    if model is not None:
        probs = np.clip(np.nan_to_num(model.probs[:, cols], nan=1.0), _MIN_PROBABILITY, 1.0)
        evidence = np.where(model.has_prediction[:, None], np.log(probs) - people.log_prior[cols], 0.0)
        log_r = _log_normalize(log_r + evidence)
    rows = np.arange(len(rep))
    gl = np.where(scored_r, local[np.maximum(gr, 0)], 0)
    others = log_r.copy()
    others[rows, gl] = -np.inf
    log_wrong = special.logsumexp(others, axis=1)
    log_odds = log_wrong - log_r[rows, gl]
    suggested = np.argmax(others, axis=1)
    people_given = np.exp(log_q[rows, gl])
    counts_r = counts[rep]
    m = counts_r.sum(axis=1)
    thresholds = np.zeros(0)
    model_flag = np.zeros(len(rep), dtype=bool)
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
        "given_label": given.text[rep], "given_source": given.source[rep],
        "suggested_label": cats[cols][suggested], "p_given_wrong": p_wrong, "p_suggested": np.exp(log_r[rows, suggested]),
        "log_odds_wrong": log_odds, "signal": signal, "votes": _votes_text(counts_r, aset.categories),
        "n_ratings": m, "vote_share_given": counts_r[rows, np.maximum(gr, 0)] / m,
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
    ids = pd.Series(np.asarray(aset.item_ids, dtype=object), name="item_id")
    image = None
    if "image" in aset.column_names:
        image = aset.frame["image"].groupby(aset.item_codes).first().reindex(np.arange(n)).to_numpy()

    def item_rows(items: np.ndarray) -> pd.DataFrame:
        """The table's rows of ``items`` (item positions), in that order."""
        part = table.take(group[items]).reset_index(drop=True)
        part.insert(0, "item_id", ids.take(items).reset_index(drop=True))
        if image is not None:
            part["image"] = image[items]
        return part

    excluded = item_rows(np.flatnonzero(~scored))[[c for c in _EXCLUDED_COLUMNS if c != "reason"] + (
        ["image"] if image is not None else [])].copy()
    excluded.insert(3, "reason", reason[~scored])
    # most probably wrong first; ties in item id order (as text), NaN last
    items = np.flatnonzero(scored)
    odds = log_odds[group[items]]
    text_ids = ids.take(items).astype(str)
    if text_ids.is_monotonic_increasing:
        id_rank = np.arange(len(items))
    else:
        id_rank = np.empty(len(items), dtype=np.intp)
        id_rank[np.argsort(text_ids.to_numpy(dtype=object), kind="stable")] = np.arange(len(items))
    scores = item_rows(items[np.lexsort((id_rank, -odds, np.isnan(odds)))])
    scores.insert(0, "rank", np.arange(1, len(scores) + 1))
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
