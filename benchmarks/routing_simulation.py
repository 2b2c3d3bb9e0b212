"""Review routing above three raters: which rule sends the right items to a person? A simulation with a known answer.

Pilots are generated with a known true label per item and a known set of *contested* items (items the rater
population genuinely splits on). Each annotator follows the item with probability ``r`` (their reliability) and
answers at random otherwise; the pool mixes good (r 0.85–0.98, 70 %), mediocre (r 0.60–0.85, 20 %) and careless
annotators (r 0–0.30, 10 %). 15 % of the items are contested: raters who follow the item choose the true label
with probability 0.5–0.7 and one confusable class otherwise. Every item gets ``m`` ratings from distinct
annotators.

Rules compared (threshold 0.95 wherever there is one):
* any dissent          — route every item whose ratings are not unanimous (the three-annotator rule applied as is);
* Dawid–Skene posterior — route when the Dawid–Skene posterior of the winning class is below 0.95;
* vote split           — ``route_for_review(method="vote_split")``: route when the probability that raters prefer the
                         top label to the runner-up is below 0.95 (exact binomial test on the vote split);
* weighted vote split  — ``route_for_review(method="weighted_vote_split")``: the same, each vote weighted by its
                         annotator's Dawid–Skene reliability (the default when annotator ids exist).

Reported per rule and number of ratings (mean over seeds): share routed, error rate of the consensus among accepted
and among routed items, the share of wrong consensus labels that are routed (caught), and the share of contested
items among routed and accepted items.

    PYTHONPATH=. python benchmarks/routing_simulation.py [--seeds 5] [--items 1000]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

import analytics as aqa


def simulate(n_items: int, m: int, seed: int, *, n_classes: int = 5, contested_share: float = 0.15):
    """A pilot with known truth: ``(annotations frame, truth Series, contested Series)``."""
    rng = np.random.default_rng(seed)
    n_pool = max(20, 2 * m)
    kind = rng.random(n_pool)
    reliability = np.where(kind < 0.7, rng.uniform(0.85, 0.98, n_pool),
                           np.where(kind < 0.9, rng.uniform(0.6, 0.85, n_pool), rng.uniform(0.0, 0.3, n_pool)))
    truth = rng.integers(0, n_classes, n_items)
    contested = rng.random(n_items) < contested_share
    confuser = (truth + rng.integers(1, n_classes, n_items)) % n_classes
    p_true = np.where(contested, rng.uniform(0.5, 0.7, n_items), 1.0)
    annotators = np.argsort(rng.random((n_items, n_pool)), axis=1)[:, :m]  # m distinct annotators per item
    follow = rng.random((n_items, m)) < reliability[annotators]
    population = np.where(rng.random((n_items, m)) < p_true[:, None], truth[:, None], confuser[:, None])
    labels = np.where(follow, population, rng.integers(0, n_classes, (n_items, m)))
    ids = np.array([f"i{k:05d}" for k in range(n_items)], dtype=object)
    frame = pd.DataFrame({"item_id": np.repeat(ids, m), "annotator_id": [f"a{a:03d}" for a in annotators.ravel()],
                          "label": [f"c{c}" for c in labels.ravel()]})
    return frame, pd.Series([f"c{c}" for c in truth], index=ids), pd.Series(contested, index=ids)


def rules(aset: aqa.AnnotationSet, threshold: float = 0.95) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Rule name → (consensus label per item, routed per item)."""
    from analytics._reshape import item_category_counts

    counts = item_category_counts(aset)
    cats = np.asarray(aset.categories, dtype=object)
    out = {"any dissent": (cats[counts.argmax(axis=1)], counts.max(axis=1) < counts.sum(axis=1))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = aqa.dawid_skene(aset, use_gold=False)
    post = ds.posteriors.to_numpy()
    out["Dawid–Skene posterior"] = (cats[post.argmax(axis=1)], post.max(axis=1) < threshold)
    for method, name in (("vote_split", "vote split"), ("weighted_vote_split", "weighted vote split")):
        routed = aqa.route_for_review(aset, method=method, threshold=threshold)
        out[name] = (routed["consensus"].astype(object).to_numpy(), (routed["decision"].astype(str) != "accept").to_numpy())
    return out


def evaluate(n_items: int, m: int, seed: int) -> pd.DataFrame:
    frame, truth, contested = simulate(n_items, m, seed)
    aset = aqa.load_annotations(frame)
    ids = pd.Index(aset.item_ids)
    t, c = truth.reindex(ids).to_numpy(), contested.reindex(ids).to_numpy()
    rows = []
    for name, (label, routed) in rules(aset).items():
        wrong = label != t
        rows.append({"rule": name, "routed": routed.mean(),
                     "error_accepted": wrong[~routed].mean() if (~routed).any() else np.nan,
                     "error_routed": wrong[routed].mean() if routed.any() else np.nan,
                     "wrong_caught": routed[wrong].mean() if wrong.any() else np.nan,
                     "contested_routed": c[routed].mean() if routed.any() else np.nan,
                     "contested_accepted": c[~routed].mean() if (~routed).any() else np.nan})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--ratings", default="4,5,7,10,25,51")
    args = parser.parse_args()
    print("| ratings | rule | routed | consensus error, accepted | consensus error, routed | wrong consensus routed "
          "| contested among routed | contested among accepted |")
    print("|---|---|---|---|---|---|---|---|")
    for m in [int(x) for x in args.ratings.split(",")]:
        table = pd.concat([evaluate(args.items, m, seed) for seed in range(args.seeds)])
        mean = table.groupby("rule", sort=False).mean()
        for rule, r in mean.iterrows():
            cells = [f"{v:.1%}" if np.isfinite(v) else "—" for v in r]
            print(f"| {m} | {rule} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
