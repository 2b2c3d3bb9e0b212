"""Confusion hotspots, the Unknown share, class balance and taxonomy proposals: in memory and on Dask.

Run from the repository root on data written by ``bench_dask.py generate`` (into /tmp, never the repository)::

    python benchmarks/bench_dask.py generate --out /tmp/aqa-2m --annotations 2000000
    python benchmarks/bench_dask_taxonomy.py --data /tmp/aqa-2m --workers 2 --memory-limit 2GB

Loads the files in memory and with ``backend="dask"`` (a ``LocalCluster`` of single-threaded workers), runs
each analysis on both (``class_09`` is declared the Unknown class) and reports the seconds of each and the
largest difference of the numbers, ``max |a − b| / max(|b|, 1)`` (they are the same sums, added in another
order). Prints and writes ``taxonomy.json`` next to the data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from analytics._atomic import write_text_atomic

UNKNOWN = "class_09"


def _numbers(result) -> np.ndarray:
    """Every number of a result (frames' numeric columns, numeric attributes), flattened."""
    frames = [result] if isinstance(result, pd.DataFrame) else [
        v for v in vars(result).values() if isinstance(v, pd.DataFrame)]
    values = [f.select_dtypes("number").to_numpy(dtype=float).ravel() for f in frames]
    if not isinstance(result, pd.DataFrame):
        values.append(np.array([v for v in vars(result).values()
                                if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)], dtype=float))
    return np.concatenate(values)


def _largest_difference(a, b) -> float:
    """max |a − b| / max(|b|, 1): relative for numbers above 1, absolute below (the tests' 1e-12 criterion)."""
    x, y = _numbers(a), _numbers(b)
    both = np.isfinite(x) & np.isfinite(y)
    assert x.shape == y.shape and (np.isfinite(x) == np.isfinite(y)).all()
    return float(np.max(np.abs(x[both] - y[both]) / np.maximum(np.abs(y[both]), 1.0), initial=0.0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GB")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    from distributed import Client, LocalCluster

    import analytics as aqa

    warnings.simplefilter("ignore")
    analyses = {
        "confusion_hotspots": lambda s: aqa.confusion_hotspots(s, top=10),
        "confusion_matrix_between_annotators": lambda s: aqa.confusion_matrix_between_annotators(s).to_frame(),
        "unknown_share": aqa.unknown_share,
        "class_balance": aqa.class_balance,
        "agreement_by_level": aqa.agreement_by_level,
        "recommend_taxonomy_changes": lambda s: aqa.recommend_taxonomy_changes(s).table,
    }
    files = sorted(str(p) for p in args.data.glob("*.parquet"))
    start = time.perf_counter()
    memory = aqa.load_annotations(files, unknown_label=UNKNOWN)
    record: dict = {"annotations": memory.n_annotations, "items": memory.n_items,
                    "memory_load_s": time.perf_counter() - start, "workers": args.workers,
                    "memory_limit": args.memory_limit, "analyses": {}}
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit,
                           dashboard_address=":0", local_directory="/tmp/aqa-dask-spill")
    client = Client(cluster)
    start = time.perf_counter()
    lake = aqa.load_annotations(str(args.data / "*.parquet"), backend="dask", scheduler=client,
                                unknown_label=UNKNOWN)
    record["dask_load_s"] = time.perf_counter() - start
    record["partitions"] = len(lake.partitions)
    for name, run in analyses.items():
        times, results = {}, {}
        for path, aset in (("memory", memory), ("dask", lake)):
            start = time.perf_counter()
            results[path] = run(aset)
            times[path] = time.perf_counter() - start
        record["analyses"][name] = {"memory_s": round(times["memory"], 3), "dask_s": round(times["dask"], 3),
                                    "largest_difference": _largest_difference(results["dask"],
                                                                                       results["memory"])}
    lake.close()
    client.close()
    cluster.close()
    print(json.dumps(record, indent=2))
    write_text_atomic(args.data / "taxonomy.json", json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
