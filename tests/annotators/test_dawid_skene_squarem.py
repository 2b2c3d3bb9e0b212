"""Dawid–Skene with SQUAREM: convergence on real crowd data, the same fixed point as plain EM, properties.

The real-data tests skip when the shared datasets are absent and fail instead under ``CI=true``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from analytics import ConvergenceWarning, DataQualityWarning, InvalidParameterError, dawid_skene, load_annotations
from analytics.annotators import _dawid_skene as ds
from analytics.annotators._ds_params import ColumnLayout, extrapolate
from analytics.annotators.consensus import em_partition_of
from quality_helpers import annotation_frames, load
from tests.conftest import DATASETS, need

#: dataset → (items, classes); emotion's numeric scores are 94 distinct labels
REAL = {"dog": (807, 4), "face": (584, 4), "duck": (108, 2), "product": (8315, 2), "emotion": (700, 94)}


def _real(name: str) -> tuple[object, pd.Series]:
    folder = DATASETS / name
    if not folder.exists() and os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{folder} is missing under CI=true: set AQA_SHARED_DIR to the shared folder")
    need(folder)
    truth = pd.read_csv(folder / "truth.csv")
    return (load_annotations(pd.read_csv(folder / "answers.csv")),
            pd.Series(truth["truth"].astype(str).to_numpy(), index=truth["question"].astype(str)))


def _accuracy(labels: pd.Series, truth: pd.Series) -> float:
    labels = labels.copy()
    labels.index = labels.index.astype(str)
    return float((labels.reindex(truth.index).astype(str) == truth).mean())


@pytest.mark.parametrize("name", list(REAL))
def test_converges_on_real_data_within_the_default_limit(name):
    aset, truth = _real(name)
    assert (aset.n_items, aset.n_categories) == REAL[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fast = dawid_skene(aset)
    assert fast.converged and fast.n_iter <= 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # plain EM on product stops at max_iter=100
        before = dawid_skene(aset, acceleration="none")
    plain = dawid_skene(aset, acceleration="none", max_iter=5000)
    assert plain.converged and fast.n_iter <= plain.n_iter
    # accuracy against the ground truth: not lower than plain EM's, at its default limit or at its fixed point
    acc = _accuracy(fast.labels, truth)
    assert acc >= _accuracy(before.labels, truth) and acc >= _accuracy(plain.labels, truth)
    assert fast.labels.equals(plain.labels)


@pytest.mark.parametrize("name", ["product", "emotion", "face"])
def test_same_fixed_point_as_plain_em(name):
    aset, _ = _real(name)
    fast = dawid_skene(aset, tol=1e-10, max_iter=400)
    plain = dawid_skene(aset, tol=1e-10, max_iter=20000, acceleration="none")
    assert fast.converged and plain.converged and fast.n_iter <= plain.n_iter
    if name == "product":  # where plain EM crawls (781 E-steps to tol=1e-6), SQUAREM needs a fraction
        assert fast.n_iter < plain.n_iter / 5
    np.testing.assert_allclose(fast.annotator_confusion, plain.annotator_confusion, atol=1e-7)
    np.testing.assert_allclose(fast.class_priors, plain.class_priors, atol=1e-7)
    np.testing.assert_allclose(fast.posteriors.to_numpy(), plain.posteriors.to_numpy(), atol=1e-6)
    assert fast.log_likelihood[-1] == pytest.approx(plain.log_likelihood[-1], rel=1e-9)


def _dense_em_step(aset, res, gold: bool):
    """One plain EM step with the dense kernels from a result's parameters: the largest parameter change."""
    part = em_partition_of(aset, gold)
    log_conf, log_prior = np.log(res.annotator_confusion), np.log(res.class_priors.to_numpy())
    post, _ = ds.e_step(part, log_prior, log_conf)
    counts, totals = ds.m_step_stats(part, post)
    new_prior, new_conf = ds.m_step(counts, totals, smoothing=0.01)
    return max(np.abs(np.exp(new_conf) - res.annotator_confusion).max(),
               np.abs(np.exp(new_prior) - res.class_priors.to_numpy()).max())


@settings(max_examples=30, deadline=None)
@given(annotation_frames(max_items=15, max_annotators=5, max_categories=4))
def test_a_converged_fit_is_a_fixed_point_of_the_dense_em_step(frame):
    aset = load(frame)
    gold = pd.DataFrame({"item_id": aset.item_ids[:2], "gold_label": [aset.categories[0]] * min(2, aset.n_items)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        for use_gold in (False, True):
            aset_g = load(frame, gold) if use_gold else aset
            res = dawid_skene(aset_g, tol=1e-8, max_iter=3000)
            np.testing.assert_allclose(res.annotator_confusion.sum(axis=2), 1.0, atol=1e-12)
            np.testing.assert_allclose(res.posteriors.to_numpy().sum(axis=1), 1.0, atol=1e-12)
            if res.converged and res.n_iter > 0:
                # the compact column layout reproduces the dense M-step: one more step barely moves anything
                assert _dense_em_step(aset_g, res, use_gold) < 1e-7


@settings(max_examples=30, deadline=None)
@given(annotation_frames(max_items=15, max_annotators=5, max_categories=4))
def test_layout_normalizes_rows_and_builds_the_dense_arrays(frame):
    aset = load(frame)
    part = em_partition_of(aset, False)
    a, c = aset.n_annotators, aset.n_categories
    columns = np.flatnonzero(np.bincount(part.design.indices, minlength=a * c))
    layout = ColumnLayout(columns, a, c, 0.01)
    rng = np.random.default_rng(len(frame))
    theta = layout.normalize(rng.normal(scale=5.0, size=sum(layout.sizes)))
    log_prior, log_conf, _ = layout.dense(theta, np.zeros((len(columns), c)))
    np.testing.assert_allclose(np.exp(log_prior).sum(), 1.0)
    np.testing.assert_allclose(np.exp(log_conf).sum(axis=2), 1.0)
    # the M-step in column layout equals the dense M-step
    post = rng.dirichlet(np.ones(c), size=aset.n_items)
    design = part.design[:, columns]
    theta, _ = layout.m_step(design.T @ post, post.sum(axis=0))
    want_prior, want_conf = ds.m_step(*ds.m_step_stats(part, post), smoothing=0.01)
    got_prior, got_conf, counts = layout.dense(theta, design.T @ post)
    np.testing.assert_allclose(got_conf, want_conf, atol=1e-12)
    np.testing.assert_allclose(got_prior, want_prior, atol=1e-12)
    np.testing.assert_allclose(counts, ds.m_step_stats(part, post)[0], atol=1e-12)
    assert layout.penalty(theta) == pytest.approx(0.01 * (want_conf.sum() + want_prior.sum()), rel=1e-12)


def test_extrapolation_step_is_clamped_and_plain_em_at_one():
    t0, t1 = np.array([0.0, -1.0]), np.array([-0.1, -0.9])
    t2 = np.array([-0.15, -0.85])
    point, alpha = extrapolate(t0, t1, t2, step_max=1.0)
    assert alpha == 1.0 and np.allclose(point, t2)
    point, alpha = extrapolate(t0, t1, t2, step_max=100.0)
    r, v = t1 - t0, t2 - 2 * t1 + t0
    assert alpha == pytest.approx(np.linalg.norm(r) / np.linalg.norm(v))
    np.testing.assert_allclose(point, t0 + 2 * alpha * r + alpha**2 * v)
    # a coordinate that is -inf (a zero probability without smoothing) keeps its value
    point, _ = extrapolate(np.array([0.0, -np.inf]), np.array([-0.1, -np.inf]), np.array([-0.15, -np.inf]), 4.0)
    assert point[1] == -np.inf and np.isfinite(point[0])


def test_acceleration_option_is_checked():
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"), "label": list("xxyx")})
    with pytest.raises(InvalidParameterError, match="acceleration"):
        dawid_skene(load(frame), acceleration="aitken")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # two items: weakly identified, parameters creep
        res = dawid_skene(load(frame), max_iter=5)
    assert "acceleration=squarem" in res.details and res.n_iter == 5
