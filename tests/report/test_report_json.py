"""The report's JSON: it validates against the documented schema, the schema is not vacuous, sections that do
not apply say why, the numbers add up, and the sections hold the analyses' own numbers."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analytics
from analytics import load_annotations
from analytics.exceptions import InvalidParameterError
from analytics.report.quality_report import SCHEMA_VERSION, SECTION_KEYS, QualityReport, build_report, report_schema
from tests.conftest import SAMPLES
from tests.report.conftest import quiet_report

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator, data) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("name", ["digits", "retail", "retail-tags"])
def test_sample_reports_validate_against_the_schema(sample_reports, validator, name):
    _, report = sample_reports[name]
    data = json.loads(report.to_json())  # through text: strict JSON (no NaN), as a file reader sees it
    assert _errors(validator, data) == []
    assert data["schema_version"] == SCHEMA_VERSION == "2.1"
    assert list(data["sections"]) == list(SECTION_KEYS)


def test_counts_report_validates_against_the_schema(cifar_report, validator):
    aset, report = cifar_report
    data = json.loads(report.to_json())
    assert _errors(validator, data) == []
    assert data["dataset"]["n_annotations"] == aset.n_annotations == 511_000 and not data["dataset"]["annotators_known"]
    status = {k: v["status"] for k, v in data["sections"].items()}
    assert status["agreement"] == status["routing"] == status["model_vs_human"] == status["gold"] == "ok"
    for key in ("pairwise", "drift", "speed"):
        assert status[key] == "not_applicable" and "anonymous" in data["sections"][key]["reason"]
    gold = data["sections"]["gold"]["data"]
    assert gold["rows"] == [] and "anonymous" in gold["per_annotator_reason"]


def test_the_schema_rejects_what_it_should(sample_reports, validator):
    data = sample_reports["retail"][1].to_dict()
    broken = []
    d = copy.deepcopy(data); del d["sections"]["agreement"]; broken.append(d)  # a section missing
    d = copy.deepcopy(data); d["sections"]["agreement"]["data"]["coefficients"][0]["value"] = "0.7"; broken.append(d)
    d = copy.deepcopy(data); d["sections"]["drift"]["status"] = "not_applicable"; broken.append(d)  # data kept, no reason
    d = copy.deepcopy(data); d["imports"]["annotations"]["rows_read"] = -1; broken.append(d)
    d = copy.deepcopy(data); d["schema_version"] = "1.1"; broken.append(d)  # the version before issue 15
    d = copy.deepcopy(data); d["sections"]["agreement"]["data"]["verdict"] = "maybe"; broken.append(d)  # three states
    d = copy.deepcopy(data); del d["sections"]["agreement"]["data"]["coverage"]; broken.append(d)
    d = copy.deepcopy(data); d["sections"]["gold"]["data"]["rows"][0]["surprise"] = 1; broken.append(d)
    d = copy.deepcopy(data); d["sections"]["routing"]["data"]["counts"][0]["share"] = 1.5; broken.append(d)
    for d in broken:
        assert _errors(validator, d), "the schema accepted a broken report"


def test_sections_that_do_not_apply_say_why(sample_reports):
    tags = sample_reports["retail-tags"][1]
    assert tags.section("agreement").status == "not_applicable"
    assert "multi-label" in tags.section("agreement").reason
    assert tags.section("multilabel_agreement").ok and tags.section("per_category").data["method"] == "kappa_by_tag"
    retail = sample_reports["retail"][1]
    assert "predictions" in retail.section("model_vs_human").reason
    assert "two rounds" in retail.section("rounds").reason
    digits = sample_reports["digits"][1]
    assert digits.not_applicable.keys() == {"multilabel_agreement"}
    for report in (tags, retail, digits):
        for s in report.sections:
            assert s.ok == (s.data is not None) and (s.ok or s.reason.strip())


def test_numbers_add_up_with_skipped_rows(tmp_path):
    path = tmp_path / "batch.csv"
    lines = ["item_id,annotator_id,label"] + [f"i{i},a{k},{'cat' if (i + k) % 3 else 'dog'}" for i in range(20)
                                               for k in range(3)]
    lines += ["i1,a9,", "i2,,dog", ",a1,cat", "i3,a8,   "]  # blank label, annotator, item, label: 4 skipped
    path.write_text("\n".join(lines) + "\n")
    gold = tmp_path / "gold.csv"
    gold.write_text("item_id,gold_label\ni0,dog\ni1,cat\nzz,cat\n")  # zz: not annotated
    report = quiet_report(load_annotations(path, gold=gold))
    data = report.to_dict()
    ann, g = data["imports"]["annotations"], data["imports"]["gold"]
    assert (ann["rows_read"], ann["rows_kept"], ann["rows_skipped"]) == (64, 60, 4) and ann["complete"]
    assert sum(ann["skipped_by_reason"].values()) == ann["n_skipped_entries"] == 4
    assert (g["rows_read"], g["rows_kept"], g["rows_skipped"]) == (3, 2, 1)
    assert g["skipped_by_reason"] == {"gold_not_annotated": 1}
    assert data["dataset"]["n_annotations"] == ann["n_annotations"] == 60
    assert sum(r["n_labels"] for r in data["dataset"]["label_counts"]) == 60


def test_long_lists_are_cut_to_max_listed_but_counts_stay_exact(sample_reports):
    aset, _ = sample_reports["retail"]
    report = quiet_report(aset, max_listed=3)
    routing = report.section("routing").data
    routed = analytics.route_for_review(aset)
    assert len(routing["queue"]) == 3
    assert routing["queue_size"] == int(routed["decision"].isin(["adjudicate", "senior_review", "needs_overlap"]).sum())
    assert [r["n_items"] for r in routing["counts"]] == [int((routed["decision"] == d).sum())
                                                        for d in ("accept", "senior_review", "adjudicate", "needs_overlap")]
    assert len(report.section("hotspots").data["rows"]) <= 3 and len(report.section("recommendations").data["rows"]) <= 3


def test_agreement_equals_statsmodels_fleiss_kappa(sample_reports):
    aset, report = sample_reports["retail"]  # three ratings per item: statsmodels' fleiss_kappa applies
    from statsmodels.stats.inter_rater import fleiss_kappa

    counts = pd.crosstab(aset.frame["item_id"], aset.frame["label"]).to_numpy()
    agreement = report.section("agreement")
    fleiss = next(r for r in agreement.data["coefficients"] if r["coefficient"] == "fleiss_kappa")
    assert fleiss["value"] == pytest.approx(fleiss_kappa(counts, method="fleiss"), abs=1e-12)
    assert agreement.data["primary"] == "fleiss_kappa" == agreement.result.primary


def test_gold_section_equals_direct_computation(sample_reports):
    aset, report = sample_reports["digits"]
    gold = report.section("gold").data
    table = analytics.gold_accuracy_by_annotator(aset).table
    assert [r["n_correct"] for r in gold["rows"]] == table["n_correct"].tolist()
    assert gold["flagged"] == ["ann_fast"]
    merged = aset.frame.merge(aset.gold.rename("gold").reset_index(), on="item_id")
    correct, n = int((merged["label"] == merged["gold"]).sum()), len(merged)
    assert gold["overall"]["value"] == pytest.approx(correct / n) and gold["n_gold_items"] == merged["item_id"].nunique()
    z = stats.norm.ppf(0.975)  # Wilson (1927) by hand
    p = correct / n
    centre, half = (p + z**2 / (2 * n)) / (1 + z**2 / n), z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert (gold["overall"]["ci_low"], gold["overall"]["ci_high"]) == pytest.approx((centre - half, centre + half))


def test_options_are_validated(sample_reports):
    aset, _ = sample_reports["retail"]
    for bad in ({"target": 1.5}, {"confidence_level": 0}, {"max_listed": 0}, {"gold_target": True}):
        with pytest.raises(InvalidParameterError):
            QualityReport.from_annotations(aset, **bad)
    with pytest.raises(InvalidParameterError, match="AnnotationSet"):
        build_report(pd.DataFrame({"item_id": [1]}))
    with pytest.raises(InvalidParameterError, match="No report section"):
        sample_reports["retail"][1].section("nope")


def test_progress_is_called_once_per_section(sample_reports):
    calls = []
    quiet_report(sample_reports["retail-tags"][0], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, len(SECTION_KEYS)) for k in range(len(SECTION_KEYS) + 1)]


def test_report_json_file_round_trips(sample_reports, tmp_path, validator):
    path = sample_reports["retail"][1].write_json(tmp_path / "r.json")
    assert _errors(validator, json.loads(path.read_text(encoding="utf-8"))) == []
    assert (SAMPLES / "retail").exists()


def test_label_errors_and_routing_rule_sections(sample_reports):
    aset, report = sample_reports["digits"]
    section = report.section("label_errors")
    assert section.ok and section.data["uses_model"] and section.data["people_method"] == "dawid_skene"
    res = analytics.find_label_errors(aset)
    assert [r["item_id"] for r in section.data["candidates"]] == res.candidates["item_id"].tolist()
    assert section.data["n_candidates"] == res.n_candidates and section.data["n_excluded"] == res.n_excluded > 0
    reasons = {r["reason"]: r["n_items"] for r in section.data["excluded_by_reason"]}
    assert reasons.get("people marked the item Unknown", 0) > 0 and sum(reasons.values()) == res.n_excluded
    assert all(r["signal"] != "none" for r in section.data["candidates"])
    routing = report.section("routing").data
    assert routing["threshold"] == 0.95 and routing["method"] == "weighted_vote_split" and "95%" in routing["rule"]
    assert all(0 <= r["support"] <= 1 and r["rule"] in ("3 ratings or fewer", "support ≥ 95%") for r in routing["queue"])
    html = report.to_html()
    assert "Label errors" in html and "Set apart (not label errors)" in html and "support for the consensus" in html


def test_counts_report_checks_the_gold_labels(cifar_report):
    _, report = cifar_report  # truth.csv attached as gold: every image's CIFAR-10 label is the given label
    data = report.section("label_errors").data
    assert data["people_method"] == "dirichlet_multinomial" and data["n_scored"] == 10_000
    assert 10 <= data["n_candidates"] <= 200
    assert {r["given_source"] for r in data["candidates"]} == {"gold"}
    routing = report.section("routing").data
    assert routing["method"] == "vote_split" and routing["counts"][0]["share"] > 0.95  # accept: ~98.8% of images
