"""Push a work queue back to Label Studio: a saved view (tab) of the project plus each task's reason in its meta,
or a separate review project holding those tasks.

Two steps, so a person can see what will happen before it happens: :func:`plan_labelstudio_push` reads the
server and checks everything (the project asks a classification question, every queued item is a task of it,
every new meta serializes) without writing; :func:`apply_labelstudio_push` carries the plan out. The tasks'
``meta`` gets
``meta["aqa"][queue] = {"reason", "votes", "consensus", "agreement", "n_ratings", "pushed_at"}`` (other
meta keys are kept); tasks that carried this queue's entry from an earlier push and left the queue lose it.
The view comes last, named ``"AQA: <queue>"`` and replaced in place when it exists, so re-running never
duplicates anything. Annotations are never written. When a step fails, the meta already written is put back
(and a review project created by this push is deleted), so the server is left as it was.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd

from ..exceptions import InvalidParameterError, LabelStudioError
from ._labelstudio_meta import (ENTRY_COLUMNS, VIEW_TITLES, PushPlan, PushResult, entry_of, holds, restore_meta,
                                with_entry, write_meta)
from ._labelstudio_review import apply_review_project, plan_review_project
from .labelstudio_api import Connection, ServerAddress, classification_controls, parse_address, server_address
from .._wording import count_noun

__all__ = ["PushPlan", "PushResult", "plan_labelstudio_push", "apply_labelstudio_push", "view_data"]


def _address(target: Any) -> ServerAddress:
    if isinstance(target, ServerAddress):
        return target
    if isinstance(target, tuple) and len(target) == 2:
        return server_address(*target)
    return parse_address(str(target))


def _task_ids(items: pd.DataFrame, address: ServerAddress) -> list[int]:
    if "item_id" not in items.columns:
        raise InvalidParameterError("The queue needs an 'item_id' column (analytics.queue_items gives one).")
    ids = items["item_id"].astype(str).str.strip()
    bad = ids[~ids.str.fullmatch(r"\d+")]
    if len(bad):
        raise InvalidParameterError(
            f"Item ids {', '.join(map(repr, bad.head(5)))} are not Label Studio task ids: push a queue computed from "
            f"annotations pulled from the project ({address}).")
    return [int(i) for i in ids]


def plan_labelstudio_push(items: pd.DataFrame, target: Any, *, queue: str, token: str | None = None,
              to_project: str | None = None) -> PushPlan:
    """Check a push against the server and say what it will do, without writing anything.

    Parameters
    ----------
    items : pandas.DataFrame
        The queue (:func:`analytics.queue_items`): ``item_id`` (Label Studio task ids, as a pull gives them),
        ``reason``, ``votes``, ``consensus``, ``agreement``, ``n_ratings``.
    target : str or ServerAddress or (url, project id)
        The project the items were pulled from (``labelstudio://HOST:PORT/projects/ID``).
    queue : {"senior_review", "adjudicate", "audit"}
    token : str, optional
        Default ``LABEL_STUDIO_API_KEY``.
    to_project : str, optional
        Title of a separate review project (created when absent, reused when it exists).

    Raises
    ------
    LabelStudioError
        Server unreachable, token refused, no such project, no classification control, queued items that are
        not tasks of the project, a task meta that cannot take the entry.
    """
    if queue not in VIEW_TITLES:
        raise InvalidParameterError(f"queue must be one of {list(VIEW_TITLES)}, not {queue!r}.")
    if to_project is not None and len(to_project.strip()) < 3:
        raise InvalidParameterError(f"The review project title {to_project!r} is too short: Label Studio needs at "
                                    "least 3 characters.")
    address = _address(target)
    ids = _task_ids(items, address)
    conn = Connection(address, token)
    project = conn.project()
    where = f"project {address.project_id} '{project['title']}'"
    classification_controls(project["label_config"], where)
    tasks = {t["id"]: t for t in conn.iter_tasks(fields="task_only")}
    missing = [i for i in ids if i not in tasks]
    if missing:
        raise LabelStudioError(f"{count_noun(len(missing), 'queued item')} {'is' if len(missing) == 1 else 'are'} not tasks of {where} (e.g. {missing[:5]}): the "
                               "queue was computed from another project, or those tasks were deleted. Pull again, "
                               "then push.")
    pushed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    table = items.assign(task_id=ids)
    entries = {tid: entry_of(row, pushed_at) for tid, (_, row) in zip(ids, table.iterrows())}
    shown = table[["task_id"] + [c for c in ENTRY_COLUMNS if c in table.columns]].reset_index(drop=True)
    common = dict(address=str(address), project_title=project["title"], queue=queue, items=shown,
                  _connection=conn, _label_config=project["label_config"])
    if to_project is not None:
        return plan_review_project(conn, tasks, entries, to_project=to_project.strip(), queue=queue, common=common)
    updates = [(tid, tasks[tid].get("meta"), with_entry(tasks[tid].get("meta"), tid, queue, e, {}))
               for tid, e in entries.items()]
    cleared = [(tid, t.get("meta"), with_entry(t.get("meta"), tid, queue, None, {}))
               for tid, t in tasks.items() if tid not in entries and holds(t.get("meta"), queue)]
    views = conn.call(f"listing the views of {where}", lambda: conn.client.views.list(project=address.project_id))
    title = VIEW_TITLES[queue]
    same = [v for v in views if isinstance(v.data, dict) and v.data.get("title") == title]
    return PushPlan(to_project=None, view_title=title, view_id=int(same[0].id) if same else None,
                    n_meta_updates=len(updates), n_meta_cleared=len(cleared), review_project_id=None, n_new_tasks=0,
                    _updates=tuple(updates + cleared), **common)


#: Operators Label Studio's Data Manager offers for a number column: a view using any other (its API also takes
#: ``in_list``) leaves the project's whole Data Manager page loading for ever (seen with label-studio 1.23.2).
UI_NUMBER_OPERATORS = frozenset({"equal", "not_equal", "less", "greater", "less_or_equal", "greater_or_equal", "in",
                                 "not_in"})
_VIEW_LAYOUT = {"type": "list", "target": "tasks", "ordering": [], "hiddenColumns": {"explore": [], "labeling": []},
                "columnsWidth": {}, "columnsDisplayType": {}, "gridWidth": 4}


def view_data(title: str, task_ids: list[int]) -> dict[str, Any]:
    """A Data Manager view of exactly these tasks, written as the Data Manager itself writes filters.

    The ids are joined with "or": a run of consecutive ids becomes one ``in`` (between min and max) filter, a
    lone id an ``equal`` filter; an empty queue gets the filter ``id = 0``, which no task matches.
    """
    ids = sorted(set(int(i) for i in task_ids))
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    items = [{"filter": "filter:tasks:id", "operator": "equal", "type": "Number", "value": run[0]} if len(run) == 1
             else {"filter": "filter:tasks:id", "operator": "in", "type": "Number",
                   "value": {"min": run[0], "max": run[-1]}} for run in runs]
    if not items:
        items = [{"filter": "filter:tasks:id", "operator": "equal", "type": "Number", "value": 0}]
    return {"title": title, **_VIEW_LAYOUT, "filters": {"conjunction": "or", "items": items}}


def _check_unchanged(plan: PushPlan) -> None:
    """Refuse when a task's meta changed on the server since the plan was made (someone pushed in between)."""
    conn = plan._connection
    now = {t["id"]: t.get("meta") for t in conn.iter_tasks(fields="task_only")}
    changed = [tid for tid, before, _ in plan._updates if now.get(tid, before) != before]
    if changed:
        raise LabelStudioError(f"The meta of {count_noun(len(changed), 'task')} changed on the server since the preview (e.g. "
                               f"task {changed[0]}); preview the push again, then apply it.")


def apply_labelstudio_push(plan: PushPlan) -> PushResult:
    """Carry out a :func:`plan_labelstudio_push` plan; on any failure the server is put back as it was.

    Returns
    -------
    PushResult
        The view (or review project) with the address that opens it, and the tasks written.

    Raises
    ------
    LabelStudioError
        A request failed (the message says which and what was put back), or the tasks' meta changed on the
        server since the plan was made.
    """
    if not isinstance(plan, PushPlan) or plan._connection is None:
        raise InvalidParameterError("apply_labelstudio_push needs the plan returned by plan_labelstudio_push.")
    _check_unchanged(plan)
    if plan.to_project is not None:
        return apply_review_project(plan)
    conn = plan._connection
    pid = conn.address.project_id
    ids = plan.items["task_id"].astype(int).tolist()
    data = view_data(plan.view_title, ids)
    done: list[tuple[int, Any]] = []
    try:
        write_meta(conn, plan._updates, done)
        if plan.view_id is not None:
            view = conn.call(f"replacing the view '{plan.view_title}'", lambda: conn.client.views.update(
                id=str(plan.view_id), project=pid, data=data), missing=f"The view {plan.view_id} was deleted during "
                "the push; push again.")
        else:
            view = conn.call(f"creating the view '{plan.view_title}'",
                             lambda: conn.client.views.create(project=pid, data=data))
    except LabelStudioError as exc:
        raise LabelStudioError(f"{exc} {restore_meta(conn, done)}") from None
    return PushResult(queue=plan.queue, project_id=pid, view_id=int(view.id), n_tasks=len(ids),
                      url=f"{conn.address.base_url}/projects/{pid}/data?tab={view.id}",
                      n_meta_updates=plan.n_meta_updates, n_meta_cleared=plan.n_meta_cleared, n_new_tasks=0)
