"""The streamlit lower bound of pyproject.toml is one the dashboard runs on: the dashboard tests pass there.

The environment with that exact streamlit is built by ``.ci/setup/60-streamlit-floor.sh`` (CI runs it; by hand:
``bash .ci/setup/60-streamlit-floor.sh``), which exports ``AQA_STREAMLIT_FLOOR_PYTHON``; without it this test skips
(and under CI=true a skip is a failure). Streamlit 1.51 fails these tests (``st.download_button`` with a callable
``data``), 1.46 fails ``st.dataframe(width="stretch")``: the bound must be raised when the dashboard starts
using something newer, and this test says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _floor() -> str:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return next(m.group(1) for d in deps if (m := re.fullmatch(r"streamlit\s*>=\s*([0-9.]+)", d.strip())))


@pytest.mark.slow
def test_dashboard_tests_pass_on_the_streamlit_floor():
    floor = _floor()
    python = os.environ.get("AQA_STREAMLIT_FLOOR_PYTHON") or str(ROOT / ".venv-streamlit-floor" / "bin" / "python")
    if not Path(python).exists():
        pytest.skip(f"no streamlit {floor} environment: run `bash .ci/setup/60-streamlit-floor.sh` "
                    "(sets AQA_STREAMLIT_FLOOR_PYTHON)")
    version = subprocess.run([python, "-c", "from importlib.metadata import version; print(version('streamlit'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert Version(version) == Version(floor), f"{python} has streamlit {version}, not the floor {floor}: rebuild it"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/dashboard",
                          "--ignore", str(Path(__file__).relative_to(ROOT))],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    tail = "\n".join(run.stdout.splitlines()[-15:])
    assert run.returncode == 0, f"the dashboard tests fail on streamlit {floor}:\n{tail}\n{run.stderr[-2000:]}"
    assert re.search(r"\d+ passed", tail) and "failed" not in tail, tail
    print(f"streamlit {floor}: {tail.splitlines()[-1]}")
