"""Dawid–Skene: recovery of known confusion matrices, kernels against loops, partitions, degenerate cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from scipy.special import logsumexp

from analytics import AnnotationSchemaError, ConvergenceWarning, DataQualityWarning, dawid_skene, load_annotations, majority_vote
from analytics.annotators import _dawid_skene as ds
from quality_helpers import annotation_frames, load, simulate

#: Stated tolerance: with ~1,000 items per true class, a confusion probability has a standard error of
#: at most 0.016; 0.05 (> 3 SE) bounds the largest of the 5 × 4 × 4 estimates.
TOLERANCE = 0.05

CONFUSIONS = np.array([
    [[0.90, 0.05, 0.03, 0.02], [0.05, 0.85, 0.05, 0.05], [0.02, 0.03, 0.90, 0.05], [0.02, 0.03, 0.05, 0.90]],
    [[0.70, 0.30, 0.00, 0.00], [0.30, 0.70, 0.00, 0.00], [0.00, 0.00, 0.95, 0.05], [0.00, 0.00, 0.05, 0.95]],
    [[0.60, 0.10, 0.10, 0.20], [0.10, 0.60, 0.20, 0.10], [0.10, 0.20, 0.60, 0.10], [0.20, 0.10, 0.10, 0.60]],
    [[0.95, 0.05, 0.00, 0.00], [0.00, 0.95, 0.05, 0.00], [0.00, 0.00, 0.95, 0.05], [0.05, 0.00, 0.00, 0.95]],
    [[0.50, 0.00, 0.00, 0.50], [0.00, 0.80, 0.10, 0.10], [0.00, 0.10, 0.80, 0.10], [0.00, 0.00, 0.00, 1.00]],
])
PRIOR = np.array([0.3, 0.2, 0.25, 0.25])


def test_recovers_known_confusion_matrices():
    frame, truth = simulate(CONFUSIONS, PRIOR, n_items=4000, seed=11)
    res = dawid_skene(load(frame))
    assert res.converged
    order = [f"a{k}" for k in range(5)]
    got = np.stack([res.confusion_frame(a).loc[[f"c{t}" for t in range(4)], [f"c{t}" for t in range(4)]].to_numpy()
                    for a in order])
    assert np.abs(got - CONFUSIONS).max() < TOLERANCE
    np.testing.assert_allclose(res.class_priors.to_numpy(), PRIOR, atol=0.03)
    truth_labels = pd.Series([f"c{t}" for t in truth], index=[f"i{k:06d}" for k in range(len(truth))])
    ds_acc = (res.labels.reindex(truth_labels.index) == truth_labels).mean()
    mv = majority_vote(load(frame), tie="random", seed=0).labels.reindex(truth_labels.index)
    assert ds_acc > (mv == truth_labels).mean()
    # estimated annotator accuracy (expected share correct) close to the true share correct
    true_acc = frame.assign(t=frame["item_id"].map(truth_labels)).eval("label == t").groupby(frame["annotator_id"]).mean()
    np.testing.assert_allclose(res.annotator_accuracy[order], true_acc[order], atol=0.02)


def _loop_e_step(items, anns, labels, n_items, log_prior, log_conf, gold):
    joint = np.tile(log_prior, (n_items, 1))
    for i, a, l in zip(items, anns, labels):
        joint[i] += log_conf[a, :, l]
    post = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
    ll = 0.0
    for i in range(n_items):
        if gold[i] >= 0:
            post[i] = np.eye(len(log_prior))[gold[i]]
            ll += joint[i, gold[i]]
        else:
            ll += logsumexp(joint[i])
    return post, ll


@settings(max_examples=25, deadline=None)
@given(annotation_frames(max_items=12, max_annotators=4, max_categories=3))
def test_kernels_equal_direct_loops_and_add_over_partitions(frame):
    aset = load(frame)
    n, a, c = aset.n_items, aset.n_annotators, aset.n_categories
    rng = np.random.default_rng(len(frame))
    log_conf = np.log(rng.dirichlet(np.ones(c), size=(a, c)))
    log_prior = np.log(rng.dirichlet(np.ones(c)))
    gold = np.where(rng.random(n) < 0.3, rng.integers(0, c, n), -1)
    part = ds.em_partition(aset.item_codes, aset.annotator_codes, aset.label_codes, n, a, c, gold)
    post, ll = ds.e_step(part, log_prior, log_conf)
    want_post, want_ll = _loop_e_step(aset.item_codes, aset.annotator_codes, aset.label_codes, n, log_prior,
                                      log_conf, gold)
    np.testing.assert_allclose(post, want_post, atol=1e-12)
    assert ll == pytest.approx(want_ll, rel=1e-12)
    counts, totals = ds.m_step_stats(part, post)
    want = np.zeros((a, c, c))
    for i, aa, l in zip(aset.item_codes, aset.annotator_codes, aset.label_codes):
        want[aa, :, l] += post[i]
    np.testing.assert_allclose(counts, want, atol=1e-12)
    np.testing.assert_allclose(totals, post.sum(axis=0))
    # two partitions of the items: statistics and log-likelihood add up
    cut = n // 2
    parts, posts, lls, stats = [], [], [], []
    for lo, hi in ((0, cut), (cut, n)):
        m = (aset.item_codes >= lo) & (aset.item_codes < hi)
        p = ds.em_partition(aset.item_codes[m] - lo, aset.annotator_codes[m], aset.label_codes[m], hi - lo, a, c,
                            gold[lo:hi])
        pp, pll = ds.e_step(p, log_prior, log_conf)
        parts.append(p), posts.append(pp), lls.append(pll), stats.append(ds.m_step_stats(p, pp))
    assert sum(lls) == pytest.approx(ll, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(sum(s[0] for s in stats), counts, atol=1e-12)
    # the whole EM on two partitions equals the EM on one (plain EM: at a flat optimum, SQUAREM's accept test
    # compares equal objectives, which the summation order of two partitions can tip either way)
    start = [np.full((p.n_items, c), 1.0 / c) + 0.1 * np.eye(c)[np.arange(p.n_items) % c] for p in parts]
    one = ds.run_em([part], [np.concatenate(start)], max_iter=20, tol=0, smoothing=0.01, acceleration="none")
    two = ds.run_em(parts, start, max_iter=20, tol=0, smoothing=0.01, acceleration="none")
    np.testing.assert_allclose(np.concatenate(two.posteriors), one.posteriors[0], atol=1e-10)
    np.testing.assert_allclose(two.log_likelihood, one.log_likelihood, rtol=1e-10)


@pytest.mark.parametrize("acceleration", ["squarem", "none"])
def test_log_likelihood_never_decreases_without_smoothing(acceleration):
    frame, _ = simulate(CONFUSIONS, PRIOR, n_items=600, seed=2, coverage=0.7)
    with pytest.warns(ConvergenceWarning):
        res = dawid_skene(load(frame), smoothing=0.0, tol=0.0, max_iter=60, acceleration=acceleration)
    trace = np.array(res.log_likelihood)
    assert res.n_iter == 60 and np.all(np.diff(trace) >= -1e-8 * np.abs(trace[1:]))
    # plain EM lists every E-step; SQUAREM leaves out the extrapolations it rejected
    assert len(trace) == 60 if acceleration == "none" else 40 <= len(trace) <= 60


def test_gold_items_are_clamped():
    frame, _ = simulate(CONFUSIONS, PRIOR, n_items=300, seed=3)
    # item i000000: everyone says c0 ... but gold says c3
    frame.loc[frame["item_id"] == "i000000", "label"] = "c0"
    gold = pd.DataFrame({"item_id": ["i000000"], "gold_label": ["c3"]})
    res = dawid_skene(load(frame, gold))
    assert res.labels["i000000"] == "c3" and res.confidence["i000000"] == 1.0
    free = dawid_skene(load(frame, gold), use_gold=False)
    assert free.labels["i000000"] == "c0"


def test_label_permutation_equivariance():
    frame, _ = simulate(CONFUSIONS, PRIOR, n_items=400, seed=4, coverage=0.8)
    renamed = frame.assign(label=frame["label"].map({"c0": "c2", "c1": "c3", "c2": "c0", "c3": "c1"}))
    a = dawid_skene(load(frame)).labels
    b = dawid_skene(load(renamed)).labels.map({"c2": "c0", "c3": "c1", "c0": "c2", "c1": "c3"})
    pd.testing.assert_series_equal(a, b.astype(object))


def test_degenerate_cases():
    # one annotator: not identifiable; the consensus is that annotator's labels, with a warning
    one = pd.DataFrame({"item_id": [1, 2, 3], "annotator_id": "a", "label": ["x", "y", "x"]})
    with pytest.warns(DataQualityWarning, match="cannot be estimated"):
        res = dawid_skene(load(one))
    assert res.labels.tolist() == ["x", "y", "x"] and np.isfinite(res.annotator_confusion).all()
    assert res.n_iter == 0 and res.log_likelihood == ()
    # one annotator with gold items: identifiable, EM runs
    gold = pd.DataFrame({"item_id": [1], "gold_label": ["x"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # weakly identified: parameters creep slowly
        assert dawid_skene(load(one, gold)).n_iter >= 1
    # everybody uses one label; an item with a single rating; a declared class nobody used; no gold
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2, 3], "annotator_id": list("ababa"), "label": ["x"] * 5})
    res = dawid_skene(load(frame, categories=["x", "y", "z"]))
    assert res.labels.tolist() == ["x", "x", "x"] and res.converged
    assert np.isfinite(res.posteriors.to_numpy()).all() and np.isfinite(res.annotator_confusion).all()
    np.testing.assert_allclose(res.annotator_confusion.sum(axis=2), 1.0)
    assert res.class_priors["y"] < 0.01 and res.class_priors["x"] > 0.98
    # the unused true classes carry (almost) no evidence; the used one is estimated as reliable
    assert (res.posteriors[["y", "z"]].to_numpy() < 0.01).all()
    assert res.confusion_frame("a").loc["x", "x"] > 0.9 and res.confusion_frame("a").loc["y"].max() < 0.5


def test_errors_and_convergence_warning():
    counts = load_annotations(pd.DataFrame({"item": [1, 2], "x": [2, 1], "y": [0, 1]}), format="counts")
    with pytest.raises(AnnotationSchemaError, match="anonymous"):
        dawid_skene(counts)
    frame, _ = simulate(CONFUSIONS, PRIOR, n_items=200, seed=5)
    with pytest.warns(ConvergenceWarning):
        res = dawid_skene(load(frame), max_iter=1)
    assert not res.converged and res.n_iter == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hard = dawid_skene(load(frame), init="majority_hard")
    assert hard.converged and hard.method == "dawid_skene"
