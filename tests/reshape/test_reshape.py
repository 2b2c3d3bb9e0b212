"""Sufficient statistics against direct computations (pandas crosstabs, explicit loops, krippendorff)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import load_annotations
from analytics._reshape import (
    annotator_category_counts,
    annotator_gold_confusion,
    annotator_item_matrix,
    annotator_pair_tables,
    coincidence_from_counts,
    coincidence_matrix,
    item_category_counts,
)


@st.composite
def annotation_tables(draw):
    n_items = draw(st.integers(1, 12))
    n_ann = draw(st.integers(1, 5))
    n_cat = draw(st.integers(1, 4))
    cells = draw(st.lists(st.tuples(st.integers(0, n_items - 1), st.integers(0, n_ann - 1), st.integers(0, n_cat - 1)),
                          min_size=1, max_size=40, unique_by=lambda t: (t[0], t[1])))
    return pd.DataFrame([(f"i{i}", f"a{a}", f"c{c}") for i, a, c in cells], columns=["item_id", "annotator_id", "label"])


@settings(max_examples=60, deadline=None)
@given(annotation_tables())
def test_counts_and_pair_tables_match_direct_computation(df):
    aset = load_annotations(df)
    counts = item_category_counts(aset)
    expected = pd.crosstab(df["item_id"], df["label"]).reindex(index=list(aset.item_ids), columns=list(aset.categories),
                                                               fill_value=0)
    np.testing.assert_array_equal(counts, expected.to_numpy())
    tables = annotator_pair_tables(aset)
    lab = {(r.item_id, r.annotator_id): aset.categories.index(r.label) for r in df.itertuples()}
    for a, b in itertools.product(range(aset.n_annotators), repeat=2):
        direct = np.zeros((aset.n_categories,) * 2, dtype=int)
        for item in aset.item_ids:
            ka, kb = (item, aset.annotator_ids[a]), (item, aset.annotator_ids[b])
            if ka in lab and kb in lab:
                direct[lab[ka], lab[kb]] += 1
        np.testing.assert_array_equal(tables[a, b], direct)
    per_ann = annotator_category_counts(aset)
    np.testing.assert_array_equal(per_ann.sum(axis=1), df.groupby("annotator_id").size().reindex(aset.annotator_ids))
    m = annotator_item_matrix(aset)
    assert (m >= 0).sum() == len(df)


@settings(max_examples=60, deadline=None)
@given(annotation_tables())
def test_coincidence_matrix_matches_definition_and_sparse_path(df):
    from scipy import sparse

    aset = load_annotations(df)
    counts = item_category_counts(aset)
    o = coincidence_matrix(aset)
    direct = np.zeros((aset.n_categories,) * 2)
    for row in counts:
        m = row.sum()
        if m < 2:
            continue
        for c, k in itertools.product(range(len(row)), repeat=2):
            direct[c, k] += row[c] * (row[k] - (c == k)) / (m - 1)
    np.testing.assert_allclose(o, direct, atol=1e-12)
    np.testing.assert_allclose(coincidence_from_counts(sparse.csr_matrix(counts)), direct, atol=1e-12)
    np.testing.assert_allclose(o, o.T, atol=1e-12)


def test_coincidence_matrix_of_krippendorff_2011_nominal_example():
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability', section C: 4 observers × 12 units with
    missing values; the paper's coincidence matrix has margins n_c = 9, 13, 10, 5, 3 (values 1..5) and
    n.. = 40 (unit 12 has a single value and is not pairable), giving nominal alpha = 0.743."""
    data = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    rows = [(u, obs, v) for obs, vals in data.items() for u, v in enumerate(vals) if v is not None]
    aset = load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]))
    o = coincidence_matrix(aset)
    np.testing.assert_allclose(o.sum(axis=0), [9, 13, 10, 5, 3])
    assert o.sum() == pytest.approx(40)
    n_c = o.sum(axis=0)
    alpha = 1 - (o.sum() - 1) * (o.sum() - np.trace(o)) / (o.sum() ** 2 - (n_c ** 2).sum())
    assert round(alpha, 3) == 0.743


def test_multilabel_item_tag_counts():
    df = pd.DataFrame({"item_id": ["i1", "i1", "i2"], "annotator_id": ["a", "b", "a"],
                       "label": [["red", "striped"], ["red"], ["blue"]]})
    aset = load_annotations(df)
    np.testing.assert_array_equal(item_category_counts(aset), [[0, 2, 1], [1, 0, 0]])


def test_gold_confusion_counts_only_gold_items():
    df = pd.DataFrame({"item_id": ["i1", "i1", "i2", "i2"], "annotator_id": ["a", "b", "a", "b"],
                       "label": ["cat", "dog", "dog", "dog"]})
    aset = load_annotations(df, gold=pd.DataFrame({"item_id": ["i1"], "gold_label": ["cat"]}))
    g = annotator_gold_confusion(aset)
    assert g.sum() == 2 and g[0, 0, 0] == 1 and g[1, 0, 1] == 1


def test_anonymous_sets_refuse_per_annotator_tables():
    from analytics import AnnotationSchemaError

    aset = load_annotations(pd.DataFrame({"item": [0], "cat": [2], "dog": [1]}), format="counts")
    with pytest.raises(AnnotationSchemaError, match="anonymous annotators"):
        annotator_pair_tables(aset)
