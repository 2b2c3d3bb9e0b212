r"""Per-batch kernels of the model-versus-human analytics, on torch tensors (any device).

Every kernel is a pure function of one batch of items and returns **additive** statistics — counts
and sums — so a run over any partition of the items (batches on one device, partitions on several
workers) reduces by addition, and small batches give the same totals as one big batch.
:class:`RunningSmallest` keeps the *k* smallest keys seen so far (the ranked tables); merging two of
them is again exact.

Notation for a batch of *B* items and *C* classes: ``p`` the model's probabilities (B × C, rows sum
to one), ``counts`` the human votes :math:`n_{ic}` (B × C), ``cons`` / ``gold`` integer codes per item
(-1: none). All floating-point work is in float64.

This module imports torch; :mod:`analytics.model.vs_human` imports it only when it runs.
"""

from __future__ import annotations

import torch

__all__ = [
    "PROB_FLOOR",
    "top_label",
    "plurality",
    "confusion_counts",
    "soft_label_sums",
    "bin_index",
    "calibration_sums",
    "class_sums",
    "rolled",
    "RunningSmallest",
]

#: Probabilities are floored at the float64 machine epsilon inside logarithms (as scikit-learn's ``log_loss``),
#: so a class the model gives probability 0 but people chose costs :math:`-\log(2.2\cdot10^{-16}) \approx 36` nats.
PROB_FLOOR = float(torch.finfo(torch.float64).eps)


def top_label(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The model label (first maximum, as ``numpy.argmax``) and its probability (the model's confidence)."""
    pred = torch.argmax(p, dim=1)
    return pred, p.gather(1, pred[:, None])[:, 0]


def plurality(scores: torch.Tensor) -> torch.Tensor:
    """Row-wise argmax, or -1 where the top score is shared by several classes (a tie) or is not positive."""
    top = scores.max(dim=1, keepdim=True).values
    unique = (scores == top).sum(dim=1) == 1
    none = torch.full_like(unique, -1, dtype=torch.int64)
    return torch.where(unique & (top[:, 0] > 0), torch.argmax(scores, dim=1), none)


def confusion_counts(rows: torch.Tensor, cols: torch.Tensor, n_rows: int, n_cols: int) -> torch.Tensor:
    """``M[r, c]``: items with row code *r* and column code *c* (items with a negative code are left out)."""
    ok = (rows >= 0) & (cols >= 0)
    flat = rows[ok] * n_cols + cols[ok]
    return torch.bincount(flat, minlength=n_rows * n_cols).reshape(n_rows, n_cols)


def soft_label_sums(p: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    r"""``[Σ_i CE_i, Σ_i H_i, n]`` over items with at least one vote.

    With the human vote distribution :math:`h_{ic} = n_{ic}/\sum_k n_{ik}`:
    :math:`\mathrm{CE}_i = -\sum_c h_{ic}\log\max(p_{ic}, \epsilon)` and :math:`H_i = -\sum_c h_{ic}\log h_{ic}`
    (:math:`0 \log 0 = 0`), so the mean KL divergence :math:`\mathrm{KL}(h_i \| p_i)` is the mean CE minus the
    mean entropy.
    """
    m = counts.sum(dim=1)
    h = counts / m.clamp_min(1.0)[:, None]  # unrated items: h = 0, so they add nothing
    ce = -(h * torch.log(p.clamp_min(PROB_FLOOR))).sum()
    entropy = -torch.xlogy(h, h).sum()
    rated = m > 0
    return torch.stack([ce, entropy, rated.sum().to(p.dtype)])


def bin_index(conf: torch.Tensor, n_bins: int) -> torch.Tensor:
    r"""Equal-width confidence bins :math:`((b-1)/M, b/M]`, ``b = 1 … M`` (Guo et al. 2017); 0 is in the first."""
    inner = torch.arange(1, n_bins, dtype=conf.dtype, device=conf.device) / n_bins  # edges b/M, b = 1 … M-1
    return torch.bucketize(conf, inner, right=False)  # b-1 where (b-1)/M < conf <= b/M


def calibration_sums(conf: torch.Tensor, correct: torch.Tensor, valid: torch.Tensor, n_bins: int) -> torch.Tensor:
    """``3 × M``: items, summed confidence and correct items per confidence bin (items where ``valid``)."""
    b = bin_index(conf[valid], n_bins)
    out = torch.zeros(3, n_bins, dtype=conf.dtype, device=conf.device)
    out[0] = torch.bincount(b, minlength=n_bins).to(conf.dtype)
    out[1].index_add_(0, b, conf[valid])
    out[2] = torch.bincount(b[correct[valid]], minlength=n_bins).to(conf.dtype)
    return out


def class_sums(codes: torch.Tensor, values: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Sum of ``values`` per class code (codes < 0 are left out)."""
    ok = codes >= 0
    return torch.zeros(n_classes, dtype=values.dtype, device=values.device).index_add_(0, codes[ok], values[ok])


def rolled(x: torch.Tensor, parent_onehot: torch.Tensor) -> torch.Tensor:
    """Columns summed up to parent classes: ``x @ R`` with ``R[c, g] = 1`` when class *c* rolls up to *g*."""
    return x @ parent_onehot


class RunningSmallest:
    """The ``k`` items with the smallest keys seen so far (ties: smaller item index first); ``k=None`` keeps all.

    ``add`` takes one batch's keys and (global) item indices; the buffer is trimmed to ``k`` whenever it
    reaches ``2k``, so the work per batch stays ``O((B + k) log(B + k))`` and the result equals a full
    sort of all keys. ``count`` is the number of candidates offered (kept or not).
    """

    def __init__(self, k: int | None, device: torch.device) -> None:
        self.k = k
        self.keys = torch.empty(0, dtype=torch.float64, device=device)
        self.index = torch.empty(0, dtype=torch.int64, device=device)
        self.count = 0

    def add(self, keys: torch.Tensor, index: torch.Tensor) -> None:
        self.count += int(keys.numel())
        if self.k is not None and self.keys.numel() >= self.k:  # only keys ≤ the current k-th can enter
            kth = self.keys.max()
            keep = keys <= kth
            keys, index = keys[keep], index[keep]
        self.keys = torch.cat([self.keys, keys])
        self.index = torch.cat([self.index, index])
        if self.k is not None and self.keys.numel() >= 2 * max(self.k, 1):
            self._trim()

    def _trim(self) -> None:
        by_index = torch.argsort(self.index)
        order = by_index[torch.argsort(self.keys[by_index], stable=True)]
        if self.k is not None:
            order = order[: self.k]
        self.keys, self.index = self.keys[order], self.index[order]

    def result(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and item indices, smallest key first."""
        self._trim()
        return self.keys, self.index
