"""Incremental pulls into a workspace: only the annotations new or changed since the last pull of the project form
the next delivery (a real Label Studio server and a real workspace file)."""

from __future__ import annotations

import pytest

from analytics.cli import main
from analytics.workspace import open_workspace
from tests._labelstudio_server import choice, create_project, pilot_tasks


@pytest.fixture
def token(label_studio, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.personal_token)
    return label_studio.personal_token


def test_each_pull_stores_only_what_is_new_or_changed(label_studio, token, tmp_path, capsys):
    client = label_studio.client()
    project = create_project(client, "Pilot (incremental)", pilot_tasks(label_studio.users))
    workspace = tmp_path / "pilot.aqa"
    pull = ["pull", "labelstudio", "--url", label_studio.url, "--project", str(project), "--workspace", str(workspace)]

    assert main(pull + ["--delivery", "first"]) == 0
    assert "29 new and 0 changed annotations of 29" in capsys.readouterr().out
    assert main(pull) == 0  # nothing happened in Label Studio
    assert "Nothing new" in capsys.readouterr().out

    tasks = sorted(client.tasks.list(project=project), key=lambda t: t.id)
    changed = next(a for a in tasks[2].annotations if not a["ground_truth"])
    client.annotations.update(id=changed["id"], result=choice("bird"))  # an annotator corrects a label
    unannotated = next(t for t in tasks if not t.annotations)
    client.annotations.create(id=unannotated.id, result=choice("cat"), ground_truth=False)  # a new annotation
    assert main(pull + ["--delivery", "second"]) == 0
    assert "1 new and 1 changed annotation of 30" in capsys.readouterr().out

    with open_workspace(workspace) as ws:
        assert [d.name for d in ws.deliveries()] == ["first", "second"]
        second = ws.contents("second").annotations
        assert sorted(second["annotation_id"].astype(str)) == sorted([str(changed["id"]), str(
            next(a["id"] for a in client.tasks.get(id=unannotated.id).annotations))])
        assert set(second["label"]) == {"bird", "cat"}
        assert ws.delivery("first").n_annotations == 29 and ws.delivery("first").source.endswith(f"/{project}")
    assert main(pull) == 0
    assert "Nothing new" in capsys.readouterr().out
