"""Fill the caches the default page needs while the server starts (used by ``aqa dashboard``).

``aqa dashboard`` runs the Streamlit server in its own process and, in a background thread, imports the
library and computes what the Overview of the default sample shows (the sample itself, its agreement
summary, class balance and, unless a browser session has already started, the top problems). Streamlit's
caches are process-wide, so the first browser session finds them filled instead of paying for imports and
analyses after the page was requested.
"""

from __future__ import annotations

import importlib
import logging
import threading
import warnings

__all__ = ["warm_default_sample", "start_warmup", "browser_arrives"]

log = logging.getLogger(__name__)


def warm_default_sample(target: float = 0.8) -> None:
    """Compute the Overview's cached results for the default sample (same keys the page uses)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from dashboard import services

        key = f"sample:{services.DEFAULT_SAMPLE}"
        aset = services.get_sample(services.DEFAULT_SAMPLE)
        # in the order the Overview draws: the verdict and both charts, then the top problems
        services.agreement(key, aset, target)
        services.dataset_overview(key, aset)
        services.category_balance(key, aset)
        importlib.import_module("analytics.plots")  # every page draws with it
        if not browser_arrives(within_s=0.5):
            services.problems(key, aset, target)


def browser_arrives(within_s: float) -> bool:
    """Whether a browser session is open now or opens within ``within_s`` seconds.

    Then its Overview computes the top problems itself, right after sending its charts, so that the work
    overlaps the browser drawing them. Computing them in this thread at the same time as the page's first run
    would make both share the GIL and delay the charts (measured on 2 cores: Overview drawn 4.9–5.1 s after
    launch, against 4.2–4.5 s). Streamlit has no public accessor for its session manager; when the private one
    is missing this answers False and the warm-up computes everything.
    """
    import time

    deadline = time.monotonic() + within_s
    while True:
        try:
            from streamlit.runtime import Runtime

            if Runtime.instance()._session_mgr.num_active_sessions() > 0:
                return True
        except Exception:  # noqa: BLE001 (a dependency's private API: any failure means "unknown")
            return False
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def start_warmup(timeout_s: float = 30.0) -> threading.Thread:
    """Once the Streamlit runtime exists (so results land in its caches), run :func:`warm_default_sample`
    in a daemon thread; failures are logged, never raised."""
    def run() -> None:
        import time

        from streamlit import runtime

        deadline = time.monotonic() + timeout_s
        while not runtime.exists():
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # "missing ScriptRunContext" is expected outside a session
        try:
            warm_default_sample()
        except Exception:  # a warm-up failure must not stop the dashboard; the page computes on demand
            log.exception("dashboard warm-up failed; pages will compute on first view")
        finally:
            quiet.setLevel(level)

    thread = threading.Thread(target=run, name="aqa-warmup", daemon=True)
    thread.start()
    return thread
