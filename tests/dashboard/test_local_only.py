"""The dashboard stays local: a real browser opens every page with every request outside 127.0.0.1 blocked, and the
test fails if any page attempts one (a favicon, a font, an icon, usage statistics…).

Needs Debian's Chromium (``apt-get install -y chromium``) and the ``playwright`` package (it drives that binary; no
browser download). Without them the test skips — except under ``CI=true``, where it fails instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dashboard.app_pages import PAGES

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is needed for the browser test (CI=true: no skipping)")
    pytest.skip(f"{what} is not available")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"the dashboard did not start on port {port}")


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen([sys.executable, "-m", "analytics.cli", "dashboard", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1",)


def test_no_page_requests_anything_outside_127_0_0_1(server):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package")
    if not os.path.exists(CHROMIUM):
        _missing(CHROMIUM)
    outside: dict[str, list[str]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        seen: list[str] = []

        def route(r):
            if _local(r.request.url):
                r.continue_()
            else:
                seen.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        for i, p in enumerate(PAGES):
            seen.clear()
            page.goto(f"http://127.0.0.1:{server}/{'' if i == 0 else p['url_path']}", wait_until="networkidle")
            page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=120_000)
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)
            page.wait_for_timeout(1500)  # late requests (favicon, fonts) after the script has run
            assert page.locator("[data-testid='stException']").count() == 0, p["title"]
            if seen:
                outside[p["title"]] = sorted(set(seen))
        browser.close()
    assert not outside, f"pages requested addresses outside 127.0.0.1: {outside}"
