"""A partition's item ids ordered by Arrow (``_text_ordered_ids``) give the codes and order of
:func:`analytics._schema.id_order`, the in-memory set's rule (numeric when every id is an integer, else text)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics._schema import id_order, n_non_integer_ids
from analytics.dask_backend._pieces import ITEM_DTYPE, _order_item_ids, _text_ordered_ids


def _python_order(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """The rule as written before the Arrow path: factorize, then :func:`id_order` on the distinct ids as text."""
    codes, uniques = pd.factorize(values, sort=False)
    uniq = pd.Index(uniques.astype(str), dtype=object)
    numeric = bool(len(uniq)) and n_non_integer_ids(uniq) == 0
    order = id_order(uniq, numeric)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], [str(v) for v in np.asarray(uniq)[order]]


_PIECES = ["a", "b", "Z", "é", "e\u0301", "日本", "0", "9", "07", " ", "-", "\U0001F600", "x\x00", "10"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3).map("".join), min_size=1, max_size=80))
def test_arrow_order_equals_the_python_rule(ids):
    values = pd.Series(pd.array(ids, dtype=ITEM_DTYPE))
    codes, ordered = _order_item_ids(values)
    expected_codes, expected_ids = _python_order(values)
    assert codes.tolist() == expected_codes.tolist()
    assert [str(v) for v in ordered] == expected_ids


def test_the_arrow_path_is_taken_for_text_ids_only():
    text = pd.Series(pd.array(["item-b", "item-a", "item-b"], dtype=ITEM_DTYPE))
    codes, ids = _text_ordered_ids(text)
    assert codes.tolist() == [1, 0, 1] and ids.tolist() == ["item-a", "item-b"] and ids.dtype == ITEM_DTYPE
    assert _text_ordered_ids(pd.Series(pd.array(["10", "9", "10"], dtype=ITEM_DTYPE))) is None  # numeric order
    assert _text_ordered_ids(pd.Series(["b", "a"], dtype=object)) is None  # not Arrow strings
    assert _text_ordered_ids(pd.Series(pd.array(["a\x00", "a"], dtype=ITEM_DTYPE))) is None  # trailing NUL
