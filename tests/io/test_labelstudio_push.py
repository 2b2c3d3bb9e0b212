"""Push review queues and audit samples back to a real Label Studio server: the view and the task meta read back
through the API, re-running replaces without duplicating, annotations stay untouched, and a failed push leaves
the server as it was."""

from __future__ import annotations

import pytest

import analytics as aqa
from analytics.exceptions import InvalidParameterError, LabelStudioError
from tests._labelstudio_server import create_project, pilot_tasks


@pytest.fixture
def project(label_studio):
    """A fresh 12-task pilot project per test (pushes change it)."""
    return create_project(label_studio.client(), "Pilot (push)", pilot_tasks(label_studio.users))


def _state(client, pid):
    """Every task's meta and annotations, and the project's views, as the API gives them."""
    tasks = {t.id: t for t in client.tasks.list(project=pid)}
    views = {v.data.get("title"): v for v in client.views.list(project=pid)}
    annotations = {tid: sorted((a["id"], str(a["result"]), a["was_cancelled"], a["ground_truth"])
                               for a in (t.annotations or [])) for tid, t in tasks.items()}
    return {tid: t.meta or {} for tid, t in tasks.items()}, annotations, views


def _push(label_studio, pid, queue, **options):
    address = label_studio.address(pid)
    aset = aqa.load_annotations(address, token=label_studio.personal_token)
    items = aqa.queue_items(aset, queue, fraction=0.1) if queue == "audit" else aqa.queue_items(aset, queue)
    plan = aqa.plan_labelstudio_push(items, address, queue=queue, token=label_studio.personal_token, **options)
    return items, plan


def test_push_writes_a_view_and_the_task_meta(label_studio, project):
    client = label_studio.client()
    meta_before, annotations_before, _ = _state(client, project)
    items, plan = _push(label_studio, project, "senior_review")
    assert plan.view_id is None and plan.n_meta_updates == len(items) == 3
    assert _state(client, project)[0] == meta_before  # planning writes nothing
    result = aqa.apply_labelstudio_push(plan)
    meta, annotations, views = _state(client, project)
    view = views["AQA: senior review"]
    assert result.view_id == view.id and result.url.endswith(f"/projects/{project}/data?tab={view.id}")
    shown = sorted(t.id for t in client.tasks.list(project=project, view=view.id))
    assert shown == sorted(int(i) for i in items["item_id"])  # the tab holds exactly the queue
    for _, row in items.iterrows():
        entry = meta[int(row["item_id"])]["aqa"]["senior_review"]
        assert entry["votes"] == row["votes"] and entry["reason"] == row["reason"]
        assert entry["consensus"] == row["consensus"] and entry["n_ratings"] == row["n_ratings"]
        assert entry["reason"].startswith("a majority with dissent (2×")
    untouched = set(meta) - {int(i) for i in items["item_id"]}
    assert all(meta[t] == meta_before[t] for t in untouched)
    assert annotations == annotations_before  # never touches annotations


def test_rerunning_replaces_the_view_and_never_duplicates(label_studio, project):
    client = label_studio.client()
    first = aqa.apply_labelstudio_push(_push(label_studio, project, "adjudicate")[1])
    n_tasks = len(list(client.tasks.list(project=project)))
    _, plan = _push(label_studio, project, "adjudicate")
    assert plan.view_id == first.view_id
    assert "replace the view 'AQA: adjudicate'" in plan.summary_lines()[0]
    second = aqa.apply_labelstudio_push(plan)
    _, _, views = _state(client, project)
    assert second.view_id == first.view_id
    assert [v.data["title"] for v in client.views.list(project=project)].count("AQA: adjudicate") == 1
    assert len(list(client.tasks.list(project=project))) == n_tasks and len(views) == 1


def test_tasks_that_left_the_queue_lose_their_entry(label_studio, project):
    client = label_studio.client()
    aqa.apply_labelstudio_push(_push(label_studio, project, "senior_review")[1])
    meta, _, _ = _state(client, project)
    leaving = next(t for t, m in meta.items() if "senior_review" in m.get("aqa", {}))
    # the dissenting annotator corrects the label: the task is now 3:0 and leaves the queue
    majority = meta[leaving]["aqa"]["senior_review"]["consensus"]
    dissent = next(a for a in client.tasks.get(id=leaving).annotations
                   if a["result"] and a["result"][0]["value"]["choices"] != [majority] and not a["ground_truth"])
    client.annotations.update(id=dissent["id"], result=[{"type": "choices", "from_name": "label", "to_name": "image",
                                                         "value": {"choices": [majority]}}])
    items, plan = _push(label_studio, project, "senior_review")
    assert str(leaving) not in set(items["item_id"]) and plan.n_meta_cleared == 1
    aqa.apply_labelstudio_push(plan)
    meta, _, views = _state(client, project)
    assert "senior_review" not in meta[leaving].get("aqa", {})
    assert leaving not in {t.id for t in client.tasks.list(project=project, view=views["AQA: senior review"].id)}


def test_audit_sample_and_other_meta_keys_are_kept(label_studio, project):
    client = label_studio.client()
    client.tasks.update(id=next(iter(_state(client, project)[0])), meta={"batch": "week-1"})
    items, plan = _push(label_studio, project, "audit")
    aqa.apply_labelstudio_push(plan)
    meta, _, views = _state(client, project)
    assert "AQA: audit sample" in views
    for item in items["item_id"]:
        assert meta[int(item)]["aqa"]["audit"]["reason"].startswith("random audit:")
    assert any(m.get("batch") == "week-1" for m in meta.values())


def test_separate_review_project_is_reused(label_studio, project):
    client = label_studio.client()
    items, plan = _push(label_studio, project, "adjudicate", to_project="Pilot: adjudicate")
    assert plan.review_project_id is None and plan.n_new_tasks == len(items) == 2
    first = aqa.apply_labelstudio_push(plan)
    source_meta, source_annotations, source_views = _state(client, project)
    assert not any("aqa" in m for m in source_meta.values()) and not source_views  # the source is only read
    again = aqa.apply_labelstudio_push(_push(label_studio, project, "adjudicate", to_project="Pilot: adjudicate")[1])
    assert again.project_id == first.project_id and again.n_new_tasks == 0
    review = list(client.tasks.list(project=first.project_id))
    assert len(review) == 2 and all(not t.annotations for t in review)
    assert sorted(t.meta["aqa"]["source_task"] for t in review) == sorted(int(i) for i in items["item_id"])
    assert all(t.meta["aqa"]["adjudicate"]["reason"].startswith("no strict majority") for t in review)


def test_a_failed_push_puts_everything_back(label_studio, project, monkeypatch):
    client = label_studio.client()
    meta_before, annotations_before, views_before = _state(client, project)
    _, plan = _push(label_studio, project, "senior_review")
    views_client = plan._connection.client.views

    def broken(**kwargs):
        raise type("ApiError", (Exception,), {"status_code": 500, "body": {"detail": "disk full"}})()

    monkeypatch.setattr(views_client, "create", broken)
    with pytest.raises(LabelStudioError, match="HTTP 500 while creating the view.*disk full.*The 3 task metas "
                                               "already written were restored"):
        aqa.apply_labelstudio_push(plan)
    assert _state(client, project) == (meta_before, annotations_before, views_before)


def test_a_failed_review_project_import_deletes_the_new_project(label_studio, project, monkeypatch):
    client = label_studio.client()
    _, plan = _push(label_studio, project, "adjudicate", to_project="Pilot: broken import")
    projects = plan._connection.client.projects

    def broken(**kwargs):
        raise type("ApiError", (Exception,), {"status_code": 400, "body": {"detail": "bad task"}})()

    monkeypatch.setattr(projects, "import_tasks", broken)
    with pytest.raises(LabelStudioError, match="HTTP 400 while importing 2 task.*was deleted"):
        aqa.apply_labelstudio_push(plan)
    assert "Pilot: broken import" not in {p.title for p in client.projects.list()}


def test_changes_since_the_preview_are_refused(label_studio, project):
    client = label_studio.client()
    items, plan = _push(label_studio, project, "senior_review")
    client.tasks.update(id=int(items["item_id"][0]), meta={"someone": "else"})
    with pytest.raises(LabelStudioError, match="changed on the server since the preview"):
        aqa.apply_labelstudio_push(plan)
    assert not any("aqa" in m for m in _state(client, project)[0].values())


def test_queue_from_another_project_is_refused_before_writing(label_studio, project):
    client = label_studio.client()
    other = create_project(client, "Other small", pilot_tasks(label_studio.users, n_tasks=3))
    items = aqa.queue_items(aqa.load_annotations(label_studio.address(project), token=label_studio.personal_token),
                            "senior_review")
    with pytest.raises(LabelStudioError, match="queued items are not tasks of project .*Pull again"):
        aqa.plan_labelstudio_push(items, label_studio.address(other), queue="senior_review",
                                  token=label_studio.personal_token)
    assert not list(client.views.list(project=other))


def test_item_ids_that_are_no_task_ids(label_studio, project):
    import pandas as pd

    with pytest.raises(InvalidParameterError, match="'cat.jpg'.* are not Label Studio task ids"):
        aqa.plan_labelstudio_push(pd.DataFrame({"item_id": ["cat.jpg"]}), label_studio.address(project),
                                  queue="adjudicate", token=label_studio.personal_token)


def test_a_failing_meta_write_restores_the_ones_written(label_studio, project, monkeypatch):
    client = label_studio.client()
    before = _state(client, project)
    _, plan = _push(label_studio, project, "senior_review")
    tasks_client = plan._connection.client.tasks
    original = tasks_client.update
    failing = plan._updates[1][0]

    def flaky(id, **kwargs):  # noqa: A002 (the SDK's name)
        if id == failing and "aqa" in (kwargs.get("meta") or {}):
            raise type("ApiError", (Exception,), {"status_code": 502, "body": "Bad Gateway"})()
        return original(id=id, **kwargs)

    monkeypatch.setattr(tasks_client, "update", flaky)
    with pytest.raises(LabelStudioError, match=f"HTTP 502 while writing the meta of task {failing}.*restored"):
        aqa.apply_labelstudio_push(plan)
    assert _state(client, project) == before


def test_an_empty_queue_gives_a_view_that_shows_no_task(label_studio):
    import pandas as pd

    client = label_studio.client()
    pid = create_project(client, "Unanimous", [t for t in pilot_tasks(label_studio.users, 12)][::6])  # 3:0 and none
    empty = pd.DataFrame({"item_id": pd.Series([], dtype=object), "reason": [], "votes": []})
    plan = aqa.plan_labelstudio_push(empty, label_studio.address(pid), queue="adjudicate",
                                     token=label_studio.personal_token)
    result = aqa.apply_labelstudio_push(plan)
    assert result.n_tasks == 0 and list(client.tasks.list(project=pid, view=result.view_id)) == []
