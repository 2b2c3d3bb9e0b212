"""Untrusted text leaving the library: CSV cells cannot become formulas, HTML and markdown show text as typed."""

from __future__ import annotations

import csv
import html
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.safety import CSV_FORMULA_PREFIXES, escape_html, escape_markdown, neutralize_csv_cell, safe_csv

SCRIPT = "<script>alert(1)</script>"


def _read_back(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_prefix_is_neutralized(prefix):
    cell = prefix + "HYPERLINK(\"http://evil.example\",\"x\")"
    assert neutralize_csv_cell(cell) == "'" + cell
    back = _read_back(safe_csv(pd.DataFrame({"label": [cell, "cat"]})))
    assert back["label"].tolist() == ["'" + cell, "cat"]


def test_the_six_prefixes_are_owasps():
    assert set(CSV_FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


def test_numbers_stay_numbers_and_text_that_looks_negative_is_quoted():
    frame = pd.DataFrame({"duration_s": [-1.5, 2.0], "n": [-3, 4], "ok": [True, False], "label": ["-1", "1"]})
    back = _read_back(safe_csv(frame))
    assert back["duration_s"].tolist() == ["-1.5", "2.0"] and back["n"].tolist() == ["-3", "4"]
    assert back["label"].tolist() == ["'-1", "1"]  # a text cell, so quoted like any text starting with '-'
    assert [neutralize_csv_cell(v) for v in (-1, -2.5, np.int64(-3), None, float("nan"))][:4] == [-1, -2.5, -3, None]


def test_headers_index_categoricals_and_missing_values():
    frame = pd.DataFrame({"=cmd": pd.Categorical(["@a", "b"]), "x": ["+1", None]}, index=pd.Index(["-i", "j"], name="@id"))
    text = safe_csv(frame, index=True)
    back = _read_back(text)
    assert list(back.columns) == ["'@id", "'=cmd", "x"]
    assert back.to_dict("list") == {"'@id": ["'-i", "j"], "'=cmd": ["'@a", "b"], "x": ["'+1", ""]}
    assert frame["=cmd"].tolist() == ["@a", "b"]  # the input is not modified


def test_safe_csv_writes_files_and_passes_options(tmp_path):
    path = tmp_path / "out.tsv"
    assert safe_csv(pd.DataFrame({"a": ["=1", "x"]}), path, sep="\t") is None
    assert path.read_text() == '"a"\n"\'=1"\n"x"\n'


CELLS = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\",; ab1é'") + ["🐱"]), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=6))
def test_round_trip_and_no_cell_starts_a_formula(cells):
    rows = list(csv.reader(io.StringIO(safe_csv(pd.DataFrame({"c": cells})), newline="")))
    assert rows[0] == ["c"]
    back = [r[0] for r in rows[1:]]
    assert back == [neutralize_csv_cell(c) for c in cells]  # every normal cell comes back exactly
    assert not any(str(v).startswith(CSV_FORMULA_PREFIXES) for v in back)
    assert [v[1:] if c.startswith(CSV_FORMULA_PREFIXES) else v for v, c in zip(back, cells)] == cells


def test_escape_html():
    assert escape_html(SCRIPT) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_html('"\'&') == "&quot;&#x27;&amp;"
    assert escape_html(3) == "3"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_escape_html_is_exact_and_tag_free(text):
    out = escape_html(text)
    assert html.unescape(out) == text and not set("<>\"'") & set(out)


def _markdown_text(escaped: str) -> str:
    """What CommonMark shows for escaped text: backslash escapes of punctuation and entities resolved."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
       | st.sampled_from([SCRIPT, "[x](javascript:alert(1))", "![i](http://x/p.png)", "$\\frac{1}{2}$", "# h",
                          "| a | b |", "**b** _i_ ~~s~~ `c`", "1. item", "- item", "> quote", "a\n===", ":red[x]"]))
def test_escape_markdown_shows_text_as_typed(text):
    out = escape_markdown(text)
    assert _markdown_text(out) == re.sub("[\r\n\u2028\u2029]", " ", text)
    unescaped = re.sub(r"\\.", "", re.sub(r"&(amp|lt|gt|quot|#x27);", "", out))
    assert not set(unescaped) & set("\\`*_{}[]()#+-.!|$~=^:<>&\"'\r\n")  # every control character is escaped


def test_escape_markdown_examples():
    assert escape_markdown(SCRIPT) == "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
    assert escape_markdown("line\nbreak") == "line break"
