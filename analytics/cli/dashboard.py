"""``aqa dashboard``: start the Streamlit dashboard (local only, no usage statistics)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = """examples:
  aqa dashboard                      # the bundled digits pilot, on http://127.0.0.1:8501
  aqa dashboard --port 8600
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="start the dashboard in the browser",
                       description="Start the Streamlit dashboard on this machine. It listens on 127.0.0.1 only "
                                   "and sends no usage statistics.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; anything else exposes the dashboard on your network)")
    p.set_defaults(handler=run)


def command(port: int = 8501, host: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line for the dashboard."""
    app = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    if not app.is_file():  # installed as a package: find it next to the installed dashboard package
        import dashboard

        app = Path(dashboard.__file__).resolve().parent / "app.py"
    return [sys.executable, "-m", "streamlit", "run", str(app),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--browser.serverAddress", host]


def run(args: argparse.Namespace) -> int:
    cmd = command(args.port, args.host)
    print(f"Annotation QA dashboard: http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
