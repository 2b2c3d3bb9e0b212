"""Fill the caches the default page needs while the server starts (used by ``aqa dashboard``).

``aqa dashboard`` runs the Streamlit server in its own process and, in a background thread, imports the
library and computes what the Overview of the default sample shows (the sample itself, its agreement
summary, class balance and, unless a browser session has already started, the top problems). Started on a
workspace (``aqa dashboard --workspace W``), it then reads the workspace's history and builds every table,
chart and check the History page shows with its default options, keyed by the workspace's revision as the page
keys them (a delivery added later changes the revision, and the page computes the new history itself).
Streamlit's caches are process-wide, so the first browser session finds them filled instead of paying for
imports and analyses after the page was requested.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import threading
import warnings

__all__ = ["warm_default_sample", "warm_workspace_history", "warm_streamlit", "start_warmup", "browser_arrives"]

log = logging.getLogger(__name__)


def warm_default_sample(target: float = 0.8, *, workspace: str | None = None) -> None:
    """Compute the Overview's cached results for the default sample (same keys the page uses); given a
    ``workspace`` location, the History page's first (:func:`warm_workspace_history`): a dashboard started on a
    workspace is started to look at its history."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from dashboard import services

        if workspace:
            try:
                warm_workspace_history(workspace)
            except Exception:  # the History page computes on demand and shows the error itself
                log.exception("warming the History page of workspace %s failed; it will compute on first view",
                              workspace)
        key = f"sample:{services.DEFAULT_SAMPLE}"
        aset = services.get_sample(services.DEFAULT_SAMPLE)
        # in the order the Overview draws: the verdict and both charts, then the top problems
        services.agreement(key, aset, target)
        services.dataset_overview(key, aset)
        services.category_balance(key, aset)
        importlib.import_module("analytics.plots")  # every page draws with it
        if not browser_arrives(within_s=0.5):
            services.problems(key, aset, target)


def warm_streamlit() -> bool:
    """Pay Streamlit's own one-time costs here instead of in the first page a browser asks for; returns whether
    Streamlit still has the private helpers this relies on (when not, nothing is done and pages pay as before).

    * The first element a process shows runs Streamlit's "not started with `streamlit run`?" check, which walks the
      caller's stack with :func:`inspect.stack` (reading the source file of every frame): 0.2–0.3 s in a page's
      deep stack, a few milliseconds in this thread's.
    * The first alert (``st.error``/``st.success``/``st.info``) whose text is not ASCII loads Streamlit's emoji
      catalogue and compiles its leading-emoji pattern (0.1–0.4 s); the History page's first alert is such a text.
    """
    try:
        from streamlit import delta_generator, string_util
    except ImportError:
        return False
    check = getattr(delta_generator, "_maybe_print_use_warning", None)
    emoji = getattr(string_util, "extract_leading_emoji", None)
    if check is None or emoji is None:
        return False
    check()  # once per process; prints nothing when the runtime exists
    emoji("\u2014")  # a non-ASCII text: loads the catalogue and compiles the pattern (Python's re cache keeps it)
    return True


def warm_workspace_history(location: str) -> list[str]:
    """Fill the History page's caches for the workspace at ``location`` as it is now: its trends and every part the
    page reads with its default options (:func:`dashboard.history_view.page_parts`), under the keys the page uses
    (the workspace's current revision). Returns the names of the parts read (empty for a workspace without
    deliveries, whose page shows no trends)."""
    from dashboard import workspace_session as wss
    from dashboard.history_view import DEFAULT_ALARM, DEFAULT_LEVEL, page_parts

    options = {"confidence_level": DEFAULT_LEVEL, "alarm_points": DEFAULT_ALARM}
    history = wss.history(location, **options)
    if not history.deliveries:
        return []
    return list(page_parts(history, wss.history_parts(location, **options)))


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
    """Once the Streamlit runtime exists (so results land in its caches), run :func:`warm_streamlit` and
    :func:`warm_default_sample` (with the History page of ``AQA_DASHBOARD_WORKSPACE``, set by ``aqa dashboard
    --workspace W``) in a daemon thread, then freeze what is alive (:func:`gc.freeze`); failures are logged, never
    raised."""
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
            warm_streamlit()
            warm_default_sample(workspace=os.environ.get("AQA_DASHBOARD_WORKSPACE") or None)
        except Exception:  # a warm-up failure must not stop the dashboard; the page computes on demand
            log.exception("dashboard warm-up failed; pages will compute on first view")
        finally:
            quiet.setLevel(level)
            # Everything alive now (modules, the libraries' tables, the filled caches) lives as long as the server.
            # Streamlit runs a full garbage collection after every script run (``runner.postScriptGC``), which
            # walked all of it each time: 0.23-0.26 s a page here. Frozen objects are left out of collections.
            gc.freeze()

    thread = threading.Thread(target=run, name="aqa-warmup", daemon=True)
    thread.start()
    return thread
