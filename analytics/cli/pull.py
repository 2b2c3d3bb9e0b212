"""``aqa pull labelstudio``: read every annotation of a Label Studio project from the running server."""

from __future__ import annotations

import argparse
import json
import sys

from ..exceptions import AnnotationQAError
from ._inputs import fail, loading_progress
from ._labelstudio import add_server_options, prompt_token, server_target, tables_of, write_table
from .._wording import count_noun

EXAMPLES = """examples:
  export LABEL_STUDIO_API_KEY=…        # a personal access token (Account & Settings), or a legacy token
  aqa pull labelstudio --url http://127.0.0.1:8080 --project 3
  aqa pull labelstudio --url http://127.0.0.1:8080 --project 3 --out pilot.csv --gold-out gold.csv \\
      --predictions-out predictions.csv
  aqa report pilot.csv --gold gold.csv --predictions predictions.csv --html report.html

Every command also reads a project directly: aqa report labelstudio://127.0.0.1:8080/projects/3 --html r.html.
The token is never a command-line option (it would stay in the shell history): it comes from
LABEL_STUDIO_API_KEY, or a hidden prompt on a terminal.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pull", help="read a labeling tool's project from its server (Label Studio)",
                       description="Read every annotation of a project from a running labeling-tool server.")
    tools = p.add_subparsers(dest="tool", metavar="TOOL", required=True)
    ls = tools.add_parser("labelstudio", help="a Label Studio project",
                          description="Pull every annotation of a Label Studio project through the official client "
                                      "(page by page): each annotator's label, cancelled annotations counted in the "
                                      "import report, ground truth as gold, predictions as model predictions, the "
                                      "image references — the same as reading the project's full JSON export. "
                                      "Prints what was read; --out writes the tidy table (CSV or Parquet). Exit code "
                                      "0 when read, 2 when the server, token, project or data cannot be used.",
                          epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_options(ls)
    o = ls.add_argument_group("what to read and write")
    o.add_argument("--field", help="the classification control to read when the project has several")
    o.add_argument("--tool-option", dest="tool_options", action="append", default=[], metavar="KEY=VALUE",
                   help="ground_truth=both|annotation, taxonomy_labels=leaf, model_version=NAME; repeatable")
    o.add_argument("--out", metavar="FILE", help="write the annotations as a tidy table (.csv or .parquet)")
    o.add_argument("--gold-out", metavar="FILE", help="write the ground-truth (gold) labels (.csv or .parquet)")
    o.add_argument("--predictions-out", metavar="FILE", help="write the model predictions (.csv or .parquet)")
    o.add_argument("--json", action="store_true", help="print the summary and import report as JSON")
    w = ls.add_argument_group("incremental pulls into a workspace")
    w.add_argument("--workspace", "-w", metavar="W",
                   help="store the annotations new or changed since the last pull of this project as the next "
                        "delivery of workspace W (a file, created when absent, or a postgresql:// URL)")
    w.add_argument("--delivery", metavar="NAME", help="the delivery's name (default: the project and the time)")
    w.add_argument("--vendor", help="the delivery's vendor (metadata)")
    w.add_argument("--guideline-version", dest="guideline_version", help="the delivery's guideline version")
    ls.set_defaults(handler=run)


def pull(args: argparse.Namespace):
    """The annotation set the options describe (raises the library's errors)."""
    from ..exceptions import InvalidParameterError
    from ..io import load_annotations

    options = {}
    for option in args.tool_options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(f"--tool-option expects KEY=VALUE, got {option!r}.")
        options[key.strip()] = value
    target = server_target(args)
    return load_annotations(target, format="labelstudio", field=args.field, token=prompt_token(),
                            progress=loading_progress(None), **options)


def run(args: argparse.Namespace) -> int:
    from .validate import _print

    try:
        aset = pull(args)
        tables = tables_of(aset)
        wanted = {"annotations": args.out, "gold": args.gold_out, "predictions": args.predictions_out}
        absent = [k for k, v in wanted.items() if v and k not in tables]
        written = [(k, write_table(tables[k], v))  # atomic: write_table goes through analytics._atomic
                   for k, v in wanted.items() if v and k in tables]
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    if args.workspace:
        return _store_increment(args, aset)
    if args.json:
        out = {"summary": aset.summary(), "import_report": aset.report.to_dict(),
               "written": {kind: str(path) for kind, path in written}, "not_in_project": absent}
        for name in ("gold_report", "predictions_report"):
            if getattr(aset, name) is not None:
                out[name] = getattr(aset, name).to_dict()
        print(json.dumps(out, indent=2, default=str))
        return 0
    _print(aset, as_json=False)
    for kind, path in written:
        print(f"Wrote {path}: {len(tables[kind]):,} {kind} rows.")
    for kind in absent:
        flag = "--gold-out" if kind == "gold" else "--predictions-out"
        print(f"aqa: note: the project holds no {kind}, so {flag} was not written.", file=sys.stderr)
    return 0


def _store_increment(args: argparse.Namespace, aset) -> int:
    """Add the annotations new or changed since the last pull of this project to the workspace."""
    from datetime import datetime, timezone

    from ..workspace import open_workspace
    from ._labelstudio import new_or_changed, seen_annotations
    from ._workspace_args import fail_workspace

    source = server_target(args)
    try:
        ws = open_workspace(args.workspace, create=True)
    except (AnnotationQAError, OSError) as exc:
        return fail_workspace(exc)
    try:
        delta, n_new, n_changed = new_or_changed(aset, seen_annotations(ws, source))
        if delta is None:
            print(f"Nothing new in {source} since the last pull: all {aset.n_annotations:,} annotations are already "
                  f"in {ws.url}; no delivery added.")
            return 0
        name = args.delivery or f"labelstudio-{args.project}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
        info = ws.add(delta, name=name, vendor=args.vendor, guideline_version=args.guideline_version, source=source,
                      metadata={"pulled_annotations": aset.n_annotations, "new": n_new, "changed": n_changed})
    except (AnnotationQAError, OSError) as exc:
        return fail_workspace(exc)
    finally:
        ws.close()
    print(f"Added delivery '{info.name}' to {args.workspace}: {n_new:,} new and {count_noun(n_changed, 'changed annotation')} "
          f"of {aset.n_annotations:,} in {source} ({info.n_items:,} items).")
    return 0
