"""Issue 17 point 4: the agreement summary in at most three passes over the partitions, loading in two reads of
the input, and results equal to the in-memory path on seeded random sets with ids that cleaning changes."""

from __future__ import annotations

import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import analytics as aqa
from analytics.dask_backend._arrow_text import clean_text_rows, item_buckets
from analytics.exceptions import DataQualityWarning
from dask_helpers import annotations_frame, assert_tables_close, write_parts

#: Tasks that map a kernel over the partitions of a loaded set (one per partition per pass).
PASS_TASKS = ("apply", "apply_many")


def _prefixes(events: list[dict]) -> list[str]:
    from dask.utils import key_split

    return [key_split(e["key"]) for e in events]


def _messy_ids(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Item ids that cleaning changes or blanks: surrounding and inner whitespace, NFD accents, missing markers."""
    rng = np.random.default_rng(seed + 7)
    df = df.copy()
    ids = df["item_id"].astype(object)
    picks = rng.choice(len(df), size=40, replace=False)
    for k, i in enumerate(picks):
        if ids.iloc[i] is None:
            continue
        v = str(ids.iloc[i])
        kind = k % 5
        ids.iloc[i] = (f"  {v}" if kind == 0 else f"{v}\t" if kind == 1 else v.replace("-", " \u00a0 - ")
                       if kind == 2 else unicodedata.normalize("NFD", f"é{v}") if kind == 3 else "N/A")
    accented = np.flatnonzero(ids.astype(str).str.startswith("é").to_numpy())  # NFC spelling of the same ids
    ids.iloc[accented[: len(accented) // 2]] = ids.iloc[accented[: len(accented) // 2]].map(
        lambda v: unicodedata.normalize("NFC", v))
    df["item_id"] = ids
    return df


def _quiet_summary(aset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        warnings.simplefilter("ignore", aqa.UndefinedMetricWarning)
        return aqa.agreement_summary(aset, by_round=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_summary_in_two_passes_and_equal_to_in_memory(dask_client, tmp_path, seed):
    from distributed import get_task_stream

    df = _messy_ids(annotations_frame(seed, n_items=300, rounds=False), seed)
    paths = write_parts(df, tmp_path, n_files=3, seed=seed, row_group_size=100)
    memory = aqa.load_annotations([str(p) for p in paths])
    with get_task_stream(dask_client) as loading:
        lake = aqa.load_annotations(str(tmp_path / "*.parquet"), backend="dask", scheduler=dask_client,
                                    npartitions=4)
    try:
        tasks = _prefixes(loading.data)
        pieces = tasks.count("summarize_piece")
        assert pieces >= 3 and tasks.count("code_piece") == pieces  # the input is read twice, no more
        assert (lake.n_items, lake.n_annotations) == (memory.n_items, memory.n_annotations)
        assert lake.report.rows_skipped == memory.report.rows_skipped
        assert lake.report.warnings == memory.report.warnings
        assert sorted(lake.item_ids) == sorted(memory.item_ids)
        with get_task_stream(dask_client) as summary_stream:
            actual = _quiet_summary(lake)
        passes = sum(p in PASS_TASKS for p in _prefixes(summary_stream.data)) / len(lake.partitions)
        print(f"seed {seed}: {len(lake.partitions)} partitions, summary in {passes:g} passes")
        assert passes <= 3
        assert passes == 2  # the per-item sums, then every squared deviation around the point estimates
        expected = _quiet_summary(memory)
        assert_tables_close(actual.table, expected.table)
        assert actual.sentence == expected.sentence
    finally:
        lake.close()


def test_without_the_fusion_the_same_counter_sees_a_pass_per_sum(dask_client, tmp_path, monkeypatch):
    """The counter sees every pass: with prefetching switched off the summary asks for its sums one by one."""
    from distributed import get_task_stream

    from analytics.dask_backend import DaskAnnotationSet

    df = annotations_frame(4, n_items=200, rounds=False, messy=False)
    write_parts(df, tmp_path, n_files=2)
    lake = aqa.load_annotations(str(tmp_path / "*.parquet"), backend="dask", scheduler=dask_client, npartitions=3)
    try:
        monkeypatch.setattr(DaskAnnotationSet, "prefetch", lambda self, calls: 0)
        with get_task_stream(dask_client) as stream:
            _quiet_summary(lake)
        passes = sum(p in PASS_TASKS for p in _prefixes(stream.data)) / len(lake.partitions)
        print(f"without fusion: {passes:g} passes")
        assert passes >= 10
    finally:
        lake.close()


@pytest.mark.parametrize("values", [
    ["a", " a", "a ", "a  b", "a\tb", None, "", "NA", "n/a", "caf\u0065\u0301", "caf\u00e9", "x" * 40, " ", "b"],
    ["img-0001", "img-0002", "img-0001"],
    [],
])
def test_row_cleaning_of_item_ids_equals_clean_id_column(values):
    import pyarrow as pa

    from analytics._labels import clean_id_column

    cleaned, changed = clean_text_rows(pa.chunked_array([pa.array(values, type=pa.string())]))
    expected, expected_changed = clean_id_column(pd.Series(values, dtype=object))
    as_list = cleaned.astype(object).where(cleaned.notna(), None).tolist()
    assert as_list == expected.where(expected.notna(), None).tolist()
    assert changed == expected_changed


def test_item_buckets_depend_on_the_id_only():
    import pyarrow as pa

    rng = np.random.default_rng(0)
    ids = [f"item-{i}" * int(rng.integers(1, 4)) for i in range(2000)] + ["", "a", "abcdefgh", "abcdefghi"]
    whole = item_buckets(pa.array(ids), 7)
    order = rng.permutation(len(ids))
    shuffled = item_buckets(pa.array([ids[i] for i in order]), 7)
    assert (shuffled == whole[order]).all()  # the same id lands in the same bucket wherever it sits
    sliced = item_buckets(pa.array(ids).slice(100, 500), 7)
    assert (sliced == whole[100:600]).all()
    counts = np.bincount(whole, minlength=7)
    assert counts.min() > 0.8 * len(ids) / 7  # spread evenly


def test_the_p2p_shuffle_for_many_pieces_gives_the_same_set(dask_client, tmp_path, monkeypatch):
    """Above SPLIT_TASKS piece × partition transfers the rows go through Dask's p2p shuffle: same results."""
    from analytics.dask_backend import _load

    df = _messy_ids(annotations_frame(5, n_items=250, rounds=True), 5)
    paths = write_parts(df, tmp_path, n_files=3, seed=5)
    memory = aqa.load_annotations([str(p) for p in paths], duplicates="keep_last")
    monkeypatch.setattr(_load, "SPLIT_TASKS", 0)
    lake = aqa.load_annotations(str(tmp_path / "*.parquet"), backend="dask", scheduler=dask_client, npartitions=3,
                                duplicates="keep_last")
    try:
        assert (lake.n_items, lake.n_annotations) == (memory.n_items, memory.n_annotations)
        assert lake.report.rows_skipped == memory.report.rows_skipped
        assert_tables_close(_quiet_summary(lake).table, _quiet_summary(memory).table)
    finally:
        lake.close()
