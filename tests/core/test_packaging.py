"""Packaging facts checked on the source tree (the wheel itself is checked by scripts/check_wheel.sh):
runtime code imports no dev-only package, package-data globs match files, the sdist manifest carries the tests."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: Import names of the packages that only the dev extra (or the peers environment) installs.
DEV_ONLY = {"sklearn", "pytest", "hypothesis", "krippendorff", "jsonschema", "playwright", "irrCAC", "crowdkit",
            "nltk"}


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def _top_level_imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("package", ["analytics", "dashboard"])
def test_runtime_code_imports_no_dev_only_package(package):
    offenders = {str(p.relative_to(ROOT)): sorted(_top_level_imports(p) & DEV_ONLY)
                 for p in sorted((ROOT / package).rglob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_dask_is_imported_by_the_dask_backend_only():
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "analytics").rglob("*.py"))
                 if "dask_backend" not in p.parts and _top_level_imports(p) & {"dask", "distributed"}]
    assert offenders == []


def test_scikit_learn_is_a_dev_dependency_only():
    runtime = _requirement_names(CONFIG["project"]["dependencies"])
    dev = _requirement_names(CONFIG["project"]["optional-dependencies"]["dev"])
    assert "scikit-learn" not in runtime and "scikit-learn" in dev
    assert "playwright" in dev and {"jinja2", "markupsafe"} <= runtime
    assert "sklearn" in _top_level_imports(ROOT / "sample_data" / "make_samples.py")  # why it is in dev


def test_every_package_data_glob_matches_a_file():
    for package, globs in CONFIG["tool"]["setuptools"]["package-data"].items():
        files = [str(p.relative_to(ROOT / package)) for p in (ROOT / package).rglob("*") if p.is_file()]
        for pattern in globs:
            assert fnmatch.filter(files, pattern), f"[tool.setuptools.package-data] {package}: {pattern!r} matches nothing"
    analytics_globs = CONFIG["tool"]["setuptools"]["package-data"]["analytics"]
    for needed in ("py.typed", "report/schema.json", "report/templates/report.html.j2",
                   "report/templates/sections.html.j2", "report/templates/report.css"):
        assert (ROOT / "analytics" / needed).is_file(), needed
        assert any(fnmatch.fnmatch(needed, g) for g in analytics_globs), f"{needed} is not package-data"


def test_the_sdist_manifest_carries_the_tests_and_what_they_read():
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    for line in ("graft tests", "graft scripts", "include .streamlit/config.toml", "include .ci/run"):
        assert line in manifest, line
