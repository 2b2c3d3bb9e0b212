"""``QualityReport`` and ``aqa report --backend dask``: the covered sections equal the in-memory report, and the
sections the Dask backend cannot compute say why instead of failing."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("distributed")
jsonschema = pytest.importorskip("jsonschema")

from analytics.cli import main
from analytics.report.quality_report import QualityReport, report_schema

#: Sections computed on the cluster from the same sufficient statistics as in memory.
ON_DASK = ("agreement", "per_category", "pairwise", "gold", "gold_coverage", "hotspots", "recommendations",
           "unknown", "class_balance", "taxonomy")
#: Sections the Dask backend does not compute: (key, words the reason must contain).
NOT_ON_DASK = (("drift", "no timestamps or durations"), ("speed", "no timestamps or durations"),
               ("routing", "a decision for every item"), ("rounds", "Dask backend"))


def _close(a, b, path: str = "") -> None:
    """Equal JSON data, floats to 1e-12 (relative, absolute near 0)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def reports(pilot):
    memory, dask_set, _ = pilot
    return QualityReport.from_annotations(memory).to_dict(), QualityReport.from_annotations(dask_set).to_dict()


def test_covered_sections_equal_the_in_memory_report(reports):
    in_memory, on_dask = reports
    for key in ON_DASK:  # the same data, or the same reason why not (the pilot has no Unknown class)
        _close(on_dask["sections"][key], in_memory["sections"][key], key)
    for key in ("agreement", "per_category", "pairwise", "gold", "gold_coverage", "hotspots", "class_balance"):
        assert on_dask["sections"][key]["status"] == "ok", key
    _close(on_dask["dataset"]["label_counts"], in_memory["dataset"]["label_counts"], "label_counts")
    for key in ("n_items", "n_annotators", "n_annotations", "categories", "rounds"):
        assert on_dask["dataset"][key] == in_memory["dataset"][key], key
    mem_imports, dask_imports = in_memory["imports"]["annotations"], on_dask["imports"]["annotations"]
    assert dask_imports["rows_read"] == dask_imports["rows_kept"] + dask_imports["rows_skipped"]
    assert (dask_imports["rows_kept"], dask_imports["rows_skipped"]) == (mem_imports["rows_kept"],
                                                                         mem_imports["rows_skipped"])


def test_sections_not_on_dask_say_why(reports):
    in_memory, on_dask = reports
    assert in_memory["sections"]["routing"]["status"] == in_memory["sections"]["rounds"]["status"] == "ok"
    for key, words in NOT_ON_DASK:
        section = on_dask["sections"][key]
        assert section["status"] == "not_applicable" and words in section["reason"], (key, section["reason"])
        assert "Dask backend" in section["reason"]
    problems = [p["kind"] for p in on_dask["sections"]["top_problems"]["data"]["problems"]]
    assert problems and "agreement_below_target" in problems


def test_dask_report_follows_the_schema_and_renders(pilot, reports, tmp_path):
    _, dask_set, _ = pilot
    jsonschema.validate(reports[1], report_schema())
    report = QualityReport.from_annotations(dask_set)
    html = report.write_html(tmp_path / "r.html").read_text()
    assert "not available on the Dask backend" in html


def test_cli_report_on_a_cluster(pilot, dask_client, tmp_path, capsys):
    memory, _, paths = pilot
    gold = tmp_path / "gold.csv"
    memory.gold.rename_axis("item_id").reset_index().to_csv(gold, index=False)
    files = [str(p) for p in paths]
    out_dask, out_memory = tmp_path / "dask.json", tmp_path / "memory.json"
    assert main(["report", "--backend", "dask", "--scheduler", dask_client.scheduler.address, "--npartitions", "2",
                 *files, "--gold", str(gold), "--json", str(out_dask)]) == 0
    assert "not applicable: routing: Review routing is not available on the Dask backend" in capsys.readouterr().out
    assert main(["report", *files, "--gold", str(gold), "--json", str(out_memory)]) == 0
    on_dask, in_memory = json.loads(out_dask.read_text()), json.loads(out_memory.read_text())
    jsonschema.validate(on_dask, report_schema())
    for key in ON_DASK:
        _close(on_dask["sections"][key], in_memory["sections"][key], key)
