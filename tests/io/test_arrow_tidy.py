"""The Arrow reading path of tidy tables (``analytics.io._arrow``) gives exactly what the pandas path gives.

Tidy CSV/TSV/Parquet files are read with Arrow into coded columns; files Arrow cannot read as pandas would are
read with pandas. Every test loads the same file both ways (the pandas way by switching the Arrow path off)
and compares the whole result: the table, ids, codes, categories and the import report, or the error raised.
"""

from __future__ import annotations

import csv
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analytics.io.tidy as tidy
from analytics import load_annotations
from analytics._coded import Coded, coded_from_series, merge_values
from analytics.exceptions import AnnotationQAError, AnnotationSchemaError
from analytics.io._arrow import encode_column
from analytics.io._quotes import quoted_specials
from analytics.limits import Limits

ID_PIECES = ["i1", "i2", " i1", "i1 ", "I1", "", "NA", "null", "01", "1", "1.0", "é", unicodedata.normalize("NFD", "é"),
             "a\tb", "a  b", "None", "x,y", 'q"q', "#N/A", "n/a", "it\x1f"]
LABELS = ["cat", "Cat", " cat", "CAT", "dog", "Dog", "", "NA", "1", "1.0", "01", "2", "Café",
          unicodedata.normalize("NFD", "Café"), "big  dog", "big dog", "None", "Unknown", "nan", "x\u00a0y"]


def outcome(source, monkeypatch, *, arrow: bool, **options):
    """Everything a load gives (or the error), with the Arrow path on or off."""
    with monkeypatch.context() as m:
        if not arrow:
            m.setattr(tidy, "read_coded_tidy", lambda *a, **k: None)
        try:
            aset = load_annotations(source, **options)
        except AnnotationQAError as exc:
            return ("error", type(exc).__name__, str(exc))
    frame = aset.frame
    return ("ok", list(frame.columns), [str(t) for t in frame.dtypes],
            {c: [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in frame[c]]
             for c in frame.columns},
            aset.categories, list(aset.item_ids), list(aset.annotator_ids), aset.item_codes.tolist(),
            aset.annotator_codes.tolist(), aset.label_codes.tolist(), aset.rounds, aset.report.to_dict())


def same_both_ways(path, monkeypatch, **options):
    fast = outcome(path, monkeypatch, arrow=True, **options)
    slow = outcome(path, monkeypatch, arrow=False, **options)
    assert fast == slow
    return fast


@st.composite
def tables(draw):
    n = draw(st.integers(1, 40))
    unique_pairs = draw(st.booleans())
    rows = []
    for k in range(n):
        if unique_pairs:
            item = draw(st.sampled_from([f"it{k // 3}", f"it{k // 3} ", f" it{k // 3}"] + ID_PIECES[:6]))
            ann = draw(st.sampled_from(["abc"[k % 3], " a", "", "NA"]))
        else:
            item, ann = draw(st.sampled_from(ID_PIECES)), draw(st.sampled_from(["a", "b", " a", "A", "", "b "]))
        rows.append([item, ann, draw(st.sampled_from(LABELS))])
    df = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    if draw(st.booleans()):
        df["round"] = draw(st.lists(st.sampled_from(["1", " 1", "", "r2", "NA"]), min_size=n, max_size=n))
    if draw(st.booleans()):
        df["camera"] = draw(st.lists(st.sampled_from(["c1", "c2", "", "NA", " c1"]), min_size=n, max_size=n))
    if draw(st.booleans()):
        df = df.rename(columns={"item_id": "question", "annotator_id": "worker", "label": "answer"})
    return df


EDITS = ["none", "blank line", "long line", "short line", "bom", "crlf", "quoted"]


def write(df: pd.DataFrame, folder, kind: str, edit: str):
    if kind in ("parquet", "parquet groups"):  # groups: a dictionary per row group of 3 rows (merged by sorting)
        path = folder / "t.parquet"
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path,
                       row_group_size=3 if kind == "parquet groups" else None)
        return path
    sep = "," if kind == "csv" else "\t"
    path = folder / f"t.{kind}"
    lines = df.to_csv(index=False, sep=sep).splitlines(keepends=True)
    i = min(2, len(lines) - 1)
    if edit == "blank line":
        lines.insert(i, "\n")
    elif edit == "long line":
        lines[i] = lines[i].rstrip("\n") + f"{sep}extra\n"
    elif edit == "short line":
        lines[i] = lines[i].split(sep)[0] + "\n"
    elif edit == "bom":
        lines[0] = "\ufeff" + lines[0]
    elif edit == "crlf":
        lines = [ln.rstrip("\n") + "\r\n" for ln in lines]
    elif edit == "quoted":
        # every data cell quoted by the writer itself: a cell holding the separator or a quote stays one cell
        lines = [lines[0]] + df.to_csv(index=False, sep=sep, quoting=csv.QUOTE_ALL).splitlines(keepends=True)[1:]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(tables(), st.sampled_from(["csv", "tsv", "parquet", "parquet groups"]), st.sampled_from(EDITS),
       st.sampled_from(["error", "keep_last", "keep_first"]), st.booleans())
def test_arrow_path_equals_pandas_path(tmp_path_factory, monkeypatch, df, kind, edit, duplicates, normalize):
    path = write(df, tmp_path_factory.mktemp("arrow"), kind, edit)
    same_both_ways(path, monkeypatch, duplicates=duplicates, normalize_labels=normalize)
    # the others are read by Arrow, not handed to pandas, unless a quoted cell holds the separator or a line break
    # (then pandas reads the file and the stray-quote check of analytics.io._quotes runs)
    sep = "," if kind == "csv" else "\t"
    if edit not in ("long line", "short line") and (kind.startswith("parquet") or not quoted_specials(path, sep)):
        assert tidy.read_coded_tidy(path, mapping=tidy.ColumnMapping()) is not None


def test_many_ids_take_the_vectorized_paths(tmp_path, monkeypatch):
    """Over 1,000 distinct ids and labels (the Arrow text checks), with blanks, variants and repeats among them."""
    rng = np.random.default_rng(0)
    n = 6000
    items = np.array([f"item-{i:05d}" for i in range(n // 3)], dtype=object)[np.arange(n) // 3]
    items[rng.choice(n, 40, replace=False)] = " item-00007 "
    items[rng.choice(n, 20, replace=False)] = ""
    labels = np.array([f"class {i}" for i in range(1500)] + ["Class 1", " class 2", "NA"], dtype=object)
    df = pd.DataFrame({"item_id": items, "annotator_id": np.tile(["a", "b", "c"], n // 3),
                       "label": labels[rng.integers(0, len(labels), n)]})
    df.to_csv(tmp_path / "t.csv", index=False)
    df.to_parquet(tmp_path / "t.parquet", index=False)
    for path in (tmp_path / "t.csv", tmp_path / "t.parquet"):
        result = same_both_ways(path, monkeypatch, duplicates="keep_first")
        assert result[0] == "ok" and result[-1]["skipped_by_reason"]["duplicate"] > 0


def test_files_arrow_cannot_read_like_pandas_fall_back(tmp_path, monkeypatch):
    cases = {
        "ragged.csv": "item_id,annotator_id,label\ni1,a,cat\ni1,b\ni2,a,dog,extra\n",
        "dupe_header.csv": "item_id,annotator_id,label,label\ni1,a,cat,x\ni1,b,dog,y\n",
        "spaces.txt": "item_id annotator_id label\ni1 a cat\ni1 b dog\n",
        "blank_first.csv": "\nitem_id,annotator_id,label\ni1,a,cat\ni1,b,dog\n",
        "newline_in_cell.csv": 'item_id,annotator_id,label\ni1,a,"cat\nand dog"\ni1,b,dog\n',
        "latin1.csv": None,
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is None:
            path.write_bytes("item_id,annotator_id,label\ni1,a,caf\xe9\ni1,b,dog\n".encode("latin-1"))
        else:
            path.write_text(text, encoding="utf-8")
        same_both_ways(path, monkeypatch)
    assert tidy.read_coded_tidy(tmp_path / "ragged.csv", mapping=tidy.ColumnMapping()) is None
    assert tidy.read_coded_tidy(tmp_path / "spaces.txt", mapping=tidy.ColumnMapping()) is None


def test_row_limit_stops_reading(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"item_id": range(50), "annotator_id": "a", "label": "x"}).to_csv(path, index=False)
    for fmt in ("auto", "tidy"):  # auto: the format detection's look at the first rows already stops
        with pytest.raises(AnnotationSchemaError, match=r"'t.csv' has too many rows: 50 records.*max_rows=49"):
            load_annotations(path, format=fmt, limits=Limits(max_rows=49))
        assert load_annotations(path, format=fmt, limits=Limits(max_rows=50)).n_annotations == 50


def test_parquet_dictionary_order_follows_first_rows(tmp_path, monkeypatch):
    """A categorical column is stored with its (sorted) categories as the dictionary; equally frequent spellings
    still resolve to the one seen first, as when pandas reads the column."""
    labels = pd.Categorical(["cat", "Cat", "dog", "Cat", "cat", "dog"], categories=["Cat", "cat", "dog", "unused"])
    df = pd.DataFrame({"item_id": ["i1", "i1", "i2", "i2", "i3", "i3"], "annotator_id": ["a", "b"] * 3,
                       "label": labels})
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "t.parquet", row_group_size=2)
    result = same_both_ways(tmp_path / "t.parquet", monkeypatch)
    assert result[4] == ("cat", "dog")


def test_parquet_row_groups_with_their_own_dictionaries(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    n = 3000
    df = pd.DataFrame({"item_id": [f"i{k // 4}" for k in range(n)], "annotator_id": [f"r{k % 4}" for k in range(n)],
                       "label": rng.choice(["b", "a", "c", "B", ""], n), "round": rng.choice(["1", "2", " 1"], n)})
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "t.parquet", row_group_size=700)
    same_both_ways(tmp_path / "t.parquet", monkeypatch)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", None, "", "a "]), min_size=1, max_size=80), st.integers(1, 7))
def test_encode_column_codes_like_factorize(values, n_chunks):
    """Runs of equal values are encoded through their first rows; any chunking gives pandas.factorize's codes."""
    cuts = np.linspace(0, len(values), n_chunks + 1).astype(int)
    column = pa.chunked_array([pa.array(values[a:b], type=pa.string()) for a, b in zip(cuts[:-1], cuts[1:])],
                              type=pa.string())
    coded = encode_column(column)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    assert coded.codes.tolist() == codes.tolist() and coded.values.tolist() == list(uniques)
    assert coded.arrow.to_pylist() == list(uniques)


def test_merge_values_merges_variants_and_blanks():
    coded = coded_from_series(pd.Series(["a", " a", None, "b", "NA", "a"], dtype=object))
    merged = merge_values(coded, np.array(["a", "a", "b", None], dtype=object))
    assert merged.decode().tolist() == ["a", "a", None, "b", None, "a"]
    assert len(merged.values) == 2
    same = merge_values(coded, coded.values.copy(), np.zeros(len(coded.values), dtype=bool))
    assert same.codes is coded.codes


def test_coded_take_and_counts():
    coded = Coded(np.array([0, 1, -1, 1], dtype=np.int32), np.array(["x", "y"], dtype=object))
    assert coded.counts().tolist() == [1, 2]
    assert coded.take(np.array([True, False, True, False])).decode().tolist() == ["x", None]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-1, 3), min_size=25, max_size=300), st.integers(4, 6), st.sampled_from([np.int32, np.int64]))
def test_coded_counts_block_by_block_equal_one_bincount(codes, n_values, dtype):
    """The row counts per value, whole or block by block (a small block here, so short columns take that path)."""
    import analytics._coded as coded_module

    values = np.array([f"v{k}" for k in range(n_values)], dtype=object)
    with_missing = np.array(codes, dtype=dtype)
    for codes in (with_missing, np.maximum(with_missing, 0)):  # with and without missing cells
        expected = np.bincount(codes[codes >= 0], minlength=n_values)
        for block in (1 << 18, 64, 24):  # 24: columns of at most 6 values over 24 rows are counted in blocks
            old, coded_module._COUNT_BLOCK = coded_module._COUNT_BLOCK, block
            try:
                got = Coded(codes, values).counts()
            finally:
                coded_module._COUNT_BLOCK = old
            assert got.dtype == np.int64 and got.tolist() == expected.tolist()


def test_many_integer_ids_are_not_reported_as_whitespace_changes():
    """Over 1,000 distinct integer ids: nothing was trimmed, so no whitespace warning (it used to count every id)."""
    df = pd.DataFrame({"item_id": np.repeat(np.arange(1500), 2), "annotator_id": np.tile(["a", "b"], 1500),
                       "label": "x"})
    aset = load_annotations(df)
    assert not [w for w in aset.report.warnings if "whitespace" in w]
    assert aset.item_ids[:3].tolist() == ["0", "1", "2"]


def test_row_rules_hold_on_the_arrow_path(tmp_path, monkeypatch):
    """Issue 21's row rules (multiline, too long, unprintable labels; Infinity ids) skip the same rows, with the
    same reasons, whichever reader read the file."""
    df = pd.DataFrame({"item_id": ["i1", "i1", "i2", "i2", "i3", "i3", "i4", "i4"],
                       "annotator_id": ["a", "b"] * 4,
                       "label": ["cat", "dog", "\x01\x02", "cat", "\u200b", "dog", "x" * 50, "cat\ndog"]})
    df.to_parquet(tmp_path / "t.parquet", index=False)
    df.iloc[:7].to_csv(tmp_path / "t.csv", index=False)  # no quoted line break: Arrow reads the CSV
    assert tidy.read_coded_tidy(tmp_path / "t.csv", mapping=tidy.ColumnMapping()) is not None
    for path, reasons in ((tmp_path / "t.parquet", {"unprintable_label": 2, "label_too_long": 1, "multiline_label": 1}),
                          (tmp_path / "t.csv", {"unprintable_label": 2, "label_too_long": 1})):
        result = same_both_ways(path, monkeypatch, limits=Limits(max_text_length=20))
        assert result[0] == "ok"
        assert {r: result[-1]["skipped_by_reason"].get(r) for r in reasons} == reasons
    kept = same_both_ways(tmp_path / "t.parquet", monkeypatch, allow_multiline_labels=True,
                          limits=Limits(max_text_length=20))
    assert "multiline_label" not in kept[-1]["skipped_by_reason"]
    floats = pd.DataFrame({"item_id": [1.0, np.inf, 2.0, 2.0], "annotator_id": ["a", "a", "a", "b"],
                           "label": ["cat", "dog", "cat", "dog"]})
    floats.to_parquet(tmp_path / "f.parquet", index=False)
    assert same_both_ways(tmp_path / "f.parquet", monkeypatch)[-1]["skipped_by_reason"] == {"invalid_id": 1}


def test_stray_quotes_and_utf16_are_left_to_pandas(tmp_path, monkeypatch):
    """A quoted line break or delimiter anywhere (a stray quote may have merged rows) and UTF-16 text are read by
    pandas, so the stray-quote check and the encoding detection run."""
    rows = ["item_id,annotator_id,label"] + [f"i{k},a,cat" for k in range(6)]
    rows[2] = 'i1,a,"cat'
    rows[5] = 'i4,a,cat"'
    stray = tmp_path / "stray.csv"
    stray.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert tidy.read_coded_tidy(stray, mapping=tidy.ColumnMapping()) is None
    result = same_both_ways(stray, monkeypatch)
    assert result[0] == "ok" and result[-1]["skipped_by_reason"].get("merged_lines") == 1
    utf16 = tmp_path / "u16.csv"
    utf16.write_text("item_id,annotator_id,label\ni1,a,café\ni1,b,dog\n", encoding="utf-16")
    assert tidy.read_coded_tidy(utf16, mapping=tidy.ColumnMapping()) is None
    assert same_both_ways(utf16, monkeypatch)[4] == ("café", "dog")


def _quoted_specials_by_definition(data: bytes, delimiter: str | None) -> bool:
    """A byte that is a line break or the delimiter with an odd number of quote bytes before it."""
    code = ord(delimiter) if delimiter and len(delimiter) == 1 and ord(delimiter) < 128 else ord("\n")
    inside = 0
    for byte in data:
        if byte == ord('"'):
            inside ^= 1
        elif inside and byte in (ord("\n"), ord("\r"), code):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b'"', b"\n", b"\r", b",", b";", b"a", b"bc"]), max_size=120),
       st.sampled_from([",", ";", None]), st.sampled_from([4, 16, 1 << 22]))
def test_quoted_specials_by_spans_and_by_parity(tmp_path_factory, pieces, delimiter, chunk):
    """A file with few quotes is searched span by span on its memory map: exactly the definition. Other files take
    the parity pass block by block, which never answers False where the definition says True (a block wholly inside
    an open quote answers True without looking: a scan of the columns, never a missed row)."""
    import analytics.io._quotes as quotes

    data = b"".join(pieces)
    path = tmp_path_factory.mktemp("q") / "f.csv"
    path.write_bytes(data)
    expected = _quoted_specials_by_definition(data, delimiter)
    old = quotes._CHUNK, quotes._FEW_QUOTES
    try:
        quotes._CHUNK, quotes._FEW_QUOTES = chunk, 1 << 10
        assert quotes.quoted_specials(path, delimiter) == expected
        quotes._FEW_QUOTES = 0  # every file by the parity pass
        by_parity = quotes.quoted_specials(path, delimiter)
    finally:
        quotes._CHUNK, quotes._FEW_QUOTES = old
    assert by_parity >= expected
    if chunk > len(data):  # one block: the parity pass is exact too
        assert by_parity == expected
