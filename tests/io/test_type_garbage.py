"""Issue 21, point 4: values of the wrong type or range crash nothing and are never kept silently. Huge integers,
NaN/Infinity, labels of control characters, repeated JSON keys, tag sets with no tag, UTF-16 text: each gets a
specific reason (a skipped row, a warning naming the field, or an error naming it — exit 2 on the command line)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analytics import AnnotationSchemaError, load_annotations
from analytics.cli import main

HUGE = "1" + "0" * 400  # 401 digits: no float holds it (float overflows past about 1.8e308)
HUGER = "1" + "0" * 5000  # beyond Python's 4,300-digit limit on int <-> str conversion


def _ls_task(task_id: str, **annotation: str) -> str:
    ann = {"id": 1, "completed_by": 1, "result": [{"type": "choices", "from_name": "animal", "to_name": "image",
                                                    "value": {"choices": ["cat"]}}], **annotation}
    text = json.dumps({"id": "TASK", "data": {"image": "/data/upload/1/a.jpg"}, "annotations": [ann]})
    return text.replace('"TASK"', task_id)


def test_huge_integer_task_id_of_label_studio(tmp_path):
    path = tmp_path / "ls.json"
    path.write_text("[" + _ls_task(HUGE) + "," + _ls_task("7") + "]")
    aset = load_annotations(path)
    assert sorted(aset.item_ids, key=len) == ["7", HUGE]  # the digits, as text: an id like any other
    assert any("1 integer of more than 309 digits (first in element 1 of 'ls.json')" in w
               for w in aset.report.warnings)
    path.write_text("[" + _ls_task(HUGER) + "]")
    with pytest.raises(AnnotationSchemaError, match="max_text_length"):  # longer than any id may be
        load_annotations(path)


@pytest.mark.parametrize("field", ["lead_time", "created_at"])
def test_huge_integer_durations_and_timestamps_are_reported(tmp_path, field):
    path = tmp_path / "ls.json"
    path.write_text("[" + _ls_task("1").replace('"completed_by": 1', f'"completed_by": 1, "{field}": {HUGE}') + "]")
    aset = load_annotations(path)
    warning = " ".join(aset.report.warnings)
    assert (re.search(r"durations? (was|were) Infinity, NaN or a number too large", warning) if field == "lead_time"
            else re.search(r"timestamps? could not be read", warning))


def test_labelbox_seconds_to_label_and_created_at(tmp_path):
    record = {"ID": "l1", "DataRow ID": "d1", "Labeled Data": "https://x.org/1.jpg", "Created By": "a@x.org",
              "External ID": "1.jpg", "Seconds to Label": "HUGE", "Created At": "HUGE",
              "Label": {"classifications": [{"title": "Animal", "value": "animal",
                                             "answer": {"title": "cat", "value": "cat"}}]}}
    path = tmp_path / "lb.json"
    path.write_text(json.dumps([record]).replace('"HUGE"', HUGE))
    aset = load_annotations(path)
    warnings = " ".join(aset.report.warnings)
    assert re.search(r"durations? (was|were) Infinity, NaN or a number too large", warnings)
    assert re.search(r"timestamps? could not be read", warnings) and "…" in warnings  # the 401 digits are cut
    assert main(["validate", str(path)]) == 0


def test_huge_integers_in_tables_and_dataframes(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(f'{{"item_id": {HUGE}, "annotator_id": "a", "label": "cat", "duration_s": {HUGE}}}\n'
                    '{"item_id": 2, "annotator_id": "a", "label": "dog", "duration_s": 3}\n')
    aset = load_annotations(path)
    assert list(aset.item_ids) == ["2", HUGE] and aset.frame["duration_s"].isna().sum() == 1
    csv = tmp_path / "t.csv"
    csv.write_text(f"item_id,annotator_id,label,timestamp\n{HUGE},a,cat,{HUGE}\n2,a,dog,{HUGE}\n")
    assert list(load_annotations(csv).item_ids) == ["2", HUGE]
    frame = pd.DataFrame({"item_id": [int(HUGE), 2], "annotator_id": ["a", "a"], "label": ["cat", "dog"],
                          "duration_s": [int(HUGE), 1]})
    assert load_annotations(frame).frame["duration_s"].isna().sum() == 1


def test_label_studio_infinity_and_nan(tmp_path):
    path = tmp_path / "ls.json"
    tasks = [_ls_task("1", lead_time="Infinity"), _ls_task("2", lead_time="NaN"),
             _ls_task("3", completed_by="-Infinity"), _ls_task("Infinity")]
    path.write_text("[" + ",".join(t.replace('"Infinity"', "Infinity").replace('"NaN"', "NaN")
                                   .replace('"-Infinity"', "-Infinity") for t in tasks) + "]")
    aset = load_annotations(path)
    report = aset.report
    assert report.skipped_by_reason.to_dict() == {"invalid_id": 2}  # completed_by -Infinity, task id Infinity
    assert "-inf" not in aset.annotator_ids and "inf" not in aset.item_ids
    warnings = " ".join(report.warnings)
    assert "-Infinity (1), Infinity (2), NaN (1), which standard JSON does not allow" in warnings
    assert re.search(r"durations? (was|were) Infinity, NaN", warnings) and aset.frame["duration_s"].isna().all()


def test_labels_made_of_control_characters_are_skipped(tmp_path):
    path = tmp_path / "ctrl.csv"
    path.write_bytes(b"item_id,annotator_id,label\n1,a,\x01\x02\n1,b,cat\n2,a,\xe2\x80\x8b\n2,b,dog\n")
    aset = load_annotations(path)
    assert aset.categories == ("cat", "dog")
    assert aset.report.skipped[["row", "reason"]].values.tolist() == [[2, "unprintable_label"],
                                                                       [4, "unprintable_label"]]
    tags = pd.DataFrame({"item_id": ["1", "2"], "annotator_id": ["a", "a"], "label": [["cat", "\x07"], ["dog"]]})
    assert load_annotations(tags, multilabel=True).report.skipped_by_reason.to_dict() == {"unprintable_label": 1}


@pytest.mark.parametrize("kind", ["jsonl", "json", "labelstudio"])
def test_repeated_json_keys_are_named_in_a_warning(tmp_path, kind):
    if kind == "labelstudio":
        path = tmp_path / "ls.json"
        path.write_text("[" + _ls_task("1").replace('"completed_by": 1', '"completed_by": 1, "completed_by": 2') + "]")
        key, where = "completed_by", "element 1 of 'ls.json'"
    else:
        path = tmp_path / f"t.{kind}"
        record = '{"item_id": 1, "annotator_id": "a", "label": "cat", "label": "dog"}'
        path.write_text(record + "\n" if kind == "jsonl" else f"[{record}]")
        key, where = "label", "line 1 of 't.jsonl'" if kind == "jsonl" else "'t.json'"
    aset = load_annotations(path)
    warning = next(w for w in aset.report.warnings if "appears twice" in w)
    assert f"JSON key '{key}'" in warning and where in warning and "the last value" in warning


def test_empty_tag_sets_with_format_wide_are_an_error_not_a_set_without_categories(tmp_path, capsys):
    path = tmp_path / "wide.json"
    path.write_text('[{"answers":[null]}]')
    with pytest.raises(AnnotationSchemaError, match="has no categories: every kept annotation is an empty tag set"):
        load_annotations(path, format="wide")
    assert main(["validate", str(path), "--format", "wide"]) == 2
    assert "no categories" in capsys.readouterr().err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_text_with_a_byte_order_mark(tmp_path, encoding):
    text = "item_id,annotator_id,label\n1,a,chat noir\n1,b,chien\n"
    bom = {"utf-16-be": "\ufeff"}.get(encoding, "")
    path = tmp_path / "u.csv"
    path.write_bytes((bom + text).encode(encoding))
    assert load_annotations(path).categories == ("chat noir", "chien")
    jsonl = tmp_path / "u.jsonl"
    jsonl.write_bytes((bom + '{"item_id": 1, "annotator_id": "a", "label": "cat"}\n').encode(encoding))
    assert load_annotations(jsonl).categories == ("cat",)


def test_utf16_without_a_byte_order_mark_gets_its_own_message(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("item_id,annotator_id,label\n1,a,cat\n".encode("utf-16-le"))
    with pytest.raises(AnnotationSchemaError, match="looks like UTF-16 text without a byte-order mark"):
        load_annotations(path)


# -- found by the type-mutation fuzzer at 1,500 examples -----------------------------------------------------------
def test_a_predictions_class_column_without_a_visible_name_is_refused(tmp_path):
    from analytics import load_predictions

    path = tmp_path / "p.jsonl"
    path.write_text('{"item_id": "a", "": 0.2, "cat": 0.8}\n')
    with pytest.raises(AnnotationSchemaError, match="without a visible name .*class column 1"):
        load_predictions(path)


def test_gold_and_predicted_labels_made_of_control_characters_are_skipped():
    from analytics import load_gold, load_predictions

    frame = pd.DataFrame({"item_id": ["img_0", "img_1", "img_2"], "annotator_id": "a", "label": ["cat", "dog", "cat"]})
    gold = pd.DataFrame({"item_id": ["img_0", "img_1", "img_2"], "gold_label": ["\x00", "dog", "\u200b"]})
    aset = load_annotations(frame, gold=gold)
    assert aset.categories == ("cat", "dog") and aset.gold.to_dict() == {"img_1": "dog"}
    assert load_gold(gold).report.skipped[["row", "reason"]].values.tolist() == [[0, "unprintable_label"],
                                                                                 [2, "unprintable_label"]]
    predicted = load_predictions(pd.DataFrame({"item_id": ["img_0", "img_1"], "predicted_label": ["\x07", "cat"]}))
    assert predicted.frame["predicted_label"].tolist() == ["cat"]
    assert predicted.report.skipped_by_reason.to_dict() == {"unprintable_label": 1}


def test_a_sagemaker_job_name_of_infinity_does_not_become_an_annotator(tmp_path):
    record = {"source-ref": "s3://b/0.jpg", "animal": 0,
              "animal-metadata": {"class-name": "cat", "job-name": "labeling-job/pets", "creation-date": "2024-05-03"}}
    other = json.loads(json.dumps(record).replace("0.jpg", "1.jpg"))
    path = tmp_path / "out.manifest"
    path.write_text(json.dumps(record) + "\n" + json.dumps(other).replace('"labeling-job/pets"', "Infinity") + "\n")
    aset = load_annotations(path)
    assert "inf" not in aset.annotator_ids and set(aset.annotator_ids) == {"pets", "animal"}


def test_an_unknown_class_that_is_no_category_is_described(tmp_path):
    """A taxonomy whose Unknown class has a child and is never used: no category, and validate still describes it."""
    from analytics.cli.validate import describe

    taxonomy = {"classes": [{"name": "Animal"}, {"name": "cat", "parent": "Animal"}, {"name": "dog", "parent": "Other"},
                            {"name": "Other", "unknown": True}]}
    frame = pd.DataFrame({"item_id": ["1", "1", "2"], "annotator_id": ["a", "b", "a"], "label": ["Animal"] * 3})
    aset = load_annotations(frame, taxonomy=taxonomy)
    assert aset.unknown_label == "Other" and "Other" not in aset.categories
    assert any("'Other' (not a category of these annotations" in line for line in describe(aset))


def test_repeated_column_names_are_an_error_naming_them(tmp_path):
    """Found by the fuzzer at 1,500 examples: ``,id\\t,id`` made two columns called 'id' once the header's spaces
    were trimmed, and the wide reader crashed with a pandas ValueError."""
    path = tmp_path / "w.csv"
    path.write_bytes(b",id\t,id\n1,cat,dog\n")
    with pytest.raises(AnnotationSchemaError, match=r"repeated column names: 'id' \(columns 2, 3\)"):
        load_annotations(path, format="wide")
    frame = pd.DataFrame([["1", "a", "cat", "x"]], columns=["item_id", "annotator_id", "label", "label"])
    with pytest.raises(AnnotationSchemaError, match=r"'label' \(columns 3, 4\)"):
        load_annotations(frame)
    # found by the fuzzer (session 5): a quoted cell holding the delimiter sent the table to the merged-rows check,
    # which looked columns up by name before the repeated names were reported ('DataFrame' has no 'dtype')
    path = tmp_path / "c.csv"
    path.write_bytes(b'item_id,cat,dog,cat \nimg_0,"a,b",2,1\nimg_1,1,1,1\n')
    with pytest.raises(AnnotationSchemaError, match=r"repeated column names: 'cat' \(columns 2, 4\)"):
        load_annotations(path, format="counts")
