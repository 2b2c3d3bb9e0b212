"""Benchmark: Dawid–Skene EM per iteration, Annotation QA vs crowd-kit, on simulated annotators.

Run from the repository root with the peers environment (crowd-kit is not a dependency)::

    PYTHONPATH=. /work/venv-peers/bin/python benchmarks/bench_consensus.py            # 200,000 items × 5 × 10
    PYTHONPATH=. /work/venv-peers/bin/python benchmarks/bench_consensus.py --items 20000   # quick check

Time per EM iteration is measured by differencing: the wall time of a fit with ``k2`` iterations minus
that with ``k1`` iterations, divided by ``k2 - k1`` (convergence checks disabled), so setup costs (data
conversion, initialisation) cancel. Both libraries get the same annotations as a pandas DataFrame;
Annotation QA's time to build its ``AnnotationSet`` is reported separately. Consensus accuracy against
the simulated truth is compared after a full default fit of each library.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
import pandas as pd


def simulate(n_items: int, n_annotators: int, n_classes: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Every annotator labels every item; annotator *a* is right with probability 0.55–0.9, else a
    class drawn from its own random confusion row (so errors are structured, not uniform)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(n_classes, size=n_items, p=rng.dirichlet(np.full(n_classes, 5.0)))
    accuracy = np.linspace(0.55, 0.9, n_annotators)
    labels = []
    for a in range(n_annotators):
        errors = rng.dirichlet(np.full(n_classes, 0.5), size=n_classes)
        np.fill_diagonal(errors, 0.0)
        errors /= errors.sum(axis=1, keepdims=True)
        conf = accuracy[a] * np.eye(n_classes) + (1 - accuracy[a]) * errors
        cum = conf.cumsum(axis=1)[truth]
        labels.append((rng.random(n_items)[:, None] > cum).sum(axis=1).clip(max=n_classes - 1))
    frame = pd.DataFrame({
        "task": np.repeat(np.arange(n_items), n_annotators),
        "worker": np.tile(np.arange(n_annotators), n_items),
        "label": np.stack(labels, axis=1).ravel(),
    })
    return frame, truth


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--k1", type=int, default=2, help="iterations of the shorter fit")
    parser.add_argument("--k2", type=int, default=6, help="iterations of the longer fit (crowd-kit)")
    parser.add_argument("--k2-ours", type=int, default=22, help="iterations of the longer fit (ours)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from crowdkit.aggregation import DawidSkene

    from analytics import dawid_skene, load_annotations
    from analytics.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    frame, truth = simulate(args.items, args.annotators, args.classes)
    n = len(frame)
    t0 = time.perf_counter()
    aset = load_annotations(frame.rename(columns={"task": "item_id", "worker": "annotator_id"}), format="tidy")
    t_load = time.perf_counter() - t0
    truth_s = pd.Series(truth.astype(str), index=np.arange(args.items).astype(str))

    def ours(k: int):
        return dawid_skene(aset, max_iter=k, tol=0.0)

    def theirs(k: int):
        return DawidSkene(n_iter=k, tol=-np.inf).fit(frame)

    ours_k1 = timed(lambda: ours(args.k1), args.repeat)
    ours_k2 = timed(lambda: ours(args.k2_ours), args.repeat)
    ck_k1 = timed(lambda: theirs(args.k1), 1)
    ck_k2 = timed(lambda: theirs(args.k2), 1)
    per_ours = (ours_k2 - ours_k1) / (args.k2_ours - args.k1)
    per_ck = (ck_k2 - ck_k1) / (args.k2 - args.k1)

    t0 = time.perf_counter()
    res = dawid_skene(aset)
    t_ours_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    ck = DawidSkene(n_iter=100).fit(frame)
    t_ck_full = time.perf_counter() - t0
    acc_ours = float((res.labels.reindex(truth_s.index).astype(str) == truth_s).mean())
    ck_labels = ck.labels_.copy()
    ck_labels.index = ck_labels.index.astype(str)
    acc_ck = float((ck_labels.reindex(truth_s.index).astype(str) == truth_s).mean())
    agree = float((res.labels.reindex(truth_s.index).astype(str) == ck_labels.reindex(truth_s.index).astype(str)).mean())

    print(f"Dawid–Skene, {args.items:,} items × {args.annotators} annotators × {args.classes} classes "
          f"= {n:,} annotations; {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print()
    print("| | Annotation QA | crowd-kit DawidSkene | ratio |")
    print("|---|---|---|---|")
    print(f"| time per EM iteration | {per_ours * 1e3:.1f} ms | {per_ck * 1e3:.0f} ms | **{per_ck / per_ours:.1f}×** |")
    print(f"| full default fit (s) | {t_ours_full:.2f} ({res.n_iter} iterations) | {t_ck_full:.1f} "
          f"({len(ck.loss_history_)} iterations) | {t_ck_full / t_ours_full:.1f}× |")
    print(f"| consensus accuracy vs simulated truth | {acc_ours:.4f} | {acc_ck:.4f} | {acc_ours - acc_ck:+.4f} |")
    print(f"| building the AnnotationSet (s) | {t_load:.2f} | — | |")
    print()
    print(f"Labels identical on {agree:.2%} of items. Per-iteration times by differencing fits of "
          f"{args.k1} and {args.k2_ours} (ours, best of {args.repeat}) / {args.k1} and {args.k2} (crowd-kit) iterations.")


if __name__ == "__main__":
    main()
