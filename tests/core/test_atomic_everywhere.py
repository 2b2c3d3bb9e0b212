"""Issue 21, point 2: every file the project writes goes through ``analytics._atomic``.

A static check over the project's own code (library, dashboard, sample generators, scripts, benchmarks): every call
that writes a file — ``open(..., "w")``, ``Path.write_text``/``write_bytes``, ``DataFrame.to_csv(path)``/``to_parquet``,
``.save(...)``, ``write_image``, ``pq.write_table``, ``json.dump`` … — must sit inside a ``with atomic_write(...)`` or
``with atomic_target(...)`` block (or be one of the helpers ``write_text_atomic``/``write_bytes_atomic``). A line that
writes to memory, not to a file, says so with an ``# atomic:`` comment. New code from any branch is held to it too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("analytics", "dashboard", "sample_data", "scripts", "benchmarks")
ATOMIC = {"atomic_write", "atomic_target"}
WRITERS = {"write_text", "write_bytes", "to_csv", "to_parquet", "to_json", "to_excel", "to_pickle", "to_feather",
           "to_html", "save", "savefig", "write_image", "write_html", "write_table", "screenshot", "dump",
           "to_netcdf", "to_hdf", "write_dataset", "copyfile", "copy", "copy2", "move"}
READ_MODES = {"r", "rb", "rt", "br", "tr"}


def _files() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")
                  if p.name != "_atomic.py" and ".venv" not in p.parts)


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _opens_for_writing(node: ast.Call) -> bool:
    mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
    if isinstance(node.func, ast.Attribute) and node.args and isinstance(node.args[0], ast.Constant):
        mode = node.args[0]  # Path.open("w")
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and mode.value not in READ_MODES


def _writes(node: ast.Call) -> bool:
    name = _call_name(node)
    if name == "open":
        return _opens_for_writing(node)
    if name not in WRITERS:
        return False
    if name in ("to_csv", "to_json", "to_html") and not node.args and not any(
            k.arg in ("path_or_buf", "buf") for k in node.keywords):
        return False  # returns text: no file
    if name == "dump" and not (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                               and node.func.value.id in ("json", "pickle", "yaml", "np", "numpy", "torch")):
        return False
    if name in ("copy", "move") and not (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                                         and node.func.value.id == "shutil"):
        return False
    return True


def _violations(path: Path) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    found: list[str] = []

    def visit(node: ast.AST, inside: bool) -> None:
        if isinstance(node, (ast.With, ast.AsyncWith)):
            inside = inside or any(isinstance(i.context_expr, ast.Call) and _call_name(i.context_expr) in ATOMIC
                                   for i in node.items)
        if isinstance(node, ast.Call) and _writes(node) and not inside:
            line = lines[node.lineno - 1]
            if "# atomic:" not in line:
                where = path.relative_to(ROOT) if ROOT in path.parents else path.name
                found.append(f"{where}:{node.lineno}: {line.strip()}")
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


def test_every_file_the_project_writes_goes_through_the_atomic_helper():
    violations = [v for path in _files() for v in _violations(path)]
    assert not violations, "write these through analytics._atomic:\n" + "\n".join(violations)


@pytest.mark.parametrize("snippet", [
    "from pathlib import Path\nPath('x').write_text('a')\n",
    "open('x', 'w').write('a')\n",
    "import pandas as pd\npd.DataFrame().to_csv('x.csv')\n",
    "import json\njson.dump({}, open('x', 'a'))\n",
    "fig.write_image('x.png')\n",
])
def test_the_check_finds_plain_writes(tmp_path, snippet):
    path = tmp_path / "probe.py"
    path.write_text(snippet)
    assert _violations(path)


def test_the_check_accepts_atomic_blocks(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text("with atomic_write('x') as fh:\n    frame.to_csv(fh)\n"
                    "with atomic_target('y.png') as tmp:\n    fig.write_image(str(tmp))\n"
                    "text = frame.to_csv()\nopen('x').read()\n")
    assert _violations(path) == []
