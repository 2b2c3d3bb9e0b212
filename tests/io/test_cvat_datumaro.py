"""CVAT for images XML and Datumaro JSON importers: the genuine files (counts read directly from them)
and small hand-made XML/JSON written in the tests from the formats' documentation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from _toolcheck import assert_accounted, label_map, skipped_counts, tag_totals
from analytics import AnnotationFileError, AnnotationSchemaError, InvalidParameterError, load_annotations
from tests.conftest import FORMATS, need

CVAT_XML = FORMATS / "cvat" / "unidata_garbage_annotations.xml"
DATUMARO = FORMATS / "cvat" / "datumaro_legacy_train.json"


def _xml_tags(path):
    root = ET.parse(path).getroot()
    return {img.get("name"): tuple(sorted({t.get("label") for t in img.findall("tag")})) for img in root.iter("image")}


def test_cvat_xml_tags_multilabel():
    path = need(CVAT_XML)
    expected = _xml_tags(path)
    aset = load_annotations(path)
    assert aset.multilabel and aset.report.unit == "image"
    assert aset.report.rows_read == len(expected) == 162
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (162, 1, 162)
    assert label_map(aset) == {(name, "unidata_garbage_annotations"): tags for name, tags in expected.items()}
    assert sum(len(t) == 2 for t in expected.values()) == 69
    assert tag_totals(aset) == Counter(t for tags in expected.values() for t in tags)
    assert set(aset.categories) == {"is_empty", "is_full", "is_scattered"}
    assert any("no annotator id" in w for w in aset.report.warnings)
    assert aset.report.label_field == "<tag> labels"
    assert_accounted(aset)


def test_cvat_xml_image_column_filled_for_every_row():
    """Every <image> of the genuine file gives its name as the row's image reference (162 of 162)."""
    path = need(CVAT_XML)
    aset = load_annotations(path)
    assert len(aset.frame) == 162
    assert aset.frame["image"].notna().sum() == 162 and (aset.frame["image"].str.len() > 0).all()
    names = {img.get("name") for img in ET.parse(path).getroot().iter("image")}
    assert set(aset.frame["image"]) == names and len(names) == 162
    assert (aset.frame["image"] == aset.frame["item_id"]).all()


def test_cvat_annotator_option_and_several_files(tmp_path):
    path = need(CVAT_XML)
    named = load_annotations(path, annotator_id="alice")
    assert list(named.annotator_ids) == ["alice"]
    copy = tmp_path / "bob.xml"
    copy.write_bytes(path.read_bytes())
    both = load_annotations([path, copy])
    assert sorted(both.annotator_ids) == ["bob", "unidata_garbage_annotations"]
    assert both.n_annotations == 324 and both.n_items == 162
    assert both.report.label_field == "<tag> labels"


HANDMADE_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><labels>
    <label><name>cat</name><type>tag</type></label><label><name>dog</name><type>tag</type></label>
  </labels></task></meta>
  <image id="0" name="a.jpg" width="10" height="10">
    <tag label="cat" source="manual"><attribute name="quality">good</attribute></tag>
  </image>
  <image id="1" name="b.jpg" width="10" height="10">
    <box label="cat" source="manual" occluded="0" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"></box>
  </image>
  <image id="2" name="c.jpg" width="10" height="10"></image>
  <image id="3" name="d.jpg" width="10" height="10">
    <tag label="dog" source="auto"><attribute name="quality">bad</attribute></tag>
    <box label="dog" source="manual" occluded="0" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"></box>
  </image>
</annotations>
"""


def test_cvat_handmade_skips_and_tag_attribute(tmp_path):
    """Hand-made CVAT for images 1.1 XML (layout from CVAT's format documentation)."""
    path = tmp_path / "carol.xml"
    path.write_text(HANDMADE_XML)
    aset = load_annotations(path)
    assert label_map(aset) == {("a.jpg", "carol"): "cat", ("d.jpg", "carol"): "dog"}
    assert skipped_counts(aset) == {"unsupported_result": 1, "not_annotated": 1}
    assert any("source 'auto'" in w for w in aset.report.warnings)
    assert_accounted(aset)
    quality = load_annotations(path, field="quality")
    assert label_map(quality) == {("a.jpg", "carol"): "good", ("d.jpg", "carol"): "bad"}
    assert quality.report.label_field == "tag attribute 'quality'"
    with pytest.raises(InvalidParameterError, match="'quality'"):
        load_annotations(path, field="colour")


def test_cvat_video_tracks_refused(tmp_path):
    path = tmp_path / "video.xml"
    path.write_text('<annotations><version>1.1</version><meta/><track id="0" label="car" source="manual">'
                    '<box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="2" ybr="2"/>'
                    "</track></annotations>")
    with pytest.raises(AnnotationSchemaError, match="CVAT for video"):
        load_annotations(path, format="cvat")


def test_cvat_entities_refused(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE annotations [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                    '<annotations><image id="0" name="x.jpg"><tag label="&b;"/></image></annotations>')
    with pytest.raises(AnnotationFileError, match="refused for safety"):
        load_annotations(path, format="cvat")


def test_cvat_truncated_xml(tmp_path):
    path = tmp_path / "cut.xml"
    path.write_text(HANDMADE_XML[:400])
    with pytest.raises(AnnotationFileError, match="not well-formed"):
        load_annotations(path, format="cvat")


def test_datumaro_labels_multilabel_and_exclusive_group():
    path = need(DATUMARO)
    doc = json.loads(path.read_text())
    names = [lab["name"] for lab in doc["categories"]["label"]["labels"]]
    expected = {(it["id"], "datumaro_legacy_train"): tuple(sorted(names[a["label_id"]] for a in it["annotations"]
                                                                  if a["type"] == "label"))
                for it in doc["items"]}
    aset = load_annotations(path)
    assert aset.report.format == "datumaro" and aset.multilabel
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (2, 1, 2)
    assert label_map(aset) == expected
    assert expected[("b", "datumaro_legacy_train")] == ("bicycle", "car", "mary", "tom")
    assert set(aset.frame["image"]) == {"train/a.jpg", "train/b.jpg"}
    assert any("exclusive group 'manmade'" in w for w in aset.report.warnings)
    assert aset.report.label_field == "'label' annotations"
    assert_accounted(aset)


def _datumaro_expected(doc, annotator):
    names = [lab["name"] for lab in doc["categories"]["label"]["labels"]]
    return {(it["id"], annotator): tuple(sorted({names[a["label_id"]] for a in it["annotations"] if a["type"] == "label"}))
            for it in doc["items"]}


def test_datumaro_several_files_are_several_annotators(tmp_path):
    """The genuine file, a copy named bob.json whose item 'a' got another label, and a copy under the genuine
    file's own name in another folder: three annotators over the same two items."""
    path = need(DATUMARO)
    doc = json.loads(path.read_text())
    names = [lab["name"] for lab in doc["categories"]["label"]["labels"]]
    bob = json.loads(path.read_text())
    a_labels = [a for a in bob["items"][0]["annotations"] if a["type"] == "label"]
    assert bob["items"][0]["id"] == "a" and len(a_labels) == 1
    a_labels[0]["label_id"] = next(i for i, n in enumerate(names) if n != names[a_labels[0]["label_id"]])
    (tmp_path / "bob.json").write_text(json.dumps(bob))
    (tmp_path / "other").mkdir()
    same_name = tmp_path / "other" / path.name
    same_name.write_bytes(path.read_bytes())
    aset = load_annotations([path, tmp_path / "bob.json", same_name])
    assert aset.report.format == "datumaro"
    first, third = "datumaro_legacy_train (file 1)", "datumaro_legacy_train (file 3)"
    assert sorted(aset.annotator_ids) == sorted(["bob", first, third])
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (2, 3, 6)
    assert label_map(aset) == {**_datumaro_expected(doc, first), **_datumaro_expected(bob, "bob"),
                               **_datumaro_expected(doc, third)}
    assert label_map(aset)[("a", "bob")] != label_map(aset)[("a", first)]
    assert any("several files are named 'datumaro_legacy_train'" in w for w in aset.report.warnings)
    assert aset.report.rows_read == 3 * len(doc["items"]) == 6
    assert aset.report.label_field == "'label' annotations"
    assert_accounted(aset)
    two = load_annotations([path, tmp_path / "bob.json"])
    assert sorted(two.annotator_ids) == ["bob", "datumaro_legacy_train"] and two.n_annotations == 4


def test_datumaro_handmade_other_types(tmp_path):
    """Hand-made Datumaro JSON (layout of the genuine test asset): boxes only, nothing, a bad label id."""
    doc = {"info": {}, "categories": {"label": {"labels": [{"name": "cat"}], "label_groups": [], "attributes": []}},
           "items": [{"id": "x", "annotations": [{"id": 0, "type": "bbox", "label_id": 0, "bbox": [0, 0, 1, 1]}]},
                     {"id": "y", "annotations": []},
                     {"id": "z", "annotations": [{"id": 0, "type": "label", "label_id": 0},
                                                 {"id": 1, "type": "label", "label_id": 7}]}]}
    path = tmp_path / "dave.json"
    path.write_text(json.dumps(doc))
    aset = load_annotations(path, annotator_id="dave")
    assert label_map(aset) == {("z", "dave"): "cat"}
    assert skipped_counts(aset) == {"unsupported_result": 1, "not_annotated": 1}
    assert any("label_id outside" in w for w in aset.report.warnings)
    assert_accounted(aset)


def test_datumaro_attribute_as_field():
    """The genuine asset's label annotation of item 'a' carries a 'score' attribute."""
    aset = load_annotations(need(DATUMARO), field="score")
    assert label_map(aset) == {("a", "datumaro_legacy_train"): "1"}  # 1.0 written as a numeral label
    assert aset.report.label_field == "attribute 'score' of the 'label' annotations"
    assert skipped_counts(aset) == {"other_field": 1}
    with pytest.raises(InvalidParameterError, match="'score'"):
        load_annotations(DATUMARO, field="colour")
