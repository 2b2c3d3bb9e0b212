"""Gold labels, predictions and taxonomy attached to a set."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from analytics import AnnotationSchemaError, TaxonomyError, UnknownLabelError, load_annotations, load_gold, load_predictions, load_taxonomy
from tests.conftest import SAMPLES

ANN = pd.DataFrame({"item_id": ["i1", "i1", "i2", "i2"], "annotator_id": ["a", "b", "a", "b"],
                    "label": ["cat", "dog", "dog", "dog"]})


def test_gold_is_aligned_and_outside_items_reported():
    gold = pd.DataFrame({"item_id": ["i1", "i9", "i2"], "gold_label": ["cat", "dog", "bird"]})
    aset = load_annotations(ANN, gold=gold)
    assert aset.gold.to_dict() == {"i1": "cat", "i2": "bird"}
    assert "bird" in aset.categories  # a gold class nobody used is still a category
    assert aset.gold_codes.tolist() == [aset.categories.index("cat"), aset.categories.index("bird")]
    rep = aset.gold_report
    assert rep.rows_read == 3 and rep.rows_kept == 2 and rep.rows_skipped == 1
    assert rep.skipped_by_reason.to_dict() == {"gold_not_annotated": 1}


def test_gold_conflicts_are_an_error_and_repeats_are_reported():
    with pytest.raises(AnnotationSchemaError, match="conflicting gold labels.*'i1': 'cat', 'dog'"):
        load_gold(pd.DataFrame({"item_id": ["i1", "i1"], "gold_label": ["cat", "dog"]}))
    g = load_gold(pd.DataFrame({"item_id": ["i1", "i1", "i2"], "truth": ["cat", "cat", None]}))
    assert len(g.frame) == 1 and g.report.skipped_by_reason.to_dict() == {"duplicate": 1, "blank_label": 1}


def test_probability_predictions_are_aligned_to_categories():
    preds = pd.DataFrame({"item_id": ["i1", "i2"], "cat": [0.9, 0.2], "dog": [0.1, 0.8]})
    aset = load_annotations(ANN, predictions=preds)
    np.testing.assert_allclose(aset.prediction_probs, [[0.9, 0.1], [0.2, 0.8]])
    assert aset.prediction_codes.tolist() == [0, 1]
    np.testing.assert_allclose(aset.prediction_confidence, [0.9, 0.8])


def test_predictions_refuse_logits_and_renormalize():
    with pytest.raises(AnnotationSchemaError, match="look like logits"):
        load_predictions(pd.DataFrame({"item_id": ["i1"], "cat": [2.3], "dog": [-1.0]}))
    p = load_predictions(pd.DataFrame({"item_id": ["i1"], "cat": [0.5], "dog": [0.25]}))
    np.testing.assert_allclose(p.frame[["cat", "dog"]].to_numpy(), [[2 / 3, 1 / 3]])
    assert "renormalized" in p.report.warnings[0]


def test_label_confidence_predictions():
    preds = pd.DataFrame({"item_id": ["i1", "i2", "i3"], "predicted_label": ["cat", "dog", None],
                          "confidence": [0.6, 0.95, 0.5]})
    aset = load_annotations(ANN, predictions=preds)
    assert aset.prediction_probs is None
    assert aset.prediction_codes.tolist() == [0, 1]
    assert aset.predictions_report.skipped_by_reason.to_dict() == {"invalid_record": 1}


def test_taxonomy_structure_checks():
    with pytest.raises(TaxonomyError, match="cycle: A → B → A"):
        load_taxonomy({"classes": [{"name": "A", "parent": "B"}, {"name": "B", "parent": "A"}]})
    with pytest.raises(TaxonomyError, match="a parent class is not defined: 'Sedan' → parent 'Car'"):
        load_taxonomy({"classes": [{"name": "Sedan", "parent": "Car"}]})
    with pytest.raises(TaxonomyError, match="duplicate class name"):
        load_taxonomy({"classes": [{"name": "A"}, {"name": "A"}]})
    with pytest.raises(TaxonomyError, match="differing only in case"):
        load_taxonomy({"classes": [{"name": "Car"}, {"name": "car"}]})
    with pytest.raises(TaxonomyError, match="several classes are flagged unknown"):
        load_taxonomy({"classes": [{"name": "A", "unknown": True}, {"name": "B", "unknown": True}]})
    tax = load_taxonomy({"classes": [{"name": "A"}]})
    assert "no class is flagged 'unknown: true'" in tax.warnings[0]


def test_taxonomy_hierarchy_and_category_order(tmp_path):
    path = tmp_path / "tax.yaml"
    path.write_text("classes:\n- name: Vehicle\n- name: Car\n  parent: Vehicle\n- name: Sedan\n  parent: Car\n"
                    "- name: Coupe\n  parent: Car\n- name: Truck\n  parent: Vehicle\n- name: Other\n  unknown: true\n")
    tax = load_taxonomy(path)
    assert tax.depth == 3 and tax.leaves == ("Sedan", "Coupe", "Truck", "Other")
    assert tax.rollup(1)["Sedan"] == "Vehicle" and tax.rollup(2)["Sedan"] == "Car" and tax.rollup(2)["Truck"] == "Truck"
    df = pd.DataFrame({"item_id": ["i1", "i1"], "annotator_id": ["a", "b"], "label": ["Coupe", "Car"]})
    aset = load_annotations(df, taxonomy=path)
    assert aset.categories == ("Car", "Sedan", "Coupe", "Truck", "Other")
    assert aset.unknown_label == "Other"
    with pytest.raises(UnknownLabelError):
        load_annotations(df.assign(label=["Coupe", "Bus"]), taxonomy=path)


def test_relabel_merges_classes_and_predictions():
    preds = pd.DataFrame({"item_id": ["i1", "i2"], "cat": [0.6, 0.2], "dog": [0.3, 0.7], "fox": [0.1, 0.1]})
    aset = load_annotations(ANN, predictions=preds, gold=pd.DataFrame({"item_id": ["i1"], "gold_label": ["cat"]}))
    merged = aset.relabel({"cat": "pet", "dog": "pet"})
    assert merged.categories == ("pet", "fox")
    assert set(merged.frame["label"]) == {"pet"} and merged.gold.to_dict() == {"i1": "pet"}
    np.testing.assert_allclose(merged.prediction_probs, [[0.9, 0.1], [0.9, 0.1]])


def test_subset_keeps_categories_and_restricts_gold():
    aset = load_annotations(ANN, gold=pd.DataFrame({"item_id": ["i1", "i2"], "gold_label": ["cat", "dog"]}))
    sub = aset.subset(aset.frame["item_id"] == "i2")
    assert sub.categories == aset.categories and sub.n_items == 1 and sub.gold.to_dict() == {"i2": "dog"}


DIGITS = SAMPLES / "digits"


def _csv_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _assert_same_report(a, b):
    assert (a.rows_read, a.rows_kept, a.rows_skipped, a.n_annotations) == (b.rows_read, b.rows_kept, b.rows_skipped,
                                                                          b.n_annotations)
    assert (a.source, a.format, a.label_field, list(a.warnings)) == (b.source, b.format, b.label_field,
                                                                     list(b.warnings))
    pd.testing.assert_frame_equal(a.skipped.reset_index(drop=True), b.skipped.reset_index(drop=True))


def test_loaded_gold_and_predictions_attach_like_their_paths():
    """load_gold(...) / load_predictions(...) results passed to load_annotations give the set the paths give.

    Round 1 of the digits sample only, so that gold and predicted items of round 2 are skipped and reported.
    """
    rows = [r for r in _csv_rows(DIGITS / "annotations.csv") if r["round"] == "1"]
    ann = pd.DataFrame(rows)
    items = {r["item_id"] for r in rows}
    gold_rows, pred_rows = _csv_rows(DIGITS / "gold.csv"), _csv_rows(DIGITS / "predictions.csv")
    n_gold = sum(r["item_id"] in items for r in gold_rows)
    n_pred = sum(r["item_id"] in items for r in pred_rows)
    assert 0 < n_gold < len(gold_rows) and 0 < n_pred < len(pred_rows)

    by_path = load_annotations(ann, gold=DIGITS / "gold.csv", predictions=DIGITS / "predictions.csv")
    gold, preds = load_gold(DIGITS / "gold.csv"), load_predictions(DIGITS / "predictions.csv")
    by_object = load_annotations(ann, gold=gold, predictions=preds)

    assert by_path.n_annotations == by_object.n_annotations == len(rows)
    assert by_path.categories == by_object.categories
    assert by_object.gold.to_dict() == by_path.gold.to_dict() == {r["item_id"]: r["gold_label"] for r in gold_rows
                                                                  if r["item_id"] in items}
    np.testing.assert_array_equal(by_object.gold_codes, by_path.gold_codes)
    assert by_object.prediction_probs.shape == (by_object.n_items, len(by_object.categories))  # 0-9 and Unknown
    np.testing.assert_array_equal(by_object.prediction_probs, by_path.prediction_probs)
    np.testing.assert_array_equal(by_object.prediction_codes, by_path.prediction_codes)
    for rep in (by_path.gold_report, by_object.gold_report):
        assert (rep.rows_read, rep.rows_kept) == (len(gold_rows), n_gold)
        assert rep.skipped_by_reason.to_dict() == {"gold_not_annotated": len(gold_rows) - n_gold}
    for rep in (by_path.predictions_report, by_object.predictions_report):
        assert (rep.rows_read, rep.rows_kept) == (len(pred_rows), n_pred)
        assert rep.skipped_by_reason.to_dict() == {"prediction_not_annotated": len(pred_rows) - n_pred}
    _assert_same_report(by_object.gold_report, by_path.gold_report)
    _assert_same_report(by_object.predictions_report, by_path.predictions_report)
    # the loaded objects are not changed by being attached
    assert len(gold.frame) == len(gold_rows) and len(preds.frame) == len(pred_rows)


def test_taxonomy_from_json_equals_the_yaml_version(tmp_path):
    """The retail taxonomy written as JSON (parsed from the YAML by PyYAML here) loads to the same taxonomy."""
    yaml_path = SAMPLES / "retail" / "taxonomy.yaml"
    data = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    json_path = tmp_path / "taxonomy.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    from_yaml, from_json = load_taxonomy(yaml_path), load_taxonomy(json_path)
    assert from_json == from_yaml
    assert from_json.to_dict() == from_yaml.to_dict()
    assert from_json.names == tuple(c["name"] for c in data["classes"])
    assert from_json.unknown_class == next(c["name"] for c in data["classes"] if c.get("unknown"))
    assert from_json.depth == 3 and from_json.is_hierarchical
    ann = SAMPLES / "retail" / "annotations.csv"
    with_yaml, with_json = load_annotations(ann, taxonomy=yaml_path), load_annotations(ann, taxonomy=json_path)
    assert with_json.categories == with_yaml.categories and with_json.unknown_label == with_yaml.unknown_label
    assert with_json.taxonomy == with_yaml.taxonomy
    np.testing.assert_array_equal(with_json.label_codes, with_yaml.label_codes)
