"""Real processes: concurrent ``aqa add`` on one workspace lose and corrupt nothing; a process killed (SIGKILL) at
any point of ``aqa add`` leaves the workspace as it was or with the whole delivery; on PostgreSQL concurrent adds
from several processes all land."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.workspace import open_workspace

WORKER = str(Path(__file__).with_name("add_worker.py"))
REPO = Path(__file__).resolve().parents[2]
TABLES = ("deliveries", "delivery_files", "delivery_data", "delivery_items", "coefficients", "category_stats",
          "annotator_gold", "pair_stats")


def _files(folder: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(5)
    out = []
    for k in range(n):
        items = [f"d{k}-i{i}" for i in range(120)]
        truth = rng.choice(list("abcde"), len(items))
        rows = [{"item_id": it, "annotator_id": a, "label": t if rng.random() < 0.8 else rng.choice(list("abcde"))}
                for it, t in zip(items, truth) for a in ("x", "y", "z")]
        path = folder / f"batch{k}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        out.append(path)
    return out


def _start(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, **(env or {})})


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_concurrent_adds_all_land_and_a_writer_waits(tmp_path):
    files = _files(tmp_path, 4)
    ws = tmp_path / "w.aqa"
    holder = _start(str(ws), "--hold-lock", "4")
    assert holder.stdout.readline().strip() == "LOCKED"
    procs = [_start(str(ws), str(f), f"batch-{k}") for k, f in enumerate(files)]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    holder.communicate(timeout=60)
    assert all(code == 0 for _, _, code in results), [err for _, err, _ in results]
    with open_workspace(ws) as w:
        names = sorted(d.name for d in w.deliveries())
        history = w.history()
    assert names == [f"batch-{k}" for k in range(4)]
    counts = _counts(ws)
    assert counts["deliveries"] == 4 and counts["delivery_items"] == 4 * 120
    assert len({r["delivery"] for r in history.agreement}) == 4


def test_a_writer_that_waits_too_long_fails_clearly_and_writes_nothing(tmp_path):
    (f,) = _files(tmp_path, 1)
    ws = tmp_path / "w.aqa"
    # The holder keeps the lock until the late writer has given up (however long a loaded machine takes the
    # writer to load its file and reach the write): a fixed hold could end before the writer even asks.
    holder = _start(str(ws), "--hold-lock", "600")
    assert holder.stdout.readline().strip() == "LOCKED"
    try:
        out, err = _start(str(ws), str(f), "late", env={"AQA_WORKSPACE_TIMEOUT": "1"}).communicate(timeout=300)
    finally:
        holder.kill()
        holder.communicate(timeout=60)
    assert "is busy: another process held its write lock for more than 1 s" in err and "Nothing was written" in err
    assert _counts(ws)["deliveries"] == 0


@pytest.mark.parametrize("seed", range(6))
def test_sigkill_anywhere_leaves_the_workspace_whole(tmp_path, seed):
    rng = random.Random(seed)
    first, second = _files(tmp_path, 2)
    ws, reference = tmp_path / "w.aqa", tmp_path / "reference.aqa"
    for target in (ws, reference):
        assert _start(str(target), str(first), "before").wait(timeout=300) == 0
    assert _start(str(reference), str(second), "after").wait(timeout=300) == 0
    before, complete = _counts(ws), _counts(reference)
    if seed % 2 == 0:  # killed by itself right after a random insert of the transaction
        proc = _start(str(ws), str(second), "after", "--die-after-insert", str(rng.randint(1, 6)))
        proc.communicate(timeout=300)
    else:  # killed from outside at a random moment: while computing, or inside the (slowed) transaction
        proc = _start(str(ws), str(second), "after", "--slow-insert", "0.15")
        if seed % 3 == 0:
            time.sleep(rng.uniform(0.0, 2.0))
        else:
            assert proc.stdout.readline().strip() == "IN_TRANSACTION"
            time.sleep(rng.uniform(0.0, 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    after = _counts(ws)
    assert after in (before, complete), (after, before, complete)
    with open_workspace(ws) as w:  # readable, and the delivery can still be added
        if after == before:
            assert [d.name for d in w.deliveries()] == ["before"]
        w.history()
    if after == before:
        assert _start(str(ws), str(second), "after").wait(timeout=300) == 0
        assert _counts(ws) == complete


def test_concurrent_adds_on_postgresql_all_land(tmp_path, pg_location):
    files = _files(tmp_path, 4)
    procs = [_start(pg_location, str(f), f"batch-{k}") for k, f in enumerate(files)]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), [err for _, err, _ in results]
    with open_workspace(pg_location) as w:
        deliveries = w.deliveries()
        history = w.history()
    assert sorted(d.name for d in deliveries) == [f"batch-{k}" for k in range(4)]
    assert all(d.n_items == 120 for d in deliveries)
    assert len({r["delivery"] for r in history.agreement}) == 4


def test_sigkill_inside_a_postgresql_transaction_leaves_nothing(tmp_path, pg_location):
    (f,) = _files(tmp_path, 1)
    proc = _start(pg_location, str(f), "doomed", "--die-after-insert", "3")
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    with open_workspace(pg_location) as w:
        assert w.deliveries() == ()
    assert _start(pg_location, str(f), "doomed").wait(timeout=300) == 0
    with open_workspace(pg_location) as w:
        assert [d.name for d in w.deliveries()] == ["doomed"]
