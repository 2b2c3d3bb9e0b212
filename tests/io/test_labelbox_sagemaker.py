"""Labelbox and SageMaker Ground Truth importers: genuine files (counts read directly from them) and the
hand-made fixtures (marked as such) for what no genuine file shows."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from _toolcheck import FIXTURES, assert_accounted, label_map, skipped_counts, tag_totals
from analytics import AnnotationSchemaError, InvalidParameterError, load_annotations
from tests.conftest import FORMATS, need

V2 = FORMATS / "labelbox" / "export_v2_roof-wear-highres.ndjson"
V1 = FORMATS / "labelbox" / "v1_image_export.json"
SM = FORMATS / "sagemaker"


def _v2_answers(path):
    """(data row, label) → {question: answer value} read straight from the NDJSON."""
    out = {}
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        for proj in rec["projects"].values():
            for lab in proj["labels"]:
                out[(rec["data_row"]["id"], lab["id"])] = {
                    c["name"]: c["radio_answer"]["value"] for c in lab["annotations"]["classifications"]}
    return out


def test_labelbox_v2_two_questions_need_field():
    path = need(V2)
    with pytest.raises(AnnotationSchemaError, match=r"'bad_image' \(102\), 'wear' \(90\)"):
        load_annotations(path)


@pytest.mark.parametrize("question", ["wear", "bad_image"])
def test_labelbox_v2_radio_answers(question):
    path = need(V2)
    answers = _v2_answers(path)
    expected = {dr: a[question] for (dr, _), a in answers.items() if question in a}
    aset = load_annotations(path, field=question)
    assert aset.report.rows_read == len(answers) == 102
    assert aset.n_annotations == aset.n_items == len(expected)
    assert not aset.annotators_known and aset.n_annotators == 0
    assert dict(zip(aset.frame["item_id"], aset.frame["label"])) == expected
    assert skipped_counts(aset) == ({"other_field": 102 - len(expected)} if len(expected) < 102 else {})
    assert any("no labeler ids" in w for w in aset.report.warnings)
    assert aset.frame["image"].str.startswith("https://").all()
    assert aset.report.label_field == f"question '{question}'"
    assert_accounted(aset)


def test_labelbox_v2_annotator_option():
    aset = load_annotations(need(V2), field="wear", annotator_id="roof-team")
    assert aset.annotators_known and list(aset.annotator_ids) == ["roof-team"]
    assert tag_totals(aset) == Counter({"good": 43, "light_wear": 37, "heavy_wear": 10})


def test_labelbox_v1_objects_only_refused():
    path = need(V1)
    row = json.loads(path.read_text())
    n_boxes = sum("bbox" in o for o in row["Label"]["objects"])
    with pytest.raises(AnnotationSchemaError, match=rf"objects \(bounding_box\) \({n_boxes}\)") as err:
        load_annotations(path)
    assert "classifications inside objects" in str(err.value)


HANDMADE_LB = FIXTURES / "labelbox_v2_two_labelers_handmade.ndjson"


def test_labelbox_handmade_two_labelers_per_row():
    """Hand-made Export v2 (label_details.created_by, two labels per data row, a skipped label)."""
    aset = load_annotations(HANDMADE_LB, field="weather")
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (3, 2, 5)
    assert label_map(aset) == {("dr_A", "alice@example.org"): "sunny", ("dr_A", "bob@example.org"): "sunny",
                               ("dr_B", "alice@example.org"): "rainy", ("dr_B", "bob@example.org"): "cloudy",
                               ("dr_C", "bob@example.org"): "rainy"}
    assert skipped_counts(aset) == {"cancelled": 1, "not_annotated": 1}
    assert aset.report.label_field == "question 'weather'"
    assert aset.frame["duration_s"].sum() == pytest.approx(11.5 + 8.0 + 6.0 + 15.2 + 5.5)
    assert set(aset.frame["global_key"]) == {"street_001.jpg", "street_002.jpg", "street_003.jpg"}
    assert_accounted(aset)


def test_labelbox_handmade_checklist_is_multilabel():
    """Hand-made Export v2: a checklist question gives tag sets."""
    aset = load_annotations(HANDMADE_LB, field="objects")
    assert aset.multilabel
    assert label_map(aset) == {("dr_A", "alice@example.org"): ("car", "person"), ("dr_A", "bob@example.org"): ("car",)}
    assert skipped_counts(aset) == {"other_field": 3, "cancelled": 1, "not_annotated": 1}


def test_labelbox_several_projects_need_project(tmp_path):
    """Hand-made: the fixture's rows copied under a second project id."""
    lines = [json.loads(x) for x in HANDMADE_LB.read_text().splitlines()]
    lines[1]["projects"]["prj_other"] = {"name": "other", "labels": []}
    path = tmp_path / "two_projects.ndjson"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    with pytest.raises(AnnotationSchemaError, match="several Labelbox projects"):
        load_annotations(path, field="weather")
    assert load_annotations(path, field="weather", project="street-weather-pilot").n_annotations == 5


HANDMADE_LB_V1 = FIXTURES / "labelbox_v1_created_by_handmade.json"


def _v1_expected(question):
    """(data row, Created By) → answer(s) of ``question``, read straight from the v1 JSON (skipped labels left out)."""
    out = {}
    for rec in json.loads(HANDMADE_LB_V1.read_text()):
        for c in rec["Label"].get("classifications", []) if not rec["Skipped"] else []:
            if c["value"] == question:
                answers = [c["answer"]] if "answer" in c else c["answers"]
                values = tuple(sorted(a["value"] for a in answers))
                out[(rec["DataRow ID"], rec["Created By"])] = values[0] if "answer" in c else values
    return out


def test_labelbox_handmade_v1_created_by_radio_question():
    """Hand-made legacy v1 JSON: `Created By` as annotator, a radio question, a skipped label, a boxes-only label."""
    records = json.loads(HANDMADE_LB_V1.read_text())
    aset = load_annotations(HANDMADE_LB_V1, field="weather")
    rep = aset.report
    assert rep.format == "labelbox" and rep.unit == "annotation"
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (3, 3, 5)
    assert not aset.multilabel and aset.annotators_known
    assert set(aset.annotator_ids) == {"annotator1@example.org", "annotator2@example.org", "annotator3@example.org"}
    assert label_map(aset) == _v1_expected("weather") == {
        ("dr_001", "annotator1@example.org"): "sunny", ("dr_001", "annotator2@example.org"): "sunny",
        ("dr_002", "annotator1@example.org"): "rainy", ("dr_002", "annotator2@example.org"): "cloudy",
        ("dr_003", "annotator3@example.org"): "rainy"}
    # 7 labels read: 5 kept, lbl_05 skipped by its labeler ("Skipped": true), lbl_07 holds only a box
    assert (rep.rows_read, rep.rows_kept, rep.rows_skipped) == (len(records), 5, 2) == (7, 5, 2)
    assert rep.rows_read == rep.rows_kept + rep.rows_skipped
    assert dict(zip(rep.skipped["row"], rep.skipped["reason"])) == {"lbl_05": "cancelled",
                                                                   "lbl_07": "unsupported_result"}
    assert [r["ID"] for r in records if r["Skipped"]] == ["lbl_05"]
    assert rep.label_field == "question 'weather'"
    assert "Labels taken from: question 'weather'." in rep.summary_lines()
    assert rep.column_mapping["annotator_id"] == "Created By" and rep.column_mapping["image"] == "Labeled Data"
    kept = {r["ID"]: r for r in records if r["ID"] not in ("lbl_05", "lbl_07")}
    assert aset.frame["duration_s"].sum() == pytest.approx(sum(r["Seconds to Label"] for r in kept.values()))
    assert set(aset.frame["image"]) == {r["Labeled Data"] for r in kept.values()}
    assert set(aset.frame["external_id"]) == {"street_001.jpg", "street_002.jpg", "street_003.jpg"}
    assert any("question 'objects' (4)" in w for w in rep.warnings)
    assert_accounted(aset)


def test_labelbox_handmade_v1_checklist_and_field_choice():
    """Hand-made legacy v1 JSON: field= picks the checklist question (tag sets); without it, an error lists both."""
    with pytest.raises(AnnotationSchemaError, match=r"2 classification questions: 'weather' \(5\), 'objects' \(4\)"):
        load_annotations(HANDMADE_LB_V1)
    aset = load_annotations(HANDMADE_LB_V1, field="objects")
    assert aset.multilabel
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (3, 3, 4)
    assert label_map(aset) == _v1_expected("objects") == {
        ("dr_001", "annotator1@example.org"): ("car", "person"), ("dr_001", "annotator2@example.org"): ("car",),
        ("dr_002", "annotator2@example.org"): ("bicycle",), ("dr_003", "annotator3@example.org"): ("person",)}
    # lbl_03 answered only 'weather'
    assert skipped_counts(aset) == {"other_field": 1, "cancelled": 1, "unsupported_result": 1}
    assert aset.report.rows_read == 7 == aset.report.rows_kept + aset.report.rows_skipped
    assert aset.report.label_field == "question 'objects'"
    assert tag_totals(aset) == Counter({"car": 2, "person": 2, "bicycle": 1})
    assert_accounted(aset)
    with pytest.raises(InvalidParameterError, match="field='tags' is not a classification question"):
        load_annotations(HANDMADE_LB_V1, field="tags")


def _manifest(path):
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_sagemaker_output_manifest():
    path = need(SM / "jufeng_image_classification_output.manifest")
    lines = _manifest(path)
    meta = "vehicle-labeling-demo-metadata"
    aset = load_annotations(path)
    assert aset.report.unit == "line" and aset.report.rows_read == len(lines) == 10
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (10, 1, 10)
    assert list(aset.annotator_ids) == ["vehicle-labeling-demo"]
    assert label_map(aset) == {(x["source-ref"], "vehicle-labeling-demo"): x[meta]["class-name"] for x in lines}
    assert dict(zip(aset.frame["item_id"], aset.frame["confidence"])) == {x["source-ref"]: x[meta]["confidence"]
                                                                         for x in lines}
    assert (aset.frame["image"] == aset.frame["item_id"]).all()
    assert any("consolidated" in w for w in aset.report.warnings)
    kind = {x[meta]["type"] for x in lines}
    assert kind == {"groundtruth/image-classification"}
    assert aset.report.label_field == "label attribute 'vehicle-labeling-demo' (image-classification)"
    assert_accounted(aset)


def test_sagemaker_two_jobs_in_one_manifest():
    path = need(SM / "smexamples_featurestore_output.manifest")
    lines = _manifest(path)
    with pytest.raises(AnnotationSchemaError, match=r"'mood' \(1\), 'species' \(1\)"):
        load_annotations(path)
    species = load_annotations(path, field="species")
    assert label_map(species) == {(lines[0]["source-ref"], "identify-animal-species"): "dog"}
    assert skipped_counts(species) == {"other_field": 1}
    assert lines[0]["species-metadata"]["type"] == "groundtruth/image-classification"
    assert species.report.label_field == "label attribute 'species' (image-classification)"
    mood = load_annotations(path, field="mood", annotator_id="sentiment-job")
    assert label_map(mood) == {(lines[1]["source"], "sentiment-job"): lines[1]["mood-metadata"]["class-name"]}
    assert mood.frame["image"].isna().all()
    assert lines[1]["mood-metadata"]["type"] == "groundtruth/text-classification"
    assert mood.report.label_field == "label attribute 'mood' (text-classification)"
    assert_accounted(mood)


def test_sagemaker_bounding_box_payload_refused():
    path = need(SM / "recipe_sample_annotation_consolidation_payload.json")
    n_answers = sum(len(o["annotations"]) for o in json.loads(path.read_text()))
    with pytest.raises(AnnotationSchemaError, match=rf"{n_answers} answers read.*boundingBoxes"):
        load_annotations(path)


WORKER_FILES = sorted((FIXTURES / "sagemaker" / "worker-response" / "iteration-1").glob("*/*.json"))


def test_sagemaker_handmade_worker_responses():
    """Hand-made worker-response files (Ground Truth output-data documentation): objects 3 and 7."""
    aset = load_annotations(WORKER_FILES)
    assert aset.report.format == "sagemaker" and aset.report.unit == "answer"
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (2, 3, 5)
    w1, w2, w3 = "private.us-east-1.a1b2c3d4e5f6a7b8", "private.us-east-1.b2c3d4e5f6a7b8c9", \
        "private.us-east-1.c3d4e5f6a7b8c9d0"
    assert label_map(aset) == {("3", w1): "Helicopter", ("3", w2): "Helicopter", ("3", w3): "Airplane",
                               ("7", w1): "Ferry", ("7", w3): "Ferry"}
    assert aset.frame["duration_s"].sum() == pytest.approx(8.411 + 3.804 + 12.32 + 4.25 + 7.0)
    assert str(aset.frame["timestamp"].min()) == "2024-05-03 10:15:09.512000+00:00"
    assert [w for w in aset.report.warnings if "folder name" in w] == [
        "2 worker-response files do not name their data object; each item id was taken from the file's folder "
        "name (the object's index in the input manifest)."]
    assert aset.report.label_field == "question 'crowd-image-classifier' of the worker answers"
    assert_accounted(aset)


def test_sagemaker_handmade_worker_response_item_option():
    """Hand-made worker-response file read with an explicit item id."""
    aset = load_annotations(WORKER_FILES[0], item_id="s3://bucket/images/image_0007.jpeg")
    assert set(aset.item_ids) == {"s3://bucket/images/image_0007.jpeg"}
    assert tag_totals(aset) == Counter({"Helicopter": 2, "Airplane": 1})


def test_sagemaker_multilabel_and_unlabelled_lines(tmp_path):
    """Hand-made manifest lines in the documented multi-label shape (class-map), plus an unlabelled line."""
    meta = {"job-name": "labeling-job/tags", "class-map": {"0": "person", "1": "bicycle"},
            "human-annotated": "no", "creation-date": "2020-02-27T21:36:25.000201",
            "type": "groundtruth/image-classification-multilabel"}
    lines = [{"source-ref": "s3://b/1.jpg", "tags": [1, 0], "tags-metadata": meta},
             {"source-ref": "s3://b/2.jpg"},
             {"source-ref": "s3://b/3.jpg", "tags-metadata": {"failure-reason": "ClientError: timeout"}, "tags": {}}]
    path = tmp_path / "output.manifest"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    aset = load_annotations(path)
    assert aset.multilabel and label_map(aset) == {("s3://b/1.jpg", "tags"): ("bicycle", "person")}
    assert skipped_counts(aset) == {"not_annotated": 2, "invalid_record": 1}
    assert any("automated data labeling" in w for w in aset.report.warnings)
    assert_accounted(aset)
