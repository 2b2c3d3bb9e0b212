"""Label errors on CIFAR-10: does combining the people and the model find planted label flips better than either alone?

Data (``../shared/datasets/cifar10h``): the CIFAR-10 test labels (``truth.csv``) as the given labels, the CIFAR-10H
human votes (``human_counts.csv``, about 51 anonymous raters per image) and a ResNet-18's probabilities
(``model_probs_resnet18.csv``). For each seed, 1 % of the given labels (100 images) are flipped to a random other
class; every image is then ranked by ``find_label_errors`` three ways:

* combined  — people and model as independent evidence (``find_label_errors(aset, given=…, predictions=…)``,
              ranked by ``log_odds_wrong``);
* votes     — the people alone (``find_label_errors(aset, given=…)`` without predictions: the
              Dirichlet-multinomial posterior of the votes, ranked by ``log_odds_wrong``);
* model     — the model alone: confident learning's self-confidence ranking (lowest model probability of the given
              label first; Northcutt et al. 2021).

Average precision of each ranking for the planted flips (sklearn.metrics.average_precision_score) is reported per
seed and on average. Nothing is tuned: the combination is Bayes' rule with the people model's class priors. The
items that are not planted flips but rank highest on the unflipped labels are listed with their evidence (likely
real CIFAR-10 test-set label errors).

    PYTHONPATH=. python benchmarks/label_errors_cifar10.py [--seeds 20] [--items N] [--top 30]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

import analytics as aqa


def load(folder: Path, n_items: int | None = None):
    counts = pd.read_csv(folder / "human_counts.csv")
    probs = pd.read_csv(folder / "model_probs_resnet18.csv")
    truth = pd.read_csv(folder / "truth.csv")
    if n_items is not None:
        counts, probs, truth = counts.head(n_items), probs.head(n_items), truth.head(n_items)
    aset = aqa.load_annotations(counts.astype({"image_index": str}), format="counts", item="image_index")
    preds = probs.rename(columns={"image_index": "item_id"}).assign(item_id=lambda f: f["item_id"].astype(str))
    given = pd.Series(truth["true_label"].to_numpy(), index=truth["image_index"].astype(str))
    return aset, preds, given


def flip(given: pd.Series, categories: list[str], seed: int, share: float = 0.01) -> tuple[pd.Series, np.ndarray]:
    """Flip ``share`` of the labels to a random other class; returns the noisy labels and the flip mask."""
    rng = np.random.default_rng(seed)
    codes = pd.Categorical(given.to_numpy(), categories=categories).codes.astype(np.int64)
    chosen = rng.choice(len(codes), int(round(share * len(codes))), replace=False)
    codes[chosen] = (codes[chosen] + rng.integers(1, len(categories), len(chosen))) % len(categories)
    mask = np.zeros(len(codes), dtype=bool)
    mask[chosen] = True
    return pd.Series(np.asarray(categories, dtype=object)[codes], index=given.index), mask


def average_precisions(aset, preds: pd.DataFrame, given: pd.Series, seed: int) -> dict[str, float]:
    noisy, planted = flip(given, list(aset.categories), seed)
    truth = pd.Series(planted, index=given.index)
    combined = aqa.find_label_errors(aset, given=noisy, predictions=preds).scores
    votes = aqa.find_label_errors(aset, given=noisy).scores
    out = {}
    for name, table, score in (("combined", combined, combined["log_odds_wrong"]),
                               ("votes", votes, votes["log_odds_wrong"]),
                               ("model", combined, -combined["model_p_given"])):
        y = truth.reindex(table["item_id"].astype(str)).to_numpy()
        out[name] = float(average_precision_score(y, score.to_numpy()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=os.path.join(os.environ.get("AQA_SHARED_DIR", "/work/shared"), "datasets"))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--items", type=int, default=None, help="use the first N images only")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    aset, preds, given = load(Path(args.datasets) / "cifar10h", args.items)
    rows = [{"seed": s, **average_precisions(aset, preds, given, s)}
            for s in range(args.first_seed, args.first_seed + args.seeds)]
    table = pd.DataFrame(rows)
    print(f"{len(table)} seeds, {aset.n_items:,} images, 1% flipped\n")
    print("| ranking | mean AP | min | max | seeds where combined is higher |\n|---|---|---|---|---|")
    for name in ("combined", "votes", "model"):
        wins = "—" if name == "combined" else f"{int((table['combined'] > table[name]).sum())} of {len(table)}"
        print(f"| {name} | {table[name].mean():.4f} | {table[name].min():.4f} | {table[name].max():.4f} | {wins} |")
    print("\nPer seed:\n" + table.round(4).to_string(index=False))

    res = aqa.find_label_errors(aset, given=given, predictions=preds)
    print(f"\nOn the CIFAR-10 labels as given (no flips): {res.sentence}\n")
    top = res.scores.head(args.top)
    print("| rank | image | CIFAR-10 label | suggested | P(label wrong) | votes (of ~51) | people P(label) "
          "| model P(label) | model P(suggested) | signal |\n|---|---|---|---|---|---|---|---|---|---|")
    for r in top.itertuples(index=False):
        print(f"| {r.rank} | {r.item_id} | {r.given_label} | {r.suggested_label} | {r.p_given_wrong:.4f} | {r.votes} "
              f"| {r.people_p_given:.2g} | {r.model_p_given:.3f} | {r.model_p_suggested:.3f} | {r.signal} |")


if __name__ == "__main__":
    main()
