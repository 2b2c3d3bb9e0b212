"""Benchmark: Dawid–Skene per EM iteration at 94 and 10 classes against crowd-kit, and convergence on real data.

Run from the repository root with the peers environment (crowd-kit is not a dependency), under the
benchmark lock so that only one timing job runs at a time::

    flock /tmp/aqa-bench.lock env PYTHONPATH=. /work/venv-peers/bin/python benchmarks/bench_dawid_skene.py

Part 1 (speed, both libraries in the same run): time per EM iteration by differencing two fits with the
convergence test switched off (``tol=0`` here, ``tol=-inf`` for crowd-kit), so data conversion and
initialisation cancel; best of ``--repeat``. "Iteration" is one E-step (SQUAREM's extrapolation and its
bookkeeping are included in ours). Cases: the ``emotion`` data (700 items, 38 annotators, 94 distinct
scores as classes), a simulated 94-class set, and the simulated 10-class set of ``bench_consensus.py``.

Part 2 (convergence, no timing): per real dataset, E-steps to the default tolerance and accuracy against
the ground truth for plain EM (``acceleration="none"``) at the default ``max_iter=100`` and at its fixed
point, for SQUAREM (the default), and for crowd-kit ``DawidSkene(n_iter=100)``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bench_consensus import simulate, timed  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from consensus_accuracy import accuracy  # noqa: E402

DATASETS = Path(os.environ.get("AQA_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")) / "datasets"
NAMES = ["dog", "face", "duck", "product", "emotion"]


def per_iteration(fit, k1: int, k2: int, repeat: int) -> float:
    """Seconds per iteration: (best time of a k2-iteration fit − best of a k1-iteration fit) / (k2 − k1)."""
    return (timed(lambda: fit(k2), repeat) - timed(lambda: fit(k1), repeat)) / (k2 - k1)


def speed_case(label: str, frame: pd.DataFrame, k: tuple[int, int], k_ck: tuple[int, int], repeat: int) -> tuple:
    from crowdkit.aggregation import DawidSkene

    from analytics import dawid_skene, load_annotations

    aset = load_annotations(frame.rename(columns={"task": "item_id", "worker": "annotator_id"}), format="tidy")
    ours = per_iteration(lambda n: dawid_skene(aset, max_iter=n, tol=0.0), *k, repeat)
    plain = per_iteration(lambda n: dawid_skene(aset, max_iter=n, tol=0.0, acceleration="none"), *k, repeat)
    theirs = per_iteration(lambda n: DawidSkene(n_iter=n, tol=-np.inf).fit(frame), *k_ck, repeat)
    return label, aset.n_categories, len(frame), ours, plain, theirs


def real_frame(name: str) -> tuple[pd.DataFrame, pd.Series]:
    answers = pd.read_csv(DATASETS / name / "answers.csv")
    truth = pd.read_csv(DATASETS / name / "truth.csv")
    frame = answers.rename(columns={"question": "task", "answer": "label"})
    frame["label"] = frame["label"].astype(str)
    return frame, pd.Series(truth["truth"].astype(str).to_numpy(), index=truth["question"].astype(str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items94", type=int, default=5_000, help="items of the simulated 94-class set")
    parser.add_argument("--items10", type=int, default=200_000, help="items of the simulated 10-class set")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from crowdkit.aggregation import DawidSkene

    from analytics import dawid_skene, load_annotations
    from analytics.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    emotion, _ = real_frame("emotion")
    cases = [
        speed_case("emotion (real)", emotion, (2, 22), (2, 12), args.repeat),
        speed_case(f"simulated {args.items94:,} items × 10 annotators", simulate(args.items94, 10, 94)[0],
                   (2, 12), (2, 6), args.repeat),
        speed_case(f"simulated {args.items10:,} items × 5 annotators", simulate(args.items10, 5, 10)[0],
                   (2, 12), (2, 5), 1),
    ]
    print("| case | classes | annotations | ours, SQUAREM (ms/iter) | ours, plain EM (ms/iter) "
          "| crowd-kit (ms/iter) | crowd-kit / ours |")
    print("|---|---|---|---|---|---|---|")
    for label, c, n, ours, plain, theirs in cases:
        print(f"| {label} | {c} | {n:,} | {ours * 1e3:.2f} | {plain * 1e3:.2f} | {theirs * 1e3:.1f} "
              f"| **{theirs / ours:.1f}×** |")
    print()
    print("| dataset | plain EM, max_iter=100 | plain EM, to tol | SQUAREM (default) | crowd-kit n_iter=100 |")
    print("|---|---|---|---|---|")
    for name in NAMES:
        frame, truth = real_frame(name)
        aset = load_annotations(frame.rename(columns={"task": "item_id", "worker": "annotator_id"}), format="tidy")
        cells = []
        for options in (dict(acceleration="none"), dict(acceleration="none", max_iter=5000), {}):
            res = dawid_skene(aset, **options)
            cells.append(f"{res.n_iter}{'' if res.converged else ' (not converged)'} it., "
                         f"acc {accuracy(res.labels, truth):.4f}")
        ck = DawidSkene(n_iter=100).fit(frame)
        cells.append(f"{len(ck.loss_history_)} it., acc {accuracy(ck.labels_, truth):.4f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
