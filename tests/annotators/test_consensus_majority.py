"""Majority vote against a direct computation; ties; anonymous annotators; shared result type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from analytics import AnnotationSchemaError, ConsensusResult, InvalidParameterError, load_annotations, majority_vote
from quality_helpers import annotation_frames, load


def _direct_majority(frame: pd.DataFrame) -> pd.DataFrame:
    """Per item: the unique most frequent label (None on a tie) and its vote share, via value_counts."""
    out = {}
    for item, labels in frame.groupby("item_id")["label"]:
        counts = labels.value_counts()
        top = counts[counts == counts.max()]
        out[item] = (top.index[0] if len(top) == 1 else None, counts.max() / len(labels), set(top.index))
    return pd.DataFrame.from_dict(out, orient="index", columns=["label", "share", "tied"])


@settings(max_examples=30, deadline=None)
@given(annotation_frames())
def test_majority_vote_equals_direct_computation(frame):
    res = majority_vote(load(frame))
    direct = _direct_majority(frame).reindex(res.labels.index)
    assert isinstance(res, ConsensusResult) and res.method == "majority_vote"
    assert res.labels.dtype == object
    expected = direct["label"].to_numpy(dtype=object)
    got = res.labels.to_numpy(dtype=object)
    assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in expected]
    np.testing.assert_allclose(res.confidence.to_numpy(), direct["share"].to_numpy())
    assert res.n_unresolved == int(pd.isna(got).sum())
    np.testing.assert_allclose(res.posteriors.sum(axis=1), 1.0)
    # annotator accuracy: share of the annotator's labels equal to the (resolved) consensus
    merged = frame.assign(cons=frame["item_id"].map(res.labels)).dropna(subset=["cons"])
    agree = (merged["label"] == merged["cons"]).groupby(merged["annotator_id"]).mean()
    pd.testing.assert_series_equal(res.annotator_accuracy.dropna(), agree.reindex(res.annotator_accuracy.dropna().index),
                                   check_names=False, check_index_type=False)


@settings(max_examples=20, deadline=None)
@given(annotation_frames())
def test_random_tie_break_picks_a_tied_label_reproducibly(frame):
    a = majority_vote(load(frame), tie="random", seed=3)
    b = majority_vote(load(frame.sample(frac=1.0, random_state=1)), tie="random", seed=3)
    direct = _direct_majority(frame)
    assert a.n_unresolved == 0 and not a.labels.isna().any()
    for item, label in a.labels.items():
        assert label in direct.loc[item, "tied"]
    pd.testing.assert_series_equal(a.labels, b.labels)


def test_row_order_does_not_matter():
    frame = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 3], "annotator_id": list("abcabc"), "label": list("xxyyyx")})
    a = majority_vote(load(frame)).labels
    b = majority_vote(load(frame.iloc[::-1])).labels
    pd.testing.assert_series_equal(a, b)


def test_anonymous_counts_table():
    counts = pd.DataFrame({"item": ["u", "v", "w"], "cat": [3, 1, 2], "dog": [0, 2, 2]})
    res = majority_vote(load_annotations(counts, format="counts"))
    assert res.labels.tolist()[:2] == ["cat", "dog"] and pd.isna(res.labels.iloc[2])
    assert res.annotator_accuracy.empty
    assert res.confidence.tolist() == [1.0, 2 / 3, 0.5]


def test_bad_options_and_multilabel():
    frame = pd.DataFrame({"item_id": [1], "annotator_id": ["a"], "label": ["x"]})
    with pytest.raises(InvalidParameterError):
        majority_vote(load(frame), tie="first")
    tags = pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": [["x", "y"], ["x"]]})
    with pytest.raises(AnnotationSchemaError, match="multi-label"):
        majority_vote(load_annotations(tags))


def test_result_serializes():
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"), "label": list("xxxy")})
    res = majority_vote(load(frame))
    d = res.to_dict()
    assert d["labels"] == {"1": "x", "2": None}
    assert res.to_frame().columns.tolist() == ["item_id", "consensus", "confidence", "n_ratings"]
    with pytest.raises(InvalidParameterError):
        res.confusion_frame("a")
