"""The HTML report: self-contained (no network), printable, every label/id/file name escaped, charts drawn in
headless Chromium; chart images through the optional kaleido."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys

import pytest

from analytics.report.quality_report import chart_export_unavailable
from analytics.safety import escape_html
from tests.report.conftest import IMG, SCRIPT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run"]


@pytest.fixture(scope="module")
def digits_html(sample_reports):
    return sample_reports["digits"][1].to_html()


def test_html_is_self_contained(digits_html):
    assert digits_html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import|cdn\.plot\.ly/plotly", digits_html)
    assert digits_html.count("<script") == 1 + digits_html.count('class="chart"')  # plotly.js once, then one per chart
    assert "Plotly.newPlot" in digits_html and len(digits_html) > 3_000_000  # plotly.js inline


def test_html_is_printable(digits_html):
    css = digits_html[digits_html.index("<style>"):digits_html.index("</style>")]
    assert "@page { size: A4" in css and "@media print" in css
    assert "break-before: page" in css and "break-inside: avoid" in css
    widths = [int(w) for w in re.findall(r'"width":\s*(\d+)', digits_html)]
    assert widths and max(widths) <= 680  # A4 less 15 mm margins at 96 px per inch


def test_every_section_is_in_the_html_with_its_status(sample_reports):
    report = sample_reports["retail-tags"][1]
    html = report.to_html()
    for section in report.sections:
        body = html[html.index(f'<section id="{section.key}"'):]
        body = body[:body.index("</section>")]
        assert escape_html(section.title) in body
        if not section.ok:
            assert "Not applicable: " + escape_html(section.reason) in body


def test_hostile_labels_ids_and_file_names_are_escaped(hostile_report):
    aset, report = hostile_report
    html = report.to_html()
    for text in (SCRIPT, IMG, "<b>mallory</b>", "batch<img src=x onerror=alert(3)>.csv"):
        assert text not in html
    assert escape_html(SCRIPT) in html and escape_html("<b>mallory</b>") in html
    assert escape_html("batch<img src=x onerror=alert(3)>.csv") in html  # the file name in the header
    assert report.section("gold").ok and report.section("pairwise").ok  # the sections quoting them were rendered
    for key, figures in report.figures().items():
        for _, fig in figures:
            assert "<script>" not in fig.to_json() and "<b>mallory" not in fig.to_json(), key


def test_chart_images_need_kaleido(sample_reports, tmp_path, monkeypatch):
    report = sample_reports["retail-tags"][1]
    monkeypatch.setitem(sys.modules, "kaleido", None)  # as if not installed (find_spec None, import fails)
    assert importlib.util.find_spec("kaleido") is None
    assert "kaleido" in chart_export_unavailable()
    with pytest.raises(ImportError, match="kaleido"):
        report.write_chart_images(tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_chart_images_with_kaleido(sample_reports, tmp_path, fmt, magic):
    pytest.importorskip("kaleido")
    why = chart_export_unavailable()
    if why is not None:
        pytest.skip(why)
    report = sample_reports["retail"][1]
    written = report.write_chart_images(tmp_path, format=fmt)
    assert len(written) == sum(len(v) for v in report.figures().values())
    assert all(p.suffix == f".{fmt}" and p.read_bytes()[:len(magic)] == magic for p in written)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def _open(browser, path):
    """Open a report with every network request refused and recorded; returns (page, requests, errors, dialogs)."""
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    requests, errors, dialogs = [], [], []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.Plotly !== undefined && document.querySelectorAll('.js-plotly-plot').length > 0",
                           timeout=30_000)
    return page, requests, errors, dialogs


def test_html_opens_in_headless_chromium_with_charts_drawn(browser, sample_reports, tmp_path):
    report = sample_reports["digits"][1]
    path = report.write_html(tmp_path / "report.html")
    page, requests, errors, dialogs = _open(browser, path)
    expected = sum(len(v) for v in report.figures().values())
    drawn = page.evaluate("""() => [...document.querySelectorAll('figure.chart')].map(f => ({
        chart: f.dataset.chart, plot: !!f.querySelector('.js-plotly-plot .main-svg'),
        marks: f.querySelectorAll('.point, .bars path, .heatmaplayer image, .scatterlayer .trace').length,
        width: f.querySelector('.js-plotly-plot').getBoundingClientRect().width}))""")
    assert len(drawn) == expected == 12
    assert all(d["plot"] and d["marks"] > 0 for d in drawn), drawn
    assert all(d["width"] <= 680 for d in drawn)
    assert requests == [] and errors == [] and dialogs == []
    body = page.inner_text("body")
    assert "Fleiss' kappa is 0.70" in body and "Golden-set accuracy" in body
    pdf = page.pdf(format="A4", print_background=True)  # printable: Chromium's print path renders it
    assert pdf[:4] == b"%PDF" and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= len(report.sections)
    page.close()


def test_hostile_labels_render_as_text_in_chromium(browser, hostile_report, tmp_path):
    report = hostile_report[1]
    path = report.write_html(tmp_path / "hostile.html")
    page, requests, errors, dialogs = _open(browser, path)
    assert dialogs == [] and errors == [] and requests == []
    body = page.inner_text("body")
    assert SCRIPT in body and "<b>mallory</b>" in body and IMG in body  # shown as typed, not run
    assert page.evaluate("document.querySelectorAll('b, img').length") == 0
    ticks = page.evaluate("[...document.querySelectorAll('.ytick text, .xtick text')].map(t => t.textContent)")
    assert SCRIPT in ticks or "<b>mallory</b>" in ticks  # plotly shows the escaped text as the literal label
    page.close()
