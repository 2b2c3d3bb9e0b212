"""Consensus accuracy against ground truth on real crowd data: Annotation QA vs crowd-kit.

Run from the repository root with the peers environment::

    PYTHONPATH=. /work/venv-peers/bin/python benchmarks/consensus_accuracy.py [--datasets /work/shared/datasets]

Prints, per dataset, the share of items whose consensus equals the truth for Dawid–Skene (ours with
default options; crowd-kit ``DawidSkene(n_iter=100)``) and majority vote (ours with ties broken at
random, seed 0, and with ties left unresolved counted as wrong; crowd-kit ``MajorityVote``).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd


def accuracy(labels: pd.Series, truth: pd.Series) -> float:
    labels = labels.copy()
    labels.index = labels.index.astype(str)
    return float((labels.reindex(truth.index).astype(str) == truth).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    parser.add_argument("names", nargs="*", default=["dog", "face", "duck", "product"])
    args = parser.parse_args()

    from crowdkit.aggregation import DawidSkene, MajorityVote

    from analytics import dawid_skene, load_annotations, majority_vote
    from analytics.exceptions import ConvergenceWarning

    print("| dataset | items | annotations | DS (ours) | DS iterations | DS (crowd-kit) | MV (ours, random ties) "
          "| MV (ours, ties unresolved) | MV (crowd-kit) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.names:
        folder = args.datasets / name
        answers = pd.read_csv(folder / "answers.csv")
        truth_frame = pd.read_csv(folder / "truth.csv")
        truth = pd.Series(truth_frame["truth"].astype(str).to_numpy(), index=truth_frame["question"].astype(str))
        aset = load_annotations(answers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ds = dawid_skene(aset)
        crowd = answers.rename(columns={"question": "task", "answer": "label"})
        row = [
            accuracy(ds.labels, truth), f"{ds.n_iter}{'' if ds.converged else ' (max)'}",
            accuracy(DawidSkene(n_iter=100).fit_predict(crowd), truth),
            accuracy(majority_vote(aset, tie="random", seed=0).labels, truth),
            accuracy(majority_vote(aset).labels, truth),
            accuracy(MajorityVote().fit_predict(crowd), truth),
        ]
        cells = [f"{v:.4f}" if isinstance(v, float) else v for v in row]
        print(f"| {name} | {len(truth):,} | {len(answers):,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
