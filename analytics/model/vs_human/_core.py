"""The shared core of :func:`analytics.model_vs_human` and :func:`analytics.model_vs_human_arrays`:
validate options, stream the totals, and turn them into a :class:`ModelVsHuman`."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from ._annotators import empty_by_annotator
from ._results import (
    NAN,
    ModelVsHuman,
    accuracy_estimate,
    calibration_table,
    confusion_tables,
    kappa_estimate,
    label_names,
    per_class_table,
)
from ...agreement._core import pairwise_from_tables
from ...agreement._results import check_confidence_level
from ...exceptions import InvalidParameterError, UndefinedMetricWarning
from ...results import warn_undefined

if TYPE_CHECKING:
    from ._stream import Level, StreamInputs, Totals
    from ..._taxonomy_model import Taxonomy

__all__ = ["check_options", "run_analysis", "taxonomy_levels"]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_options(*, threshold: Any, n_bins: Any, max_listed: Any, confusion_threshold: Any, batch_size: Any,
                  confidence_level: Any) -> None:
    """Raise :class:`InvalidParameterError` naming the first invalid option."""
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0.0 < threshold <= 1.0:
        raise InvalidParameterError(f"threshold must be a probability in (0, 1], e.g. 0.70; got {threshold!r}.")
    if not _is_int(n_bins) or n_bins < 1:
        raise InvalidParameterError(f"n_bins must be a positive integer; got {n_bins!r}.")
    if max_listed is not None and (not _is_int(max_listed) or max_listed < 1):
        raise InvalidParameterError(f"max_listed must be a positive integer or None (all); got {max_listed!r}.")
    if not isinstance(confusion_threshold, (int, float)) or not 0.0 < confusion_threshold <= 1.0:
        raise InvalidParameterError(f"confusion_threshold must lie in (0, 1]; got {confusion_threshold!r}.")
    if batch_size is not None and (not _is_int(batch_size) or batch_size < 1):
        raise InvalidParameterError(f"batch_size must be a positive integer or None; got {batch_size!r}.")
    check_confidence_level(confidence_level)


def taxonomy_levels(taxonomy: "Taxonomy | None", categories: Sequence[str]) -> tuple["Level", ...]:
    """The coarser levels ``1 … depth-1`` of a hierarchical taxonomy (empty for a flat one or none).

    A class maps to its ancestor at the level (``Taxonomy.rollup``); classes above the level and classes
    the taxonomy does not know map to themselves.
    """
    from ._stream import Level

    if taxonomy is None or taxonomy.depth < 2:
        return ()
    known = set(taxonomy.names)
    out = []
    for level in range(1, taxonomy.depth):
        mapping = taxonomy.rollup(level)
        parents = [mapping.get(c, c) for c in categories]
        used = set(parents)
        names = tuple([n for n in taxonomy.names if n in used] + [c for c in dict.fromkeys(parents) if c not in known])
        code = {n: i for i, n in enumerate(names)}
        out.append(Level(level, names, np.array([code[x] for x in parents], dtype=np.int64)))
    return tuple(out)


def _listed(inputs: "StreamInputs", found: tuple[np.ndarray, np.ndarray], levels: tuple["Level", ...],
            categories: Sequence[str], threshold: float, ids: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    from ._stream import listed_rows

    _, rows = found
    cols = listed_rows(inputs, rows, levels, threshold)
    item = rows if ids is None else np.asarray(ids[rows] if isinstance(ids, np.ndarray) else
                                               np.asarray(ids, dtype=object)[rows], dtype=object)
    return item, cols


def _ranked_tables(inputs: "StreamInputs", totals: "Totals", levels: tuple["Level", ...], categories: Sequence[str],
                   threshold: float, ids: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    item, c = _listed(inputs, totals.confident_disagreements, levels, categories, threshold, ids)
    disagreements = pd.DataFrame({
        "rank": np.arange(1, len(item) + 1), "item_id": item, "model_label": label_names(categories, c["pred"]),
        "model_confidence": c["conf"], "consensus_label": label_names(categories, c["cons"]),
        "consensus_share": c["consensus_share"], "consensus_confidence": c["consensus_confidence"],
        "self_confidence": c["self_confidence"], "gold_label": label_names(categories, c["gold"]),
        "image": np.full(len(item), None, dtype=object),
    })
    item, c = _listed(inputs, totals.low_confidence, levels, categories, threshold, ids)
    level_no = np.array([0] + [lv.level for lv in levels])[c["placed_level"]]
    placed = np.full(len(item), None, dtype=object)
    for k, lv in enumerate(levels, start=1):
        here = c["placed_level"] == k
        placed[here] = np.asarray(lv.names, dtype=object)[c["placed_code"][here]]
    low = pd.DataFrame({
        "item_id": item, "model_label": label_names(categories, c["pred"]), "model_confidence": c["conf"],
        "consensus_label": label_names(categories, c["cons"]), "consensus_share": c["consensus_share"],
        "gold_label": label_names(categories, c["gold"]), "placed_level": level_no.astype(np.int64),
        "placed_class": placed, "placed_confidence": c["placed_conf"], "image": np.full(len(item), None, dtype=object),
    })
    if not levels:  # no coarser level to place an item at: the placed_* columns would only hold 0 / None / NaN
        low = low.drop(columns=["placed_level", "placed_class", "placed_confidence"])
    return disagreements, low


def _level_rows(totals: "Totals", levels: tuple["Level", ...], leaf: dict[str, Any], confidence_level: float,
                threshold: float) -> pd.DataFrame:
    from ...agreement._results import wald_interval

    rows = []
    for k, lv in enumerate(levels, start=1):
        cm = totals[f"cm_level{lv.level}"]
        n = cm.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            res = pairwise_from_tables("cohen", cm, np.eye(len(cm)))
            gold_correct, gold_n = totals[f"gold_level{lv.level}"]
            lo, hi = wald_interval(float(res["value"]), float(res["se"]), confidence_level)
            rows.append({"level": lv.level, "n_classes": len(lv.names), "n_items": int(n),
                         "accuracy_vs_consensus": np.trace(cm) / n if n else NAN, "kappa": float(res["value"]),
                         "kappa_ci_low": lo, "kappa_ci_high": hi,
                         "accuracy_vs_gold": gold_correct / gold_n if gold_n else NAN,
                         "low_confidence_share": float(totals[f"low_level{lv.level}"][0]) / totals.n_items,
                         "n_deepest_confident": int(totals["placed"][k])})
    rows.append(leaf)
    return pd.DataFrame(rows)


def run_analysis(probs: Any, counts: Any, *, categories: Sequence[str], item_ids: Any, consensus_codes: Any,
                 consensus_scores: Any, gold_codes: Any, taxonomy: "Taxonomy | None", consensus_method: str,
                 threshold: float, device: str, batch_size: int | None, confidence_level: float, n_bins: int,
                 max_listed: int | None, confusion_threshold: float, n_annotators: int = 0,
                 n_items_without_prediction: int = 0, soft_label_note: str | None = None) -> ModelVsHuman:
    """Stream the totals on the device and assemble the result (see :func:`analytics.model_vs_human`)."""
    check_options(threshold=threshold, n_bins=n_bins, max_listed=max_listed, confusion_threshold=confusion_threshold,
                  batch_size=batch_size, confidence_level=confidence_level)
    from ._stream import StreamInputs, stream_totals
    from ..scoring import resolve_device

    dev = resolve_device(device)
    q = len(categories)
    levels = taxonomy_levels(taxonomy, categories)
    inputs = StreamInputs(probs, counts, consensus_scores, consensus_codes, gold_codes, item_ids)
    totals = stream_totals(inputs, n_categories=q, levels=levels, threshold=float(threshold), n_bins=int(n_bins),
                           max_listed=max_listed, batch_size=int(batch_size or max(1, (1 << 22) // q)), dev=dev)
    if totals.n_items == 0:
        raise InvalidParameterError("No item has a model prediction (every probability row is NaN).")
    notes: list[str] = []
    est = dict(confidence_level=confidence_level, n_annotators=n_annotators)
    cm, cm_gold = totals["cm_consensus"], totals["cm_gold"]
    n_cons, n_gold = float(cm.sum()), float(cm_gold.sum())
    acc = accuracy_estimate(np.trace(cm), n_cons, method="accuracy_vs_consensus", what="a resolved consensus label",
                            **est)
    kappa = kappa_estimate(cm, method="kappa_vs_consensus", what="consensus", **est)
    if n_gold == 0:
        reason = "no gold labels for the predicted items (attach gold to get accuracy_vs_gold)"
        warn_undefined("accuracy_vs_gold", reason, stacklevel=4)
        notes.append(f"accuracy_vs_gold, kappa_vs_gold and expected_calibration_error_gold are NaN: {reason}")
    with warnings.catch_warnings():
        if n_gold == 0:
            warnings.simplefilter("ignore", UndefinedMetricWarning)
        acc_gold = accuracy_estimate(np.trace(cm_gold), n_gold, method="accuracy_vs_gold", what="a gold label", **est)
        kappa_gold = kappa_estimate(cm_gold, method="kappa_vs_gold", what="gold", **est)
    ce_sum, ent_sum, n_soft = totals.soft
    ce, ent = (ce_sum / n_soft, ent_sum / n_soft) if n_soft else (NAN, NAN)
    if soft_label_note is not None:
        ce = NAN
        warn_undefined("soft_label_cross_entropy", soft_label_note, stacklevel=4)
        notes.append(soft_label_note)
    sums = {"consensus": totals["calibration_consensus"]}
    if n_gold > 0:
        sums["gold"] = totals["calibration_gold"]
    reliability, ece = calibration_table(sums, int(n_bins))
    if n_cons == 0:
        notes.append("no item has a resolved consensus label: consensus statistics are NaN")
    human, model, pairs = confusion_tables(totals.coincidence, cm, categories, float(confusion_threshold))
    disagreements, low = _ranked_tables(inputs, totals, levels, categories, float(threshold), item_ids)
    n_low = int(totals["low_by_consensus"].sum())
    leaf = {"level": taxonomy.depth if levels else 1, "n_classes": q, "n_items": int(n_cons),
            "accuracy_vs_consensus": acc.value, "kappa": kappa.value, "kappa_ci_low": kappa.ci_low,
            "kappa_ci_high": kappa.ci_high, "accuracy_vs_gold": acc_gold.value,
            "low_confidence_share": n_low / totals.n_items, "n_deepest_confident": totals.n_items - n_low}
    return ModelVsHuman(
        categories=tuple(categories), consensus_method=consensus_method, device=str(dev), threshold=float(threshold),
        confidence_level=float(confidence_level), n_items=totals.n_items,
        n_items_without_prediction=n_items_without_prediction + totals.n_rows - totals.n_items,
        n_consensus=int(n_cons), n_gold=int(n_gold), accuracy_vs_consensus=acc, kappa_vs_consensus=kappa,
        accuracy_vs_gold=acc_gold, kappa_vs_gold=kappa_gold, per_class=per_class_table(totals, categories),
        confident_disagreements=disagreements, n_confident_disagreements=totals.n_confident_disagreements,
        low_confidence_share=n_low / totals.n_items, n_low_confidence=n_low, low_confidence_items=low,
        soft_label_cross_entropy=float(ce), soft_label_kl=float(ce - ent), human_entropy=float(ent),
        expected_calibration_error=ece["consensus"], expected_calibration_error_gold=ece.get("gold", NAN),
        reliability=reliability, human_confusion=human, model_confusion=model, confusion_pairs=pairs,
        by_level=_level_rows(totals, levels, leaf, float(confidence_level), float(threshold)),
        kappa_by_annotator=empty_by_annotator(), kappa_matrix=pd.DataFrame(), notes=tuple(notes),
    )
