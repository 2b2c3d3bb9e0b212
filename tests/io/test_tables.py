"""Table importers: tidy (CSV/TSV/Parquet/JSON Lines/JSON), wide and counts layouts, and detection."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics import AnnotationSchemaError, load_annotations
from analytics.io import detect_format

ROWS = [("i1", "a", "cat"), ("i1", "b", "dog"), ("i2", "a", "dog"), ("i2", "b", "dog")]


def _frame():
    return pd.DataFrame(ROWS, columns=["item_id", "annotator_id", "label"])


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl", ".json", ".txt"])
def test_tidy_formats_give_the_same_set(tmp_path, suffix):
    path = tmp_path / f"ann{suffix}"
    df = _frame()
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, sep="\t", index=False)
    elif suffix == ".txt":
        df.to_csv(path, sep=";", index=False)
    elif suffix == ".parquet":
        df.to_parquet(path)
    elif suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in df.to_dict("records")) + "\n")
    else:
        path.write_text(json.dumps(df.to_dict("records")))
    aset = load_annotations(path)
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (2, 2, 4)
    assert aset.categories == ("cat", "dog")
    assert aset.report.format == "tidy" and aset.report.rows_read == 4 and aset.report.rows_kept == 4


def test_csv_lines_are_reported_as_file_lines(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("item_id,annotator_id,label\ni1,a,cat\ni2,a,\ni3,a,dog\n")
    rep = load_annotations(path).report
    assert rep.unit == "line" and rep.skipped["row"].tolist() == [3]


def test_jsonl_bad_lines_are_skipped_and_counted(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"item_id": "1", "annotator_id": "a", "label": "x"}\nnot json\n[1, 2]\n'
                    '{"item_id": "2", "annotator_id": "a", "label": "y"}\n')
    aset = load_annotations(path)
    rep = aset.report
    assert aset.n_annotations == 2
    assert rep.rows_read == 4 and rep.rows_kept == 2 and rep.rows_skipped == 2
    assert rep.skipped_by_reason.to_dict() == {"invalid_record": 1, "not_an_object": 1}
    assert sorted(rep.skipped["row"].tolist()) == [2, 3]


def test_extra_columns_are_kept_for_slicing():
    df = _frame().assign(camera=["c1", "c2", "c1", "c2"])
    aset = load_annotations(df)
    assert aset.frame["camera"].tolist() == ["c1", "c2", "c1", "c2"]


def test_synonym_columns_are_mapped_and_reported():
    df = pd.DataFrame({"image_id": ["x", "y"], "rater": ["r1", "r1"], "class": ["a", "b"], "lead_time": ["1.5", "2"]})
    aset = load_annotations(df)
    assert aset.report.column_mapping == {"item_id": "image_id", "annotator_id": "rater", "label": "class",
                                          "duration_s": "lead_time"}
    assert aset.frame["duration_s"].tolist() == [1.5, 2.0]
    assert "'image_id' → item_id" in " ".join(aset.report.summary_lines())


def test_wide_table_with_header_and_missing_marker():
    df = pd.DataFrame({"item": ["i1", "i2", "i3"], "ann1": ["cat", "-1", "-1"], "ann2": ["cat", "dog", "-1"]})
    aset = load_annotations(df, format="wide", missing="-1")
    assert (aset.n_items, aset.n_annotators, aset.n_annotations) == (2, 2, 3)
    assert aset.report.rows_read == 3 and aset.report.rows_kept == 2
    assert aset.report.skipped_by_reason.to_dict() == {"no_labels": 1}


def test_wide_detected_automatically_and_marker_hint():
    df = pd.DataFrame({"item": ["i1", "i2"], "ann1": ["cat", "-1"], "ann2": ["cat", "dog"]})
    assert detect_format(df) == "wide"
    aset = load_annotations(df)
    assert "-1" in aset.categories and "missing='-1'" in " ".join(aset.report.warnings)


def test_headerless_wide_matrix_uses_positions_as_ids(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("-1 2 2\n1 -1 1\n")
    aset = load_annotations(path, format="wide", missing=-1)
    assert aset.item_ids.tolist() == ["0", "1"] and aset.annotator_ids.tolist() == ["0", "1", "2"]
    assert sorted(aset.frame.itertuples(index=False, name=None))[:2] == [("0", "1", "2"), ("0", "2", "2")]


def test_counts_table_expands_to_anonymous_annotations():
    df = pd.DataFrame({"image_index": [0, 1, 2], "cat": [3, 0, 0], "dog": [1, 2, 0]})
    assert detect_format(df) == "counts"
    aset = load_annotations(df)
    assert not aset.annotators_known and aset.n_annotators == 0
    assert aset.n_annotations == 6 and aset.n_items == 2
    assert aset.report.skipped_by_reason.to_dict() == {"no_labels": 1}
    from analytics._reshape import item_category_counts

    np.testing.assert_array_equal(item_category_counts(aset), [[3, 1], [0, 2]])


def test_counts_table_rejects_non_counts():
    df = pd.DataFrame({"item": [0, 1], "cat": [1.5, 0], "dog": [-1, 2]})
    with pytest.raises(AnnotationSchemaError) as err:
        load_annotations(df, format="counts")
    assert "column 'cat' = 1.5" in str(err.value) and "column 'dog' = -1" in str(err.value)
    assert "format='wide'" in str(err.value)


def test_several_files_are_combined_with_their_sources(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("item_id,annotator_id,label\ni1,x,cat\n")
    b.write_text("item_id,annotator_id,label\ni1,y,dog\ni2,y,\n")
    aset = load_annotations([a, b])
    assert aset.n_annotations == 2 and aset.report.rows_read == 3 and aset.report.rows_skipped == 1
    assert aset.report.skipped["source"].tolist() == ["b.csv"]


def test_multilabel_from_json_lists_and_separator():
    df = pd.DataFrame({"item_id": ["i1", "i1", "i2"], "annotator_id": ["a", "b", "a"],
                       "label": ['["red", "striped"]', '["Red"]', "[]"]})
    aset = load_annotations(df)
    assert aset.multilabel and aset.categories == ("red", "striped")
    assert aset.frame["label"].tolist() == [("red", "striped"), ("red",), ()]
    assert aset.tags.toarray().tolist() == [[1, 1], [1, 0], [0, 0]]
    sep = load_annotations(df.assign(label=["red|striped", "red", "blue"]), multilabel=True, label_sep="|")
    assert sep.frame["label"].tolist() == [("red", "striped"), ("red",), ("blue",)]


def test_annotation_level_skips_inside_kept_rows_are_scoped():
    df = pd.DataFrame({"item": ["i1", "i1"], "ann1": ["cat", "bird"], "ann2": ["dog", None]})
    aset = load_annotations(df, format="wide", duplicates="keep_last")
    rep = aset.report
    assert aset.n_annotations == 2 and rep.rows_kept == 2 and rep.rows_skipped == 0 and rep.is_complete
    assert rep.skipped[["row", "reason", "scope"]].values.tolist() == [[0, "duplicate", "annotation"]]
