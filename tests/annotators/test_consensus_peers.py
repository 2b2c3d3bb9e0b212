"""Dawid–Skene and majority vote on real crowd data with ground truth, against crowd-kit.

Runs where crowd-kit is importable (``/work/venv-peers``) and the shared datasets are present::

    /work/venv-peers/bin/python -m pytest tests/annotators/test_consensus_peers.py
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analytics import ConvergenceWarning, dawid_skene, load_annotations, majority_vote
from tests.conftest import DATASETS, need

crowdkit = pytest.importorskip("crowdkit.aggregation")


def _accuracy(labels: pd.Series, truth: pd.Series) -> float:
    labels = labels.copy()
    labels.index = labels.index.astype(str)
    return float((labels.reindex(truth.index).astype(str) == truth).mean())


@pytest.mark.parametrize("name", ["dog", "face", "duck", "product"])
def test_dawid_skene_at_least_as_accurate_as_crowdkit(name):
    folder = need(DATASETS / name)
    answers = pd.read_csv(folder / "answers.csv")
    truth_frame = pd.read_csv(folder / "truth.csv")
    truth = pd.Series(truth_frame["truth"].astype(str).to_numpy(), index=truth_frame["question"].astype(str))
    aset = load_annotations(answers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # product needs > 100 iterations to meet tol=1e-6
        ours = _accuracy(dawid_skene(aset).labels, truth)
    theirs = _accuracy(crowdkit.DawidSkene(n_iter=100).fit_predict(
        answers.rename(columns={"question": "task", "answer": "label"})), truth)
    assert ours >= theirs, f"{name}: ours {ours:.4f} < crowd-kit {theirs:.4f}"
    # Dawid-Skene beats plain majority vote on every one of these datasets
    assert ours >= _accuracy(majority_vote(aset, tie="random", seed=0).labels, truth)
