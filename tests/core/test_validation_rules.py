"""Every validation rule of the data contract (issue 2, item 3), with the message content asserted."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from analytics import (
    AnnotationFileError,
    AnnotationSchemaError,
    UnknownLabelError,
    load_annotations,
    load_taxonomy,
)


def tidy(rows, columns=("item_id", "annotator_id", "label")):
    return pd.DataFrame(rows, columns=list(columns))


def test_missing_required_columns_lists_missing_and_present():
    df = pd.DataFrame({"image_name": ["a"], "who": ["x"], "label": ["cat"]})
    with pytest.raises(AnnotationSchemaError) as err:
        load_annotations(df)
    msg = str(err.value)
    assert "item_id" in msg and "annotator_id" in msg
    assert "'image_name'" in msg and "'who'" in msg and "'label'" in msg
    assert "item=" in msg and "annotator=" in msg


def test_explicit_mapping_to_absent_column_names_it_with_close_matches():
    df = pd.DataFrame({"image": ["a"], "worker": ["x"], "answer": ["cat"]})
    with pytest.raises(AnnotationSchemaError) as err:
        load_annotations(df, item="imag")
    assert "item_id='imag'" in str(err.value) and "'image'" in str(err.value)


def test_blank_labels_are_skipped_and_reported():
    df = tidy([["i1", "a", "cat"], ["i1", "b", ""], ["i2", "a", None], ["i2", "b", "  "],
               ["i3", "a", np.nan], ["i3", "b", "dog"], ["i4", "a", "NA"]])
    aset = load_annotations(df)
    rep = aset.report
    assert aset.n_annotations == 2
    assert rep.rows_read == 7 and rep.rows_kept == 2 and rep.rows_skipped == 5
    assert rep.skipped_by_reason.to_dict() == {"blank_label": 5}
    assert sorted(rep.skipped["row"].tolist()) == [1, 2, 3, 4, 6]
    assert any("blank_label" in line and "label is empty" in line for line in rep.summary_lines())


def test_all_labels_blank_is_an_error_naming_rows():
    df = tidy([["i1", "a", ""], ["i2", "a", None]])
    with pytest.raises(AnnotationSchemaError) as err:
        load_annotations(df)
    msg = str(err.value)
    assert "No annotations left" in msg and "2 with a blank label" in msg and "row 0, 1" in msg


def test_blank_ids_are_skipped_with_their_own_reason():
    df = tidy([["i1", "a", "cat"], ["", "a", "dog"], ["i2", None, "dog"]])
    rep = load_annotations(df).report
    assert rep.skipped_by_reason.to_dict() == {"blank_item_id": 1, "blank_annotator_id": 1}


def test_duplicates_are_an_error_listing_them():
    df = tidy([["i1", "a", "cat"], ["i1", "a", "dog"], ["i2", "b", "cat"], ["i2", "b", "cat"], ["i3", "a", "x"]])
    with pytest.raises(AnnotationSchemaError) as err:
        load_annotations(df)
    msg = str(err.value)
    assert "2 (item_id, annotator_id) combinations" in msg
    assert "item 'i1' by 'a' at 0, 1" in msg and "item 'i2' by 'b' at 2, 3" in msg
    assert "duplicates='keep_last'" in msg


def test_duplicates_keep_last_and_keep_first_report_the_dropped_rows():
    df = tidy([["i1", "a", "cat"], ["i1", "a", "dog"], ["i1", "b", "dog"]])
    last = load_annotations(df, duplicates="keep_last")
    assert last.frame.set_index("annotator_id").loc["a", "label"] == "dog"
    assert last.report.skipped_by_reason.to_dict() == {"duplicate": 1}
    assert last.report.skipped["row"].tolist() == [0]
    first = load_annotations(df, duplicates="keep_first")
    assert first.frame.set_index("annotator_id").loc["a", "label"] == "cat"
    assert first.report.rows_read == first.report.rows_kept + first.report.rows_skipped


def test_same_item_and_annotator_in_different_rounds_is_not_a_duplicate():
    df = tidy([["i1", "a", "cat", "1"], ["i1", "a", "dog", "2"]], columns=("item_id", "annotator_id", "label", "round"))
    aset = load_annotations(df)
    assert aset.n_annotations == 2 and aset.rounds == ("1", "2")


def test_labels_outside_taxonomy_are_named_with_suggestions():
    tax = load_taxonomy({"classes": [{"name": "Shirt"}, {"name": "Blouse"}, {"name": "Other", "unknown": True}]})
    df = tidy([["i1", "a", "Shirt"], ["i1", "b", "Blouze"], ["i2", "a", "Sweater"]])
    with pytest.raises(UnknownLabelError) as err:
        load_annotations(df, taxonomy=tax)
    msg = str(err.value)
    assert "'Blouze' (1 row" in msg and "did you mean 'Blouse'" in msg
    assert "'Sweater'" in msg and "2 labels" in msg


def test_label_spelling_variants_are_normalized_and_reported():
    nfd = unicodedata.normalize("NFD", "Café")
    df = tidy([["i1", "a", "Café"], ["i1", "b", nfd], ["i2", "a", " cat "], ["i2", "b", "Cat"],
               ["i3", "a", "cat"], ["i3", "b", "cat"], ["i4", "a", "big  dog"], ["i4", "b", "big dog"]])
    aset = load_annotations(df)
    assert set(aset.categories) == {"Café", "cat", "big dog"}
    norm = aset.report.label_normalizations
    assert norm[nfd] == "Café" and norm[" cat "] == "cat" and norm["Cat"] == "cat" and norm["big  dog"] == "big dog"
    text = " ".join(aset.report.warnings)
    assert "'Cat' (1)" in text and "merged into 'cat'" in text
    assert "whitespace or another Unicode form" in text


def test_taxonomy_spelling_wins_when_variants_are_merged():
    tax = load_taxonomy({"classes": [{"name": "T-shirt"}, {"name": "Other", "unknown": True}]})
    aset = load_annotations(tidy([["i1", "a", "t-shirt"], ["i1", "b", "T-SHIRT"]]), taxonomy=tax)
    assert set(aset.frame["label"]) == {"T-shirt"}


def test_normalization_can_be_turned_off():
    aset = load_annotations(tidy([["i1", "a", "Cat"], ["i1", "b", "cat"]]), normalize_labels=False)
    assert set(aset.categories) == {"Cat", "cat"}


def test_numeric_labels_are_categories_not_floats():
    df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3], "annotator_id": ["a", "b", "a", "b", "a"],
                       "label": [1.0, 2.0, 10.0, np.nan, 2.0]})
    aset = load_annotations(df)
    assert aset.categories == ("1", "2", "10")  # numeric order, text values
    assert aset.frame["label"].map(type).eq(str).all()
    mixed = load_annotations(tidy([["i1", "a", "1"], ["i1", "b", "1.0"], ["i2", "a", "01"]]))
    assert mixed.categories == ("1",)
    assert "numeric labels written differently were unified" in " ".join(mixed.report.warnings)


def test_numeric_labels_from_csv_stay_text(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("item_id,annotator_id,label\n1,a,007\n1,b,7\n2,a,3\n")
    aset = load_annotations(path)
    assert aset.categories == ("3", "7")
    assert aset.item_ids.tolist() == ["1", "2"]


def test_single_annotator_and_single_category_load():
    one_annotator = load_annotations(tidy([["i1", "a", "cat"], ["i2", "a", "dog"]]))
    assert one_annotator.n_annotators == 1
    one_category = load_annotations(tidy([["i1", "a", "cat"], ["i1", "b", "cat"]]))
    assert one_category.categories == ("cat",)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("item_id,annotator_id,label\n1,a,cat\n2,b,dog,extra,cells\n", "Cannot parse"),
        ("", "is empty (0 bytes)"),
        ("\n\n\n", "has no rows"),
    ],
)
def test_unreadable_or_truncated_csv_gives_a_clear_error(tmp_path, content, expected):
    path = tmp_path / "broken.csv"
    path.write_text(content)
    with pytest.raises(AnnotationFileError) as err:
        load_annotations(path)
    assert expected in str(err.value) and "broken.csv" in str(err.value)


def test_truncated_json_and_parquet_and_binary(tmp_path):
    js = tmp_path / "t.json"
    js.write_text('[{"item_id": "1", "annotator_id": "a", "label": "cat"}, {"item_id": "2", "annot')
    with pytest.raises(AnnotationFileError, match="truncated"):
        load_annotations(js)
    pq = tmp_path / "t.parquet"
    pq.write_bytes(b"PAR1\x00\x01garbage")
    with pytest.raises(AnnotationFileError, match="Parquet"):
        load_annotations(pq)
    binary = tmp_path / "t.csv"
    binary.write_bytes(b"\x00\x01\x02\x03" * 10)
    with pytest.raises(AnnotationFileError, match="binary"):
        load_annotations(binary)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("item_id,annotator_id,label\n1,a,caf\xe9\n".encode("latin-1"))
    with pytest.raises(AnnotationFileError, match="UTF-8"):
        load_annotations(latin)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(AnnotationFileError, match="File not found"):
        load_annotations(tmp_path / "nope.csv")
    with pytest.raises(AnnotationFileError, match="directory"):
        load_annotations(tmp_path)


def test_bad_timestamps_and_durations_are_kept_and_reported():
    df = pd.DataFrame({"item_id": ["i1", "i2", "i3"], "annotator_id": ["a", "a", "a"], "label": ["x", "y", "x"],
                       "timestamp": ["2026-03-02T09:15:30Z", "yesterday", None], "duration_s": ["3.5", "-1", "abc"]})
    aset = load_annotations(df)
    assert aset.n_annotations == 3
    assert str(aset.frame["timestamp"].dtype).startswith("datetime64") and aset.frame["timestamp"].isna().sum() == 2
    assert aset.frame["duration_s"].tolist()[0] == 3.5 and aset.frame["duration_s"].isna().sum() == 2
    text = " ".join(aset.report.warnings)
    assert "1 timestamp could not be read" in text and "'yesterday'" in text
    assert "2 durations" in text


def test_unknown_format_and_option_are_parameter_errors():
    from analytics import InvalidParameterError

    df = tidy([["i1", "a", "cat"]])
    with pytest.raises(InvalidParameterError, match="Unknown format"):
        load_annotations(df, format="excel")
    with pytest.raises(InvalidParameterError, match="duplicates="):
        load_annotations(df, duplicates="drop")
    with pytest.raises(InvalidParameterError, match="missing= applies to wide"):
        load_annotations(df, format="tidy", missing="-1")
    with pytest.raises(InvalidParameterError, match="does not apply"):
        load_annotations(df, format="tidy", annotator_id="x")
