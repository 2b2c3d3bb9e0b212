"""Size and shape limits: defaults, environment variables, ``limits=``, and one clear message per violation
(naming the limit, the value found and how to raise it)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import (AnnotationFileError, AnnotationSchemaError, InvalidParameterError, Limits, load_annotations,
                       load_gold, load_predictions, load_taxonomy)
from analytics._json import json_depth, repair_surrogates
from analytics.limits import current_limits, use_limits


def _assert_limit_message(exc_info, name, found):
    message = str(exc_info.value)
    assert f"{name}=" in message, message
    assert f"{found:,}" in message if isinstance(found, int) else found in message, message
    assert Limits.env_var(name) in message and "limits=Limits(" in message, message


def _tidy(n_rows=6, labels=None, items=None, annotators=None):
    labels = labels or ["cat", "dog", "cat", "dog", "cat", "dog"][:n_rows]
    return pd.DataFrame({"item_id": items or [f"i{k // 2}" for k in range(n_rows)],
                         "annotator_id": annotators or [f"a{k % 2}" for k in range(n_rows)], "label": labels})


def test_defaults_sit_far_above_a_pilot():
    limits = Limits()
    assert limits.max_file_bytes == 2 * 1024**3
    assert (limits.max_rows, limits.max_columns, limits.max_categories) == (10_000_000, 20_000, 20_000)
    assert (limits.max_text_length, limits.max_json_depth) == (4_096, 64)


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("AQA_MAX_ROWS", "1_000")
    monkeypatch.setenv("AQA_MAX_JSON_DEPTH", " 10 ")
    assert (current_limits().max_rows, current_limits().max_json_depth) == (1000, 10)
    monkeypatch.setenv("AQA_MAX_CATEGORIES", "many")
    with pytest.raises(InvalidParameterError, match="AQA_MAX_CATEGORIES='many' is not a whole number"):
        current_limits()


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "10"])
def test_limits_must_be_positive_whole_numbers(bad):
    with pytest.raises(InvalidParameterError, match="max_rows must be a positive whole number"):
        Limits(max_rows=bad)


def test_explicit_limits_win_over_the_environment_and_reach_attached_files(monkeypatch, tmp_path):
    monkeypatch.setenv("AQA_MAX_TEXT_LENGTH", "2")
    gold = tmp_path / "gold.csv"
    gold.write_text("item_id,gold_label\ni0,cat\n")
    aset = load_annotations(_tidy(), gold=gold, limits=Limits(max_text_length=50))
    assert aset.has_gold
    with pytest.raises(AnnotationSchemaError, match="max_text_length"):
        load_annotations(_tidy())
    with use_limits(Limits(max_text_length=50)):
        assert load_annotations(_tidy()).n_annotations == 6  # an enclosing block is kept by limits=None


def test_file_size(tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    _tidy().to_csv(path, index=False)
    size = path.stat().st_size
    with pytest.raises(AnnotationFileError) as exc:
        load_annotations(path, limits=Limits(max_file_bytes=size - 1))
    _assert_limit_message(exc, "max_file_bytes", size)
    monkeypatch.setenv("AQA_MAX_FILE_BYTES", str(size - 1))
    with pytest.raises(AnnotationFileError, match="AQA_MAX_FILE_BYTES"):
        load_annotations(path)
    with pytest.raises(AnnotationFileError, match="max_file_bytes"):
        load_gold(path)
    tax = tmp_path / "t.yaml"
    tax.write_text("classes: [" + ", ".join(f"c{k}" for k in range(100)) + "]\n")
    with pytest.raises(AnnotationFileError, match="max_file_bytes"):
        load_taxonomy(tax)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
def test_rows_of_a_table_file(tmp_path, suffix):
    frame = _tidy()
    path = tmp_path / f"a{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in frame.to_dict("records")))
    elif suffix == ".json":
        path.write_text(json.dumps(frame.to_dict("records")))
    else:
        frame.to_parquet(path)
    with pytest.raises(AnnotationSchemaError) as exc:
        load_annotations(path, limits=Limits(max_rows=5))
    assert "max_rows=5 records" in str(exc.value) and "AQA_MAX_ROWS" in str(exc.value)
    assert load_annotations(path, limits=Limits(max_rows=6)).n_annotations == 6


def test_rows_of_tool_exports_dataframes_and_expansions(tmp_path):
    tasks = [{"id": k, "data": {}, "annotations": [{"id": 10 + k, "completed_by": 1, "result": [
        {"type": "choices", "from_name": "a", "to_name": "i", "value": {"choices": ["cat"]}}]}]} for k in range(4)]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks))
    with pytest.raises(AnnotationSchemaError, match=r"'ls.json' has too many annotations.*max_rows=3"):
        load_annotations(path, limits=Limits(max_rows=3))
    with pytest.raises(AnnotationSchemaError, match=r"The DataFrame has too many rows: 6 records.*max_rows=5"):
        load_annotations(_tidy(), limits=Limits(max_rows=5))
    counts = pd.DataFrame({"item_id": ["a", "b"], "cat": [3, 2**31 - 1], "dog": [0, 5]})
    with pytest.raises(AnnotationSchemaError) as exc:  # each count becomes an annotation: 2**31 + 7 of them
        load_annotations(counts, format="counts")
    _assert_limit_message(exc, "max_rows", 2**31 + 7)
    wide = pd.DataFrame({"item_id": ["a", "b"], "x": ["cat", "dog"], "y": ["cat", "cat"]})
    with pytest.raises(AnnotationSchemaError, match="max_rows=3"):
        load_annotations(wide, format="wide", limits=Limits(max_rows=3))


def test_columns(tmp_path):
    wide = pd.DataFrame({f"ann{k}": ["cat", "dog"] for k in range(30)}).assign(item_id=["a", "b"])
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    with pytest.raises(AnnotationSchemaError) as exc:  # refused from the first line, before pandas reads it
        load_annotations(path, format="wide", limits=Limits(max_columns=20))
    assert "the first line of 'wide.csv' has too many fields" in str(exc.value) and "max_columns=20" in str(exc.value)
    wide.to_parquet(tmp_path / "wide.parquet")
    with pytest.raises(AnnotationSchemaError, match="31 columns, above the limit max_columns=20"):
        load_annotations(tmp_path / "wide.parquet", format="wide", limits=Limits(max_columns=20))
    with pytest.raises(AnnotationSchemaError, match="max_columns=20"):
        load_annotations(wide, format="wide", limits=Limits(max_columns=20))
    lines = tmp_path / "keys.jsonl"  # every record brings new keys: the union of keys is the column count
    lines.write_text("\n".join(json.dumps({"item_id": k, "annotator_id": "a", "label": "x", f"extra{k}": 1})
                               for k in range(30)))
    with pytest.raises(AnnotationSchemaError, match="distinct keys.*max_columns=20"):
        load_annotations(lines, limits=Limits(max_columns=20))


def test_categories_and_taxonomy_classes(tmp_path):
    frame = _tidy(n_rows=6, labels=[f"class {k}" for k in range(6)])
    with pytest.raises(AnnotationSchemaError) as exc:
        load_annotations(frame, limits=Limits(max_categories=5))
    _assert_limit_message(exc, "max_categories", 6)
    taxonomy = {"classes": [{"name": f"c{k}"} for k in range(6)]}
    with pytest.raises(AnnotationSchemaError, match="declares too many classes: 6 categories"):
        load_taxonomy(taxonomy, limits=Limits(max_categories=5))


@pytest.mark.parametrize("column", ["item_id", "annotator_id"])
def test_text_length_of_ids(column):
    frame = _tidy()
    frame.loc[0, column] = "x" * 41
    with pytest.raises(AnnotationSchemaError) as exc:
        load_annotations(frame, limits=Limits(max_text_length=40))
    _assert_limit_message(exc, "max_text_length", 41)
    assert {"item_id": "A item id", "annotator_id": "A annotator id"}[column] in str(exc.value)


def test_a_label_above_the_text_limit_is_a_skipped_row():
    """Issue 21: one over-long label no longer stops the load; its row is skipped with the limit named."""
    frame = _tidy()
    frame.loc[0, "label"] = "x" * 41
    aset = load_annotations(frame, limits=Limits(max_text_length=40))
    skipped = aset.report.skipped
    assert skipped[["row", "reason"]].values.tolist() == [[0, "label_too_long"]]
    assert "max_text_length" in skipped["detail"].iloc[0] and aset.n_annotations == len(frame) - 1


def test_text_length_of_gold_predictions_and_class_names():
    long = "y" * 41
    with pytest.raises(AnnotationSchemaError, match="gold label is too long"):
        load_gold(pd.DataFrame({"item_id": ["a"], "gold_label": [long]}), limits=Limits(max_text_length=40))
    with pytest.raises(AnnotationSchemaError, match="class column name is too long"):
        load_predictions(pd.DataFrame({"item_id": ["a"], long: [1.0]}), limits=Limits(max_text_length=40))
    with pytest.raises(AnnotationSchemaError, match="class name is too long"):
        load_taxonomy({"classes": [{"name": long}]}, limits=Limits(max_text_length=40))


def test_json_depth_limit_and_raising_it(tmp_path):
    record = {"item_id": "a", "annotator_id": "x", "label": "cat", "meta": json.loads("[" * 69 + "]" * 69)}
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(record))
    with pytest.raises(AnnotationFileError) as exc:
        load_annotations(path)
    _assert_limit_message(exc, "max_json_depth", 70)
    assert load_annotations(path, limits=Limits(max_json_depth=100)).n_annotations == 1


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n\u00e9\ud83d', max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[{"\\k', max_size=3), inner,
                                                                max_size=3),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 1]))
def test_json_depth_matches_the_parsed_depth(value, indent):
    """The text scan agrees with the depth of the parsed value, brackets, quotes and backslashes in strings included."""
    assert json_depth(json.dumps(value, indent=indent)) == _depth(value)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=8) | st.sampled_from(["\ud800", "\udc00", "\ud83d\ude00", "\\ud800", "\\"]),
                max_size=5))
def test_repair_surrogates_keeps_text_and_removes_lone_halves(texts):
    repaired = json.loads(repair_surrogates(json.dumps(texts)))
    expected = [re.sub("[\ud800-\udfff]", "\ufffd", json.loads(json.dumps(t))) for t in texts]  # pairs combine
    assert repaired == expected
    json.dumps(repaired, ensure_ascii=False).encode("utf-8")  # encodable now


def test_limit_checks_do_not_change_ordinary_loads(tmp_path):
    frame = _tidy()
    generous = load_annotations(frame, limits=Limits(max_rows=10**9, max_text_length=10**6))
    default = load_annotations(frame)
    assert generous.categories == default.categories
    assert np.array_equal(generous.label_codes, default.label_codes)
