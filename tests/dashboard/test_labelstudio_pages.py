"""The dashboard against a real Label Studio server: connect and pull on the Data page (token kept in the session
only), then preview and push the review queue from the Review queue page."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.safety import escape_markdown
from tests._labelstudio_server import create_project, pilot_tasks

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=60)


def _button(app, label):
    return next(b for b in app.button if b.label.startswith(label))


def _connect(app, label_studio, project, token):
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.radio(key="data_source").set_value("Label Studio server").run()
    app.text_input(key="ls_url").input(label_studio.url)
    app.text_input(key="ls_project").input(str(project))
    app.text_input(key="ls_token").input(token)
    _button(app, "Connect and pull").click().run()


def test_data_page_pulls_a_project(app, label_studio):
    project = create_project(label_studio.client(), "Pilot (dashboard pull)", pilot_tasks(label_studio.users))
    _connect(app, label_studio, project, label_studio.personal_token)
    assert not app.exception and not app.error
    assert any("Pulled: every page now shows this project" in s.value for s in app.success)
    assert [m.value for m in app.metric][:3] == ["10", "3", "29"]  # items, annotators, annotations
    text = " ".join(m.value for m in app.markdown)
    assert "cancelled" in text and f"projects/{project}" in text
    connection = app.session_state["aqa_labelstudio"]
    assert connection["token"] == label_studio.personal_token  # kept in the session only …
    assert label_studio.personal_token not in text  # … and never shown


def test_wrong_token_is_an_error_on_the_page(app, label_studio):
    project = create_project(label_studio.client(), "Pilot (dashboard bad token)", pilot_tasks(label_studio.users, 3))
    _connect(app, label_studio, project, "0" * 40)
    assert not app.exception
    assert "refused the token" in app.error[0].value
    assert "aqa_labelstudio" not in app.session_state


def test_review_page_previews_then_pushes_the_queue(app, label_studio):
    client = label_studio.client()
    project = create_project(client, "Pilot (dashboard push)", pilot_tasks(label_studio.users))
    _connect(app, label_studio, project, label_studio.personal_token)
    app.switch_page("app_pages/review.py").run()
    assert not app.exception
    app.radio(key="push_queue").set_value("senior_review").run()
    _button(app, "Preview the push (3 tasks)").click().run()
    preview = " ".join(m.value for m in app.markdown)
    assert "This push will:" in preview and escape_markdown("create the view 'AQA: senior review'") in preview
    assert not list(client.views.list(project=project))  # the preview writes nothing
    _button(app, "Push 3 tasks to Label Studio").click().run()
    assert not app.exception and not app.error
    assert escape_markdown("Pushed the senior_review queue (3 tasks) to view") in app.success[-1].value
    views = list(client.views.list(project=project))
    assert [v.data["title"] for v in views] == ["AQA: senior review"]
    tasks = list(client.tasks.list(project=project, view=views[0].id))
    assert len(tasks) == 3 and all("senior_review" in t.meta["aqa"] for t in tasks)


def test_review_page_without_a_connection_says_how_to_get_one(app):
    app.run()
    app.switch_page("app_pages/review.py").run()
    assert not app.exception
    assert any("Pull a project from a Label Studio server on the Data page" in i.value for i in app.info)
