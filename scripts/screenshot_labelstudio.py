"""Browser check of the Label Studio loop: a real server with a pilot project, the dashboard connected to it, the
push previewed and applied, then Label Studio's own Data Manager showing the pushed view.

Usage::

    AQA_LABEL_STUDIO_BIN=…/bin/label-studio python scripts/screenshot_labelstudio.py [--out screenshots/]

Saves ``ls-data-page.png`` (the Data page after the pull), ``ls-review-preview.png`` (the push preview),
``ls-review-pushed.png`` (after the push) and ``ls-view.png`` (the view "AQA: senior review" in Label Studio).
Needs Debian's Chromium and the ``playwright`` package (no browser download), like screenshot_dashboard.py.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics._atomic import atomic_target  # noqa: E402
from scripts.screenshot_dashboard import CHROMIUM_FLAGS, wait_for_port  # noqa: E402
from tests._labelstudio_server import (ADMIN, BIN_VARIABLE, create_project, free_port, pilot_tasks,  # noqa: E402
                                       start_server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    failed = ""
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(os.environ[BIN_VARIABLE], Path(tmp) / "ls")
        port = free_port()
        dash = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
                                 "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
                                 "--browser.gatherUsageStats=false"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            pid = create_project(server.client(), "Pilot: pets", pilot_tasks(server.users, 60))
            wait_for_port(port)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/data", wait_until="networkidle")
                page.get_by_text("Label Studio server").click()
                page.get_by_role("textbox", name="Label Studio address").fill(server.url)
                page.get_by_role("textbox", name="Project id").fill(str(pid))
                page.get_by_role("textbox", name="API token").fill(server.personal_token)
                page.get_by_role("button", name="Connect and pull").click()
                page.get_by_text("Pulled: every page now shows this project").wait_for(timeout=120_000)
                with atomic_target(out / "ls-data-page.png") as tmp:
                    tmp.write_bytes(page.screenshot(full_page=True))  # atomic: the bytes go to the temporary file
                page.get_by_role("link", name="Review queue").click()
                page.get_by_role("button", name="Preview the push").wait_for(timeout=120_000)
                page.get_by_role("button", name="Preview the push").click()
                page.get_by_text("This push will:").wait_for(timeout=120_000)
                page.get_by_text("This push will:").scroll_into_view_if_needed()
                with atomic_target(out / "ls-review-preview.png") as tmp:
                    tmp.write_bytes(page.screenshot())  # atomic: the bytes go to the temporary file
                page.get_by_role("button", name="to Label Studio").click()
                page.get_by_text("Pushed the").wait_for(timeout=120_000)
                page.get_by_text("Pushed the").scroll_into_view_if_needed()
                with atomic_target(out / "ls-review-pushed.png") as tmp:
                    tmp.write_bytes(page.screenshot())  # atomic: the bytes go to the temporary file
                view = next(v for v in server.client().views.list(project=pid))
                login = browser.new_page(viewport={"width": 1400, "height": 900})
                login.goto(f"{server.url}/user/login/", wait_until="networkidle")
                server.shell(_PASSWORD % {"email": ADMIN, "password": PASSWORD})
                login.locator("input[name=email]").fill(ADMIN)
                login.locator("input[name=password]").fill(PASSWORD)
                login.locator("input[name=password]").press("Enter")
                login.get_by_text("Recent Projects").wait_for(timeout=60_000)  # the home page: logged in
                errors: list[str] = []
                login.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
                login.goto(f"{server.url}/projects/{pid}/data?tab={view.id}", wait_until="networkidle")
                try:
                    login.get_by_text("AQA: senior review").first.wait_for(timeout=120_000)
                    login.wait_for_timeout(5000)  # the task rows load after the tabs
                except Exception:
                    failed = f"the Data Manager did not show the view; console errors: {errors[:5]}"
                with atomic_target(out / "ls-view.png") as tmp:
                    tmp.write_bytes(login.screenshot())  # atomic: the bytes go to the temporary file
                browser.close()
        finally:
            os.killpg(dash.pid, 15)
            server.stop()
    print(f"screenshots in {out}/")
    if failed:
        print(failed, file=sys.stderr)
    return 1 if failed else 0


PASSWORD = "aqa-screenshot-9"  # set on the throw-away server of this script only
_PASSWORD = """
from users.models import User
u = User.objects.get(email=%(email)r)
u.set_password(%(password)r)
u.save()
"""

if __name__ == "__main__":
    sys.exit(main())
