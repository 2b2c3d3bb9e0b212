"""The README's set-up commands are the ones CI runs."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    blocks = _bash_blocks(readme)
    test_cmd = next(b for b in blocks if "pytest" in b)
    ci = (REPO / ".ci" / "run").read_text()
    assert test_cmd in ci.splitlines()  # verbatim, as a line of its own (the setup steps come before it)


def test_readme_has_the_dashboard_command():
    blocks = _bash_blocks((REPO / "README.md").read_text())
    assert any(b.endswith("aqa dashboard") and "pip install" in b for b in blocks)


def test_streamlit_config_binds_localhost_without_telemetry():
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False
    from dashboard.serve import SETTINGS, command, flag_options

    assert config == SETTINGS  # aqa dashboard passes every setting, so they hold from any working directory
    cmd = command()
    assert "--server.address=127.0.0.1" in cmd and "--browser.gatherUsageStats=false" in cmd
    assert "--client.toolbarMode=minimal" in cmd and "--server.maxUploadSize=200" in cmd
    options = flag_options(port=8600)
    assert options["server_address"] == "127.0.0.1" and options["server_port"] == 8600
    assert options["browser_gatherUsageStats"] is False and options["client_toolbarMode"] == "minimal"


def test_readme_python_blocks_run(monkeypatch):
    """The tour's ```python blocks run as written (the two lines that need the shared datasets use them when
    present; under CI=true they must be); blocks that need outside infrastructure (a Dask scheduler) are fenced
    ```py and not run."""
    import warnings

    from tests.conftest import CI, DATASETS, FORMATS, need

    text = (REPO / "README.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.S))
    for name, path in (("labelme_answers.txt", FORMATS / "wide" / "labelme_answers.txt"),
                       ("human_counts.csv", DATASETS / "cifar10h" / "human_counts.csv")):
        if CI:
            need(path)  # fails under CI=true when the shared data is missing
        code = code.replace(f'"{name}"', repr(str(path)) if path.exists() else "None")
    code = "\n".join(line for line in code.splitlines() if "(None" not in line)
    monkeypatch.chdir(REPO)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README.md", "exec"), {})


def test_ci_setup_and_teardown_scripts_follow_the_convention():
    """.ci/run runs .ci/setup/NN-name.sh in order and .ci/teardown/NN-name.sh in reverse (see its header): each
    file is named so, is valid bash, and a teardown script has a setup script of the same name."""
    import subprocess

    setup = sorted(p.name for p in (REPO / ".ci" / "setup").iterdir())
    teardown = sorted(p.name for p in (REPO / ".ci" / "teardown").glob("*"))  # none yet: no setup leaves a service
    assert setup and all(re.fullmatch(r"\d\d-[a-z0-9-]+\.sh", name) for name in setup + teardown), setup + teardown
    assert set(teardown) <= set(setup), set(teardown) - set(setup)
    assert len({name[:2] for name in setup}) == len(setup)  # one number per service
    for path in [REPO / ".ci" / "run", *(REPO / ".ci" / d / n for d, names in (("setup", setup), ("teardown", teardown))
                                         for n in names)]:
        done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, f"{path}: {done.stderr}"
