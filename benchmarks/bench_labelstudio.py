"""Label Studio round trip: server start (cold and from the kept data folder), then pull + push of 1,000 tasks.

    AQA_LABEL_STUDIO_BIN=…/bin/label-studio PYTHONPATH=. python benchmarks/bench_labelstudio.py [--tasks 1000]

Starts a real server (tests/_labelstudio_server.py), imports N image-classification tasks with three annotators'
labels, ground truth on a third of them and a model prediction each, then times (median of --repeat runs):
the pull (``load_annotations("labelstudio://…")``), the peer path it replaces (a full JSON export through the
API, downloaded, then read with the file importer), and the push of the senior-review queue (plan + apply: the
first push creates the view, the next ones replace it). Prints the numbers, the ratio and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import analytics as aqa  # noqa: E402
from tests._labelstudio_server import (BIN_VARIABLE, create_project, export_full_json, pilot_tasks,  # noqa: E402
                                       start_server)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also time a start from nothing (migrations)")
    args = parser.parse_args()
    executable = os.environ.get(BIN_VARIABLE)
    if not executable:
        sys.exit(f"set {BIN_VARIABLE} to the label-studio executable (.ci/setup/50-labelstudio.sh builds it)")
    with tempfile.TemporaryDirectory() as tmp:
        if args.cold:
            cold = start_server(executable, Path(tmp) / "cold", use_template=False)
            cold.stop()
            print(f"server start, fresh data folder (migrations): {cold.start_seconds:.1f} s")
        server = start_server(executable, Path(tmp) / "warm")
        try:
            print(f"server start from the kept data folder: {server.start_seconds:.1f} s")
            client = server.client()
            t_import, pid = timed(lambda: create_project(client, "Benchmark", pilot_tasks(server.users, args.tasks)))
            print(f"import of {args.tasks:,} tasks with annotations and predictions: {t_import:.1f} s")
            address, token = server.address(pid), server.personal_token
            pulls, exports, pushes = [], [], []
            for i in range(args.repeat):
                t_pull, aset = timed(lambda: aqa.load_annotations(address, token=token))
                pulls.append(t_pull)
                path = Path(tmp) / f"export-{i}.json"
                t_export, _ = timed(lambda: aqa.load_annotations(export_full_json(client, pid, path)))
                exports.append(t_export)
                items = aqa.queue_items(aset, "senior_review")
                t_push, result = timed(lambda: aqa.apply_labelstudio_push(
                    aqa.plan_labelstudio_push(items, address, queue="senior_review", token=token)))
                pushes.append(t_push)
            print(f"{aset!r}; senior_review queue: {len(items):,} tasks (view {result.view_id})")
            pull, export, push = (statistics.median(x) for x in (pulls, exports, pushes))
            print(f"pull (API, pages of 250):           {pull:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in pulls)})")
            print(f"export + download + file import:    {export:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in exports)})")
            print(f"push senior_review (plan + apply):  {push:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in pushes)})")
            print(f"round trip pull + push:             {pull + push:6.2f} s; pull / export path = {pull / export:.2f}")
        finally:
            server.stop()
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
