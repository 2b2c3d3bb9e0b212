"""The result of :func:`analytics.model_vs_human` and the tables built from the streamed totals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ...agreement._core import pairwise_from_tables
from ...agreement._results import AgreementEstimate, undefined_estimate, wald_interval
from ...results import Estimate, ResultMixin, warn_undefined

__all__ = ["ModelVsHuman", "MODEL_ID", "accuracy_estimate", "kappa_estimate", "calibration_table",
           "confusion_tables", "per_class_table", "label_names", "NAN"]

NAN = float("nan")
#: The model's name in :attr:`ModelVsHuman.kappa_matrix`.
MODEL_ID = "<model>"
PAIR_KINDS = ("ambiguous", "model error", "human only", "clear")


@dataclass(frozen=True, eq=False)
class ModelVsHuman(ResultMixin):
    """Where the model and the people agree and disagree (see :func:`analytics.model_vs_human`).

    Attributes
    ----------
    categories : tuple of str
        The classes, in code order (columns of the probability array).
    consensus_method : str
        ``"majority_vote"``, ``"dawid_skene"`` or the ``method`` of the :class:`~analytics.ConsensusResult` given.
    device : str
        The torch device the batches ran on.
    threshold, confidence_level : float
        The options used.
    n_items : int
        Items with a model prediction (items without one are left out: ``n_items_without_prediction``).
    n_consensus, n_gold : int
        Of those, items with a resolved consensus label / with a gold label.
    accuracy_vs_consensus, accuracy_vs_gold : Estimate
        Share of items whose model label (top class) is the consensus / gold label, with a Wilson interval.
        NaN with a ``reason`` when there is no such item (e.g. no gold attached).
    kappa_vs_consensus, kappa_vs_gold : AgreementEstimate
        Cohen's kappa of the model label against the consensus / gold label, Fleiss–Cohen–Everitt interval.
    per_class : pandas.DataFrame
        One row per class: ``class``, ``n_consensus`` (items with this consensus), ``n_predicted`` (items of a
        resolved consensus the model puts here), ``precision``, ``recall``, ``f1`` (model vs consensus),
        ``model_disagreement`` (1 − recall: share of the class's items where the model says otherwise),
        ``human_disagreement`` (share of the other annotators' votes on items someone put in the class that go
        elsewhere, from the coincidence matrix), ``low_confidence_share`` and ``mean_self_confidence``.
    confident_disagreements : pandas.DataFrame
        Items whose model label differs from the consensus while the model's confidence is at least
        ``threshold``, ranked by ``self_confidence`` (the model's probability of the consensus label; lowest
        first — the likeliest label errors; ties by item order): ``rank``, ``item_id``, ``model_label``,
        ``model_confidence``, ``consensus_label``, ``consensus_share`` (human vote share of the consensus label),
        ``consensus_confidence`` (the consensus method's confidence), ``self_confidence``, ``gold_label`` and
        ``image`` (None when absent). At most ``max_listed`` rows; ``n_confident_disagreements`` counts all.
    low_confidence_share : float
        Share of items whose top probability is below ``threshold`` (candidates for Unknown).
    low_confidence_items : pandas.DataFrame
        Those items, least confident first (at most ``max_listed``): ``item_id``, ``model_label``,
        ``model_confidence``, ``consensus_label``, ``consensus_share``, ``gold_label``, with a hierarchical
        taxonomy ``placed_level``, ``placed_class``, ``placed_confidence`` (the deepest coarser level where the
        model's probabilities summed up to parent classes reach ``threshold`` — "not sure it is a Sedan, sure it is
        a Vehicle"; 0 / None / NaN when there is none; the three columns are absent without a hierarchy), and
        ``image``.
    soft_label_cross_entropy, soft_label_kl, human_entropy : float
        Mean over items with votes of :math:`-\\sum_c h_{ic}\\log p_{ic}`, of :math:`\\mathrm{KL}(h_i\\|p_i)` and
        of the vote distribution's entropy :math:`H(h_i)` (nats), with :math:`h_i` the human vote shares.
    expected_calibration_error, expected_calibration_error_gold : float
        ECE of the model's top probability against agreement with the consensus / gold label.
    reliability : pandas.DataFrame
        Reliability-curve data: ``target`` (``"consensus"``, ``"gold"``), ``bin``, ``bin_low``, ``bin_high``,
        ``count``, ``confidence`` (mean top probability), ``accuracy`` and ``gap`` (accuracy − confidence).
    human_confusion : pandas.DataFrame
        Human–human confusion, row-normalized coincidence matrix: row *c*, column *k* is the share of the
        other annotators' votes that are *k* on items where an annotator voted *c*.
    model_confusion : pandas.DataFrame
        Consensus (rows) × model label (columns), row-normalized.
    confusion_pairs : pandas.DataFrame
        Every class pair side by side: ``class_a``, ``class_b``, ``human_rate`` and ``model_rate`` (the larger of
        the two directed confusion rates above), ``human_pairs`` and ``model_items`` (the counts behind them) and
        ``kind``: ``"ambiguous"`` (both rates ≥ ``confusion_threshold``: people confuse them too), ``"model
        error"`` (only the model), ``"human only"`` (only people: guideline or annotator issue), ``"clear"``.
    by_level : pandas.DataFrame
        Agreement per taxonomy level (one row without a hierarchy): ``level``, ``n_classes``, ``n_items``
        (resolved consensus at that level), ``accuracy_vs_consensus``, ``kappa``, ``kappa_ci_low``,
        ``kappa_ci_high``, ``accuracy_vs_gold``, ``low_confidence_share`` and ``n_deepest_confident`` (items
        whose deepest level with a top probability ≥ ``threshold`` is this one).
    kappa_by_annotator : pandas.DataFrame
        The model as one more annotator: ``annotator_id``, Cohen's ``kappa`` with the model, ``ci_low``,
        ``ci_high``, ``standard_error``, ``n_items``, ``percent_agreement`` and ``mean_kappa_with_annotators``
        (the annotator's mean kappa with the other people). Empty for anonymous annotators.
    kappa_matrix : pandas.DataFrame
        Pairwise Cohen's kappa of the annotators and the model (``MODEL_ID`` = ``"<model>"``), square.
    notes : tuple of str
        Why a statistic is NaN or a table empty.
    """

    categories: tuple[str, ...]
    consensus_method: str
    device: str
    threshold: float
    confidence_level: float
    n_items: int
    n_items_without_prediction: int
    n_consensus: int
    n_gold: int
    accuracy_vs_consensus: Estimate
    kappa_vs_consensus: AgreementEstimate
    accuracy_vs_gold: Estimate
    kappa_vs_gold: AgreementEstimate
    per_class: pd.DataFrame
    confident_disagreements: pd.DataFrame
    n_confident_disagreements: int
    low_confidence_share: float
    n_low_confidence: int
    low_confidence_items: pd.DataFrame
    soft_label_cross_entropy: float
    soft_label_kl: float
    human_entropy: float
    expected_calibration_error: float
    expected_calibration_error_gold: float
    reliability: pd.DataFrame
    human_confusion: pd.DataFrame
    model_confusion: pd.DataFrame
    confusion_pairs: pd.DataFrame
    by_level: pd.DataFrame
    kappa_by_annotator: pd.DataFrame
    kappa_matrix: pd.DataFrame
    notes: tuple[str, ...] = ()


def label_names(categories: Sequence[str], codes: np.ndarray) -> np.ndarray:
    """Category names of codes (object array; None where the code is negative)."""
    names = np.asarray(list(categories) + [None], dtype=object)
    codes = np.asarray(codes, dtype=np.int64)
    return names[np.where(codes >= 0, codes, len(categories))]


def accuracy_estimate(correct: float, n: float, *, method: str, what: str, confidence_level: float,
                      n_annotators: int = 0) -> Estimate:
    """Share ``correct / n`` with a Wilson score interval (statsmodels); NaN with a reason when ``n = 0``."""
    if n <= 0:
        reason = f"no item has both a model prediction and {what}"
        warn_undefined(method, reason, stacklevel=5)
        return Estimate(NAN, NAN, NAN, 0, n_annotators, method, confidence_level=confidence_level, reason=reason)
    value = float(correct / n)
    lo, hi = proportion_confint(float(correct), float(n), alpha=1.0 - confidence_level, method="wilson")
    return Estimate(value, float(lo), float(hi), int(n), n_annotators, method,
                    standard_error=math.sqrt(value * (1.0 - value) / n), confidence_level=confidence_level,
                    interval_method="Wilson score interval (statsmodels proportion_confint, method='wilson')")


def kappa_estimate(table: np.ndarray, *, method: str, what: str, confidence_level: float,
                   n_annotators: int = 0) -> AgreementEstimate:
    """Cohen's kappa of a (reference × model) table with the Fleiss–Cohen–Everitt standard error."""
    res = pairwise_from_tables("cohen", table, np.eye(len(table)))
    n = int(table.sum())
    if not np.isfinite(res["value"]):
        reason = (f"no item has both a model prediction and {what}" if n == 0 else
                  "the model and the reference use a single category between them (chance agreement is 1)")
        return undefined_estimate(method, reason, n_items=n, n_annotators=n_annotators,
                                  confidence_level=confidence_level, stacklevel=5)
    value, se = float(res["value"]), float(res["se"])
    lo, hi = wald_interval(value, se, confidence_level)
    return AgreementEstimate(
        value=value, ci_low=lo, ci_high=hi, n_items=n, n_annotators=n_annotators, method=method,
        standard_error=se, confidence_level=confidence_level,
        interval_method="Wald; asymptotic SE of Fleiss, Cohen & Everitt (1969)",
        observed_agreement=float(res["observed"]), expected_agreement=float(res["expected"]),
        standard_error_h0=float(res["se_h0"]), annotators=(MODEL_ID, what))


def calibration_table(sums: dict[str, np.ndarray], n_bins: int) -> tuple[pd.DataFrame, dict[str, float]]:
    r"""Reliability rows per target and the ECE :math:`\sum_b \frac{n_b}{n}|\mathrm{acc}_b - \mathrm{conf}_b|`."""
    frames, ece = [], {}
    edges = np.arange(n_bins + 1) / n_bins
    for target, s in sums.items():
        count, conf_sum, correct = s
        with np.errstate(invalid="ignore", divide="ignore"):
            conf, acc = conf_sum / count, correct / count
        n = count.sum()
        ece[target] = float(np.sum(count[count > 0] * np.abs(acc - conf)[count > 0]) / n) if n > 0 else NAN
        frames.append(pd.DataFrame({"target": target, "bin": np.arange(1, n_bins + 1), "bin_low": edges[:-1],
                                    "bin_high": edges[1:], "count": count.astype(np.int64), "confidence": conf,
                                    "accuracy": acc, "gap": acc - conf}))
    return pd.concat(frames, ignore_index=True), ece


def _row_normalized(m: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return m / m.sum(axis=1, keepdims=True)


def confusion_tables(coincidence: np.ndarray, cm: np.ndarray, categories: Sequence[str],
                     confusion_threshold: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Human confusion (coincidences), model confusion (consensus × model) and the class-pair comparison."""
    cats = pd.Index(list(categories))
    h, m = _row_normalized(coincidence), _row_normalized(cm)
    human = pd.DataFrame(h, index=cats.rename("label"), columns=cats.rename("other_label"))
    model = pd.DataFrame(m, index=cats.rename("consensus"), columns=cats.rename("model"))
    a, b = np.triu_indices(len(cats), 1)
    human_rate = np.fmax(h[a, b], h[b, a])
    model_rate = np.fmax(m[a, b], m[b, a])
    hi_h = np.nan_to_num(human_rate) >= confusion_threshold
    hi_m = np.nan_to_num(model_rate) >= confusion_threshold
    kind = np.select([hi_h & hi_m, hi_m, hi_h], list(PAIR_KINDS[:3]), default=PAIR_KINDS[3])
    pairs = pd.DataFrame({
        "class_a": np.asarray(cats, dtype=object)[a], "class_b": np.asarray(cats, dtype=object)[b],
        "human_rate": human_rate, "model_rate": model_rate,
        "human_pairs": coincidence[a, b] + coincidence[b, a], "model_items": (cm[a, b] + cm[b, a]).astype(np.int64),
        "kind": kind,
    })
    top = np.fmax(np.nan_to_num(human_rate), np.nan_to_num(model_rate))
    # rank on the rate rounded to 12 decimals: batches sum the coincidences in another order, and a tie broken by
    # the last bit would reorder the pairs between batch sizes (class-pair order breaks real ties)
    order = np.lexsort((np.arange(len(pairs)), -np.round(top, 12)))
    return human, model, pairs.iloc[order].reset_index(drop=True)


def per_class_table(totals: Any, categories: Sequence[str]) -> pd.DataFrame:
    """The per-class table of :attr:`ModelVsHuman.per_class` from the streamed totals."""
    cm = totals["cm_consensus"]
    diag = np.diag(cm)
    n_cons, n_pred = cm.sum(axis=1), cm.sum(axis=0)
    o = totals.coincidence
    with np.errstate(invalid="ignore", divide="ignore"):
        precision, recall = diag / n_pred, diag / n_cons
        f1 = 2 * precision * recall / (precision + recall)
        human = 1.0 - np.diag(o) / o.sum(axis=1)
        low = totals["low_by_consensus"][:-1] / n_cons
        self_conf = totals["self_confidence_by_consensus"] / n_cons
    return pd.DataFrame({
        "class": list(categories), "n_consensus": n_cons.astype(np.int64), "n_predicted": n_pred.astype(np.int64),
        "precision": precision, "recall": recall, "f1": np.where(diag > 0, f1, np.where(n_cons + n_pred > 0, 0.0, NAN)),
        "model_disagreement": 1.0 - recall, "human_disagreement": human, "low_confidence_share": low,
        "mean_self_confidence": self_conf,
    })
