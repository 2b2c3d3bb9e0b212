"""The dashboard through Streamlit's AppTest: it runs, and shows the library's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.safety import escape_markdown
from analytics.samples import load_sample

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
TIMEOUT = 60


@pytest.fixture
def app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def test_data_page_shows_the_digits_sample(app):
    app.run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    expected = load_sample("digits")
    assert metrics["Items"] == f"{expected.n_items:,}"
    assert metrics["Annotators"] == str(expected.n_annotators)
    assert metrics["Annotations"] == f"{expected.n_annotations:,}"
    assert metrics["Categories"] == str(expected.n_categories)
    assert len(app.get("plotly_chart")) == 1
    text = " ".join(m.value for m in app.markdown)
    assert escape_markdown("Understood: 500 items, 5 annotators") in text  # the page escapes untrusted text


@pytest.mark.parametrize("sample", ["retail", "retail-tags"])
def test_data_page_switches_sample(app, sample):
    app.run()
    app.sidebar.selectbox[0].select(sample).run()
    assert not app.exception
    expected = load_sample(sample)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Items"] == f"{expected.n_items:,}"
    label = "Tags" if expected.multilabel else "Categories"
    assert metrics[label] == str(expected.n_categories)
