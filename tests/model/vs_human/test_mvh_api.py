"""Input validation, undefined statistics, docstring examples, lazy torch import, near-duplicates wiring."""

from __future__ import annotations

import doctest
import importlib
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from analytics import (
    AnnotationSchemaError,
    InvalidParameterError,
    UndefinedMetricWarning,
    embed_images,
    find_near_duplicates,
    load_annotations,
    majority_vote,
    model_vs_human,
    model_vs_human_arrays,
    near_duplicates_for,
    review_near_duplicates,
)
from tests.conftest import REPO, SAMPLES

pytest.importorskip("torch")

DIGITS = SAMPLES / "digits"
SMALL = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator_id": ["a", "b"] * 3,
                      "label": ["cat", "cat", "dog", "dog", "dog", "cat"]})
PREDS = pd.DataFrame({"item_id": ["1", "2", "3"], "cat": [0.9, 0.3, 0.5], "dog": [0.1, 0.7, 0.5]})


def test_missing_predictions_and_multilabel_are_schema_errors():
    with pytest.raises(AnnotationSchemaError, match="needs model predictions"):
        model_vs_human(load_annotations(SMALL), device="cpu")
    tags = load_annotations(SAMPLES / "retail" / "tags.csv")
    with pytest.raises(AnnotationSchemaError, match="single-label"):
        model_vs_human(tags, device="cpu")


@pytest.mark.parametrize("option", [{"threshold": 0.0}, {"threshold": 1.5}, {"n_bins": 0}, {"max_listed": 0},
                                    {"batch_size": 0}, {"confusion_threshold": 0}, {"confidence_level": 1.0},
                                    {"consensus": "median"}, {"device": "tpu"}])
def test_bad_options_raise(option):
    with pytest.raises(InvalidParameterError):
        model_vs_human(load_annotations(SMALL, predictions=PREDS), **{"device": "cpu", **option})


def test_bad_arrays_name_the_items():
    probs = np.array([[0.5, 0.5], [0.9, 0.3], [np.nan, 0.5]])
    with pytest.raises(InvalidParameterError, match="'b', 'c'"):
        model_vs_human_arrays(probs, np.ones((3, 2)), item_ids=["a", "b", "c"], device="cpu")
    with pytest.raises(InvalidParameterError, match="same shape"):
        model_vs_human_arrays(np.full((3, 2), 0.5), np.ones((3, 3)), device="cpu")
    with pytest.raises(InvalidParameterError, match="non-negative"):
        model_vs_human_arrays(np.full((2, 2), 0.5), np.array([[1, -1], [1, 0]]), device="cpu")
    with pytest.raises(InvalidParameterError, match="class codes"):
        model_vs_human_arrays(np.full((2, 2), 0.5), np.ones((2, 2)), gold_codes=[0, 2], device="cpu")
    with pytest.raises(InvalidParameterError, match="No item has a model prediction"):
        model_vs_human_arrays(np.full((2, 2), np.nan), np.ones((2, 2)), device="cpu")


def test_consensus_result_of_another_set_is_rejected():
    aset = load_annotations(SMALL, predictions=PREDS)
    other = load_annotations(SMALL.assign(label=SMALL["label"].replace({"dog": "cow"})))
    with pytest.raises(InvalidParameterError, match="categories"):
        model_vs_human(aset, consensus=majority_vote(other), device="cpu")
    part = load_annotations(SMALL[SMALL["item_id"] < 3], categories=["cat", "dog"])
    with pytest.raises(InvalidParameterError, match="no label for 1 item"):
        model_vs_human(aset, consensus=majority_vote(part), device="cpu")


def test_without_gold_one_warning_and_nan_with_reasons():
    aset = load_annotations(SMALL, predictions=PREDS)
    with pytest.warns(UndefinedMetricWarning) as caught:
        res = model_vs_human(aset, device="cpu")
    assert len(caught) == 1
    assert np.isnan(res.accuracy_vs_gold.value) and "gold" in res.accuracy_vs_gold.reason
    assert np.isnan(res.kappa_vs_gold.value) and np.isnan(res.expected_calibration_error_gold)
    assert set(res.reliability["target"]) == {"consensus"}
    assert res.n_items == 3 and res.n_consensus == 2 and res.device == "cpu"
    assert res.to_dict()["accuracy_vs_consensus"]["value"] == 1.0


def test_items_without_prediction_are_left_out():
    aset = load_annotations(SMALL, predictions=PREDS.iloc[:2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model_vs_human(aset, device="cpu")
    assert res.n_items == 2 and res.n_items_without_prediction == 1


def test_docstring_examples(monkeypatch):
    monkeypatch.chdir(REPO)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("analytics.model.vs_human.api", "analytics.model.near_duplicates"):
            mod = importlib.import_module(name)
            result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
            assert result.failed == 0 and result.attempted > 0


def test_import_analytics_does_not_import_torch():
    code = "import sys, analytics; analytics.model_vs_human; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture
def duplicated_digits(tmp_path):
    """12 digit images plus an exact copy of d0001 as item 'copy' that one annotator labels differently."""
    frame = pd.read_csv(DIGITS / "annotations.csv", dtype=str)
    keep = sorted(frame["item_id"].unique())[:12]
    frame = frame[frame["item_id"].isin(keep)]
    for item in keep:
        shutil.copy(DIGITS / "images" / f"{item}.png", tmp_path / f"{item}.png")
    shutil.copy(DIGITS / "images" / "d0001.png", tmp_path / "copy.png")
    copy = pd.DataFrame({"item_id": "copy", "annotator_id": ["ann_expert", "ann_fast"], "label": ["Unknown"] * 2})
    frame = pd.concat([frame[["item_id", "annotator_id", "label", "image"]], copy], ignore_index=True)
    frame["image"] = frame["item_id"] + ".png"
    return load_annotations(frame), tmp_path


def test_near_duplicates_for_wires_embeddings_search_and_review(duplicated_digits):
    aset, root = duplicated_digits
    model = str(DIGITS / "digits_cnn.pt")
    review = near_duplicates_for(aset, model, root=root, device="cpu", threshold=0.999)
    pairs = review.different_consensus
    assert {"d0001", "copy"} == set(pairs[["item_a", "item_b"]].iloc[0])
    assert pairs["similarity"].iloc[0] == pytest.approx(1.0, abs=1e-5)
    paths = [str(root / f"{i}.png") for i in aset.item_ids]
    manual = review_near_duplicates(aset, find_near_duplicates(embed_images(model, paths, device="cpu"),
                                                               item_ids=list(aset.item_ids), threshold=0.999))
    pd.testing.assert_frame_equal(review.different_consensus, manual.different_consensus)
    hashed = near_duplicates_for(aset, root=root, threshold=1.0)  # no model: difference hashes
    assert hashed.n_pairs >= 1 and {"d0001", "copy"} <= set(hashed.different_consensus[["item_a", "item_b"]].iloc[0])
    with pytest.raises(InvalidParameterError, match="needs the scoring model"):
        near_duplicates_for(aset, root=root, method="embedding")
