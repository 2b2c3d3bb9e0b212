"""``aqa review-queue`` and ``aqa audit-sample``: the items a person must look at, and a random audit, as CSV."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ..exceptions import AnnotationQAError, InvalidParameterError
from ._inputs import add_input_options, fail, load_from_args

QUEUE_EXAMPLES = """examples:
  aqa review-queue sample_data/digits/annotations.csv --out queue.csv
  aqa review-queue batch.csv --out queue.csv --decisions adjudicate,senior_review

Routing: up to 3 ratings, 3 of 3 agree → accept, 2:1 → senior_review, no majority → adjudicate, a single
rating → needs_overlap. Above 3 ratings an item is accepted when the support for its consensus label (the
probability that raters prefer it to the runner-up; votes weighted by each annotator's reliability when
annotator ids exist) reaches --threshold, else it goes to senior_review (a majority) or adjudicate. The queue
lists the chosen decisions in the order given, lowest agreement first. Text cells that a spreadsheet would run
as a formula are neutralized.
"""

AUDIT_EXAMPLES = """examples:
  aqa audit-sample sample_data/digits/annotations.csv --out sample.csv --fraction 0.05
  aqa audit-sample batch.csv --out sample.csv --fraction 0.1 --stratify-by annotator --seed 7

The same seed gives the same sample. Text cells that a spreadsheet would run as a formula are neutralized.
"""


def register(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser("review-queue", help="write the review queue (items that need a person) as CSV",
                       description="Route every item by the blind-overlap rule and write the items that need a "
                                   "person as CSV. Exit code 0 when written, 2 on invalid input.",
                       epilog=QUEUE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(q)
    q.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    q.add_argument("--decisions", default="adjudicate,senior_review,needs_overlap", metavar="D[,D…]",
                   help="decisions to queue, in order (default adjudicate,senior_review,needs_overlap)")
    q.add_argument("--threshold", type=float, default=0.95,
                   help="items with more than 3 ratings go to a person when the support for their consensus label is "
                        "below this (default 0.95)")
    q.set_defaults(handler=run_queue)
    a = sub.add_parser("audit-sample", help="write a reproducible random audit sample of annotations as CSV",
                       description="Draw a stratified random sample of annotations for a second look and write it as "
                                   "CSV. Exit code 0 when written, 2 on invalid input.",
                       epilog=AUDIT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(a)
    a.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    a.add_argument("--fraction", type=float, default=0.05, help="share of annotations to audit (default 0.05)")
    a.add_argument("--stratify-by", choices=["label", "annotator", "none"], default="label",
                   help="strata of the sample (default label)")
    a.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    a.set_defaults(handler=run_audit)


def _write(frame, path: str) -> Path:
    from .label_errors import write_csv

    return write_csv(frame, path)


def run_queue(args: argparse.Namespace) -> int:
    from ..annotators.routing import review_queue, review_summary, route_for_review

    decisions = [d.strip() for d in args.decisions.split(",") if d.strip()]
    try:
        if not decisions:
            raise InvalidParameterError("--decisions is empty; give e.g. adjudicate,senior_review.")
        aset = load_from_args(args)
        routed = route_for_review(aset, threshold=args.threshold)
        queue = review_queue(routed, decisions=decisions)
        out = _write(queue.assign(decision=queue["decision"].astype(str)), args.out)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    counts = dict(zip(review_summary(routed)["decision"], review_summary(routed)["n_items"]))
    per = ", ".join(f"{d} {counts.get(d, 0):,}" for d in decisions)
    print(f"Wrote {out}: {len(queue):,} of {len(routed):,} items to review ({per}); {counts.get('accept', 0):,} accepted.")
    print(f"Rule: {routed.attrs['rule']}")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from ..annotators.audit import audit_sample

    try:
        aset = load_from_args(args)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            result = audit_sample(aset, fraction=args.fraction, seed=args.seed,
                                  stratify_by=None if args.stratify_by == "none" else args.stratify_by)
        out = _write(result.sample, args.out)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    for w in caught:
        print(f"aqa: warning: {w.message}", file=sys.stderr)
    how = "simple random" if result.stratify_by is None else f"stratified by {result.stratify_by}"
    print(f"Wrote {out}: {result.n_sampled:,} of {result.n_population:,} annotations ({how}, seed {result.seed}). "
          f"{result.detection_sentence}")
    return 0
