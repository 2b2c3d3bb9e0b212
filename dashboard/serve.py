"""Serve the dashboard: Streamlit's in-process runner, bound to 127.0.0.1, with usage statistics off.

``aqa dashboard`` calls :func:`serve`; the library (``analytics/``) never imports Streamlit, so the code that
does lives here, next to the app it starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def command(port: int = 8501, host: str = "127.0.0.1") -> list[str]:
    """The equivalent ``streamlit run`` command line (used when the in-process runner is unavailable)."""
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--browser.serverAddress", host]


def flag_options(port: int = 8501, host: str = "127.0.0.1") -> dict[str, object]:
    """Streamlit's config options for the dashboard (the same settings as :func:`command`)."""
    return {"server_address": host, "server_port": port, "server_headless": True,
            "browser_gatherUsageStats": False, "browser_serverAddress": host}


def serve(port: int = 8501, host: str = "127.0.0.1") -> int:
    """Serve the dashboard from this process, warming the default page's caches while the server starts.

    Falls back to ``python -m streamlit run`` in a subprocess if Streamlit's in-process runner is unavailable.
    Returns the process exit status (0 after Ctrl+C).
    """
    os.environ["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    try:
        from streamlit import config as streamlit_config
        from streamlit.web import bootstrap
    except ImportError:
        bootstrap = None
    try:
        if bootstrap is None or not hasattr(bootstrap, "run"):
            return subprocess.call(command(port, host), env=dict(os.environ))
        options = flag_options(port, host)
        streamlit_config._main_script_path = str(APP)  # as `streamlit run` does, for config and secrets lookup
        bootstrap.load_config_options(flag_options=options)
        from dashboard.warmup import start_warmup

        start_warmup()  # waits for the server's runtime, then fills the default page's caches
        bootstrap.run(str(APP), False, [], options)
        return 0
    except KeyboardInterrupt:
        return 0
