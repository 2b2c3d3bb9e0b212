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


#: The dashboard's Streamlit settings (the same as the repository's ``.streamlit/config.toml``, which a test
#: keeps identical): passed on every start, so they hold from any working directory and in an installed package.
SETTINGS: dict[str, dict[str, object]] = {
    "server": {"address": "127.0.0.1", "headless": True, "maxUploadSize": 200},
    "browser": {"gatherUsageStats": False, "serverAddress": "127.0.0.1"},
    "client": {"toolbarMode": "minimal"},
}


def _settings(port: int, host: str) -> dict[str, dict[str, object]]:
    out = {section: dict(values) for section, values in SETTINGS.items()}
    out["server"].update(address=host, port=port)
    out["browser"]["serverAddress"] = host
    return out


def command(port: int = 8501, host: str = "127.0.0.1") -> list[str]:
    """The equivalent ``streamlit run`` command line (used when the in-process runner is unavailable)."""
    flags = [f"--{section}.{name}={str(value).lower() if isinstance(value, bool) else value}"
             for section, values in _settings(port, host).items() for name, value in values.items()]
    return [sys.executable, "-m", "streamlit", "run", str(APP), *flags]


def flag_options(port: int = 8501, host: str = "127.0.0.1") -> dict[str, object]:
    """Streamlit's config options for the dashboard (the same settings as :func:`command`)."""
    return {f"{section}_{name}": value for section, values in _settings(port, host).items()
            for name, value in values.items()}


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
