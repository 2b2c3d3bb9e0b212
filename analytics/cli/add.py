"""``aqa add``: store a delivery in a workspace (annotations, import report, file hashes, metadata, quality report)."""

from __future__ import annotations

import argparse
import json

from ..exceptions import AnnotationQAError
from ._inputs import add_input_options, fail, load_from_args
from ._workspace_args import add_workspace_option, fail_workspace, interval

EXAMPLES = """examples:
  aqa add week1.csv --workspace pilot.aqa --delivery week-1 --vendor Acme --guideline-version v1 \\
      --gold gold.csv --taxonomy taxonomy.yaml
  aqa add week2.csv --workspace pilot.aqa --vendor Acme --guideline-version v2 --gold gold.csv
  aqa add export.json --workspace postgresql://qa:secret@db.internal/annotation_qa --delivery 2026-03-14

The workspace file is created by the first 'aqa add'. The same annotations (item, annotator, round and label of
every row, in any order or format) cannot be added twice: the command names the delivery that already holds
them. Items seen in earlier deliveries are counted. Two 'aqa add' on one workspace at once: the second waits
for the first (AQA_WORKSPACE_TIMEOUT seconds, default 120); a killed 'aqa add' leaves the workspace as it was.

exit codes: 0 added; 2 invalid input, content already in the workspace, or the workspace busy
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add", help="store a delivery in a workspace (history across deliveries)",
                       description="Load annotations, compute the quality report, and store the delivery in a "
                                   "workspace with its metadata, import report and source files' hashes.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(p)
    add_workspace_option(p)
    m = p.add_argument_group("delivery metadata")
    m.add_argument("--delivery", metavar="NAME", help="unique name (default: the annotation file's name)")
    m.add_argument("--vendor", metavar="V", help="who delivered it")
    m.add_argument("--guideline-version", dest="guideline_version", metavar="G", help="guideline version in force")
    m.add_argument("--source", metavar="TEXT", help="where it came from (default: the file names)")
    m.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="any other metadata; repeatable")
    o = p.add_argument_group("report options")
    o.add_argument("--target", type=float, default=0.8, help="agreement target (default 0.8)")
    o.add_argument("--gold-target", type=float, default=0.9, help="golden-set accuracy target (default 0.9)")
    o.add_argument("--confidence-level", type=float, default=0.95, help="of every interval (default 0.95)")
    o.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress on standard error (default: when it is a terminal)")
    o.add_argument("--json", action="store_true", help="print the stored delivery as JSON")
    p.set_defaults(handler=run)


def _files(args: argparse.Namespace) -> list[tuple[str, str]]:
    files = [("annotations", path) for path in args.annotations]
    for role in ("gold", "predictions", "taxonomy"):
        if getattr(args, role):
            files.append((role, getattr(args, role)))
    return files


def _meta(items: list[str]) -> dict[str, str]:
    from ..exceptions import InvalidParameterError

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(f"--meta expects KEY=VALUE, got {item!r}.")
        out[key.strip()] = value
    return out


def run(args: argparse.Namespace) -> int:
    from ..workspace import open_workspace
    from .report import stage_progress

    try:
        metadata = _meta(args.meta)
        aset = load_from_args(args)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    try:
        ws = open_workspace(args.workspace, create=True)
    except (AnnotationQAError, OSError) as exc:
        return fail_workspace(exc)
    try:
        info = ws.add(aset, name=args.delivery, vendor=args.vendor, guideline_version=args.guideline_version,
                      source=args.source, files=_files(args), metadata=metadata, target=args.target,
                      gold_target=args.gold_target, confidence_level=args.confidence_level,
                      progress=stage_progress(args.progress))
        if args.json:
            print(json.dumps(info.to_dict(), indent=2, ensure_ascii=False))
            return 0
        for line in describe_added(ws, info):
            print(line)
        return 0
    except (AnnotationQAError, OSError) as exc:
        return fail_workspace(exc)
    finally:
        ws.close()


def describe_added(ws, info) -> list[str]:
    """What was stored, how it compares with the previous delivery, and the decisions it verifies."""
    lines = [f"Added delivery '{info.name}' (#{len(ws.deliveries())}) to {ws.url}: {info.n_annotations:,} annotations "
             f"of {info.n_items:,} items by {info.n_annotators:,} annotators."]
    if info.n_repeat_items:
        earlier = ", ".join(f"{k} {v:,}" for k, v in info.repeats.items())
        lines.append(f"  {info.n_repeat_items:,} of its items were in earlier deliveries ({earlier}); "
                     f"{info.n_new_items:,} are new.")
    for f in ws.delivery(info.name).files:
        lines.append(f"  {f.role}: {f.name} ({f.n_bytes:,} bytes, sha256 {f.sha256[:16]}…)")
    check = ws.check_no_regression(delivery=info.name)
    history = ws.history()
    if check.status != "not_evaluable":
        lines.append("  " + check.line())
    else:
        row = next((r for r in history.agreement if r["delivery"] == info.name and r["primary"]), None)
        if row:
            lines.append(f"  {row['label']}: {interval(row['value'], row['ci_low'], row['ci_high'])} "
                         f"({history.confidence_level:.0%} CI).")
    for decision in history.decisions:
        for c in decision.checks:
            if c.delivery == info.name:
                lines.append(f"  Decision #{decision.id} {decision.title}: {c.sentence()}")
    return lines
