"""Review routing on CIFAR-10H: 10,000 images, about 51 anonymous raters each (Peterson et al. 2019).

Loads ``human_counts.csv`` as a counts table, routes every item with ``route_for_review`` (anonymous raters: the
exact binomial test on the vote split, threshold 0.95) and compares routed with accepted items: their majority
share, their support, and — against ``truth.csv`` (the CIFAR-10 test labels) — the error rate of the consensus.
The old rule (any dissent → senior review) is shown beside it.

    PYTHONPATH=. python benchmarks/routing_cifar10h.py [--datasets /work/shared/datasets] [--threshold 0.95]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd

import analytics as aqa


def quantiles(values: pd.Series) -> str:
    q = values.quantile([0.1, 0.25, 0.5, 0.75, 0.9]).to_numpy()
    return " / ".join(f"{v:.3f}" for v in q)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=os.path.join(os.environ.get("AQA_SHARED_DIR", "/work/shared"), "datasets"))
    parser.add_argument("--threshold", type=float, default=0.95)
    args = parser.parse_args()
    folder = Path(args.datasets) / "cifar10h"
    aset = aqa.load_annotations(folder / "human_counts.csv", format="counts")
    truth = pd.read_csv(folder / "truth.csv", dtype=str).set_index("image_index")["true_label"]
    routed = aqa.route_for_review(aset, threshold=args.threshold)
    print(routed.attrs["rule"])
    print()
    summary = aqa.review_summary(routed)
    print("| decision | items | share |\n|---|---|---|")
    for row in summary.itertuples(index=False):
        print(f"| {row.decision} | {row.n_items:,} | {row.share:.2%} |")
    old = (routed["agreement"] < 1).mean()
    print(f"\nOld rule (any dissent → review): {old:.2%} of items routed ({int(round(old * len(routed))):,}).\n")
    t = truth.reindex(routed["item_id"].astype(str)).to_numpy()
    wrong = routed["consensus"].astype(object).to_numpy() != t
    is_routed = (routed["decision"].astype(str) != "accept").to_numpy()
    print("| group | items | majority share, 10/25/50/75/90 % quantiles | support, 10/25/50/75/90 % quantiles "
          "| consensus ≠ CIFAR-10 label |\n|---|---|---|---|---|")
    for name, mask in (("routed", is_routed), ("accepted", ~is_routed)):
        part = routed[mask]
        print(f"| {name} | {mask.sum():,} | {quantiles(part['agreement'])} | {quantiles(part['support'])} | "
              f"{wrong[mask].mean():.2%} ({wrong[mask].sum()} of {mask.sum():,}) |")
    print(f"\nWrong consensus labels routed: {is_routed[wrong].sum()} of {wrong.sum()} "
          f"({is_routed[wrong].mean():.1%}); the routed items hold {wrong[is_routed].sum() / wrong.sum():.1%} of the "
          f"consensus errors with {is_routed.mean():.2%} of the items.")


if __name__ == "__main__":
    main()
