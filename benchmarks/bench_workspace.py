"""Workspace benchmarks (issue 18): scale, the embedded engine choice, and the no-regression test by simulation.

    python benchmarks/bench_workspace.py --simulate                         # false-alarm rate and power, seconds
    python benchmarks/bench_workspace.py --build /tmp/ws100.aqa             # 100 deliveries × 100,000 annotations
    python benchmarks/bench_workspace.py --time /tmp/ws100.aqa              # aqa history (whole process), History page
    python benchmarks/bench_workspace.py --engines /tmp/ws100.aqa           # SQLite vs DuckDB on the trend queries
    python benchmarks/bench_workspace.py --browser /tmp/ws100.aqa           # the History page in Chromium: wall, CPU
    python benchmarks/bench_workspace.py --cold /tmp/ws100.aqa              # its first visit after the server starts

Run the timed parts under ``flock /tmp/aqa-bench.lock`` (one timing job at a time) and note ``uptime``. DuckDB is not
a dependency of the project: ``pip install duckdb duckdb-engine`` for ``--engines``. Prints one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLASSES = [f"class_{k}" for k in range(10)] + ["Unknown"]


def emit(**values) -> None:
    print(json.dumps(values), flush=True)


# -- simulation of the no-regression test -------------------------------------------------------------------------
def simulate(reps: int, seed: int) -> None:
    from analytics.agreement._core import count_based
    from analytics.workspace._regression import compare_estimates

    k, m, n = 5, 3, 200
    rng = np.random.default_rng(seed)

    def counts(accuracy: float) -> np.ndarray:
        truth = rng.integers(0, k, n)
        right = rng.random((n, m)) < accuracy
        labels = np.where(right, truth[:, None], (truth[:, None] + rng.integers(1, k, (n, m))) % k)
        return np.stack([(labels == c).sum(axis=1) for c in range(k)], axis=1)

    def kappa(c: np.ndarray) -> tuple[float, float]:
        est = count_based("fleiss", c, np.eye(k))
        return est.value, est.standard_error

    for after in (0.85, 0.84, 0.82, 0.80, 0.78, 0.75, 0.70):
        fails, deltas = 0, []
        for _ in range(reps if after == 0.85 else max(reps // 4, 200)):
            b, a = kappa(counts(0.85)), kappa(counts(after))
            deltas.append(a[0] - b[0])
            fails += compare_estimates(delivery="b", previous="a", coefficient="fleiss_kappa", label="k", before=b,
                                       after=a, confidence_level=0.95).status == "fail"
        runs = len(deltas)
        emit(part="simulate", accuracy_before=0.85, accuracy_after=after, mean_kappa_change=round(float(np.mean(deltas)), 4),
             checks=runs, fail_rate=round(fails / runs, 4),
             binomial_se=round(float(np.sqrt(max(fails / runs * (1 - fails / runs), 1e-12) / runs)), 4),
             items=n, annotators=m, classes=k)


# -- building a large workspace -------------------------------------------------------------------------------------
def delivery_frame(rng: np.random.Generator, k: int, n_annotations: int, previous_items: list[str]):
    """One delivery: 5 annotators per item; 10% of items come back from the previous delivery; annotator 'ann_4'
    slips after delivery 60; the Unknown share grows from delivery 80 on."""
    m = 5
    n_items = n_annotations // m
    back = previous_items[: n_items // 10]
    items = back + [f"d{k:03d}-i{i}" for i in range(n_items - len(back))]
    truth = rng.integers(0, 10, n_items)
    acc = np.array([0.92, 0.9, 0.88, 0.86, 0.84 if k < 60 else 0.70])
    right = rng.random((n_items, m)) < acc
    wrong = (truth[:, None] + rng.integers(1, 10, (n_items, m))) % 10
    labels = np.where(right, truth[:, None], wrong)
    unknown = 0.03 + (0.08 if k >= 80 else 0.0)
    names = np.array(CLASSES, dtype=object)[np.where(rng.random((n_items, m)) < unknown, 10, labels)]
    frame = pd.DataFrame({"item_id": np.repeat(items, m), "annotator_id": np.tile([f"ann_{a}" for a in range(m)], n_items),
                          "label": names.ravel()})
    gold = pd.DataFrame({"item_id": items[:500], "gold_label": np.array(CLASSES, dtype=object)[truth[:500]]})
    return frame, gold, items


def build(path: Path, deliveries: int, annotations: int, seed: int) -> None:
    import analytics as aqa
    from analytics.workspace import open_workspace

    rng = np.random.default_rng(seed)
    previous: list[str] = []
    times = []
    with open_workspace(path, create=True) as ws:
        start = len(ws.deliveries())
        for k in range(deliveries):
            frame, gold, previous = delivery_frame(rng, k, annotations, previous)
            if k < start:
                continue
            t0 = time.perf_counter()
            aset = aqa.load_annotations(frame, gold=gold, categories=CLASSES)
            t1 = time.perf_counter()
            ws.add(aset, name=f"week-{k + 1:03d}", vendor="Acme", guideline_version=f"v{1 + k // 25}")
            t2 = time.perf_counter()
            times.append((t1 - t0, t2 - t1))
            if k % 10 == 0 or k == deliveries - 1:
                emit(part="build", delivery=k + 1, load_s=round(t1 - t0, 2), add_s=round(t2 - t1, 2))
    adds = [a for _, a in times]
    emit(part="build-summary", deliveries=deliveries, annotations_per_delivery=annotations,
         add_s_median=round(statistics.median(adds), 2) if adds else None,
         file_mb=round(path.stat().st_size / 2**20, 1))


# -- timing aqa history and the History page ----------------------------------------------------------------------
def evict(path: Path) -> bool:
    """Drop the workspace file (and SQLite's -wal/-shm files) from the operating system's page cache
    (``posix_fadvise(DONTNEED)``), so that the next read comes from the disk; False where that is unavailable."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def time_history(path: Path, repeat: int) -> None:
    """``aqa history`` as a user runs it (a new process each time): ``cold``, the workspace file dropped from the
    page cache before each run (what the first run after a reboot or a while away reads from disk); ``warm``, right
    after another run. Then the library call and the History page's script in AppTest."""
    cmd = [sys.executable, "-m", "analytics.cli", "history", "--workspace", str(path)]
    subprocess.run(cmd, capture_output=True, cwd=ROOT)  # Python's bytecode caches written, not timed
    for how in ("cold", "warm"):
        walls = []
        for _ in range(repeat):
            if how == "cold" and not evict(path):
                break
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            walls.append(time.perf_counter() - t0)
            if done.returncode:
                raise SystemExit(done.stderr)
        if walls:
            emit(part=f"aqa history (whole process, {how})", median_s=round(statistics.median(walls), 3),
                 max_s=round(max(walls), 3), min_s=round(min(walls), 3), lines=len(done.stdout.splitlines()),
                 repeat=len(walls), load_1min=round(os.getloadavg()[0], 2))
    baseline = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], cwd=ROOT)
        baseline.append(time.perf_counter() - t0)
    emit(part="python -c pass (whole process)", median_s=round(statistics.median(baseline), 3))
    from analytics.workspace import open_workspace

    with open_workspace(path) as ws:
        t0 = time.perf_counter()
        history = ws.history()
        emit(part="Workspace.history() in process", seconds=round(time.perf_counter() - t0, 3),
             deliveries=len(history.deliveries), agreement_rows=len(history.agreement), gold_rows=len(history.gold))
    from streamlit.testing.v1 import AppTest

    app_path = str(ROOT / "dashboard" / "app.py")
    app = AppTest.from_file(app_path, default_timeout=300)
    app.session_state["aqa_workspace"] = str(path)
    app.run()
    t0 = time.perf_counter()
    app.switch_page("app_pages/history.py").run()
    emit(part="History page script (AppTest)", run="first visit (history read from the database, charts built)",
         seconds=round(time.perf_counter() - t0, 3), charts=len(app.get("plotly_chart")), exception=bool(app.exception))
    reruns = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        app.run()
        reruns.append(time.perf_counter() - t0)
    emit(part="History page script (AppTest)", run="rerun (tables and charts cached)",
         median_s=round(statistics.median(reruns), 3), min_s=round(min(reruns), 3), repeat=repeat,
         charts=len(app.get("plotly_chart")), exception=bool(app.exception))


# -- SQLite vs DuckDB on the trend queries -----------------------------------------------------------------------
SUMMARY_TABLES = ("deliveries", "coefficients", "category_stats", "annotator_gold", "pair_stats", "decisions",
                  "delivery_items")


def engines(path: Path, repeat: int) -> None:
    import sqlite3

    import duckdb
    import sqlalchemy as sa

    from analytics.workspace._content import frame_from_parquet
    from analytics.workspace._history import read_history

    tmp = Path(tempfile.mkdtemp())
    duck_path = tmp / "copy.duckdb"
    src = sqlite3.connect(path)
    con = duckdb.connect(str(duck_path))
    for table in SUMMARY_TABLES:
        frame = pd.read_sql(f"SELECT * FROM {table}", src)  # noqa: S608 - fixed table names
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
    # the raw annotations, once as a table in each engine, to compare an ad-hoc query over every annotation
    blobs = src.execute("SELECT delivery_id, data FROM delivery_data WHERE kind = 'annotations'").fetchall()
    t0 = time.perf_counter()
    frames = [frame_from_parquet(b).assign(delivery_id=d)[["delivery_id", "item_id", "annotator_id", "label"]]
              for d, b in blobs]
    parquet_read_s = time.perf_counter() - t0
    annotations = pd.concat(frames, ignore_index=True)
    con.execute("CREATE TABLE annotations AS SELECT * FROM annotations")
    con.close()
    raw_sqlite = tmp / "raw.sqlite"
    with sqlite3.connect(raw_sqlite) as raw:
        t0 = time.perf_counter()
        annotations.to_sql("annotations", raw, index=False, chunksize=200_000)
        sqlite_insert_s = time.perf_counter() - t0
    src.close()

    def best(fn) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    results = {}
    for name, url in (("sqlite", f"sqlite:///{path}"), ("duckdb", f"duckdb:///{duck_path}")):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            read_history(conn)  # warm
            results[name] = best(lambda: read_history(conn))
        engine.dispose()
    emit(part="trend queries: read_history (same SQLAlchemy Core code)", sqlite_s=round(results["sqlite"], 4),
         duckdb_s=round(results["duckdb"], 4), ratio_duckdb_over_sqlite=round(results["duckdb"] / results["sqlite"], 2))
    query = "SELECT delivery_id, label, COUNT(*) FROM annotations GROUP BY delivery_id, label"
    with sqlite3.connect(raw_sqlite) as raw:
        sqlite_raw = best(lambda: raw.execute(query).fetchall())
    con = duckdb.connect(str(duck_path), read_only=True)
    duck_raw = best(lambda: con.execute(query).fetchall())
    con.close()
    emit(part="ad-hoc query over every annotation (class counts per delivery)", annotations=len(annotations),
         sqlite_row_table_s=round(sqlite_raw, 3), duckdb_table_s=round(duck_raw, 3),
         parquet_blobs_read_all_s=round(parquet_read_s, 3), sqlite_insert_s=round(sqlite_insert_s, 1))
    for name, code in (("sqlite", "import sqlalchemy, sqlite3"),
                       ("duckdb", "import sqlalchemy, duckdb, duckdb_engine")):
        walls = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code])
            walls.append(time.perf_counter() - t0)
        emit(part="driver import (new process)", engine=name, median_s=round(statistics.median(walls), 3))
    # a second process writing while one holds the write lock
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); c.execute('BEGIN'); "
        "c.execute('INSERT INTO deliveries SELECT * FROM deliveries LIMIT 0'); print('held', flush=True); time.sleep(3)"),
        str(duck_path)], stdout=subprocess.PIPE, text=True)
    holder.stdout.readline()
    second = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(duck_path)],
                            capture_output=True, text=True)
    holder.wait()
    emit(part="DuckDB: a second process opens the file while another writes", exit_code=second.returncode,
         error=(second.stderr.strip().splitlines() or [""])[-1][:200])


def browser(path: Path, repeat: int, port: int = 8596) -> None:
    """The History page in headless Chromium: from a click on 'History' in the sidebar (the app already loaded) to
    every chart drawn (plotly's SVG present) and the script finished; first visit, then visits with the history
    cached."""
    import shutil

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshot_dashboard import CHROMIUM_FLAGS, wait_for_port

    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    server = subprocess.Popen([sys.executable, "-m", "analytics.cli", "dashboard", "--port", str(port), "--workspace",
                               str(path)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    done = "() => document.querySelector(\"[data-testid='stApp']\").dataset.testScriptState === 'notRunning'"
    # back on the Overview: its title shown, the other page's charts gone and its script finished (so the next click
    # is not timed against a page still being replaced)
    on_overview = ("() => { const h = document.querySelector(\"[data-testid='stMainBlockContainer'] h1\"); "
                   "return h && h.textContent.includes('Overview') && "
                   "document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length < 3 && "
                   "document.querySelector(\"[data-testid='stApp']\").dataset.testScriptState === 'notRunning'; }")
    drawn = ("() => { const c = [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]; "
             "return c.length >= 5 && c.every(p => p.querySelector('.main-svg')); }")
    try:
        wait_for_port(port)
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                          headless=True, args=CHROMIUM_FLAGS)
            page = chromium.new_page(viewport={"width": 1400, "height": 900})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")

            def cpu() -> float:  # CPU seconds of the page's main thread (what drawing costs, whatever the load)
                metrics = cdp.send("Performance.getMetrics")["metrics"]
                return next(m["value"] for m in metrics if m["name"] == "ThreadTime")

            page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
            page.wait_for_function(done, timeout=180_000)
            walls = []
            for k in range(repeat):
                c0, t0 = cpu(), time.perf_counter()
                page.get_by_role("link", name="History").click()
                page.wait_for_function(drawn, timeout=180_000, polling=20)
                page.wait_for_function(done, timeout=180_000, polling=20)
                walls.append(time.perf_counter() - t0)
                emit(part="History page in Chromium (click → 5 charts drawn)", visit=k + 1,
                     seconds=round(walls[-1], 2), browser_main_thread_cpu_s=round(cpu() - c0, 2),
                     load_1min=round(os.getloadavg()[0], 1))
                page.get_by_role("link", name="Overview").click()
                page.wait_for_function(on_overview, timeout=180_000, polling=20)
            if len(walls) > 1:
                emit(part="History page in Chromium, visits after the first (warm): summary", repeat=len(walls) - 1,
                     median_s=round(statistics.median(walls[1:]), 2), max_s=round(max(walls[1:]), 2))
            peer = ("() => { const c = [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]; "
                    "return c.length >= 3 && c.every(p => p.querySelector('.main-svg')); }")
            for k in range(repeat):  # a page of the single-file mode in the same run, for comparison
                c0, t0 = cpu(), time.perf_counter()
                page.get_by_role("link", name="Agreement").click()
                page.wait_for_function(peer, timeout=180_000, polling=20)
                page.wait_for_function(done, timeout=180_000, polling=20)
                emit(part="peer: Agreement page (digits sample) in Chromium (click → charts drawn)", visit=k + 1,
                     charts=page.locator("[data-testid='stPlotlyChart']").count(),
                     seconds=round(time.perf_counter() - t0, 2), browser_main_thread_cpu_s=round(cpu() - c0, 2))
                page.get_by_role("link", name="Overview").click()
                page.wait_for_function(on_overview, timeout=180_000, polling=20)
            chromium.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


DRAWN = ("() => { const c = [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]; "
         "return c.length >= 5 && c.every(p => p.querySelector('.main-svg')); }")
SCRIPT_DONE = "() => document.querySelector(\"[data-testid='stApp']\")?.dataset.testScriptState === 'notRunning'"


def cold(path: Path, repeat: int, port: int = 8597) -> None:
    """The History page's first visit after ``aqa dashboard --workspace W`` starts, in headless Chromium: each
    visit on a newly started server (its caches empty but for what its warm-up fills meanwhile).

    The clock starts at the navigation and stops once five charts are drawn (plotly's SVG present) and the page's
    script has finished. Three ways to arrive:

    * ``direct, empty browser cache``: a new browser context opens ``/history`` the moment the server's port accepts
      connections (the earliest anyone can arrive: the wait for the warm-up is included), so the browser also
      downloads and compiles Streamlit's frontend and its Plotly chunk (4.7 MB);
    * ``direct, browser cache warm``: the same, in one browser context kept across the server restarts, which has
      loaded the dashboard once before the timed visits (the frontend's files come from the browser's cache, as for
      a user who has opened the dashboard before);
    * ``click after the Overview``: a new context opens the app at the same moment; once the Overview (the default
      page) is drawn, a click on 'History' in the sidebar is timed.

    A peer in the same run: the Agreement page of the single-file mode (the digits sample, no workspace to read;
    its charts drawn), opened the same way as ``direct, browser cache warm``: the floor of any chart page's first
    visit on this machine.
    """
    import shutil

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshot_dashboard import CHROMIUM_FLAGS, wait_for_port

    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    url = f"http://127.0.0.1:{port}"

    peer_drawn = DRAWN.replace("c.length >= 5", "c.length >= 3")

    def visit(context, how: str) -> dict:
        t_start = time.perf_counter()
        workspace = [] if how.startswith("peer") else ["--workspace", str(path)]  # the peer: single-file mode
        server = subprocess.Popen([sys.executable, "-m", "analytics.cli", "dashboard", "--port", str(port), *workspace],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, poll_s=0.01)
            t_port = time.perf_counter()
            page = context.new_page()
            if how.startswith("direct") or how.startswith("peer"):
                t0 = time.perf_counter()
                page.goto(f"{url}/{'agreement' if how.startswith('peer') else 'history'}", wait_until="commit")
            else:
                page.goto(f"{url}/", wait_until="commit")
                page.wait_for_function(SCRIPT_DONE, timeout=180_000, polling=20)
                page.wait_for_selector("[data-testid='stPlotlyChart'] .main-svg", timeout=180_000)
                t0 = time.perf_counter()
                page.get_by_role("link", name="History").click()
            page.wait_for_function(peer_drawn if how.startswith("peer") else DRAWN, timeout=180_000, polling=20)
            page.wait_for_function(SCRIPT_DONE, timeout=180_000, polling=20)
            t1 = time.perf_counter()
            errors = page.locator("[data-testid='stException']").count()
            page.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
        return {"seconds": round(t1 - t0, 2), "server_start_to_port_s": round(t_port - t_start, 2),
                "navigation_after_port_s": round(t0 - t_port, 2), "exceptions": errors}

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                      headless=True, args=CHROMIUM_FLAGS)
        viewport = {"viewport": {"width": 1400, "height": 900}}
        kept = chromium.new_context(**viewport)
        visit(kept, "direct")  # the kept context loads the dashboard once (not timed)
        for how in ("direct, empty browser cache", "direct, browser cache warm", "click after the Overview",
                    "peer: Agreement page (digits sample), direct, browser cache warm"):
            walls = []
            for k in range(repeat):
                context = kept if "cache warm" in how else chromium.new_context(**viewport)
                result = visit(context, how)
                if context is not kept:
                    context.close()
                walls.append(result["seconds"])
                title = "" if how.startswith("peer") else "History page, "
                emit(part=f"{title}first visit after the server starts ({how})", rep=k + 1, **result,
                     load_1min=round(os.getloadavg()[0], 2))
            emit(part=f"{title}first visit after the server starts ({how}): summary", repeat=repeat,
                 median_s=round(statistics.median(walls), 2), max_s=round(max(walls), 2), min_s=round(min(walls), 2))
        kept.close()
        chromium.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--simulate", action="store_true")
    p.add_argument("--reps", type=int, default=5000)
    p.add_argument("--build", type=Path)
    p.add_argument("--deliveries", type=int, default=100)
    p.add_argument("--annotations", type=int, default=100_000)
    p.add_argument("--time", dest="time_path", type=Path)
    p.add_argument("--engines", type=Path)
    p.add_argument("--browser", type=Path)
    p.add_argument("--cold", type=Path, help="the History page's first visit after the server starts (new servers)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    emit(part="machine", load_average=[round(x, 2) for x in os.getloadavg()], cpus=os.cpu_count())
    if args.simulate:
        simulate(args.reps, args.seed)
    if args.build:
        build(args.build, args.deliveries, args.annotations, args.seed)
    if args.time_path:
        time_history(args.time_path, args.repeat)
    if args.engines:
        engines(args.engines, args.repeat)
    if args.browser:
        browser(args.browser, args.repeat)
    if args.cold:
        cold(args.cold, args.repeat)
    emit(part="machine (end)", load_average=[round(x, 2) for x in os.getloadavg()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
