"""A loaded single-label set keeps its ids and labels coded until its table is read (``analytics._coded.DeferredTable``).

The table built on first read is the one the loader built before the deferral: same columns in the same order, same
values and dtypes, rows numbered 0 … n-1; the agreement statistics never build it; the set pickles either way.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import agreement_summary, cohen_kappa_by_pair, fleiss_kappa_by_category, load_annotations
from analytics._coded import DeferredTable


def _eager(table: DeferredTable) -> pd.DataFrame:
    """The table as the loader built it before the deferral: every coded column decoded, then the frame."""
    columns = {}
    for name in table.order:
        if name in table.coded:
            coded = table.coded[name]
            values = np.array([None if c < 0 else coded.values[c] for c in coded.codes], dtype=object)
            columns[name] = pd.Series(values, dtype=object)
        else:
            columns[name] = table.base[name]
    return pd.DataFrame(columns, index=pd.RangeIndex(len(table.base)))


def _csv(tmp_path, text: str):
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_statistics_never_build_the_table_and_reading_it_builds_it_once(tmp_path):
    path = _csv(tmp_path, "note,item_id,label,annotator_id,timestamp,duration_s,image\n"
                          "x,i1,cat,a,2026-01-02T03:04:05Z,3.5,img1.png\n"
                          "y,i1, Cat ,b,2026-01-02T03:04:06Z,,img1.png\n"
                          ",i2,dog,a,not a time,-1,img2.png\n"
                          "z,i2,dog,b,2026-01-02T03:04:08Z,4,img2.png\n")
    aset = load_annotations(path)
    assert isinstance(aset._table, DeferredTable)
    agreement_summary(aset)
    fleiss_kappa_by_category(aset)
    cohen_kappa_by_pair(aset)
    assert isinstance(aset._table, DeferredTable), "the statistics read only the codes"
    assert list(aset.column_names) == ["note", "item_id", "label", "annotator_id", "timestamp", "duration_s", "image"]
    expected = _eager(aset._table)
    frame = aset.frame
    assert frame is aset.frame and isinstance(aset._table, pd.DataFrame)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["label"].tolist() == ["cat", "cat", "dog", "dog"]
    assert str(frame["timestamp"].dtype).startswith("datetime64") and frame["timestamp"].isna().tolist()[2]
    assert frame["duration_s"].isna().tolist() == [False, True, True, False]


def test_rounds_are_read_without_building_the_table(tmp_path):
    """The per-round agreement builds the table (its slices are subsets of it); the list of rounds does not."""
    path = _csv(tmp_path, "item_id,label,annotator_id,round\ni1,cat,a,2\ni1,cat,b,2\ni2,dog,a,10\ni2,cat,b,\n")
    aset = load_annotations(path)
    assert aset.rounds == ("2", "10") and isinstance(aset._table, DeferredTable)
    assert aset.frame["round"].tolist() == ["2", "2", "10", None]


def test_a_deferred_set_pickles_and_builds_the_same_table(tmp_path):
    path = _csv(tmp_path, "item_id,annotator_id,label\n1,a,x\n1,b,y\n2,a,y\n2,b,y\n")
    aset = load_annotations(path)
    copy = pickle.loads(pickle.dumps(aset))
    assert isinstance(copy._table, DeferredTable)
    pd.testing.assert_frame_equal(copy.frame, aset.frame)
    assert list(copy.frame.columns) == ["item_id", "annotator_id", "label"]


def test_multilabel_sets_build_their_table_at_once():
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": ["a", "b", "a", "b"],
                          "label": [["x", "y"], ["y"], ["y"], ["x"]]})
    aset = load_annotations(frame, multilabel=True)
    assert isinstance(aset._table, pd.DataFrame)
    assert aset.frame["label"].tolist() == [("x", "y"), ("y",), ("y",), ("x",)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["i1", "i2", " i3", "i3", "4"]), st.sampled_from(["a", "b", "c"]),
                          st.sampled_from(["cat", "Cat", "dog", " dog", "", "NA"])), min_size=1, max_size=30),
       st.booleans())
def test_the_deferred_table_equals_the_decoded_columns(rows, extra):
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    if extra:
        frame.insert(0, "extra", np.arange(len(frame)))
    try:
        aset = load_annotations(frame, duplicates="first")
    except ValueError:
        return  # nothing left to load (every label blank): the loader's error, tested elsewhere
    if isinstance(aset._table, DeferredTable):
        expected = _eager(aset._table)
        pd.testing.assert_frame_equal(aset.frame, expected)
    assert list(aset.frame.columns)[: 1 + extra][-1] == ("extra" if extra else "item_id")
    assert aset.frame.index.equals(pd.RangeIndex(aset.n_annotations))
