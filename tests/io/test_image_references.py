"""Issue 21, point 1: image references resolve only inside the image root (the annotation file's folder or the one
the user names). Absolute paths, '..' escapes and symbolic links out of it are refused per row (the annotation is
kept, the refusal is listed in the import report); URLs stay text; ``image_access`` checks again at the moment of
use."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from analytics import load_annotations
from analytics.exceptions import InvalidParameterError


@pytest.fixture
def layout(tmp_path):
    """pilot/ holds the annotations and images (one a link to a secret outside), secret.png lies next to pilot/."""
    pilot = tmp_path / "pilot"
    (pilot / "images").mkdir(parents=True)
    (pilot / "images" / "a.png").write_bytes(b"png")
    (pilot / "images" / "b.png").write_bytes(b"png")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"TOP-SECRET")
    (pilot / "images" / "link.png").symlink_to(secret)
    (pilot / "outside_dir").symlink_to(tmp_path, target_is_directory=True)
    (pilot / "inner_link.png").symlink_to(pilot / "images" / "b.png")
    return pilot, secret


def _csv(folder: Path, images: list[str]) -> Path:
    rows = ["item_id,annotator_id,label,image"]
    rows += [f"i{k},{a},{'cat' if a == 'x' else 'dog'},{img}" for k, img in enumerate(images) for a in ("x", "y")]
    path = folder / "annotations.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_references_outside_the_folder_are_refused_per_row_and_the_annotations_kept(layout):
    pilot, secret = layout
    images = ["images/a.png", "../secret.png", str(secret), "images/link.png", "outside_dir/secret.png",
              "images/../images/b.png", "inner_link.png", "file:///etc/passwd", "https://cdn.example.org/1.jpg"]
    aset = load_annotations(_csv(pilot, images))
    assert aset.n_annotations == 2 * len(images)  # every annotation kept: only image references are refused
    report = aset.report
    refused = report.skipped[report.skipped["reason"] == "image_refused"]
    assert refused["row"].tolist() == [4, 5, 6, 7, 8, 9, 10, 11, 16, 17]  # two lines per item, header is line 1
    assert set(refused["scope"]) == {"annotation"} and report.rows_skipped == 0 and report.is_complete
    details = refused.drop_duplicates("row")["detail"].tolist()
    assert "'..' parts lead outside the image root" in details[0]
    assert "absolute path is outside the image root" in details[2]
    assert "symbolic link to a file outside the image root" in details[4]
    assert "symbolically linked folder" in details[6]
    assert "file: URL" in details[8]
    by_item = aset.frame.groupby("item_id")["image"].first()
    assert by_item["i0"] == str(pilot / "images" / "a.png") and by_item["i5"] == str(pilot / "images" / "b.png")
    assert by_item["i6"] == str(pilot / "inner_link.png")  # a link that stays inside is fine
    assert pd.isna(by_item["i1"]) and pd.isna(by_item["i3"])
    assert by_item["i8"] == "https://cdn.example.org/1.jpg"  # a URL stays text
    assert "TOP-SECRET" not in aset.frame.to_string()
    lines = report.summary_lines()
    assert any("image_refused" in line for line in lines)
    assert any("URLs" in line and "never downloaded" in line and "cdn.example.org" in line for line in lines)


def test_an_image_root_the_user_names(layout, tmp_path):
    pilot, secret = layout
    elsewhere = tmp_path / "exports"
    elsewhere.mkdir()
    path = _csv(elsewhere, ["images/a.png", "../secret.png"])
    plain = load_annotations(path)  # the file's own folder: the images are not there, the paths stay as written
    assert plain.frame.groupby("item_id")["image"].first().tolist() == ["images/a.png", None]
    rooted = load_annotations(path, image_root=pilot)
    assert rooted.frame.groupby("item_id")["image"].first()["i0"] == str(pilot / "images" / "a.png")
    assert rooted.report.skipped_by_reason.to_dict() == {"image_refused": 2}
    assert any(f"image root {pilot}" in n for n in rooted.report.notes)
    with pytest.raises(InvalidParameterError, match="image_root=.*is not a folder"):
        load_annotations(path, image_root=tmp_path / "nope")


def test_no_folder_keeps_relative_text_and_refuses_absolute_and_escaping_paths(tmp_path):
    frame = pd.DataFrame({"item_id": ["a", "b", "c", "d"], "annotator_id": ["x"] * 4, "label": ["cat"] * 4,
                          "image": ["img/a.png", "/etc/passwd", "../../b.png", "C:\\Users\\me\\c.png"]})
    aset = load_annotations(frame)
    assert [v if isinstance(v, str) else None for v in aset.frame["image"]] == ["img/a.png", None, None, None]
    assert aset.report.skipped_by_reason.to_dict() == {"image_refused": 3}
    path = _csv(tmp_path, ["img/a.png"])
    assert load_annotations(path, image_root=False).frame["image"].tolist() == ["img/a.png", "img/a.png"]


def test_image_access_checks_again_at_the_moment_of_use(layout):
    from analytics.io.images import image_access

    pilot, secret = layout
    roots = [pilot]
    assert image_access("images/a.png", roots=roots).kind == "file"
    assert image_access(str(pilot / "images" / "a.png"), roots=roots).location == str(pilot / "images" / "a.png")
    assert image_access("images/missing.png", roots=roots).kind == "missing"
    assert image_access("images/link.png", roots=roots).kind == "refused"  # followed to outside the root
    assert image_access(str(secret), roots=roots).kind == "refused"
    assert image_access("../secret.png", roots=roots).kind == "refused"
    assert image_access("images/a.png").kind == "text"  # no folder: never opened
    assert image_access("https://cdn.example.org/1.jpg").kind == "text"
    allowed = image_access("https://CDN.example.org/1.jpg", remote_image_hosts=["cdn.example.org"])
    assert (allowed.kind, allowed.location) == ("url", "https://CDN.example.org/1.jpg")
    assert image_access("http://cdn.example.org.evil.net/1.jpg", remote_image_hosts=["cdn.example.org"]).kind == "text"
    assert image_access("s3://bucket/1.jpg", remote_image_hosts=["bucket"]).kind == "text"  # only http(s) reach a browser
    assert image_access("file:///etc/passwd", roots=roots).kind == "refused"
    assert image_access(None).kind == "none"
    # a file swapped for a link after loading is refused when used
    target = pilot / "images" / "a.png"
    target.unlink()
    target.symlink_to(secret)
    assert image_access(str(target), roots=roots).kind == "refused"


def test_host_lists():
    from analytics.io.images import normalize_hosts

    assert normalize_hosts("CDN.example.org, https://img.example.net/x ,") == {"cdn.example.org", "img.example.net"}
    assert normalize_hosts(None) == frozenset()
    with pytest.raises(InvalidParameterError):
        normalize_hosts([3])


def test_many_references_are_checked_per_distinct_value(tmp_path):
    """A million rows with a few hundred distinct images: one factorization, a folder listing per folder."""
    from analytics.io.images import check_image_references

    (tmp_path / "img").mkdir()
    for k in range(300):
        (tmp_path / "img" / f"{k}.png").write_bytes(b"x")
    values = pd.Series([f"img/{k % 300}.png" for k in range(1_000_000)], dtype=object)
    out = check_image_references(values, root=tmp_path)
    assert not out.refused.any() and out.n_resolved == len(values)
    assert out.values.iloc[301] == str(tmp_path / "img" / "1.png")


def test_symlinked_root_itself_is_fine(tmp_path):
    from analytics.io.images import check_image_references

    real = tmp_path / "real"
    (real / "img").mkdir(parents=True)
    (real / "img" / "a.png").write_bytes(b"x")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    out = check_image_references(pd.Series(["img/a.png"]), root=Path(os.path.abspath(link)))
    assert not out.refused.any() and out.values[0] == str(link / "img" / "a.png")


def test_a_server_address_has_no_image_folder(tmp_path, monkeypatch):
    """A project pulled from a server (labelstudio://…) has no folder on this computer: its image paths are
    never joined to a made-up folder named after the address."""
    from analytics.io.images import resolve_image_root

    monkeypatch.chdir(tmp_path)
    assert resolve_image_root(None, "labelstudio://127.0.0.1:8080/projects/3") is None
    assert resolve_image_root(None, "https://example.org/export.json") is None
    assert resolve_image_root(None, str(tmp_path / "a.csv")) == tmp_path
    assert resolve_image_root(tmp_path, "labelstudio://127.0.0.1:8080/projects/3") == tmp_path
