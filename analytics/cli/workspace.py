"""``aqa workspace list|show|remove|export``: what a workspace holds, one delivery in detail, removal, export."""

from __future__ import annotations

import argparse
import json

from ..exceptions import AnnotationQAError
from ._workspace_args import add_workspace_option, fail_workspace, fmt, interval, table

EXAMPLES = """examples:
  aqa workspace list --workspace pilot.aqa
  aqa workspace show week-2 --workspace pilot.aqa
  aqa workspace show week-2 --workspace pilot.aqa --report > week-2-report.json
  aqa workspace remove week-2 --workspace pilot.aqa
  aqa workspace export --workspace pilot.aqa --out export/            # every delivery
  aqa workspace export week-1 week-2 --workspace pilot.aqa --out export/

export writes, per delivery, annotations.parquet (and gold/predictions.parquet), taxonomy.json, report.json,
import_report.json and delivery.json (metadata, source files and SHA-256), plus history.json and
deliveries.parquet for the whole export.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("workspace", help="list, show, remove or export the deliveries of a workspace",
                       description="Inspect and manage a workspace (created by aqa add).", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="every delivery, in the order added")
    add_workspace_option(ls)
    ls.add_argument("--json", action="store_true", help="print as JSON")
    ls.set_defaults(handler=run_list)
    show = actions.add_parser("show", help="one delivery: metadata, files and hashes, import report, key numbers")
    show.add_argument("name", metavar="NAME", help="the delivery")
    add_workspace_option(show)
    show.add_argument("--json", action="store_true", help="print the delivery's record as JSON")
    show.add_argument("--report", action="store_true", help="print the delivery's quality report JSON")
    show.set_defaults(handler=run_show)
    rm = actions.add_parser("remove", help="delete a delivery and everything stored with it")
    rm.add_argument("name", metavar="NAME", help="the delivery")
    add_workspace_option(rm)
    rm.set_defaults(handler=run_remove)
    ex = actions.add_parser("export", help="write deliveries as Parquet + JSON")
    ex.add_argument("names", nargs="*", metavar="NAME", help="deliveries to export (default: all)")
    add_workspace_option(ex)
    ex.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created)")
    ex.set_defaults(handler=run_export)


def _open(args: argparse.Namespace):
    from ..workspace import open_workspace

    return open_workspace(args.workspace)


def run_list(args: argparse.Namespace) -> int:
    try:
        with _open(args) as ws:
            deliveries, where = ws.deliveries(), ws.url
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    if args.json:
        print(json.dumps([d.to_dict() for d in deliveries], indent=2, ensure_ascii=False))
        return 0
    if not deliveries:
        print(f"Workspace {where}: no delivery yet.")
        return 0
    print(f"Workspace {where}: {len(deliveries)} deliveries.")
    rows = [[fmt(k), d.name, d.added_at[:16].replace("T", " "), d.vendor or "—", d.guideline_version or "—",
             d.taxonomy or "—", fmt(d.n_items), fmt(d.n_repeat_items), fmt(d.n_annotations), d.content_hash[:12]]
            for k, d in enumerate(deliveries, start=1)]
    print("\n".join(table(["#", "delivery", "added (UTC)", "vendor", "guideline", "taxonomy", "items",
                           "seen before", "annotations", "content"], rows)))
    return 0


def run_show(args: argparse.Namespace) -> int:
    try:
        with _open(args) as ws:
            info = ws.delivery(args.name)
            if args.report:
                print(json.dumps(ws.report(args.name), indent=2, ensure_ascii=False))
                return 0
            imports = ws.import_report(args.name)
            report = ws.report(args.name)
            settings = ws.settings(args.name)
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    if args.json:
        print(json.dumps({**info.to_dict(), "settings": settings, "imports": imports}, indent=2, ensure_ascii=False))
        return 0
    print("\n".join(show_lines(info, imports, report)))
    return 0


def show_lines(info, imports: dict, report: dict) -> list[str]:
    """One delivery in words (also used by the dashboard)."""
    lines = [f"Delivery '{info.name}' — added {info.added_at} (UTC)",
             f"  vendor: {info.vendor or '—'}; guideline version: {info.guideline_version or '—'}; "
             f"taxonomy: {info.taxonomy or '—'}; source: {info.source or '—'}",
             f"  {info.n_annotations:,} annotations of {info.n_items:,} items by {info.n_annotators:,} annotators, "
             f"{info.n_categories} categories; {info.n_gold_items:,} gold items",
             f"  content hash (annotations): {info.content_hash}"]
    if info.n_repeat_items:
        lines.append(f"  items seen in earlier deliveries: {info.n_repeat_items:,} ("
                     + ", ".join(f"{k} {v:,}" for k, v in info.repeats.items()) + ")")
    for key, value in info.metadata.items():
        lines.append(f"  {key}: {value}")
    lines.append("Files")
    lines += [f"  {f.role}: {f.name} ({f.n_bytes:,} bytes) sha256 {f.sha256}" for f in info.files] or ["  (none)"]
    lines.append("Import")
    for role, rep in imports.items():
        if rep:
            lines.append(f"  {role}: {rep['rows_read']:,} {rep['unit']}s read = {rep['rows_kept']:,} kept + "
                         f"{rep['rows_skipped']:,} skipped"
                         + ("" if not rep["skipped_by_reason"] else " (" + ", ".join(
                             f"{k} {v}" for k, v in rep["skipped_by_reason"].items()) + ")"))
    agreement = report["sections"]["agreement"]
    if agreement["status"] == "ok":
        lines.append("Agreement: " + agreement["data"]["sentence"])
    for c in (agreement["data"] or {}).get("coefficients", []):
        lines.append(f"  {c['label']}: {interval(c['value'], c['ci_low'], c['ci_high'])}")
    problems = report["sections"]["top_problems"]["data"] or {}
    for p in problems.get("problems", [])[:3]:
        lines.append(f"Problem: {p['headline']}")
    return lines


def run_remove(args: argparse.Namespace) -> int:
    try:
        with _open(args) as ws:
            info = ws.remove(args.name)
            where = ws.url
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    print(f"Removed delivery '{info.name}' ({info.n_annotations:,} annotations) from {where}.")
    return 0


def run_export(args: argparse.Namespace) -> int:
    try:
        with _open(args) as ws:
            written = ws.export(args.out, deliveries=args.names or None)
    except (AnnotationQAError, OSError) as exc:
        return fail_workspace(exc)
    print(f"Wrote {len(written)} files to {args.out}.")
    return 0
