"""The workspace in the dashboard (AppTest): open/create one and add deliveries on the Data page; the History page
draws the trends and regressions; the Decisions page records a recommendation with one click and shows its
verification on a later delivery. Without a workspace the single-file mode is unchanged."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import analytics as aqa
from analytics.workspace import open_workspace

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
RETAIL = Path(__file__).resolve().parents[2] / "sample_data" / "retail"
TIMEOUT = 120


def plain(text: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def shown(app) -> str:
    parts = [e.value for kind in ("markdown", "success", "info", "error", "warning", "caption")
             for e in app.get(kind)]
    return plain(" ".join(str(p) for p in parts))


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=TIMEOUT)


@pytest.fixture(scope="module")
def retail_workspace(tmp_path_factory):
    """Two retail deliveries; the second one follows a merge of Shirt and Blouse into Top."""
    frame = pd.read_csv(RETAIL / "annotations.csv")
    items = sorted(frame["item_id"].unique(), key=lambda s: int(s[1:]))
    first = frame[frame["item_id"].isin(items[:150])]
    second = frame[frame["item_id"].isin(items[150:])].replace({"label": {"Shirt": "Top", "Blouse": "Top"}})
    path = tmp_path_factory.mktemp("ws") / "retail.aqa"
    with open_workspace(path, create=True) as ws:
        ws.add(aqa.load_annotations(first, gold=RETAIL / "gold.csv", taxonomy=RETAIL / "taxonomy.yaml"),
               name="batch-1", vendor="Acme")
    second_set = aqa.load_annotations(second, gold=pd.read_csv(RETAIL / "gold.csv").replace(
        {"gold_label": {"Shirt": "Top", "Blouse": "Top"}}))
    return path, second_set


def _charts_titled(app) -> list[str]:
    titles = []
    for chart in app.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        titles.append(layout.get("title", {}).get("text", ""))
        assert titles[-1], "every chart has a title"
        assert any(v.get("title", {}).get("text") for k, v in layout.items() if k.startswith(("xaxis", "yaxis")))
    return titles


def test_pages_without_a_workspace_point_to_the_data_page():
    for page in ("history.py", "decisions.py"):
        app = _app()
        app.run()
        app.switch_page(f"app_pages/{page}").run()
        assert not app.exception
        assert "No workspace is open" in shown(app) and "Data page" in shown(app)


def test_data_page_creates_a_workspace_and_adds_deliveries(tmp_path):
    app = _app()
    app.run()
    app.switch_page("app_pages/data.py").run()
    location = tmp_path / "new.aqa"
    app.text_input(key="ws_location").input(str(location))
    app.button(key="FormSubmitter:workspace_open-Open workspace").click().run()
    assert not app.exception and location.exists()
    assert app.session_state["aqa_workspace"] == str(location)
    app.text_input(key="ws_add_name").input("digits-1")
    app.text_input(key="ws_add_vendor").input("Acme")
    app.button(key="FormSubmitter:workspace_add-Add to the workspace").click().run()
    assert not app.exception
    assert "Added delivery 'digits-1'" in shown(app)
    app.button(key="FormSubmitter:workspace_add-Add to the workspace").click().run()  # the same content again
    assert "already in the workspace as delivery 'digits-1'" in shown(app)
    with open_workspace(location) as ws:
        (info,) = ws.deliveries()
    assert (info.name, info.vendor, info.n_annotations) == ("digits-1", "Acme", aqa.samples.load_sample("digits").n_annotations)
    frames = [df.value for df in app.dataframe]
    assert any("digits-1" in set(f.get("name", [])) for f in frames)
    app.button(key="ws_open_button").click().run()
    assert not app.exception
    assert app.session_state["aqa_dataset_key"] == f"workspace:{location}|digits-1"
    assert {m.label: m.value for m in app.metric}["Annotations"] == f"{info.n_annotations:,}"
    app.switch_page("app_pages/agreement.py").run()  # the other pages read the delivery
    assert not app.exception


def test_history_page_draws_trends_and_regressions(tmp_path, retail_workspace):
    from analytics.samples import load_sample

    path = tmp_path / "digits.aqa"
    digits = load_sample("digits")
    with open_workspace(path, create=True) as ws:
        for r in ("1", "2"):
            ws.add(digits.subset((digits.frame["round"].astype(str) == r).to_numpy()), name=f"round-{r}")
    app = _app()
    app.session_state["aqa_workspace"] = str(path)
    app.run()
    app.switch_page("app_pages/history.py").run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Deliveries"] == "2" and metrics["Agreement regressions"] == "0"
    titles = _charts_titled(app)
    for word in ("Agreement across deliveries", "Per-class kappa", "Gold accuracy per annotator",
                 "Unknown/Other share", "Class balance"):
        assert any(word in t for t in titles), word
    assert "PASS no-regression" in shown(app)
    app.sidebar.slider(key="history_alarm").set_value(1.0).run()
    assert "the Unknown share rose +2.7 points" in shown(app)


def test_decisions_page_records_a_recommendation_in_one_click(retail_workspace, tmp_path):
    import shutil

    source, second = retail_workspace
    path = tmp_path / "retail.aqa"
    shutil.copy(source, path)
    app = _app()
    app.session_state["aqa_workspace"] = str(path)
    app.run()
    app.switch_page("app_pages/decisions.py").run()
    assert not app.exception and "No decision recorded yet" in shown(app)
    assert "merge: Shirt + Blouse" in shown(app)
    app.button(key="record_batch-1_1").click().run()
    assert not app.exception
    assert "Recorded decision #1: merge Shirt + Blouse → Shirt+Blouse" in shown(app)
    assert "Waiting for a later delivery" in shown(app)
    with open_workspace(path) as ws:
        ws.add(second, name="batch-2")
    app.run()
    assert not app.exception
    text = shown(app)
    assert "In batch-2: Fleiss' kappa" in text and "observed − predicted" in text
    assert any("Did the decision work?" in t for t in _charts_titled(app))


def test_decisions_page_records_by_hand(retail_workspace, tmp_path):
    import shutil

    path = tmp_path / "retail.aqa"
    shutil.copy(retail_workspace[0], path)
    app = _app()
    app.session_state["aqa_workspace"] = str(path)
    app.run()
    app.switch_page("app_pages/decisions.py").run()
    app.selectbox(key="decision_action").select("clarify")
    app.multiselect(key="decision_classes").select("Jeans")
    app.text_area(key="decision_definition").input("Denim trousers with rivets")
    app.button(key="FormSubmitter:decision_form-Record").click().run()
    assert not app.exception
    assert "Recorded decision #1: clarify Jeans" in shown(app)
    assert "New definition: Denim trousers with rivets" in shown(app)
