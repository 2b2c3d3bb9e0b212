"""House rules: no import circles in analytics/ or dashboard/ (lazy imports count), no module over 500 lines.

The checker is scripts/house_rules.py (also runnable by hand); the tests below first show it catches what it
should on small planted packages, then run it on the project.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scripts.house_rules import CIRCLE_PACKAGES, MAX_LINES, ROOT, import_circles, import_graph, long_modules


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path / "pkg"


def test_a_lazy_import_back_is_a_circle(tmp_path):
    pkg = _package(tmp_path, {
        "__init__.py": "from .a import f\nfrom .sub import g\n",  # re-exports: not counted
        "a.py": "from .sub.b import g\n\ndef f():\n    return g()\n",
        "sub/__init__.py": "from .b import g\n",
        "sub/b.py": "import pkg\n\ndef g():\n    from ..a import f  # lazy, two levels up\n    return f\n",
        "c.py": "from pkg.sub import b\n",  # absolute import of a module: an edge, but not a circle
    })
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.a"} and graph["pkg.c"] == {"pkg.sub.b"}
    assert graph["pkg"] == set() and graph["pkg.sub"] == set()
    assert import_circles(graph) == [["pkg.a", "pkg.sub.b"]]


def test_a_longer_circle_is_one_component(tmp_path):
    pkg = _package(tmp_path, {"__init__.py": "", "x.py": "from . import y\n", "y.py": "from .z import h\n",
                              "z.py": "def h():\n    import pkg.x\n", "w.py": "from . import x\n"})
    assert import_circles(import_graph(pkg)) == [["pkg.x", "pkg.y", "pkg.z"]]


def test_no_edges_without_a_circle(tmp_path):
    pkg = _package(tmp_path, {"__init__.py": "from . import m, n\n", "m.py": "import numpy\nfrom . import n\n",
                              "n.py": "from pkg import VERSION\n"})  # a module importing its own package: not counted
    assert import_circles(import_graph(pkg)) == []


@pytest.mark.parametrize("package", CIRCLE_PACKAGES)
def test_no_import_circles(package):
    circles = import_circles(import_graph(ROOT / package))
    assert circles == [], (f"import circles in {package}/ (lazy imports count): "
                           + "; ".join(" <-> ".join(c) for c in circles)
                           + ". Move the shared code to the module it belongs to; see README 'Design notes'.")


def test_the_long_module_check_reads_every_folder(tmp_path):
    for rel, n in {"analytics/big.py": MAX_LINES + 1, "analytics/ok.py": MAX_LINES,
                   "scripts/tests/test_x.py": 900, "scripts/test_y.py": 900, "dashboard/app_pages/p.py": 501}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n" * n, encoding="utf-8")
    found = long_modules(tmp_path, folders=("analytics", "dashboard", "scripts"))
    assert found == {"analytics/big.py": MAX_LINES + 1, "dashboard/app_pages/p.py": 501}


def test_no_module_passes_500_lines():
    assert long_modules() == {}, "split these modules by concept (not into 'utils')"
