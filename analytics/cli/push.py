"""``aqa push labelstudio``: send a work queue back where reviewers work — a saved view of the project with each
task's reason in its meta, or a separate review project."""

from __future__ import annotations

import argparse

from ..exceptions import AnnotationQAError
from ._inputs import fail
from ._labelstudio import add_server_options

EXAMPLES = """examples:
  export LABEL_STUDIO_API_KEY=…
  aqa push labelstudio --url http://127.0.0.1:8080 --project 3 --queue senior_review --dry-run
  aqa push labelstudio --url http://127.0.0.1:8080 --project 3 --queue adjudicate
  aqa push labelstudio --url http://127.0.0.1:8080 --project 3 --queue audit --fraction 0.05 --seed 7
  aqa push labelstudio --url http://127.0.0.1:8080 --project 3 --queue adjudicate --to-project "Pilot 3: adjudicate"

The project is pulled, routed (blind overlap: a majority with dissent → senior_review, no majority →
adjudicate; audit: a stratified random sample), then the queue goes back: the view "AQA: <queue>" shows exactly
those tasks, and each task's meta["aqa"][queue] holds the reason and the vote split. Re-running replaces the
view and the entries (tasks that left the queue lose theirs); annotations are never written. With --to-project
the tasks are copied (data and reason) into a review project of that title, reused on the next push. Everything
is checked before anything is written, and a failed push puts back what it wrote.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("push", help="send a review queue or audit sample back to a labeling tool (Label Studio)",
                       description="Send a review queue or audit sample back to a labeling-tool server.")
    tools = p.add_subparsers(dest="tool", metavar="TOOL", required=True)
    ls = tools.add_parser("labelstudio", help="a Label Studio project",
                          description="Pull a Label Studio project, route its items, and put one queue back as a "
                                      "saved view with the reason in each task's meta (or as a review project). "
                                      "Prints what it will do, then does it (--dry-run stops after the first part). "
                                      "Exit code 0 when pushed, 2 when the server, token, project or data cannot "
                                      "be used (nothing is left half-written).",
                          epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_options(ls)
    q = ls.add_argument_group("the queue")
    q.add_argument("--queue", required=True, choices=["senior_review", "adjudicate", "audit"],
                   help="senior_review (a majority with dissent), adjudicate (no majority) or audit (a random sample)")
    q.add_argument("--to-project", metavar="TITLE",
                   help="put the tasks into a separate review project of this title instead of a view")
    q.add_argument("--fraction", type=float, default=0.05, help="audit: share of annotations to sample (default 0.05)")
    q.add_argument("--stratify-by", choices=["label", "annotator", "none"], default="label",
                   help="audit: strata of the sample (default label)")
    q.add_argument("--seed", type=int, default=0, help="audit: random seed (default 0)")
    q.add_argument("--field", help="the classification control to route when the project has several")
    q.add_argument("--dry-run", action="store_true", help="say what would be pushed, write nothing")
    ls.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..io import apply_labelstudio_push, load_annotations, plan_labelstudio_push
    from ..annotators.routing import queue_items
    from ._inputs import loading_progress
    from ._labelstudio import prompt_token, server_target

    try:
        target = server_target(args)
        token = prompt_token()
        aset = load_annotations(target, format="labelstudio", field=args.field, token=token,
                                progress=loading_progress(None))
        items = queue_items(aset, args.queue, fraction=args.fraction, seed=args.seed,
                            stratify_by=None if args.stratify_by == "none" else args.stratify_by)
        plan = plan_labelstudio_push(items, target, queue=args.queue, token=token, to_project=args.to_project)
        print(("Would " if args.dry_run else "Pushing: ") + " ".join(plan.summary_lines()))
        if args.dry_run:
            return 0
        result = apply_labelstudio_push(plan)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    print("\n".join(result.summary_lines()))
    return 0
