"""Adding, reading, removing and exporting deliveries — on an embedded (SQLite) and a PostgreSQL workspace."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import analytics as aqa
from analytics.workspace import DeliveryNotFoundError, DuplicateDeliveryError, WorkspaceError, open_workspace


def _set(frame: pd.DataFrame, **kwargs):
    return aqa.load_annotations(frame, **kwargs)


def test_add_stores_everything_and_refuses_the_same_content(location, digits_rounds):
    first, second = digits_rounds
    with open_workspace(location, create=True) as ws:
        a = ws.add(first, name="week-1", vendor="Acme", guideline_version="v1", metadata={"batch": 7})
        assert (a.name, a.vendor, a.guideline_version, a.metadata) == ("week-1", "Acme", "v1", {"batch": 7})
        assert (a.n_annotations, a.n_items, a.n_annotators) == (first.n_annotations, first.n_items, 5)
        assert a.n_repeat_items == 0 and a.unknown_label == "Unknown"
        assert a.n_unknown == int((first.frame["label"] == "Unknown").sum())
        b = ws.add(second)
        assert b.name == "annotations" and b.id > a.id
        # the same annotations in another order (and without gold) are the same content
        shuffled = second.frame.sample(frac=1.0, random_state=3)[["item_id", "annotator_id", "label", "round"]]
        with pytest.raises(DuplicateDeliveryError, match="'annotations'") as info:
            ws.add(_set(shuffled), name="again")
        assert info.value.earlier == "annotations"
        with pytest.raises(WorkspaceError, match="already in the workspace"):
            ws.add(first.subset(np.arange(first.n_annotations) < 100), name="week-1")
        assert [d.name for d in ws.deliveries()] == ["week-1", "annotations"]
        report = ws.report("week-1")
        assert report["schema_version"] == aqa.QualityReport.from_annotations(first).schema_version
        assert report["sections"]["agreement"]["status"] == "ok"
        imports = ws.import_report("week-1")
        assert imports["annotations"]["rows_read"] == imports["annotations"]["rows_kept"] + \
            imports["annotations"]["rows_skipped"]
        assert ws.settings("week-1") == {"target": 0.8, "gold_target": 0.9, "confidence_level": 0.95}


def test_items_that_come_back_are_recognised(location):
    base = pd.DataFrame({"item_id": [f"i{k}" for k in range(10) for _ in range(2)],
                         "annotator_id": ["a", "b"] * 10, "label": ["x", "y"] * 10})
    later = base.copy()
    later["item_id"] = [f"i{k}" for k in range(6, 16) for _ in range(2)]  # i6..i9 come back
    third = base.copy()
    third["item_id"] = [f"i{k}" for k in (0, 1, 6, 7, 20, 21, 22, 23, 24, 25) for _ in range(2)]
    with open_workspace(location, create=True) as ws:
        ws.add(_set(base), name="d1")
        d2 = ws.add(_set(later), name="d2")
        d3 = ws.add(_set(third), name="d3")
        assert (d2.n_repeat_items, d2.repeats, d2.n_new_items) == (4, {"d1": 4}, 6)
        assert (d3.n_repeat_items, d3.repeats) == (4, {"d1": 4, "d2": 2})
        ws.remove("d1")  # d3's counts are recomputed without d1
        d3 = ws.delivery("d3")
        assert (d3.n_repeat_items, d3.repeats) == (2, {"d2": 2})
        with pytest.raises(DeliveryNotFoundError, match="'d1'"):
            ws.remove("d1")


def test_contents_and_load_round_trip(location, digits_rounds):
    first = digits_rounds[0]
    frame = first.frame.copy()
    frame["annotation_id"] = [f"a{k}" for k in range(len(frame))]
    frame["updated_at"] = pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(np.arange(len(frame)), unit="s")
    aset = _set(frame, gold=pd.DataFrame({"item_id": first.gold.index, "gold_label": first.gold.to_numpy()}),
                taxonomy=first.taxonomy)
    with open_workspace(location, create=True) as ws:
        assert ws.last_delivery() is None
        ws.add(aset, name="pull-1", source="labelstudio:project-7")
        contents = ws.last_delivery(source="labelstudio:project-7")
        assert contents.delivery.name == "pull-1" and ws.last_delivery(source="elsewhere") is None
        assert set(contents.item_ids) == set(map(str, aset.item_ids))
        latest = contents.latest("annotation_id", "updated_at")
        assert len(latest) == len(frame) and latest["a3"] == frame["updated_at"].iloc[3]
        back = ws.load("pull-1")
    assert back.categories == aset.categories and back.n_annotations == aset.n_annotations
    assert aqa.fleiss_kappa(back).value == pytest.approx(aqa.fleiss_kappa(aset).value, abs=1e-12)
    assert back.has_gold and back.gold.sort_index().equals(aset.gold.sort_index())
    assert back.taxonomy is not None and back.taxonomy.names == aset.taxonomy.names
    g0 = aqa.gold_accuracy_by_annotator(aset).table
    g1 = aqa.gold_accuracy_by_annotator(back).table
    assert g0["n_correct"].tolist() == g1["n_correct"].tolist()


def test_tag_sets_and_predictions_round_trip(location):
    from analytics.samples import load_sample

    tags = load_sample("retail-tags")
    digits = load_sample("digits")
    with open_workspace(location, create=True) as ws:
        info = ws.add(tags, name="tags")
        assert info.multilabel and info.primary_coefficient == "krippendorff_alpha_masi"
        back = ws.load("tags")
        ws.add(digits, name="digits")
        with_preds = ws.load("digits")
        history = ws.history()
    assert back.multilabel and back.frame["label"].map(sorted).tolist() == tags.frame["label"].map(sorted).tolist()
    assert with_preds.has_predictions
    assert np.allclose(with_preds.prediction_probs, digits.prediction_probs)
    alpha = [r for r in history.agreement if r["delivery"] == "tags"]
    assert [r["coefficient"] for r in alpha] == ["krippendorff_alpha_masi"]
    assert alpha[0]["value"] == pytest.approx(aqa.krippendorff_alpha_multilabel(tags, distance="masi").value)


def test_export_writes_parquet_and_json(location, digits_rounds, tmp_path):
    with open_workspace(location, create=True) as ws:
        ws.add(digits_rounds[0], name="week 1/a")
        ws.add(digits_rounds[1], name="week-2")
        written = ws.export(tmp_path / "out")
    names = {p.split("/out/")[1] for p in written}
    assert {"week_1_a/annotations.parquet", "week_1_a/gold.parquet", "week_1_a/taxonomy.json",
            "week_1_a/report.json", "week_1_a/import_report.json", "week_1_a/delivery.json",
            "week-2/annotations.parquet", "history.json", "deliveries.parquet"} <= names
    table = pd.read_parquet(tmp_path / "out" / "week-2" / "annotations.parquet")
    assert len(table) == digits_rounds[1].n_annotations
    meta = json.loads((tmp_path / "out" / "week_1_a" / "delivery.json").read_text())
    assert meta["name"] == "week 1/a" and meta["content_hash"]
    history = json.loads((tmp_path / "out" / "history.json").read_text())
    assert [d["name"] for d in history["deliveries"]] == ["week 1/a", "week-2"]
    assert len(pd.read_parquet(tmp_path / "out" / "deliveries.parquet")) == 2
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_bad_locations_are_explained(tmp_path):
    from analytics.workspace import WorkspaceNotFoundError

    with pytest.raises(WorkspaceNotFoundError, match="aqa add FILE --workspace"):
        open_workspace(tmp_path / "missing.aqa")
    (tmp_path / "data.csv").write_text("item,label\n1,x\n")
    with pytest.raises(WorkspaceError, match="not an annotation-qa workspace"):
        open_workspace(tmp_path / "data.csv")
    with pytest.raises(WorkspaceError, match="is a folder"):
        open_workspace(tmp_path, create=True)
    with pytest.raises(WorkspaceError, match="does not exist"):
        open_workspace(tmp_path / "nope" / "w.aqa", create=True)
    with pytest.raises(WorkspaceError, match="Unsupported workspace URL"):
        open_workspace("mysql://u:secret@host/db")
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    with pytest.raises(WorkspaceError, match="not an annotation-qa workspace.*things"):
        open_workspace(other)


def test_metadata_is_checked(tmp_path, digits_rounds):
    from analytics.exceptions import InvalidParameterError

    with open_workspace(tmp_path / "w.aqa", create=True) as ws:
        with pytest.raises(InvalidParameterError, match="vendor is 300 characters"):
            ws.add(digits_rounds[0], vendor="x" * 300)
        with pytest.raises(InvalidParameterError, match="in-memory AnnotationSet"):
            ws.add(digits_rounds[0].frame)
        assert ws.deliveries() == ()
