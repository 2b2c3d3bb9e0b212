"""Tables of the coverage study: the Markdown summary (benchmarks/README.md) and the lookup the quality report reads."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

TARGET = 0.93
#: Study method name -> the library's ``method=`` option.
LIBRARY_METHOD = {"score": "score", "wald": "analytic", "percentile": "bootstrap", "bca": "bca"}
ORDER = ["percent_agreement", "cohen_kappa", "light_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1",
         "brennan_prediger", "scott_pi"]
METHODS = ["wald", "logit", "wilson_u", "agresti_coull_u", "percentile", "bca", "score"]
KEY = ["coefficient", "n_items", "raters", "categories", "kappa", "prevalence", "missing"]


def _fmt(x: float, digits: int = 3) -> str:
    return "—" if not np.isfinite(x) else f"{x:.{digits}f}"


def _table(frame: pd.DataFrame, index: str, columns: list[str]) -> str:
    head = f"| {index} | " + " | ".join(columns) + " |\n|" + "---|" * (len(columns) + 1) + "\n"
    return head + "".join(f"| {i} | " + " | ".join(str(frame.loc[i, c]) for c in columns) + " |\n"
                          for i in frame.index)


def width_ratios(main: pd.DataFrame, method: str = "score") -> pd.DataFrame:
    """Per cell: the method's mean width over the narrowest mean width of any method with coverage ≥ 0.93 there."""
    ok = main[(main["coverage"] >= TARGET) & main["method"].isin(METHODS)]
    best = ok.groupby(KEY)["mean_width"].min().rename("narrowest")
    mine = main[main["method"] == method].set_index(KEY)
    out = mine[["coverage", "mean_width"]].join(best, how="inner")
    out["ratio"] = out["mean_width"] / out["narrowest"]
    return out.reset_index()


def markdown_summary(df: pd.DataFrame, *, elapsed: float, args, confirmed: pd.DataFrame | None = None) -> str:
    main = df[df["hard_share"] == 0]
    big = main[main["n_items"] >= 20]
    lines = [f"Coverage of nominal 95 % intervals: {main[KEY].drop_duplicates().shape[0]:,} (coefficient, design) "
             f"cells, {args.replicates:,} simulated pilots per cell ({args.boot_replicates} for the bootstrap methods, "
             f"{args.boot} resamples, n_items ≤ {args.boot_max_items}); {elapsed:.0f} s on this machine with "
             f"{getattr(args, 'workers', 1)} worker process(es) on {os.cpu_count()} cores (load average at the end "
             f"{os.getloadavg()[0]:.1f}).", ""]
    # before / after by n_items (worst cell)
    lines.append("**Worst-cell coverage by pilot size, before (Wald) → after (default score interval)**")
    lines.append("")
    rows = {}
    for n in sorted(main["n_items"].unique()):
        part = main[main["n_items"] == n]
        rows[n] = {c: f"{_fmt(part[(part.coefficient == c) & (part.method == 'wald')]['coverage'].min(), 2)} → "
                      f"{_fmt(part[(part.coefficient == c) & (part.method == 'score')]['coverage'].min(), 2)}"
                   for c in ORDER if c in set(part.coefficient)}
    t = pd.DataFrame(rows).T
    t.index.name = "n_items"
    lines.append(_table(t, "n_items", [c for c in ORDER if c in t.columns]))
    # per coefficient, every method, cells with n_items >= 20
    lines.append(f"**Every method, cells with n_items ≥ 20** (min / median coverage, share of cells ≥ {TARGET}, "
                 "median width, share of zero-width intervals)")
    lines.append("")
    recs = []
    for c in ORDER:
        for m in METHODS:
            part = big[(big.coefficient == c) & (big.method == m)]
            if part.empty:
                continue
            recs.append({"coefficient": c, "method": m, "min": _fmt(part.coverage.min()),
                         "median": _fmt(part.coverage.median()), f"≥ {TARGET}": f"{(part.coverage >= TARGET).mean():.0%}",
                         "median width": _fmt(part.mean_width.median()),
                         "zero width": f"{np.average(part.zero_width, weights=part.n_defined):.1%}"})
    if not recs:
        return "\n".join(lines + ["(no cell with n_items ≥ 20 in this run)"]) + "\n"
    t = pd.DataFrame(recs).set_index(["coefficient", "method"])
    t.index = [f"{a} / {b}" for a, b in t.index]
    lines.append(_table(t, "coefficient / method", list(t.columns)))
    # width check
    w = width_ratios(big)
    lines.append(f"**Width of the default** against the narrowest method reaching coverage ≥ {TARGET} in the same cell "
                 f"(n_items ≥ 20): median ratio {w.ratio.median():.2f}, 90th percentile {w.ratio.quantile(0.9):.2f}, "
                 f"cells with ratio > 1.3: {(w.ratio > 1.3).mean():.1%} (mostly skewed prevalence near kappa 1, where "
                 "narrower intervals cover the true value only because they ignore that a pilot of that size often "
                 "looks perfect at lower kappa too; see the README).")
    lines.append("")
    bad = big[(big.method == "score") & (big.coverage < TARGET)].sort_values("coverage")
    se = np.sqrt(0.95 * 0.05 / args.replicates)
    lines.append(f"**Cells with n_items ≥ 20 where the default covers less than {TARGET}:** {len(bad)} of "
                 f"{len(big[big.method == 'score'])} in the main run (Monte Carlo SE of a coverage near 0.95 with "
                 f"{args.replicates:,} pilots: {se:.4f}).")
    if len(bad):
        lines.append("")
        cols = KEY + ["mean_n_pairable", "coverage", "mean_width"]
        shown = bad[cols].copy()
        if confirmed is not None and len(confirmed):
            conf = confirmed.set_index(KEY)["coverage"]
            shown["confirmed"] = [conf.get(tuple(r), np.nan) for r in shown[KEY].itertuples(index=False)]
            cols = cols + ["confirmed"]
        for c in ("mean_n_pairable", "coverage", "mean_width", "confirmed"):
            if c in shown:
                shown[c] = shown[c].map(lambda x: f"{x:.3f}")
        lines.append(_table(shown.reset_index(drop=True), "#", cols))
        if confirmed is not None and len(confirmed):
            reps = int(confirmed.replicates.max())
            se_c = np.sqrt(0.95 * 0.05 / reps)
            still = [r for r in shown.itertuples(index=False) if float(r.confirmed) < TARGET]
            lines.append(f"Each of these designs was simulated again with {reps:,} fresh pilots (another seed; Monte "
                         f"Carlo SE {se_c:.4f}): the column `confirmed`. A cell counts as below the goal when the "
                         f"confirmation run is below {TARGET}: {len(still)} cell(s).")
    near = big[(big.method == "score") & (big.coverage >= TARGET) & (big.coverage < TARGET + 2 * se)]
    lines.append("")
    lines.append(f"How this is judged: a cell counts as below the goal only if its coverage is below {TARGET} and a "
                 f"re-run with fresh pilots confirms it; {len(near)} more cell(s) lie within two Monte Carlo SE above "
                 f"the goal ({TARGET}–{TARGET + 2 * se:.3f}), where the run cannot tell them from a true "
                 f"{TARGET}. Lowest coverage of the default at n_items ≥ 20: "
                 f"{big[big.method == 'score'].coverage.min():.3f}.")
    paired = big[(big.method == "score") & (big.mean_n_pairable >= 20)]
    lines.append("")
    lines.append(f"Counting instead the items each coefficient is computed from (items with two or more ratings, the "
                 f"estimate's n_items): {int((paired.coverage < TARGET).sum())} of {len(paired)} cells with 20 or "
                 f"more such items cover less than {TARGET} (worst {paired.coverage.min():.3f}). Monte Carlo standard "
                 f"error of a coverage near 0.95 with {args.replicates:,} pilots: "
                 f"{np.sqrt(0.95 * 0.05 / args.replicates):.4f}.")
    lines.append("")
    small = main[(main.method == "score") & (main.n_items < 20)]
    lines.append(f"Cells with n_items = 10 (reported as they are): default coverage min {small.coverage.min():.3f}, "
                 f"median {small.coverage.median():.3f}; Wald min "
                 f"{main[(main.method == 'wald') & (main.n_items < 20)].coverage.min():.3f}.")
    rob = df[df["hard_share"] > 0]
    if len(rob):
        lines.append("")
        lines.append("**Robustness — hard and easy items** (30 % of items hard; the model of the score interval is then "
                     "wrong): min / median coverage over cells")
        lines.append("")
        recs = []
        for c in ORDER:
            for m in ("wald", "score"):
                part = rob[(rob.coefficient == c) & (rob.method == m) & (rob.n_items >= 20)]
                if len(part):
                    recs.append({"coefficient / method": f"{c} / {m}", "min": _fmt(part.coverage.min()),
                                 "median": _fmt(part.coverage.median())})
        t = pd.DataFrame(recs).set_index("coefficient / method")
        lines.append(_table(t, "coefficient / method", list(t.columns)))
    return "\n".join(lines) + "\n"


def with_confirmed(df: pd.DataFrame, confirmed: pd.DataFrame | None) -> pd.DataFrame:
    """``df`` with the default's coverage replaced by the confirmation run's (more pilots) where a design was re-run."""
    if confirmed is None or confirmed.empty:
        return df
    conf = confirmed[confirmed.method == "score"].set_index(KEY)["coverage"]
    out = df.copy()
    idx = out.set_index(KEY).index
    hit = (out.method == "score").to_numpy() & idx.isin(conf.index)
    out.loc[hit, "coverage"] = conf.reindex(idx[hit]).to_numpy()
    return out


def lookup_table(df: pd.DataFrame, args, confirmed: pd.DataFrame | None = None) -> dict:
    """Worst and median coverage per coefficient, library method and pilot size (the quality report's claim); for
    designs re-run by the confirmation step the default's coverage is the re-run's (12,000 pilots)."""
    main = with_confirmed(df[df["hard_share"] == 0], confirmed)
    out: dict = {"study": {
        "script": "benchmarks/coverage.py", "confidence_level": 0.95, "replicates": args.replicates,
        "bootstrap_replicates": args.boot_replicates, "bootstrap_resamples": args.boot, "seed": args.seed,
        "confirm_replicates": getattr(args, "confirm_replicates", 0),
        "model": "latent class: each item has a true class drawn from the prevalence; each rating equals it with "
                 "probability sqrt(kappa), otherwise a draw from the prevalence; ratings missing at random",
        "grid": {"raters": sorted(int(x) for x in main.raters.unique()),
                 "categories": sorted(int(x) for x in main.categories.unique()),
                 "kappa": sorted(float(x) for x in main.kappa.unique()),
                 "prevalence": ["balanced", "one class 90 %"], "missing": sorted(float(x) for x in main.missing.unique())},
        "n_items": sorted(int(x) for x in main.n_items.unique()),
    }, "coverage": {}}
    for c in ORDER:
        for m, lib in LIBRARY_METHOD.items():
            part = main[(main.coefficient == c) & (main.method == m)]
            if part.empty:
                continue
            by_n = {}
            for n, g in part.groupby("n_items"):
                by_n[str(int(n))] = {"min": round(float(g.coverage.min()), 4), "median": round(float(g.coverage.median()), 4),
                                     "cells": int(len(g))}
            out["coverage"].setdefault(c, {})[lib] = by_n
    return out
