"""The warm-up of ``aqa dashboard``: it fills exactly the caches the Overview reads, under the Overview's keys."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

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


@pytest.fixture
def two_rounds(tmp_path):
    """A workspace of two deliveries (the digits sample's two rounds) and the third one, not added yet."""
    from analytics.samples import load_sample
    from analytics.workspace import open_workspace

    digits = load_sample("digits")
    rounds = {r: digits.subset((digits.frame["round"].astype(str) == r).to_numpy()) for r in ("1", "2")}
    path = tmp_path / "digits.aqa"
    with open_workspace(path, create=True) as ws:
        ws.add(rounds["1"], name="round-1")
        ws.add(rounds["2"], name="round-2")
    return path, rounds["1"].subset(rounds["1"].frame.index.to_numpy() % 2 == 0)


def test_warmup_fills_what_the_history_page_reads(two_rounds, monkeypatch, quiet_streamlit):
    """After the warm-up, the History page's first visit builds nothing (every table, chart and check is read from
    the caches under the page's own keys); a delivery added afterwards changes the workspace's revision, and the
    page shows it (computing the new history)."""
    from streamlit.testing.v1 import AppTest

    from analytics.workspace import open_workspace
    from dashboard import history_view

    path, third = two_rounds
    location = str(path)
    services.workspace_history.clear()
    built: list[str] = []
    real_build = history_view.build

    def counted(ws, history, part, classes=(), **options):
        built.append(part)
        return real_build(ws, history, part, classes, **options)

    monkeypatch.setattr(history_view, "build", counted)
    parts = warmup.warm_workspace_history(location)
    assert set(parts) == {"check", "agreement", "per_class", "gold", "unknown", *(f"chart:{c}" for c in history_view.CHARTS)}
    assert sorted(built) == sorted(["history", *parts])
    built.clear()

    app = AppTest.from_file(str(Path(services.__file__).resolve().parent / "app.py"), default_timeout=120)
    app.session_state["aqa_workspace"] = location
    app.run(timeout=120)
    app.switch_page("app_pages/history.py").run(timeout=120)
    assert not app.exception
    assert built == []  # nothing computed: the warm-up filled exactly what the page reads
    assert len(app.get("plotly_chart")) == 5
    assert {m.label: m.value for m in app.metric}["Deliveries"] == "2"

    with open_workspace(path) as ws:  # `aqa add` while the dashboard runs
        ws.add(third, name="round-1-again")
    app.run(timeout=120)
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["Deliveries"] == "3"
    assert "history" in built and "chart:agreement" in built


def test_warmup_of_an_empty_workspace_reads_no_parts(tmp_path, quiet_streamlit):
    from analytics.workspace import open_workspace

    path = tmp_path / "empty.aqa"
    open_workspace(path, create=True).close()
    assert warmup.warm_workspace_history(str(path)) == []


def test_warmup_pays_streamlits_one_time_costs():
    """With the Streamlit the dashboard runs on, the warm-up finds the private helpers it calls and runs them (the
    floor, 1.52, and the newest release at the time of writing both have them)."""
    from streamlit import delta_generator

    if not (hasattr(delta_generator, "_maybe_print_use_warning")
            and hasattr(__import__("streamlit.string_util").string_util, "extract_leading_emoji")):
        # A later Streamlit renamed them: the warm-up must then do nothing (checked below), not fail the dashboard.
        assert warmup.warm_streamlit() is False
        return
    assert warmup.warm_streamlit() is True
    assert delta_generator._use_warning_has_been_displayed


def test_warmup_without_streamlits_private_helpers_does_nothing(monkeypatch):
    """A Streamlit without the helpers (renamed in a later release): the warm-up says so and calls nothing."""
    from streamlit import delta_generator, string_util

    monkeypatch.delattr(delta_generator, "_maybe_print_use_warning", raising=False)
    called = []
    monkeypatch.setattr(string_util, "extract_leading_emoji", lambda text: called.append(text), raising=False)
    assert warmup.warm_streamlit() is False
    assert called == []
