"""The dashboard in a real browser: ``scripts/screenshot_dashboard.py`` starts ``aqa dashboard`` on a free port,
opens every page in headless Chromium (Debian's ``/usr/bin/chromium`` driven by playwright, no browser
download), waits until every chart is drawn and saves screenshots. AppTest (the other tests here) runs the
scripts without a browser; this is the check that the pages render and draw in one."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # about a minute on 2 shared cores
def test_every_page_renders_and_draws_its_charts_in_headless_chromium(tmp_path):
    pytest.importorskip("playwright.sync_api", reason="the playwright package (dev extra) drives the system Chromium")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip(f"{chromium} is not installed (Debian: apt-get install -y chromium)")
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "screenshot_dashboard.py"), "--out", str(tmp_path),
                           "--port", str(_free_port()), "--chromium", chromium],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    results = json.loads(done.stdout)
    from dashboard.app_pages import PAGES

    assert [r["page"] for r in results] == [p["title"] for p in PAGES]
    for r in results:
        assert r["exceptions"] == 0 and r["horizontal_overflow"] is False, r
        with open(r["screenshot"], "rb") as png:
            assert png.read(8) == b"\x89PNG\r\n\x1a\n", r
    charts = {r["page"]: r["charts"] for r in results}
    assert charts["Agreement"] > 0 and charts["Model vs human"] > 0, charts  # drawn: the script waited for the SVG
