#!/usr/bin/env bash
# The peers environment for the oracle tests (irrCAC, crowd-kit, nltk: tests marked @pytest.mark.peers, see
# tests/_peers.py), built from benchmarks/requirements-peers.txt into .venv-peers (or $AQA_PEERS_VENV), and
# rebuilt only when that file changes. Exports AQA_PEERS_PYTHON, through which the main suite runs those tests.
# Without torch: no peer requires it and the oracle tests do not use it (only the model benchmarks do).
set -euo pipefail
ENV_FILE="${CI_ENV_FILE:-${1:-/dev/stdout}}"
VENV="${AQA_PEERS_VENV:-$PWD/.venv-peers}"
REQUIREMENTS=benchmarks/requirements-peers.txt
STAMP="$VENV/requirements.sha256"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$REQUIREMENTS"
  echo "$want" >"$STAMP"
fi
# the oracles and the project's own imports must work there (the tests run from this checkout's source)
"$VENV/bin/python" -c "import irrCAC.raw, crowdkit.aggregation, nltk.metrics.agreement, pyarrow, analytics, hypothesis"
echo "export AQA_PEERS_PYTHON=$VENV/bin/python" >>"$ENV_FILE"
versions="$("$VENV/bin/python" -c 'from importlib.metadata import version as v
print(", ".join(f"{p} {v(p)}" for p in ("irrCAC", "crowd-kit", "nltk", "numpy", "pyarrow")))')"
echo "peers environment at $VENV: $versions" >&2
