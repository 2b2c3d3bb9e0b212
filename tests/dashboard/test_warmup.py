"""The warm-up of ``aqa dashboard``: it fills exactly the caches the Overview reads, under the Overview's keys."""

from __future__ import annotations

import logging
import warnings

import pytest

from dashboard import services, warmup


@pytest.fixture
def quiet_streamlit():
    """Streamlit warns that no runtime exists when cached functions run outside a server (expected here)."""
    names = ("streamlit", "streamlit.runtime.caching.cache_data_api",
             "streamlit.runtime.scriptrunner_utils.script_run_context")
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    for n, level in levels.items():
        logging.getLogger(n).setLevel(level)


def test_warmup_fills_the_overview_caches(monkeypatch, quiet_streamlit):
    import analytics
    import analytics.report.overview

    calls = {"agreement_summary": 0, "top_problems": 0}
    real_summary, real_problems = analytics.agreement_summary, analytics.report.overview.top_problems

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(analytics, "agreement_summary", counted("agreement_summary", real_summary))
    monkeypatch.setattr(analytics.report.overview, "top_problems", counted("top_problems", real_problems))
    services.agreement.clear()
    services.problems.clear()
    assert not warmup.browser_arrives(within_s=0)  # no Streamlit server in this process: warm everything
    warmup.warm_default_sample()
    assert calls == {"agreement_summary": 1, "top_problems": 1}
    # what the Overview asks for with the slider's default is served from the caches
    key = f"sample:{services.DEFAULT_SAMPLE}"
    aset = services.get_sample(services.DEFAULT_SAMPLE)
    assert services.agreement(key, aset, 0.8).ok and services.problems(key, aset, 0.8)
    assert calls == {"agreement_summary": 1, "top_problems": 1}


def test_warmup_thread_gives_up_without_a_server():
    thread = warmup.start_warmup(timeout_s=0.2)
    thread.join(timeout=5)
    assert not thread.is_alive()
