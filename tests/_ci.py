"""What a test run did not check: skips become failures under ``CI=true``, and the run ends by saying how many
tests ran on which device and what was skipped for want of which optional piece.

Hooks only; ``tests/conftest.py`` imports them. Outside CI a test may skip when an optional piece is missing
(the shared real-data folder, a peer library, Chromium/playwright, kaleido: see the README, "Optional pieces").
Under ``CI=true`` every such skip is turned into a failure that names the missing piece, wherever the skip
came from (``pytest.skip``, ``importorskip``, ``skipif``, a fixture or a module). Only the CUDA tests may
skip: those marked ``@pytest.mark.gpu`` and those whose skip reason is about CUDA.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}

#: Missing piece -> a pattern its skip reasons match (README, "Optional pieces", says what each adds).
PIECES = {
    "CUDA device": re.compile(r"\bCUDA\b"),
    "shared data (AQA_SHARED_DIR)": re.compile(r"shared data|AQA_SHARED_DIR"),
    "peer libraries (AQA_PEERS_PYTHON)": re.compile(r"peer oracle|peers environment"),
    "Chromium/playwright": re.compile(r"chromium|playwright", re.I),
    "kaleido": re.compile(r"kaleido", re.I),
}

_outcomes: dict[str, str] = {}  # nodeid -> passed / failed / skipped (the worst of its phases)
_gpu: set[str] = set()  # nodeids of the tests marked gpu
_skip_reasons: dict[str, str] = {}
_failed_for_want: set[str] = set()  # nodeids whose skip CI turned into a failure
_modules_for_want: set[str] = set()  # collectors (modules) likewise
_SEVERITY = {"passed": 0, "skipped": 1, "failed": 2}


def piece(reason: str) -> str:
    """The optional piece a skip reason is about (``"other"`` when none)."""
    return next((name for name, pattern in PIECES.items() if pattern.search(reason)), "other")


def _may_skip(item: pytest.Item, reason: str) -> bool:
    return item.get_closest_marker("gpu") is not None or piece(reason) == "CUDA device"


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return text.removeprefix("Skipped: ")


def _fail_instead(report, reason: str) -> None:
    report.outcome = "failed"
    report.longrepr = (f"CI=true: this test would have skipped ({reason}). In CI only CUDA tests may skip; "
                       "install or provide what it needs (README, 'Optional pieces'; .ci/setup/).")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _reason(report)
        if CI and not _may_skip(item, reason):
            _fail_instead(report, reason)
            _failed_for_want.add(item.nodeid)
        else:
            _skip_reasons[item.nodeid] = reason
    if item.get_closest_marker("gpu") is not None:
        _gpu.add(item.nodeid)
    before = _outcomes.get(item.nodeid, "passed")
    _outcomes[item.nodeid] = max(before, report.outcome, key=_SEVERITY.__getitem__)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    report = yield
    if report.skipped:
        reason = _reason(report)
        if CI and piece(reason) != "CUDA device":
            _fail_instead(report, reason)
            _modules_for_want.add(report.nodeid)
        else:
            _skip_reasons[report.nodeid] = reason
    return report


def device_lines() -> list[str]:
    """The closing lines: tests per device, and skips per missing piece."""
    def outcome(nodeid: str) -> str:
        return "wanting" if nodeid in _failed_for_want else _outcomes[nodeid]

    cpu = Counter(outcome(k) for k in _outcomes if k not in _gpu)
    cuda = Counter(outcome(k) for k in _outcomes if k in _gpu)
    cuda_skips = sorted({_skip_reasons[k] for k in _gpu if k in _skip_reasons})

    def ran(counts: Counter) -> str:
        text = f"{counts['passed'] + counts['failed']} ran" + (f" ({counts['failed']} failed)" if counts["failed"] else "")
        return text + (f", {counts['wanting']} failed for want of an optional piece" if counts["wanting"] else "")

    cpu_text = ran(cpu) + (f", {cpu['skipped']} skipped" if cpu["skipped"] else "")
    cuda_text = ran(cuda) + (f", {cuda['skipped']} skipped: {'; '.join(cuda_skips)}" if cuda["skipped"] else "")
    lines = [f"device: cpu — {cpu_text}; cuda — {cuda_text}" + (" (CI=true)" if CI else "")]
    if _modules_for_want:
        lines.append(f"{len(_modules_for_want)} test module(s) failed to collect for want of an optional piece: "
                     + ", ".join(sorted(_modules_for_want)))
    missing = Counter(piece(reason) for k, reason in _skip_reasons.items() if k not in _gpu)
    if missing:
        lines.append("skipped for want of: " + ", ".join(f"{name} {n}" for name, n in missing.most_common())
                     + " (README, 'Optional pieces'; under CI=true these fail)")
    return lines


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's own summary line: these are the run's last lines."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not (_outcomes or _modules_for_want) or os.environ.get("AQA_PEER_OUTCOMES"):
        return
    from tests._peers import summary_line

    for line in [*device_lines(), *summary_line()]:
        reporter.write_line(line)
