"""Simulation engine of the coverage study (``coverage.py``): many replicate pilots at once, as arrays.

A cell of the study is ``R`` independent pilots of the same design. Everything here works on all of them
at once: labels ``(R, n, m)`` (``-1`` = missing rating), item × class counts ``(R, n, q)``, pair tables
``(R, P, q, q)``; the coefficients, their standard errors and the inputs of the interval methods are
arrays over ``R``. The formulas are the library's (checked against it by ``tests/agreement/test_coverage_study.py``).

Generating model (latent class; Donner & Eliasziw 1992 for two raters): item *i* has a true class
:math:`c_i \\sim p`; each rating equals :math:`c_i` with probability :math:`\\theta` and is otherwise a
draw from *p*, independently; with missing ratings each rating is then dropped with probability
``missing`` (completely at random). Any two ratings of an item follow
:math:`\\kappa\\,\\mathrm{diag}(p) + (1-\\kappa)pp^\\top` with :math:`\\kappa = \\theta^2`, so the population
values are exact (:func:`population`). An optional item-difficulty variant (``hard_share`` > 0) makes a share
of items hard (:math:`\\theta_h = \\theta/2`) and the rest easier, keeping the same population kappa: the
model the score interval assumes is then wrong, which is how the study checks its robustness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analytics.agreement._core import count_based_from_sums, pairwise_from_tables

__all__ = ["Design", "simulate", "population", "coefficient_stats", "Stats"]

COEFFICIENTS = ("percent_agreement", "cohen_kappa", "light_kappa", "fleiss_kappa", "krippendorff_alpha",
                "gwet_ac1", "brennan_prediger", "scott_pi")
COUNT_KINDS = {"percent_agreement": "percent", "fleiss_kappa": "fleiss", "gwet_ac1": "gwet",
               "brennan_prediger": "brennan_prediger"}


@dataclass(frozen=True)
class Design:
    """One cell of the study."""

    n_items: int
    raters: int
    categories: int
    kappa: float
    prevalence: str          # "balanced" or "skewed" (one class 90 %)
    missing: float           # probability that a rating is missing
    hard_share: float = 0.0  # share of hard items (robustness variant)

    def shares(self) -> np.ndarray:
        q = self.categories
        if self.prevalence == "balanced":
            return np.full(q, 1.0 / q)
        return np.r_[0.9, np.full(q - 1, 0.1 / (q - 1))]

    def thetas(self) -> tuple[float, float]:
        """(easy, hard) per-rating accuracies; their squares average to ``kappa`` (easy items have kappa
        ``(1 + kappa)/2``, hard ones what is left: 0.10, 0.57, 0.78 at kappa 0.6, 0.8, 0.9 with 30 % hard items)."""
        theta = math.sqrt(self.kappa)
        if self.hard_share <= 0:
            return theta, theta
        easy2 = (1.0 + self.kappa) / 2.0
        hard2 = (self.kappa - (1.0 - self.hard_share) * easy2) / self.hard_share
        if hard2 < 0:
            raise ValueError(f"kappa {self.kappa} is too low for {self.hard_share:.0%} hard items in this design")
        return math.sqrt(easy2), math.sqrt(hard2)


def simulate(design: Design, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Labels ``(R, n, m)`` (int16; ``-1`` = missing) of ``replicates`` pilots of ``design``."""
    n, m, q = design.n_items, design.raters, design.categories
    p = design.shares()
    easy, hard = design.thetas()
    truth = rng.choice(q, size=(replicates, n), p=p)
    theta = np.where(rng.random((replicates, n)) < design.hard_share, hard, easy)[..., None]
    guess = rng.choice(q, size=(replicates, n, m), p=p)
    labels = np.where(rng.random((replicates, n, m)) < theta, truth[..., None], guess).astype(np.int16)
    if design.missing > 0:
        labels[rng.random((replicates, n, m)) < design.missing] = -1
    return labels


def population(design: Design) -> dict[str, float]:
    """Exact population values: every kappa-type coefficient equals kappa; the others follow from
    :math:`p_a = \\kappa + (1-\\kappa)\\sum_c p_c^2`."""
    p, q, k = design.shares(), design.categories, design.kappa
    pa = k + (1.0 - k) * float((p ** 2).sum())
    pe_g = float((p * (1.0 - p)).sum()) / (q - 1.0)
    out = {c: k for c in ("cohen_kappa", "light_kappa", "fleiss_kappa", "krippendorff_alpha", "scott_pi")}
    out.update(percent_agreement=pa, gwet_ac1=(pa - pe_g) / (1.0 - pe_g), brennan_prediger=(pa - 1.0 / q) / (1.0 - 1.0 / q))
    return out


@dataclass
class Stats:
    """One coefficient on ``R`` pilots: what the interval methods need, and the bootstrap's pieces."""

    value: np.ndarray
    se: np.ndarray                 # the library's standard_error (Wald, method="analytic")
    se_score: np.ndarray           # the sandwich SE the score interval uses
    expected: np.ndarray           # chance agreement p_e
    n_pairable: np.ndarray         # items with >= 2 ratings (the estimate's n_items)
    mean_raters: np.ndarray        # mean ratings per pairable item
    prevalence: np.ndarray         # (R, q) class shares of the model variance
    ratings_counts: np.ndarray     # (R, M + 1) items per number of ratings, for the model variance
    kind: str = "fleiss"           # the model of the score interval (analytics.agreement.intervals.ModelKind)
    n_pairs: np.ndarray | None = None      # annotator pairs averaged (kind "pairs")
    pair_items: np.ndarray | None = None   # mean items per pair (kind "pairs")
    features: object = field(repr=False, default=None)       # rows -> (r, n, F) per-item additive features
    statistic: object = field(repr=False, default=None)      # (sums (r, B, F), rows) -> values (r, B)


def onehot_counts(labels: np.ndarray, q: int) -> np.ndarray:
    r, n, m = labels.shape
    flat = labels.reshape(r * n, m).astype(np.int64)
    idx = np.where(flat >= 0, np.arange(r * n)[:, None] * q + flat, r * n * q)   # missing -> a spare slot
    return np.bincount(idx.ravel(), minlength=r * n * q + 1)[:-1].reshape(r, n, q).astype(np.float64)


def _ratings_counts(r: np.ndarray, m: int, pairable_only: bool = False) -> np.ndarray:
    out = np.stack([(r == k).sum(-1) for k in range(m + 1)], -1).astype(np.float64)
    if pairable_only:
        out[:, :2] = 0.0
    return out


def _count_family(counts: np.ndarray, q: int, m: int) -> dict[str, Stats]:
    """Percent agreement, Fleiss' kappa, AC1, Brennan–Prediger (Gwet 2014 ch. 5, as the library and irrCAC)."""
    r = counts.sum(-1)
    rated, two = r > 0, r >= 2
    nr, n2 = rated.sum(-1).astype(float), two.sum(-1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pa_i = np.where(two, ((counts * counts).sum(-1) - r) / np.where(two, r * (r - 1.0), 1.0), 0.0)
        share = counts / np.where(rated, r, 1.0)[..., None]
        pi = share.sum(1) / nr[:, None]
        pa = pa_i.sum(1) / n2
    def feats(rows: slice) -> np.ndarray:
        return np.concatenate([(pa_i * two)[rows, :, None], two[rows, :, None], rated[rows, :, None], share[rows]], -1)

    w = np.eye(q)
    rc = _ratings_counts(r, m)
    mbar = np.where(two, r, 0).sum(1) / np.maximum(n2, 1)
    out = {}
    for name, kind in COUNT_KINDS.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "fleiss":
                pe, pe_i = (pi ** 2).sum(-1), (share * pi[:, None, :]).sum(-1)
            elif kind == "gwet":
                pe, pe_i = (pi * (1 - pi)).sum(-1) / (q - 1), (share * (1 - pi[:, None, :])).sum(-1) / (q - 1)
            else:
                pe, pe_i = np.full(len(r), 1.0 / q if kind == "brennan_prediger" else 0.0), None
            val = (pa - pe) / (1 - pe)
            k_i = (nr / n2)[:, None] * (pa_i - pe[:, None] * two) / (1 - pe)[:, None]
            if pe_i is not None:
                k_i = k_i - 2 * (1 - val)[:, None] * (pe_i - pe[:, None]) / (1 - pe)[:, None]
            se = np.sqrt(np.where(rated, (k_i - val[:, None]) ** 2, 0).sum(1) / (nr * (nr - 1)))
            k_c = k_i - val[:, None] * ((nr / n2)[:, None] * two - 1)   # ratio linearization (no missing-data term)
            se_c = np.sqrt(np.where(rated, (k_c - val[:, None]) ** 2, 0).sum(1) / (nr * (nr - 1)))
        ok = (n2 > 0) & (1 - pe > 1e-12)
        out[name] = Stats(np.where(ok, val, np.nan), np.where(ok, se, np.nan), np.where(ok, se_c, np.nan), pe, n2,
                          mbar, pi, rc, kind, features=feats,
                          statistic=lambda s, rows, kind=kind: count_based_from_sums(kind, s, w))
    return out


def _alpha_from_sums(s: np.ndarray) -> np.ndarray:
    nc = s[..., 1:]
    total = nc.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_o = 1.0 - s[..., 0] / total
        d_e = (total ** 2 - (nc ** 2).sum(-1)) / (total * (total - 1.0))
        val = 1.0 - d_o / d_e
    return np.where((total >= 2) & (d_e > 1e-12), val, np.nan)


def _alpha(counts: np.ndarray, m: int) -> Stats:
    """Krippendorff's nominal alpha and Gwet's (2014, sec. 5.3) standard error, as the library."""
    r = counts.sum(-1)
    two = r >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pa_i = np.where(two, ((counts * counts).sum(-1) - r) / np.where(two, r * (r - 1.0), 1.0), 0.0)
        nc = (counts * two[..., None]).sum(1)
        total = nc.sum(-1)
        full = np.concatenate([(pa_i * r * two)[..., None], counts * two[..., None]], -1)
        val = _alpha_from_sums(full.sum(1))
        mm = two.sum(1).astype(float)
        rbar = total / mm
        eps = 1.0 / total
        pa_p = (pa_i * r).sum(1) / rbar / mm
        pa = (1.0 - eps) * pa_p + eps
        pi = nc / total[:, None]
        pe = (pi ** 2).sum(-1)
        ap = (pa_p - pe) / (1.0 - pe)
        rb = rbar[:, None]
        pai = pa_i * r / rb - pa[:, None] * (r - rb) / rb
        k_i = (pai - pe[:, None]) / (1.0 - pe[:, None])
        pe_i = (counts * pi[:, None, :]).sum(-1) / rb - pe[:, None] * (r - rb) / rb
        ks = k_i - 2.0 * (1.0 - ap[:, None]) * (pe_i - pe[:, None]) / (1.0 - pe[:, None])
        se = np.sqrt(np.where(two, (ks - ap[:, None]) ** 2, 0).sum(1) / (mm * (mm - 1.0)))
    ok = np.isfinite(val) & (mm >= 2)
    se = np.where(ok, se, np.nan)
    return Stats(np.where(ok, val, np.nan), se, se, pe, mm, rbar, pi, _ratings_counts(r, m, pairable_only=True),
                 "fleiss", features=lambda rows: full[rows], statistic=lambda s, rows: _alpha_from_sums(s))


def _pair_parts(labels: np.ndarray, q: int, pairs: list[tuple[int, int]]):
    R, n, _ = labels.shape
    P = len(pairs)
    a = labels[..., [i for i, _ in pairs]].astype(np.int64)
    b = labels[..., [j for _, j in pairs]].astype(np.int64)
    both = (a >= 0) & (b >= 0)
    idx = (np.arange(R)[:, None, None] * P + np.arange(P)[None, None, :]) * q * q + a * q + b
    tables = np.bincount(idx[both], minlength=R * P * q * q).reshape(R, P, q, q).astype(np.float64)
    cell = np.where(both, idx, R * P * q * q)           # flat (pilot, pair, x, y) cell of each rating pair

    def feats(rows: slice) -> np.ndarray:                  # (r, n, P·(1 + 3q)), built only for the bootstrap
        eye = np.eye(q, dtype=np.float32)
        bo, aa, bb = both[rows], np.where(both[rows], a[rows], 0), np.where(both[rows], b[rows], 0)
        diag = eye[aa] * (bo & (a[rows] == b[rows]))[..., None]
        row, col = eye[aa] * bo[..., None], eye[bb] * bo[..., None]
        out = np.concatenate([bo[..., None].astype(np.float32), diag, row, col], -1)
        return out.reshape(out.shape[0], n, P * (1 + 3 * q))

    return tables, cell, both, feats


def _pair_values(kind: str, s: np.ndarray, q: int, n_pairs: int) -> np.ndarray:
    """Cohen's kappa / Scott's pi of each pair from summed pair features (…, P·(1+3q)) → (…, P)."""
    s = s.reshape(s.shape[:-1] + (n_pairs, 1 + 3 * q))
    n = s[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        po = s[..., 1:1 + q].sum(-1) / n
        row, col = s[..., 1 + q:1 + 2 * q] / n[..., None], s[..., 1 + 2 * q:] / n[..., None]
        pe = (row * col).sum(-1) if kind == "cohen" else (((row + col) / 2.0) ** 2).sum(-1)
        val = (po - pe) / (1.0 - pe)
    return np.where((n > 0) & (1.0 - pe > 1e-12), val, np.nan)


def gather_cells(g: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Per item, the sum over its rating pairs of ``g`` (R, P, q, q) at each pair's cell (0 where a rating is
    missing): one flat ``take`` with a zero sentinel after the last cell."""
    return np.take(np.append(g.ravel(), 0.0), cell).sum(-1)


def _pair_jackknife_se(tables: np.ndarray, values: np.ndarray, cell: np.ndarray, rated: np.ndarray) -> np.ndarray:
    """Jackknife SE of the mean of pairwise Cohen's kappas (as :func:`analytics.agreement.intervals.pair_jackknife`)."""
    from analytics.agreement.intervals import pair_leave_one_out

    g_moved, g_value, g_dropped = (gather_cells(g, cell) for g in pair_leave_one_out(tables))

    n_def = np.isfinite(values).sum(-1)[:, None].astype(float)
    total = np.where(np.isfinite(values), values, 0.0).sum(-1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        loo = (total + g_moved - g_value) / (n_def - g_dropped)
        d = np.where(np.isfinite(loo), loo - total / n_def, 0.0)
    k = rated.sum(1).astype(float)
    dbar = np.where(rated, d, 0.0).sum(1) / k
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt((k - 1.0) / k * np.where(rated, (d - dbar[:, None]) ** 2, 0.0).sum(1))


def _two_raters(labels: np.ndarray, q: int) -> dict[str, Stats]:
    """Cohen's kappa (Fleiss, Cohen & Everitt 1969 SE) and Scott's pi (as Fleiss' kappa on the common items)."""
    tables, cell, both, feats = _pair_parts(labels, q, [(0, 1)])
    a, b = labels[..., :1].astype(np.int64), labels[..., 1:2].astype(np.int64)
    t = tables[:, 0]
    n = t.sum((-2, -1))
    coh = pairwise_from_tables("cohen", t, np.eye(q))
    pooled = (t.sum(-1) + t.sum(-2)) / (2.0 * np.where(n > 0, n, 1.0))[:, None]
    rc = np.zeros((len(n), 3))
    rc[:, 2] = n
    se_j = np.fmax(coh["se"], _pair_jackknife_se(tables, coh["value"][:, None], cell, both[..., 0]))
    out = {"cohen_kappa": Stats(coh["value"], coh["se"], se_j, coh["expected"], n, np.full(len(n), 2.0),
                                pooled, rc, "pairs", np.ones(len(n)), n, features=feats,
                                statistic=lambda s, rows: _pair_values("cohen", s, q, 1)[..., 0])}
    common = np.zeros(labels.shape[:2] + (q,))
    for x in (a[..., 0], b[..., 0]):
        common += np.eye(q)[np.where(both[..., 0], x, 0)] * both[..., 0][..., None]
    fl = _count_family(common, q, 2)["fleiss_kappa"]
    out["scott_pi"] = Stats(fl.value, fl.se, fl.se_score, fl.expected, n, np.full(len(n), 2.0), pooled, rc, "fleiss",
                            features=feats, statistic=lambda s, rows: _pair_values("scott", s, q, 1)[..., 0])
    return out


def _light(labels: np.ndarray, q: int, counts_stats: Stats) -> Stats:
    """Light's kappa (mean pairwise Cohen) and its delta-method SE over shared items, as the library."""
    R, n, m = labels.shape
    pairs = [(i, j) for i in range(m) for j in range(i + 1, m)]
    P = len(pairs)
    tables, cell, both, feats = _pair_parts(labels, q, pairs)
    res = pairwise_from_tables("cohen", tables, np.eye(q))
    defined = np.isfinite(res["value"])
    n_def = defined.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(defined, res["value"], 0).sum(1) / n_def
        nn = np.where(defined, res["n"], 1.0)
        kap, pe, po = (np.where(defined, res[k], 0.0) for k in ("value", "expected", "observed"))
        p = tables / nn[..., None, None]
        row, col = p.sum(-1), p.sum(-2)
        g = (np.eye(q)[None, None] - (1 - kap)[..., None, None] * (col[..., :, None] + row[..., None, :])
             - (po - 2 * (1 - kap) * pe)[..., None, None]) / ((1 - pe) * nn * n_def[:, None])[..., None, None]
    g = np.nan_to_num(np.where(defined[..., None, None], g, 0.0))
    s_i = gather_cells(g, cell)
    se = np.sqrt((s_i ** 2).sum(1))
    ok = n_def > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pe_mean = np.where(defined, res["expected"], 0).sum(1) / n_def

    def stat(s: np.ndarray, rows: slice) -> np.ndarray:
        vals = _pair_values("cohen", s, q, P)                       # (r, B, P)
        d = defined[rows][:, None, :]
        with np.errstate(invalid="ignore"):
            mean = np.where(d, vals, 0).sum(-1) / d.sum(-1)
        return np.where((np.isfinite(vals) | ~d).all(-1), mean, np.nan)

    with np.errstate(divide="ignore", invalid="ignore"):
        pair_items = np.where(defined, res["n"], 0).sum(1) / n_def
    se_j = np.fmax(se, _pair_jackknife_se(tables, np.where(defined, res["value"], np.nan), cell,
                                          (labels >= 0).any(-1)))
    return Stats(np.where(ok, value, np.nan), np.where(ok, se, np.nan), np.where(ok, se_j, np.nan), pe_mean,
                 counts_stats.n_pairable, counts_stats.mean_raters, counts_stats.prevalence,
                 counts_stats.ratings_counts, "pairs", n_def.astype(float), pair_items, features=feats, statistic=stat)


def coefficient_stats(labels: np.ndarray, q: int) -> dict[str, Stats]:
    """Every coefficient of the summary on every pilot: Cohen's kappa and Scott's pi for two raters,
    Light's kappa for more (as :func:`analytics.agreement_summary`)."""
    m = labels.shape[-1]
    counts = onehot_counts(labels, q)
    out = _count_family(counts, q, m)
    out["krippendorff_alpha"] = _alpha(counts, m)
    if m == 2:
        out.update(_two_raters(labels, q))
    else:
        out["light_kappa"] = _light(labels, q, out["fleiss_kappa"])
    return out
