"""House rules that a test (tests/core/test_house_rules.py) and a person can check: no import circles, short modules.

Usage::

    python scripts/house_rules.py            # analytics/ and dashboard/ circles; modules over 500 lines

An import circle is a set of modules that import each other, directly or through others, counting lazy
(function-level) imports too. A package's ``__init__`` importing its own modules, and a module importing the
package it belongs to, are not counted (re-exports). Exits 1 when a rule is broken.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Packages checked for circles, and folders whose modules must stay under MAX_LINES.
CIRCLE_PACKAGES = ("analytics", "dashboard")
SIZE_FOLDERS = ("analytics", "dashboard", "scripts", "sample_data")
MAX_LINES = 500

__all__ = ["import_graph", "import_circles", "long_modules", "main"]


def _modules(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``package_dir`` (named from its folder)."""
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = (package_dir.name, *path.relative_to(package_dir).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> list[str]:
    """The module names an import statement names (``from p import m`` names ``p.m`` when that is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    package = module if is_package else module.rpartition(".")[0]
    if node.level:
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports anywhere in its body (lazy imports included)."""
    known = _modules(package_dir)
    graph: dict[str, set[str]] = {m: set() for m in known}
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _targets(module, is_package, node, known):
                while target not in known and "." in target:
                    target = target.rpartition(".")[0]
                if target not in known or target == module:
                    continue
                if is_package and target.startswith(module + "."):
                    continue  # a package's __init__ re-exporting its own modules
                if known[target].name == "__init__.py" and module.startswith(target + "."):
                    continue  # a module importing the package it belongs to
                graph[module].add(target)
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return sorted(circles)


def long_modules(root: Path = ROOT, folders: tuple[str, ...] = SIZE_FOLDERS,
                 max_lines: int = MAX_LINES) -> dict[str, int]:
    """Non-test ``.py`` files under ``folders`` with more than ``max_lines`` lines: relative path -> lines."""
    out = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            if path.name.startswith("test_") or "tests" in path.relative_to(root).parts:
                continue
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > max_lines:
                out[str(path.relative_to(root))] = n
    return out


def main(argv: list[str] | None = None) -> int:
    broken = False
    for package in CIRCLE_PACKAGES:
        circles = import_circles(import_graph(ROOT / package))
        for circle in circles:
            print(f"circle of {len(circle)}: " + ", ".join(circle))
        print(f"{len(circles)} import circle(s) in {package}/")
        broken |= bool(circles)
    for path, n in long_modules().items():
        print(f"{path}: {n} lines (more than {MAX_LINES}): split it by concept")
        broken = True
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
