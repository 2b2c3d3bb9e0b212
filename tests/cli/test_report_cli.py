"""``aqa report``, ``aqa check``, ``aqa review-queue``, ``aqa audit-sample``: every exit path, and what they print
and write."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys

import pandas as pd
import pytest

import analytics
from analytics.cli import main
from tests.conftest import SAMPLES

RETAIL = SAMPLES / "retail"
DIGITS = SAMPLES / "digits"
ANN, GOLD = str(RETAIL / "annotations.csv"), str(RETAIL / "gold.csv")
HOSTILE = ["=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


@pytest.fixture(scope="module")
def retail():
    return analytics.load_annotations(ANN, gold=GOLD)


@pytest.fixture
def hostile_csv(tmp_path):
    rows = []
    for i, label in enumerate(HOSTILE):
        for k, a in enumerate(["=annotator()", "bob", "carol"]):
            rows.append({"item_id": f"@item{i}", "annotator_id": a, "label": label if k < 2 else "cat",
                         "comment": ["\tTAB", "\rCR", "-note"][k]})  # an extra column travels into the sample
    path = tmp_path / "hostile.csv"
    pd.DataFrame(rows).to_csv(path, index=False, quoting=csv.QUOTE_ALL)  # keeps the CR inside its cell
    return path


def _cells(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


# -- aqa report --------------------------------------------------------------------------------------------------
def test_report_writes_json_and_html(tmp_path, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    out_json, out_html = tmp_path / "r" / "report.json", tmp_path / "r" / "report.html"
    code = main(["report", ANN, "--gold", GOLD, "--taxonomy", str(RETAIL / "taxonomy.yaml"), "--json", str(out_json),
                 "--html", str(out_html), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out_json.read_text(encoding="utf-8"))
    jsonschema.validate(data, analytics.report.report_schema())
    assert data["sections"]["taxonomy"]["status"] == "ok" and data["dataset"]["n_annotations"] == 900
    assert out_html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "(report schema 2.1): 15 of 18 sections apply" in out
    assert "900 lines read = 900 kept + 0 skipped" in out and "not applicable: model_vs_human" in out


def test_report_progress_names_the_stages(tmp_path, capsys):
    assert main(["report", str(RETAIL / "tags.csv"), "--multilabel", "--label-sep", "|", "--json",
                 str(tmp_path / "r.json"), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "report: Top problems" in err and "report: Model vs human" in err and "18/18" in err


def test_report_needs_an_output_and_valid_input(tmp_path, capsys):
    assert main(["report", ANN]) == 2
    assert "give --json FILE and/or --html FILE" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.csv"), "--json", str(tmp_path / "r.json")]) == 2
    assert "File not found" in capsys.readouterr().err
    assert main(["report", ANN, "--json", str(tmp_path / "r.json"), "--target", "1.5"]) == 2
    assert "target must lie strictly between 0 and 1" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_report_chart_images_are_optional(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "kaleido", None)  # as if not installed (find_spec None, import fails)
    assert importlib.util.find_spec("kaleido") is None
    assert main(["report", ANN, "--json", str(tmp_path / "r.json"), "--charts", str(tmp_path / "charts")]) == 0
    captured = capsys.readouterr()
    assert "chart images skipped" in captured.err and "kaleido" in captured.err
    assert (tmp_path / "r.json").exists() and not (tmp_path / "charts").exists()



def test_report_writes_chart_images_with_kaleido(tmp_path, capsys):
    pytest.importorskip("kaleido")
    from analytics.report.quality_report import chart_export_unavailable

    why = chart_export_unavailable()
    if why is not None:
        pytest.skip(why)
    charts = tmp_path / "charts"
    assert main(["report", ANN, "--json", str(tmp_path / "r.json"), "--charts", str(charts)]) == 0
    written = sorted(charts.iterdir())
    assert f"Wrote {len(written)} chart image{'s' if len(written) != 1 else ''}" in capsys.readouterr().out
    assert written and all(p.suffix == ".png" and p.read_bytes()[:4] == b"\x89PNG" for p in written)

# -- aqa check ---------------------------------------------------------------------------------------------------
def test_check_passes_with_exit_0(capsys):
    assert main(["check", ANN, "--gold", GOLD, "--min-kappa", "0.6", "--min-gold-accuracy", "0.8"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[:2] for line in out.splitlines()[:2]] == [["PASS", "kappa"], ["PASS", "gold_accuracy"]]
    assert "Result: PASS (2 gates)." in out


def test_check_fails_with_exit_1_saying_which_and_by_how_much(retail, capsys):
    kappa = analytics.agreement_summary(retail).table.set_index("coefficient").at["fleiss_kappa", "value"]
    assert main(["check", ANN, "--gold", GOLD, "--min-kappa", "0.8", "--min-gold-accuracy", "0.5"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL kappa {kappa:.2f} < 0.80 by {0.8 - kappa:.2f}" in out
    assert "PASS gold_accuracy" in out and "Result: FAIL (1 of 2 gates failed)." in out


def test_check_lower_bound_turns_a_pass_into_a_fail(retail, capsys):
    row = analytics.agreement_summary(retail).table.set_index("coefficient").loc["fleiss_kappa"]
    threshold = f"{(row['value'] + row['ci_low']) / 2:.4f}"
    assert main(["check", ANN, "--min-kappa", threshold]) == 0
    assert main(["check", ANN, "--min-kappa", threshold, "--use-lower-bound"]) == 1
    assert "FAIL kappa" in capsys.readouterr().out


def test_check_exit_2_when_a_gate_cannot_be_evaluated(capsys):
    assert main(["check", ANN, "--min-kappa", "0.5", "--min-gold-accuracy", "0.9"]) == 2  # no --gold
    out = capsys.readouterr().out
    assert "PASS kappa" in out and "CANNOT MEASURE gold_accuracy: " in out and "Result: CANNOT MEASURE" in out


def test_check_exit_2_on_invalid_input(tmp_path, capsys):
    assert main(["check", ANN]) == 2
    assert "No gate given" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.csv"), "--min-kappa", "0.8"]) == 2
    assert "File not found" in capsys.readouterr().err
    assert main(["check", ANN, "--min-kappa", "2"]) == 2
    assert "min_kappa must be a number in [-1, 1]" in capsys.readouterr().err
    bad = tmp_path / "dup.csv"
    bad.write_text("item_id,annotator_id,label\n1,a,cat\n1,a,dog\n")
    assert main(["check", str(bad), "--min-kappa", "0.8"]) == 2
    assert capsys.readouterr().err.startswith("aqa: invalid input:")


def test_check_json(capsys):
    assert main(["check", ANN, "--gold", GOLD, "--min-kappa", "0.95", "--max-flagged-annotators", "0", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["exit_code"] == 1 and not data["passed"]
    assert [(g["name"], g["status"]) for g in data["gates"]] == [("kappa", "fail"), ("flagged_annotators", "pass")]


# -- aqa review-queue / audit-sample -----------------------------------------------------------------------------
def test_review_queue_writes_the_items_needing_a_person(retail, tmp_path, capsys):
    out = tmp_path / "q" / "queue.csv"
    assert main(["review-queue", ANN, "--out", str(out), "--decisions", "adjudicate,senior_review"]) == 0
    routed = analytics.route_for_review(retail)
    expected = routed[routed["decision"].isin(["adjudicate", "senior_review"])]
    queue = pd.read_csv(out, keep_default_na=False)
    assert len(queue) == len(expected) and set(queue["decision"]) == {"adjudicate", "senior_review"}
    assert queue["decision"].tolist() == sorted(queue["decision"].tolist())  # adjudicate first, as asked
    assert f"Wrote {out}: {len(expected):,} of 300 items to review" in capsys.readouterr().out


def test_review_queue_and_audit_sample_exit_2_on_invalid_input(tmp_path, capsys):
    assert main(["review-queue", ANN, "--out", str(tmp_path / "q.csv"), "--decisions", "bogus"]) == 2
    assert "Unknown decision ['bogus']" in capsys.readouterr().err
    assert main(["review-queue", str(RETAIL / "tags.csv"), "--multilabel", "--label-sep", "|",
                 "--out", str(tmp_path / "q.csv")]) == 2
    assert "single-label" in capsys.readouterr().err
    assert main(["audit-sample", ANN, "--out", str(tmp_path / "s.csv"), "--fraction", "0"]) == 2
    assert "fraction must lie in (0, 1]" in capsys.readouterr().err
    assert main(["audit-sample", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "s.csv")]) == 2
    assert not (tmp_path / "q.csv").exists() and not (tmp_path / "s.csv").exists()


def test_audit_sample_is_reproducible_and_sized(tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["audit-sample", ANN, "--out", str(a), "--fraction", "0.1", "--seed", "3"]) == 0
    assert main(["audit-sample", ANN, "--out", str(b), "--fraction", "0.1", "--seed", "3",
                 "--stratify-by", "label"]) == 0
    assert a.read_bytes() == b.read_bytes()
    sample = pd.read_csv(a)
    assert len(sample) == 90 and set(sample.columns) >= {"item_id", "annotator_id", "label", "stratum"}
    assert "90 of 900 annotations (stratified by label, seed 3)" in capsys.readouterr().out
    assert main(["audit-sample", ANN, "--out", str(b), "--fraction", "0.2", "--stratify-by", "none"]) == 0
    captured = capsys.readouterr()
    assert "aqa: warning: fraction=0.2 is outside" in captured.err and "warning" not in captured.out


def test_exported_csv_cells_are_neutralized(hostile_csv, tmp_path):
    queue, sample = tmp_path / "q.csv", tmp_path / "s.csv"
    assert main(["review-queue", str(hostile_csv), "--out", str(queue), "--decisions", "senior_review"]) == 0
    assert main(["audit-sample", str(hostile_csv), "--out", str(sample), "--fraction", "1.0"]) == 0
    for path in (queue, sample):
        cells = [c for row in _cells(path) for c in row]
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), path
    queue_cells = [c for row in _cells(queue) for c in row]
    assert "'@item0" in queue_cells and any(c.startswith("'") and "HYPERLINK" in c for c in queue_cells)
    sample_cells = [c for row in _cells(sample) for c in row]
    assert {"'=annotator()", "'-2+3", "'@SUM(A1)", "'\tTAB", "'\rCR", "'-note"} <= set(sample_cells)


@pytest.mark.parametrize("command", ["report", "check", "review-queue", "audit-sample"])
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"aqa {command} " in out


def test_review_queue_threshold_and_rule(tmp_path, capsys):
    counts = tmp_path / "counts.csv"
    pd.DataFrame({"item": ["a", "b", "c"], "cat": [50, 30, 32], "dog": [1, 21, 19]}).to_csv(counts, index=False)
    out = tmp_path / "queue.csv"
    assert main(["review-queue", str(counts), "--format", "counts", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 of 3 items to review" in text and "Rule: Up to 3 ratings" in text and "at least 95%" in text
    assert pd.read_csv(out)["item_id"].tolist() == ["b"]
    assert main(["review-queue", str(counts), "--format", "counts", "--out", str(out), "--threshold", "0.99"]) == 0
    assert "2 of 3 items to review" in capsys.readouterr().out
    assert main(["review-queue", str(counts), "--format", "counts", "--out", str(out), "--threshold", "0.4"]) == 2
    assert "threshold must be a probability strictly between 0.5 and 1" in capsys.readouterr().err


def test_audit_sample_names_a_small_detectable_rate_with_its_digits(tmp_path, capsys):
    counts = tmp_path / "counts.csv"
    pd.DataFrame({"item": [f"i{k}" for k in range(2000)], "cat": [40] * 2000, "dog": [10] * 2000}).to_csv(counts,
                                                                                                     index=False)
    assert main(["audit-sample", str(counts), "--format", "counts", "--out", str(tmp_path / "s.csv"),
                 "--stratify-by", "none"]) == 0
    text = capsys.readouterr().out
    assert "5,000 of 100,000 annotations" in text and "If 0.059% or more of the annotations are wrong" in text
    assert "0.0%" not in text


# -- aqa label-errors --------------------------------------------------------------------------------------------
def test_label_errors_writes_candidates_and_the_set_apart_list(tmp_path, capsys):
    out, excluded = tmp_path / "errors" / "errors.csv", tmp_path / "apart.csv"
    assert main(["label-errors", str(DIGITS / "annotations.csv"), "--predictions", str(DIGITS / "predictions.csv"),
                 "--out", str(out), "--excluded", str(excluded)]) == 0
    text = capsys.readouterr().out
    aset = analytics.load_annotations(DIGITS / "annotations.csv", predictions=DIGITS / "predictions.csv")
    res = analytics.find_label_errors(aset)
    table = pd.read_csv(out, keep_default_na=False, dtype={"item_id": str})
    assert table["item_id"].tolist() == res.candidates["item_id"].tolist() and len(table) >= 1
    assert {"given_label", "suggested_label", "p_given_wrong", "votes", "model_p_given", "signal"} <= set(table.columns)
    apart = pd.read_csv(excluded)
    assert len(apart) == res.n_excluded and set(apart["reason"]) <= {
        "people marked the item Unknown", "the given label is Unknown"}
    assert res.sentence in text and "Set apart, not label errors" in text and f"written to {excluded}" in text
    every = tmp_path / "all.csv"
    assert main(["label-errors", str(DIGITS / "annotations.csv"), "--out", str(every), "--all"]) == 0
    captured = capsys.readouterr()  # the notes are diagnostics: standard error
    assert len(pd.read_csv(every)) == res.n_scored and "people's votes alone" in captured.err
    assert "Note:" not in captured.out


def test_label_errors_given_file_and_invalid_input(tmp_path, capsys):
    counts, given = tmp_path / "counts.csv", tmp_path / "given.csv"
    pd.DataFrame({"image_index": ["0", "1", "2"], "cat": [9, 0, 6], "dog": [0, 9, 3]}).to_csv(counts, index=False)
    pd.DataFrame({"image_index": ["0", "1", "2"], "true_label": ["cat", "cat", "=cmd()"]}).to_csv(given, index=False)
    out = tmp_path / "errors.csv"
    assert main(["label-errors", str(counts), "--format", "counts", "--given", str(given), "--out", str(out),
                 "--all"]) == 0
    table = pd.read_csv(out, keep_default_na=False, dtype={"item_id": str})
    assert table.loc[0, "item_id"] == "1" and table.loc[0, "suggested_label"] == "dog"
    assert "1 of 2 items" in capsys.readouterr().out  # item 2's given label is no category: set apart
    assert main(["label-errors", str(counts), "--format", "counts", "--out", str(out), "--threshold", "1.5"]) == 2
    assert "threshold must be a probability" in capsys.readouterr().err
    assert main(["label-errors", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.csv").exists()
