"""``aqa label-errors``: the items whose given label is probably wrong, with the evidence, as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exceptions import AnnotationQAError
from ._inputs import add_input_options, fail, load_from_args
from .._wording import count_noun

EXAMPLES = """examples:
  aqa label-errors sample_data/digits/annotations.csv --predictions sample_data/digits/predictions.csv --out errors.csv
  aqa label-errors human_counts.csv --given truth.csv --predictions model_probs.csv --out errors.csv
  aqa label-errors batch.csv --gold gold.csv --out errors.csv --excluded set_apart.csv

The given label of an item is the --given file's label, else its gold label (--gold), else the people's consensus.
The people's votes (weighted by each annotator's estimated reliability, or plain counts when annotators are
anonymous) and the model's probabilities (--predictions) are combined as independent evidence; an item is listed
when the probability that its given label is wrong reaches --threshold. Items people marked Unknown, and items whose
label the model has no class for, are never listed as label errors: --excluded writes them with the reason.
Text cells that a spreadsheet would run as a formula are neutralized.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("label-errors", help="write the items whose given label is probably wrong as CSV",
                       description="Rank the items whose given label is probably wrong (people and model combined) "
                                   "and write them, with their evidence, as CSV. Exit code 0 when written, 2 on "
                                   "invalid input.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(p)
    p.add_argument("--given", metavar="FILE",
                   help="the labels to check: item id + label columns (default: gold where attached, else the "
                        "consensus)")
    p.add_argument("--out", required=True, metavar="FILE", help="CSV file to write")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="list an item when the probability that its given label is wrong is at least this "
                        "(default 0.5)")
    p.add_argument("--all", action="store_true", help="write every judged item (ranked), not only the candidates")
    p.add_argument("--excluded", metavar="FILE",
                   help="also write the items set apart (Unknown, or no model class) with the reason")
    p.set_defaults(handler=run)


def write_csv(frame, path: str) -> Path:
    """``frame`` as CSV through :func:`analytics.safety.safe_csv`, written atomically (folders created)."""
    from .._atomic import atomic_write
    from ..safety import safe_csv

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out, "w", newline="") as fh:
        safe_csv(frame, fh)
    return out


def run(args: argparse.Namespace) -> int:
    from .. import find_label_errors  # the public function: it loads the --given file

    try:
        aset = load_from_args(args)
        res = find_label_errors(aset, given=args.given, threshold=args.threshold)
        table = res.scores if args.all else res.candidates
        out = write_csv(table, args.out)
        excluded = write_csv(res.excluded, args.excluded) if args.excluded else None
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    print(res.sentence)
    print(f"Wrote {out}: {count_noun(len(table), 'item')}" + ("" if args.all else " (most likely wrong first)") + ".")
    if res.n_excluded:
        reasons = res.excluded["reason"].value_counts()
        print("Set apart, not label errors: " + "; ".join(f"{n:,} {r}" for r, n in reasons.items())
              + (f" (written to {excluded})." if excluded else " (--excluded FILE writes them)."))
    for note in res.notes:
        print(f"Note: {note}", file=sys.stderr)
    return 0
