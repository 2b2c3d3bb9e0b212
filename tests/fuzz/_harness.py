"""The fuzz harness: example budget, writing damaged inputs to files, and the outcome check.

The outcome check is the contract of every loader: it either raises an
:class:`~analytics.exceptions.AnnotationQAError` subclass with a message, or returns a result whose
import report accounts for every record (``rows_read == rows_kept + rows_skipped``, with
``rows_skipped`` recounted here from the skipped table) and renders (``to_dict`` is JSON, the summary
lines and the CLI description build). Any other exception fails the test and Hypothesis shrinks it.

``AQA_FUZZ_EXAMPLES`` (default 120) is the number of examples of a weight-1 test; every executed case
is counted in :data:`CASES`, and :func:`summary` (called from ``tests/conftest.py``) prints the total at
the end of the run; with ``AQA_FUZZ_LOG=<path>`` the counts are also written there as JSON.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import warnings
from collections import Counter
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings

from analytics import AnnotationSet
from analytics.exceptions import AnnotationQAError

CASES: Counter[str] = Counter()
OUTCOMES: Counter[str] = Counter()
BASE_EXAMPLES = int(os.environ.get("AQA_FUZZ_EXAMPLES", "120"))


def fuzz_settings(weight: float = 1.0) -> settings:
    """Hypothesis settings scaled by ``AQA_FUZZ_EXAMPLES``."""
    return settings(max_examples=max(1, round(BASE_EXAMPLES * weight)), deadline=None,
                    suppress_health_check=list(HealthCheck))


@contextmanager
def case_dir(factory: Any) -> Iterator[Path]:
    """A fresh folder for one case, removed afterwards (``factory``: pytest's ``tmp_path_factory``)."""
    folder = factory.mktemp("case", numbered=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def summary(terminalreporter: Any) -> None:
    """Print how many fuzz cases ran (and write them to ``AQA_FUZZ_LOG`` when set)."""
    total = sum(CASES.values())
    if not total:
        return
    terminalreporter.write_sep("-", "fuzz cases")
    terminalreporter.write_line(
        f"{total:,} fuzz cases ran (AQA_FUZZ_EXAMPLES={BASE_EXAMPLES}): {OUTCOMES['loaded']:,} loaded with complete "
        f"reports, {OUTCOMES['refused']:,} refused with a documented error."
    )
    if OUTCOMES["report rendered"] or OUTCOMES["report refused"]:
        terminalreporter.write_line(
            f"reports: {OUTCOMES['report rendered']:,} rendered (JSON valid against the schema, HTML built), "
            f"{OUTCOMES['report refused']:,} refused with a documented error.")
    terminalreporter.write_line("by target: " + ", ".join(f"{k} {v:,}" for k, v in sorted(CASES.items())))
    log = os.environ.get("AQA_FUZZ_LOG")
    if log:
        with open(log, "w", encoding="utf-8") as fh:
            json.dump({"examples_per_test": BASE_EXAMPLES, "total": total, "outcomes": dict(OUTCOMES),
                       "by_target": dict(CASES)}, fh, indent=2)


def encode(text: str) -> bytes:
    """UTF-8, keeping lone surrogates as (invalid) bytes so the readers see them."""
    return text.encode("utf-8", errors="surrogatepass")


def table_bytes(rows: list[dict[str, Any]], kind: str) -> bytes:
    """A list of row dicts written as ``kind`` (csv, tsv, txt, jsonl, json)."""
    if kind in ("csv", "txt", "tsv"):  # the csv module, not pandas: it writes any text, lone surrogates too
        columns = list(dict.fromkeys(c for r in rows for c in r))
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t" if kind == "tsv" else ",", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if r.get(c) is None else r.get(c) for c in columns] for r in rows])
        return encode(out.getvalue())
    from _mutate import dumps

    records = [{str(k): v for k, v in r.items()} for r in rows]
    if kind == "jsonl":
        return encode("\n".join(dumps(r) for r in records))
    return encode(dumps(records))


def parquet_bytes(rows: list[dict[str, Any]], folder: Path) -> bytes:
    path = folder / "_tmp.parquet"
    try:
        frame = pd.DataFrame(rows)
        frame.columns = [str(c) for c in frame.columns]
        frame.to_parquet(path)
    except Exception:  # mixed-type columns: write them as text (what a tool's Parquet export would hold)
        try:
            text = [{str(k).encode("utf-8", "replace").decode(): str(v).encode("utf-8", "replace").decode()
                     for k, v in r.items()} for r in rows]
            pd.DataFrame(text).to_parquet(path)
        except Exception:
            return b""
    data = path.read_bytes()
    path.unlink()
    return data


def check_report(report: Any) -> None:
    """The accounting of one import report, recounted from its skipped table."""
    skipped = report.skipped
    rows = skipped.loc[skipped["scope"] == "row", ["source", "row"]].astype(str).drop_duplicates()
    assert report.rows_skipped == len(rows)
    assert report.is_complete, (report.rows_read, report.rows_kept, report.rows_skipped, skipped.head(10))
    assert report.rows_read == report.rows_kept + len(rows)
    assert 0 <= report.rows_kept <= report.rows_read
    assert set(skipped["scope"]) <= {"row", "annotation"}
    json.dumps(report.to_dict())
    assert report.summary_lines()


def check_set(aset: AnnotationSet) -> None:
    from analytics._reshape import item_category_counts
    from analytics._row_rules import is_blank_text
    from analytics.cli.validate import describe

    rep = aset.report
    check_report(rep)
    assert rep.rows_kept >= 1 and aset.n_annotations >= 1
    assert rep.n_annotations == aset.n_annotations == len(aset.frame) == len(aset.item_codes)
    assert aset.n_categories >= 1
    # nothing kept silently that would mislead (issue 21): a category that prints blank, an id made of an infinite
    # number, an infinite duration
    assert not any(is_blank_text(c) for c in aset.categories), aset.categories
    annotators = set(aset.annotator_ids) if aset.annotator_ids is not None else set()
    assert not {"inf", "-inf"} & (set(aset.item_ids) | annotators), "an id made of Infinity"
    if "duration_s" in aset.frame.columns:
        assert not np.isinf(aset.frame["duration_s"].to_numpy(dtype=float)).any(), "an infinite duration was kept"
    counts = item_category_counts(aset)
    assert counts.shape == (aset.n_items, aset.n_categories)
    if not aset.multilabel:
        assert int(counts.sum()) == aset.n_annotations
    for attached in (aset.gold_report, aset.predictions_report):
        if attached is not None:
            check_report(attached)
    json.dumps(aset.summary(), default=str)
    assert describe(aset)


def run_case(target: str, load: Callable[[], Any], check: Callable[[Any], None] = check_set,
             refused: Callable[[Exception], None] | None = None) -> Any:
    """Run one fuzz case: documented errors pass (``refused`` may check them further), anything else fails;
    successes are checked."""
    CASES[target] += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = load()
    except AnnotationQAError as exc:
        assert str(exc).strip(), "an error without a message"
        if refused is not None:
            refused(exc)
        OUTCOMES["refused"] += 1
        return None
    check(result)
    OUTCOMES["loaded"] += 1
    return result


def frame_of(rows: list[dict[str, Any]]) -> "pd.DataFrame | None":
    """The rows as a DataFrame, or None when pandas itself cannot build one (e.g. lone surrogates)."""
    try:
        return pd.DataFrame(rows)
    except (UnicodeError, ValueError, TypeError):
        return None
