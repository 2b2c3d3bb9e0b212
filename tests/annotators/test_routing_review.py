"""Blind-overlap routing against a direct rule; review summary and queue."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from analytics import InvalidParameterError, load_annotations, review_queue, review_summary, route_for_review
from quality_helpers import annotation_frames, load


def _direct_decision(labels: pd.Series) -> str:
    counts = labels.value_counts()
    m, top = len(labels), counts.max()
    if m == 1:
        return "needs_overlap"
    if top == m:
        return "accept"
    return "senior_review" if top > m / 2 else "adjudicate"


@settings(max_examples=30, deadline=None)
@given(annotation_frames(max_annotators=6))
def test_decisions_votes_and_agreement_match_direct_rule(frame):
    routing = route_for_review(load(frame)).set_index("item_id")
    grouped = frame.groupby("item_id")["label"]
    assert routing["decision"].astype(str).to_dict() == grouped.apply(_direct_decision).to_dict()
    assert routing["n_ratings"].to_dict() == grouped.size().to_dict()
    np.testing.assert_allclose(routing["agreement"], grouped.apply(lambda s: s.value_counts().max() / len(s))
                               .reindex(routing.index))
    for item, text in routing["votes"].items():
        parsed = {lab: int(n) for n, lab in re.findall(r"(\d+)×([^,]+)", text)}
        assert parsed == grouped.get_group(item).value_counts().to_dict()
        assert list(parsed.values()) == sorted(parsed.values(), reverse=True)
    summary = review_summary(routing.reset_index())
    assert summary["decision"].tolist() == ["accept", "senior_review", "adjudicate", "needs_overlap"]
    assert summary["n_items"].sum() == len(routing) and summary["share"].sum() == pytest.approx(1.0)


def test_examples_of_the_rule_and_queue_order():
    frame = pd.DataFrame({
        "item_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 4 + ["d"] + ["e"] * 5,
        "annotator_id": list("pqr") + list("pqr") + list("pqrs") + ["p"] + list("pqrst"),
        "label": ["cat"] * 3 + ["cat", "cat", "dog"] + ["cat", "cat", "dog", "fox"] + ["dog"]
                 + ["cat", "cat", "cat", "dog", "fox"],
        "image": [f"img/{x}.png" for x in ["a"] * 3 + ["b"] * 3 + ["c"] * 4 + ["d"] + ["e"] * 5],
    })
    routing = route_for_review(load_annotations(frame)).set_index("item_id")
    assert routing["decision"].astype(str).to_dict() == {
        "a": "accept", "b": "senior_review", "c": "adjudicate", "d": "needs_overlap", "e": "senior_review"}
    assert routing.loc["e", "votes"] == "3×cat, 1×dog, 1×fox"
    assert routing.loc["c", "consensus"] == "cat" and routing.loc["c", "image"] == "img/c.png"
    queue = review_queue(routing.reset_index())
    # adjudicate first, then senior review by rising agreement (e 3/5 before b 2/3), then overlap
    assert queue["item_id"].tolist() == ["c", "e", "b", "d"]
    assert review_queue(routing.reset_index(), decisions=["needs_overlap"])["item_id"].tolist() == ["d"]
    with pytest.raises(InvalidParameterError):
        review_queue(routing.reset_index(), decisions=["reject"])


def test_no_image_column_and_anonymous_counts():
    counts = load_annotations(pd.DataFrame({"item": ["u", "v"], "cat": [2, 1], "dog": [0, 1]}), format="counts")
    routing = route_for_review(counts)
    assert "image" not in routing.columns
    assert routing["decision"].astype(str).tolist() == ["accept", "adjudicate"]
    assert pd.isna(routing["consensus"].iloc[1])
