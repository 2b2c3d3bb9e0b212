"""``aqa pull labelstudio`` and ``aqa push labelstudio`` against a real server: what they print and write, the
token from the environment only, exit code 2 with a message naming the fix."""

from __future__ import annotations

import pandas as pd
import pytest

import analytics as aqa
from analytics.cli import main
from tests._labelstudio_server import create_project, free_port, pilot_tasks


@pytest.fixture(scope="module")
def project(label_studio):
    return create_project(label_studio.client(), "Pilot (CLI)", pilot_tasks(label_studio.users))


@pytest.fixture
def token(label_studio, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.personal_token)
    return label_studio.personal_token


def test_pull_prints_and_writes_tables_that_reload_to_the_same_set(label_studio, project, token, tmp_path, capsys):
    out, gold, preds = tmp_path / "pilot.csv", tmp_path / "gold.csv", tmp_path / "predictions.parquet"
    code = main(["pull", "labelstudio", "--url", label_studio.url, "--project", str(project), "--out", str(out),
                 "--gold-out", str(gold), "--predictions-out", str(preds)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Skipped 1 × cancelled" in printed and "Gold: 4 items with a gold label." in printed
    assert f"Wrote {out}: 29 annotations rows." in printed
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, renamed
    reread = aqa.load_annotations(out, gold=gold, predictions=preds)
    pulled = aqa.load_annotations(label_studio.address(project), token=token)
    assert (reread.n_items, reread.n_annotators, reread.n_annotations) == (10, 3, 29)
    assert reread.gold.sort_index().to_dict() == pulled.gold.sort_index().to_dict()
    assert pd.read_parquet(preds)["item_id"].nunique() == 10


def test_every_command_reads_a_labelstudio_address(label_studio, project, token, capsys):
    assert main(["validate", label_studio.address(project)]) == 0
    assert "Understood: 10 items, 3 annotators, 29 annotations" in capsys.readouterr().out


def test_push_dry_run_then_push(label_studio, project, token, capsys):
    args = ["push", "labelstudio", "--url", label_studio.url, "--project", str(project), "--queue", "senior_review"]
    assert main(args + ["--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("Would create the view 'AQA: senior review'")
    assert not list(label_studio.client().views.list(project=project))
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Pushed the senior_review queue (3 tasks) to view" in printed
    assert [v.data["title"] for v in label_studio.client().views.list(project=project)] == ["AQA: senior review"]


def test_no_token_exits_2_naming_the_variable(label_studio, project, monkeypatch, capsys):
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # not a terminal: no prompt
    assert main(["pull", "labelstudio", "--url", label_studio.url, "--project", str(project)]) == 2
    assert "set LABEL_STUDIO_API_KEY" in capsys.readouterr().err


def test_token_is_never_a_command_line_option(label_studio, project, token, capsys):
    with pytest.raises(SystemExit):
        main(["pull", "labelstudio", "--url", label_studio.url, "--project", str(project), "--token", "x"])
    assert main(["validate", label_studio.address(project), "--tool-option", "token=abc"]) == 2
    assert "never given on the command line" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--project", "99999"], "has no project 99999"),
    (["--project", "seven"], "--project 'seven' is not a project id"),
])
def test_bad_project_exits_2(label_studio, token, args, message, capsys):
    assert main(["pull", "labelstudio", "--url", label_studio.url, *args]) == 2
    assert message in capsys.readouterr().err


def test_wrong_token_and_server_down_exit_2(label_studio, project, monkeypatch, capsys):
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "f" * 40)
    assert main(["push", "labelstudio", "--url", label_studio.url, "--project", str(project),
                 "--queue", "adjudicate"]) == 2
    assert "aqa: Label Studio: Label Studio at" in capsys.readouterr().err
    assert main(["pull", "labelstudio", "--url", f"http://127.0.0.1:{free_port()}", "--project", "1"]) == 2
    assert "Cannot reach Label Studio" in capsys.readouterr().err


def test_pull_json_is_one_document(label_studio, project, token, tmp_path, capsys):
    import json

    out = tmp_path / "pilot.parquet"
    assert main(["pull", "labelstudio", "--url", label_studio.url, "--project", str(project), "--json",
                 "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["n_annotations"] == 29 and doc["written"] == {"annotations": str(out)}
    assert doc["import_report"]["rows_read"] == 36 and pd.read_parquet(out).shape[0] == 29
