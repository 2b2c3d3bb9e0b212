"""What a push to Label Studio writes and reports: the plan and result types, and the task-meta helpers.

A task's meta gets ``meta["aqa"][queue] = {"reason", "votes", "consensus", "agreement", "n_ratings",
"pushed_at"}``; every other meta key is kept. Writes are recorded as they happen, so a failed push can put
every task back (:func:`restore_meta`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import LabelStudioError
from ..results import ResultMixin
from .._wording import count_noun

__all__ = ["META_KEY", "VIEW_TITLES", "PushPlan", "PushResult", "entry_of", "with_entry", "holds", "write_meta",
           "restore_meta"]

#: The key of the tasks' meta that holds what Annotation QA wrote.
META_KEY = "aqa"
#: Saved view (tab) per queue.
VIEW_TITLES = {"senior_review": "AQA: senior review", "adjudicate": "AQA: adjudicate", "audit": "AQA: audit sample"}
_MAX_META_BYTES = 64 * 1024
ENTRY_COLUMNS = ("reason", "votes", "consensus", "agreement", "n_ratings")


@dataclass(frozen=True, eq=False)
class PushPlan(ResultMixin):
    """What a push will do (nothing is written yet); :meth:`summary_lines` says it in words.

    Attributes
    ----------
    address : str
        The project (``labelstudio://HOST:PORT/projects/ID``).
    project_title : str
    queue : str
    items : pandas.DataFrame
        The queued tasks: ``task_id, reason, votes, consensus, agreement, n_ratings``.
    to_project : str or None
        Title of the separate review project, or None (a view in the project itself).
    view_title : str
    view_id : int or None
        The existing view that is replaced (None: a new one is created).
    n_meta_updates, n_meta_cleared : int
        Tasks whose meta gets this queue's entry; tasks whose entry from an earlier push is removed.
    review_project_id : int or None
        The existing review project (None: created, when ``to_project`` is given).
    n_new_tasks : int
        Tasks imported into the review project.
    """

    address: str
    project_title: str
    queue: str
    items: pd.DataFrame
    to_project: str | None
    view_title: str
    view_id: int | None
    n_meta_updates: int
    n_meta_cleared: int
    review_project_id: int | None
    n_new_tasks: int
    _connection: Any = field(repr=False, default=None)
    _updates: tuple = field(repr=False, default=())  # (task id, meta before, meta after), in the target project
    _new_tasks: tuple = field(repr=False, default=())  # task objects to import into the review project
    _label_config: str = field(repr=False, default="")

    def summary_lines(self) -> list[str]:
        n = len(self.items)
        if self.to_project is None:
            view = (f"replace the view '{self.view_title}' (view {self.view_id})" if self.view_id is not None
                    else f"create the view '{self.view_title}'")
            lines = [f"{view} in project '{self.project_title}' ({self.address}), showing {count_noun(n, 'task')} of the "
                     f"{self.queue} queue;",
                     f"write the routing reason and vote split to the meta of {count_noun(self.n_meta_updates, 'task')} "
                     f"(meta['{META_KEY}']['{self.queue}']);"]
        else:
            where = (f"the existing review project '{self.to_project}' (project {self.review_project_id})"
                     if self.review_project_id is not None else f"a new review project '{self.to_project}' with "
                     f"the labelling config of '{self.project_title}'")
            lines = [f"put the {count_noun(n, 'task')} of the {self.queue} queue into {where}: {self.n_new_tasks:,} imported "
                     f"(data and reason; no annotation), {n - self.n_new_tasks:,} already there get their reason "
                     "updated;"]
        if self.n_meta_cleared:
            lines.append(f"remove the {self.queue} entry of {count_noun(self.n_meta_cleared, 'task')} that were in this queue "
                         "at an earlier push and are not any more;")
        lines.append("no annotation is written or changed.")
        return lines

    def to_frame(self) -> pd.DataFrame:
        return self.items.copy()


@dataclass(frozen=True)
class PushResult(ResultMixin):
    """What a push did: the view or review project (``url`` opens it) and the tasks written."""

    queue: str
    project_id: int
    view_id: int | None
    url: str
    n_tasks: int
    n_meta_updates: int
    n_meta_cleared: int
    n_new_tasks: int

    def summary_lines(self) -> list[str]:
        where = f"view {self.view_id}" if self.view_id is not None else f"review project {self.project_id}"
        return [f"Pushed the {self.queue} queue ({self.n_tasks:,} tasks) to {where}: {self.url}",
                f"meta written on {count_noun(self.n_meta_updates, 'task')}, removed from {self.n_meta_cleared:,}; "
                f"{count_noun(self.n_new_tasks, 'task')} imported."]


def entry_of(row: pd.Series, pushed_at: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in ENTRY_COLUMNS:
        value = row.get(col)
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            value = None
        elif isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (np.floating, float)):
            value = round(float(value), 4)
        elif not isinstance(value, (str, int, bool)):
            value = str(value)
        out[col] = value
    out["pushed_at"] = pushed_at
    return out


def with_entry(meta: Any, task_id: int, queue: str, entry: dict[str, Any] | None, extra: dict[str, Any]) -> dict:
    new = copy.deepcopy(meta) if isinstance(meta, dict) else {}
    ours = new.get(META_KEY, {})
    if not isinstance(ours, dict):
        raise LabelStudioError(f"Task {task_id} already holds meta['{META_KEY}'] that Annotation QA did not write "
                               f"({str(ours)[:80]!r}); rename that key in Label Studio, then push again.")
    ours = {**ours, **extra}
    if entry is None:
        ours.pop(queue, None)
    else:
        ours[queue] = entry
    if ours:
        new[META_KEY] = ours
    else:
        new.pop(META_KEY, None)
    size = len(json.dumps(new, ensure_ascii=False, allow_nan=False))
    if size > _MAX_META_BYTES:
        raise LabelStudioError(f"The meta of task {task_id} would grow to {size:,} bytes (limit "
                               f"{_MAX_META_BYTES:,}); remove old entries from it in Label Studio, then push again.")
    return new


def holds(meta: Any, queue: str) -> bool:
    return isinstance(meta, dict) and isinstance(meta.get(META_KEY), dict) and queue in meta[META_KEY]


def write_meta(conn: Any, updates: tuple, done: list[tuple[int, Any]], *, workers: int = 8) -> None:
    """Write each task's new meta (one PATCH per task, ``workers`` at a time: Label Studio has no bulk meta
    update), appending ``(task id, meta before)`` to ``done`` for every write that succeeded.

    On the first failure no further write starts; the writes in flight finish (and are recorded), then the
    first error is raised, so :func:`restore_meta` can put back exactly what was written.
    """
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    def one(tid: int, after: dict) -> None:
        conn.call(f"writing the meta of task {tid}", lambda: conn.client.tasks.update(id=tid, meta=after),
                  missing=f"Task {tid} was deleted during the push.")

    pending = list(updates)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(one, tid, after): (tid, before) for tid, before, after in pending}
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in finished if f.exception() is not None]
        if failed:
            for f in futures:
                f.cancel()  # writes not started yet never start
        finished, _ = wait(futures)
    error = None
    for future, (tid, before) in futures.items():
        if future.cancelled():
            continue
        if future.exception() is None:
            done.append((tid, before))
        elif error is None:
            error = future.exception()
    if error is not None:
        raise error


def restore_meta(conn: Any, done: list[tuple[int, Any]]) -> str:
    """Put back the meta of the tasks already written; returns a sentence for the error message."""
    failed = []
    for tid, before in reversed(done):
        try:
            conn.client.tasks.update(id=tid, meta=before if isinstance(before, dict) else {})
        except Exception:  # report which could not be restored; the original error is the one raised
            failed.append(tid)
    if not done:
        return "Nothing had been written."
    if failed:
        return (f"{count_noun(len(done) - len(failed), 'task meta')} already written were restored; {len(failed):,} could not "
                f"be (tasks {failed[:10]}): remove meta['{META_KEY}'] from them by hand.")
    return f"The {count_noun(len(done), 'task meta')} already written were restored; the server is as it was."
