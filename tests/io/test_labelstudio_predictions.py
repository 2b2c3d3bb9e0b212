"""Without a server: predictions in a full JSON export, the project address, and the labelling-config check."""

from __future__ import annotations

import json

import numpy as np
import pytest

import analytics as aqa
from analytics.exceptions import InvalidParameterError, LabelStudioError
from analytics.io.labelstudio_api import classification_controls, parse_address, server_address


def _task(i, votes, preds=None, gold=None):
    res = lambda lab: [{"type": "choices", "from_name": "label", "to_name": "image",  # noqa: E731
                        "value": {"choices": [lab]}}]
    anns = [{"id": 10 * i + k, "completed_by": k + 1, "result": res(v)} for k, v in enumerate(votes)]
    if gold:
        anns.append({"id": 10 * i + 9, "completed_by": 9, "ground_truth": True, "result": res(gold)})
    return {"id": i, "data": {"image": f"/data/upload/1/img{i}.png"}, "annotations": anns,
            "predictions": preds if preds is not None else []}


def _write(tmp_path, tasks):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    return path


def _pred(label, score=0.8, version="v1", created="2025-01-01T00:00:00Z"):
    return {"model_version": version, "score": score, "created_at": created,
            "result": [{"type": "choices", "from_name": "label", "to_name": "image", "value": {"choices": [label]}}]}


def test_export_predictions_become_the_sets_predictions(tmp_path):
    tasks = [_task(1, ["cat", "cat"], [_pred("cat", 0.9)]), _task(2, ["dog", "cat"], [_pred("dog", 0.6)]),
             _task(3, ["dog", "dog"])]
    aset = aqa.load_annotations(_write(tmp_path, tasks))
    cats = np.asarray(aset.categories)
    assert cats[aset.prediction_codes[:2]].tolist() == ["cat", "dog"] and aset.prediction_codes[2] == -1
    np.testing.assert_allclose(aset.prediction_confidence[:2], [0.9, 0.6])
    assert aset.predictions_report.source == "export.json (predictions of model version 'v1')"


def test_result_score_wins_and_scores_outside_0_1_are_dropped_with_a_warning(tmp_path):
    p1 = _pred("cat", 0.2)
    p1["result"][0]["score"] = 0.95
    tasks = [_task(1, ["cat", "cat"], [p1]), _task(2, ["dog", "dog"], [_pred("dog", 7.5)])]
    aset = aqa.load_annotations(_write(tmp_path, tasks))
    assert aset.prediction_confidence[0] == pytest.approx(0.95) and np.isnan(aset.prediction_confidence[1])
    assert any("1 prediction score lies outside [0, 1]" in w for w in aset.report.warnings)


def test_prediction_ids_only_are_explained(tmp_path):
    aset = aqa.load_annotations(_write(tmp_path, [_task(1, ["cat", "cat"], [17]), _task(2, ["dog", "cat"], [18])]))
    assert not aset.has_predictions
    assert any("2 predictions are given by id only" in w and "labelstudio://" in w for w in aset.report.warnings)


def test_most_recent_prediction_of_a_version_and_the_version_with_most_tasks(tmp_path):
    tasks = [_task(1, ["cat", "cat"], [_pred("dog", version="a", created="2025-01-01T00:00:00Z"),
                                       _pred("cat", version="a", created="2025-02-01T00:00:00Z"),
                                       _pred("dog", version="b")]),
             _task(2, ["dog", "cat"], [_pred("dog", version="a")])]
    aset = aqa.load_annotations(_write(tmp_path, tasks))
    assert np.asarray(aset.categories)[aset.prediction_codes].tolist() == ["cat", "dog"]
    assert any("several predictions of model version 'a'" in w for w in aset.report.warnings)
    assert any("not read: 'b' (1 tasks)" in w for w in aset.report.warnings)


def test_multilabel_projects_keep_predictions_out_with_a_reason(tmp_path):
    task = _task(1, ["cat"], [_pred("cat")])
    task["annotations"][0]["result"][0]["value"]["choices"] = ["cat", "dog"]
    aset = aqa.load_annotations(_write(tmp_path, [task, _task(2, ["dog"])]))
    assert aset.multilabel and not aset.has_predictions
    assert any("this project is multi-label" in w for w in aset.report.warnings)


def test_model_version_applies_to_exports_too(tmp_path):
    path = _write(tmp_path, [_task(1, ["cat", "cat"], [_pred("cat", version="a"), _pred("dog", version="b")])])
    aset = aqa.load_annotations(path, model_version="b")
    assert np.asarray(aset.categories)[aset.prediction_codes].tolist() == ["dog"]


def test_explicit_predictions_win_over_the_exports(tmp_path):
    path = _write(tmp_path, [_task(1, ["cat", "cat"], [_pred("cat")]), _task(2, ["dog", "dog"], [_pred("dog")])])
    table = tmp_path / "preds.csv"
    table.write_text("item_id,predicted_label,confidence\n1,dog,0.5\n2,cat,0.5\n")
    aset = aqa.load_annotations(path, predictions=table)
    assert np.asarray(aset.categories)[aset.prediction_codes].tolist() == ["dog", "cat"]


@pytest.mark.parametrize("text, base, pid", [
    ("labelstudio://127.0.0.1:8080/projects/3", "http://127.0.0.1:8080", 3),
    ("labelstudio+https://ls.example.org/projects/12/", "https://ls.example.org", 12),
    ("labelstudio://host:8080/label-studio/projects/7/data?tab=2", "http://host:8080/label-studio", 7),
])
def test_addresses(text, base, pid):
    address = parse_address(text)
    assert (address.base_url, address.project_id) == (base, pid)
    assert parse_address(str(address)) == address


@pytest.mark.parametrize("text", ["labelstudio://host/projects/", "labelstudio://host:8080/project/3",
                                  "labelstudio:///projects/3"])
def test_bad_addresses_say_how_to_write_one(text):
    with pytest.raises(InvalidParameterError, match="Write labelstudio://HOST:PORT/projects/ID"):
        parse_address(text)


def test_url_and_project_options():
    assert str(server_address("https://ls.example.org/", "4")) == "labelstudio+https://ls.example.org/projects/4"
    with pytest.raises(InvalidParameterError, match="give it as http://HOST:PORT"):
        server_address("127.0.0.1:8080", 3)
    with pytest.raises(InvalidParameterError, match="is not a project id"):
        server_address("http://127.0.0.1:8080", "0")


def test_labelling_config_checks():
    config = ('<View><Image name="image" value="$image"/><Choices name="animal" toName="image"/>'
              '<Rating name="quality" toName="image"/><RectangleLabels name="box" toName="image"/></View>')
    assert classification_controls(config, "project 1") == ["animal", "quality"]
    with pytest.raises(LabelStudioError, match="asks no classification question"):
        classification_controls('<View><Image name="i" value="$i"/><RectangleLabels name="b" toName="i"/></View>',
                                "project 1")
    with pytest.raises(LabelStudioError, match="is not valid XML"):
        classification_controls("<View><Choices", "project 1")


def test_token_for_a_file_is_refused(tmp_path):
    path = _write(tmp_path, [_task(1, ["cat", "cat"])])
    with pytest.raises(InvalidParameterError, match="token= applies to a Label Studio server address"):
        aqa.load_annotations(path, token="abc")


def test_view_filters_use_only_operators_the_label_studio_ui_offers():
    from analytics.io._labelstudio_push import UI_NUMBER_OPERATORS, view_data

    data = view_data("AQA: adjudicate", [9, 3, 4, 5, 12, 13, 4])
    items = data["filters"]["items"]
    assert data["filters"]["conjunction"] == "or" and data["type"] == "list" and data["target"] == "tasks"
    assert items == [
        {"filter": "filter:tasks:id", "operator": "in", "type": "Number", "value": {"min": 3, "max": 5}},
        {"filter": "filter:tasks:id", "operator": "equal", "type": "Number", "value": 9},
        {"filter": "filter:tasks:id", "operator": "in", "type": "Number", "value": {"min": 12, "max": 13}}]
    assert {i["operator"] for i in items} <= UI_NUMBER_OPERATORS
    assert view_data("AQA: audit sample", [])["filters"]["items"][0]["value"] == 0  # matches no task
