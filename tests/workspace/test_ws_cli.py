"""The workspace commands end to end: aqa add, history, workspace list/show/remove/export, check --no-regression."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analytics.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_history_check_and_manage(capsys, tmp_path, digits_round_files):
    f = digits_round_files
    ws = tmp_path / "pilot.aqa"
    code, out, _ = _run(capsys, "add", f["week1"], "--workspace", ws, "--delivery", "week-1", "--vendor", "Acme",
                        "--guideline-version", "v1", "--gold", f["gold"], "--taxonomy", f["taxonomy"], "--meta",
                        "batch=17")
    assert code == 0 and "Added delivery 'week-1'" in out and "sha256" in out
    code, out, _ = _run(capsys, "add", f["week2"], "-w", ws, "--gold", f["gold"], "--guideline-version", "v2")
    assert code == 0 and "Added delivery 'week2'" in out and "PASS no-regression" in out
    code, _, err = _run(capsys, "add", f["week2"], "-w", ws, "--delivery", "again")
    assert code == 2 and "already in the workspace as delivery 'week2'" in err

    code, out, _ = _run(capsys, "history", "--workspace", ws)
    assert code == 0
    for heading in ("Deliveries", "Agreement", "Per-class kappa", "Gold accuracy per annotator",
                    "Unknown/Other share", "Class balance", "Hotspots"):
        assert heading in out
    assert "week-1" in out and "week2" in out and "ann_fast" in out
    code, out, _ = _run(capsys, "history", "-w", ws, "--json")
    data = json.loads(out)
    assert [d["name"] for d in data["deliveries"]] == ["week-1", "week2"]
    assert data["deliveries"][0]["metadata"] == {"batch": "17"}

    code, out, _ = _run(capsys, "workspace", "list", "-w", ws)
    assert code == 0 and "week-1" in out and "taxonomy.yaml@" in out
    code, out, _ = _run(capsys, "workspace", "show", "week-1", "-w", ws)
    assert code == 0 and "sha256" in out and "gold: 60 lines read = 30 kept + 30 skipped" in out
    code, out, _ = _run(capsys, "workspace", "show", "week-1", "-w", ws, "--report")
    assert json.loads(out)["schema_version"]

    assert _run(capsys, "check", "-w", ws, "--no-regression")[0] == 0
    code, out, _ = _run(capsys, "check", "-w", ws, "--no-regression", "--delivery", "week-1")
    assert code == 2 and "cannot be evaluated" in out
    code, out, _ = _run(capsys, "check", f["week1"], "-w", ws, "--no-regression", "--json")
    assert code == 1 and json.loads(out)["no_regression"]["status"] == "fail"
    code, _, err = _run(capsys, "check", "-w", ws, "--no-regression", "--min-kappa", "0.7")
    assert code == 2 and "give ANNOTATIONS" in err
    code, _, err = _run(capsys, "check", "--no-regression")
    assert code == 2 and "need --workspace" in err

    code, out, _ = _run(capsys, "workspace", "export", "-w", ws, "--out", tmp_path / "out")
    assert code == 0 and (tmp_path / "out" / "week-1" / "annotations.parquet").exists()
    code, out, _ = _run(capsys, "workspace", "remove", "week2", "-w", ws)
    assert code == 0 and "Removed delivery 'week2'" in out
    code, _, err = _run(capsys, "workspace", "show", "week2", "-w", ws)
    assert code == 2 and "No delivery named 'week2'" in err


def test_read_commands_do_not_create_a_workspace(capsys, tmp_path):
    code, _, err = _run(capsys, "history", "-w", tmp_path / "none.aqa")
    assert code == 2 and "No workspace at" in err and not (tmp_path / "none.aqa").exists()


def test_a_bad_input_file_creates_nothing(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("only_one_column\nx\n")
    code, _, err = _run(capsys, "add", bad, "-w", tmp_path / "w.aqa")
    assert code == 2 and "invalid input" in err and not (tmp_path / "w.aqa").exists()


def test_history_command_stays_light(tmp_path, digits_rounds):
    """aqa history reads only the stored summaries: no pandas, numpy, scipy or statsmodels is imported."""
    from analytics.workspace import open_workspace

    path = tmp_path / "w.aqa"
    with open_workspace(path, create=True) as ws:
        ws.add(digits_rounds[0], name="r1")
        ws.add(digits_rounds[1], name="r2")
    code = ("import sys; from analytics.cli import main; rc = main(['history', '-w', sys.argv[1]]); "
            "heavy = sorted(m for m in ('pandas', 'numpy', 'scipy', 'statsmodels', 'alembic') if m in sys.modules); "
            "print('HEAVY', heavy); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
