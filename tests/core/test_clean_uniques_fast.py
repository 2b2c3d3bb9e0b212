"""The Arrow fast path of ``clean_uniques`` gives exactly ``clean_text`` of every value."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics._labels import MISSING_MARKERS, clean_text, clean_uniques

# ids as exported: mostly plain ASCII, some with odd whitespace, control characters, accents, markers
_pieces = st.sampled_from(["a", "Z", "7", "-", "_", " ", "  ", "\t", "\n", "\x0b", "\x1c", "\x1f", "\x00", "\u00a0",
                           "\u2003", "\x85", "é", "e\u0301", "İ", "ß"] + list(MISSING_MARKERS))
_values = st.lists(_pieces, min_size=0, max_size=4).map("".join)


@settings(max_examples=30, deadline=None)
@given(st.lists(_values, min_size=1, max_size=60, unique=True), st.booleans())
def test_fast_path_equals_clean_text(values, arrow):
    padded = values + [f"id-{i:05d}" for i in range(1001)]  # over 1000 values: the vectorized path
    index = pd.Index(padded, dtype="string[pyarrow]" if arrow else object)
    assert clean_uniques(index) == [clean_text(v) for v in padded]
