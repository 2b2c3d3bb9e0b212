"""Browser check: start the dashboard, open every page in headless Chromium, wait for charts, save screenshots.

Usage::

    python scripts/screenshot_dashboard.py [--out screenshots/] [--port 8599] [--width 1400 --height 900]

Needs Debian's Chromium (``apt-get install -y chromium``) and the ``playwright`` Python package, which drives
that binary through ``executable_path`` (no browser download). Exits non-zero when a page shows a Streamlit
exception, a chart does not draw, or the page overflows the window horizontally.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from analytics._atomic import atomic_target  # noqa: E402

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def wait_for_port(port: int, timeout: float = 60, poll_s: float = 0.02) -> None:
    """Return as soon as something listens on ``port`` (checked every ``poll_s`` seconds: the cold-start
    benchmark's clock runs meanwhile)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(poll_s)
    raise TimeoutError(f"dashboard did not start on port {port}")


def settled_count(page, selector: str, stable_s: float = 3.0, timeout_s: float = 30.0) -> int:
    """Number of elements matching ``selector`` once it has not changed for ``stable_s`` seconds."""
    deadline = time.time() + timeout_s
    last, since = -1, time.time()
    while time.time() < deadline:
        n = page.locator(selector).count()
        if n != last:
            last, since = n, time.time()
        elif time.time() - since >= stable_s:
            break
        page.wait_for_timeout(250)
    return last


def page_paths() -> list[tuple[str, str]]:
    """(title, url path) of every page, read from the app's navigation."""
    from dashboard.app_pages import PAGES

    return [(p["title"], "" if i == 0 else p["url_path"]) for i, p in enumerate(PAGES)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--port", type=int, default=8599)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--workspace", help="start the dashboard on this workspace (aqa dashboard --workspace)")
    parser.add_argument("--pages", help="comma-separated page titles to open (default: every page)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright


    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    extra = ["--workspace", args.workspace] if args.workspace else []
    server = subprocess.Popen([sys.executable, "-m", "analytics.cli", "dashboard", "--port", str(args.port), *extra],
                              cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    results, failures = [], []
    try:
        wait_for_port(args.port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            wanted = {t.strip() for t in args.pages.split(",")} if args.pages else None
            for title, path in page_paths():
                if wanted is not None and title not in wanted:
                    continue
                url = f"http://127.0.0.1:{args.port}/{path}"
                start = time.time()
                page.goto(url, wait_until="networkidle")
                page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=120_000)
                page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)
                n_charts = settled_count(page, "[data-testid='stPlotlyChart']")
                if n_charts:
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
                        ".every(p => p.querySelector('.main-svg'))", timeout=60_000)
                elapsed = time.time() - start
                errors = page.locator("[data-testid='stException']").count() + page.get_by_text("Page not found").count()
                overflow = page.evaluate(
                    "() => [document.documentElement, document.querySelector('[data-testid=\"stMain\"]')]"
                    ".some(e => e && e.scrollWidth > e.clientWidth + 1)")
                file = out / f"{title.lower().replace(' ', '_').replace('&', 'and')}.png"
                with atomic_target(file) as tmp:
                    tmp.write_bytes(page.screenshot())  # atomic: the bytes go to the temporary file
                # a second, full-length image: grow the window to the main area's scroll height
                full = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": args.width, "height": min(int(full) + 50, 12000)})
                page.wait_for_timeout(800)
                with atomic_target(file.with_name(file.stem + "_full.png")) as tmp:
                    tmp.write_bytes(page.screenshot())  # atomic: the bytes go to the temporary file
                page.set_viewport_size({"width": args.width, "height": args.height})
                results.append({"page": title, "url": url, "seconds": round(elapsed, 2), "charts": n_charts,
                                "exceptions": errors, "horizontal_overflow": overflow, "screenshot": str(file)})
                if errors or overflow:
                    failures.append(title)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(json.dumps(results, indent=2))
    if failures:
        print(f"pages with problems: {failures}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
