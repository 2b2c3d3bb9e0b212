"""From a file on disk to the agreement answer: Annotation QA against the peers' pipeline and the Arrow floor.

Both sides start from the same file and run in fresh processes, in the same invocation; the ratio is printed.

    python benchmarks/bench_from_file.py generate --out /tmp/aqa-fromfile                # 1M and 10M, CSV + Parquet
    python benchmarks/bench_from_file.py run --data /tmp/aqa-fromfile \\
        --peers-python /work/venv-peers/bin/python                                        # all sizes and formats
    python benchmarks/bench_from_file.py run --data /tmp/aqa-fromfile --sizes 1m --formats csv --repeats 3
    python benchmarks/bench_from_file.py cli --data /tmp/aqa-fromfile                      # aqa check / aqa report
    python benchmarks/bench_from_file.py cli --data /tmp/aqa-fromfile --commands check --repeats 5
    python benchmarks/bench_from_file.py per-class                                       # per-class vs summary

Data (``generate``): 200,000 (1M annotations) and 2,000,000 items (10M) × 5 annotators × 10 classes, string
ids and labels (``item-0000123``, ``ann_3``, ``class_7``), a latent class each annotator reports with
probability 0.7 (else a uniform guess), rows grouped by item as labeling tools export them; one CSV
(26 MB / 270 MB) and one Parquet file (pyarrow defaults) per size.

The three pipelines (``run``), each timed in a fresh process started by this script:

* **ours**: ``load_annotations(path)`` (format detection, validation, the import report) →
  ``agreement_summary`` (percent agreement, Light's, Fleiss', Krippendorff's, AC1, Brennan–Prediger with
  intervals) → ``fleiss_kappa_by_category`` → ``cohen_kappa_by_pair`` (the pairwise matrix).
* **peers**: ``pandas.read_csv`` / ``read_parquet`` → labels factorized → ``pivot`` to the item × annotator
  matrix → statsmodels ``aggregate_raters`` + ``fleiss_kappa`` → ``krippendorff.alpha`` (nominal) →
  scikit-learn ``cohen_kappa_score`` over every annotator pair → irrCAC ``CAC(...).gwet()`` (AC1).
* **floor**: pyarrow reads the file (every column as text) and dictionary-encodes the three columns into
  integer codes (``pyarrow.csv.read_csv`` / ``pyarrow.parquet.read_table`` + ``pyarrow.compute.dictionary_encode``).

*Cold* is the wall time of the whole process, from launch to its answer: interpreter start, imports, reading
and computing (the file itself is in the page cache: every pipeline read it before). *Warm* is the best of
``--repeats`` further runs of the same pipeline inside one process (imports done). Peak memory is the process's
``ru_maxrss``. What the ratios leave out: the peers compute no interval except irrCAC's, no per-category kappa
and no import report, and skip no bad row (the file has none); the floor validates nothing and builds no set.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"1m": 200_000, "10m": 2_000_000}


def generate(out: Path, sizes: list[str]) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT))
    from analytics._atomic import atomic_target

    out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        n_items = SIZES[size]
        rng = np.random.default_rng(0)
        truth = rng.integers(0, 10, n_items)
        labels = np.where(rng.random((n_items, 5)) < 0.7, truth[:, None], rng.integers(0, 10, (n_items, 5))).ravel()
        width = max(6, len(str(n_items - 1)))
        items = np.char.add("item-", np.char.zfill(np.arange(n_items).astype(str), width))
        table = pa.table({"item_id": np.repeat(items, 5), "annotator_id": np.tile([f"ann_{a}" for a in range(5)], n_items),
                          "label": np.array([f"class_{c}" for c in range(10)])[labels]})
        csv_path, pq_path = out / f"annotations_{size}.csv", out / f"annotations_{size}.parquet"
        with atomic_target(csv_path) as tmp:
            pcsv.write_csv(table, tmp, write_options=pcsv.WriteOptions(quoting_style="none"))
        with atomic_target(pq_path) as tmp:
            pq.write_table(table, tmp)
        print(f"{csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB), {pq_path} ({pq_path.stat().st_size / 1e6:.0f} MB)")


# -- the pipelines (each runs in its own process: ``worker <side> <path> <repeats>``) -------------------------
def ours(path: str) -> dict:
    import warnings

    from analytics import agreement_summary, cohen_kappa_by_pair, fleiss_kappa_by_category, load_annotations

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    aset = load_annotations(path)
    t1 = time.perf_counter()
    summary = agreement_summary(aset)
    t2 = time.perf_counter()
    per_category = fleiss_kappa_by_category(aset)
    t3 = time.perf_counter()
    pairs = cohen_kappa_by_pair(aset)
    t4 = time.perf_counter()
    table = summary.table.set_index("coefficient")["value"]
    return {"load_s": t1 - t0, "summary_s": t2 - t1, "per_category_s": t3 - t2, "pairs_s": t4 - t3,
            "fleiss_kappa": float(table["fleiss_kappa"]), "krippendorff_alpha": float(table["krippendorff_alpha"]),
            "gwet_ac1": float(table["gwet_ac1"]), "mean_pair_kappa": float(pairs["kappa"].mean()),
            "n_categories": len(per_category)}


def peers(path: str) -> dict:
    import itertools
    import warnings

    import irrCAC.raw
    import krippendorff
    import numpy as np
    import pandas as pd
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, dtype=str)
    df["code"] = pd.factorize(df["label"])[0]
    matrix = df.pivot(index="item_id", columns="annotator_id", values="code")
    t1 = time.perf_counter()
    values = matrix.to_numpy(dtype=float)
    complete = values[~np.isnan(values).any(axis=1)].astype(int)
    fk = fleiss_kappa(aggregate_raters(complete)[0])
    alpha = krippendorff.alpha(reliability_data=values.T, level_of_measurement="nominal")
    kappas = []
    for i, j in itertools.combinations(range(values.shape[1]), 2):
        both = ~np.isnan(values[:, i]) & ~np.isnan(values[:, j])
        kappas.append(cohen_kappa_score(values[both, i], values[both, j]))
    ac1 = irrCAC.raw.CAC(matrix, digits=15).gwet()["est"]["coefficient_value"]
    t2 = time.perf_counter()
    return {"read_pivot_s": t1 - t0, "statistics_s": t2 - t1, "fleiss_kappa": float(fk), "krippendorff_alpha": float(alpha),
            "gwet_ac1": float(np.squeeze(ac1)), "mean_pair_kappa": float(np.mean(kappas))}


def floor(path: str) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    t0 = time.perf_counter()
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    else:
        import pyarrow.csv as pcsv

        names = ["item_id", "annotator_id", "label"]
        table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in names}))
    codes = []
    for name in table.column_names:
        encoded = pc.dictionary_encode(table.column(name))
        codes.append(np.concatenate([np.asarray(c.indices) for c in encoded.chunks]))
    return {"read_encode_s": time.perf_counter() - t0, "distinct": [int(c.max()) + 1 for c in codes]}


PIPELINES = {"ours": ours, "peers": peers, "floor": floor}


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(side: str, path: str, repeats: int) -> None:
    """One fresh process: the first run (its wall time since launch is the cold time), then ``repeats`` warm runs.

    CPU times (user + system, all threads) are reported too: on a machine shared with other jobs they change
    less than wall times (the process waits less for a core, though it still shares caches and memory bandwidth).
    """
    import resource

    first = PIPELINES[side](path)
    cold, cold_cpu = time.time() - float(os.environ["AQA_BENCH_LAUNCH"]), _cpu()
    warm, warm_cpu = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), _cpu()
        result = PIPELINES[side](path)
        warm.append(time.perf_counter() - start)
        warm_cpu.append(_cpu() - cpu)
    print(json.dumps({"side": side, "cold_s": cold, "warm_s": min(warm) if warm else None, "cold_cpu_s": cold_cpu,
                      "warm_cpu_s": min(warm_cpu) if warm_cpu else None, "first": first,
                      "last": result if warm else first,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def launch(python: str, side: str, path: Path, repeats: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), AQA_BENCH_LAUNCH=repr(time.time()))
    out = subprocess.run([python, __file__, "worker", side, str(path), str(repeats)], capture_output=True, text=True,
                         env=env, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def versions(python: str) -> str:
    code = ("import sys, numpy, pandas, pyarrow; print(f'Python {sys.version.split()[0]}, numpy {numpy.__version__}, "
            "pandas {pandas.__version__}, pyarrow {pyarrow.__version__}')")
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def run(args: argparse.Namespace) -> None:
    print(f"uptime: {os.popen('uptime').read().strip()}")
    print(f"ours:  {args.ours_python} ({versions(args.ours_python)})")
    print(f"peers: {args.peers_python} ({versions(args.peers_python)})")
    results = []
    for size in args.sizes:
        for fmt in args.formats:
            path = args.data / f"annotations_{size}.{fmt}"
            reps = args.repeats if size == "1m" else max(1, args.repeats // 3)
            row = {"size": size, "format": fmt}
            row["floor"] = launch(args.ours_python, "floor", path, reps)
            row["ours"] = launch(args.ours_python, "ours", path, reps)
            row["peers"] = launch(args.peers_python, "peers", path, reps) if not args.skip_peers else None
            o, f, p = row["ours"], row["floor"], row["peers"]
            print(f"\n{size} annotations, {fmt} ({path.stat().st_size / 1e6:.0f} MB)")
            print(f"  floor (pyarrow read + dictionary encoding): cold {f['cold_s']:.2f} s, warm {f['warm_s']:.2f} s "
                  f"(CPU {f['cold_cpu_s']:.2f} / {f['warm_cpu_s']:.2f} s)")
            first = o["last"]
            print(f"  ours: cold {o['cold_s']:.2f} s, warm {o['warm_s']:.2f} s (load {first['load_s']:.2f}, summary "
                  f"{first['summary_s']:.3f}, per-category {first['per_category_s']:.3f}, pairs {first['pairs_s']:.3f}); "
                  f"CPU {o['cold_cpu_s']:.2f} / {o['warm_cpu_s']:.2f} s; peak {o['peak_mb']:.0f} MB")
            print(f"  ours / floor: cold {o['cold_s'] / f['cold_s']:.2f}x, warm {o['warm_s'] / f['warm_s']:.2f}x "
                  f"(CPU {o['cold_cpu_s'] / f['cold_cpu_s']:.2f}x, {o['warm_cpu_s'] / f['warm_cpu_s']:.2f}x)")
            if p is not None:
                print(f"  peers: cold {p['cold_s']:.2f} s, warm {p['warm_s']:.2f} s (read + pivot "
                      f"{p['last']['read_pivot_s']:.2f}, statistics {p['last']['statistics_s']:.2f}); CPU "
                      f"{p['cold_cpu_s']:.2f} / {p['warm_cpu_s']:.2f} s; peak {p['peak_mb']:.0f} MB")
                print(f"  peers / ours: cold {p['cold_s'] / o['cold_s']:.1f}x, warm {p['warm_s'] / o['warm_s']:.1f}x "
                      f"(CPU {p['cold_cpu_s'] / o['cold_cpu_s']:.1f}x, {p['warm_cpu_s'] / o['warm_cpu_s']:.1f}x)")
                for key in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "mean_pair_kappa"):
                    print(f"    {key}: ours {first[key]:.10f}, peers {p['last'][key]:.10f}, "
                          f"|diff| {abs(first[key] - p['last'][key]):.1e}")
            results.append(row)
    print(f"\nuptime: {os.popen('uptime').read().strip()}")
    print(json.dumps(results, default=float))


def cli(args: argparse.Namespace) -> None:
    """Whole ``aqa`` processes: ``aqa check`` on the 1M CSV, ``aqa report`` on the 10M Parquet file."""
    print(f"uptime: {os.popen('uptime').read().strip()}")
    aqa = [args.ours_python, "-m", "analytics.cli"]
    jobs = [("aqa check 1M CSV", aqa + ["check", str(args.data / "annotations_1m.csv"), "--min-kappa", "0.5"], args.repeats),
            ("aqa report 10M Parquet", aqa + ["report", str(args.data / "annotations_10m.parquet"), "--json",
                                              "/tmp/aqa-bench-report.json", "--no-progress"], max(1, args.repeats // 3))]
    jobs = [job for job, key in zip(jobs, ("check", "report")) if key in args.commands]
    for name, command, repeats in jobs:
        import resource

        times, cpus = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        status = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr.strip()[-300:]
        print(f"{name}: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s over {repeats}; CPU best "
              f"{min(cpus):.2f} s; peak {after.ru_maxrss / 1024:.0f} MB (exit {out.returncode}: {status[:160]})")
    print(f"uptime: {os.popen('uptime').read().strip()}")


def per_class(args: argparse.Namespace) -> None:
    """Per-category and per-pair statistics against the summary on 1M annotations (in memory, best of 7)."""
    sys.path.insert(0, str(ROOT))
    import warnings

    from analytics import agreement_summary, cohen_kappa_by_pair, confusion_matrix_between_annotators, fleiss_kappa_by_category
    from benchmarks.bench_agreement import annotation_set, ratings

    warnings.simplefilter("ignore")
    aset, _ = annotation_set(ratings(200_000, 5, 10))

    def best(func, setup) -> tuple[float, float]:
        """Best wall and best CPU time (``time.process_time``) of 7 runs."""
        walls, cpus = [], []
        for _ in range(7):
            setup()
            start, cpu = time.perf_counter(), time.process_time()
            func()
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        return min(walls), min(cpus)

    def after_summary() -> None:
        aset._cache.clear()
        agreement_summary(aset)

    summary, summary_cpu = best(lambda: agreement_summary(aset), aset._cache.clear)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    print(f"agreement_summary, empty caches: {summary * 1000:.1f} ms (CPU {summary_cpu * 1000:.1f} ms)")
    for name, func in (("fleiss_kappa_by_category", lambda: fleiss_kappa_by_category(aset)),
                       ("cohen_kappa_by_pair", lambda: cohen_kappa_by_pair(aset)),
                       ("confusion_matrix_between_annotators", lambda: confusion_matrix_between_annotators(aset))):
        (alone, alone_cpu), (after, after_cpu) = best(func, aset._cache.clear), best(func, after_summary)
        print(f"{name}: after the summary {after * 1000:.1f} ms ({after / summary:.3f} of the summary; CPU "
              f"{after_cpu / summary_cpu:.3f}); alone on empty caches {alone * 1000:.1f} ms ({alone / summary:.2f}; "
              f"CPU {alone_cpu / summary_cpu:.2f})")
    print(f"uptime: {os.popen('uptime').read().strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    for name in ("run", "cli"):
        r = sub.add_parser(name)
        r.add_argument("--data", type=Path, required=True)
        r.add_argument("--ours-python", default=sys.executable)
        r.add_argument("--peers-python", default=sys.executable)
        r.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
        r.add_argument("--formats", nargs="+", default=["csv", "parquet"], choices=["csv", "parquet"])
        r.add_argument("--repeats", type=int, default=3, help="warm runs (10M: a third of them, at least one)")
        r.add_argument("--skip-peers", action="store_true")
        if name == "cli":
            r.add_argument("--commands", nargs="+", default=["check", "report"], choices=["check", "report"],
                           help="which whole processes to time (default both)")
    sub.add_parser("per-class")
    w = sub.add_parser("worker")
    w.add_argument("side", choices=list(PIPELINES))
    w.add_argument("path")
    w.add_argument("repeats", type=int)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.out, args.sizes)
    elif args.command == "run":
        run(args)
    elif args.command == "cli":
        cli(args)
    elif args.command == "per-class":
        per_class(args)
    else:
        worker(args.side, args.path, args.repeats)


if __name__ == "__main__":
    main()
