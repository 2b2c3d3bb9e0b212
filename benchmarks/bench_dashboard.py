"""Dashboard speed (issue 8): cold start to a drawn Overview, cached page switches and widget changes in AppTest,
and a 1,000,000-annotation upload analysed and shown.

    python benchmarks/bench_dashboard.py [--skip-browser] [--annotations 1000000] [--cold-runs 5]

Targets: cold start ≤ 4 s (browser, digits sample); cached page switch / widget change ≤ 0.3 s (AppTest);
1M-annotation upload ≤ 4 s (issue 17; read + validate + agreement + top problems + Overview rendered).
Prints one JSON object; the figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from analytics._atomic import atomic_write  # noqa: E402
APP = str(ROOT / "dashboard" / "app.py")


#: The Overview is drawn when both charts have drawn their SVG and the top problems are listed (the page's
#: script has finished: no "running" status widget).
OVERVIEW_DRAWN = """() => document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg').length >= 2
    && ([...document.querySelectorAll('[data-testid="stMarkdownContainer"] strong')].some(s => /^1\\. /.test(s.textContent))
        || document.body.innerText.includes('Nothing falls short'))
    && !document.querySelector('[data-testid="stStatusWidget"]')"""


def cold_start(port: int = 8597) -> dict:
    """Seconds from launching ``aqa dashboard`` to the Overview's charts drawn in headless Chromium.

    The browser is started first (a user's browser is already open); the clock starts when the dashboard
    process is launched and stops when both Overview charts have drawn their SVG and the top problems are listed.
    """
    from playwright.sync_api import sync_playwright

    from scripts.screenshot_dashboard import CHROMIUM_FLAGS, wait_for_port

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "analytics.cli", "dashboard", "--port", str(port)], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                  env=dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false"))
        try:
            wait_for_port(port)
            server_up = time.perf_counter() - start
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function(OVERVIEW_DRAWN, timeout=60_000)
            drawn = time.perf_counter()
            browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return {"server_listening_s": round(server_up, 2), "cold_start_total_s": round(drawn - start, 2)}


def apptest_interactions() -> dict:
    """Median seconds of cached page switches and widget changes (after each page ran once)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    from dashboard.app_pages import PAGES

    pages = [p["file"].removesuffix(".py") for p in PAGES]
    at.run()
    for p in pages:  # warm every cache
        at.switch_page(f"app_pages/{p}.py").run()
    switches = []
    for _ in range(3):
        for p in pages:
            t = time.perf_counter()
            at.switch_page(f"app_pages/{p}.py").run()
            switches.append((p, time.perf_counter() - t))
    at.switch_page("app_pages/overview.py").run()
    widget = []
    for value in (0.7, 0.8, 0.7, 0.8):  # each value computed once, then cached
        t = time.perf_counter()
        at.sidebar.slider(key="target").set_value(value).run()
        widget.append(time.perf_counter() - t)
    per_page = pd.DataFrame(switches, columns=["page", "s"]).groupby("page")["s"].median().round(3).to_dict()
    return {"page_switch_median_s": per_page, "page_switch_max_median_s": max(per_page.values()),
            "widget_change_cached_s": round(float(np.median(widget[2:])), 3), "widget_change_first_s": round(widget[0], 3)}


def big_upload(n_annotations: int, upload_file: Path | None = None) -> dict:
    """Generate an n-annotation CSV (or take ``upload_file``), then time the Data page's upload path and the
    Overview drawn on it (AppTest: the page's script run to its end). As when a user uploads, the dashboard has
    shown its default Overview (the digits sample) once before; nothing of the upload is computed before."""
    from streamlit.testing.v1 import AppTest

    from analytics.report.overview import top_problems
    from dashboard import services

    if upload_file is not None:
        return _timed_upload(upload_file, AppTest, top_problems, services)
    rng = np.random.default_rng(0)
    n_annotators, n_classes = 5, 10
    n_items = n_annotations // n_annotators
    truth = rng.integers(0, n_classes, n_items)
    labels = np.where(rng.random((n_items, n_annotators)) < 0.85, truth[:, None], rng.integers(0, n_classes, (n_items, n_annotators)))
    frame = pd.DataFrame({"item_id": np.repeat(np.arange(n_items), n_annotators),
                          "annotator_id": np.tile([f"ann_{k}" for k in range(n_annotators)], n_items),
                          "label": np.char.add("class_", labels.ravel().astype(str))})
    path = Path("/tmp/aqa_bench_upload.csv")
    with atomic_write(path, newline="") as fh:
        frame.to_csv(fh, index=False)
    return _timed_upload(path, AppTest, top_problems, services)


def _timed_upload(path: Path, AppTest, top_problems, services) -> dict:
    # the dashboard is open before anything is uploaded: its default Overview (the digits sample) has run once
    opened = AppTest.from_file(APP, default_timeout=300)
    opened.run()
    data = path.read_bytes()
    c0 = time.process_time()
    t0 = time.perf_counter()
    key, aset = services.load_upload.__wrapped__({"annotations": (path.name, data)}, {}) \
        if hasattr(services.load_upload, "__wrapped__") else services.load_upload({"annotations": (path.name, data)}, {})
    t_load = time.perf_counter() - t0
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["aqa_datasets"] = {key: aset}
    at.session_state["aqa_dataset_key"] = key
    t2 = time.perf_counter()
    at.run()
    t_page = time.perf_counter() - t2
    cpu = time.process_time() - c0  # CPU of the whole process (load + page), all threads
    with warnings.catch_warnings():  # for the record: the analyses alone, on a fresh copy of the set
        warnings.simplefilter("ignore")
        import analytics

        fresh = analytics.load_annotations(path)
        t1 = time.perf_counter()
        analytics.agreement_summary(fresh)
        top_problems(fresh)
        t_analyse = time.perf_counter() - t1
    return {"annotations": aset.n_annotations, "csv_mb": round(len(data) / 1e6, 1), "read_validate_s": round(t_load, 2),
            "agreement_and_problems_s": round(t_analyse, 2), "overview_page_s": round(t_page, 2),
            "total_s": round(t_load + t_page, 2), "total_cpu_s": round(cpu, 2), "page_exception": bool(at.exception)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts to time (median, min, max reported)")
    parser.add_argument("--upload-file", type=Path, help="time the upload of this file (default: a generated CSV)")
    parser.add_argument("--skip-apptest", action="store_true", help="skip the page-switch and widget timings")
    args = parser.parse_args()
    out = {}
    if not args.skip_browser:
        runs = [cold_start(port=8597 + i) for i in range(args.cold_runs)]
        totals = sorted(r["cold_start_total_s"] for r in runs)
        out["cold_start"] = {"median_s": float(np.median(totals)), "min_s": totals[0], "max_s": totals[-1],
                             "server_listening_s": float(np.median([r["server_listening_s"] for r in runs])),
                             "runs": runs}
    if not args.skip_apptest:
        out["apptest"] = apptest_interactions()
    out["upload"] = big_upload(args.annotations, args.upload_file)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
