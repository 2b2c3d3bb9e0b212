"""CIFAR-10H (human counts, true labels, ResNet-18 probabilities) and the digits sample end to end."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from analytics import load_annotations, model_vs_human
from tests.conftest import DATASETS, SAMPLES, need
from mvh_reference import ece, plurality

pytest.importorskip("torch")

DIGITS = SAMPLES / "digits"


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def cifar():
    folder = need(DATASETS / "cifar10h")
    aset = load_annotations(folder / "human_counts.csv", gold=folder / "truth.csv",
                            predictions=folder / "model_probs_resnet18.csv")
    counts = pd.read_csv(folder / "human_counts.csv").set_index("image_index")
    probs = pd.read_csv(folder / "model_probs_resnet18.csv").set_index("image_index").loc[counts.index]
    truth = pd.read_csv(folder / "truth.csv").set_index("image_index").loc[counts.index, "true_label"]
    classes = list(counts.columns)
    raw = {"counts": counts.to_numpy(float), "probs": probs[classes].to_numpy(float),
           "truth": truth.map({c: k for k, c in enumerate(classes)}).to_numpy(), "ids": counts.index.astype(str)}
    return aset, quiet(model_vs_human, aset, device="cpu"), raw


def test_cifar10h_accuracy_and_agreement_equal_numpy(cifar):
    _, res, raw = cifar
    p = raw["probs"] / raw["probs"].sum(axis=1, keepdims=True)
    pred, conf = p.argmax(axis=1), p.max(axis=1)
    accuracy = np.mean(pred == raw["truth"])
    assert abs(accuracy - 0.950) < 0.0006                           # the datasets' README: 95.0%
    assert res.accuracy_vs_gold.value == pytest.approx(accuracy, abs=1e-12)
    majority = plurality(raw["counts"])                           # ties unresolved
    ok = majority >= 0
    assert res.n_consensus == ok.sum() == 9_997
    assert res.accuracy_vs_consensus.value == pytest.approx(np.mean(pred[ok] == majority[ok]), abs=1e-12)
    assert res.kappa_vs_consensus.value == pytest.approx(cohen_kappa_score(majority[ok], pred[ok]), abs=1e-12)
    assert res.kappa_vs_gold.value == pytest.approx(cohen_kappa_score(raw["truth"], pred), abs=1e-12)
    h = raw["counts"] / raw["counts"].sum(axis=1, keepdims=True)
    ce = -np.sum(h * np.log(p), axis=1).mean()
    kl = np.sum(np.where(h > 0, h * np.log(np.where(h > 0, h, 1) / p), 0.0), axis=1).mean()
    assert res.soft_label_cross_entropy == pytest.approx(ce, rel=1e-12)
    assert res.soft_label_kl == pytest.approx(kl, rel=1e-10)
    assert res.expected_calibration_error == pytest.approx(ece(conf[ok], pred[ok] == majority[ok], 15), abs=1e-12)
    assert res.expected_calibration_error_gold == pytest.approx(ece(conf, pred == raw["truth"], 15), abs=1e-12)
    assert res.low_confidence_share == pytest.approx(np.mean(conf < 0.7))


def test_cifar10h_confident_disagreements_rank_by_self_confidence(cifar):
    _, res, raw = cifar
    p = raw["probs"] / raw["probs"].sum(axis=1, keepdims=True)
    pred, conf = p.argmax(axis=1), p.max(axis=1)
    majority = plurality(raw["counts"])
    rows = np.flatnonzero((majority >= 0) & (pred != majority) & (conf >= 0.7))
    self_conf = p[rows, majority[rows]]
    expected = rows[np.lexsort((rows, self_conf))]
    table = res.confident_disagreements
    assert res.n_confident_disagreements == len(rows)
    assert table["item_id"].tolist() == list(raw["ids"][expected])
    assert table["rank"].tolist() == list(range(1, len(rows) + 1))
    assert (table["model_label"] != table["consensus_label"]).all() and (table["model_confidence"] >= 0.7).all()
    # people were right on most of them: the consensus is the true label far more often than the model is
    top = table.head(50)
    assert (top["consensus_label"] == top["gold_label"]).mean() > 0.6 > (top["model_label"] == top["gold_label"]).mean()
    assert res.kappa_by_annotator.empty and any("anonymous" in n for n in res.notes)


@pytest.fixture(scope="module")
def digits():
    aset = load_annotations(DIGITS / "annotations.csv", gold=DIGITS / "gold.csv",
                            predictions=DIGITS / "predictions.csv", taxonomy=DIGITS / "taxonomy.yaml")
    truth = pd.read_csv(DIGITS / "truth.csv", dtype=str)
    return aset, quiet(model_vs_human, aset, device="cpu"), truth


def test_digits_designed_confusions_are_human_only(digits):
    _, res, _ = digits
    pairs = res.confusion_pairs
    digit_pairs = pairs[(pairs["class_a"] != "Unknown") & (pairs["class_b"] != "Unknown")]
    top2 = {frozenset(r) for r in digit_pairs.nlargest(2, "human_rate")[["class_a", "class_b"]].values.tolist()}
    assert top2 == {frozenset({"4", "9"}), frozenset({"3", "8"})}  # ann_confuser's designed swaps
    for a, b in (("3", "8"), ("4", "9")):
        row = pairs[(pairs["class_a"] == a) & (pairs["class_b"] == b)].iloc[0]
        assert row["kind"] == "human only" and row["human_rate"] > 2 * row["model_rate"]


def test_digits_illegible_images_surface(digits):
    _, res, truth = digits
    illegible = set(truth.loc[truth["illegible"] == "true", "item_id"])
    legible = set(truth["item_id"]) - illegible
    low = set(res.low_confidence_items["item_id"])
    disputed = res.confident_disagreements
    marked_unknown = set(disputed.loc[disputed["consensus_label"] == "Unknown", "item_id"])
    # every illegible image is on a review list: a low-confidence (Unknown) candidate or a confident disagreement,
    # most of those with people saying Unknown
    assert illegible <= low | set(disputed["item_id"])
    assert len(illegible & marked_unknown) >= len(illegible - low) - 2
    assert len(low & illegible) / len(illegible) > 4 * len(low & legible) / len(legible)
    unknown = res.per_class.set_index("class").loc["Unknown"]
    assert unknown["n_predicted"] == 0                         # the CNN has no Unknown output
    assert unknown["low_confidence_share"] == res.per_class["low_confidence_share"].max()
    listed = res.low_confidence_items
    assert all(str(img).endswith(f"images/{i}.png") for i, img in zip(listed["item_id"], listed["image"]))


def test_digits_model_as_one_more_annotator(digits):
    aset, res, _ = digits
    table = res.kappa_by_annotator.set_index("annotator_id")
    assert table["kappa"].idxmax() == "ann_expert" and table["kappa"].idxmin() == "ann_fast"  # designed 98% vs 69%
    frame, pred = aset.frame, pd.Series(np.asarray(aset.categories)[aset.prediction_codes], index=aset.item_ids)
    for annotator, row in table.iterrows():
        mine = frame[frame["annotator_id"] == annotator]
        expected = cohen_kappa_score(mine["label"], pred.loc[mine["item_id"]].to_numpy())
        assert row["kappa"] == pytest.approx(expected, abs=1e-12) and row["n_items"] == len(mine)
        assert row["ci_low"] < row["kappa"] < row["ci_high"]
    from analytics import cohen_kappa_by_pair

    pairs = cohen_kappa_by_pair(aset)
    matrix = res.kappa_matrix
    for a, b, k in pairs[["annotator_a", "annotator_b", "kappa"]].itertuples(index=False):
        assert matrix.loc[a, b] == pytest.approx(k, abs=1e-12) == matrix.loc[b, a]
    assert (matrix.loc["<model>"].drop("<model>") == table["kappa"].reindex(matrix.columns.drop("<model>"))).all()


def test_digits_accuracy_vs_gold_and_consensus_choices(digits):
    aset, res, _ = digits
    gold = aset.gold_codes >= 0
    assert res.n_gold == gold.sum() == 60
    assert res.accuracy_vs_gold.value == pytest.approx(np.mean(aset.prediction_codes[gold] == aset.gold_codes[gold]))
    from analytics import dawid_skene

    ds = quiet(model_vs_human, aset, device="cpu", consensus="dawid_skene")
    given = quiet(model_vs_human, aset, device="cpu", consensus=dawid_skene(aset))
    assert ds.consensus_method == "dawid_skene" and ds.n_consensus == aset.n_items
    assert ds.accuracy_vs_consensus.value == given.accuracy_vs_consensus.value
    pd.testing.assert_frame_equal(ds.confident_disagreements, given.confident_disagreements)


def test_label_and_confidence_predictions(digits):
    aset, res, _ = digits
    probs = pd.read_csv(DIGITS / "predictions.csv", dtype={"item_id": str}).set_index("item_id")
    labels = pd.DataFrame({"item_id": probs.index, "predicted_label": probs.idxmax(axis=1).to_numpy(),
                           "confidence": probs.max(axis=1).to_numpy()})
    other = load_annotations(DIGITS / "annotations.csv", gold=DIGITS / "gold.csv", predictions=labels,
                             taxonomy=DIGITS / "taxonomy.yaml")
    with pytest.warns(Warning, match="only a label and its confidence"):
        short = model_vs_human(other, device="cpu")
    for name in ("accuracy_vs_consensus", "kappa_vs_consensus", "accuracy_vs_gold"):
        assert getattr(short, name).value == pytest.approx(getattr(res, name).value, abs=1e-9)
    assert short.expected_calibration_error == pytest.approx(res.expected_calibration_error, abs=1e-6)
    assert short.n_low_confidence == res.n_low_confidence
    assert set(short.confident_disagreements["item_id"]) == set(res.confident_disagreements["item_id"])
    assert np.isnan(short.soft_label_cross_entropy) and np.isnan(short.soft_label_kl)
