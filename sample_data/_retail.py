"""Synthetic retail-product labeling pilot (hierarchical taxonomy, no images).

Called from ``make_samples.py``; see ``sample_data/README.md`` for the findings the
sample is built to show.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from _common import iso_utc, lognormal_durations, work_day_schedule, write_csv, write_yaml

OTHER = "Other"
# (name, parent, definition, examples); examples only for leaves.
TAXONOMY: list[tuple[str, str | None, str, list[str]]] = [
    ("Apparel", None, "Clothing worn on the body (not footwear or bags).", []),
    ("Tops", "Apparel", "Garments worn on the upper body.", []),
    ("Shirt", "Tops", "Woven top with a collar and a full button front, usually structured "
     "fabric.", ["oxford button-down shirt", "flannel work shirt"]),
    ("Blouse", "Tops", "Light, loose top, typically women's, in soft or sheer fabric; may have "
     "buttons, ties or ruffles.", ["silk pussy-bow blouse", "ruffled chiffon top"]),
    ("T-shirt", "Tops", "Knitted pullover top without collar or buttons.",
     ["crew-neck cotton tee", "long-sleeve graphic tee"]),
    ("Bottoms", "Apparel", "Garments worn from the waist down.", []),
    ("Jeans", "Bottoms", "Trousers made of denim, typically five pockets and rivets.",
     ["slim-fit blue jeans", "black skinny denim"]),
    ("Trousers", "Bottoms", "Full-length legwear in a non-denim fabric.",
     ["navy chinos", "wool suit trousers"]),
    ("Skirt", "Bottoms", "Garment hanging from the waist without separate legs.",
     ["pleated midi skirt", "denim mini skirt"]),
    ("Footwear", None, "Shoes and other items worn on the feet.", []),
    ("Sneakers", "Footwear", "Athletic or casual shoe with a rubber sole and a closed upper.",
     ["white leather trainers", "running shoes"]),
    ("Boots", "Footwear", "Footwear covering the ankle or higher.",
     ["chelsea boots", "hiking boots"]),
    ("Sandals", "Footwear", "Open footwear whose upper is made of straps.",
     ["leather slide sandals", "sport sandals with hook-and-loop straps"]),
    ("Bags", None, "Bags and other carry-alls.", []),
    ("Backpack", "Bags", "Bag carried on the back with two shoulder straps.",
     ["laptop backpack", "hiking daypack"]),
    ("Handbag", "Bags", "Small or medium bag with a closure, carried by hand or on the "
     "shoulder.", ["leather shoulder bag", "evening clutch"]),
    ("Tote", "Bags", "Large open-top bag with two parallel handles.",
     ["canvas shopper", "beach tote"]),
    (OTHER, None, "Product that fits none of the classes above, or that cannot be decided "
     "from the listing.", ["wool scarf", "sunglasses"]),
]
PARENT = {name: parent for name, parent, _, _ in TAXONOMY}
# True number of products per leaf (uneven prevalence, every leaf >= 12; 300 in total).
LEAF_COUNTS = {
    "Shirt": 38, "Blouse": 30, "T-shirt": 42, "Jeans": 32, "Trousers": 22, "Skirt": 16,
    "Sneakers": 30, "Boots": 15, "Sandals": 20, "Backpack": 16, "Handbag": 14, "Tote": 12,
    OTHER: 13,
}
LEAVES = list(LEAF_COUNTS)
N_GOLD = 40
ANNOTATORS = {"ann_a": (6.0, 0.40), "ann_b": (8.0, 0.35), "ann_c": (5.0, 0.45)}  # duration
WEEK = date(2026, 3, 16)

# Built-in findings (see README): share of a true class mislabeled, per annotator.
MERGE_PAIR = {"Shirt": "Blouse", "Blouse": "Shirt"}  # all annotators
P_MERGE_PAIR = 0.37
BOTTOMS_SWAP = {  # sibling confusion inside Bottoms, all annotators
    "Jeans": {"Trousers": 0.85, "Skirt": 0.15},
    "Trousers": {"Jeans": 0.65, "Skirt": 0.35},
    "Skirt": {"Trousers": 0.6, "Jeans": 0.4},
}
P_BOTTOMS_SWAP = 0.20
RETRAIN_PAIR = {"Sneakers": "Sandals", "Sandals": "Sneakers"}  # ann_c only
P_RETRAIN_PAIR = 0.40
RESIDUAL_ERROR = 0.02  # other wrong labels, share of the remaining real products
P_OTHER_MISSED = 0.10  # true Other products given a random leaf

COLOURS = ["red", "blue", "black", "white", "green"]
PATTERNS = ["striped", "plain", "floral", "checked"]
STYLES = ["casual", "formal", "sporty"]
VOCAB = COLOURS + PATTERNS + STYLES
COLOUR_P = [0.13, 0.25, 0.30, 0.20, 0.12]
PATTERN_P = {"Apparel": [0.22, 0.45, 0.18, 0.15], "default": [0.10, 0.75, 0.05, 0.10]}
STYLE_P = {  # (casual, formal, sporty) given that the product has a style tag
    "Shirt": (0.5, 0.5, 0), "Blouse": (0.4, 0.6, 0), "T-shirt": (0.7, 0, 0.3),
    "Jeans": (1, 0, 0), "Trousers": (0.4, 0.6, 0), "Skirt": (0.6, 0.4, 0),
    "Sneakers": (0.4, 0, 0.6), "Boots": (0.6, 0.4, 0), "Sandals": (0.8, 0, 0.2),
    "Backpack": (0.5, 0, 0.5), "Handbag": (0.3, 0.7, 0), "Tote": (1, 0, 0),
    OTHER: (0.5, 0.3, 0.2),
}
P_HAS_STYLE = 0.7
PATTERN_NEIGHBOUR = {"striped": "checked", "checked": "striped", "plain": "striped",
                     "floral": "plain"}
# Per annotator: P(drop the true style), P(add a style to a product without one).
STYLE_DROP_ADD = {"ann_a": (0.12, 0.12), "ann_b": (0.06, 0.22), "ann_c": (0.10, 0.16)}
P_STYLE_SWAP = 0.07


def taxonomy_yaml() -> dict:
    """taxonomy.yaml content; ``unknown`` is written only where true (default false)."""
    classes = []
    for name, parent, definition, examples in TAXONOMY:
        entry: dict = {"name": name}
        if parent is not None:
            entry["parent"] = parent
        entry["definition"] = definition
        if examples:
            entry["examples"] = examples
        if name == OTHER:
            entry["unknown"] = True
        classes.append(entry)
    return {"classes": classes}


def plan_labels(
    rng: np.random.Generator, annotator_id: str, items: list[tuple[str, str]]
) -> dict[str, str]:
    """The leaf label this annotator gives to every product.

    Errors are exact quotas per true class (e.g. 37 % of the true Shirts become Blouse)
    rather than independent coin flips, so the built-in findings do not depend on
    sampling noise. First the designed confusions, then a residual 2 % of the remaining
    products get a wrong label (Other, a sibling or any leaf), and 10 % of the true
    Other products get a random leaf.
    """
    rules: list[tuple[dict[str, dict[str, float]], float]] = [
        ({k: {v: 1.0} for k, v in MERGE_PAIR.items()}, P_MERGE_PAIR),
        (BOTTOMS_SWAP, P_BOTTOMS_SWAP),
    ]
    if annotator_id == "ann_c":
        rules.append(({k: {v: 1.0} for k, v in RETRAIN_PAIR.items()}, P_RETRAIN_PAIR))
    labels = dict(items)
    real_leaves = [leaf for leaf in LEAVES if leaf != OTHER]
    changed: set[str] = set()
    for swaps, rate in rules:
        for true, options in swaps.items():
            ids = [iid for iid, t in items if t == true]
            for iid in rng.choice(ids, round(rate * len(ids)), replace=False):
                labels[iid] = str(rng.choice(list(options), p=list(options.values())))
                changed.add(iid)
    others = [iid for iid, t in items if t == OTHER]
    for iid in rng.choice(others, round(P_OTHER_MISSED * len(others)), replace=False):
        labels[iid] = str(rng.choice(real_leaves))
    candidates = [iid for iid, t in items if t != OTHER and iid not in changed]
    for iid in rng.choice(candidates, round(RESIDUAL_ERROR * len(candidates)), replace=False):
        true = labels[iid]
        siblings = [x for x in real_leaves if PARENT[x] == PARENT[true] and x != true]
        u = rng.random()
        pool = [OTHER] if u < 0.2 else siblings if u < 0.6 else [
            x for x in real_leaves if x != true]
        labels[iid] = str(rng.choice(pool))
    return labels


def true_tags(rng: np.random.Generator, leaf: str) -> list[str]:
    """True tag set: one colour, one pattern and (70 %) one style."""
    group = "Apparel" if PARENT.get(PARENT[leaf] or "") == "Apparel" else "default"
    tags = [str(rng.choice(COLOURS, p=COLOUR_P)), str(rng.choice(PATTERNS, p=PATTERN_P[group]))]
    if rng.random() < P_HAS_STYLE:
        weights = np.array(STYLE_P[leaf], dtype=float)
        tags.append(str(rng.choice(STYLES, p=weights / weights.sum())))
    return tags


def simulate_tags(rng: np.random.Generator, annotator_id: str, truth: list[str]) -> list[str]:
    """One annotator's tag set: colours nearly perfect, patterns good, styles ambiguous."""
    colour, pattern = truth[0], truth[1]
    style = truth[2] if len(truth) > 2 else None
    if rng.random() >= 0.01:
        tags = {colour}
    else:
        tags = {str(rng.choice([c for c in COLOURS if c != colour]))}
    if rng.random() < 0.005:
        tags.add(str(rng.choice(COLOURS)))
    tags.add(pattern if rng.random() >= 0.04 else PATTERN_NEIGHBOUR[pattern])
    if rng.random() < 0.01:
        tags.add(str(rng.choice(PATTERNS)))
    p_drop, p_add = STYLE_DROP_ADD[annotator_id]
    u = rng.random()
    if style is not None:
        if u < P_STYLE_SWAP:
            tags.add(str(rng.choice([s for s in STYLES if s != style])))
        elif u >= P_STYLE_SWAP + p_drop:
            tags.add(style)
    elif u < p_add:
        tags.add(str(rng.choice(STYLES)))
    return [t for t in VOCAB if t in tags]


def make_retail(out: Path, rng: np.random.Generator) -> None:
    """Write the retail sample (taxonomy, annotations, gold, truth, tags) to ``out``."""
    labels = np.array([leaf for leaf, n in LEAF_COUNTS.items() for _ in range(n)])
    labels = labels[rng.permutation(len(labels))]
    items = [(f"p{i + 1:03d}", str(label)) for i, label in enumerate(labels)]

    # Golden set: the first 3 products of every leaf (items are shuffled) plus random extras.
    gold = {iid for leaf in LEAVES for iid in [i for i, t in items if t == leaf][:3]}
    rest = [iid for iid, _ in items if iid not in gold]
    gold.update(rng.choice(rest, N_GOLD - len(gold), replace=False).tolist())

    rows = []
    days = rng.permutation(5)
    for a_idx, (ann, (median_s, sigma)) in enumerate(ANNOTATORS.items()):
        labels = plan_labels(rng, ann, items)
        order = [items[i] for i in rng.permutation(len(items))]
        durations = lognormal_durations(rng, len(order), median_s, sigma)
        stamps = work_day_schedule(rng, WEEK + timedelta(days=int(days[a_idx])), durations)
        for (iid, _), dur, ts in zip(order, durations, stamps):
            rows.append((iso_utc(ts), ann, iid, labels[iid], f"{dur:.1f}"))
    rows.sort()
    write_csv(out / "annotations.csv",
              ["item_id", "annotator_id", "label", "round", "timestamp", "duration_s"],
              [[iid, ann, label, 1, ts, dur] for ts, ann, iid, label, dur in rows])
    write_csv(out / "gold.csv", ["item_id", "gold_label"],
              [[iid, true] for iid, true in items if iid in gold])
    write_csv(out / "truth.csv", ["item_id", "true_label"], items)
    write_yaml(out / "taxonomy.yaml", taxonomy_yaml())

    tag_truth = {iid: true_tags(rng, leaf) for iid, leaf in items}
    write_csv(out / "tags_truth.csv", ["item_id", "true_tags"],
              [[iid, json.dumps(tags)] for iid, tags in tag_truth.items()])
    write_csv(out / "tags.csv", ["item_id", "annotator_id", "label"],
              [[iid, ann, json.dumps(simulate_tags(rng, ann, tags))]
               for iid, tags in tag_truth.items() for ann in ANNOTATORS])


def _pairwise_agreement(df: pd.DataFrame, column: str) -> float:
    """Mean share of agreeing annotator pairs per item for ``column``."""
    values = df.pivot(index="item_id", columns="annotator_id", values=column)
    pairs = list(itertools.combinations(values.columns, 2))
    return float(np.mean([(values[a] == values[b]).mean() for a, b in pairs]))


def report_retail(out: Path) -> None:
    """Print what the retail sample actually contains."""
    ann = pd.read_csv(out / "annotations.csv", dtype=str)
    df = ann.merge(pd.read_csv(out / "truth.csv", dtype=str), on="item_id")
    df["correct"] = df.label == df.true_label
    print(f"retail: {len(ann)} annotations, {ann.item_id.nunique()} products, "
          f"{len(pd.read_csv(out / 'gold.csv'))} golden, true Other "
          f"{(df.true_label == OTHER).sum() // 3}")
    sb = df.true_label.isin(MERGE_PAIR)
    bottoms = df.true_label.isin(BOTTOMS_SWAP)
    fw = df.true_label.isin(RETRAIN_PAIR)
    rest = ~(sb | bottoms | fw)
    print("  leaf accuracy: all | Shirt<->Blouse swap | Bottoms leaf / parent | "
          "Sneakers<->Sandals swap | other classes | Other used")
    for a, g in df.groupby("annotator_id"):
        swap = (g.label == g.true_label.map(MERGE_PAIR))[g.true_label.isin(MERGE_PAIR)].mean()
        b = g[g.true_label.isin(BOTTOMS_SWAP)]
        f = g[g.true_label.isin(RETRAIN_PAIR)]
        print(f"  {a}  {g.correct.mean():.3f} | {swap:.2f} | {b.correct.mean():.2f} / "
              f"{(b.label.map(PARENT) == 'Bottoms').mean():.3f} | "
              f"{(f.label == f.true_label.map(RETRAIN_PAIR)).mean():.2f} | "
              f"{g[rest[g.index]].correct.mean():.3f} | {(g.label == OTHER).mean():.3f}")
    merged = df.assign(label=df.label.replace({"Blouse": "Shirt"}))
    sb_items = df[sb]
    print(f"  pairwise agreement, all products: {_pairwise_agreement(df, 'label'):.3f}, with "
          f"Shirt+Blouse merged: {_pairwise_agreement(merged, 'label'):.3f}; on Shirt/Blouse "
          f"products {_pairwise_agreement(sb_items, 'label'):.3f} -> "
          f"{_pairwise_agreement(merged[sb], 'label'):.3f}")
    bt = df[bottoms].assign(parent=lambda d: d.label.map(PARENT))
    print(f"  pairwise agreement on Bottoms products: leaf {_pairwise_agreement(bt, 'label'):.3f}"
          f", parent {_pairwise_agreement(bt, 'parent'):.3f}")

    tags = pd.read_csv(out / "tags.csv", dtype=str)
    truth = pd.read_csv(out / "tags_truth.csv", dtype=str).set_index("item_id").true_tags
    for name, group in (("colour", COLOURS), ("pattern", PATTERNS), ("style", STYLES)):
        def subset(cell: str, group: list[str] = group) -> str:
            return str([t for t in json.loads(cell) if t in group])

        part = tags.assign(part=tags.label.map(subset))
        true_part = truth.map(subset)
        acc = (part.part == part.item_id.map(true_part)).mean()
        print(f"  tags {name:7s}: accuracy vs truth {acc:.3f}, pairwise disagreement "
              f"{1 - _pairwise_agreement(part, 'part'):.3f}")
    exact = (tags.label == tags.item_id.map(truth)).groupby(tags.annotator_id).mean()
    print("  tags exact-set accuracy: " + ", ".join(f"{a} {v:.3f}" for a, v in exact.items()))
