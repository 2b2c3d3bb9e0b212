"""Pull from a real Label Studio server: equal to its full JSON export, both token kinds, pagination, and every
bad input a user can meet (token, project id, server down or failing, a project without a classification)."""

from __future__ import annotations

import http.server
import threading

import numpy as np
import pandas as pd
import pytest

import analytics as aqa
from analytics.exceptions import InvalidParameterError, LabelStudioError
from analytics.io.labelstudio_api import Connection, parse_address
from tests._labelstudio_server import (ANNOTATORS, TEXT_CONFIG, choice, create_project, export_full_json,
                                       free_port, pilot_tasks)


@pytest.fixture(scope="module")
def pilot(label_studio):
    """A 12-task image-classification project: three annotators, a cancelled annotation, ground truth, predictions."""
    client = label_studio.client()
    return create_project(client, "Pilot (pull)", pilot_tasks(label_studio.users))


def _comparable(aset):
    frame = aset.frame.drop(columns=["_source"], errors="ignore").reset_index(drop=True)
    return frame.sort_values(["item_id", "annotator_id"]).reset_index(drop=True)


def test_pull_equals_reading_the_full_json_export(label_studio, pilot, tmp_path):
    pulled = aqa.load_annotations(label_studio.address(pilot), token=label_studio.personal_token)
    exported = aqa.load_annotations(export_full_json(label_studio.client(), pilot, tmp_path / "export.json"))
    pd.testing.assert_frame_equal(_comparable(pulled), _comparable(exported))
    assert pulled.categories == exported.categories
    pd.testing.assert_series_equal(pulled.gold.sort_index(), exported.gold.sort_index())
    np.testing.assert_array_equal(pulled.prediction_codes, exported.prediction_codes)
    np.testing.assert_allclose(pulled.prediction_confidence, exported.prediction_confidence)
    for field in ("rows_read", "rows_kept", "rows_skipped", "n_annotations", "label_field"):
        assert getattr(pulled.report, field) == getattr(exported.report, field), field
    cols = ["row", "reason"]
    pd.testing.assert_frame_equal(pulled.report.skipped[cols].astype(str).sort_values(cols).reset_index(drop=True),
                                  exported.report.skipped[cols].astype(str).sort_values(cols).reset_index(drop=True))


def test_pull_reads_every_annotator_cancelled_gold_predictions_and_images(label_studio, pilot):
    aset = aqa.load_annotations(label_studio.address(pilot), token=label_studio.personal_token)
    users = label_studio.users
    assert set(aset.annotator_ids) == {str(users[e]) for e in ANNOTATORS}  # the reviewer's ground truth is gold only
    reasons = aset.report.skipped["reason"].value_counts().to_dict()
    # 12 tasks: 2 without annotation; task 2's third annotation cancelled; ground truth on tasks 1, 2, 7, 8
    assert reasons == {"used_as_gold": 4, "not_annotated": 2, "cancelled": 1}
    assert aset.report.rows_read == aset.report.rows_kept + aset.report.rows_skipped == 36
    assert aset.n_items == 10 and aset.n_annotations == 29
    ids = sorted(t.id for t in label_studio.client().tasks.list(project=pilot, fields="task_only"))
    assert aset.gold.to_dict() == {str(ids[0]): "cat", str(ids[1]): "dog", str(ids[6]): "cat", str(ids[7]): "dog"}
    assert aset.has_predictions and int((aset.prediction_codes >= 0).sum()) == 10
    assert "resnet-v1" in aset.predictions_report.source
    images = aset.frame.groupby("item_id")["image"].first()
    assert images[str(ids[2])] == "https://images.example.com/pilot/img_0002.png"


def test_legacy_token_and_personal_access_token_read_the_same(label_studio, pilot):
    by_pat = aqa.load_annotations(label_studio.address(pilot), token=label_studio.personal_token)
    by_legacy = aqa.load_annotations(label_studio.address(pilot), token=label_studio.legacy_token)
    pd.testing.assert_frame_equal(_comparable(by_pat), _comparable(by_legacy))
    assert len(label_studio.legacy_token) == 40 and label_studio.personal_token.count(".") == 2  # JWT


def test_token_from_the_environment(label_studio, pilot, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.personal_token)
    assert aqa.load_annotations(label_studio.address(pilot)).n_annotations == 29


def test_pagination_reads_every_page(label_studio, pilot):
    conn = Connection(parse_address(label_studio.address(pilot)), label_studio.personal_token)
    small = [t["id"] for t in conn.iter_tasks(page_size=5)]  # pages of 5, 5, 2
    whole = [t["id"] for t in conn.iter_tasks(page_size=100)]
    assert len(small) == 12 and sorted(small) == sorted(whole) and len(set(small)) == 12


def test_several_model_versions_one_is_read_and_the_others_named(label_studio):
    tasks = pilot_tasks(label_studio.users, n_tasks=6)
    for i, t in enumerate(tasks):
        t["predictions"] = [{"model_version": "old", "score": 0.5, "result": choice("cat")}] + (
            [{"model_version": "new", "score": 0.9, "result": choice("dog")}] if i < 4 else [])
    pid = create_project(label_studio.client(), "Two model versions", tasks)
    aset = aqa.load_annotations(label_studio.address(pid), token=label_studio.personal_token)
    assert "'old'" in aset.predictions_report.source  # predicts 6 tasks, 'new' only 4
    assert any("not read: 'new' (4 tasks)" in w for w in aset.report.warnings)
    chosen = aqa.load_annotations(label_studio.address(pid), token=label_studio.personal_token, model_version="new")
    assert np.asarray(chosen.categories)[chosen.prediction_codes[chosen.prediction_codes >= 0]].tolist() == ["dog"] * 4
    with pytest.raises(InvalidParameterError, match="model_version='nope'.*'new' \\(4 tasks\\)"):
        aqa.load_annotations(label_studio.address(pid), token=label_studio.personal_token, model_version="nope")


# -- bad input ------------------------------------------------------------------------------------------------
def test_wrong_token_names_the_fix(label_studio, pilot):
    with pytest.raises(LabelStudioError, match="refused the token.*HTTP 401.*LABEL_STUDIO_API_KEY"):
        aqa.load_annotations(label_studio.address(pilot), token="0" * 40)


def test_expired_or_broken_personal_token(label_studio, pilot):
    with pytest.raises(LabelStudioError, match="refused the token"):
        aqa.load_annotations(label_studio.address(pilot), token=label_studio.personal_token[:-4] + "AAAA")


def test_no_token_at_all(label_studio, pilot, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    with pytest.raises(LabelStudioError, match="No Label Studio API token: set LABEL_STUDIO_API_KEY"):
        aqa.load_annotations(label_studio.address(pilot))


def test_wrong_project_id_lists_the_projects(label_studio, pilot):
    with pytest.raises(LabelStudioError, match=r"has no project 99999 \(HTTP 404\); projects this token can see:.*"
                                               rf"{pilot} 'Pilot \(pull\)'.*Check the project id"):
        aqa.load_annotations(label_studio.address(99999), token=label_studio.personal_token)


def test_server_down():
    port = free_port()  # nothing listens there
    with pytest.raises(LabelStudioError, match=f"Cannot reach Label Studio at http://127.0.0.1:{port}.*Is the server "
                                               "running, and are host and port right"):
        aqa.load_annotations(f"labelstudio://127.0.0.1:{port}/projects/1", token="0" * 40)


class _Failing(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server interface)
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<h1>Server Error (500)</h1>")

    do_POST = do_PATCH = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_server_answering_500(failing_server):
    with pytest.raises(LabelStudioError, match="failed with HTTP 500 while opening project 1.*Look at the server's "
                                               "log, then try again"):
        aqa.load_annotations(f"labelstudio://127.0.0.1:{failing_server}/projects/1", token="0" * 40)


def test_project_without_choices(label_studio):
    tasks = [{"data": {"text": "hello"}, "annotations": [{"completed_by": label_studio.users[ANNOTATORS[0]],
              "ground_truth": False, "result": [{"type": "textarea", "from_name": "note", "to_name": "text",
                                                  "value": {"text": ["hi"]}}]}]}]
    pid = create_project(label_studio.client(), "Free text notes", tasks, config=TEXT_CONFIG)
    with pytest.raises(LabelStudioError, match="asks no classification question.*no <Choices>, <Taxonomy> or "
                                               "<Rating> control.*Settings → Labeling Interface"):
        aqa.load_annotations(label_studio.address(pid), token=label_studio.personal_token)


def test_empty_project(label_studio):
    pid = create_project(label_studio.client(), "Nothing yet", [])
    with pytest.raises(LabelStudioError, match="has no tasks yet: import the images and annotate them"):
        aqa.load_annotations(label_studio.address(pid), token=label_studio.personal_token)


def test_unknown_field_lists_the_controls(label_studio, pilot):
    with pytest.raises(InvalidParameterError, match="field='animal' is not a classification control.*'label'"):
        aqa.load_annotations(label_studio.address(pilot), token=label_studio.personal_token, field="animal")


def test_legacy_token_refused_by_the_organization_says_what_to_use(label_studio, pilot):
    flip = "from jwt_auth.models import JWTSettings\nJWTSettings.objects.update(legacy_api_tokens_enabled=%s)"
    label_studio.shell(flip % False)
    try:
        with pytest.raises(LabelStudioError, match="legacy tokens switched off: use a personal access token"):
            aqa.load_annotations(label_studio.address(pilot), token=label_studio.legacy_token)
        assert aqa.load_annotations(label_studio.address(pilot), token=label_studio.personal_token).n_items == 10
    finally:
        label_studio.shell(flip % True)
    assert aqa.load_annotations(label_studio.address(pilot), token=label_studio.legacy_token).n_items == 10
