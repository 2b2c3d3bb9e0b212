"""``aqa validate``: say what was understood of an export, and what was skipped and why."""

from __future__ import annotations

import argparse
import json
import sys

from ..exceptions import AnnotationQAError
from ._inputs import add_backend_options, add_input_options, fail, load_from_args, release
from .._wording import count_noun

#: Lines of the description that are diagnostics, printed on standard error.
DIAGNOSTICS = ("Warning:", "Note:")

EXAMPLES = """examples:
  aqa validate sample_data/digits/annotations.csv --gold sample_data/digits/gold.csv
  aqa validate answers.csv --item question --annotator worker --label answer
  aqa validate labelme_answers.txt --format wide --missing -1
  aqa validate human_counts.csv --format counts --json
  aqa validate project-7-export.json --field animal            # Label Studio, one of several controls
  aqa validate alice.xml bob.xml carol.xml                      # CVAT: one annotator per file
  aqa validate annotations.xml --tool-option annotator_id=alice
  aqa validate --backend dask --scheduler local lake/annotations/*.parquet   # on a Dask cluster
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check an annotation file and summarize what was read",
                       description="Read annotations and print what was understood: items, annotators, "
                                   "categories, rounds, gold and predictions, and every skipped row with its reason. "
                                   "Exit code 0 when the file loads, 2 when it cannot be used.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(p)
    add_backend_options(p)
    p.add_argument("--json", action="store_true", help="print the summary and import report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        aset = load_from_args(args)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    try:
        return _print(aset, as_json=args.json)
    finally:
        release(aset)


def _print(aset, *, as_json: bool) -> int:
    if as_json:
        out = {"summary": aset.summary(), "import_report": aset.report.to_dict()}
        if aset.gold_report is not None:
            out["gold_report"] = aset.gold_report.to_dict()
        if aset.predictions_report is not None:
            out["predictions_report"] = aset.predictions_report.to_dict()
        print(json.dumps(out, indent=2, default=str))
        return 0
    for line in describe(aset):  # warnings and notes are diagnostics: standard error
        print(line, file=sys.stderr if line.lstrip().startswith(DIAGNOSTICS) else sys.stdout)
    return 0


def describe(aset) -> list[str]:
    """Plain-language description of a loaded set (also used by the dashboard's Data page)."""
    s = aset.summary()
    lines = list(aset.report.summary_lines())
    who = (f"{s['n_annotators']:,} annotator{'s' if s['n_annotators'] != 1 else ''}" if aset.annotators_known
           else "anonymous annotators (no ids)")
    lines.append(
        f"Understood: {s['n_items']:,} items, {who}, {s['n_annotations']:,} "
        f"{'tag-set ' if aset.multilabel else ''}annotations; "
        f"{s['ratings_per_item_min']}–{s['ratings_per_item_max']} ratings per item (mean {s['ratings_per_item_mean']:.2f})."
    )
    lines.extend(_who_and_images(aset))
    import numpy as np

    from .._reshape import category_totals

    totals = category_totals(aset)
    order = np.argsort(-totals, kind="stable")
    shown = ", ".join(f"{aset.categories[i]} ({totals[i]:,})" for i in order[:15])
    more = f", … {len(order) - 15} more" if len(order) > 15 else ""
    lines.append(f"{s['n_categories']} {'tags' if aset.multilabel else 'categories'}: {shown}{more}.")
    if s["unknown_label"] and s["unknown_label"] in aset.categories:
        share = totals[aset.categories.index(s["unknown_label"])] / max(totals.sum(), 1)
        lines.append(f"Unknown/Other class: '{s['unknown_label']}' ({share:.1%} of labels).")
    elif s["unknown_label"]:  # e.g. a taxonomy's Unknown class with children, none of its labels used
        lines.append(f"Unknown/Other class: '{s['unknown_label']}' (not a category of these annotations: never used).")
    if s["rounds"]:
        per_round = aset.frame["round"].value_counts()
        per_round = per_round.compute() if hasattr(per_round, "compute") else per_round  # a Dask set's table
        lines.append("Rounds: " + ", ".join(f"{r} ({per_round.get(r, 0):,} annotations)" for r in s["rounds"]) + ".")
    if aset.taxonomy is not None:
        lines.append(f"Taxonomy: {len(aset.taxonomy.classes)} classes on {count_noun(aset.taxonomy.depth, 'level')}.")
        lines.extend(f"Warning: {w}" for w in aset.taxonomy.warnings)
    if aset.gold_report is not None:
        lines.append(f"Gold: {s['n_gold_items']:,} items with a gold label.")
        lines.extend("  " + line for line in aset.gold_report.summary_lines()[1:])
    if aset.predictions_report is not None:
        lines.append(f"Predictions: {s['n_predicted_items']:,} items with a model prediction.")
        lines.extend("  " + line for line in aset.predictions_report.summary_lines()[1:])
    return lines


def _who_and_images(aset) -> list[str]:
    """Annotations per annotator (names matter when they come from file names or e-mails) and image coverage."""
    import numpy as np

    from .._reshape import annotator_totals

    lines = []
    if aset.annotators_known and aset.n_annotators:
        per = annotator_totals(aset)
        order = np.argsort(-per, kind="stable")[:12]
        more = f", … {aset.n_annotators - 12} more" if aset.n_annotators > 12 else ""
        lines.append("Annotations per annotator: "
                     + ", ".join(f"{aset.annotator_ids[i]} ({per[i]:,})" for i in order) + more + ".")
    if "image" in aset.column_names:
        has = aset.frame.groupby("item_id", sort=False)["image"].first().notna()
        if has.any():
            example = str(aset.frame["image"].dropna().iloc[0])
            example = example if len(example) <= 80 else example[:77] + "…"
            lines.append(f"Image references: {int(has.sum()):,} of {len(has):,} items (e.g. {example}).")
    return lines
