"""The guideline document: self-contained printable HTML (jinja2 autoescaping, embedded thumbnails, no script),
Markdown for wikis, hostile labels shown as typed, missing and unreadable images as placeholders, and the page in
headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import warnings
from html.parser import HTMLParser
from pathlib import Path

import markupsafe
import pandas as pd
import pytest

from analytics import InvalidParameterError, guideline_cards, load_annotations
from analytics.report.guideline_html import render_guideline_html, write_guideline
from analytics.report.guideline_markdown import render_guideline_markdown
from analytics.report._guideline_document import alpha_change
from analytics.report._thumbnails import relative_image_link, thumbnail
from analytics.safety import escape_html, escape_markdown
from analytics.samples import load_sample
from tests.conftest import SAMPLES

SCRIPT = "<script>alert(1)</script>"
LINK = "[click](javascript:alert(2))"
FORMULA = "=HYPERLINK(\"http://evil\",\"x\")"
MATH = "$x^2$ **bold**"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync"]
DIGIT = SAMPLES / "digits" / "images" / "d0001.png"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A pilot whose labels, ids and annotators are hostile, with one real image, one missing, one that is not an
    image and one URL."""
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copy(DIGIT, folder / "real.png")
    (folder / "fake.png").write_text("not an image")
    labels = [SCRIPT, LINK, FORMULA, MATH]
    rows = []
    for k in range(48):
        item = f"<b>item{k}</b>" if k == 0 else f"i{k:02d}"
        image = ["real.png", "missing.png", "fake.png", "https://tracker.example/p.png"][k % 4]
        label = labels[k % 4]
        votes = [label, label, labels[(k + 1) % 4] if k % 3 == 0 else label]
        rows += [{"item_id": item, "annotator_id": a, "label": v, "image": image} for a, v in zip("abc", votes)]
    path = folder / "annotations.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    taxonomy = {"classes": [{"name": SCRIPT, "definition": "<img src=x onerror=alert(3)> a definition"},
                            {"name": LINK}, {"name": FORMULA}, {"name": MATH}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = load_annotations(path, taxonomy=taxonomy)
    return folder, guideline_cards(aset)


@pytest.fixture(scope="module")
def digits_cards():
    return guideline_cards(load_sample("digits"))


def test_html_is_self_contained_printable_and_scriptless(digits_cards):
    html = render_guideline_html(digits_cards)
    tags = _tags(html)
    images = [attrs["src"] for tag, attrs in tags if tag == "img"]
    assert len(images) >= 11 * 6 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object")]
    assert not re.search(r'(src|href)="(?!data:|#)', html)  # nothing loaded from elsewhere
    assert "default-src 'none'; img-src data:" in html  # the Content-Security-Policy
    assert "@page { size: A4" in html and "break-before: page" in html
    assert html.count('<section class="card"') == 11 and "3 ↔ 8" in html
    assert "nan" not in re.sub(r"data:image/png;base64,[^\"]+", "", html).lower().split()


def test_hostile_labels_are_escaped_in_html(hostile):
    _, cards = hostile
    html = render_guideline_html(cards)
    assert "<script" not in html and "<b>" not in html and "onerror=alert(3)>" not in html
    assert escape_html(SCRIPT) in html and escape_html("<b>item0</b>") in html
    assert str(markupsafe.escape(FORMULA)) in html and str(markupsafe.escape(MATH)) in html
    hrefs = [a.get("href") for t, a in _tags(html) if t == "a"]
    assert all(h.startswith("#class-") for h in hrefs)  # anchors are made here, never from a label


def test_missing_unreadable_and_remote_images_become_placeholders(hostile):
    folder, cards = hostile
    html = render_guideline_html(cards)
    assert "image file not found" in html and "not an image that can be read" in html
    assert "a remote image: not embedded" in html and 'src="https://' not in html
    assert html.count("data:image/png;base64,") >= 1  # the real image is embedded


def test_thumbnails_by_hand(tmp_path):
    assert thumbnail(None).reason == "no image"
    assert thumbnail(str(tmp_path / "nope.png")).reason == "image file not found"
    (tmp_path / "bad.png").write_bytes(b"\x89PNG broken")
    assert thumbnail(str(tmp_path / "bad.png")).reason == "not an image that can be read"
    good = thumbnail(str(DIGIT), size=16)
    assert good.data_uri.startswith("data:image/png;base64,") and good.reason is None
    assert relative_image_link(str(DIGIT), SAMPLES / "digits") == ("images/d0001.png", None)
    assert relative_image_link(str(DIGIT), None)[0] is None
    assert relative_image_link("https://x.org/a.png", tmp_path) == (None, "a remote image: not linked")


@pytest.mark.parametrize("score, text", [(0.0072, "+0.007"), (-0.012, "-0.012"), (-0.0001, "less than 0.001"),
                                         (0.0004, "less than 0.001"), (float("nan"), "an undefined amount")])
def test_the_hotspot_score_never_reads_minus_zero(score, text):
    assert alpha_change(score) == text


def test_markdown_escapes_and_links_images_relatively(hostile, tmp_path):
    folder, cards = hostile
    text = render_guideline_markdown(cards, image_base=folder)
    assert SCRIPT not in text and LINK not in text and FORMULA not in text and "$x^2$" not in text
    assert escape_markdown(SCRIPT) in text and escape_markdown(LINK) in text and escape_markdown(FORMULA) in text
    assert "](real.png)" in text and "*image file not found*" in text
    assert f"*{escape_markdown('a remote image: not linked')}*" in text
    without = render_guideline_markdown(cards)
    assert "](real.png)" not in without and "images omitted" in without


def test_markdown_tables_keep_their_shape(hostile):
    _, cards = hostile
    text = render_guideline_markdown(cards)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    for block in blocks:  # an escaped '|' inside a label never adds a column
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in block}
        assert len(widths) == 1, block
    assert rows


def test_write_guideline_picks_the_format_and_writes_atomically(digits_cards, tmp_path):
    html = write_guideline(digits_cards, tmp_path / "g.html")
    md = write_guideline(digits_cards, tmp_path / "sub" / "g.md")
    assert html.read_text().startswith("<!DOCTYPE html>") and md.read_text().startswith("# Annotation guideline")
    assert "](../" in md.read_text()  # the images, relative to the Markdown file's folder
    plain = write_guideline(digits_cards, tmp_path / "plain.html", images="omit")
    assert "data:image" not in plain.read_text() and "d0" in plain.read_text()
    forced = write_guideline(digits_cards, tmp_path / "g.txt", format="markdown")
    assert forced.read_text().startswith("# ")
    with pytest.raises(InvalidParameterError, match="name it .html or .md"):
        write_guideline(digits_cards, tmp_path / "g.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.html", "g.txt", "plain.html", "sub"]  # no temp left


def test_real_data_without_images_gives_ids_votes_and_label_text():
    from tests.conftest import DATASETS, need

    folder = need(DATASETS / "dog")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cards = guideline_cards(load_annotations(folder / "answers.csv", gold=folder / "truth.csv"))
    html = render_guideline_html(cards)
    assert "<img" not in html and "placeholder" not in html.split("</style>")[1]
    assert "Definition missing" in html and "10 votes 0" in html and "really: 3 (gold)" in html
    assert "annotator &#39;37&#39;" in html or "annotator &#x27;37&#x27;" in html


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is needed for the browser tests under CI")
        pytest.skip(f"{CHROMIUM} is not installed")
    try:
        from playwright import sync_api
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("playwright is needed for the browser tests under CI")
        pytest.skip("playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def test_guideline_opens_in_headless_chromium_and_prints(browser, digits_cards, hostile, tmp_path):
    path = write_guideline(digits_cards, tmp_path / "digits.html")
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    requests, errors, dialogs = [], [], []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "data:"))
               else (requests.append(r.request.url), r.abort()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(Path(path).as_uri())
    loaded = page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)")
    assert loaded and all(loaded) and requests == [] and errors == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 900  # no horizontal overflow
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf[:4] == b"%PDF" and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 12  # a page per card at least
    page.goto(write_guideline(hostile[1], tmp_path / "hostile.html").as_uri())
    body = page.inner_text("body")
    assert SCRIPT in body and LINK in body and FORMULA in body and dialogs == []
    assert page.evaluate("document.querySelectorAll('script, b').length") == 0
    page.close()
