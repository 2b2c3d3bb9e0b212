"""The dashboard through Streamlit's AppTest: it runs, and shows the library's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert "Understood: 500 items, 5 annotators" in text


@pytest.mark.parametrize("sample", ["retail", "retail-tags"])
def test_data_page_switches_sample(app, sample):
    app.run()
    app.sidebar.selectbox(key="sample_choice").select(sample).run()
    assert not app.exception
    expected = load_sample(sample)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Items"] == f"{expected.n_items:,}"
    label = "Tags" if expected.multilabel else "Categories"
    assert metrics[label] == str(expected.n_categories)


def test_data_page_upload_mode_without_a_file(app):
    app.run()
    app.sidebar.radio(key="data_source").set_value("Upload an export").run()
    assert not app.exception
    assert any("Choose a file to upload" in i.value for i in app.info)
    assert app.metric[0].value == "500"  # the current dataset is still shown


def test_upload_service_loads_and_caches(tmp_path):
    from dashboard import services

    data = b"question,worker,answer\n1,w1,cat\n1,w2,dog\n2,w1,cat\n"
    key1, aset = services.load_upload({"annotations": ("a.csv", data)}, {"format": "auto"})
    key2, again = services.load_upload({"annotations": ("a.csv", data)}, {"format": "auto", "field": None})
    assert key1 == key2 and again is aset and aset.n_items == 2
    gold = b"item_id,gold_label\n1,cat\n"
    key3, with_gold = services.load_upload({"annotations": ("a.csv", data), "gold": ("g.csv", gold)}, {})
    assert key3 != key1 and with_gold.has_gold
    assert services.peek_columns("a.csv", data) == ["question", "worker", "answer"]
