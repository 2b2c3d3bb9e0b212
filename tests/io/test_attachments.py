"""Gold labels, predictions and taxonomy attached to a set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import AnnotationSchemaError, TaxonomyError, UnknownLabelError, load_annotations, load_gold, load_predictions, load_taxonomy

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
    with pytest.raises(TaxonomyError, match="parent class\\(es\\) not defined: 'Sedan' → parent 'Car'"):
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
