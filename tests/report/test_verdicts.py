"""Three verdicts everywhere — met / not met / cannot be measured — in the summary, ``aqa check``, the report JSON
and HTML, and the top problems; never "nan" in a sentence (issue 15)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import analytics
from analytics.cli import main
from analytics.report import QualityReport
from analytics.report.overview import top_problems
from tests.conftest import SHARED, need

NAN = re.compile(r"\bnan\b", re.IGNORECASE)
CVAT = SHARED / "formats" / "cvat" / "datumaro_legacy_train.json"
LABEL_STUDIO = SHARED / "formats" / "labelstudio" / "jeet1248_CV_json_min_3annotators.json"


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verdicts")
    wide = tmp / "wide.csv"
    wide.write_text("foo,bar\n1,2\n", encoding="utf-8")
    twenty = tmp / "twenty.csv"
    _frame([(i, a, ["cat", "dog", "bird"][i % 3]) for i in range(20) for a in "abc"]).to_csv(twenty, index=False)
    files = {
        "one_item": (tmp / "one.csv", _frame([(1, "a", "x"), (1, "b", "y")])),
        "two_agree": (tmp / "agree.csv", _frame([(1, "a", "x"), (1, "b", "x"), (2, "a", "y"), (2, "b", "y")])),
        "two_disagree": (tmp / "disagree.csv", _frame([(1, "a", "x"), (1, "b", "y"), (2, "a", "y"), (2, "b", "x")])),
    }
    for path, frame in files.values():
        frame.to_csv(path, index=False)
    paths = {name: path for name, (path, _) in files.items()}
    paths.update(wide_one_row=wide, twenty_by_three=twenty, one_annotator=need(CVAT), label_studio=need(LABEL_STUDIO))
    return paths


EXPECTED = {"one_item": "cannot be measured", "two_agree": "not met", "two_disagree": "not met",
            "wide_one_row": "cannot be measured", "twenty_by_three": "met", "one_annotator": "cannot be measured",
            "label_studio": "not met"}


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analytics.load_annotations(path)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_report_json_and_html_carry_the_verdict_without_nan(sets, name):
    aset = _load(sets[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = QualityReport.from_annotations(aset)
    data = report.to_dict()
    key = "multilabel_agreement" if aset.multilabel else "agreement"
    section = data["sections"][key]
    assert section["status"] == "ok", section["reason"]
    assert section["data"]["verdict"] == EXPECTED[name]
    if EXPECTED[name] == "cannot be measured":
        assert section["data"]["verdict_reason"] and section["data"]["what_to_do"]
    for text in [section["data"].get("sentence", ""), section["data"]["what_to_do"] or "",
                 section["data"]["verdict_reason"] or ""] + [p["headline"] + p["detail"] for p in
                                                              data["sections"]["top_problems"]["data"]["problems"]]:
        assert not NAN.search(text), text
    html = report.to_html()
    assert f"Verdict: agreement{' on tag sets' if aset.multilabel else ''}" in html
    assert not NAN.search(re.sub(r"<script.*?</script>", "", html, flags=re.S))
    if not aset.multilabel:
        assert section["data"]["interval_method"].startswith("score interval")
        assert section["data"]["coverage"]["sentence"]


@pytest.mark.parametrize("name", ["one_item", "wide_one_row", "one_annotator"])
def test_aqa_check_exits_2_when_agreement_cannot_be_measured(sets, name, capsys):
    code = main(["check", str(sets[name]), "--min-kappa", "0.8"] + (["--min-alpha", "0.8"] if name == "one_annotator"
                                                                      else []))
    out = capsys.readouterr().out
    assert code == 2, out
    assert "CANNOT MEASURE" in out and "What to do:" in out and not NAN.search(out)
    assert "PASS" not in out and "FAIL" not in out


def test_aqa_check_uses_the_default_interval_lower_bound(sets, capsys):
    """20 items × 3 annotators in perfect agreement: kappa 1.00 passes on the point estimate; with
    --use-lower-bound it passes a target below the score interval's lower bound and fails one above it."""
    aset = _load(sets["twenty_by_three"])
    low = analytics.fleiss_kappa(aset).ci_low
    assert 0.5 < low < 0.95
    assert main(["check", str(sets["twenty_by_three"]), "--min-kappa", f"{low - 0.02:.2f}", "--use-lower-bound"]) == 0
    assert main(["check", str(sets["twenty_by_three"]), "--min-kappa", f"{low + 0.02:.2f}", "--use-lower-bound"]) == 1
    out = capsys.readouterr().out
    assert "CI 1.00–1.00" not in out and f"{low:.2f}" in out


def test_summary_sentences_name_the_reason_and_what_to_do(sets):
    one = analytics.agreement_summary(_load(sets["wide_one_row"]))
    assert one.verdict == "cannot be measured" and "only 1 item" in one.verdict_reason
    assert "Label at least 20 items" in one.what_to_do and not NAN.search(one.sentence)
    same = analytics.agreement_summary(analytics.load_annotations(_frame([(1, "a", "x"), (1, "b", "x"),
                                                                          (2, "a", "x"), (2, "b", "x")])))
    assert same.verdict == "cannot be measured" and "same class ('x')" in same.verdict_reason
    problems = top_problems(_load(sets["one_annotator"]))
    assert problems and problems[0].kind == "agreement_cannot_be_measured" and "second annotator" in problems[0].detail


def test_gold_only_classes_change_no_coefficient_and_are_reported():
    rows = [(i, a, ["x", "y", "z"][(i + (a == "c")) % 3]) for i in range(30) for a in "abc"]
    bare = analytics.load_annotations(_frame(rows))
    gold = pd.DataFrame({"item_id": range(30), "gold_label": ["x"] * 27 + ["ghost", "ghost", "y"]})
    with_gold = analytics.load_annotations(_frame(rows), gold=gold)
    assert with_gold.attached_categories == ("ghost",) and "ghost" in with_gold.categories
    for f in (analytics.gwet_ac1, analytics.brennan_prediger, analytics.fleiss_kappa, analytics.percent_agreement,
              analytics.krippendorff_alpha, analytics.light_kappa):
        a, b = f(bare), f(with_gold)
        assert (a.value, a.ci_low, a.ci_high) == (b.value, b.ci_low, b.ci_high), f.__name__
    pair_rows = [r for r in rows if r[1] != "c"]                                  # two annotators: Scott, Cohen
    bare_pair, gold_pair = (analytics.load_annotations(_frame(pair_rows), **kw) for kw in ({}, {"gold": gold}))
    for f in (analytics.scott_pi, analytics.cohen_kappa):
        a, b = f(bare_pair), f(gold_pair)
        assert (a.value, a.standard_error, a.ci_low, a.ci_high) == (b.value, b.standard_error, b.ci_low, b.ci_high)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert analytics.gwet_ac1(bare, weights="quadratic").value == \
            analytics.gwet_ac1(with_gold, weights="quadratic").value
    assert any("'ghost'" in note and "only in the gold labels" in note for note in with_gold.gold_report.notes)
    per = analytics.fleiss_kappa_by_category(with_gold).set_index("category")
    assert list(per.index) == list(with_gold.categories) and pd.isna(per.loc["ghost", "kappa"])
    assert "only the gold labels" in per.loc["ghost", "reason"]
    bare_per = analytics.fleiss_kappa_by_category(bare).set_index("category")
    assert per.loc[["x", "y", "z"], "kappa"].tolist() == bare_per["kappa"].tolist()
    assert analytics.gold_accuracy(with_gold).n_items == 30                       # gold still counts for accuracy
    report = json.loads(QualityReport.from_annotations(with_gold).to_json())
    assert any("ghost" in n for n in report["imports"]["gold"]["notes"])


@pytest.mark.parametrize("name", ["twenty_by_three", "label_studio"])
def test_report_quotes_the_coverage_lookup_of_the_study(sets, name):
    """The verified coverage the report JSON records is the study's lookup (analytics/agreement/coverage.json) at
    the largest simulated pilot size not above the set's items, for the primary coefficient and its method."""
    lookup = json.loads((Path(analytics.__file__).parent / "agreement" / "coverage.json").read_text("utf-8"))
    aset = _load(sets[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = QualityReport.from_annotations(aset).to_dict()["sections"]["agreement"]["data"]
    claim = data["coverage"]
    row = next(r for r in data["coefficients"] if r["coefficient"] == data["primary"])
    by_n = lookup["coverage"][data["primary"]][claim["method"]]
    n = max(int(k) for k in by_n if int(k) <= row["n_items"])
    assert claim["n_items_studied"] == n
    assert claim["min_coverage"] == by_n[str(n)]["min"] and claim["median_coverage"] == by_n[str(n)]["median"]
    assert row["verified_coverage"] == pytest.approx(by_n[str(n)]["min"])
