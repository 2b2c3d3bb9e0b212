"""Regression tests: the malformed inputs the fuzzer (tests/fuzz) found crashing the table readers, label
cleaning or the taxonomy loader, shrunk by hand to their essence. Each crashed (or lost records) before its fix."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from _toolcheck import label_map
from analytics import (AnnotationFileError, AnnotationSchemaError, InvalidParameterError, load_annotations, load_gold,
                       load_taxonomy)
from analytics.exceptions import AnnotationQAError


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_wide_missing_marker_on_a_table_without_blanks():
    """pandas returned a read-only mask (copy-on-write): `present &= …` raised ValueError."""
    frame = pd.DataFrame({"item_id": ["a", "b", "c"], "ann1": ["cat", "-1", "dog"]})
    aset = load_annotations(frame, format="wide", missing="-1")
    assert label_map(aset) == {("a", "ann1"): "cat", ("c", "ann1"): "dog"}


def test_wide_headerless_file_without_rows(tmp_path):
    with pytest.raises(AnnotationQAError):  # was IndexError: index 0 is out of bounds
        load_annotations(_write(tmp_path, "w.csv", '""\n'), format="wide", missing="-1")


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path):
    """JSON may escape half a UTF-16 pair (\\ud800); pandas/Arrow then failed with UnicodeEncodeError."""
    rows = ['{"item_id": "a", "annotator_id": "x", "label": "\\ud800"}',
            '{"item_id": "b", "annotator_id": "x", "label": "\\ud83d\\ude00"}']
    aset = load_annotations(_write(tmp_path, "t.jsonl", "\n".join(rows)))
    assert set(aset.categories) == {"\ufffd", "\U0001F600"}
    frame = pd.DataFrame({"item_id": ["a"], "annotator_id": ["x"], "label": pd.Series(["\ud800"], dtype=object)})
    assert load_annotations(frame).categories == ("\ufffd",)


@pytest.mark.parametrize("name, content", [
    ("deep.json", "[" * 5000 + "]" * 5000),                                   # document
    ("deep.jsonl", '{"item_id": 1, "label": ' + "[" * 5000 + "]" * 5000 + "}"),  # one line
    ("deep.csv", "item_id,annotator_id,label\n1,a," + "[" * 3000 + "]" * 3000 + "\n"),  # a JSON-list label cell
])
def test_deep_json_nesting_is_refused_with_the_limit(tmp_path, name, content):
    with pytest.raises(AnnotationFileError, match="max_json_depth"):  # was RecursionError
        load_annotations(_write(tmp_path, name, content))


def test_dataframe_with_repeated_index_labels():
    """Rows are told apart by index label; a repeated label merged two rows in the accounting."""
    frame = pd.DataFrame({"item_id": ["a", "a", "b"], "annotator_id": ["x", "y", "x"], "label": ["cat", "", "dog"]},
                         index=[0, 0, 1])
    aset = load_annotations(frame)
    assert (aset.report.rows_read, aset.report.rows_kept, aset.report.rows_skipped) == (3, 2, 1)


@pytest.mark.parametrize("source", [5, 3.5, None, b"a.csv", json])
def test_sources_of_the_wrong_type(source):
    with pytest.raises(InvalidParameterError):  # was TypeError from pathlib
        load_annotations(source)
    with pytest.raises(InvalidParameterError):
        load_taxonomy(source)
    with pytest.raises(InvalidParameterError):
        load_gold(source)


@pytest.mark.parametrize("entry", [{"name": "a", "examples": [{"x": 1}]}, {"name": ["a"]},
                                   {"name": "a", "unknown": "no"}])
def test_taxonomy_wrong_types(entry):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(AnnotationSchemaError):  # "no" was read as True (bool("no")): 'a' became Unknown
            load_taxonomy({"classes": [entry, {"name": "b"}]})


def test_taxonomy_single_example_given_as_a_number():
    tax = load_taxonomy({"classes": [{"name": "a", "examples": 5}, {"name": "Other", "unknown": True}]})
    assert tax["a"].examples == ("5",)  # was TypeError: 'int' object is not iterable



def test_parquet_with_a_damaged_string_page(tmp_path):
    """A flipped byte left invalid UTF-8 in a string column: pyarrow read it, then pandas failed with ArrowException."""
    path = tmp_path / "counts.parquet"
    pd.DataFrame({"item_id": ["img_0", "img_1"], "cat": [1, 2], "dog": [2, 1]}).to_parquet(path, compression=None)
    data = path.read_bytes()
    assert data.count(b"img_0") >= 1
    path.write_bytes(data.replace(b"img_0", b"img_\xff", 1))
    with pytest.raises(AnnotationFileError, match=r"counts.parquet' as Parquet .*Invalid UTF8"):
        load_annotations(path, format="counts")


def test_image_cell_too_long_for_a_file_name(tmp_path):
    """Relative image paths are looked up next to the file; a 6,000-character cell raised OSError (name too long)."""
    path = tmp_path / "a.csv"
    path.write_text("item_id,annotator_id,label,image\n1,x,cat," + "[" * 6000 + "\n2,x,dog,b.png\n")
    (tmp_path / "b.png").write_bytes(b"")
    aset = load_annotations(path)
    assert aset.frame["image"].tolist()[1] == str((tmp_path / "b.png").resolve())
