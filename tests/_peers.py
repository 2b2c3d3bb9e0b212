"""Peer oracles (irrCAC, crowd-kit, nltk) that run in their own environment.

The peers pin versions the dev environment cannot hold (irrCAC: scipy 1.12, pandas < 3; see
``benchmarks/requirements-peers.txt``), so they live in a separate virtual environment. A test that compares
with them carries ``@pytest.mark.peers("irrCAC", ...)`` (top-level module names) and:

- runs here as usual where those modules are importable (say, when pytest runs in the peers environment);
- otherwise, when ``AQA_PEERS_PYTHON`` names the peers environment's python, runs there: the first such test
  starts one ``python -m pytest NODEID...`` for all of them in the peers environment (from the repository root,
  so it tests this checkout), and each test here then passes, fails (with the output from there) or skips as it
  did there;
- otherwise skips, naming what is missing (a failure under ``CI=true``, see ``tests/_ci.py``).

Hooks only; ``tests/conftest.py`` imports them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
def _peers_python() -> str:
    """AQA_PEERS_PYTHON as an absolute path (a relative one is taken from where pytest started; a bare name
    is looked up on PATH), so the run from the repository root finds it."""
    value = os.environ.get("AQA_PEERS_PYTHON", "")
    if not value:
        return ""
    return os.path.abspath(value) if os.sep in value else (shutil.which(value) or value)


PEERS_PYTHON = _peers_python()
#: Set in the peers run only: the JSON-lines file where each test's outcome is recorded for the main run.
OUTCOMES_ENV = "AQA_PEER_OUTCOMES"
TIMEOUT_S = 1800
_SEVERITY = {"passed": 0, "skipped": 1, "failed": 2}
_results: dict[str, dict[str, str]] | None = None
_ran_there: list[str] = []


def _missing(item: pytest.Item) -> list[str]:
    marker = item.get_closest_marker("peers")
    if marker is None:
        return []
    return [name for name in marker.args if importlib.util.find_spec(name) is None]


def _read_outcomes(path: Path) -> dict[str, dict[str, str]]:
    results: dict[str, dict[str, str]] = {}
    if not path.exists():
        return results
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        before = results.get(record["nodeid"])
        if before is None or _SEVERITY[record["outcome"]] > _SEVERITY[before["outcome"]]:
            results[record["nodeid"]] = record
    return results


def _run_in_peers(session: pytest.Session) -> dict[str, dict[str, str]]:
    """Run every test of this session that needs the peers environment there, once; their outcomes by node id."""
    global _results
    if _results is not None:
        return _results
    nodeids = [item.nodeid for item in session.items if _missing(item)]
    with tempfile.TemporaryDirectory(prefix="aqa-peers-") as tmp:
        record = Path(tmp) / "outcomes.jsonl"
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
        env[OUTCOMES_ENV] = str(record)
        try:
            done = subprocess.run([PEERS_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nodeids],
                                  cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
            tail = (done.stdout + done.stderr)[-3000:]
            why = f"exit status {done.returncode}"
        except (OSError, subprocess.TimeoutExpired) as exc:
            tail, why = "", f"{type(exc).__name__}: {exc}"
        _results = _read_outcomes(record)
    for nodeid in nodeids:
        _results.setdefault(nodeid, {"nodeid": nodeid, "outcome": "failed",
                                     "detail": f"it did not run there ({why}); the run's output ends:\n{tail}"})
    return _results


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    missing = _missing(pyfuncitem)
    if not missing:
        return None
    names = ", ".join(missing)
    if os.environ.get(OUTCOMES_ENV):  # already the peers run: never start another
        pytest.skip(f"peer oracle: {names} not importable in the peers environment {PEERS_PYTHON or '(unset)'} "
                    "either; rebuild it from benchmarks/requirements-peers.txt")
    if not PEERS_PYTHON:
        pytest.skip(f"peer oracle: {names} not installed here; set AQA_PEERS_PYTHON to the python of an environment "
                    "built from benchmarks/requirements-peers.txt (.ci/setup/20-peers.sh builds one)")
    result = _run_in_peers(pyfuncitem.session)[pyfuncitem.nodeid]
    if result["outcome"] == "skipped":
        pytest.skip(f"in the peers environment: {result['detail']}")
    if result["outcome"] == "failed":
        pytest.fail(f"in the peers environment ({PEERS_PYTHON}):\n{result['detail']}", pytrace=False)
    _ran_there.append(pyfuncitem.nodeid)
    return True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the peers run: record each test's outcome for the main run."""
    path = os.environ.get(OUTCOMES_ENV)
    if not path or not (report.when == "call" or report.outcome != "passed"):
        return
    detail = report.longreprtext
    if report.skipped and isinstance(report.longrepr, tuple):
        detail = str(report.longrepr[2]).removeprefix("Skipped: ")
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"nodeid": report.nodeid, "outcome": report.outcome, "detail": detail[-6000:]}) + "\n")


def summary_line() -> list[str]:
    """One closing line when some tests ran in the peers environment."""
    if not _ran_there:
        return []
    return [f"peer oracles: {len(_ran_there)} tests ran in the peers environment ({PEERS_PYTHON})"]
