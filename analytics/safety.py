"""Showing and exporting untrusted text safely: CSV cells, HTML, and Streamlit markdown.

Labels, ids and file names come from annotation exports, i.e. from outside. Wherever they leave the
library they are neutralized for the place they go to:

* **CSV** (:func:`safe_csv`, :func:`neutralize_csv_cell`): every CSV the project writes goes through
  :func:`safe_csv`. A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  would be run as a formula by a spreadsheet (CSV injection, "formula injection"); such cells get a
  leading single quote, as the OWASP guidance on CSV injection recommends
  (https://owasp.org/www-community/attacks/CSV_Injection). Only *text* cells are changed: numbers
  stored as numbers (a negative duration ``-1.5``) stay numbers, because a spreadsheet reads a
  number as a number whatever its sign, and changing them would corrupt numeric columns. A label
  that is the *text* ``"-1"`` is quoted (``'-1``) like any text cell starting with ``-``.
* **HTML** (:func:`escape_html`): the HTML report and plotly hover/tick text (plotly renders a
  subset of HTML in them): ``&``, ``<``, ``>``, ``"`` and ``'`` become entities.
* **Streamlit markdown** (:func:`escape_markdown`): ``st.markdown`` renders Markdown, LaTeX between
  ``$`` signs, and would render HTML if ``unsafe_allow_html=True`` were passed (the dashboard never
  passes it). Markdown control characters are backslash-escaped and HTML characters become entities,
  so a label such as ``<script>alert(1)</script>`` or ``[click](javascript:…)`` shows as typed.

Examples
--------
>>> neutralize_csv_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralize_csv_cell(-1.5)
-1.5
>>> escape_html("<script>alert(1)</script>")
'&lt;script&gt;alert(1)&lt;/script&gt;'
>>> escape_markdown("**bold** [x](y)")
'\\\\*\\\\*bold\\\\*\\\\* \\\\[x\\\\]\\\\(y\\\\)'
"""

from __future__ import annotations

import csv
import html
import io
import os
from typing import Any

import pandas as pd

from ._atomic import atomic_write

__all__ = ["CSV_FORMULA_PREFIXES", "neutralize_csv_cell", "safe_csv", "escape_html", "escape_markdown"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
CSV_FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|$~=^:")
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def neutralize_csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet cannot run as a formula.

    Text starting with one of :data:`CSV_FORMULA_PREFIXES` gets a leading ``'``; every other value
    (numbers, booleans, missing values, other text) is returned unchanged.

    Parameters
    ----------
    value : any
        One cell.

    Returns
    -------
    any
        ``"'" + value`` for dangerous text, else ``value``.

    Examples
    --------
    >>> [neutralize_csv_cell(v) for v in ["=1+1", "cat", "-1", -1, None]]
    ["'=1+1", 'cat', "'-1", -1, None]
    """
    if isinstance(value, str) and value.startswith(CSV_FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutral_column(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype) \
            or pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return values.map(neutralize_csv_cell, na_action="ignore")


def _neutral_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(neutralize_csv_cell(v) for v in t) for t in index],
                                         names=[neutralize_csv_cell(n) for n in index.names])
    return pd.Index([neutralize_csv_cell(v) for v in index], name=neutralize_csv_cell(index.name), dtype=object)


def safe_csv(frame: pd.DataFrame, path_or_buffer: "str | os.PathLike[str] | io.TextIOBase | None" = None, *,
             index: bool = False, **to_csv_options: Any) -> str | None:
    """Write ``frame`` as CSV with every text cell (header and index included) neutralized.

    The one function the project uses to export CSV (review queues, audit samples, tables downloaded
    from the dashboard). Text cells go through :func:`neutralize_csv_cell` and are written in double
    quotes (``csv.QUOTE_NONNUMERIC``, as OWASP also advises: a carriage return inside an unquoted cell
    would start a new row in a spreadsheet); numbers are written bare, so they stay numbers.

    Parameters
    ----------
    frame : pandas.DataFrame
    path_or_buffer : path or text buffer, optional
        Where to write; ``None`` returns the CSV text (as :meth:`pandas.DataFrame.to_csv` does). A path is
        written atomically (:func:`analytics._atomic.atomic_write`): a temporary file beside it, fsynced, then
        renamed over it, so a crash or a full disk leaves the previous file whole.
    index : bool
        Write the index (default False, unlike pandas: exports carry their ids as columns).
    **to_csv_options
        Passed to :meth:`pandas.DataFrame.to_csv` (``sep``, ``encoding``, ``float_format`` …).

    Returns
    -------
    str or None
        The CSV text when ``path_or_buffer`` is None.

    Examples
    --------
    >>> import pandas as pd
    >>> print(safe_csv(pd.DataFrame({"label": ["=cmd()", "cat"], "duration_s": [-1.5, 2.0]})), end="")
    "label","duration_s"
    "'=cmd()",-1.5
    "cat",2.0
    """
    out = frame.copy()
    out.columns = _neutral_index(out.columns)
    for k in range(out.shape[1]):
        out.isetitem(k, _neutral_column(out.iloc[:, k]))
    if index:
        out.index = _neutral_index(out.index)
    to_csv_options.setdefault("quoting", csv.QUOTE_NONNUMERIC)
    if isinstance(path_or_buffer, (str, os.PathLike)):  # a file: written atomically (the old one stays on failure)
        encoding = to_csv_options.pop("encoding", None) or "utf-8"
        with atomic_write(path_or_buffer, "w", encoding=encoding, newline="") as fh:
            out.to_csv(fh, index=index, **to_csv_options)
        return None
    return out.to_csv(path_or_buffer, index=index, **to_csv_options)  # atomic: a text buffer (or None), no file


def escape_html(text: Any) -> str:
    """Text safe to put inside HTML (and plotly hover or tick text): ``html.escape(str(text), quote=True)``.

    Examples
    --------
    >>> escape_html('a "b" & <c>')
    'a &quot;b&quot; &amp; &lt;c&gt;'
    """
    return html.escape(str(text), quote=True)


def escape_markdown(text: Any) -> str:
    """Text that Streamlit's markdown shows literally: no formatting, links, LaTeX, headings or HTML.

    Markdown control characters (``\\ ` * _ { } [ ] ( ) # + - . ! | $ ~ = ^ :``) are backslash-escaped,
    HTML characters (``& < > " '``) become entities, and line breaks become spaces, so the text can
    neither start a new block (a heading, a list, a table) nor close the one it is in.

    Examples
    --------
    >>> escape_markdown("<b>$x$</b>")
    '&lt;b&gt;\\\\$x\\\\$&lt;/b&gt;'
    """
    out = []
    for ch in str(text):
        if ch in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[ch])
        elif ch in _MARKDOWN_SPECIAL:
            out.append("\\" + ch)
        elif ch in "\r\n\u2028\u2029":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)

