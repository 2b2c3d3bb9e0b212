"""Every dataset in ../shared/datasets and the wide table in ../shared/formats/wide loads, with counts
checked against the files read independently (csv module), not against our own loader."""

from __future__ import annotations

import csv

import pytest

from analytics import load_annotations
from tests.conftest import DATASETS, FORMATS, need


def _csv_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", ["dog", "face", "duck", "product", "emotion"])
def test_crowd_dataset_loads_with_exact_counts(name):
    folder = need(DATASETS / name)
    rows = _csv_rows(folder / "answers.csv")
    truth = _csv_rows(folder / "truth.csv")
    aset = load_annotations(folder / "answers.csv", gold=folder / "truth.csv")
    assert aset.n_annotations == len(rows)
    assert aset.n_items == len({r["question"] for r in rows})
    assert aset.n_annotators == len({r["worker"] for r in rows})
    assert set(aset.categories) >= {str(int(r["answer"])) for r in rows}
    rep = aset.report
    assert rep.rows_read == len(rows) == rep.rows_kept + rep.rows_skipped and rep.rows_skipped == 0
    annotated = {r["question"] for r in rows}
    assert len(aset.gold) == len({t["question"] for t in truth} & annotated)
    assert aset.gold_report.rows_read == aset.gold_report.rows_kept + aset.gold_report.rows_skipped


def test_published_sizes_of_the_crowd_datasets():
    # The sizes the datasets' README states (items / annotators).
    expected = {"dog": (807, 109), "face": (584, 27), "duck": (108, 39), "product": (8315, 176), "emotion": (700, 38)}
    for name, (items, annotators) in expected.items():
        aset = load_annotations(need(DATASETS / name / "answers.csv"))
        assert (aset.n_items, aset.n_annotators) == (items, annotators), name


def test_cifar10h_counts_with_truth_and_model():
    folder = need(DATASETS / "cifar10h")
    counts = _csv_rows(folder / "human_counts.csv")
    total = sum(int(v) for r in counts for k, v in r.items() if k != "image_index")
    aset = load_annotations(folder / "human_counts.csv", gold=folder / "truth.csv",
                            predictions=folder / "model_probs_resnet18.csv")
    assert aset.report.format == "counts" and not aset.annotators_known
    assert aset.n_items == 10_000 and aset.n_annotations == total
    assert aset.categories == ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    assert len(aset.gold) == 10_000 and (aset.prediction_codes >= 0).all()
    per_item = aset.ratings_per_item
    assert per_item.min() == 47 and per_item.max() == 63  # as the datasets' README states
    # the README's check: model accuracy 95.0% against the true labels
    acc = (aset.prediction_codes == aset.gold_codes).mean()
    assert abs(acc - 0.950) < 0.0006


def test_labelme_wide_matrix():
    path = need(FORMATS / "wide" / "labelme_answers.txt")
    matrix = [line.split() for line in path.read_text().splitlines() if line.strip()]
    labels = [(i, j, v) for i, row in enumerate(matrix) for j, v in enumerate(row) if v != "-1"]
    aset = load_annotations(path, format="wide", missing=-1)
    assert aset.n_annotations == len(labels)
    assert aset.n_items == len({i for i, _, _ in labels}) == 1000
    assert aset.n_annotators == len({j for _, j, _ in labels}) == 59
    assert aset.categories == tuple(str(c) for c in range(8))
    per_item = aset.ratings_per_item
    assert per_item.min() >= 1 and per_item.max() <= 3  # "each image has 1-3 labels"
    import pandas as pd

    truth = need(FORMATS / "wide" / "labelme_Z_train.txt").read_text().split()
    with_gold = load_annotations(path, format="wide", missing=-1,
                                 gold=pd.DataFrame({"item_id": range(len(truth)), "gold_label": truth}))
    assert len(with_gold.gold) == len(truth) == 1000
