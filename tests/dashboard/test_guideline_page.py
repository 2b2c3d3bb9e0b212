"""The Confusion & taxonomy page's guideline cards: the card of any class, the downloads, hostile labels as text, and
missing images as placeholders (AppTest)."""

from __future__ import annotations

import shutil

import warnings
from pathlib import Path

import pandas as pd
import pytest

from analytics import load_annotations
from analytics.safety import escape_markdown
from analytics.samples import load_sample
from tests.conftest import SAMPLES

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
SCRIPT = "<script>alert(1)</script>"


def _page(aset=None, sample: str | None = None):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=120)
    if aset is not None:
        app.session_state["aqa_datasets"] = {"frame:guideline": aset}
        app.session_state["aqa_dataset_key"] = "frame:guideline"
    app.run()
    if sample is not None:
        app.switch_page("app_pages/data.py").run()
        app.sidebar.selectbox(key="sample_choice").select(sample).run()
    app.switch_page("app_pages/taxonomy.py").run()
    assert not app.exception, app.exception
    return app


def _texts(app, kind: str) -> list[str]:
    return [e.value for e in app.get(kind)]


def _images(app) -> int:
    """Images on the page. ``st.image`` sends an ``imgs`` (ImageList) element: current AppTest wraps it as an
    ``Image`` of type "image", AppTest 1.52 (the streamlit floor) leaves it an ``UnknownElement`` of type "imgs"
    whose ``proto`` is the same ImageList, so count the images of both."""
    return sum(len(e.proto.imgs) for kind in ("image", "imgs") for e in app.get(kind))


def test_the_card_of_any_class_on_the_digits_sample():
    app = _page(sample="digits")
    pick = app.selectbox(key="guideline_class")
    assert pick.options == [str(d) for d in range(10)] + ["Unknown"]
    images_first = _images(app)
    pick.select("3").run()
    assert not app.exception
    markdown = "\n".join(_texts(app, "markdown"))
    assert "**Definition.** The digit three" in markdown
    assert "**Borderline: 3 ↔ 8** — rank 1 of 54 confused pairs" in markdown
    assert "**Correct** — 6 of 18 items" in markdown and "**Incorrect** — 6 of 42 items" in markdown
    captions = "\n".join(_texts(app, "caption"))
    assert "**really: 8** (gold)" in captions and "3 votes 8, 2 votes 3" in captions
    assert _images(app) == images_first >= 5 + 36  # hotspot gallery + 6 correct, 6 incorrect, 4 × 6 split
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Download the guideline (HTML, printable)" in labels and "Download as Markdown (for a wiki; no images)" in labels


def test_retail_card_shows_the_taxonomy_path_and_the_unknown_class():
    app = _page(sample="retail")
    app.selectbox(key="guideline_class").select("Other").run()
    assert not app.exception
    assert any(s.value.startswith("Other (Unknown / Other)") for s in app.subheader)
    app.selectbox(key="guideline_class").select("Shirt").run()
    assert "Apparel › Tops › Shirt" in "\n".join(_texts(app, "caption"))


def test_tag_sets_get_the_reason():
    from dashboard import services

    app = _page(sample="retail-tags")
    assert any("Tag sets" in i for i in _texts(app, "info")) and not app.get("download_button")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = services.guideline("sample:retail-tags", load_sample("retail-tags"))
    assert not outcome.ok and outcome.reason.startswith("Guideline cards need one label per annotation")


def test_downloads_are_the_documents():
    from dashboard import services

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = services.guideline("sample:retail", load_sample("retail"))
    cards, html, markdown = outcome.value
    assert html.startswith(b"<!DOCTYPE html>") and b"Shirt \xe2\x86\x94 Blouse" in html
    assert markdown.startswith(b"# Annotation guideline draft") and len(cards.cards) == 13


@pytest.fixture
def hostile_with_missing_images(tmp_path):
    rows = []
    for k in range(24):
        label = SCRIPT if k % 2 else "[x](javascript:alert(2))"
        other = "=1+1" if k % 3 == 0 else label
        # the split items (the hotspot gallery's) have a real image; the unanimous ones point to files that do not exist
        # (paths relative to the file: images are only read inside the data file's folder)
        image = "img/d0001.png" if k % 3 == 0 else f"img/gone{k}.png"
        for a, lab in zip("abc", [label, label, other]):
            rows.append({"item_id": f"i{k}", "annotator_id": a, "label": lab, "image": image})
    (tmp_path / "img").mkdir()
    shutil.copy(SAMPLES / "digits" / "images" / "d0001.png", tmp_path / "img" / "d0001.png")
    path = tmp_path / "hostile.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_annotations(path)


def test_hostile_labels_and_missing_images(hostile_with_missing_images):
    app = _page(hostile_with_missing_images)
    pick = app.selectbox(key="guideline_class")
    assert SCRIPT in pick.options
    pick.select(SCRIPT).run()
    assert not app.exception
    for kind in ("markdown", "caption", "subheader", "info", "warning"):
        for text in _texts(app, kind):
            assert "<script>" not in text and "](javascript" not in text, (kind, text)
    assert any(escape_markdown(SCRIPT) in s.value for s in app.subheader)
    captions = "\n".join(_texts(app, "caption"))
    assert "image file not found" in captions and "gone" in captions, captions
    assert any("Definition missing" in w for w in _texts(app, "warning"))

