#!/usr/bin/env bash
# The streamlit floor environment: the project with the oldest streamlit that pyproject.toml allows (its
# `streamlit>=X` bound, installed as streamlit==X), built into .venv-streamlit-floor (or $AQA_STREAMLIT_FLOOR_VENV)
# and rebuilt only when pyproject.toml changes. Exports AQA_STREAMLIT_FLOOR_PYTHON, with which
# tests/dashboard/test_streamlit_floor.py runs the dashboard tests: the bound is what the dashboard runs on.
# Also usable by hand: `bash .ci/setup/60-streamlit-floor.sh` (prints the export line).
set -euo pipefail
ENV_FILE="${CI_ENV_FILE:-${1:-/dev/stdout}}"
VENV="${AQA_STREAMLIT_FLOOR_VENV:-$PWD/.venv-streamlit-floor}"
FLOOR="$(python3 - <<'PY'
import re, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
print(next(m.group(1) for d in deps if (m := re.fullmatch(r"streamlit\s*>=\s*([0-9.]+)", d.strip()))))
PY
)"
STAMP="$VENV/pyproject.sha256"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch==2.13.0
  "$VENV/bin/pip" install -q -e ".[dev]" "streamlit==$FLOOR"
  echo "$want" >"$STAMP"
fi
got="$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("streamlit"))')"
if ! "$VENV/bin/python" -c 'import sys; from packaging.version import Version as V; sys.exit(V(sys.argv[1]) != V(sys.argv[2]))' \
    "$got" "$FLOOR"; then
  echo "60-streamlit-floor: $VENV has streamlit $got, not the floor $FLOOR" >&2
  exit 1
fi
echo "export AQA_STREAMLIT_FLOOR_PYTHON=$VENV/bin/python" >>"$ENV_FILE"
echo "streamlit floor environment at $VENV: streamlit $got" >&2
