"""Loading on the Dask backend: the data contract per partition, an import report that adds up, clear errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

import analytics as aqa
from analytics.exceptions import (
    AnnotationFileError,
    AnnotationSchemaError,
    DataQualityWarning,
    InvalidParameterError,
    UnknownLabelError,
)
from dask_helpers import annotations_frame, assert_tables_close, write_parts

REPORT_FIELDS = ("source", "format", "unit", "rows_read", "rows_kept", "warnings", "notes", "label_field",
                 "column_mapping", "label_normalizations", "n_annotations")


def _same_report(actual, expected) -> None:
    for name in REPORT_FIELDS:
        assert getattr(actual, name) == getattr(expected, name), name
    assert_tables_close(actual.skipped.reset_index(drop=True), expected.skipped.reset_index(drop=True))
    assert actual.rows_skipped == expected.rows_skipped and actual.is_complete and expected.is_complete


def test_import_report_equals_in_memory(pilot):
    memory, dask_set, _ = pilot
    _same_report(dask_set.report, memory.report)
    reasons = dask_set.report.skipped_by_reason.to_dict()
    assert reasons == {"blank_label": 5, "blank_item_id": 1, "blank_annotator_id": 1}
    assert dask_set.report.label_normalizations == {"CAT": "cat"}
    assert any("whitespace removed from 0 item ids and 3 annotator ids" in w for w in dask_set.report.warnings)


def test_csv_files_and_extra_columns(dask_client, tmp_path):
    df = annotations_frame(1, n_items=60).assign(camera="c1", duration=3.5)
    paths = write_parts(df, tmp_path, n_files=3, kind="csv")
    memory = aqa.load_annotations([str(p) for p in paths])
    dask_set = aqa.load_annotations(tmp_path, backend="dask", scheduler=dask_client, npartitions=2)
    assert dask_set.report.unit == "line"
    assert dask_set.report.notes == (
        "the Dask backend reads item, annotator, label, round and image only; not loaded: camera, duration.",)
    kept_roles = {k: v for k, v in memory.report.column_mapping.items() if k != "duration_s"}
    _same_report(dataclasses.replace(dask_set.report, notes=()),
                 dataclasses.replace(memory.report, notes=(), column_mapping=kept_roles))
    with pytest.warns(DataQualityWarning, match="several rounds"):
        on_dask = aqa.agreement_summary(dask_set, by_round=False).table
    with pytest.warns(DataQualityWarning, match="several rounds"):
        assert_tables_close(on_dask, aqa.agreement_summary(memory, by_round=False).table)


def test_a_dask_dataframe_with_a_column_mapping(dask_client):
    df = annotations_frame(2, n_items=80, rounds=False).rename(
        columns={"item_id": "question", "annotator_id": "worker", "label": "answer"})
    memory = aqa.load_annotations(df)
    dask_set = aqa.load_annotations(dd.from_pandas(df, npartitions=3), scheduler=dask_client, npartitions=2)
    assert dask_set.report.column_mapping == {"item_id": "question", "annotator_id": "worker", "label": "answer"}
    assert dask_set.report.skipped["row"].tolist() == [r + 1 for r in memory.report.skipped["row"]]  # rows from 1
    assert dask_set.report.rows_skipped == memory.report.rows_skipped and dask_set.report.is_complete
    a, b = aqa.fleiss_kappa(dask_set), aqa.fleiss_kappa(memory)
    assert (a.value, a.standard_error) == pytest.approx((b.value, b.standard_error), rel=1e-12)


def test_duplicates_after_the_shuffle(dask_client, tmp_path):
    df = annotations_frame(4, n_items=50, rounds=False, messy=False)
    dup = pd.concat([df, df.iloc[[3, 10]].assign(label="fox")], ignore_index=True)
    paths = write_parts(dup, tmp_path, n_files=3)
    with pytest.raises(AnnotationSchemaError) as in_memory:
        aqa.load_annotations([str(p) for p in paths])
    with pytest.raises(AnnotationSchemaError) as on_dask:
        aqa.load_annotations(tmp_path, backend="dask", scheduler=dask_client, npartitions=2)
    assert str(on_dask.value) == str(in_memory.value)
    assert "2 (item_id, annotator_id) combinations occur more than once" in str(on_dask.value)
    memory = aqa.load_annotations([str(p) for p in paths], duplicates="keep_last")
    dask_set = aqa.load_annotations(tmp_path, backend="dask", scheduler=dask_client, npartitions=2,
                                    duplicates="keep_last")
    _same_report(dask_set.report, memory.report)
    assert dask_set.report.skipped_by_reason.to_dict() == {"duplicate": 2}
    assert_tables_close(aqa.agreement_summary(dask_set).table, aqa.agreement_summary(memory).table)


def test_labels_outside_the_declared_categories_are_named_with_counts(dask_client, tmp_path):
    paths = write_parts(annotations_frame(6, n_items=40, rounds=False, messy=False), tmp_path, n_files=2)
    with pytest.raises(UnknownLabelError) as in_memory:
        aqa.load_annotations([str(p) for p in paths], categories=["cat", "dog", "bird"])
    with pytest.raises(UnknownLabelError) as on_dask:
        aqa.load_annotations(tmp_path, backend="dask", scheduler=dask_client, categories=["cat", "dog", "bird"])
    in_memory_text = str(in_memory.value)
    assert str(on_dask.value) == in_memory_text[:in_memory_text.index(", e.g.")] + in_memory_text[
        in_memory_text.index(")", in_memory_text.index(", e.g.")):]  # the same, without example rows


def test_unsupported_options_and_bad_sources_fail_clearly(dask_client, tmp_path):
    with pytest.raises(AnnotationFileError, match="No Parquet, CSV or TSV file matches"):
        aqa.load_annotations(str(tmp_path / "*.parquet"), backend="dask", scheduler=dask_client)
    paths = write_parts(annotations_frame(7, n_items=20, rounds=False, messy=False), tmp_path, n_files=1)
    with pytest.raises(InvalidParameterError, match=r"\['predictions'\] do(es)? not apply to backend='dask'"):
        aqa.load_annotations(paths[0], backend="dask", scheduler=dask_client, predictions=tmp_path / "p.csv")
    with pytest.raises(AnnotationSchemaError, match="no column named label='answer'"):
        aqa.load_annotations(paths[0], backend="dask", scheduler=dask_client, label="answer")
    with pytest.raises(InvalidParameterError, match="backend="):
        aqa.load_annotations(paths[0], backend="spark")


def test_image_references_outside_the_folder_are_refused_as_in_memory(dask_client, tmp_path):
    """Issue 21: the Dask backend applies the same image rule per file, and its import report lists the same
    refusals (reason image_refused, scope annotation) as the in-memory loader."""
    df = annotations_frame(2, n_items=40)
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"x")
    refs = np.array(["img/a.png", "../secret.png", "/etc/passwd", "https://cdn.example.org/1.jpg"], dtype=object)
    df = df.assign(image=refs[np.arange(len(df)) % 4])
    paths = write_parts(df, tmp_path, n_files=2, kind="csv")
    memory = aqa.load_annotations([str(p) for p in paths])
    dask_set = aqa.load_annotations([str(p) for p in paths], backend="dask", scheduler=dask_client, npartitions=2)
    skipped = memory.report.skipped
    refused = skipped[skipped["reason"] == "image_refused"]
    assert (refused["scope"] == "annotation").sum() > len(df) // 3  # half the references point outside
    key = ["source", "row", "reason", "detail", "scope"]
    dask_refused = dask_set.report.skipped[dask_set.report.skipped["reason"] == "image_refused"]
    assert sorted(map(tuple, dask_refused[key].astype(str).values)) == sorted(map(tuple, refused[key].astype(str).values))
    assert dask_set.report.is_complete and dask_set.report.rows_skipped == memory.report.rows_skipped
    assert dask_set.report.notes == memory.report.notes
    with pytest.raises(InvalidParameterError, match="image_root=.*is not a folder"):
        aqa.load_annotations([str(p) for p in paths], backend="dask", scheduler=dask_client,
                             image_root=tmp_path / "nope")
