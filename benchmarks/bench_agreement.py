"""Agreement engine versus the peer libraries, measured in the same run.

Run with the peers environment so irrCAC is importable (a missing peer is reported and skipped)::

    PYTHONPATH=. /work/venv-peers/bin/python benchmarks/bench_agreement.py            # all parts
    PYTHONPATH=. /work/venv-peers/bin/python benchmarks/bench_agreement.py --part a   # one part
    PYTHONPATH=. python benchmarks/bench_agreement.py --quick                          # small smoke run

(a) 1,000,000 annotations (200,000 items × 5 annotators × 10 classes): ``agreement_summary`` (no bootstrap)
    against the peers' equivalent pipeline — statsmodels ``aggregate_raters`` + ``fleiss_kappa``,
    ``krippendorff.alpha``, irrCAC ``CAC.gwet`` (AC1) and scikit-learn ``cohen_kappa_score`` over every pair.
(b) all-pairs Cohen's kappa, 50 annotators × 100,000 items: ``cohen_kappa_by_pair`` against
    ``cohen_kappa_score`` in a loop over the 1,225 pairs (values compared to 1e-12).
(c) 10,000,000 annotations in 100 classes (2,000,000 items × 5 annotators): load time, summary time and
    peak resident memory of a fresh subprocess (``resource.getrusage``).

Timings of the engine start from a validated :class:`~analytics.AnnotationSet` with empty caches (loading
is timed separately); the peers start from their natural input, the item × annotator label matrix.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd


def ratings(n_items: int, n_annotators: int, n_categories: int, *, accuracy: float = 0.7, seed: int = 0) -> np.ndarray:
    """Item × annotator labels with real agreement (a latent class each annotator gets right with ``accuracy``)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_categories, n_items)
    guess = rng.integers(0, n_categories, (n_items, n_annotators))
    return np.where(rng.random((n_items, n_annotators)) < accuracy, truth[:, None], guess).astype(np.int16)


def annotation_set(labels: np.ndarray):
    """Validate a tidy table built from the label matrix with compact dtypes; returns (set, seconds)."""
    from analytics import validate_annotations

    n, a = labels.shape
    frame = pd.DataFrame({"item_id": np.repeat(np.arange(n, dtype=np.int32), a),
                          "annotator_id": np.tile(np.arange(a, dtype=np.int16), n), "label": labels.ravel()})
    start = time.perf_counter()
    aset = validate_annotations(frame)
    return aset, time.perf_counter() - start


def timed(func, repeats: int = 1, setup=None):
    """Best (minimum) wall time of ``func()`` over ``repeats`` runs (``setup()`` before each, untimed), and its result.

    The minimum is the least disturbed run (other processes share this machine); every library, ours and
    the peers, is timed the same way in the same run.
    """
    times, result = [], None
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def peer(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        print(f"  peer {name!r} is not installed: skipped")
        return None


def part_a(n_items: int, repeats: int) -> dict:
    from analytics import agreement_summary

    labels = ratings(n_items, 5, 10)
    aset, load_s = annotation_set(labels)
    ours_s, summary = timed(lambda: agreement_summary(aset), repeats, setup=aset._cache.clear)
    table = summary.table.set_index("coefficient")["value"]
    print(f"(a) {labels.size:,} annotations ({n_items:,} items × 5 annotators × 10 classes)")
    print(f"  load (validate_annotations): {load_s:.2f} s")
    print(f"  agreement_summary: {ours_s:.3f} s (best of {repeats}, cold caches)")
    peers, values = {}, {}
    inter_rater = peer("statsmodels.stats.inter_rater")
    if inter_rater is not None:
        peers["statsmodels aggregate_raters + fleiss_kappa"], values["fleiss_kappa"] = timed(
            lambda: inter_rater.fleiss_kappa(inter_rater.aggregate_raters(labels)[0]), repeats)
    kripp = peer("krippendorff")
    if kripp is not None:
        peers["krippendorff.alpha"], values["krippendorff_alpha"] = timed(
            lambda: kripp.alpha(reliability_data=labels.T.astype(float), level_of_measurement="nominal"), repeats)
    irr = peer("irrCAC.raw")
    if irr is not None:
        peers["irrCAC CAC.gwet (AC1)"], est = timed(lambda: irr.CAC(pd.DataFrame(labels), digits=15).gwet()["est"], repeats)
        values["gwet_ac1"] = float(np.squeeze(est["coefficient_value"]))
    metrics = peer("sklearn.metrics")
    if metrics is not None:
        pairs = list(itertools.combinations(range(labels.shape[1]), 2))
        peers["sklearn cohen_kappa_score over 10 pairs"], kappas = timed(
            lambda: [metrics.cohen_kappa_score(labels[:, i], labels[:, j]) for i, j in pairs], repeats)
        values["light_kappa"] = float(np.mean(kappas))
    for name, seconds in peers.items():
        print(f"  {name}: {seconds:.3f} s")
    total = sum(peers.values())
    ratio = total / ours_s if peers else float("nan")
    print(f"  peers' pipeline: {total:.3f} s; agreement_summary is {ratio:.1f}x faster")
    for name, value in values.items():
        print(f"  {name}: ours {table[name]:.10f}, peer {value:.10f}, |diff| {abs(table[name] - value):.1e}")
    return {"annotations": int(labels.size), "load_s": load_s, "summary_s": ours_s, "peers_s": peers,
            "peers_total_s": total, "ratio": ratio,
            "max_abs_diff": max((abs(table[k] - v) for k, v in values.items()), default=float("nan"))}


def part_b(n_items: int, n_annotators: int, repeats: int, sklearn_pairs: int | None) -> dict:
    from analytics import cohen_kappa_by_pair

    labels = ratings(n_items, n_annotators, 10, seed=1)
    aset, load_s = annotation_set(labels)
    ours_s, table = timed(lambda: cohen_kappa_by_pair(aset), repeats, setup=aset._cache.clear)
    print(f"(b) all-pairs Cohen's kappa, {n_annotators} annotators × {n_items:,} items "
          f"({len(table):,} pairs; load {load_s:.2f} s)")
    print(f"  cohen_kappa_by_pair: {ours_s:.3f} s (best of {repeats}, cold caches)")
    metrics = peer("sklearn.metrics")
    if metrics is None:
        return {"pairs": len(table), "ours_s": ours_s}
    pairs = list(itertools.combinations(range(n_annotators), 2))
    measured = pairs if sklearn_pairs is None else pairs[:sklearn_pairs]
    start = time.perf_counter()
    kappas = [metrics.cohen_kappa_score(labels[:, i], labels[:, j]) for i, j in measured]
    sk_s = (time.perf_counter() - start) * len(pairs) / len(measured)
    diff = float(np.max(np.abs(table["kappa"].to_numpy()[: len(measured)] - np.array(kappas))))
    note = "" if len(measured) == len(pairs) else f" (extrapolated from {len(measured)} pairs)"
    print(f"  sklearn cohen_kappa_score loop: {sk_s:.2f} s{note}; cohen_kappa_by_pair is {sk_s / ours_s:.0f}x faster")
    print(f"  max |kappa difference| over {len(measured):,} pairs: {diff:.1e}")
    return {"pairs": len(table), "ours_s": ours_s, "sklearn_s": sk_s, "ratio": sk_s / ours_s, "max_abs_diff": diff}


def part_c_worker(n_items: int) -> None:
    """Runs in a fresh subprocess: prints one JSON line with times and peak memory."""
    from analytics import agreement_summary

    labels = ratings(n_items, 5, 100, seed=2)
    aset, load_s = annotation_set(labels)
    del labels
    after_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    summary = agreement_summary(aset)
    summary_s = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"annotations": aset.n_annotations, "load_s": load_s, "summary_s": summary_s,
                      "peak_after_load_mb": after_load, "peak_mb": peak,
                      "fleiss_kappa": float(summary.estimate("fleiss_kappa")["value"])}))


def part_c(n_items: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--part", "c-worker", "--c-items", str(n_items)],
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"(c) {res['annotations']:,} annotations, 100 classes (fresh subprocess)")
    print(f"  load (validate_annotations): {res['load_s']:.1f} s; agreement_summary: {res['summary_s']:.2f} s")
    print(f"  peak RSS after loading: {res['peak_after_load_mb']:.0f} MB; peak RSS overall: {res['peak_mb']:.0f} MB "
          f"({'within' if res['peak_mb'] <= 3072 else 'OVER'} the 3 GB budget)")
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", default="all", choices=["all", "a", "b", "c", "c-worker"])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run, not the benchmark)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing; the best is reported")
    parser.add_argument("--sklearn-pairs", type=int, default=None, help="time sklearn on this many pairs only")
    parser.add_argument("--c-items", type=int, default=2_000_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.part == "c-worker":
        part_c_worker(args.c_items)
        return
    scale = 20 if args.quick else 1
    results = {}
    if args.part in ("all", "a"):
        results["a"] = part_a(200_000 // scale, args.repeats)
    if args.part in ("all", "b"):
        results["b"] = part_b(100_000 // scale, 50, args.repeats, args.sklearn_pairs)
    if args.part in ("all", "c"):
        results["c"] = part_c(args.c_items // scale)
    print(json.dumps(results, default=float))


if __name__ == "__main__":
    main()
