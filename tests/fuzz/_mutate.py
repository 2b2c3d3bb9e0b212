"""Hypothesis strategies that damage valid inputs: structured mutations of JSON-like trees, tables and
XML, then optional byte-level damage of the written file.

Structured mutations: drop or rename keys, wrong types, nulls, huge and negative numbers, odd Unicode
(lone surrogates, combining marks, right-to-left, NUL), very long text, deep nesting, duplicated
records (duplicate ids), emptied containers. Type mutations (:func:`type_swapped_tree`,
:func:`type_swapped_rows`; issue 21): a value swapped for another type — integers of 310 to 5,000
digits, ``Infinity``/``NaN``, control and invisible characters, null, nested lists, a number as text
— and keys repeated inside one object. Byte damage: truncation, inserted/flipped bytes, a UTF-16 or
UTF-32 re-encoding (with or without a byte-order mark), Latin-1, a BOM, or an empty file.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import strategies as st

NASTY_TEXT = st.sampled_from([
    "", " ", "\t", "NA", "null", "None", "nan", "-1", "0", "1e309", "=cmd|' /C calc'!A0", "+1", "@SUM(A1)",
    "<script>alert(1)</script>", "\u0000", "\ud800", "e\u0301", "\u202etxt.exe", "Ｃａｔ", "cat ", "CAT", "[", "{",
    '["a", "b"]', '{"choices": ["cat"]}', "[[[[[[[[", "a,b", 'say "hi"', "line\nbreak", "x" * 300, "🐱", "../../etc/passwd",
    "[" * 3000 + "]" * 3000, '{"choices": ' + "[" * 2000 + '"a"' + "]" * 2000 + "}", "y" * 5000, '"\\ud800"',
])
NASTY_SCALAR = st.one_of(
    st.none(), st.booleans(), st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**30, -10**30]),
    st.floats(allow_nan=True, allow_infinity=True), NASTY_TEXT, st.text(max_size=12),
    st.integers(min_value=-10**6, max_value=10**6),
)


_DEEP = re.compile(r'"DEEP:(\d+):END"')


def deep(depth: int) -> str:
    """A placeholder for a value nested ``depth`` levels deep, expanded by :func:`dumps` (the json module
    itself cannot write what is deeper than the recursion limit)."""
    return f"DEEP:{depth}:END"


def nested_text(depth: int, leaf: str = '"cat"') -> str:
    """JSON text of a value nested ``depth`` levels deep in lists and objects."""
    opening = "".join("[" if k % 2 else '{"v": ' for k in range(depth))
    closing = "".join("]" if k % 2 else "}" for k in reversed(range(depth)))
    return opening + leaf + closing


_BIGINT = re.compile(r'"BIGINT:(-?)(\d+):END"')
_DUPKEY = re.compile(r'"DUPKEY:(.*?):END"')


def bigint(digits: int, negative: bool = False) -> str:
    """A placeholder for an integer of ``digits`` digits, written by :func:`dumps` as a bare JSON number (the json
    module cannot write integers beyond 4,300 digits)."""
    return f"BIGINT:{'-' if negative else ''}{digits}:END"


def bigint_text(digits: int, negative: bool = False) -> str:
    return ("-" if negative else "") + "1" + "0" * (digits - 1)


def dumps(value: Any, indent: int | None = None) -> str:
    """``json.dumps`` with the placeholders expanded: deep nesting, huge integers, repeated keys."""
    text = json.dumps(value, default=str, indent=indent)
    text = _DEEP.sub(lambda m: nested_text(int(m.group(1))), text)
    text = _BIGINT.sub(lambda m: bigint_text(int(m.group(2)), bool(m.group(1))), text)
    return _DUPKEY.sub(lambda m: '"' + m.group(1) + '"', text)



NASTY_VALUE = st.one_of(
    NASTY_SCALAR,
    st.builds(deep, st.sampled_from([3, 40, 200, 1500, 5000])),
    st.sampled_from([[], {}, [None], {"": None}, ["cat", "dog"], {"choices": None}, {"label": ["x"]}]),
    st.lists(NASTY_SCALAR, max_size=4),
    st.dictionaries(st.text(max_size=5), NASTY_SCALAR, max_size=3),
)


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a node of a JSON-like tree (the root is the empty path)."""
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _get(tree: Any, path: tuple) -> Any:
    for p in path:
        tree = tree[p]
    return tree


@st.composite
def mutated_tree(draw: Any, tree: Any, max_mutations: int = 4) -> Any:
    """Apply 1..max_mutations random structural mutations to ``tree`` (in place; returns it)."""
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "replace", "drop", "rename", "duplicate", "wrap", "empty", "swap",
                                   "stringify"]))
        if not path:
            if op in ("replace", "wrap"):
                tree = copy.deepcopy(draw(NASTY_VALUE)) if op == "replace" else [tree]
            continue
        parent, key = _get(tree, path[:-1]), path[-1]
        node = parent[key]
        if op == "replace":
            parent[key] = copy.deepcopy(draw(NASTY_VALUE))
        elif op == "drop":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            new = draw(st.one_of(NASTY_TEXT, st.sampled_from(sorted(map(str, parent)) or ["x"])))
            parent[new] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(node, default=str)))
        elif op == "wrap":
            parent[key] = [node]
        elif op == "empty" and isinstance(node, (list, dict)):
            node.clear()
        elif op == "swap":
            other = _get(tree, draw(st.sampled_from(paths)))
            parent[key] = json.loads(json.dumps(other, default=str))
        elif op == "stringify":
            parent[key] = json.dumps(node, default=str)
    return tree


#: Values of the wrong type or range (issue 21): what a careless tool or a hostile file puts where a label, an id, a
#: duration or a timestamp belongs.
TYPE_SWAPS = st.sampled_from([
    bigint(310), bigint(400, negative=True), bigint(5000), float("inf"), float("-inf"), float("nan"),
    "\x01\x02", "\x7f", "\u200b", "\x00", "\x1b[31m", "\u2028", None, [["cat"]], [[[]]], [None], {"": []},
    "3", 3, 3.0, True, "Infinity", "-1e400", "1e309",
])
TYPE_SCALARS = st.sampled_from([
    bigint_text(310), bigint_text(400, negative=True), bigint_text(5000), "nan", "Infinity",
    "\x01\x02", "\x7f", "\u200b", "\x1b[31m", "", "3", "3.0", "true", "1e309", "-1e400",
])


@st.composite
def type_swapped_tree(draw: Any, tree: Any, max_swaps: int = 3) -> tuple[Any, bool]:
    """Swap 1..max_swaps values of ``tree`` for values of another type, and maybe repeat a key inside an object.

    Returns the tree and whether a key was repeated (so a check can expect the repeated-key warning).
    """
    for _ in range(draw(st.integers(1, max_swaps))):
        paths = [p for p in _paths(tree) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _get(tree, path[:-1]), path[-1]
        if isinstance(parent, dict) and isinstance(key, str) and draw(st.integers(0, 3)) == 0 and ":END" not in key:
            parent[f"DUPKEY:{json.dumps(key)[1:-1]}:END"] = copy.deepcopy(draw(TYPE_SWAPS))
        else:
            parent[key] = copy.deepcopy(draw(TYPE_SWAPS))
    return tree, "DUPKEY:" in json.dumps(tree, default=str)  # a later swap may have replaced the repeated key


@st.composite
def type_swapped_rows(draw: Any, rows: list[dict[str, Any]], *, json_cells: bool) -> list[dict[str, Any]]:
    """Table rows with 1..4 cells swapped for values of another type (JSON placeholders when ``json_cells``)."""
    rows = [dict(r) for r in rows]
    columns = sorted({c for r in rows for c in r})
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(rows) - 1))
        rows[i][draw(st.sampled_from(columns))] = draw(TYPE_SWAPS if json_cells else TYPE_SCALARS)
    return rows


@st.composite
def mutated_rows(draw: Any, rows: list[dict[str, Any]], max_mutations: int = 5) -> list[dict[str, Any]]:
    """Table mutations: bad cells, dropped/renamed/duplicated columns, duplicated or dropped rows."""
    rows = [dict(r) for r in rows]
    for _ in range(draw(st.integers(1, max_mutations))):
        op = draw(st.sampled_from(["cell", "cell", "cell", "drop_col", "rename_col", "dup_row", "drop_row",
                                   "add_col", "dup_id"]))
        if not rows:
            rows.append({})
        columns = sorted({c for r in rows for c in r}) or ["x"]
        col = draw(st.sampled_from(columns))
        i = draw(st.integers(0, len(rows) - 1))
        if op == "cell":
            rows[i][col] = draw(NASTY_SCALAR)
        elif op == "drop_col":
            for r in rows:
                r.pop(col, None)
        elif op == "rename_col":
            new = draw(st.one_of(NASTY_TEXT, st.sampled_from(["item_id", "annotator_id", "label", "gold", "id",
                                                              "worker", "class", "cat", "round"])))
            for r in rows:
                if col in r:
                    r[new] = r.pop(col)
        elif op == "dup_row":
            rows.insert(i, dict(rows[i]))
        elif op == "drop_row" and len(rows) > 1:
            del rows[i]
        elif op == "add_col":
            name = draw(NASTY_TEXT)
            for r in rows:
                r[name] = draw(NASTY_SCALAR)
        elif op == "dup_id" and len(rows) > 1:
            rows[i][col] = rows[(i + 1) % len(rows)].get(col)
    return rows


@st.composite
def mutated_xml(draw: Any, text: str) -> str:
    """CVAT XML damage: attributes and elements removed or renamed, odd values, entities, deep nesting."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["attr", "drop_line", "dup_line", "rename", "value", "deep", "entity", "doctype"]))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines = [""]
        if op == "attr":
            lines[i] = lines[i].replace(draw(st.sampled_from(['label="', 'name="', 'id="', 'source="'])),
                                        draw(st.sampled_from(['x="', 'label="', 'name="', ''])), 1)
        elif op == "drop_line":
            del lines[i]
        elif op == "dup_line":
            lines.insert(i, lines[i])
        elif op == "rename":
            lines[i] = lines[i].replace(draw(st.sampled_from(["<tag", "<image", "</image>", "<annotations>",
                                                              "<attribute", "<meta>"])),
                                        draw(st.sampled_from(["<box", "<image", "<tag", "<x", ""])))
        elif op == "value":
            value = draw(NASTY_TEXT).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            lines[i] = lines[i].replace('"cat"', f'"{value}"').replace('"a.jpg"', f'"{value}"')
        elif op == "deep":
            n = draw(st.sampled_from([50, 3000]))
            lines.insert(i, "<x>" * n + "</x>" * n)
        elif op == "entity":
            lines[0:1] = ['<?xml version="1.0"?>', '<!DOCTYPE annotations [<!ENTITY a "aaaaaaaaaa">'
                          '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>']
            lines = [ln.replace('label="cat"', 'label="&c;"') for ln in lines]
        elif op == "doctype":
            lines[0:1] = ['<?xml version="1.0"?>',
                          '<!DOCTYPE annotations [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>']
            lines = [ln.replace('label="dog"', 'label="&xxe;"') for ln in lines]
    return "\n".join(lines)


@st.composite
def damaged_bytes(draw: Any, data: bytes) -> bytes:
    """Optional byte-level damage of a written file (most examples keep the bytes intact)."""
    op = draw(st.sampled_from(["keep", "keep", "keep", "truncate", "insert", "flip", "utf16", "bom", "empty",
                               "append", "utf16be", "utf32", "utf16-nobom", "latin1"]))
    if op == "truncate" and data:
        return data[: draw(st.integers(0, len(data) - 1))]
    if op == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if op == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if op in ("utf16", "utf16be", "utf32", "utf16-nobom", "latin1"):
        text = data.decode("utf-8", errors="replace")
        encoding = {"utf16": "utf-16", "utf16be": "utf-16-be", "utf32": "utf-32", "utf16-nobom": "utf-16-le",
                    "latin1": "latin-1"}[op]
        return (("\ufeff" if op == "utf16be" else "") + text).encode(encoding, errors="replace")
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "empty":
        return b""
    if op == "append":
        return data + draw(st.sampled_from([b"\n", b"\n\n{", b"]", b",", b"\x00", b"\n" + b"[" * 5000]))
    return data
