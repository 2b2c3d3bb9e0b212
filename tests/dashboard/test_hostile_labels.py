"""A label, id or file name such as ``<script>alert(1)</script>`` is shown as text: in chart hover and tick text,
and on the Data page (markdown) through Streamlit's AppTest with a DataFrame-based set."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics import load_annotations
from analytics.safety import escape_html, escape_markdown
from analytics.plots import category_balance_chart

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
SCRIPT = "<script>alert(1)</script>"
LINK = "[click](javascript:alert(2))"


def test_chart_hover_and_tick_text_are_escaped():
    balance = pd.DataFrame({"category": [SCRIPT, "cat"], "n_labels": [3, 5], "share": [0.375, 0.625]})
    fig = category_balance_chart(balance, unknown=SCRIPT)
    bar = fig.data[0]
    assert list(bar.y) == ["&lt;script&gt;alert(1)&lt;/script&gt;", "cat"]
    assert "%{y}" in bar.hovertemplate  # hover shows the escaped tick text
    assert bar.marker.color[0] == "#d62728"  # still recognized as the Unknown class
    assert "<script>" not in fig.to_json()


def _hostile_set():
    frame = pd.DataFrame({
        "item_id": [SCRIPT, SCRIPT, "img_2", "img_2"],
        "annotator_id": ["<b>mallory</b>", "bob", "<b>mallory</b>", "bob"],
        "label": [SCRIPT, "cat", LINK, "$x^2$"],
    })
    return load_annotations(frame)


@pytest.fixture
def app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=60)


def test_data_page_shows_hostile_labels_as_text(app):
    aset = _hostile_set()
    key = "frame:" + hashlib.sha256(aset.frame.to_csv().encode()).hexdigest()[:16]
    app.session_state["aqa_datasets"] = {key: aset}  # what services.set_current stores
    app.session_state["aqa_dataset_key"] = key
    app.run()
    app.switch_page("app_pages/data.py").run()
    assert not app.exception
    assert app.sidebar.selectbox(key="sample_choice").value == key  # the page shows the session's set, not a sample
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Items"], metrics["Annotators"], metrics["Categories"]) == ("2", "2", "4")
    markdown = [m.value for m in app.markdown]
    text = "\n".join(markdown)
    assert "<script>" not in text and "<b>" not in text and "](javascript" not in text
    assert escape_markdown(SCRIPT) in text and escape_markdown(LINK) in text and escape_markdown("$x^2$") in text
    assert all("<" not in m for m in markdown)  # no raw tag of any kind reaches st.markdown
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert escape_html(SCRIPT) in spec["data"][0]["y"]
    assert "<script>" not in json.dumps(spec)


@pytest.mark.parametrize("page", ["overview", "agreement", "annotators", "taxonomy", "model", "review"])
def test_every_page_shows_hostile_labels_as_text(app, page):
    aset = _hostile_set()
    app.session_state["aqa_datasets"] = {"frame:hostile": aset}
    app.session_state["aqa_dataset_key"] = "frame:hostile"
    app.run()
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception
    for kind in ("markdown", "caption", "error", "warning", "info", "success"):
        for element in app.get(kind):
            assert "<script>" not in element.value and "<b>" not in element.value, (kind, element.value)
    for chart in app.get("plotly_chart"):
        assert "<script>" not in chart.proto.spec
