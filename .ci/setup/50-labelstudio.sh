#!/usr/bin/env bash
# Label Studio for the tests that talk to a real server (tests/io/test_labelstudio_server.py and _push.py,
# tests/cli/test_pull_push_cli.py, tests/dashboard/test_labelstudio_pages.py): label-studio from PyPI in a venv of
# its own — its pins (Django 5.2, pytz 2022, pyarrow 24, …) clash with ours — built once into $AQA_LABEL_STUDIO_VENV
# (default ~/.cache/aqa/label-studio-VERSION) and reused while its stamp names the same version. The tests start
# the server themselves, once per test session (SQLite, 127.0.0.1, a free port; tests/_labelstudio_server.py), so
# there is nothing to tear down. Exports AQA_LABEL_STUDIO_BIN, the label-studio executable.
set -euo pipefail
ENV_FILE="${CI_ENV_FILE:-${1:-/dev/stdout}}"
VERSION=1.23.2
VENV="${AQA_LABEL_STUDIO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aqa/label-studio-$VERSION}"
STAMP="$VENV/aqa-stamp"
if [ "$(cat "$STAMP" 2>/dev/null)" != "label-studio==$VERSION" ] || [ ! -x "$VENV/bin/label-studio" ]; then
  echo "building the Label Studio environment at $VENV (a few minutes)" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  if ! "$VENV/bin/pip" install -q "label-studio==$VERSION" >"$VENV/pip.log" 2>&1; then
    cat "$VENV/pip.log" >&2
    exit 1
  fi
  echo "label-studio==$VERSION" >"$STAMP"
fi
installed="$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("label-studio"))')"
if [ "$installed" != "$VERSION" ]; then
  echo "50-labelstudio: $VENV holds label-studio $installed, not $VERSION; remove it and run again" >&2
  exit 1
fi
echo "export AQA_LABEL_STUDIO_BIN=$VENV/bin/label-studio" >>"$ENV_FILE"
echo "label-studio $installed at $VENV" >&2
