"""The streaming pass of the model-versus-human analytics: batches of items → additive totals.

:func:`stream_totals` slices the input arrays (numpy arrays or memory maps; nothing of size
``n_items × n_classes`` is copied) into batches, moves each batch to the device, runs the kernels of
:mod:`analytics.model.vs_human._kernels` and adds their statistics up. Human–human coincidences come from the
partition-friendly numpy kernel of :mod:`analytics._reshape` on the same batches. The ranked tables
keep only their indices while streaming; :func:`listed_rows` re-reads those few rows at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from . import _kernels as K
from ..._reshape import coincidence_from_counts
from ...exceptions import InvalidParameterError
from ..._wording import count_noun

__all__ = ["Level", "Totals", "StreamInputs", "stream_totals", "listed_rows"]

#: Rows of probabilities must sum to one within this tolerance (then they are renormalized exactly).
ROW_SUM_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Level:
    """A coarser taxonomy level: ``parent[c]`` is the code (into ``names``) of category *c*'s ancestor there."""

    level: int
    names: tuple[str, ...]
    parent: np.ndarray


@dataclass(frozen=True)
class StreamInputs:
    """The arrays one run streams over (row *i* is item *i*).

    ``probs`` items × C model probabilities (a NaN row: no prediction; that item is left out);
    ``counts`` items × C human votes; ``scores`` items × C consensus scores (posteriors) or None (= the
    votes); ``consensus`` / ``gold`` per-item codes (-1: none) or None (consensus: plurality of the scores).
    """

    probs: Any
    counts: Any
    scores: Any = None
    consensus: Any = None
    gold: Any = None
    item_ids: Any = None

    @property
    def n_rows(self) -> int:
        return int(self.probs.shape[0])

    def item_name(self, row: int) -> str:
        return str(row if self.item_ids is None else self.item_ids[row])


@dataclass
class Totals:
    """Additive totals of one run (numpy, after the reduction)."""

    n_categories: int
    n_bins: int
    n_levels: int
    n_rows: int = 0
    n_items: int = 0
    soft: np.ndarray = field(default_factory=lambda: np.zeros(3))
    coincidence: np.ndarray | None = None
    tensors: dict[str, Any] = field(default_factory=dict)
    confident_disagreements: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0, dtype=np.int64))
    n_confident_disagreements: int = 0
    low_confidence: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0, dtype=np.int64))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]


def _check_batch(p: np.ndarray, c: np.ndarray, start: int, inputs: StreamInputs) -> np.ndarray:
    """Rows with a prediction; raise naming the items whose probabilities or votes are invalid."""
    total = p.sum(axis=1)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(total) & (p.min(axis=1) >= 0) & (np.abs(total - 1.0) <= ROW_SUM_TOLERANCE)
    nan_row = np.zeros(len(p), dtype=bool)
    odd = np.flatnonzero(~ok)
    nan_row[odd] = np.isnan(p[odd]).all(axis=1)
    bad = ~ok & ~nan_row
    if bad.any():
        rows = start + np.flatnonzero(bad)
        shown = ", ".join(f"'{inputs.item_name(r)}'" for r in rows[:5])
        raise InvalidParameterError(
            f"{count_noun(bad.sum(), 'item')} {'has' if bad.sum() == 1 else 'have'} model probabilities that are not a distribution (negative, missing in part, "
            f"or not summing to 1 within {ROW_SUM_TOLERANCE}), e.g. {shown}. Pass softmax outputs (one row per item, "
            "one column per class) or a row of NaN for an item without a prediction.")
    if len(c) and (c.min() >= 0 and np.isfinite(c.sum())):
        return ~nan_row
    bad_votes = ~(np.isfinite(c).all(axis=1) & (c >= 0).all(axis=1))
    if bad_votes.any():
        rows = start + np.flatnonzero(bad_votes)
        raise InvalidParameterError(
            "Human vote counts must be finite and non-negative; items "
            f"{', '.join(inputs.item_name(r) for r in rows[:5])} are not.")
    return ~nan_row


def _onehot(level: Level, n_categories: int, dev: torch.device) -> torch.Tensor:
    r = np.zeros((n_categories, len(level.names)))
    r[np.arange(n_categories), level.parent] = 1.0
    return torch.from_numpy(r).to(dev)


def _codes(values: Any, rows: slice | np.ndarray, dev: torch.device, keep: np.ndarray) -> torch.Tensor | None:
    if values is None:
        return None
    codes = np.asarray(values[rows], dtype=np.int64)
    return torch.from_numpy(codes if keep.all() else codes[keep]).to(dev)


def _read(inputs: StreamInputs, rows: slice | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The batch's probabilities and votes as float64 numpy arrays (one read of each)."""
    return np.asarray(inputs.probs[rows], dtype=np.float64), np.asarray(inputs.counts[rows], dtype=np.float64)


def _batch_tensors(inputs: StreamInputs, rows: slice | np.ndarray, dev: torch.device,
                   has: np.ndarray | None = None, read: tuple[np.ndarray, np.ndarray] | None = None,
                   ) -> dict[str, torch.Tensor]:
    """One batch on the device: normalized probabilities, votes, scores, consensus and gold codes."""
    p, c = _read(inputs, rows) if read is None else read
    keep = np.ones(len(p), dtype=bool) if has is None else has
    if not keep.all():
        p, c = p[keep], c[keep]
    t = {"p": torch.from_numpy(p).to(dev), "counts": torch.from_numpy(c).to(dev)}
    t["p"] = t["p"] / t["p"].sum(dim=1, keepdim=True)
    t["scores"] = t["counts"] if inputs.scores is None else \
        torch.from_numpy(np.asarray(inputs.scores[rows], dtype=np.float64)[keep]).to(dev)
    cons = _codes(inputs.consensus, rows, dev, keep)
    t["cons"] = K.plurality(t["scores"]) if cons is None else cons
    gold = _codes(inputs.gold, rows, dev, keep)
    t["gold"] = torch.full_like(t["cons"], -1) if gold is None else gold
    return t


def stream_totals(inputs: StreamInputs, *, n_categories: int, levels: tuple[Level, ...], threshold: float,
                  n_bins: int, max_listed: int | None, batch_size: int, dev: torch.device) -> Totals:
    """One pass over the items in batches of ``batch_size`` rows; see the module docstring."""
    q = n_categories
    f64 = dict(dtype=torch.float64, device=dev)
    acc: dict[str, torch.Tensor] = {
        "cm_consensus": torch.zeros(q, q, **f64), "cm_gold": torch.zeros(q, q, **f64),
        "calibration_consensus": torch.zeros(3, n_bins, **f64), "calibration_gold": torch.zeros(3, n_bins, **f64),
        "low_by_consensus": torch.zeros(q + 1, **f64), "self_confidence_by_consensus": torch.zeros(q, **f64),
        "soft": torch.zeros(3, **f64), "placed": torch.zeros(len(levels) + 1, **f64),
    }
    for lv in levels:
        g = len(lv.names)
        acc[f"cm_level{lv.level}"] = torch.zeros(g, g, **f64)
        acc[f"gold_level{lv.level}"] = torch.zeros(2, **f64)
        acc[f"low_level{lv.level}"] = torch.zeros(1, **f64)
    onehots = [_onehot(lv, q, dev) for lv in levels]
    parents = [torch.from_numpy(lv.parent.astype(np.int64)).to(dev) for lv in levels]
    disagreements = K.RunningSmallest(max_listed, dev)
    unsure = K.RunningSmallest(max_listed, dev)
    coincidence = np.zeros((q, q))
    n_items = 0
    for start in range(0, inputs.n_rows, batch_size):
        rows = slice(start, min(start + batch_size, inputs.n_rows))
        read = _read(inputs, rows)
        has = _check_batch(*read, start, inputs)
        if not has.any():
            continue
        t = _batch_tensors(inputs, rows, dev, has, read)
        index = torch.from_numpy(start + np.flatnonzero(has)).to(dev)
        coincidence += coincidence_from_counts(t["counts"].cpu().numpy() if dev.type != "cpu" else t["counts"].numpy())
        n_items += int(has.sum())
        p, cons, gold = t["p"], t["cons"], t["gold"]
        pred, conf = K.top_label(p)
        has_cons = cons >= 0
        self_conf = p.gather(1, cons.clamp_min(0)[:, None])[:, 0]
        low = conf < threshold
        acc["soft"] += K.soft_label_sums(p, t["counts"])
        acc["cm_consensus"] += K.confusion_counts(cons, pred, q, q)
        acc["cm_gold"] += K.confusion_counts(gold, pred, q, q)
        acc["calibration_consensus"] += K.calibration_sums(conf, pred == cons, has_cons, n_bins)
        acc["calibration_gold"] += K.calibration_sums(conf, pred == gold, gold >= 0, n_bins)
        acc["low_by_consensus"] += torch.bincount(torch.where(has_cons, cons, q)[low], minlength=q + 1)
        acc["self_confidence_by_consensus"] += K.class_sums(cons, self_conf, q)
        wrong = has_cons & (pred != cons) & ~low
        disagreements.add(self_conf[wrong], index[wrong])
        unsure.add(conf[low], index[low])
        deepest = torch.zeros_like(pred)
        for k, (lv, onehot, parent) in enumerate(zip(levels, onehots, parents), start=1):
            pred_l, conf_l = K.top_label(K.rolled(p, onehot))
            cons_l = K.plurality(K.rolled(t["scores"], onehot))
            gold_l = torch.where(gold >= 0, parent[gold.clamp_min(0)], -1)
            g = len(lv.names)
            acc[f"cm_level{lv.level}"] += K.confusion_counts(cons_l, pred_l, g, g)
            acc[f"gold_level{lv.level}"] += torch.stack([((pred_l == gold_l) & (gold_l >= 0)).sum(),
                                                         (gold_l >= 0).sum()]).to(torch.float64)
            acc[f"low_level{lv.level}"] += (conf_l < threshold).sum()
            deepest = torch.where(conf_l >= threshold, k, deepest)
        acc["placed"] += torch.bincount(deepest[low], minlength=len(levels) + 1)
    totals = Totals(n_categories=q, n_bins=n_bins, n_levels=len(levels), n_rows=inputs.n_rows, n_items=n_items,
                    coincidence=coincidence)
    totals.tensors = {k: v.cpu().numpy() for k, v in acc.items()}
    totals.soft = totals.tensors["soft"]
    keys, idx = disagreements.result()
    totals.confident_disagreements = (keys.cpu().numpy(), idx.cpu().numpy())
    totals.n_confident_disagreements = disagreements.count
    keys, idx = unsure.result()
    totals.low_confidence = (keys.cpu().numpy(), idx.cpu().numpy())
    return totals


def listed_rows(inputs: StreamInputs, rows: np.ndarray, levels: tuple[Level, ...],
                threshold: float) -> dict[str, np.ndarray]:
    """Per-item columns of the listed (ranked) rows, recomputed on the CPU with the same kernels.

    Returns model label and confidence, consensus code, its vote share and its confidence under the
    consensus scores, the model's probability of the consensus label (self-confidence), the gold code,
    and the deepest coarser level (0: none) where the model's rolled-up top probability reaches
    ``threshold``, with that class code and probability.
    """
    cpu = torch.device("cpu")
    t = _batch_tensors(inputs, np.asarray(rows, dtype=np.int64), cpu)
    p, cons = t["p"], t["cons"]
    pred, conf = K.top_label(p)
    safe = cons.clamp_min(0)[:, None]
    m = t["counts"].sum(dim=1)
    score_total = t["scores"].sum(dim=1)
    out = {
        "pred": pred.numpy(), "conf": conf.numpy(), "cons": cons.numpy(), "gold": t["gold"].numpy(),
        "self_confidence": torch.where(cons >= 0, p.gather(1, safe)[:, 0], torch.nan).numpy(),
        "consensus_share": torch.where(cons >= 0, t["counts"].gather(1, safe)[:, 0] / m, torch.nan).numpy(),
        "consensus_confidence": torch.where(cons >= 0, t["scores"].gather(1, safe)[:, 0] / score_total,
                                            torch.nan).numpy(),
    }
    placed_level = torch.zeros_like(pred)
    placed_code = torch.full_like(pred, -1)
    placed_conf = torch.full_like(conf, torch.nan)
    for k, lv in enumerate(levels, start=1):
        pred_l, conf_l = K.top_label(K.rolled(p, _onehot(lv, p.shape[1], cpu)))
        ok = conf_l >= threshold
        placed_level = torch.where(ok, k, placed_level)
        placed_code = torch.where(ok, pred_l, placed_code)
        placed_conf = torch.where(ok, conf_l, placed_conf)
    out.update(placed_level=placed_level.numpy(), placed_code=placed_code.numpy(), placed_conf=placed_conf.numpy())
    return out
