"""``aqa report``: the quality report of a pilot as JSON (versioned schema) and a self-contained HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import AnnotationQAError, InvalidParameterError
from ._inputs import add_backend_options, add_input_options, fail, load_from_args, release, wants_progress
from .._wording import count_noun

EXAMPLES = """examples:
  aqa report sample_data/digits/annotations.csv --gold sample_data/digits/gold.csv \\
      --predictions sample_data/digits/predictions.csv --taxonomy sample_data/digits/taxonomy.yaml \\
      --json report.json --html report.html
  aqa report answers.csv --item question --annotator worker --label answer --html report.html
  aqa report human_counts.csv --format counts --gold truth.csv --json report.json --target 0.7
  aqa report export.json --html report.html --charts charts/ --chart-format pdf   # images need kaleido
  aqa report --backend dask --scheduler tcp://10.0.0.5:8786 'lake/annotations/*.parquet' --json report.json
  aqa report annotations.csv --json - | jq .sections.agreement.data.sentence   # '-': standard output

The JSON follows analytics/report/schema.json (JSON Schema 2020-12; 'schema_version' in the file). The HTML
opens without a network (plotly is embedded) and prints on A4, one section per page. Sections that do not
apply to the data (no gold, no predictions, tag sets, anonymous annotators, or not on the Dask backend) say why.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the quality report (JSON and/or HTML)",
                       description="Run every analysis that applies to the annotations and write the report: JSON "
                                   "with a versioned schema and/or a self-contained, printable HTML page. Exit code 0 "
                                   "when written, 2 on invalid input.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(p)
    add_backend_options(p)
    out = p.add_argument_group("output (at least one of --json, --html)")
    out.add_argument("--json", dest="json_out", metavar="FILE",
                     help="write the report as JSON ('-': to standard output; the summary then goes to standard error)")
    out.add_argument("--html", dest="html_out", metavar="FILE",
                     help="write the report as one HTML file ('-': to standard output)")
    out.add_argument("--charts", metavar="DIR", help="also write each chart as an image (needs the optional kaleido)")
    out.add_argument("--chart-format", choices=["png", "pdf", "svg"], default="png", help="image format (default png)")
    opt = p.add_argument_group("report options")
    opt.add_argument("--target", type=float, default=0.8, help="agreement target (default 0.8)")
    opt.add_argument("--gold-target", type=float, default=0.9, help="golden-set accuracy target (default 0.9)")
    opt.add_argument("--confidence-level", type=float, default=0.95, help="of every interval (default 0.95)")
    opt.add_argument("--max-listed", type=int, default=25, help="rows kept of long lists (default 25)")
    opt.add_argument("--device", default="auto", help="model vs human: auto (default), cpu or cuda")
    opt.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="stage progress on standard error (default: when it is a terminal)")
    p.set_defaults(handler=run)


def stage_progress(enabled: bool | None):
    """A ``progress(done, total)`` that names the section being computed, or None when quiet."""
    if not wants_progress(enabled):
        return None
    from .._progress import ProgressBar
    from ..report._sections import COMPUTE_ORDER as SECTIONS  # the order the stages run in

    bar = ProgressBar(delay=0.0, label="report")
    titles = [title for _, title, _ in SECTIONS]

    def progress(done: int, total: int) -> None:
        bar.label = f"report: {titles[done] if done < total else 'done':<32.32}"
        bar(done, total)

    return progress


#: The file name that means standard output.
STDOUT = "-"


def run(args: argparse.Namespace) -> int:
    if not args.json_out and not args.html_out:
        return fail(InvalidParameterError("Nothing to write: give --json FILE and/or --html FILE."))
    if args.json_out == args.html_out == STDOUT:
        return fail(InvalidParameterError("--json - and --html - both ask for standard output; send one of them "
                                          "to a file (e.g. --json - --html report.html)."))
    try:
        aset = load_from_args(args)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    try:
        return _write(args, aset)
    finally:
        release(aset)


def _write(args: argparse.Namespace, aset) -> int:
    from ..report.quality_report import QualityReport, chart_export_unavailable

    try:
        report = QualityReport.from_annotations(
            aset, target=args.target, gold_target=args.gold_target, confidence_level=args.confidence_level,
            max_listed=args.max_listed, device=args.device, progress=stage_progress(args.progress))
        written: list[object] = []
        for path, text, write in [(args.json_out, report.to_json, report.write_json),
                                  (args.html_out, report.to_html, report.write_html)]:
            if path == STDOUT:
                body = text()
                sys.stdout.write(body if body.endswith("\n") else body + "\n")
                sys.stdout.flush()
                written.append("standard output")
            elif path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                written.append(write(path))
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    info = sys.stderr if STDOUT in (args.json_out, args.html_out) else sys.stdout  # stdout carries the report
    applies = [s for s in report.sections if s.ok]
    print(f"Wrote {' and '.join(str(p) for p in written)} (report schema {report.schema_version}): "
          f"{len(applies)} of {len(report.sections)} sections apply.", file=info)
    imports = report.imports["annotations"]
    print(f"Annotations: {count_noun(imports.rows_read, imports.unit)} read = {imports.rows_kept:,} kept + "
          f"{imports.rows_skipped:,} skipped; {aset.n_annotations:,} annotations of {aset.n_items:,} items.", file=info)
    for key, reason in report.not_applicable.items():
        print(f"  not applicable: {key}: {reason}", file=info)
    problems = report.section("top_problems")
    for p in (problems.data or {}).get("problems", [])[:3]:
        print(f"  problem: {p['headline']}", file=info)
    if args.charts:
        why = chart_export_unavailable()
        if why:
            print(f"aqa: chart images skipped: {why}", file=sys.stderr)
            return 0
        try:
            images = report.write_chart_images(args.charts, format=args.chart_format)
        except (ImportError, OSError, RuntimeError) as exc:  # kaleido present but cannot start a browser
            print(f"aqa: chart images skipped: {exc}", file=sys.stderr)
            return 0
        print(f"Wrote {count_noun(len(images), 'chart image')} to {args.charts}.", file=info)
    return 0
