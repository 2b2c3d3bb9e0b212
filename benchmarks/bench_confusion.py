"""Confusion hotspots and taxonomy recommendations: speed on 1,000,000 annotations and on the real datasets.

    PYTHONPATH=. python benchmarks/bench_confusion.py            # full run
    PYTHONPATH=. python benchmarks/bench_confusion.py --quick    # 100,000 annotations, smoke run

(a) 1,000,000 annotations (200,000 items × 5 annotators × 10 classes, 15 % uniform errors plus a 3↔5 swap):
    ``confusion_matrix_between_annotators`` against the two usual ways to get the same inter-annotator
    coincidence matrix without the engine — scikit-learn ``confusion_matrix`` summed over the 20 ordered
    annotator pairs (divided by m − 1 = 4), and a pandas self-join on ``item_id`` + ``crosstab`` — checked equal
    to 1e-9; then ``confusion_hotspots`` (top 10, with per-class kappas, annotator shares, gold verdicts and
    examples) from a fresh set (cold: every table built) and again (warm: tables cached on the set).
(b) ``recommend_taxonomy_changes`` on the bundled samples and the real crowd datasets (``--datasets``).

Every timing is the best of ``--repeat`` runs (the machine is shared; the least disturbed run is the fairest).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def best(func, repeat: int, setup=None):
    times, out = [], None
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return min(times), out


def labels_matrix(n_items: int, n_annotators: int = 5, n_categories: int = 10, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_categories, n_items)
    labels = np.repeat(truth[:, None], n_annotators, axis=1)
    flip = rng.random(labels.shape) < 0.15
    labels[flip] = rng.integers(0, n_categories, flip.sum())
    swap = np.isin(labels, [3, 5]) & (rng.random(labels.shape) < 0.2)
    labels[swap] = np.where(labels[swap] == 3, 5, 3)
    return labels


def part_a(n_items: int, repeat: int) -> dict:
    from sklearn.metrics import confusion_matrix

    from analytics import confusion_hotspots, confusion_matrix_between_annotators, validate_annotations

    labels = labels_matrix(n_items)
    n, a = labels.shape
    frame = pd.DataFrame({"item_id": np.repeat(np.arange(n, dtype=np.int32), a),
                          "annotator_id": np.tile(np.arange(a, dtype=np.int16), n), "label": labels.ravel()})
    start = time.perf_counter()
    aset = validate_annotations(frame)
    load_s = time.perf_counter() - start
    order = [int(c) for c in aset.categories]

    def sklearn_pairs() -> np.ndarray:
        total = sum(confusion_matrix(labels[:, i], labels[:, j], labels=order)
                    for i, j in itertools.permutations(range(a), 2))
        return total / (a - 1)

    def pandas_join() -> np.ndarray:
        f = frame[["item_id", "annotator_id", "label"]]
        pairs = f.merge(f, on="item_id")
        pairs = pairs[pairs["annotator_id_x"] != pairs["annotator_id_y"]]
        table = pd.crosstab(pairs["label_x"], pairs["label_y"]).reindex(index=order, columns=order, fill_value=0)
        return table.to_numpy() / (a - 1)

    ours_s, cm = best(lambda: confusion_matrix_between_annotators(aset).counts.to_numpy(), repeat,
                      setup=aset._cache.clear)
    sk_s, sk = best(sklearn_pairs, repeat)
    pd_s, pj = best(pandas_join, max(1, repeat // 2))
    assert np.allclose(cm, sk, atol=1e-9) and np.allclose(cm, pj, atol=1e-9)
    cold_s, hot = best(lambda: confusion_hotspots(aset), repeat, setup=aset._cache.clear)
    warm_s, _ = best(lambda: confusion_hotspots(aset), repeat)
    return {"part": "a", "annotations": aset.n_annotations, "load_s": round(load_s, 3),
            "matrix_ours_s": round(ours_s, 4), "matrix_sklearn_pairs_s": round(sk_s, 4),
            "matrix_pandas_join_s": round(pd_s, 4), "ratio_sklearn": round(sk_s / ours_s, 1),
            "ratio_pandas": round(pd_s / ours_s, 1), "hotspots_cold_s": round(cold_s, 4),
            "hotspots_warm_s": round(warm_s, 4),
            "top_pair": [str(hot.iloc[0]["class_a"]), str(hot.iloc[0]["class_b"])]}


def part_b(datasets: Path, repeat: int) -> list[dict]:
    from analytics import load_annotations, recommend_taxonomy_changes

    root = Path(__file__).resolve().parents[1] / "sample_data"
    cases = {
        "retail": dict(source=root / "retail" / "annotations.csv", taxonomy=root / "retail" / "taxonomy.yaml",
                       gold=root / "retail" / "gold.csv"),
        "digits": dict(source=root / "digits" / "annotations.csv", taxonomy=root / "digits" / "taxonomy.yaml",
                       gold=root / "digits" / "gold.csv", predictions=root / "digits" / "predictions.csv"),
        "dog": dict(source=datasets / "dog" / "answers.csv", gold=datasets / "dog" / "truth.csv"),
        "face": dict(source=datasets / "face" / "answers.csv", gold=datasets / "face" / "truth.csv"),
        "cifar10h": dict(source=datasets / "cifar10h" / "human_counts.csv", gold=datasets / "cifar10h" / "truth.csv",
                         predictions=datasets / "cifar10h" / "model_probs_resnet18.csv"),
    }
    out = []
    for name, kw in cases.items():
        if not Path(kw["source"]).exists():
            out.append({"part": "b", "dataset": name, "skipped": "not available"})
            continue
        aset = load_annotations(kw.pop("source"), **kw)
        seconds, rec = best(lambda: recommend_taxonomy_changes(aset), repeat, setup=aset._cache.clear)
        out.append({"part": "b", "dataset": name, "annotations": aset.n_annotations, "seconds": round(seconds, 3),
                    "recommended": sum(r.recommended for r in rec), "held_back": sum(not r.recommended for r in rec)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 annotations instead of 1,000,000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--datasets", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(json.dumps(part_a(20_000 if args.quick else 200_000, args.repeat)))
    for row in part_b(args.datasets, args.repeat):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
