"""``aqa validate``: what a project manager reads, and the exit codes."""

from __future__ import annotations

import json

from analytics.cli import main
from tests.conftest import DATASETS, FORMATS, SAMPLES, need


def test_validate_sample_prints_a_summary(capsys):
    code = main(["validate", str(SAMPLES / "digits" / "annotations.csv"), "--gold", str(SAMPLES / "digits" / "gold.csv"),
                 "--taxonomy", str(SAMPLES / "digits" / "taxonomy.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Read 2,335 lines from annotations.csv as tidy: 2,335 kept, 0 skipped" in out
    assert "Understood: 500 items, 5 annotators, 2,335 annotations" in out
    assert "Unknown/Other class: 'Unknown'" in out and "Rounds: 1 (" in out and "Gold: 60 items" in out


def test_validate_reports_skipped_rows_with_reasons(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("question,worker,answer\n1,w1,cat\n1,w2,\n2,w1,dog\n")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "3 lines" in out and "2 kept, 1 skipped" in out
    assert "Skipped 1 × blank_label" in out and "line 3" in out
    assert "'question' → item_id" in out


def test_validate_json_output(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("item_id,annotator_id,label\n1,a,cat\n1,b,dog\n")
    assert main(["validate", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["n_items"] == 1 and data["import_report"]["rows_read"] == 2


def test_validate_exits_2_with_a_clear_message_on_bad_input(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("item_id,annotator_id,label\n1,a,cat\n1,a,dog\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aqa: invalid input:") and "item '1' by 'a' at 2, 3" in err
    assert main(["validate", str(tmp_path / "missing.csv")]) == 2
    assert "File not found" in capsys.readouterr().err


def test_validate_wide_and_counts_real_data(capsys):
    wide = need(DATASETS.parent / "formats" / "wide" / "labelme_answers.txt")
    assert main(["validate", str(wide), "--format", "wide", "--missing", "-1"]) == 0
    assert "1,000 items, 59 annotators, 2,547 annotations" in capsys.readouterr().out
    counts = need(DATASETS / "cifar10h" / "human_counts.csv")
    assert main(["validate", str(counts)]) == 0
    out = capsys.readouterr().out
    assert "as counts" in out and "anonymous annotators" in out


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "validate" in capsys.readouterr().out


def test_several_questions_say_how_to_choose_on_the_command_line(capsys):
    path = need(FORMATS / "labelstudio" / "mzouros_label_studio_1000_images.csv")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "5 classification control" in err and "--field" in err and "field=" not in err
