"""``_already_clean`` without the regular expression on clean text gives what the regular expression gave.

The test of already-clean ASCII ids was one regular expression over every distinct id; it now runs plain
kernels (leading, trailing and double spaces) and the expression only when the text holds another ASCII
whitespace byte. Pinned against the straightforward computation: the expression itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics._labels import _ASCII_UNCLEAN, _MISSING, MISSING_MARKERS, _already_clean, _holds_space_bytes

_pieces = st.sampled_from(["a", "Z", "7", "-", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x1b",
                           "\x00", "\u00a0", "é", "İ"] + list(MISSING_MARKERS) + [m.upper() for m in MISSING_MARKERS])
_values = st.lists(st.one_of(st.none(), st.lists(_pieces, max_size=4).map("".join)), min_size=1, max_size=40)


def regex_version(arr):
    ok = pc.and_(pc.string_is_ascii(arr), pc.greater(pc.utf8_length(arr), 0))
    ok = pc.and_(ok, pc.invert(pc.match_substring_regex(arr, _ASCII_UNCLEAN)))
    ok = pc.and_(ok, pc.invert(pc.is_in(pc.utf8_lower(arr), value_set=pa.array(sorted(_MISSING)))))
    return np.asarray(ok.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


@settings(max_examples=150, deadline=None)
@given(_values, st.booleans(), st.integers(0, 3))
def test_kernels_equal_the_regular_expression(values, large, cut):
    arr = pa.array(values, type=pa.large_string() if large else pa.string())
    arr = arr.slice(min(cut, len(arr) - 1))  # an offset into the buffers, as a chunk of a column has
    assert _already_clean(arr).tolist() == regex_version(arr).tolist()


def test_space_bytes_are_found_in_the_slice_only():
    arr = pa.array(["a\tb", "ab", "cd"])
    assert _holds_space_bytes(arr) and not _holds_space_bytes(arr.slice(1))
    assert not _holds_space_bytes(pa.array(["", None]))
    assert _holds_space_bytes(pa.chunked_array([["ab"], ["c\nd"]])) and not _holds_space_bytes(pa.chunked_array([["ab"]]))


def test_long_ids_found_by_characters_not_bytes():
    """The byte-length shortcut of ``_long_values`` flags exactly the ids with more characters than the limit."""
    from analytics._coded import Coded
    from analytics._validate import _long_values

    values = np.array(["abc", "ééé", "abcd", "éééé", "unused-long"], dtype=object)
    codes = np.array([0, 1, 2, 3, 0], dtype=np.int64)
    for arrow in (pa.array(values.tolist()), None):
        coded = Coded(codes, values, arrow)
        for limit in (2, 3, 4, 6, 20):
            expected = [v for v in values[:4] if len(v) > limit]
            assert _long_values(coded, limit).tolist() == expected
