"""Disagreement metrics equal a straightforward numpy reference (and peer oracles) on random data;
batched equals unbatched."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score, log_loss
from statsmodels.stats.inter_rater import cohens_kappa

from analytics import model_vs_human_arrays
from mvh_reference import reference

pytest.importorskip("torch")


def random_case(seed: int, n: int, q: int):
    """Probabilities (some tied, some missing), vote counts (some items unrated), gold with gaps."""
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(q, 0.4), size=n)
    tied = rng.random(n) < 0.1
    probs[tied] = 1.0 / q                                  # exact ties: argmax takes the first class
    probs[rng.random(n) < 0.1] = np.nan                    # items without a prediction
    counts = rng.integers(0, 4, size=(n, q)) * (rng.random((n, q)) < 0.6)
    gold = np.where(rng.random(n) < 0.5, rng.integers(0, q, n), -1)
    return probs, counts, gold


def run(probs, counts, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model_vs_human_arrays(probs, counts, device="cpu", **kwargs)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), q=st.integers(2, 5),
       threshold=st.sampled_from([0.4, 0.7, 0.95]), n_bins=st.integers(1, 12))
def test_metrics_equal_numpy_reference(seed, n, q, threshold, n_bins):
    probs, counts, gold = random_case(seed, n, q)
    if np.isnan(probs).all():
        probs[0] = 1.0 / q
    res = run(probs, counts, gold_codes=gold, threshold=threshold, n_bins=n_bins, max_listed=None)
    ref = reference(probs, counts, gold=gold, threshold=threshold, n_bins=n_bins)
    close = dict(rtol=1e-10, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(res.accuracy_vs_consensus.value, ref["accuracy"], **close)
    np.testing.assert_allclose(res.accuracy_vs_gold.value, ref["gold_accuracy"], **close)
    np.testing.assert_allclose(res.kappa_vs_consensus.value, ref["kappa"], **close)
    np.testing.assert_allclose(res.soft_label_cross_entropy, ref["ce"], **close)
    np.testing.assert_allclose(res.soft_label_kl, ref["kl"], rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(res.human_entropy, ref["entropy"], **close)
    np.testing.assert_allclose(res.expected_calibration_error, ref["ece"], **close)
    np.testing.assert_allclose(res.expected_calibration_error_gold, ref["ece_gold"], **close)
    np.testing.assert_allclose(res.low_confidence_share, ref["low_share"], **close)
    cm = ref["cm"]
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(res.model_confusion.to_numpy(), cm / cm.sum(axis=1, keepdims=True), **close)
        o = ref["coincidence"]
        np.testing.assert_allclose(res.human_confusion.to_numpy(), o / o.sum(axis=1, keepdims=True), **close)
    assert res.per_class["n_consensus"].tolist() == cm.sum(axis=1).astype(int).tolist()
    assert res.confident_disagreements["item_id"].tolist() == ref["disagreement_rows"].tolist()
    assert res.n_confident_disagreements == len(ref["disagreement_rows"])
    np.testing.assert_allclose(res.confident_disagreements["self_confidence"],
                               ref["self_confidence"][np.searchsorted(ref["rows"], ref["disagreement_rows"])], **close)
    assert res.low_confidence_items["item_id"].tolist() == ref["low_rows"].tolist()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 60), q=st.integers(2, 6))
def test_kappa_and_soft_labels_equal_peer_oracles(seed, n, q):
    probs, counts, _ = random_case(seed, n, q)
    probs[np.isnan(probs).any(axis=1)] = 1.0 / q
    counts[:, 0] += 1  # every item rated
    res = run(probs, counts)
    ref = reference(probs, counts)
    ok = ref["cons"] >= 0
    if ok.sum() >= 2 and len(set(ref["cons"][ok]) | set(ref["pred"][ok])) > 1:
        expected = cohen_kappa_score(ref["cons"][ok], ref["pred"][ok], labels=list(range(q)))
        np.testing.assert_allclose(res.kappa_vs_consensus.value, expected, rtol=1e-9, atol=1e-12)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sm = cohens_kappa(ref["cm"])  # statsmodels: Fleiss–Cohen–Everitt asymptotic SE
        # when one side uses a single class the variance is 0 up to rounding: statsmodels takes the square root of
        # a rounding-negative value (NaN) where the engine clips it to 0, hence the NaN check and the atol
        if np.isfinite(sm.std_kappa):
            np.testing.assert_allclose(res.kappa_vs_consensus.standard_error, sm.std_kappa, rtol=1e-9, atol=1e-7)
    # soft-label CE as scikit-learn's log loss with one weighted row per (item, class) vote share
    h = counts / counts.sum(axis=1, keepdims=True)
    items, classes = np.nonzero(h)
    expected_ce = log_loss(classes, probs[items], sample_weight=h[items, classes], labels=list(range(q))) \
        * h[items, classes].sum() / n
    np.testing.assert_allclose(res.soft_label_cross_entropy, expected_ce, rtol=1e-9)


def _tables(res) -> list[pd.DataFrame]:
    return [res.per_class, res.confident_disagreements, res.low_confidence_items, res.reliability,
            res.human_confusion, res.model_confusion, res.confusion_pairs, res.by_level]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 50), q=st.integers(2, 5),
       batch_size=st.sampled_from([1, 2, 3, 7, 16]), max_listed=st.sampled_from([None, 1, 3]))
def test_batched_equals_unbatched(seed, n, q, batch_size, max_listed):
    probs, counts, gold = random_case(seed, n, q)
    if np.isnan(probs).all():
        probs[0] = 1.0 / q
    one = run(probs, counts, gold_codes=gold, max_listed=max_listed)
    batched = run(probs, counts, gold_codes=gold, max_listed=max_listed, batch_size=batch_size)
    for a, b in zip(_tables(one), _tables(batched)):
        pd.testing.assert_frame_equal(a, b, rtol=1e-12, atol=1e-12)
    for name in ("accuracy_vs_consensus", "kappa_vs_consensus", "accuracy_vs_gold", "kappa_vs_gold"):
        np.testing.assert_allclose(getattr(one, name).value, getattr(batched, name).value, rtol=1e-12, equal_nan=True)
    for name in ("soft_label_cross_entropy", "soft_label_kl", "expected_calibration_error", "low_confidence_share",
                 "n_confident_disagreements", "n_low_confidence", "n_items"):
        np.testing.assert_allclose(getattr(one, name), getattr(batched, name), rtol=1e-12, equal_nan=True)


def test_consensus_codes_and_scores_are_used():
    probs = np.array([[0.8, 0.2], [0.1, 0.9], [0.6, 0.4]])
    counts = np.array([[2, 1], [1, 2], [1, 1]])
    default = run(probs, counts)
    assert default.n_consensus == 2 and default.accuracy_vs_consensus.value == 1.0  # the tie is unresolved
    given_codes = run(probs, counts, consensus_codes=np.array([0, 0, 1]))
    assert given_codes.n_consensus == 3 and given_codes.accuracy_vs_consensus.value == pytest.approx(1 / 3)
    scores = np.array([[0.1, 0.9], [0.2, 0.8], [0.7, 0.3]])
    posterior = run(probs, counts, consensus_scores=scores)
    assert posterior.confident_disagreements["item_id"].tolist() == [0]
    assert posterior.confident_disagreements["consensus_confidence"].tolist() == [0.9]
    assert posterior.confident_disagreements["consensus_share"].tolist() == [pytest.approx(1 / 3)]


def test_memory_mapped_arrays_stream_like_arrays(tmp_path):
    probs, counts, gold = random_case(3, 500, 4)
    np.save(tmp_path / "p.npy", probs.astype(np.float32))
    np.save(tmp_path / "c.npy", counts.astype(np.uint8))
    mapped = run(np.load(tmp_path / "p.npy", mmap_mode="r"), np.load(tmp_path / "c.npy", mmap_mode="r"),
                 gold_codes=gold, batch_size=64)
    memory = run(probs.astype(np.float32), counts.astype(np.uint8), gold_codes=gold)
    for a, b in zip(_tables(mapped), _tables(memory)):
        pd.testing.assert_frame_equal(a, b, rtol=1e-12, atol=1e-12)
