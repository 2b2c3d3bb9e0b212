"""A push into a separate review project: the queued tasks copied (data and reason, no annotation) into a project
of their own, found by title and reused on the next push, so re-running never duplicates a task.

Each copied task's meta records where it came from (``meta["aqa"]["source_project"]``, ``["source_task"]``)
next to the queue's entry, so the next push recognises it. The source project is only read. Order of the
writes: meta of tasks already in the review project, then one import of the new tasks (a single request, which
the server applies whole); when a step fails the meta is restored and a project created by this push deleted.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import LabelStudioError
from ._labelstudio_meta import META_KEY, PushPlan, PushResult, holds, restore_meta, with_entry, write_meta
from .._wording import count_noun

__all__ = ["plan_review_project", "apply_review_project"]


def plan_review_project(conn: Any, tasks: dict[int, dict[str, Any]], entries: dict[int, dict[str, Any]], *,
                        to_project: str, queue: str, common: dict[str, Any]) -> Any:
    """The plan of a push into the review project titled ``to_project`` (see :func:`plan_labelstudio_push`)."""
    source_id = conn.address.project_id
    projects = conn.call("listing the projects", lambda: list(conn.client.projects.list()))
    same = [p for p in projects if (p.title or "").strip() == to_project]
    if len(same) > 1:
        raise LabelStudioError(f"{len(same)} projects are titled '{to_project}' (ids {[p.id for p in same]}); give "
                               "the review project a title no other project has.")
    if same and int(same[0].id) == source_id:
        raise LabelStudioError(f"'{to_project}' is the title of the project the queue comes from; choose another "
                               "title for the review project.")
    review_id = int(same[0].id) if same else None
    present: dict[int, dict[str, Any]] = {}  # source task id -> review task
    if review_id is not None:
        review = conn.for_project(review_id)
        for t in review.iter_tasks(fields="task_only"):
            ours = (t.get("meta") or {}).get(META_KEY) if isinstance(t.get("meta"), dict) else None
            if isinstance(ours, dict) and ours.get("source_project") == source_id and "source_task" in ours:
                present[int(ours["source_task"])] = t
    extra = {"source_project": source_id}
    updates, new_tasks = [], []
    for tid, entry in entries.items():
        if tid in present:
            t = present[tid]
            updates.append((t["id"], t.get("meta"), with_entry(t.get("meta"), t["id"], queue, entry,
                                                                  {**extra, "source_task": tid})))
        else:
            meta = with_entry({}, tid, queue, entry, {**extra, "source_task": tid})
            new_tasks.append({"data": tasks[tid].get("data") or {}, "meta": meta})
    cleared = [(t["id"], t.get("meta"), with_entry(t.get("meta"), t["id"], queue, None, {}))
               for src, t in present.items() if src not in entries and holds(t.get("meta"), queue)]
    return PushPlan(to_project=to_project, view_title=to_project, view_id=None, n_meta_updates=len(updates),
                    n_meta_cleared=len(cleared), review_project_id=review_id, n_new_tasks=len(new_tasks),
                    _updates=tuple(updates + cleared), _new_tasks=tuple(new_tasks), **common)


def apply_review_project(plan: PushPlan) -> PushResult:
    """Carry out a review-project plan (see the module doc)."""
    conn = plan._connection
    created = plan.review_project_id is None
    if created:
        project = conn.call(f"creating the review project '{plan.to_project}'", lambda: conn.client.projects.create(
            title=plan.to_project, label_config=plan._label_config,
            description=f"Annotation QA {plan.queue} queue of project {conn.address.project_id} "
                        f"'{plan.project_title}'."))
        review_id = int(project.id)
    else:
        review_id = int(plan.review_project_id)
    review = conn.for_project(review_id)
    done: list[tuple[int, Any]] = []
    try:
        write_meta(review, plan._updates, done)
        if plan._new_tasks:
            review.call(f"importing {count_noun(len(plan._new_tasks), 'task')} into the review project", lambda:
                        review.client.projects.import_tasks(id=review_id, request=list(plan._new_tasks)))
    except LabelStudioError as exc:
        undo = restore_meta(review, done)
        if created:
            try:
                review.client.projects.delete(id=review_id)
                undo += f" The review project {review_id} created by this push was deleted."
            except Exception:  # say so; the original error is the one raised
                undo += f" The review project {review_id} created by this push could not be deleted: delete it by hand."
        raise LabelStudioError(f"{exc} {undo}") from None
    return PushResult(queue=plan.queue, project_id=review_id, view_id=None, n_tasks=len(plan.items),
                      url=f"{conn.address.base_url}/projects/{review_id}/data", n_meta_updates=plan.n_meta_updates,
                      n_meta_cleared=plan.n_meta_cleared, n_new_tasks=len(plan._new_tasks))
