"""Fill the caches the default page needs while the server starts (used by ``aqa dashboard``).

``aqa dashboard`` runs the Streamlit server in its own process and, in a background thread, imports the
library and computes what the Overview of the default sample shows (the sample itself, its agreement
summary and top problems). Streamlit's caches are process-wide, so the first browser session finds them
filled instead of paying for imports and analyses after the page was requested.
"""

from __future__ import annotations

import logging
import threading
import warnings

__all__ = ["warm_default_sample", "start_warmup"]

log = logging.getLogger(__name__)


def warm_default_sample(target: float = 0.8) -> None:
    """Compute the Overview's cached results for the default sample (same keys the page uses)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from dashboard import services

        key = f"sample:{services.DEFAULT_SAMPLE}"
        aset = services.get_sample(services.DEFAULT_SAMPLE)
        services.dataset_overview(key, aset)
        services.category_balance(key, aset)
        services.agreement(key, aset, target)
        services.problems(key, aset, target)
        import analytics.plots  # noqa: F401  (imported for its side effect: every page draws with it)


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
