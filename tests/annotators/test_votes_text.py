"""The vote texts of the review routing are written once per distinct count row: the same texts as row by row."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.annotators.routing import _votes_rows, _votes_text


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 60), st.integers(1, 7), st.integers(1, 12), st.integers(0, 10_000))
def test_votes_text_per_distinct_row_equals_row_by_row(n, q, top, seed):
    counts = np.random.default_rng(seed).integers(0, top + 1, (n, q))
    names = [f"c{k}" for k in range(q)]
    assert _votes_text(counts, names).tolist() == _votes_rows(counts, names).tolist()
