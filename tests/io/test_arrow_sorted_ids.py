"""Id columns coded by sorting (``analytics.io._arrow._sorted_distinct``) give what hashing gave.

Ids (``first_appearance=False``) whose distinct values come from several Parquet dictionaries, or from the first
rows of runs of a CSV column, are unified by one Arrow sort instead of a hash table; the values then come in code
point order and the set does not sort them again (``Coded.ordered``). Each test compares with the straightforward
computation: :func:`pandas.factorize` of the column, and the set's own sort of its ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import load_annotations
from analytics._coded import Coded
from analytics._schema import _order_coded, id_order
from analytics.io._arrow import _sorted_distinct, encode_column

IDS = ["b", "a", "c", "a ", "", "é", "e\u0301", "item-10", "item-9", "\x00x", "x\x00", "zz", "Z", "10", "9"]


def check_coded(coded: Coded, values: list) -> None:
    """The codes decode to ``values``; the distinct values are sorted (code point order) when flagged."""
    assert coded.decode().tolist() == values
    present = [v for v in values if v is not None]
    assert sorted(set(coded.values[np.unique(coded.codes[coded.codes >= 0])].tolist())) == sorted(set(present))
    if coded.ordered:
        assert coded.values.tolist() == sorted(set(coded.values.tolist()))
        assert coded.arrow.to_pylist() == coded.values.tolist()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(IDS + [None]), min_size=1, max_size=60))
def test_sorted_distinct_equals_sorted_factorize(values):
    codes, dictionary = _sorted_distinct(pa.array(values, type=pa.string()))
    distinct = sorted({v for v in values if v is not None})
    assert dictionary.to_pylist() == distinct
    assert codes.tolist() == [-1 if v is None else distinct.index(v) for v in values]
    assert codes.dtype == np.int32


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(IDS + [None]), min_size=1, max_size=80), st.integers(1, 6))
def test_run_heads_of_ids_are_sorted_not_hashed(runs, n_chunks):
    """Rows of one item follow each other: the first rows of the runs are coded by sorting."""
    values = [v for v in runs for _ in range(3)]
    cuts = np.linspace(0, len(values), n_chunks + 1).astype(int)
    column = pa.chunked_array([pa.array(values[a:b], type=pa.string()) for a, b in zip(cuts[:-1], cuts[1:])],
                              type=pa.string())
    ids = encode_column(column, first_appearance=False)
    check_coded(ids, values)
    labels = encode_column(column)  # labels keep the order of their first row
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    assert labels.codes.tolist() == codes.tolist() and labels.values.tolist() == list(uniques)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(IDS + [None]), min_size=2, max_size=60), st.integers(1, 7))
def test_parquet_dictionaries_of_ids_are_merged_by_sorting(tmp_path_factory, values, group):
    path = tmp_path_factory.mktemp("groups") / "t.parquet"
    pq.write_table(pa.table({"item_id": pa.array(values, type=pa.string())}), path, row_group_size=group)
    column = pq.read_table(path, read_dictionary=["item_id"]).column("item_id")
    ids = encode_column(column, first_appearance=False)
    check_coded(ids, values)
    assert ids.ordered == (len({c.dictionary.to_pylist().__repr__() for c in column.chunks if len(c)}) > 1
                           and not any(c.dictionary.null_count for c in column.chunks))


def test_ordered_ids_rank_as_the_sort_of_the_set_would():
    """The set's ids of an ``ordered`` column equal its own text sort (:func:`id_order`), with unused values."""
    values = np.array(["a", "b", "item-1", "item-10", "item-9", "é"], dtype=object)
    codes = np.array([5, 2, 2, 0, 4, 3, 3], dtype=np.int32)  # "b" unused
    fast = _order_coded(Coded(codes, values, pa.array(values.tolist()), ordered=True))
    slow = _order_coded(Coded(codes, values))  # no Arrow values: numpy sorts them
    assert fast[1].tolist() == slow[1].tolist() == ["a", "item-1", "item-10", "item-9", "é"]
    assert fast[0].tolist() == slow[0].tolist()
    used = values[[0, 2, 3, 4, 5]]
    assert used[id_order(pd.Index(used), False)].tolist() == fast[1].tolist()


def test_many_row_groups_load_as_one_dictionary_would(tmp_path):
    """Row groups with their own dictionaries (ids split across groups, blanks, whitespace variants, a trailing
    NUL) load to the same set as one row group."""
    rng = np.random.default_rng(3)
    n = 4000
    items = np.array([f"it-{k // 4:04d}" for k in range(n)], dtype=object)
    items[rng.choice(n, 30, replace=False)] = " it-0007"
    items[rng.choice(n, 10, replace=False)] = ""
    items[rng.choice(n, 4, replace=False)] = "it-0009\x00"
    df = pd.DataFrame({"item_id": items, "annotator_id": [f"r{k % 4}" for k in range(n)],
                       "label": rng.choice(["cat", "dog", "Cat"], n)})
    table = pa.Table.from_pandas(df, preserve_index=False)
    outcomes = []
    for size in (n, 333):
        (tmp_path / str(size)).mkdir()
        path = tmp_path / str(size) / "t.parquet"  # one name: the report names the file
        pq.write_table(table, path, row_group_size=size)
        aset = load_annotations(path, duplicates="keep_last")
        outcomes.append((aset.item_ids.tolist(), aset.annotator_ids.tolist(), aset.item_codes.tolist(),
                         aset.annotator_codes.tolist(), aset.label_codes.tolist(), aset.report.to_dict()))
    assert outcomes[0] == outcomes[1]
