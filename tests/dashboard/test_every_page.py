"""Every page runs without exception on every bundled sample and on real datasets (skipped when absent),
and every chart it draws has a title and axis titles."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dashboard.app_pages import PAGES
from tests.conftest import DATASETS, need

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PAGE_FILES = [p["file"] for p in PAGES]


def _real(name: str):
    from analytics import load_annotations

    if name == "cifar10h":
        folder = need(DATASETS / "cifar10h")
        return load_annotations(folder / "human_counts.csv", gold=folder / "truth.csv",
                                predictions=folder / "model_probs_resnet18.csv")
    folder = need(DATASETS / name)
    return load_annotations(folder / "answers.csv", gold=folder / "truth.csv")


def _broken_bold(text: str) -> bool:
    """Whether a bold span (between the 1st and 2nd, 3rd and 4th ``**``…) starts or ends with a space or is left
    open: Markdown then shows the asterisks raw (the "**1. add other: ** —" of issue 16)."""
    parts = text.split("**")
    spans = parts[1::2]
    return len(parts) % 2 == 0 or any(not p.strip() or p != p.strip() for p in spans)


def _check_text(app) -> None:
    """What a person reads: no 'nan', no 'item(s)', no library function names, no markdown left raw."""
    shown = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        shown += [str(e.value) for e in app.get(kind)]
    for text in shown:
        assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), text
        assert "(s)" not in text and "(es)" not in text, text
        assert not re.search(r"\banalytics\.[a-z_]+", text), text
        assert not _broken_bold(text), text


def _check_charts(app) -> None:
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        assert layout.get("title", {}).get("text"), "every chart has a title"
        if any(t.get("type") not in ("sunburst", "pie") for t in spec["data"]):
            titled = [v.get("title", {}).get("text") for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
            assert any(titled), f"axis titles missing in '{layout['title']['text']}'"


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("sample", ["digits", "retail", "retail-tags"])
def test_every_page_on_every_sample(sample, page):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.selectbox(key="sample_choice").select(sample).run()
    app.switch_page(f"app_pages/{page}").run()
    assert not app.exception, app.exception
    assert app.title and app.title[0].value
    _check_charts(app)
    _check_text(app)


@pytest.mark.parametrize("page", PAGE_FILES)
@pytest.mark.parametrize("dataset", ["dog", "cifar10h"])
def test_every_page_on_real_data(dataset, page):
    from streamlit.testing.v1 import AppTest

    aset = _real(dataset)
    app = AppTest.from_file(APP, default_timeout=180)
    app.session_state["aqa_datasets"] = {f"real:{dataset}": aset}
    app.session_state["aqa_dataset_key"] = f"real:{dataset}"
    app.run()
    app.switch_page(f"app_pages/{page}").run()
    assert not app.exception, app.exception
    _check_charts(app)
    _check_text(app)
