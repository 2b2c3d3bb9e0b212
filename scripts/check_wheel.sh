#!/usr/bin/env bash
# Packaging check: build the sdist and (from it) the wheel, install the wheel in a fresh virtual environment
# with the runtime dependencies only, and use it from outside the checkout.
#
#   bash scripts/check_wheel.sh        (a few minutes: torch is installed in the fresh environment)
#
# Fails (non-zero exit, the reason on stderr) when
# - a dev-only package (scikit-learn, pytest, hypothesis, krippendorff, playwright, dask) comes with the runtime
#   dependencies, or a runtime import needs one (they are absent there, so the import fails);
# - a package-data file is missing from the wheel (py.typed, the report schema and templates, dashboard pages,
#   sample data), or a package-data glob of pyproject.toml matches no file in the wheel;
# - the samples, the HTML and JSON report, `aqa report --json -` or a dashboard page fail from the installed wheel;
# - the sdist lacks the tests (and what they read beside the packages: scripts/, .streamlit/config.toml, .ci/run).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/aqa-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say() { echo "check_wheel: $*" >&2; }
pip_in() {  # pip_in VENV ARGS...: quiet, its log shown only when it fails
  local venv="$1"; shift
  "$venv/bin/pip" install -q "$@" >>"$WORK/pip.log" 2>&1 || { tail -40 "$WORK/pip.log" >&2; say "pip install $* failed"; exit 1; }
}

say "building the sdist and the wheel from it (python -m build) in $WORK"
"$PYTHON" -m venv "$WORK/build-env"
pip_in "$WORK/build-env" build
( cd "$REPO" && "$WORK/build-env/bin/python" -m build --outdir "$WORK/dist" . ) >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; say "the build failed"; exit 1; }
SDIST="$(ls "$WORK"/dist/*.tar.gz)"
WHEEL="$(ls "$WORK"/dist/*.whl)"
say "built $(basename "$SDIST") and $(basename "$WHEEL")"

say "the sdist carries the tests"
"$PYTHON" - "$SDIST" "$REPO" <<'EOF'
import sys, tarfile
from pathlib import Path

sdist, repo = sys.argv[1], Path(sys.argv[2])
with tarfile.open(sdist) as tar:
    names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
tests = sorted(str(p.relative_to(repo)) for p in (repo / "tests").rglob("*.py") if "__pycache__" not in p.parts)
missing = [t for t in tests if t not in names]
missing += [f for f in ("scripts/house_rules.py", ".streamlit/config.toml", ".ci/run", "README.md", "MANIFEST.in",
                        "pyproject.toml", "analytics/py.typed", "analytics/report/templates/report.html.j2")
            if f not in names]
stray = [n for n in names if n.startswith((".venv", ".git/")) or "__pycache__" in n or n.endswith(".pyc")]
if missing or stray or not tests:
    sys.exit(f"sdist: missing {missing[:20]}, stray {stray[:20]}")
print(f"check_wheel: sdist holds {len(names)} files, all {len(tests)} test modules among them", file=sys.stderr)
EOF

say "installing the wheel in a fresh environment (runtime dependencies only)"
"$PYTHON" -m venv "$WORK/venv"
pip_in "$WORK/venv" torch==2.13.0
pip_in "$WORK/venv" "$WHEEL"
for dev in scikit-learn pytest hypothesis krippendorff playwright dask; do
  if "$WORK/venv/bin/pip" show -q "$dev" >/dev/null 2>&1; then
    say "$dev came with the runtime dependencies: it belongs in the dev extra only"; exit 1
  fi
done

say "using the installed package from outside the checkout"
cd "$WORK"
"$WORK/venv/bin/python" - "$REPO" <<'EOF'
import fnmatch, json, subprocess, sys, tomllib, warnings, zipfile
from pathlib import Path

repo = Path(sys.argv[1])
import analytics, dashboard, sample_data

site = Path(analytics.__file__).parent.parent
assert Path(sys.prefix) in site.parents, f"analytics imported from {site}, not from the fresh environment"
for package in (dashboard, sample_data):
    assert Path(package.__file__).parent.parent == site, package.__file__

# every package-data glob matches files, and the files the code opens are there
config = tomllib.loads((repo / "pyproject.toml").read_text())
for package, globs in config["tool"]["setuptools"]["package-data"].items():
    for pattern in globs:
        found = [p for p in (site / package).rglob("*") if fnmatch.fnmatch(str(p.relative_to(site / package)), pattern)]
        assert found, f"package-data glob {package}: {pattern!r} matches no installed file"
for rel in ("analytics/py.typed", "analytics/report/schema.json", "analytics/report/templates/report.html.j2",
            "analytics/report/templates/sections.html.j2", "analytics/report/templates/report.css",
            "dashboard/app.py", "sample_data/digits/digits_cnn.pt"):
    assert (site / rel).is_file(), f"{rel} is not installed"

from analytics.report.quality_report import QualityReport
from analytics.samples import load_sample, sample_names

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for name in sample_names():
        aset = load_sample(name)
        report = QualityReport.from_annotations(aset, device="cpu")
        html = report.to_html()
        assert html.startswith("<!DOCTYPE html>") and "<section id=\"agreement\"" in html, name
        assert json.loads(report.to_json())["schema_version"], name

cli = subprocess.run([str(Path(sys.prefix) / "bin" / "aqa"), "report", str(site / "sample_data/retail/annotations.csv"),
                      "--json", "-", "--no-progress"], capture_output=True, text=True, timeout=600)
assert cli.returncode == 0, cli.stderr
assert json.loads(cli.stdout)["dataset"]["n_items"] > 0, cli.stdout[:200]

from streamlit.testing.v1 import AppTest
from dashboard.app_pages import PAGES

app = AppTest.from_file(str(site / "dashboard" / "app.py"), default_timeout=120)
app.run()
for page in PAGES:
    app.switch_page(f"app_pages/{page['file']}").run()
    assert not app.exception, (page["file"], app.exception)
    assert app.title and app.title[0].value, page["file"]

dev_only = sorted(m for m in ("sklearn", "pytest", "hypothesis", "krippendorff", "playwright", "dask")
                  if m in sys.modules)
assert not dev_only, f"imported at run time: {dev_only}"
import importlib.metadata as md
print(f"check_wheel: wheel OK from {site}: {len(sample_names())} samples reported, CLI JSON on stdout, "
      f"{len(PAGES)} dashboard pages on streamlit {md.version('streamlit')}, no dev package imported", file=sys.stderr)
EOF
say "OK"
