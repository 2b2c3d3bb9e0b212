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


def app_path() -> str:
    """The dashboard's entry script (next to the installed ``dashboard`` package)."""
    app = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    if not app.is_file():
        import dashboard

        app = Path(dashboard.__file__).resolve().parent / "app.py"
    return str(app)


def command(port: int = 8501, host: str = "127.0.0.1") -> list[str]:
    """The equivalent ``streamlit run`` command line (used when the in-process runner is unavailable)."""
    return [sys.executable, "-m", "streamlit", "run", app_path(),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--browser.serverAddress", host]


def flag_options(port: int = 8501, host: str = "127.0.0.1") -> dict[str, object]:
    """Streamlit's config options for the dashboard (the same settings as :func:`command`)."""
    return {"server_address": host, "server_port": port, "server_headless": True,
            "browser_gatherUsageStats": False, "browser_serverAddress": host}


def run(args: argparse.Namespace) -> int:
    """Serve the dashboard from this process, warming the default page's caches while the server starts.

    Falls back to ``python -m streamlit run`` in a subprocess if Streamlit's in-process runner is unavailable.
    """
    print(f"Annotation QA dashboard: http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    os.environ["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    app = app_path()
    try:
        from streamlit import config as streamlit_config
        from streamlit.web import bootstrap
    except ImportError:
        bootstrap = None
    try:
        if bootstrap is None or not hasattr(bootstrap, "run"):
            return subprocess.call(command(args.port, args.host), env=dict(os.environ))
        options = flag_options(args.port, args.host)
        streamlit_config._main_script_path = app  # as `streamlit run` does, for config and secrets lookup
        bootstrap.load_config_options(flag_options=options)
        from dashboard.warmup import start_warmup

        start_warmup()  # waits for the server's runtime, then fills the default page's caches
        bootstrap.run(app, False, [], options)
        return 0
    except KeyboardInterrupt:
        return 0
