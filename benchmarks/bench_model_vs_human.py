"""Disagreement analytics at scale: ``model_vs_human_arrays`` streamed in torch batches.

(a) 10,000,000 items × 10 classes in a fresh process: the data (float32 probabilities, uint8 vote counts,
    int8 gold codes with -1 = none) are generated chunk by chunk into preallocated arrays (about 510 MB),
    then analysed in batches. Reports the time and the peak resident memory (``ru_maxrss``) of the process,
    and the resident memory after generating the data (what the data alone take). Target: peak ≤ 4 GB.
(b) 1,000,000 items × 10 classes: the same statistics from the obvious in-memory code on the same arrays
    (scikit-learn ``accuracy_score``, ``cohen_kappa_score``, ``confusion_matrix``; numpy cross-entropy, KL,
    ECE, argsort rankings), timed against ``model_vs_human_arrays``; values are compared.
(c) That in-memory code on the 10,000,000 items of (a), in a fresh process: its peak resident memory.

Prints one JSON object per line::

    python benchmarks/bench_model_vs_human.py              # both parts (a few minutes on 2 cores)
    python benchmarks/bench_model_vs_human.py --quick      # 1,000,000 items in (a), 200,000 in (b)
    python benchmarks/bench_model_vs_human.py --device cuda
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def emit(**record: Any) -> None:
    print(json.dumps(record), flush=True)


def rss_mb() -> float:
    """Current resident set size (MB), from /proc/self/statm."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(n: int, q: int, *, seed: int = 0, chunk: int = 500_000, votes: int = 5,
             annotator_accuracy: float = 0.8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic pilot at scale, generated chunk by chunk (no temporary of size n × q beyond a chunk).

    Each item has a true class; each of ``votes`` people reports it with probability ``annotator_accuracy``,
    else a uniformly random class. The model's logits are Gaussian noise plus 5 on the true class (on a
    random class for 10% of items); probabilities are their softmax. 1% of items carry a gold label.
    """
    rng = np.random.default_rng(seed)
    probs = np.empty((n, q), dtype=np.float32)
    counts = np.zeros((n, q), dtype=np.uint8)
    gold = np.full(n, -1, dtype=np.int8)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        truth = rng.integers(0, q, m)
        rows = np.arange(m)
        block = counts[start:start + m]
        for _ in range(votes):
            said = np.where(rng.random(m) < annotator_accuracy, truth, rng.integers(0, q, m))
            np.add.at(block, (rows, said), 1)
        target = np.where(rng.random(m) < 0.9, truth, rng.integers(0, q, m))
        logits = rng.standard_normal((m, q), dtype=np.float32)
        logits[rows, target] += 5.0
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        probs[start:start + m] = logits
        has_gold = rng.random(m) < 0.01
        gold[start:start + m][has_gold] = truth[has_gold]
    return probs, counts, gold


def part_a(args: argparse.Namespace) -> None:
    """Run in a fresh process (``--child``) so that ``ru_maxrss`` is this workload's own peak."""
    import torch

    from analytics import model_vs_human_arrays

    n, q = args.n_items, 10
    t0 = time.perf_counter()
    probs, counts, gold = generate(n, q)
    t_gen = time.perf_counter() - t0
    rss_data = rss_mb()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model_vs_human_arrays(probs, counts, gold_codes=gold, device=args.device, max_listed=10_000)
    t_run = time.perf_counter() - t0
    emit(bench="model_vs_human_10M" if n == 10_000_000 else "model_vs_human_stream", n_items=n, n_classes=q,
         device=res.device, torch_threads=torch.get_num_threads(), generate_s=round(t_gen, 2),
         analytics_s=round(t_run, 2), items_per_s=round(n / t_run), data_mb=round(probs.nbytes / 2**20 + counts.nbytes
                                                                                    / 2**20 + gold.nbytes / 2**20),
         rss_after_data_mb=round(rss_data), peak_rss_mb=round(peak_rss_mb()), target_peak_mb=4096,
         accuracy_vs_consensus=round(res.accuracy_vs_consensus.value, 5), kappa=round(res.kappa_vs_consensus.value, 5),
         accuracy_vs_gold=round(res.accuracy_vs_gold.value, 5), cross_entropy=round(res.soft_label_cross_entropy, 5),
         ece=round(res.expected_calibration_error, 5), n_confident_disagreements=res.n_confident_disagreements,
         low_confidence_share=round(res.low_confidence_share, 5))


def baseline(probs: np.ndarray, counts: np.ndarray, gold: np.ndarray, threshold: float = 0.7,
             n_bins: int = 15, k: int = 10_000) -> dict[str, float]:
    """The obvious in-memory pipeline: scikit-learn metrics and numpy on whole arrays."""
    from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix

    p = probs.astype(np.float64)
    p /= p.sum(axis=1, keepdims=True)
    pred, conf = p.argmax(axis=1), p.max(axis=1)
    c = counts.astype(np.float64)
    top = c.max(axis=1)
    cons = np.where((c == top[:, None]).sum(axis=1) == 1, c.argmax(axis=1), -1)
    ok = cons >= 0
    out = {"accuracy": accuracy_score(cons[ok], pred[ok]), "kappa": cohen_kappa_score(cons[ok], pred[ok])}
    confusion_matrix(cons[ok], pred[ok], labels=np.arange(p.shape[1]))
    g = gold >= 0
    out["accuracy_gold"] = accuracy_score(gold[g], pred[g])
    confusion_matrix(gold[g], pred[g], labels=np.arange(p.shape[1]))
    h = c / c.sum(axis=1, keepdims=True)
    logp = np.log(np.maximum(p, np.finfo(np.float64).eps))
    out["cross_entropy"] = float(-(h * logp).sum(axis=1).mean())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["kl"] = float(np.where(h > 0, h * (np.log(h) - logp), 0.0).sum(axis=1).mean())
    b = np.clip(np.ceil(conf[ok] * n_bins).astype(int) - 1, 0, n_bins - 1)
    conf_b = np.bincount(b, weights=conf[ok], minlength=n_bins)
    acc_b = np.bincount(b, weights=(pred[ok] == cons[ok]), minlength=n_bins)
    out["ece"] = float(np.abs(acc_b - conf_b).sum() / ok.sum())
    wrong = np.flatnonzero(ok & (pred != cons) & (conf >= threshold))
    self_conf = p[wrong, cons[wrong]]
    out["n_confident_disagreements"] = len(wrong)
    wrong[np.lexsort((wrong, self_conf))][:k]
    low = np.flatnonzero(conf < threshold)
    low[np.lexsort((low, conf[low]))][:k]
    return out


def part_c(args: argparse.Namespace) -> None:
    """The in-memory baseline at full size, in a fresh process (``--child-baseline``)."""
    probs, counts, gold = generate(args.n_items, 10)
    rss_data = rss_mb()
    t0 = time.perf_counter()
    ref = baseline(probs, counts, gold)
    seconds = round(time.perf_counter() - t0, 2)
    emit(bench="in_memory_baseline_full_size", n_items=args.n_items, n_classes=10, seconds=seconds,
         rss_after_data_mb=round(rss_data), peak_rss_mb=round(peak_rss_mb()), accuracy=round(ref["accuracy"], 5))


def part_b(args: argparse.Namespace) -> None:
    import torch

    from analytics import model_vs_human_arrays

    n = args.n_compare
    probs, counts, gold = generate(n, 10, seed=1)

    def ours() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model_vs_human_arrays(probs, counts, gold_codes=gold, device=args.device, max_listed=10_000)

    res, ref = ours(), baseline(probs, counts, gold)
    times_ours, times_ref = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        ours()
        times_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline(probs, counts, gold)
        times_ref.append(time.perf_counter() - t0)
    diffs = {"accuracy": abs(res.accuracy_vs_consensus.value - ref["accuracy"]),
             "kappa": abs(res.kappa_vs_consensus.value - ref["kappa"]),
             "accuracy_gold": abs(res.accuracy_vs_gold.value - ref["accuracy_gold"]),
             "cross_entropy": abs(res.soft_label_cross_entropy - ref["cross_entropy"]),
             "kl": abs(res.soft_label_kl - ref["kl"]), "ece": abs(res.expected_calibration_error - ref["ece"]),
             "n_confident_disagreements": abs(res.n_confident_disagreements - ref["n_confident_disagreements"])}
    emit(bench="model_vs_human_vs_in_memory", n_items=n, n_classes=10, device=res.device,
         torch_threads=torch.get_num_threads(), ours_s=round(min(times_ours), 3),
         sklearn_numpy_s=round(min(times_ref), 3), speedup=round(min(times_ref) / min(times_ours), 2),
         max_abs_diff=max(diffs.values()), diffs={k: float(v) for k, v in diffs.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="1,000,000 items in (a), 200,000 in (b)")
    parser.add_argument("--part", choices=["a", "b", "c", "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n-items", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.n_items = args.n_items or (1_000_000 if args.quick else 10_000_000)
    args.n_compare = 200_000 if args.quick else 1_000_000
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.child:
        part_a(args)
        return
    if args.child_baseline:
        part_c(args)
        return
    if args.part in ("a", "all"):  # a fresh process: its ru_maxrss is the workload's own peak
        subprocess.run([sys.executable, __file__, "--child", "--device", args.device, "--n-items", str(args.n_items)]
                       + (["--threads", str(args.threads)] if args.threads else []), check=True)
    if args.part in ("b", "all"):
        part_b(args)
    if args.part in ("c", "all"):
        subprocess.run([sys.executable, __file__, "--child-baseline", "--n-items", str(args.n_items)], check=True)


if __name__ == "__main__":
    main()
