"""Label Studio importer: genuine exports (checked against counts read directly from the files) and
hand-made fixtures (marked as such) for what no genuine file shows."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter

import pytest

from _toolcheck import FIXTURES, assert_accounted, label_map, skipped_counts, tag_totals
from analytics import AnnotationSchemaError, InvalidParameterError, load_annotations
from analytics.exceptions import FieldChoiceError
from tests.conftest import FORMATS, need

LS = FORMATS / "labelstudio"


# -- genuine files ----------------------------------------------------------------------------
def test_single_task_object_with_completed_by_object():
    path = need(LS / "ls_tests_previous_export.json")
    task = json.loads(path.read_text())
    aset = load_annotations(path)
    ann = task["annotations"][0]
    assert aset.report.format == "labelstudio"
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (1, 1, 1)
    assert label_map(aset) == {(str(task["id"]), str(ann["completed_by"]["id"])): ann["result"][0]["value"]["choices"][0]}
    assert aset.frame["image"].iloc[0] == task["data"]["image"]
    assert aset.frame["annotator_email"].iloc[0] == ann["completed_by"]["email"]
    assert aset.frame["duration_s"].iloc[0] == pytest.approx(ann["lead_time"])
    assert_accounted(aset)


def _leoka_expected(tasks):
    kept, cancelled, unsupported, spans = {}, 0, 0, 0
    for t in tasks:
        for a in t["annotations"]:
            if a["was_cancelled"]:
                cancelled += 1
                continue
            tax = [r for r in a["result"] if r["type"] == "taxonomy"]
            if not tax:
                unsupported += 1
                continue
            spans += sum(r["type"] == "labels" for r in a["result"])
            kept[(str(t["id"]), str(a["completed_by"]["id"]))] = tuple(sorted(
                {" / ".join(p) for r in tax for p in r["value"]["taxonomy"]}))
    return kept, cancelled, unsupported, spans


def test_taxonomy_multiannotator_full_export():
    path = need(LS / "leoka_LEOKA_team_4_taxonomy_multiannotator.json")
    tasks = json.loads(path.read_text())
    kept, cancelled, unsupported, spans = _leoka_expected(tasks)
    aset = load_annotations(path)
    assert aset.multilabel
    assert aset.report.rows_read == sum(len(t["annotations"]) or 1 for t in tasks) == 231
    assert aset.n_annotations == len(kept) == 224
    assert aset.n_items == len({i for i, _ in kept}) == 130
    assert aset.n_annotators == len({a for _, a in kept}) == 2
    assert skipped_counts(aset) == {"cancelled": cancelled, "unsupported_result": unsupported} == \
        {"cancelled": 2, "unsupported_result": 5}
    assert label_map(aset) == kept
    assert set(aset.categories) == {lab for labels in kept.values() for lab in labels}
    assert len(aset.categories) == 18
    assert any(f"labels ({spans:,})" in w for w in aset.report.warnings)
    assert aset.report.label_field == "control 'Category'"
    assert_accounted(aset)


def test_taxonomy_leaf_labels_refused_when_leaves_repeat():
    path = need(LS / "leoka_LEOKA_team_4_taxonomy_multiannotator.json")
    with pytest.raises(AnnotationSchemaError, match="'Injured'.*Assaulted / Injured.*Suspect / Injured"):
        load_annotations(path, taxonomy_labels="leaf")


def test_region_level_taxonomy_is_refused_with_reason():
    path = need(LS / "sdk_data_repeater_taxonomy.json")
    with pytest.raises(AnnotationSchemaError, match=r"rectanglelabels \(1\), taxonomy on a region \(1\)"):
        load_annotations(path)


def test_json_min_three_annotators():
    path = need(LS / "jeet1248_CV_json_min_3annotators.json")
    rows = json.loads(path.read_text())
    aset = load_annotations(path)
    assert aset.report.unit == "record" and aset.report.rows_read == len(rows) == 60
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (20, 3, 60)
    assert label_map(aset) == {(str(r["id"]), str(r["annotator"])): r["truck_label"] for r in rows}
    assert tag_totals(aset) == Counter(r["truck_label"] for r in rows)
    assert set(aset.frame["image"]) == {r["image"] for r in rows}
    assert aset.report.skipped.empty
    assert_accounted(aset)


def _csv_tags(cell):
    return tuple(sorted(json.loads(cell)["choices"])) if cell.startswith("{") else (cell,)


def test_csv_several_controls_need_field():
    path = need(LS / "mzouros_label_studio_1000_images.csv")
    with pytest.raises(AnnotationSchemaError, match="5 classification control") as err:
        load_annotations(path)
    for name in ("Color", "Palette", "DoF", "Composition", "Type"):
        assert f"'{name}' (1,000)" in str(err.value)
    # one structured error, worded per surface: field= here, --field in the CLI, the field box on the Data page
    assert isinstance(err.value, FieldChoiceError) and set(err.value.fields) == {"Color", "Palette", "DoF",
                                                                                "Composition", "Type"}
    assert "field=" in str(err.value) and "--field" not in str(err.value) and "command line" not in str(err.value)
    box = err.value.reworded("type it in the field box above")
    assert box.endswith("type it in the field box above.") and "field=" not in box and "'Color' (1,000)" in box
    with pytest.raises(InvalidParameterError, match="'image'"):
        load_annotations(path, field="image")


def test_csv_multiselect_cells_holding_json():
    path = need(LS / "mzouros_label_studio_1000_images.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    aset = load_annotations(path, field="Palette")
    assert aset.multilabel and aset.report.unit == "line"
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (1000, 2, 1000)
    assert label_map(aset) == {(r["id"], r["annotator"]): _csv_tags(r["Palette"]) for r in rows}
    assert sum(r["Palette"].startswith("{") for r in rows) == 605
    single = load_annotations(path, field="Color")
    assert not single.multilabel
    assert tag_totals(single) == Counter(r["Color"] for r in rows)
    assert_accounted(aset)


def _venkat_paths():
    return [need(LS / f"venkat_CV-annotations-{who}.csv") for who in ("Venkat", "Arjun", "3rd-member")]


def test_one_csv_of_one_annotator():
    path = _venkat_paths()[0]
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    aset = load_annotations(path)
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (20, 1, 20)
    assert label_map(aset) == {(r["id"], "1"): r["label"] for r in rows}


def test_single_annotator_exports_merged_by_image_name():
    paths = _venkat_paths()
    expected = {}
    for path, who in zip(paths, ("Venkat", "Arjun", "3rd-member")):
        for r in csv.DictReader(path.open(encoding="utf-8")):
            name = re.sub(r"^[0-9a-f]{8}-", "", r["image"].rsplit("/", 1)[1])
            expected[(name, who)] = r["label"]
    aset = load_annotations(paths)
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (20, 3, 60)
    assert label_map(aset) == expected
    assert set(aset.item_ids) == {f"img_{i}.jpg" for i in range(620, 640)}
    assert any("named after their files" in w for w in aset.report.warnings)
    assert set(aset.frame["annotator_id_in_file"].astype(str)) == {"1"}
    assert_accounted(aset)


# -- hand-made fixture: full export of images, 3 annotators per task --------------------------
HANDMADE = FIXTURES / "labelstudio_full_3annotators_handmade.json"


def test_handmade_full_export_needs_field_when_two_controls():
    """Hand-made fixture (written from the Label Studio task-format documentation)."""
    with pytest.raises(AnnotationSchemaError, match=r"'animal' \(11\), 'quality' \(2\)"):
        load_annotations(HANDMADE)


def test_handmade_full_export_cancelled_and_ground_truth():
    """Hand-made fixture: 3 annotators per image, one cancelled annotation, two ground-truth ones."""
    aset = load_annotations(HANDMADE, field="animal")
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (4, 3, 9)
    assert skipped_counts(aset) == {"used_as_gold": 2, "cancelled": 1, "not_annotated": 1}
    assert aset.report.rows_read == 13
    assert dict(aset.gold) == {"101": "Cat", "104": "Cat"}
    assert label_map(aset)[("102", "12")] == "Cat"  # the box beside the choice is left out, the choice kept
    assert ("102", "13") not in label_map(aset)  # cancelled
    assert any("rectanglelabels (1)" in w and "control 'quality' (2)" in w for w in aset.report.warnings)
    assert set(aset.frame["annotator_email"].dropna()) == {"ann11@example.org", "ann13@example.org"}
    assert_accounted(aset)


@pytest.mark.parametrize("policy, n_annotations, has_gold", [("annotation", 11, False), ("both", 11, True)])
def test_handmade_ground_truth_policies(policy, n_annotations, has_gold):
    """Hand-made fixture: ground-truth annotations kept as annotations, with or without gold."""
    aset = load_annotations(HANDMADE, field="animal", ground_truth=policy)
    assert aset.n_annotations == n_annotations
    assert aset.has_gold == has_gold
    assert label_map(aset)[("101", "13")] == "Cat"


def test_handmade_split_per_annotator_files_merge_back(tmp_path):
    """Hand-made fixture split into one file per annotator: merging matches items on image names."""
    tasks = json.loads(HANDMADE.read_text())
    paths = []
    for who in (11, 12, 13):
        own = [{**t, "annotations": [a for a in t["annotations"]
                                     if (a["completed_by"]["id"] if isinstance(a["completed_by"], dict)
                                         else a["completed_by"]) == who]} for t in tasks]
        paths.append(tmp_path / f"export_user{who}.json")
        paths[-1].write_text(json.dumps(own))
    whole = load_annotations(HANDMADE, field="animal", ground_truth="annotation")
    merged = load_annotations(paths, field="animal", ground_truth="annotation")
    to_name = dict(zip(whole.frame["item_id"], whole.frame["image"].str.split("-", n=1).str[1]))
    assert label_map(merged) == {(to_name[i], a): lab for (i, a), lab in label_map(whole).items()}
    assert not any("named after their files" in w for w in merged.report.warnings)  # ids do not collide
    for path in paths:  # as if each person had run their own Label Studio: everyone is user 1
        own = json.loads(path.read_text())
        for t in own:
            for a in t["annotations"]:
                a["completed_by"] = 1
        path.write_text(json.dumps(own))
    renamed = load_annotations(paths, field="animal", ground_truth="annotation")
    assert label_map(renamed) == {(to_name[i], f"user{a}"): lab for (i, a), lab in label_map(whole).items()}
    assert any("named after their files: user11, user12, user13" in w for w in renamed.report.warnings)


def test_json_min_taxonomy_and_multichoice(tmp_path):
    """Hand-made JSON_MIN rows in the shape Label Studio's converter writes (prettify_result)."""
    rows = [
        {"image": "/data/upload/1/aa11bb22-a.jpg", "id": 1, "animal": "Cat",
         "tax": [{"taxonomy": [["Mammal", "Cat"]]}], "annotator": 1, "annotation_id": 1, "lead_time": 2.0},
        {"image": "/data/upload/1/cc33dd44-b.jpg", "id": 2, "animal": {"choices": ["Cat", "Dog"]},
         "tax": [{"taxonomy": [["Mammal", "Dog"], ["Bird"]]}], "annotator": 1, "annotation_id": 2},
        {"image": "/data/upload/1/cc33dd44-b.jpg", "id": 2, "annotator": 2, "annotation_id": 3,
         "tax": [{"taxonomy": [["Bird"]]}]},
    ]
    path = tmp_path / "min.json"
    path.write_text(json.dumps(rows))
    tax = load_annotations(path, field="tax")
    assert label_map(tax) == {("1", "1"): ("Mammal / Cat",), ("2", "1"): ("Bird", "Mammal / Dog"), ("2", "2"): ("Bird",)}
    leaf = load_annotations(path, field="tax", taxonomy_labels="leaf")
    assert label_map(leaf)[("2", "1")] == ("Bird", "Dog")
    rows[2]["tax"] = [{"taxonomy": [["Pet", "Dog"]]}]
    path.write_text(json.dumps(rows))
    with pytest.raises(AnnotationSchemaError, match="'Dog': 'Mammal / Dog', 'Pet / Dog'"):
        load_annotations(path, field="tax", taxonomy_labels="leaf")
    animal = load_annotations(path, field="animal")
    assert label_map(animal) == {("1", "1"): ("Cat",), ("2", "1"): ("Cat", "Dog")}
    assert skipped_counts(animal) == {"blank_label": 1}
    assert_accounted(animal)


def test_truncated_export_is_an_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(HANDMADE.read_text()[:3000])
    with pytest.raises(AnnotationSchemaError, match="truncated"):
        load_annotations(path, format="labelstudio", field="animal")
