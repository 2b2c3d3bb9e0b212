"""``aqa guideline``: a draft annotation guideline — one card per class with correct, incorrect and borderline
examples and the rules the data suggests — as a printable HTML file or Markdown for a wiki."""

from __future__ import annotations

import argparse
from typing import Any

from ..exceptions import AnnotationQAError, InvalidParameterError
from ._inputs import add_input_options, fail, load_from_args
from .._wording import count_noun

EXAMPLES = """examples:
  aqa guideline sample_data/digits/annotations.csv --gold sample_data/digits/gold.csv \\
      --predictions sample_data/digits/predictions.csv --taxonomy sample_data/digits/taxonomy.yaml --out guideline.html
  aqa guideline answers.csv --gold truth.csv --out guideline.md            # Markdown, images linked relative to it
  aqa guideline batch.csv --taxonomy taxonomy.yaml --embeddings emb.csv --out guideline.html

Each class gets its definition from the taxonomy (a marked gap where there is none), correct examples (items every
annotator and gold agree on, spread over the class by the --embeddings or the model probabilities of --predictions),
incorrect examples (given the class, really something else), and a borderline gallery for each confused pair, ordered
by how much the pair costs agreement. Rules are suggestions with their evidence: lone-dissent patterns tested against
gold, and the classes around which "if unsure, use Unknown" applies. The HTML file is self-contained (thumbnails
embedded, no script, prints on A4); the format follows the --out suffix (.html or .md) unless --output-format is given.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("guideline", help="write a draft guideline (class cards with examples) as HTML or Markdown",
                       description="Draft an annotation guideline from the data: one card per class with its "
                                   "definition, correct, incorrect and borderline examples, and suggested rules. "
                                   "Exit code 0 when written, 2 on invalid input.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_options(p)
    p.add_argument("--out", required=True, metavar="FILE", help="file to write: .html (default) or .md")
    p.add_argument("--output-format", choices=["html", "markdown"],
                   help="document format (default: from the --out suffix; --format names the input format)")
    p.add_argument("--embeddings", metavar="FILE",
                   help="image embeddings: item id column + one numeric column per dimension (CSV, Parquet, …); "
                        "correct examples are spread over them")
    p.add_argument("--n-examples", type=int, default=6, help="items per gallery (default 6)")
    p.add_argument("--min-items", type=int, default=10,
                   help="consensus items a class needs before its card shows examples (default 10)")
    p.add_argument("--max-pairs", type=int, default=4, help="borderline galleries per class (default 4)")
    p.add_argument("--consensus", choices=["majority_vote", "dawid_skene"], default="majority_vote",
                   help="consensus where an item has no gold (default majority_vote)")
    p.add_argument("--no-images", action="store_true", help="leave the item images out (ids and votes only)")
    p.add_argument("--thumbnail-size", type=int, default=96, help="HTML thumbnails: largest side in pixels (default 96)")
    p.set_defaults(handler=run)


def read_embeddings(path: str) -> Any:
    """An embeddings table: its ``item_id`` column (else the first column) as the index, the rest as numbers."""
    import pandas as pd

    from ..io._tables import read_any_table

    frame, _, _ = read_any_table(path)
    if frame.shape[1] < 2:
        raise InvalidParameterError(f"--embeddings {path}: expected an item id column and at least one numeric "
                                    f"column; found columns {list(frame.columns)}.")
    key = "item_id" if "item_id" in frame.columns else frame.columns[0]
    values = frame.drop(columns=[key]).apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & frame.drop(columns=[key]).notna()
    if bad.any().any():
        column = bad.any().idxmax()
        row = bad[column].idxmax()
        raise InvalidParameterError(f"--embeddings {path}: '{frame.loc[row, column]}' in column '{column}' "
                                    f"(line {row}) is not a number; the file holds an item id column and numbers.")
    return values.set_index(frame[key].astype(str).to_numpy())


def run(args: argparse.Namespace) -> int:
    from ..report.guideline_html import guideline_format, write_guideline
    from ..taxonomy.guideline import guideline_cards

    try:
        kind = guideline_format(args.out, args.output_format)
        aset = load_from_args(args)
        embeddings = read_embeddings(args.embeddings) if args.embeddings else None
        cards = guideline_cards(aset, n_examples=args.n_examples, embeddings=embeddings, consensus=args.consensus,
                                min_items=args.min_items, max_pairs=args.max_pairs)
        images = "omit" if args.no_images else ("embed" if kind == "html" else "relative")
        out = write_guideline(cards, args.out, format=kind, images=images, thumbnail_size=args.thumbnail_size)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    print(cards.sentence)
    if cards.rules_reason:
        print(f"Rules from gold: {cards.rules_reason}.")
    if cards.unknown_reason:
        print(f"Unknown: {cards.unknown_reason}.")
    print(f"Wrote {out} ({'HTML' if kind == 'html' else 'Markdown'}, {count_noun(len(cards.cards), 'class card')}).")
    return 0
