"""Overview and Agreement pages show three verdicts — met, not met, cannot be measured — and never "nan" (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED, need

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def _sets():
    from analytics import load_annotations

    def wide(tmp):
        path = tmp / "w.csv"
        path.write_text("foo,bar\n1,2\n", encoding="utf-8")
        return load_annotations(path)

    return {
        "one_item": lambda tmp: load_annotations(_frame([(1, "a", "x"), (1, "b", "y")])),
        "two_agree": lambda tmp: load_annotations(_frame([(1, "a", "x"), (1, "b", "x"), (2, "a", "y"), (2, "b", "y")])),
        "two_disagree": lambda tmp: load_annotations(_frame([(1, "a", "x"), (1, "b", "y"), (2, "a", "y"),
                                                             (2, "b", "x")])),
        "one_annotator": lambda tmp: load_annotations(need(SHARED / "formats" / "cvat" / "datumaro_legacy_train.json")),
        "wide_one_row": wide,
        "twenty_by_three": lambda tmp: load_annotations(
            need(SHARED / "formats" / "labelstudio" / "jeet1248_CV_json_min_3annotators.json")),
    }


def _shown(app) -> list[str]:
    out = []
    for kind in ("markdown", "success", "info", "warning", "error", "caption", "title", "header", "subheader"):
        out += [str(e.value) for e in app.get(kind)]
    for m in app.metric:
        out += [str(m.label), str(m.value), str(m.delta or "")]
    return out


def _open(name: str, page: str, tmp_path):
    from streamlit.testing.v1 import AppTest

    aset = _sets()[name](tmp_path)
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["aqa_datasets"] = {f"test:{name}": aset}
    app.session_state["aqa_dataset_key"] = f"test:{name}"
    app.run()
    if page != "overview":
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("page", ["overview", "agreement"])
@pytest.mark.parametrize("name", ["one_item", "two_agree", "two_disagree", "one_annotator", "wide_one_row",
                                  "twenty_by_three"])
def test_no_nan_reaches_the_pages(name, page, tmp_path):
    app = _open(name, page, tmp_path)
    bad = [t for t in _shown(app) if NAN.search(t)]
    assert not bad, bad


@pytest.mark.parametrize("name", ["one_item", "one_annotator", "wide_one_row"])
def test_overview_is_never_green_when_agreement_cannot_be_measured(name, tmp_path):
    app = _open(name, "overview", tmp_path)
    assert not app.success, [s.value for s in app.success]
    text = " ".join(str(e.value) for e in app.info) + " ".join(str(e.value) for e in app.markdown)
    assert "cannot be measured" in text
    assert "What to do" in text or "annotator" in text


@pytest.mark.parametrize("name", ["two_agree", "twenty_by_three"])
def test_perfect_agreement_on_few_items_is_not_met_with_confidence(name, tmp_path):
    app = _open(name, "overview", tmp_path)
    assert not app.success
    warning = " ".join(str(w.value) for w in app.warning)
    assert "Not yet shown" in warning and "lower bound" in warning


def test_agreement_page_says_the_verdict_and_why(tmp_path):
    app = _open("one_annotator", "agreement", tmp_path)
    info = " ".join(str(i.value) for i in app.info)
    assert "Verdict: cannot be measured" in info and "second annotator" in info
    app = _open("twenty_by_three", "agreement", tmp_path)
    assert any("Verdict: not met" in str(e.value) for e in app.error)
    assert any("coverage" in str(c.value).lower() or "held the true value" in str(c.value) for c in app.caption)
