"""Parsing untrusted JSON text: bounded nesting, no recursion errors, no lone surrogates.

Every JSON text the importers parse (whole documents, JSON Lines records, elements of a streamed
list, JSON held in table cells, taxonomies) goes through :func:`loads` or, for streamed elements,
:func:`check_json_depth` and :func:`repair_surrogates`:

* nesting deeper than ``Limits.max_json_depth`` is refused before parsing (:func:`json_depth` scans
  the text without recursion), so neither the parser nor the importers' recursive walks can overflow
  the interpreter's stack;
* ``\\uD800``-style escapes of lone UTF-16 surrogates (valid JSON syntax, but not text: they cannot
  be encoded as UTF-8, and pandas, Arrow or a browser would fail on them later) are replaced with
  U+FFFD, the replacement character;
* integers of more than :data:`MAX_INT_DIGITS` digits are kept as their digit text: as numbers they
  cannot become floats (``OverflowError``) and, beyond 4,300 digits, not even text (Python's limit on
  integer-string conversion); as text they are ids or labels like any other, and a duration or
  timestamp made of them is reported as unreadable;
* a key repeated inside one object (JSON keeps the last value, silently) is recorded: inside
  :func:`collect_findings` (every importer runs in one) it becomes a warning of the import report
  naming the key, elsewhere a :class:`~analytics.exceptions.DataQualityWarning`; so are the
  non-standard constants ``NaN``, ``Infinity`` and ``-Infinity`` (still read as floats).
"""

from __future__ import annotations

import contextlib
import json
import re
import warnings
from collections import Counter
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np

from ._wording import count_noun
from .exceptions import AnnotationFileError, DataQualityWarning
from .limits import Limits, current_limits, limit_message

__all__ = ["json_depth", "check_json_depth", "loads", "data_depth", "repair_surrogates", "has_surrogate_escape",
           "DECODER", "MAX_INT_DIGITS", "JsonFindings", "collect_findings", "note_where"]

#: Integers with more digits than this stay text (a float holds at most about 1.8e308: 309 digits).
MAX_INT_DIGITS = 309


@dataclass
class JsonFindings:
    """What the JSON parser noticed while an importer read its file (see :func:`collect_findings`).

    Findings are kept per place (``"line 3 of 'x.jsonl'"``, ``"element 7 of 'export.json'"``): a reader that
    parses the same element twice (to peek at a format, then to read it) counts it once.
    """

    by_where: dict[str, Counter] = field(default_factory=dict)
    current: str = "the file"

    def note(self, what: str) -> None:
        self.by_where.setdefault(self.current, Counter())[what] += 1

    def _totals(self, prefix: str) -> tuple[Counter, dict[str, str]]:
        totals: Counter = Counter()
        first: dict[str, str] = {}
        for where, counts in self.by_where.items():
            for what, n in counts.items():
                if what.startswith(prefix):
                    name = what[len(prefix):]
                    totals[name] += n
                    first.setdefault(name, where)
        return totals, first

    def warnings(self) -> list[str]:
        """One sentence per repeated key (at most 10), and one for NaN/Infinity, for the import report."""
        keys, where = self._totals("key:")
        out = [f"the JSON key {key!r} appears twice in one object ({count_noun(n, 'such object')}, first in {where[key]}); JSON keeps "
               "the last value, so the earlier one was ignored. A correct export never repeats a key: check the tool "
               "or script that wrote the file." for key, n in keys.most_common(10)]
        if len(keys) > 10:
            out.append(f"… and {len(keys) - 10} more repeated JSON keys.")
        big, where = self._totals("bigint:")
        if big:
            out.append(f"{count_noun(big[''], 'integer')} of more than {MAX_INT_DIGITS} digits (first in {where['']}) "
                       f"{'was' if big[''] == 1 else 'were'} read "
                       "as their digits, as text: no number holds them. An id made of them stays an id (as text); a "
                       "duration or timestamp made of them is left empty.")
        constants, where = self._totals("constant:")
        if constants:
            shown = ", ".join(f"{name} ({n:,})" for name, n in sorted(constants.items()))
            first = min(where.values(), key=list(self.by_where).index)
            out.append(f"the file holds {shown}, which standard JSON does not allow (first in {first}); they were "
                       "read as numbers that are not finite: a duration made of them is left empty and an id made of "
                       "them is skipped (invalid_id). Check the tool that wrote them.")
        return out


_FINDINGS: ContextVar[JsonFindings | None] = ContextVar("aqa_json_findings", default=None)


@contextlib.contextmanager
def collect_findings() -> Iterator[JsonFindings]:
    """Collect the parser's findings (repeated keys) of everything parsed inside the block."""
    findings = JsonFindings()
    token = _FINDINGS.set(findings)
    try:
        yield findings
    finally:
        _FINDINGS.reset(token)


def _constant(name: str) -> float:
    findings = _FINDINGS.get()
    if findings is not None:
        findings.note("constant:" + name)
    return float(name.replace("Infinity", "inf"))


def _int_or_text(digits: str) -> int | str:
    if len(digits.lstrip("-")) <= MAX_INT_DIGITS:
        return int(digits)
    findings = _FINDINGS.get()
    if findings is not None:
        findings.note("bigint:")
    return digits


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated = [k for k, _ in pairs if k in seen or seen.add(k)]
        findings = _FINDINGS.get()
        if findings is None:
            warnings.warn(f"The JSON key {repeated[0]!r} appears twice in one object; the last value was kept.",
                          DataQualityWarning, stacklevel=2)
        else:
            for key in repeated:
                findings.note("key:" + key)
    return obj


#: The decoder every importer uses: repeated keys recorded, huge integers kept as text.
DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_int_or_text, parse_constant=_constant)


def note_where(where: str) -> None:
    """Say where the next values parsed come from; what was found there before is forgotten (parsed again)."""
    findings = _FINDINGS.get()
    if findings is not None:
        findings.current = where
        findings.by_where.pop(where, None)


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
    """``json.loads`` with :data:`DECODER`, after :func:`check_json_depth` and :func:`repair_surrogates`.

    Raises ``json.JSONDecodeError`` for invalid JSON (callers word that error for their format).
    """
    check_json_depth(text, where=where, limits=limits)
    note_where(where)
    try:
        return DECODER.decode(repair_surrogates(text))
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
