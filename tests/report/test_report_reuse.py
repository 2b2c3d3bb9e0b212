"""The report computes its top problems last, from its own agreement summary and recommendations: the same
problems as computing them afresh."""

from __future__ import annotations

from analytics.report import build_report
from analytics.report.overview import top_problems
from analytics.samples import load_sample


def test_top_problems_of_the_report_equal_a_fresh_computation():
    for name in ("digits", "retail"):
        aset = load_sample(name)
        report = build_report(aset)
        fresh = [p.to_dict() for p in top_problems(load_sample(name), target=0.8, n=5)]
        assert report.section("top_problems").data == {"problems": fresh}
        assert [s.key for s in report.sections][0] == "top_problems"
