"""Shared fixtures: paths to the real datasets beside the repository (tests skip when absent, fail under CI=true).

The CI policy (skips become failures under ``CI=true``; the closing device summary) lives in ``tests/_ci.py``,
the peer-oracle runs in the peers environment in ``tests/_peers.py``; their hooks are imported here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests._ci import CI, pytest_make_collect_report, pytest_runtest_makereport, pytest_unconfigure  # noqa: F401
from tests._peers import pytest_pyfunc_call, pytest_runtest_logreport  # noqa: F401

if CI:
    # CI runs the same examples every time (a landing must not hang on which random cases were drawn); local runs
    # keep drawing new ones, and what they find becomes a named regression test (e.g. tests/io/test_type_garbage.py).
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    _hypothesis_settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AQA_SHARED_DIR", REPO.parent / "shared"))
DATASETS = SHARED / "datasets"
FORMATS = SHARED / "formats"
SAMPLES = REPO / "sample_data"


def need(path: Path) -> Path:
    """Skip the calling test when ``path`` (a shared dataset or format file) is absent."""
    if not path.exists():
        pytest.skip(f"{path} is not available (shared data: ../shared beside the repository, or set AQA_SHARED_DIR)")
    return path


@pytest.fixture
def datasets_dir() -> Path:
    return need(DATASETS)


@pytest.fixture
def formats_dir() -> Path:
    return need(FORMATS)


def pytest_terminal_summary(terminalreporter):
    """After a run that included tests/fuzz, print how many fuzz cases ran."""
    harness = sys.modules.get("_harness")
    if harness is not None and hasattr(harness, "summary"):
        harness.summary(terminalreporter)


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    """A real Label Studio server for the whole test session (see tests/_labelstudio_server.py).

    Needs ``AQA_LABEL_STUDIO_BIN`` (the ``label-studio`` executable of its own virtual environment, built by
    ``.ci/setup/50-labelstudio.sh``); skips without it, fails under ``CI=true``.
    """
    from tests._labelstudio_server import BIN_VARIABLE, start_server

    executable = os.environ.get(BIN_VARIABLE)
    if not executable or not Path(executable).exists():
        reason = (f"{BIN_VARIABLE} is not set to a label-studio executable (run .ci/setup/50-labelstudio.sh, then "
                  f"export {BIN_VARIABLE}=…/bin/label-studio)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    server = start_server(executable, tmp_path_factory.mktemp("label-studio"))
    try:
        yield server
    finally:
        server.stop()
