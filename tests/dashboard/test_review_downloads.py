"""The Review queue page's downloads: the queue and the audit sample as CSV (formula cells neutralized) and the
HTML report, built and cached in services."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

import analytics
from analytics.safety import escape_html
from analytics.samples import load_sample

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=60)


def test_review_page_offers_the_three_downloads(app):
    app.run()
    app.switch_page("app_pages/review.py").run()
    assert not app.exception
    routing = analytics.route_for_review(load_sample("digits"))
    n_queue = int(routing["decision"].isin(["adjudicate", "senior_review"]).sum())
    audit = analytics.audit_sample(load_sample("digits"), fraction=0.05, stratify_by="label", seed=0)
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == [f"Download the queue ({n_queue:,} items, CSV)",
                      f"Download the audit sample ({audit.n_sampled:,} annotations, CSV)", "Download the HTML report"]
    urls = [b.proto.url for b in app.get("download_button")]
    assert urls[0].endswith(".csv") and urls[1].endswith(".csv")
    assert app.get("download_button")[2].proto.deferred_file_id  # built when clicked, not on every rerun


def _hostile():
    labels = ["=1+1", "cat", SCRIPT, "cat", "@SUM(A1)", "-2", "=1+1", "=1+1"]
    frame = pd.DataFrame({"item_id": ["+i0", "+i0", "i1", "i1", "i2", "i2", "i3", "i3"],
                          "annotator_id": ["=a()", "bob"] * 4, "label": labels})
    return analytics.load_annotations(frame)


def _cells(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8"))) for c in row]


def test_download_services_neutralize_csv_and_escape_html(monkeypatch):
    from analytics.report.quality_report import QualityReport
    from dashboard import services

    built = []
    original = QualityReport.from_annotations.__func__
    monkeypatch.setattr(QualityReport, "from_annotations",
                        classmethod(lambda cls, *a, **k: built.append(1) or original(cls, *a, **k)))

    aset = _hostile()
    outcome = services.review_queue("frame:hostile-dl", aset, ("adjudicate", "senior_review", "accept"))
    queue, data = outcome.value
    assert len(queue) == aset.n_items
    cells = _cells(data)
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'+i0" in cells and "'=1+1" in cells  # an item id, and the consensus of i3
    sample = services.audit("frame:hostile-dl", aset, 1.0, None, 0)
    assert sample.ok
    cells = _cells(services.audit_csv("frame:hostile-dl", aset, 1.0, None, 0))
    assert {"'=1+1", "'@SUM(A1)", "'-2", "'=a()", "'+i0"} <= set(cells)
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    html = services.html_report("frame:hostile-dl", aset, 0.8, 0.9)
    assert html.startswith("<!DOCTYPE html>") and SCRIPT not in html and escape_html(SCRIPT) in html
    assert services.html_report("frame:hostile-dl", aset, 0.8, 0.9) == html and len(built) == 1  # cached in services
