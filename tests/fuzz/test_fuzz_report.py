"""Fuzzing the quality report: valid-but-weird annotation sets → a report that renders, or a documented error.

Two sources of sets: (1) the tidy seed mutated by the importer fuzzer's table mutations, with mutated gold,
predictions and taxonomy attached (what survives loading is a valid set shaped by hostile input); (2) sets
built directly with weird shapes: one item, one annotator, one category, every label different, hostile and
numeric-looking labels, Unknown classes, rounds, durations, gold outside the categories, degenerate model
probabilities, tag sets, anonymous counts. Each set either builds a :class:`QualityReport` whose JSON validates
against ``analytics/report/schema.json``, whose import accounting adds up and whose HTML builds with every hostile
label escaped — or raises an :class:`AnnotationQAError` with a message. Anything else fails.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _harness import CASES, OUTCOMES, frame_of, fuzz_settings
from _mutate import mutated_rows
from _seeds import GOLD, PRED_LABEL, PRED_PROBS, TAXONOMY, TIDY
from analytics import load_annotations
from analytics.exceptions import AnnotationQAError
from analytics.report.quality_report import QualityReport, report_schema

jsonschema = pytest.importorskip("jsonschema")
VALIDATOR = jsonschema.Draft202012Validator(report_schema())

WEIRD_LABELS = ["cat", "dog", "Unknown", "Other", "<script>alert(1)</script>", "=1+1", "-1", "0", "1", "01",
                "e\u0301", "Ｃａｔ", "a,b", 'say "hi"', "🐱", "x" * 200, "&amp;", "{chart:x}", "<!--chart:gold-->", "nan?"]
HOSTILE = [w for w in WEIRD_LABELS if "<" in w or "&" in w]


def run_report(target: str, load) -> None:
    """One case: load (documented errors end it), then the report must render or refuse with a documented error."""
    CASES[target] += 1
    try:
        aset = load()
    except AnnotationQAError as exc:
        assert str(exc).strip()
        OUTCOMES["refused"] += 1
        return
    try:
        report = QualityReport.from_annotations(aset, device="cpu", max_listed=5)
    except AnnotationQAError as exc:
        assert str(exc).strip(), "an error without a message"
        OUTCOMES["report refused"] += 1
        return
    data = report.to_dict()
    text = json.dumps(data, allow_nan=False)  # strict JSON: NaN became null
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(json.loads(text))]
    assert not errors, errors[:5]
    for role, rep in data["imports"].items():
        if rep is not None:
            assert rep["rows_read"] == rep["rows_kept"] + rep["rows_skipped"] and rep["complete"], role
    assert set(data["sections"]) == {s.key for s in report.sections}
    for key, section in data["sections"].items():
        assert (section["status"] == "ok") == (section["data"] is not None), key
        assert section["status"] == "ok" or section["reason"].strip(), key
    html = report.to_html()
    assert html.startswith("<!DOCTYPE html>") and html.count("<section ") == len(report.sections) + 1
    for label in [*aset.categories, *aset.item_ids, *aset.annotator_ids]:
        if "<" in str(label):
            assert str(label) not in html, label
    OUTCOMES["report rendered"] += 1


@st.composite
def weird_sets(draw) -> dict:
    """Keyword arguments of ``load_annotations`` for a valid-but-weird set."""
    n_items = draw(st.integers(1, 12))
    annotators = [f"ann<{k}>" if draw(st.booleans()) else f"a{k}" for k in range(draw(st.integers(1, 5)))]
    vocab = draw(st.lists(st.sampled_from(WEIRD_LABELS), min_size=1, max_size=6, unique=True))
    multilabel = draw(st.integers(0, 5)) == 0
    rounds = draw(st.sampled_from([None, ["1"], ["1", "2"], ["r1", "r2", "r3"]]))
    durations = draw(st.sampled_from([None, "normal", "zero", "huge"]))
    rows = []
    for i in range(n_items):
        who = draw(st.lists(st.sampled_from(annotators), min_size=1, max_size=len(annotators), unique=True))
        for k, a in enumerate(who):
            label = (tuple(draw(st.lists(st.sampled_from(vocab), min_size=1, max_size=3, unique=True)))
                     if multilabel else draw(st.sampled_from(vocab)))
            row = {"item_id": f"i{i}" if i % 4 else f"<b>{i}</b>", "annotator_id": a, "label": label}
            if rounds:
                row["round"] = rounds[(i + k) % len(rounds)]
            if durations:
                row["duration_s"] = {"normal": 2.0 + (i * 7 + k) % 5, "zero": 0.0, "huge": 1e12}[durations]
            if draw(st.booleans()):
                row["timestamp"] = f"2024-05-0{1 + i % 9}T1{k}:00:00Z"
            rows.append(row)
    frame = pd.DataFrame(rows)
    options: dict = {"multilabel": multilabel}
    if multilabel:
        frame["label"] = frame["label"].map(lambda t: "|".join(t))
        options["label_sep"] = "|"
    items = frame["item_id"].unique().tolist()
    if not multilabel and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(items), min_size=1, max_size=len(items), unique=True))
        golds = vocab + ["never_used"] if draw(st.booleans()) else vocab
        options["gold"] = pd.DataFrame({"item_id": chosen, "gold_label": [draw(st.sampled_from(golds)) for _ in chosen]})
    if not multilabel and draw(st.booleans()):
        cats = sorted(set(vocab))
        kind = draw(st.sampled_from(["dirichlet", "onehot", "uniform", "label"]))
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        if kind == "label":
            options["predictions"] = pd.DataFrame({"item_id": items, "predicted_label": rng.choice(cats, len(items)),
                                                   "confidence": rng.uniform(0, 1, len(items))})
        else:
            probs = {"dirichlet": lambda: rng.dirichlet(np.ones(len(cats)), len(items)),
                     "onehot": lambda: np.eye(len(cats))[rng.integers(0, len(cats), len(items))],
                     "uniform": lambda: np.full((len(items), len(cats)), 1 / len(cats))}[kind]()
            options["predictions"] = pd.concat([pd.DataFrame({"item_id": items}), pd.DataFrame(probs, columns=cats)],
                                               axis=1)
    if not multilabel and draw(st.integers(0, 3)) == 0:
        counts = frame.groupby(["item_id", "label"]).size().unstack(fill_value=0).reset_index()
        return {"source": counts, "format": "counts", **{k: v for k, v in options.items() if k != "multilabel"}}
    return {"source": frame, **options}


@fuzz_settings(0.25)
@given(kwargs=weird_sets())
def test_weird_sets_render_or_say_why(kwargs):
    run_report("report (weird sets)", lambda: load_annotations(kwargs.pop("source"), **kwargs))


@fuzz_settings(0.15)
@given(data=st.data())
def test_mutated_seed_sets_render_or_say_why(data):
    frame = frame_of(data.draw(mutated_rows([dict(r) for r in TIDY], max_mutations=3)))
    options: dict = {}
    if data.draw(st.booleans()):
        options["gold"] = frame_of(data.draw(mutated_rows([dict(r) for r in GOLD], max_mutations=2)))
    if data.draw(st.booleans()):
        seed = PRED_PROBS if data.draw(st.booleans()) else PRED_LABEL
        options["predictions"] = frame_of(data.draw(mutated_rows([dict(r) for r in seed], max_mutations=2)))
    if data.draw(st.booleans()):
        options["taxonomy"] = json.loads(json.dumps(TAXONOMY))
    if frame is None:  # pandas itself cannot hold these rows (e.g. a lone surrogate in a column name)
        return
    options = {k: v for k, v in options.items() if v is not None}
    run_report("report (mutated seeds)", lambda: load_annotations(frame, duplicates="keep_last", **options))
