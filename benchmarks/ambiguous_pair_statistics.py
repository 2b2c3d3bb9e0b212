"""How well does each statistic of a class pair tell the planted ambiguous pair from a clean pilot's pairs?

The decision benchmark (``decisions.py``) finds the ambiguous pair in 75 % of the 300-item, 3-rater pilots; its
overlap test is the merge gain of Fleiss' kappa. This study asks whether that is a limit of the data or of the
statistic: for each statistic it takes, on clean pilots (``_pilots.make_pilot("clean", ...)``), the largest value
over the 28 pairs of the eight classes (what a detector that must also find *which* pair would compare against), its
95th percentile as the threshold (≤ 5 % false alarms by construction), and the share of ambiguous-pair pilots whose
c0/c1 value exceeds it. The threshold is calibrated on the simulation, so this measures what the data can tell; it is
not yet a rule a user can state.

Statistics of a pair (x, y), over items:

* ``split_items`` — items whose votes include both x and y;
* ``split_rate`` — ``split_items`` / items whose plurality label is x or y;
* ``split_log_p`` — −log10 of the binomial tail P(X ≥ split_items) for the pair's item count at the pooled split rate
  of all pairs of the pilot;
* ``oracle`` — ``split_items`` of c0/c1 only, against the clean pilots' c0/c1 (a detector told which pair to test).

And one *stated* rule, not calibrated on the simulation: the pair's own agreement on which of the two classes
(:func:`analytics.taxonomy._pairstats.pair_agreement`, Fleiss' kappa of the pair's ratings) has a one-sided 95 %
upper bound below the 0.8 target. Its false-alarm rate is the share of clean pilots in which *any* of the 28 pairs
falls below (no threshold is fitted).

    PYTHONPATH=. python benchmarks/ambiguous_pair_statistics.py [--items 300] [--raters 3] [--seeds 60] [--clean 200]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pilots import CLASSES, make_pilot  # noqa: E402

PAIRS = list(itertools.combinations(CLASSES, 2))


def pair_statistics(pilot) -> dict[str, dict[tuple[str, str], float]]:
    """Every statistic of the module docstring for every pair of one pilot."""
    votes = pilot.annotations.groupby("item_id", sort=False)["label"]
    label_sets = votes.agg(set)
    plurality = votes.agg(lambda s: s.value_counts().index[0])
    split = {p: int(sum(p[0] in s and p[1] in s for s in label_sets)) for p in PAIRS}
    items = {p: int(plurality.isin(p).sum()) for p in PAIRS}
    pooled = sum(split.values()) / max(sum(items.values()), 1)
    return {
        "split_items": {p: float(split[p]) for p in PAIRS},
        "split_rate": {p: split[p] / max(items[p], 1) for p in PAIRS},
        "split_log_p": {p: float(-np.log10(max(stats.binom.sf(split[p] - 1, max(items[p], 1), min(pooled, 1.0)), 1e-300)))
                        for p in PAIRS},
    }


def pair_kappa_bounds(pilot) -> dict[tuple[str, str], float]:
    """The one-sided 95 % upper bound of every pair's own kappa (NaN where undefined)."""
    import warnings

    import analytics as aqa
    from analytics.taxonomy._pairstats import pair_agreement, units

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = units(aqa.load_annotations(pilot.annotations, categories=CLASSES + ["Unknown"]), "pairs")
    cats = list(aset.categories)
    codes = np.array([[cats.index(a), cats.index(b)] for a, b in PAIRS])
    return dict(zip(PAIRS, pair_agreement(aset, codes, 0.95)["ci_high"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--raters", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=60, help="ambiguous-pair pilots (seeds 0 …)")
    parser.add_argument("--clean", type=int, default=200, help="clean pilots (seeds 0 …)")
    args = parser.parse_args()
    ambiguous = [pair_statistics(make_pilot("ambiguous_pair", args.items, args.raters, s)) for s in range(args.seeds)]
    clean = [pair_statistics(make_pilot("clean", args.items, args.raters, s)) for s in range(args.clean)]
    target = ("c0", "c1")
    print(f"{args.items} items × {args.raters} raters; {args.seeds} ambiguous-pair pilots, {args.clean} clean pilots")
    print("| statistic | clean: 95th percentile of the largest pair | ambiguous: c0/c1 mean | found (above it) | "
          "c0/c1 is the largest pair |")
    print("|---|---:|---:|---:|---:|")
    for name in ("split_items", "split_rate", "split_log_p"):
        threshold = float(np.quantile([max(c[name].values()) for c in clean], 0.95))
        values = np.array([a[name][target] for a in ambiguous])
        top = np.mean([a[name][target] == max(a[name].values()) for a in ambiguous])
        print(f"| {name} | {threshold:.3g} | {values.mean():.3g} | {np.mean(values > threshold):.0%} | {top:.0%} |")
    threshold = float(np.quantile([c["split_items"][target] for c in clean], 0.95))
    values = np.array([a["split_items"][target] for a in ambiguous])
    print(f"| oracle (c0/c1 only) | {threshold:.3g} | {values.mean():.3g} | {np.mean(values > threshold):.0%} | — |")
    bounds_a = [pair_kappa_bounds(make_pilot("ambiguous_pair", args.items, args.raters, s)) for s in range(args.seeds)]
    bounds_c = [pair_kappa_bounds(make_pilot("clean", args.items, args.raters, s)) for s in range(args.clean)]
    found = np.mean([b[target] < 0.8 for b in bounds_a])
    alarms = np.mean([any(v < 0.8 for v in b.values()) for b in bounds_c])
    mean_bound = np.nanmean([b[target] for b in bounds_a])
    print(f"\nStated rule, pair kappa's one-sided 95 % upper bound < 0.8: found {found:.0%} (c0/c1 bound mean "
          f"{mean_bound:.3f}); clean pilots with any pair below: {alarms:.1%}")


if __name__ == "__main__":
    main()
