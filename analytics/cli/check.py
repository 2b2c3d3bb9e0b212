"""``aqa check``: the quality gate of a vendor's delivery — exit 0 when every gate passes, 1 when one fails, 2 when
one cannot be measured (or the input is invalid)."""

from __future__ import annotations

import argparse
import json

from ..exceptions import AnnotationQAError, InvalidParameterError
from ._inputs import add_input_options, fail, load_from_args
from ._workspace_args import add_workspace_option

EXAMPLES = """examples:
  aqa check batch.csv --gold gold.csv --min-kappa 0.8 --min-gold-accuracy 0.9
  aqa check batch.csv --gold gold.csv --min-kappa 0.8 --use-lower-bound --max-flagged-annotators 0
  aqa check tags.csv --multilabel --label-sep '|' --min-alpha 0.7
  aqa check batch.csv --max-unknown-share 0.1 --tool-option unknown_label=Unsure --json
  aqa check --workspace pilot.aqa --no-regression            # the last delivery vs the one before it
  aqa check --workspace pilot.aqa --no-regression --delivery week-3 --coefficient gwet_ac1
  aqa check batch.csv --workspace pilot.aqa --no-regression --min-kappa 0.7   # a batch not yet added vs the last

exit codes:
  0  every gate passes
  1  a gate fails; the line says which and by how much, e.g. "FAIL kappa 0.70 < 0.80 by 0.10"
  2  invalid input, or a gate that cannot be measured — one annotator, too few items labelled twice, a
     single class, --min-gold-accuracy without --gold …: the line says why and what to do. A gate that
     cannot be measured never passes.

--use-lower-bound compares the lower bound of the default interval (the score interval of the coverage study,
benchmarks/coverage.py): the same rule as "target met with confidence" in the report and the dashboard.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="pass or fail a delivery on agreement and golden-set gates",
                       description="Evaluate quality gates on a batch of annotations. Exit code 0 when every gate "
                                   "passes, 1 when a gate fails, 2 on invalid input or a gate that cannot be "
                                   "measured.", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(p, files_required=False)
    g = p.add_argument_group("gates (at least one)")
    g.add_argument("--min-kappa", type=float, metavar="K", help="smallest kappa (Fleiss'; Cohen's for 2 annotators)")
    g.add_argument("--min-alpha", type=float, metavar="A", help="smallest Krippendorff's alpha (MASI on tag sets)")
    g.add_argument("--min-gold-accuracy", type=float, metavar="P", help="smallest pooled accuracy on gold items")
    g.add_argument("--max-unknown-share", type=float, metavar="P", help="largest share of Unknown/Other labels")
    g.add_argument("--max-flagged-annotators", type=int, metavar="N",
                   help="most annotators significantly below --gold-target")
    o = p.add_argument_group("gate options")
    o.add_argument("--use-lower-bound", action="store_true",
                   help="compare the conservative interval bound (lower; upper for the Unknown share), not the estimate")
    o.add_argument("--gold-target", type=float, default=0.9, help="per-annotator gold target (default 0.9)")
    o.add_argument("--confidence-level", type=float, default=0.95, help="of intervals and tests (default 0.95)")
    o.add_argument("--json", action="store_true", help="print the gates as JSON")
    w = p.add_argument_group("workspace (history across deliveries)")
    add_workspace_option(w, required=False)
    w.add_argument("--no-regression", dest="no_regression", action="store_true",
                   help="fail when agreement falls significantly below the previous delivery's")
    w.add_argument("--delivery", metavar="NAME", help="the delivery to check (default: the last; without ANNOTATIONS)")
    w.add_argument("--coefficient", metavar="NAME",
                   help="coefficient of the no-regression gate (default: the primary one), e.g. gwet_ac1")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..report.gates import check_gates

    if args.workspace or args.no_regression or args.delivery or args.coefficient:
        from ._check_workspace import run_workspace_check

        return run_workspace_check(args)
    if not args.annotations:
        return fail(InvalidParameterError("Give the annotation files to check (one or more), or --workspace W --no-regression."))
    try:
        aset = load_from_args(args)
        result = check_gates(aset, min_kappa=args.min_kappa, min_alpha=args.min_alpha,
                             min_gold_accuracy=args.min_gold_accuracy, max_unknown_share=args.max_unknown_share,
                             max_flagged_annotators=args.max_flagged_annotators, use_lower_bound=args.use_lower_bound,
                             gold_target=args.gold_target, confidence_level=args.confidence_level)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    if args.json:
        print(json.dumps({**result.to_dict(), "passed": result.passed, "exit_code": result.exit_code}, indent=2,
                         ensure_ascii=False))
        return result.exit_code
    for line in result.lines():
        print(line)
    n = len(result.gates)
    failed = sum(g.status == "fail" for g in result.gates)
    missing = sum(g.status == "not_evaluable" for g in result.gates)
    if result.exit_code == 0:
        print(f"Result: PASS ({n} gate{'s' if n != 1 else ''}).")
    elif result.exit_code == 1:
        print(f"Result: FAIL ({failed} of {n} gate{'s' if n != 1 else ''} failed).")
    else:
        print(f"Result: CANNOT MEASURE ({missing} of {n} gate{'s' if n != 1 else ''} could not be measured"
              f"{f', {failed} failed' if failed else ''}).")
    return result.exit_code
