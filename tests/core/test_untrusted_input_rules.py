"""Source rules for untrusted input, checked over analytics/ and dashboard/ so new code keeps them:
no pickle, ``torch.load`` only with ``weights_only=True``, YAML only through a safe loader, XML only through
defusedxml, HTML never allowed in Streamlit markdown, and CSV written only by :func:`analytics.safety.safe_csv`."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for folder in ("analytics", "dashboard") for p in (ROOT / folder).rglob("*.py"))


def _code(path: Path) -> str:
    """The file's code with strings (docstrings included) and comments blanked out, positions kept."""
    text = path.read_text(encoding="utf-8")
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    chars = list(text)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in (tokenize.STRING, tokenize.COMMENT):
            begin = starts[tok.start[0] - 1] + tok.start[1]
            end = starts[tok.end[0] - 1] + tok.end[1]
            for k in range(begin, end):
                if chars[k] != "\n":
                    chars[k] = " "
    return "".join(chars)


def _calls(code: str, name: str) -> list[str]:
    """The text of every call of ``name(`` up to its matching parenthesis."""
    out = []
    for m in re.finditer(re.escape(name) + r"\s*\(", code):
        depth, k = 0, m.end() - 1
        while k < len(code):
            depth += {"(": 1, ")": -1}.get(code[k], 0)
            if depth == 0:
                break
            k += 1
        out.append(code[m.start():k + 1])
    return out


RULES = [
    (r"\b(pickle|cPickle|_pickle|dill|shelve|marshal)\.(load|loads|Unpickler|open)\b|"
     r"\bfrom\s+(pickle|dill|shelve|marshal)\s+import\s+.*\b(load|loads|Unpickler|open)\b",
     "no pickle-like deserialization (catching pickle.UnpicklingError is fine)"),
    (r"\b(pd|pandas)\.read_pickle\s*\(|\bjoblib\.load\s*\(|allow_pickle\s*=\s*True", "no pickle-based loading"),
    (r"\byaml\.(unsafe_load|full_load|load_all|unsafe_load_all)\s*\(|\b(Full|Unsafe)Loader\b|Loader\s*=\s*yaml\.Loader",
     "YAML only through a safe loader"),
    (r"\bET\.(parse|fromstring|iterparse|XML|XMLParser)\s*\(|xml\.etree\.ElementTree\.(parse|fromstring|iterparse)|"
     r"\bminidom\b|\bxml\.sax\b|\blxml\b|\bpulldom\b", "XML only through defusedxml"),
    (r"unsafe_allow_html\s*=\s*True", "no HTML in Streamlit markdown"),
    (r"(?<![\w.])(eval|exec)\s*\(", "no eval/exec"),
]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_source_rules(path):
    code = _code(path)
    for pattern, rule in RULES:
        match = re.search(pattern, code)
        assert match is None, f"{path.relative_to(ROOT)}: {rule} (found {match.group(0)!r})"
    for call in _calls(code, "torch.load"):
        assert re.search(r"weights_only\s*=\s*True", call), f"{path.name}: torch.load without weights_only=True"
    for call in _calls(code, "yaml.load"):
        assert re.search(r"Loader\s*=\s*(yaml\.)?(Safe|CSafe|_Safe)\w*Loader", call), f"{path.name}: {call}"
    if path.name != "safety.py":
        assert not re.search(r"\.to_csv\s*\(|\bcsv\.(writer|DictWriter)\s*\(", code), (
            f"{path.relative_to(ROOT)}: write CSV through analytics.safety.safe_csv (CSV injection)")


def test_the_rules_see_what_they_forbid():
    """The patterns are not vacuous: each matches an example of what it forbids."""
    examples = ["pickle.loads(data)", "pd.read_pickle(p)", "yaml.full_load(t)", "ET.parse(p)", "st.markdown(x, unsafe_allow_html=True)",
                "eval(x)"]
    for (pattern, _), example in zip(RULES, examples):
        assert re.search(pattern, example), (pattern, example)
    assert _calls("torch.load(path, map_location='cpu')", "torch.load") == ["torch.load(path, map_location='cpu')"]
    assert SOURCES and any(p.name == "cvat.py" for p in SOURCES)
