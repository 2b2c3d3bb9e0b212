"""Random malformed tables and files: load_annotations either succeeds with exact accounting, or raises one
of the documented exception types (AnnotationQAError subclasses) — never anything else."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import load_annotations
from analytics.exceptions import AnnotationQAError

CELLS = st.one_of(
    st.none(), st.just(float("nan")), st.just(float("inf")), st.integers(-5, 5), st.floats(-3, 3),
    st.booleans(), st.text(max_size=6), st.sampled_from(["", " ", "NA", "null", "cat", "Cat ", "ｃａｔ", "[1]", '["a"]',
                                                          "[", "-1", "0", "1.0", "\u00e9", "e\u0301", "=1+1"]),
    st.lists(st.sampled_from(["a", "b", ""]), max_size=3),
)
COLUMNS = st.sampled_from(["item_id", "annotator_id", "label", "round", "timestamp", "duration_s", "image",
                           "question", "worker", "answer", "x", "", "Label", "id", "gold"])


@st.composite
def frames(draw):
    cols = draw(st.lists(COLUMNS, min_size=0, max_size=6, unique=True))
    n = draw(st.integers(0, 8))
    return pd.DataFrame({c: draw(st.lists(CELLS, min_size=n, max_size=n)) for c in cols}, index=range(n))


def _check(aset) -> None:
    rep = aset.report
    assert rep.is_complete, (rep.rows_read, rep.rows_kept, rep.rows_skipped, rep.skipped)
    assert rep.rows_kept >= 1 and aset.n_annotations >= 1
    assert len(aset.item_codes) == len(aset.frame) == aset.n_annotations


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.sampled_from(["auto", "tidy", "wide", "counts"]),
       st.sampled_from(["error", "keep_last"]), st.sampled_from([None, True, False]))
def test_random_frames_raise_only_documented_errors(df, fmt, duplicates, multilabel):
    try:
        aset = load_annotations(df, format=fmt, duplicates=duplicates, multilabel=multilabel)
    except AnnotationQAError as exc:
        assert str(exc)
        return
    _check(aset)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
       st.sampled_from([".csv", ".tsv", ".json", ".jsonl", ".parquet", ".txt"]))
def test_random_files_raise_only_documented_errors(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(data)
    try:
        aset = load_annotations(path)
    except AnnotationQAError as exc:
        assert str(exc)
        return
    _check(aset)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(frames())
def test_random_tables_written_as_files(tmp_path_factory, df):
    folder = tmp_path_factory.mktemp("fuzzfiles")
    csv_path = folder / "t.csv"
    df.to_csv(csv_path, index=False)
    jsonl = folder / "t.jsonl"
    jsonl.write_text("\n".join(json.dumps({str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
                                           for k, v in r.items()}) for r in df.to_dict("records")))
    for path in (csv_path, jsonl):
        try:
            aset = load_annotations(path)
        except AnnotationQAError:
            continue
        _check(aset)
