"""Regression tests: the malformed inputs the fuzzer (tests/fuzz) found crashing the labeling-tool importers or
breaking the import report's accounting, shrunk by hand to their essence. Each crashed (or lost records) before its fix."""

from __future__ import annotations

import json

import pytest

from _toolcheck import assert_accounted, label_map, skipped_counts
from analytics import AnnotationFileError, AnnotationSchemaError, load_annotations


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _lb_line(n, labels):
    return {"data_row": {"id": f"dr_{n}", "row_data": f"https://x/{n}.jpg"},
            "projects": {"p1": {"name": "pilot", "labels": labels}}}


def _lb_label(ident, who, answer, **overrides):
    label = {"id": ident, "label_details": {"created_by": who}, "performance_details": {"skipped": False},
             "annotations": {"objects": [], "classifications": [
                 {"name": "animal", "radio_answer": {"name": answer, "value": answer, "classifications": []}}]}}
    label.update(overrides)
    return label


@pytest.mark.parametrize("override", [
    {"label_details": True},                       # was AttributeError: 'bool' object has no attribute 'get'
    {"performance_details": ["x"]},                # was AttributeError on a list
    {"annotations": "text"},                       # was AttributeError: 'str' object has no attribute 'get'
    {"annotations": {"objects": 5, "classifications": []}},   # was TypeError: 'int' object is not iterable
    {"annotations": {"objects": [{"classifications": 3}], "classifications": False}},  # len(3), iterating False
])
def test_labelbox_malformed_label_fields_read_as_absent(tmp_path, override):
    lines = [_lb_line(0, [_lb_label("l0", "a@x", "cat")]), _lb_line(1, [_lb_label("l1", "a@x", "dog", **override)])]
    path = _write(tmp_path, "export.ndjson", "\n".join(json.dumps(line) for line in lines))
    aset = load_annotations(path, field="animal")
    assert label_map(aset)[("dr_0", "a@x")] == "cat"
    assert_accounted(aset)


def test_labelbox_label_and_project_that_are_not_objects(tmp_path):
    lines = [_lb_line(0, [_lb_label("l0", "a@x", "cat"), True]),          # was AttributeError: 'bool' …
             {"data_row": {"id": "dr_1"}, "projects": {"p1": "not a project"}},   # was AttributeError: 'str' …
             {"data_row": {"id": "dr_2"}, "projects": False}]                    # was AttributeError: 'bool' …
    path = _write(tmp_path, "export.ndjson", "\n".join(json.dumps(line) for line in lines))
    aset = load_annotations(path)
    assert skipped_counts(aset) == {"not_an_object": 1, "not_annotated": 2}
    assert_accounted(aset)


def _ls_task(task_id, ann_id, choice, **overrides):
    result = {"id": f"r{ann_id}", "type": "choices", "from_name": "animal", "to_name": "image",
              "value": {"choices": [choice]}}
    result.update(overrides)
    return {"id": task_id, "data": {"image": f"/data/upload/1/{task_id}.jpg"},
            "annotations": [{"id": ann_id, "completed_by": 1, "result": [result]}]}


@pytest.mark.parametrize("override", [
    {"value": {"choices": 7}},          # was TypeError: 'int' object is not iterable
    {"type": ["choices"]},              # was TypeError: unhashable type: 'list'
    {"to_name": ["image"]},             # was TypeError: unhashable type: 'list' (data.get(to_name))
])
def test_labelstudio_malformed_result_fields(tmp_path, override):
    tasks = [_ls_task(1, 10, "cat"), _ls_task(2, 20, "dog", **override)]
    path = _write(tmp_path, "export.json", tasks)
    aset = load_annotations(path)
    assert label_map(aset)[("1", "1")] == "cat"
    assert_accounted(aset)


def test_labelstudio_annotations_and_result_that_are_not_lists(tmp_path):
    tasks = [_ls_task(1, 10, "cat"), {"id": 2, "data": {}, "annotations": "abc"},
             {"id": 3, "data": {}, "annotations": [{"id": 30, "completed_by": 1, "result": {"type": "choices"}}]}]
    aset = load_annotations(_write(tmp_path, "export.json", tasks))
    assert skipped_counts(aset) == {"invalid_record": 2}  # 'abc' was read as three annotations before
    assert_accounted(aset)


def test_repeated_record_ids_are_accounted_separately(tmp_path):
    """Two tasks carrying the same annotation id: one kept, one cancelled. Both are records of the report;
    the cancelled one was counted as part of the kept one (rows_read 2 = kept 1 + skipped 0)."""
    kept = _ls_task(1, 10, "cat")
    cancelled = _ls_task(2, 10, "dog")
    cancelled["annotations"][0]["was_cancelled"] = True
    aset = load_annotations(_write(tmp_path, "export.json", [kept, cancelled]))
    assert (aset.report.rows_read, aset.report.rows_kept, aset.report.rows_skipped) == (2, 1, 1)
    assert aset.report.is_complete


def test_cvat_repeated_image_ids_are_accounted_separately(tmp_path):
    xml = ('<annotations><version>1.1</version>'
           '<image id="0" name="a.jpg"><tag label="cat"/></image>'
           '<image id="0" name="b.jpg"></image></annotations>')
    aset = load_annotations(_write(tmp_path, "alice.xml", xml))
    assert (aset.report.rows_read, aset.report.rows_kept, aset.report.rows_skipped) == (2, 1, 1)
    assert_accounted(aset)


def test_datumaro_categories_that_are_not_objects(tmp_path):
    doc = {"categories": {"label": 19}, "items": [{"id": "a", "annotations": [{"type": "label", "label_id": 0}]}]}
    with pytest.raises(AnnotationSchemaError, match="No image-level labels"):  # was AttributeError: 'int' … 'get'
        load_annotations(_write(tmp_path, "d.json", doc), format="datumaro")
    doc = {"categories": {"label": {"labels": [{"name": "cat"}], "label_groups": [{"group_type": "exclusive",
                                                                                   "labels": 3}]}},
           "items": [{"id": "a", "annotations": [{"type": "label", "label_id": 0, "attributes": []}]}]}
    aset = load_annotations(_write(tmp_path, "e.json", doc), format="datumaro")  # was TypeError on labels: 3
    assert label_map(aset) == {("a", "e"): "cat"}


def test_files_with_the_same_name_keep_their_records_apart(tmp_path):
    """Two `train.json` from different folders: their records shared (source, row) keys and the accounting broke."""
    doc = {"categories": {"label": {"labels": [{"name": "cat"}]}},
           "items": [{"id": "a", "annotations": [{"type": "label", "label_id": 0}]}, {"id": "b", "annotations": []}]}
    paths = []
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        paths.append(_write(tmp_path / folder, "train.json", doc))
    aset = load_annotations(paths)
    assert (aset.report.rows_read, aset.report.rows_kept, aset.report.rows_skipped) == (4, 2, 2)
    assert sorted(set(aset.report.skipped["source"])) == ["train.json (file 1)", "train.json (file 2)"]
    assert aset.n_annotators == 2
    assert_accounted(aset)


@pytest.mark.parametrize("field", ["workerMetadata", "annotationData", "dataObject"])
def test_sagemaker_worker_fields_that_are_not_objects(tmp_path, field):
    payload = [{"datasetObjectId": "0", "dataObject": {"s3Uri": "s3://b/0.jpg"}, "annotations": [
        {"workerId": "w1", "annotationData": {"content": '{"animal": {"label": "cat"}}'}},
        {"workerId": "w2", "annotationData": {"content": '{"animal": {"label": "dog"}}'}}]}]
    if field == "dataObject":
        payload[0]["dataObject"] = "s3://b/0.jpg"
    elif field == "annotationData":
        payload[0]["annotations"][1]["annotationData"] = "cat"
    aset = load_annotations(_write(tmp_path, "payload.json", payload))  # was AttributeError: 'str' … 'get'
    assert label_map(aset)[("0", "w1")] == "cat"
    assert_accounted(aset)
    response = {"answers": [{"workerId": "w1", "answerContent": {"q": {"label": "cat"}}, "workerMetadata": "x"}]}
    (tmp_path / "7").mkdir(exist_ok=True)
    aset = load_annotations(_write(tmp_path / "7", "response.json", json.dumps(response, indent=1)))
    assert label_map(aset) == {("7", "w1"): "cat"}


def test_sagemaker_compact_worker_response(tmp_path):
    """A worker-response file written on one line was read as a one-line manifest and refused."""
    response = {"answers": [{"workerId": "w1", "answerContent": {"q": {"label": "cat"}}}]}
    (tmp_path / "3").mkdir()
    aset = load_annotations(_write(tmp_path / "3", "2024-05-03_10-17-52.json", response))
    assert label_map(aset) == {("3", "w1"): "cat"}


def test_deep_json_inside_a_streamed_export(tmp_path):
    tasks = '[{"id": 1, "data": {}, "annotations": ' + "[" * 3000 + "]" * 3000 + "}]"
    with pytest.raises(AnnotationFileError, match="max_json_depth"):  # was RecursionError
        load_annotations(_write(tmp_path, "ls.json", tasks), format="labelstudio")
