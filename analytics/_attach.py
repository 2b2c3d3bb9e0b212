"""Aligning gold labels and model predictions to the items of an annotation set."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["align_gold", "align_predictions"]


def align_gold(
    gold: pd.Series | None, item_ids: pd.Index, categories: Sequence[str], multilabel: bool
) -> tuple[pd.Series | None, np.ndarray | None]:
    """Restrict gold labels to the set's items; return them and per-item gold codes (-1: no gold)."""
    if gold is None:
        return None, None
    gold = gold[gold.index.isin(item_ids)]
    codes = np.full(len(item_ids), -1, dtype=np.int64)
    if not multilabel and len(gold):
        pos = item_ids.get_indexer(gold.index)
        codes[pos] = pd.Categorical(gold.to_numpy(), categories=list(categories)).codes
    return gold, codes


def align_predictions(
    predictions: pd.DataFrame | None, item_ids: pd.Index, categories: Sequence[str]
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Align a canonical predictions frame to the items.

    Returns ``(probabilities or None, predicted codes, confidence)``: probabilities are an
    ``n_items × n_categories`` array with NaN rows for items without a prediction (classes the model
    does not have get probability 0); codes are -1 and confidence NaN where there is no prediction.
    """
    if predictions is None:
        return None, None, None
    n, c = len(item_ids), len(categories)
    pos = item_ids.get_indexer(predictions["item_id"].astype(str))
    keep = pos >= 0
    pos = pos[keep]
    codes = np.full(n, -1, dtype=np.int64)
    conf = np.full(n, np.nan)
    if "predicted_label" in predictions.columns:
        codes[pos] = pd.Categorical(predictions["predicted_label"].to_numpy()[keep], categories=list(categories)).codes
        conf[pos] = pd.to_numeric(predictions["confidence"], errors="coerce").to_numpy()[keep] \
            if "confidence" in predictions.columns else np.nan
        return None, codes, conf
    probs = np.full((n, c), np.nan)
    probs[pos] = 0.0
    cols = [col for col in predictions.columns if col != "item_id"]
    index = {cat: j for j, cat in enumerate(categories)}
    values = predictions[cols].to_numpy(dtype=float)[keep]
    for k, col in enumerate(cols):
        probs[pos, index[col]] = values[:, k]
    codes[pos] = np.argmax(probs[pos], axis=1)
    conf[pos] = probs[pos].max(axis=1)
    return probs, codes, conf
