"""Parsing untrusted JSON text: bounded nesting, no recursion errors, no lone surrogates.

Every JSON text the importers parse (whole documents, JSON Lines records, elements of a streamed
list, JSON held in table cells, taxonomies) goes through :func:`loads` or, for streamed elements,
:func:`check_json_depth` and :func:`repair_surrogates`:

* nesting deeper than ``Limits.max_json_depth`` is refused before parsing (:func:`json_depth` scans
  the text without recursion), so neither the parser nor the importers' recursive walks can overflow
  the interpreter's stack;
* ``\\uD800``-style escapes of lone UTF-16 surrogates (valid JSON syntax, but not text: they cannot
  be encoded as UTF-8, and pandas, Arrow or a browser would fail on them later) are replaced with
  U+FFFD, the replacement character.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Iterable

import numpy as np

from .exceptions import AnnotationFileError
from .limits import Limits, current_limits, limit_message

__all__ = ["json_depth", "check_json_depth", "loads", "data_depth", "repair_surrogates", "has_surrogate_escape"]

_KEEP = b'"[]{}'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def json_depth(text: str) -> int:
    """Nesting depth of JSON text (brackets outside strings), computed without parsing it.

    Linear and vectorized: escaped backslashes and quotes are removed, every byte but quotes and
    brackets is dropped, brackets after an odd number of quotes (inside strings) are ignored, and the
    running sum of opening (+1) and closing (-1) brackets peaks at the depth. No recursion.
    """
    if text.count("[") + text.count("{") == 0:
        return 0
    raw = text.replace("\\\\", "").replace('\\"', "").encode("utf-8", errors="replace")
    codes = np.frombuffer(raw.translate(None, _DROP), dtype=np.uint8)
    if not len(codes):
        return 0
    in_string = (np.cumsum(codes == ord('"'), dtype=np.int64) % 2).astype(bool)
    steps = np.where(in_string, 0, _STEP[codes])
    return int(np.cumsum(steps, dtype=np.int64).max())


def check_json_depth(text: str, *, where: str, limits: Limits | None = None) -> None:
    """Raise :class:`AnnotationFileError` when JSON text nests deeper than ``max_json_depth``.

    Cheap for ordinary text: when the text holds fewer brackets than the limit, it cannot be deeper.
    """
    limits = limits or current_limits()
    if text.count("[") + text.count("{") <= limits.max_json_depth:
        return
    depth = json_depth(text)
    if depth > limits.max_json_depth:
        raise AnnotationFileError(limit_message("max_json_depth", depth, f"{where} is nested too deeply", limits))


_ANY_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
# an unescaped \u (preceded by an even number of backslashes) holding a surrogate code unit
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def has_surrogate_escape(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` holds a ``\\uD800``-``\\uDFFF`` escape (without copying the slice)."""
    return _ANY_SURROGATE.search(text, start, len(text) if end is None else end) is not None


def repair_surrogates(text: str) -> str:
    """Replace JSON escapes of lone UTF-16 surrogates (``\\uD800`` without its pair) with ``\\uFFFD``.

    Proper pairs (``\\uD83D\\uDE00``, an emoji) are kept. Text without any surrogate escape is returned
    as is after one regular-expression search.

    Examples
    --------
    >>> repair_surrogates(r'["\\ud800", "\\ud83d\\ude00", "\\\\ud800"]')
    '["\\\\ufffd", "\\\\ud83d\\\\ude00", "\\\\\\\\ud800"]'
    """
    if not _ANY_SURROGATE.search(text):
        return text
    out: list[str] = []
    last = 0
    matches = list(_SURROGATE_ESCAPE.finditer(text))
    for k, m in enumerate(matches):
        unit = int(m.group(2), 16)
        start = m.start() + len(m.group(1))  # where "\u" begins
        if unit < 0xDC00:  # high surrogate: needs a low one right after
            nxt = matches[k + 1] if k + 1 < len(matches) else None
            paired = nxt is not None and nxt.start() == m.end() and not nxt.group(1) and int(nxt.group(2), 16) >= 0xDC00
        else:  # low surrogate: needs a high one right before
            prev = matches[k - 1] if k else None
            paired = prev is not None and prev.end() == m.start() and not m.group(1) and int(prev.group(2), 16) < 0xDC00
        if not paired:
            out.append(text[last:start])
            out.append("\\ufffd")
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def loads(text: str, *, where: str, limits: Limits | None = None) -> Any:
    """``json.loads`` after :func:`check_json_depth` and :func:`repair_surrogates`.

    Raises ``json.JSONDecodeError`` for invalid JSON (callers word that error for their format).
    """
    check_json_depth(text, where=where, limits=limits)
    try:
        return json.loads(repair_surrogates(text))
    except RecursionError:  # deeper than the interpreter allows, even under a raised limit
        raise AnnotationFileError(limit_message("max_json_depth", "more than 900", f"{where} is nested too deeply",
                                                limits)) from None


def data_depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed data (lists and mappings), walking iteratively; stops once past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children: Iterable[Any] = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest
