"""Issue 21, point 1 on the pages that show images (Review queue, Confusion & taxonomy, Model vs human): only files
inside the dataset's image folder are shown (as thumbnails the server makes), remote URLs only for hosts the user
allows, and every other reference — missing, outside the folder, swapped for a link after loading, not an image,
a URL — becomes a placeholder; the page always runs to its end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analytics import load_annotations

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
KEY = "upload:images-test"
LABELS = ("cat", "dog", "bird")
#: item → (votes of three annotators, image reference)
ITEMS = {
    "i0": (("cat", "cat", "dog"), "images/present.png"),
    "i1": (("cat", "dog", "dog"), "images/missing.png"),
    "i2": (("dog", "cat", "bird"), "../secret.png"),
    "i3": (("cat", "dog", "cat"), "/etc/passwd"),
    "i4": (("dog", "dog", "cat"), "https://evil.example/x.png"),
    "i5": (("cat", "bird", "dog"), "images/notimage.png"),
    "i6": (("dog", "cat", "cat"), "images/swap.png"),
    "i7": (("bird", "cat", "dog"), "images/present.png"),
}


@pytest.fixture
def pilot(tmp_path):
    """A pilot folder whose references are every kind of trouble; swap.png becomes a link out after loading."""
    root = tmp_path / "pilot"
    (root / "images").mkdir(parents=True)
    picture = np.tile(np.arange(0, 256, 8, dtype=np.uint8), (32, 1))
    Image.fromarray(picture).save(root / "images" / "present.png")
    Image.fromarray(picture).save(root / "images" / "swap.png")
    Image.fromarray(255 - picture).save(tmp_path / "secret.png")
    (root / "images" / "notimage.png").write_text("not an image")
    rows = [{"item_id": item, "annotator_id": f"ann{k}", "label": vote, "image": image}
            for item, (votes, image) in ITEMS.items() for k, vote in enumerate(votes)]
    table = root / "annotations.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    probs = pd.DataFrame({"item_id": list(ITEMS)})
    for c, label in enumerate(LABELS):  # the model is sure of the class after the majority: label-error candidates
        probs[label] = [0.998 if LABELS.index(max(v, key=v.count)) == (c + 2) % 3 else 0.001
                        for v, _ in ITEMS.values()]
    aset = load_annotations(table, predictions=probs)
    assert aset.report.skipped_by_reason.to_dict() == {"image_refused": 6}  # ../secret.png and /etc/passwd
    swap = root / "images" / "swap.png"
    swap.unlink()
    swap.symlink_to(tmp_path / "secret.png")  # after loading: refused when shown
    return root, aset


@pytest.fixture
def app(pilot):
    from streamlit.testing.v1 import AppTest

    root, aset = pilot
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["aqa_datasets"] = {KEY: aset}
    app.session_state["aqa_dataset_key"] = KEY
    app.session_state["aqa_image_roots"] = {KEY: (str(root),)}
    return app


def _images(app) -> list[str]:
    """The URLs of every image drawn: AppTest reports ``st.image`` as type "image", AppTest 1.52 (the streamlit
    floor) as an unknown element of type "imgs" holding the same proto."""
    return [img.url for kind in ("image", "imgs") for element in app.get(kind) for img in element.proto.imgs]


def _captions(app) -> str:
    return "\n".join(c.value for c in app.caption)


@pytest.mark.parametrize("page", ["review", "taxonomy", "model"])
def test_pages_show_allowed_images_and_placeholders_for_the_rest(app, page):
    app.run()
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, app.exception
    urls = _images(app)
    assert urls and all("/media/" in u for u in urls), urls  # thumbnails served by the app, no path or URL
    assert not any("evil.example" in u or "secret" in u or "passwd" in u for u in urls)
    captions = _captions(app)
    assert "hide\\_image" in captions or "hide_image" in captions  # at least one placeholder on every page
    if page == "review":  # the page runs to its end: audit section and the report button are there
        assert "Random audit sample" in [h.value for h in app.header]
        assert "Download the HTML report" in [b.proto.label for b in app.get("download_button")]
        assert "the image file does not exist" in captions
        assert "outside the image folder" in captions  # swap.png, swapped for a link after loading
        assert "remote images are shown only for hosts you allow" in captions
        assert "not an image the server can read" in captions
        assert len(urls) == 2  # present.png twice (i0, i7): nothing else is a readable image inside the folder


def test_remote_images_are_handed_to_the_browser_only_for_allowed_hosts(app):
    app.session_state["aqa_remote_image_hosts"] = "evil.example"
    app.run()
    app.switch_page("app_pages/review.py").run()
    assert not app.exception
    assert "https://evil.example/x.png" in _images(app)


def test_an_upload_without_an_image_folder_shows_references_as_text(app, pilot):
    app.session_state["aqa_image_roots"] = {}
    app.run()
    app.switch_page("app_pages/review.py").run()
    assert not app.exception
    assert _images(app) == []
    assert "no image folder is set, so image files are not opened" in _captions(app)


def test_an_upload_reads_images_only_from_the_image_folder_named(tmp_path):
    """The upload's own (temporary) folder is never its image root: without the setting, references stay text
    (nothing refused, nothing resolved); with it, they resolve there and escapes are refused per row."""
    from dashboard import services
    from dashboard.images import image_policy

    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"x")
    data = b"item_id,annotator_id,label,image\n1,w1,cat,a.png\n1,w2,dog,../../etc/passwd\n"
    key, aset = services.load_upload({"annotations": ("a.csv", data)}, {"format": "auto"})
    assert image_policy(key).roots == ()
    assert aset.frame["image"].tolist()[0] == "a.png"  # as written: no temporary folder joined to it
    assert aset.report.skipped_by_reason.to_dict() == {"image_refused": 1}  # '..' escapes even without a folder
    key, rooted = services.load_upload({"annotations": ("a.csv", data)}, {"format": "auto", "image_root": str(folder)})
    assert image_policy(key).roots == (str(folder.resolve()),)
    assert rooted.frame["image"].tolist()[0] == str(folder / "a.png")
    assert rooted.report.skipped_by_reason.to_dict() == {"image_refused": 1}
