"""Sets the report fuzzer (tests/fuzz/test_fuzz_report.py) found breaking an analysis, kept as regressions."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import compare_rounds, load_annotations
from analytics.report.quality_report import report_schema
from tests.report.conftest import quiet_report


def test_rounds_with_a_different_number_of_annotators():
    # round 1: one annotator per item, round 2 likewise but two annotators overall → Cohen's kappa is the primary
    # coefficient of one round only; compare_rounds used to fail with KeyError('cohen_kappa')
    frame = pd.DataFrame({"item_id": ["<b>0</b>", "i1", "i2", "i3"], "annotator_id": ["a1", "a0", "a1", "a1"],
                          "label": ["cat"] * 4, "round": ["1", "2", "1", "2"]})
    aset = load_annotations(frame)
    result = compare_rounds(aset)
    assert result.rounds == ("1", "2") and result.sentence
    report = quiet_report(aset)
    assert report.section("rounds").ok
    json.loads(report.to_json())


def test_a_share_rounded_just_above_one_is_valid():
    # a single confused pair holds all the disagreement: its share came out as 1.0000000000000002
    jsonschema = pytest.importorskip("jsonschema")
    frame = pd.DataFrame({"item_id": ["<b>0</b>", "i1", "i2"], "cat": [1, 1, 2], "dog": [0, 0, 2]})
    data = json.loads(quiet_report(load_annotations(frame, format="counts")).to_json())
    assert data["sections"]["hotspots"]["data"]["rows"][0]["share_of_disagreements"] == pytest.approx(1.0)
    jsonschema.validate(data, report_schema())
