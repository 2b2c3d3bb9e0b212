"""A real ``aqa add`` process for the reliability tests, with optional fault injection in the write transaction.

    python add_worker.py WORKSPACE FILE NAME [--slow-insert SECONDS] [--die-after-insert K] [--hold-lock SECONDS]

``--slow-insert`` sleeps after each insert of the transaction (so an outside SIGKILL can land inside it) and prints
``IN_TRANSACTION`` at the first one; ``--die-after-insert K`` SIGKILLs the process itself right after the K-th
insert; ``--hold-lock S`` only takes the workspace's write lock, prints ``LOCKED`` and holds it S seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("workspace")
    p.add_argument("file", nargs="?")
    p.add_argument("name", nargs="?")
    p.add_argument("--slow-insert", type=float, default=0.0)
    p.add_argument("--die-after-insert", type=int, default=0)
    p.add_argument("--hold-lock", type=float, default=0.0)
    args = p.parse_args()
    if args.hold_lock:
        from analytics.workspace import open_workspace
        from analytics.workspace._db import write_transaction

        ws = open_workspace(args.workspace, create=True)
        with write_transaction(ws.engine, timeout=60) as conn:
            conn.exec_driver_sql("SELECT 1")
            print("LOCKED", flush=True)
            time.sleep(args.hold_lock)
        return 0
    from analytics.workspace import _store

    original, calls = _store._insert, [0]

    def insert(*a, **k):
        original(*a, **k)
        calls[0] += 1
        if calls[0] == 1:
            print("IN_TRANSACTION", flush=True)
        if args.die_after_insert and calls[0] >= args.die_after_insert:
            os.kill(os.getpid(), signal.SIGKILL)
        if args.slow_insert:
            time.sleep(args.slow_insert)

    _store._insert = insert
    from analytics.cli import main as aqa

    return aqa(["add", args.file, "--workspace", args.workspace, "--delivery", args.name, "--no-progress"])


if __name__ == "__main__":
    sys.exit(main())
