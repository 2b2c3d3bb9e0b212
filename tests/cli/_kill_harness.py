"""Run one ``aqa`` command and SIGKILL copies of it in the middle of its writes (used by test_kill_during_write.py).

``python _kill_harness.py OUT_DIR TRIALS SEED RESULT_JSON -- aqa-arguments…``

The command runs in this process. An audit hook (:func:`sys.addaudithook`, event ``open``) notices the moment the
command opens a file in ``OUT_DIR`` for writing — its temporary file, or the target itself in a non-atomic writer.
There, for each of ``TRIALS`` trials, the harness puts every target back as it was at that moment, forks, lets
the child carry on with the real write from exactly that point, and SIGKILLs it after a random delay: log-uniform
between 10 µs and the time a child needs to finish the whole command (measured once by letting one child run to the
end, which also gives the "new" content), so most kills land inside the write and the rest anywhere later. After
each kill it records what every target holds: the whole old file, the whole new file, or something else. Once all
trials are done the command finishes normally in this process. The result JSON lists the states per trial.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

_TEMP = re.compile(r"^\.(?P<name>.+)\.[^.]+\.tmp$")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def main() -> int:
    out_dir, trials, seed, result_path = Path(sys.argv[1]).resolve(), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    argv = sys.argv[sys.argv.index("--") + 1:]
    targets = [Path(a).resolve() for a in argv if Path(a).resolve().parent == out_dir]
    old = {t: t.read_bytes() for t in targets}
    rng = random.Random(seed)
    parent = os.getpid()
    state = {"busy": False, "done": set(), "records": [], "new": None, "finish_s": None}

    def restore(contents: dict[Path, bytes]) -> None:
        """Put every target back as it was when the command reached this write, and clear killed children's temp
        files (what a kill leaves, as documented: a hidden ``.NAME.*.tmp`` beside the target)."""
        for entry in out_dir.iterdir():
            if _TEMP.match(entry.name):
                entry.unlink()
        for target, data in contents.items():
            with open(target, "wb") as fh:  # the harness's own writes: not the code under test
                fh.write(data)

    def snapshot() -> dict[str, str]:
        out = {}
        for target in targets:
            data = target.read_bytes() if target.exists() else None
            out[target.name] = ("old" if data == old[target] else "new" if data == state["new"][target]
                                else f"other ({'missing' if data is None else f'{len(data):,} bytes'})")
        extra = sorted(e.name for e in out_dir.iterdir() if e.resolve() not in targets and not _TEMP.match(e.name))
        if extra:
            out["unexpected files"] = ", ".join(extra)
        return out

    def run_child_to_the_end() -> float:
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            return -1.0  # the child: carry on with the command
        os.waitpid(pid, 0)
        return time.perf_counter() - start

    def hook(event: str, args: tuple) -> None:
        if event != "open" or state["busy"] or os.getpid() != parent or not args or not args[0]:
            return
        path, mode, flags = args[0], args[1], args[2] if len(args) > 2 else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        try:
            resolved = Path(os.fsdecode(path)).resolve()
        except (TypeError, ValueError, OSError):
            return
        if not writing or resolved.parent != out_dir:
            return
        match = _TEMP.match(resolved.name)
        target = out_dir / (match.group("name") if match else resolved.name)
        if target not in old or target in state["done"]:
            return
        state["busy"] = True
        try:
            state["done"].add(target)
            entry = {t: t.read_bytes() for t in targets}  # the command has written the targets before this one
            if state["new"] is None:  # once: how long a child takes to finish, and what it leaves
                restore(entry)
                took = run_child_to_the_end()
                if took < 0:
                    state["busy"] = False
                    return
                state["finish_s"] = took
                state["new"] = {t: t.read_bytes() for t in targets}
            for _ in range(trials):
                restore(entry)
                delay = math.exp(rng.uniform(math.log(1e-5), math.log(max(state["finish_s"], 2e-5))))
                pid = os.fork()
                if pid == 0:
                    state["busy"] = False
                    return  # the child: write, until it is killed
                time.sleep(delay)
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                state["records"].append({"at": target.name, "delay_s": delay,
                                         "killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL,
                                         "states": snapshot()})
            restore(entry)
        finally:
            if os.getpid() == parent:
                state["busy"] = False

    sys.addaudithook(hook)
    from analytics.cli import main as aqa

    code = aqa(argv)
    if os.getpid() != parent:
        os._exit(code)  # a child that finished (the measuring run, or one the kill came too late for)
    final = snapshot() if state["new"] is not None else {}
    with open(result_path, "w", encoding="utf-8") as fh:
        json.dump({"exit_code": code, "finish_s": state["finish_s"], "records": state["records"], "final": final}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
