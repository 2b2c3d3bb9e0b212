"""Helpers shared by the labeling-tool importer tests (not collected by pytest)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from analytics import AnnotationSet

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def assert_accounted(aset: AnnotationSet) -> None:
    """Every record read is kept or listed once as skipped, and the counts agree."""
    rep = aset.report
    skipped = rep.skipped
    if "scope" in skipped.columns:  # reports that mark skips inside kept records
        skipped = skipped[skipped["scope"] == "row"]
    skipped_records = set(zip(skipped["source"], skipped["row"].astype(str)))
    assert rep.rows_read == rep.rows_kept + len(skipped_records), (rep.rows_read, rep.rows_kept, len(skipped_records))
    assert rep.rows_skipped == len(skipped_records)
    assert rep.n_annotations == aset.n_annotations


def skipped_counts(aset: AnnotationSet) -> dict[str, int]:
    return {str(k): int(v) for k, v in aset.report.skipped_by_reason.items()}


def label_map(aset: AnnotationSet) -> dict[tuple[str, str], object]:
    """(item, annotator) → label (a sorted tuple for tag sets)."""
    return {(str(i), str(a)): (tuple(sorted(lab)) if isinstance(lab, tuple) else lab)
            for i, a, lab in aset.frame[["item_id", "annotator_id", "label"]].itertuples(index=False)}


def tag_totals(aset: AnnotationSet) -> Counter:
    out: Counter = Counter()
    for lab in aset.frame["label"]:
        out.update(lab if isinstance(lab, tuple) else (lab,))
    return out
