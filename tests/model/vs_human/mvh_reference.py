"""A straightforward numpy reference of the model-versus-human statistics (loops where they are clearest).

Written from the formulas in the papers, independently of the torch kernels it checks.
"""

from __future__ import annotations

import math

import numpy as np

EPS = np.finfo(np.float64).eps


def plurality(scores: np.ndarray) -> np.ndarray:
    out = np.full(len(scores), -1)
    for i, row in enumerate(scores):
        top = row.max()
        winners = np.flatnonzero(row == top)
        if len(winners) == 1 and top > 0:
            out[i] = winners[0]
    return out


def reference(probs, counts, *, consensus=None, gold=None, threshold=0.7, n_bins=15):
    """Every statistic the tests compare, over items with a prediction (non-NaN probability row)."""
    has = ~np.isnan(probs).all(axis=1)
    rows = np.flatnonzero(has)
    p = probs[has] / probs[has].sum(axis=1, keepdims=True)
    n = counts[has].astype(float)
    q = p.shape[1]
    pred = np.array([int(np.argmax(r)) for r in p])
    conf = np.array([r[k] for r, k in zip(p, pred)])
    cons = plurality(n) if consensus is None else np.asarray(consensus)[has]
    g = np.full(len(p), -1) if gold is None else np.asarray(gold)[has]
    out = {"rows": rows, "pred": pred, "conf": conf, "cons": cons}
    ok = cons >= 0
    out["accuracy"] = float(np.mean(pred[ok] == cons[ok])) if ok.any() else math.nan
    out["gold_accuracy"] = float(np.mean(pred[g >= 0] == g[g >= 0])) if (g >= 0).any() else math.nan
    cm = np.zeros((q, q))
    for c, k in zip(cons[ok], pred[ok]):
        cm[c, k] += 1
    out["cm"] = cm
    total = cm.sum()
    if total:
        po = np.trace(cm) / total
        pe = sum((cm[c].sum() / total) * (cm[:, c].sum() / total) for c in range(q))
        out["kappa"] = (po - pe) / (1 - pe) if pe < 1 else math.nan
    else:
        out["kappa"] = math.nan
    ce, kl, ent, m = 0.0, 0.0, 0.0, 0
    for votes, probs_i in zip(n, p):
        if votes.sum() == 0:
            continue
        h = votes / votes.sum()
        m += 1
        for hc, pc in zip(h, probs_i):
            if hc > 0:
                ce -= hc * math.log(max(pc, EPS))
                kl += hc * math.log(hc / max(pc, EPS))
                ent -= hc * math.log(hc)
    out["ce"], out["kl"], out["entropy"] = (ce / m, kl / m, ent / m) if m else (math.nan,) * 3
    out["ece"] = ece(conf[ok], pred[ok] == cons[ok], n_bins)
    out["ece_gold"] = ece(conf[g >= 0], pred[g >= 0] == g[g >= 0], n_bins)
    low = conf < threshold
    out["low_share"] = float(low.mean())
    out["low_rows"] = rows[low][np.lexsort((rows[low], conf[low]))]
    self_conf = np.array([r[c] if c >= 0 else np.nan for r, c in zip(p, cons)])
    wrong = ok & (pred != cons) & ~low
    out["disagreement_rows"] = rows[wrong][np.lexsort((rows[wrong], self_conf[wrong]))]
    out["self_confidence"] = self_conf
    out["coincidence"] = coincidence(n)
    return out


def ece(conf: np.ndarray, correct: np.ndarray, n_bins: int) -> float:
    """Guo et al. (2017): bins ((b-1)/M, b/M]; sum over bins of |accuracy - confidence| weighted by size."""
    if len(conf) == 0:
        return math.nan
    total = 0.0
    for b in range(1, n_bins + 1):
        lo, hi = (b - 1) / n_bins, b / n_bins
        inside = (conf > lo) & (conf <= hi) if b > 1 else (conf <= hi)
        if inside.any():
            total += inside.sum() / len(conf) * abs(correct[inside].mean() - conf[inside].mean())
    return total


def coincidence(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidences: every ordered pair of votes within an item, weighted 1/(m_i - 1)."""
    q = counts.shape[1]
    o = np.zeros((q, q))
    for row in counts:
        votes = [c for c in range(q) for _ in range(int(row[c]))]
        m = len(votes)
        if m < 2:
            continue
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[votes[i], votes[j]] += 1.0 / (m - 1)
    return o
