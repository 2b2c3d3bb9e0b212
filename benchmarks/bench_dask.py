"""The Dask backend at scale: agreement summary of annotations that do not fit one worker's memory.

Three steps (run from the repository root; the data go to /tmp, never into the repository)::

    python benchmarks/bench_dask.py generate --out /tmp/aqa-50m --annotations 50000000
    python benchmarks/bench_dask.py generate --out /tmp/aqa-10m --annotations 10000000
    python benchmarks/bench_dask.py memory --data /tmp/aqa-10m          # in-memory path (fresh process)
    python benchmarks/bench_dask.py dask --data /tmp/aqa-10m --workers 2 --memory-limit 2GB
    python benchmarks/bench_dask.py dask --data /tmp/aqa-50m --workers 2 --memory-limit 2GB
    python benchmarks/bench_dask.py project --result /tmp/aqa-50m/dask.json --annotations 1000000000 --workers 32

Data: items ``item-000000001`` … rated by 5 of 50 annotators (``annotator-017`` …) in 10 classes
(``class_03`` …), annotator accuracies 0.60–0.95, skewed class prevalence. Every file holds one rating slot
of half of the items, so each item's five ratings start in five different files (the shuffle has to bring
them together). ``memory`` loads the files with ``load_annotations`` and runs ``agreement_summary``;
``dask`` does the same with ``backend="dask"`` on a ``LocalCluster`` with a memory limit per worker,
polling every worker's resident memory. Each run prints and writes a JSON record next to the data.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from analytics._atomic import atomic_target, write_text_atomic

N_ANNOTATORS = 50
N_CLASSES = 10
RATINGS = 5
STEP = 7  # annotators of an item: base + 0, 7, 14, 21, 28 (mod 50), so the five are distinct


def generate(out: Path, n_annotations: int, *, n_files: int = 10, row_group: int = 1_000_000, seed: int = 0) -> None:
    """Write ``n_annotations`` ratings as ``n_files`` Parquet files (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    n_items = n_annotations // RATINGS
    rng = np.random.default_rng(seed)
    prevalence = rng.dirichlet(np.full(N_CLASSES, 1.5))
    accuracy = rng.uniform(0.60, 0.95, N_ANNOTATORS)
    truth = rng.choice(N_CLASSES, size=n_items, p=prevalence).astype(np.int8)
    base = rng.integers(0, N_ANNOTATORS, n_items).astype(np.int16)
    blocks = max(1, n_files // RATINGS)
    edges = np.linspace(0, n_items, blocks + 1).astype(np.int64)
    annotator_names = np.array([f"annotator-{a:03d}" for a in range(N_ANNOTATORS)], dtype=object)
    class_names = np.array([f"class_{c:02d}" for c in range(N_CLASSES)], dtype=object)
    for f in range(n_files):
        block, slot = divmod(f, RATINGS)
        lo, hi = edges[min(block, blocks - 1)], edges[min(block, blocks - 1) + 1]
        items = np.arange(lo, hi)
        who = (base[items] + STEP * slot) % N_ANNOTATORS
        right = rng.random(len(items)) < accuracy[who]
        label = np.where(right, truth[items], rng.integers(0, N_CLASSES, len(items)))
        table = pa.table({
            "item_id": pa.array(np.char.add("item-", np.char.zfill((items + 1).astype(str), 9)).astype(object)),
            "annotator_id": pa.array(annotator_names[who]),
            "label": pa.array(class_names[label]),
        })
        with atomic_target(out / f"ratings-{f:03d}.parquet") as tmp:
            pq.write_table(table, tmp, row_group_size=row_group)
        print(f"wrote {out / f'ratings-{f:03d}.parquet'}: {len(items):,} rows", flush=True)


def _files(data: Path) -> list[str]:
    return sorted(str(p) for p in data.glob("*.parquet"))


def _record(data: Path, name: str, record: dict) -> None:
    print(json.dumps(record, indent=2))
    write_text_atomic(data / f"{name}.json", json.dumps(record, indent=2))


def run_memory(data: Path) -> None:
    """In-memory path: load every file into one process, then ``agreement_summary``; peak RSS of the process."""
    import analytics as aqa

    files = _files(data)
    start = time.perf_counter()
    aset = aqa.load_annotations(files)
    loaded = time.perf_counter()
    summary = aqa.agreement_summary(aset, by_round=False)
    done = time.perf_counter()
    n = aset.n_annotations
    _record(data, "memory", {
        "path": "memory", "annotations": n, "items": aset.n_items, "load_s": loaded - start,
        "summary_s": done - loaded, "total_s": done - start, "annotations_per_s": n / (done - start),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "table": summary.table[["coefficient", "value", "standard_error"]].to_dict("list"),
    })


def _poll_memory(client, peaks: dict, stop: threading.Event) -> None:
    import psutil

    def rss() -> int:
        return psutil.Process().memory_info().rss

    while not stop.is_set():
        try:
            for worker, value in client.run(rss).items():
                peaks[worker] = max(peaks.get(worker, 0), value)
        except Exception:  # a worker restarting or the cluster closing: keep polling until told to stop
            pass
        stop.wait(1.0)


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its threads so far."""
    import psutil

    t = psutil.Process().cpu_times()
    return t.user + t.system


def _task_seconds(events: list[dict], prefixes: tuple[str, ...]) -> tuple[int, float]:
    """Tasks whose key starts with one of ``prefixes`` in a task stream, and their summed compute time (s)."""
    from dask.utils import key_split

    n, total = 0, 0.0
    for event in events:
        if key_split(event["key"]) in prefixes:
            n += 1
            total += sum(s["stop"] - s["start"] for s in event["startstops"] if s["action"] == "compute")
    return n, total


def _by_prefix(events: list[dict]) -> dict[str, float]:
    """Compute seconds per task prefix in a task stream (largest first)."""
    from collections import Counter

    from dask.utils import key_split

    out: Counter = Counter()
    for event in events:
        out[key_split(event["key"])] += sum(s["stop"] - s["start"] for s in event["startstops"]
                                            if s["action"] == "compute")
    return {k: round(v, 3) for k, v in out.most_common()}


def run_coding(data: Path) -> None:
    """Reading and coding in one process, as one single-threaded worker does it: both loading passes
    (``summarize_piece``: read, clean, summarize; ``code_piece``: read, clean, code) over every piece, timed
    by CPU time (robust to a loaded machine) and wall time."""
    import pandas as pd

    from analytics.dask_backend._pieces import code_piece, summarize_piece
    from analytics.dask_backend._sources import file_pieces, list_files
    from analytics.io._mapping import ColumnMapping

    pieces = file_pieces(list_files(str(data / "*.parquet")))
    mapping = ColumnMapping()
    cpu, wall = _cpu_seconds(), time.perf_counter()
    summaries = [summarize_piece(p, mapping, None, None) for p in pieces]
    cpu1, wall1 = _cpu_seconds(), time.perf_counter()
    labels = sorted({v for s in summaries for v in s["label_values"]})
    annotators = sorted({a for s in summaries for a in s["annotators"]})
    coding = {"labels": {v: i for i, v in enumerate(labels)}, "annotators": pd.Index(annotators, dtype=object),
              "rounds": None, "image_bases": {}}
    rows = sum(len(frame) for p in pieces for frame in code_piece(p, mapping, None, coding))
    cpu2, wall2 = _cpu_seconds(), time.perf_counter()
    _record(data, "coding", {
        "path": "reading and coding (one process)", "annotations": rows, "pieces": len(pieces),
        "summarize_cpu_s": cpu1 - cpu, "code_cpu_s": cpu2 - cpu1, "summarize_wall_s": wall1 - wall,
        "code_wall_s": wall2 - wall1, "annotations_per_cpu_s": rows / (cpu2 - cpu),
        "annotations_per_wall_s": rows / (wall2 - wall), "load_average": os.getloadavg(),
    })


def run_dask(data: Path, *, workers: int, memory_limit: str, npartitions: int | None) -> None:
    """Dask path on a LocalCluster of ``workers`` single-threaded workers with ``memory_limit`` each."""
    from distributed import Client, LocalCluster

    import analytics as aqa

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory_limit,
                           dashboard_address=":0", local_directory="/tmp/aqa-dask-spill")
    client = Client(cluster)
    peaks: dict = {}
    stop = threading.Event()
    poller = threading.Thread(target=_poll_memory, args=(client, peaks, stop), daemon=True)
    poller.start()
    from distributed import get_task_stream

    def worker_cpu() -> float:
        return sum(client.run(_cpu_seconds).values())

    try:
        load_before = os.getloadavg()
        cpu0, start = worker_cpu(), time.perf_counter()
        with get_task_stream(client) as load_stream:
            aset = aqa.load_annotations(str(data / "*.parquet"), backend="dask", scheduler=client,
                                        npartitions=npartitions)
        loaded = time.perf_counter()
        cpu1 = worker_cpu()
        with warnings.catch_warnings(), get_task_stream(client) as summary_stream:
            warnings.simplefilter("ignore")
            summary = aqa.agreement_summary(aset, by_round=False)
        done = time.perf_counter()
        cpu2 = worker_cpu()
        load_after = os.getloadavg()
        by_category = aqa.fleiss_kappa_by_category(aset)
        pairs = aqa.cohen_kappa_by_pair(aset)
        extra = time.perf_counter()
    finally:
        stop.set()
        poller.join()
    n = aset.n_annotations
    n_read, read_s = _task_seconds(load_stream.data, ("summarize_piece", "code_piece"))
    n_pass_tasks, _ = _task_seconds(summary_stream.data, ("apply", "apply_many"))
    _record(data, "dask", {
        "path": "dask", "workers": workers, "threads_per_worker": 1, "memory_limit": memory_limit,
        "partitions": len(aset.partitions), "annotations": n, "items": aset.n_items,
        "rows_read": aset.report.rows_read, "load_s": loaded - start, "summary_s": done - loaded,
        "total_s": done - start, "annotations_per_s": n / (done - start),
        "load_worker_cpu_s": cpu1 - cpu0, "summary_worker_cpu_s": cpu2 - cpu1,
        "reading_and_coding_tasks": n_read, "reading_and_coding_task_s": read_s,
        "reading_and_coding_annotations_per_s_per_worker": aset.report.rows_read * 2 / read_s,
        "summary_passes": n_pass_tasks / max(len(aset.partitions), 1),
        "load_task_s": _by_prefix(load_stream.data), "summary_task_s": _by_prefix(summary_stream.data),
        "load_average_before": load_before, "load_average_after": load_after,
        "per_category_and_pairwise_s": extra - done, "n_pairs": len(pairs), "n_categories": len(by_category),
        "peak_worker_rss_mb": {str(k): v / 2**20 for k, v in peaks.items()},
        "table": summary.table[["coefficient", "value", "standard_error"]].to_dict("list"),
    })
    aset.close()
    client.close()
    cluster.close()


def project(result: Path, *, annotations: int, workers: int, overhead_s_per_task: float = 0.002,
            tasks_per_partition: int = 40) -> None:
    """Projected time on a larger cluster from a measured run (assumptions printed with the figure)."""
    r = json.loads(Path(result).read_text())
    per_worker = r["annotations"] / r["total_s"] / r["workers"]
    partitions = math.ceil(annotations / 1_000_000)
    compute = annotations / (per_worker * workers)
    scheduling = partitions * tasks_per_partition * overhead_s_per_task
    print(json.dumps({
        "measured_annotations_per_s_per_worker": per_worker, "annotations": annotations, "workers": workers,
        "partitions": partitions, "compute_s": compute, "scheduler_overhead_s": scheduling,
        "projected_s": compute + scheduling,
        "assumptions": [
            "work per annotation is what one single-threaded worker did here (reading Parquet, cleaning, coding, "
            "the hash partitioning by item, the per-partition kernels), and it parallelizes across workers (every "
            "pass is a map over partitions of items; only C×C- or (A·C)²-sized partial sums travel to the reduction "
            "tree)",
            "the partitioning moves each annotation once (~38 bytes: item id as Arrow string, three int32 codes, "
            "row number); at 1e9 annotations that is ~38 GB all-to-all, ~1.2 GB in and out per worker at 32 workers "
            "— about a second on 10 Gbit/s links, so the network is not the bottleneck",
            f"one partition per million annotations ({partitions:,}), about {tasks_per_partition} tasks per partition "
            f"for loading plus the summary's passes, {overhead_s_per_task * 1000:.0f} ms of scheduler time per task",
            "workers with the same per-core speed and 2 GB or more of memory each; input files in object storage "
            "read at the same speed as local disk here",
        ],
    }, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--annotations", type=int, default=50_000_000)
    g.add_argument("--files", type=int, default=10)
    m = sub.add_parser("memory")
    m.add_argument("--data", type=Path, required=True)
    c = sub.add_parser("coding")
    c.add_argument("--data", type=Path, required=True)
    d = sub.add_parser("dask")
    d.add_argument("--data", type=Path, required=True)
    d.add_argument("--workers", type=int, default=2)
    d.add_argument("--memory-limit", default="2GB")
    d.add_argument("--npartitions", type=int)
    p = sub.add_parser("project")
    p.add_argument("--result", type=Path, required=True)
    p.add_argument("--annotations", type=int, default=1_000_000_000)
    p.add_argument("--workers", type=int, default=32)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    if args.step == "generate":
        generate(args.out, args.annotations, n_files=args.files)
    elif args.step == "memory":
        run_memory(args.data)
    elif args.step == "coding":
        run_coding(args.data)
    elif args.step == "dask":
        run_dask(args.data, workers=args.workers, memory_limit=args.memory_limit, npartitions=args.npartitions)
    else:
        project(args.result, annotations=args.annotations, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
