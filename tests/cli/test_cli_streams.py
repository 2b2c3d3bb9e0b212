"""CLI habits: ``--json -`` and ``--html -`` write the report to standard output (and nothing else goes there);
every warning and note goes to standard error."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analytics.cli import main
from tests.conftest import SAMPLES

RETAIL = SAMPLES / "retail"
DIGITS = SAMPLES / "digits"
ANN, GOLD = str(RETAIL / "annotations.csv"), str(RETAIL / "gold.csv")


def test_report_json_to_standard_output(capsys, tmp_path):
    assert main(["report", ANN, "--gold", GOLD, "--json", "-", "--no-progress"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)  # the whole of standard output is the report
    assert report["dataset"]["n_items"] == 300 and report["sections"]["gold"]["status"] == "ok"
    assert "Wrote standard output (report schema" in captured.err and "Annotations: " in captured.err
    assert list(tmp_path.iterdir()) == []  # no file named '-' anywhere we look
    assert not (RETAIL / "-").exists()


def test_report_html_to_standard_output_and_json_to_a_file(capsys, tmp_path):
    out_json = tmp_path / "r.json"
    assert main(["report", ANN, "--html", "-", "--json", str(out_json), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("<!DOCTYPE html>") and captured.out.rstrip().endswith("</html>")
    assert f"Wrote {out_json} and standard output" in captured.err
    assert json.loads(out_json.read_text())["dataset"]["n_items"] == 300


def test_report_cannot_send_both_to_standard_output(capsys):
    assert main(["report", ANN, "--html", "-", "--json", "-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "both ask for standard output" in captured.err


def test_report_summary_stays_on_standard_output_when_writing_files(capsys, tmp_path):
    assert main(["report", ANN, "--json", str(tmp_path / "r.json"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "Wrote " in captured.out and captured.err == ""


def test_report_json_dash_in_a_real_pipe():
    """Through a pipe, as a person would run it: standard output is exactly the JSON report."""
    run = subprocess.run([sys.executable, "-m", "analytics.cli", "report", ANN, "--json", "-"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["schema_version"] and "Wrote standard output" in run.stderr


def test_audit_sample_warning_goes_to_standard_error(capsys, tmp_path):
    assert main(["audit-sample", ANN, "--out", str(tmp_path / "s.csv"), "--fraction", "0.5"]) == 0
    captured = capsys.readouterr()
    assert "aqa: warning: fraction=0.5 is outside the usual audit range" in captured.err
    assert "aqa: warning" not in captured.out and captured.out.startswith("Wrote ")


@pytest.mark.parametrize("extra", [[], ["--gold", str(DIGITS / "gold.csv")]])
def test_validate_notes_and_warnings_go_to_standard_error(capsys, extra):
    assert main(["validate", str(DIGITS / "annotations.csv"), *extra]) == 0
    captured = capsys.readouterr()
    assert "Note: image paths were read relative to" in captured.err
    assert "Understood: 500 items" in captured.out
    assert not any(line.lstrip().startswith(("Warning:", "Note:")) for line in captured.out.splitlines())


def test_validate_taxonomy_warnings_go_to_standard_error(capsys, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"  # no class flagged 'unknown: true': the taxonomy warns
    taxonomy.write_text("classes:\n" + "".join(f"  - name: '{c}'\n" for c in "0123456789") + "  - name: Unknown\n"
                        "  - name: spare\n", encoding="utf-8")
    code = main(["validate", str(DIGITS / "annotations.csv"), "--taxonomy", str(taxonomy)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Taxonomy: 12 classes" in captured.out
    assert "Warning: taxonomy.yaml: no class is flagged 'unknown: true'" in captured.err
    assert all(not line.lstrip().startswith(("Warning:", "Note:")) for line in captured.out.splitlines())
