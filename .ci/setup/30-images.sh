#!/usr/bin/env bash
# The `images` extra (kaleido, chart images through the system Chromium) in the project's .venv, which the
# README's test command then completes with torch and the dev extra. The requirements are read from
# pyproject.toml, so they are never written twice.
set -euo pipefail
[ -x .venv/bin/python ] || python3 -m venv .venv
mapfile -t requirements < <(python3 -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["images"], sep="\n")')
.venv/bin/pip install -q "${requirements[@]}"
echo "images extra in .venv: ${requirements[*]}" >&2
