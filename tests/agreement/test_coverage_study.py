"""The coverage study measures the library: its vectorized coefficients, standard errors and default intervals
equal what ``analytics`` returns on the same simulated pilots (``benchmarks/coverage.py``, issue 15)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analytics
from analytics.exceptions import DataQualityWarning, UndefinedMetricWarning

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def study():
    sys.path.insert(0, str(BENCH))
    try:
        import _coverage_sim
        import coverage
    finally:
        sys.path.remove(str(BENCH))
    return _coverage_sim, coverage


DESIGNS = [(25, 2, 3, 0.6, "balanced", 0.0), (30, 2, 4, 0.8, "skewed", 0.2), (20, 3, 2, 0.9, "skewed", 0.0),
           (25, 3, 4, 0.4, "balanced", 0.2), (15, 5, 10, 0.97, "balanced", 0.0)]


@pytest.mark.parametrize("design", DESIGNS)
def test_study_statistics_and_default_intervals_equal_the_library(study, design):
    sim, coverage = study
    d = sim.Design(*design)
    labels = sim.simulate(d, 4, np.random.default_rng(7))
    stats = sim.coefficient_stats(labels, d.categories)
    q = d.categories
    for rep in range(len(labels)):
        rows = [(i, f"a{j}", f"c{labels[rep, i, j]}") for i in range(d.n_items) for j in range(d.raters)
                if labels[rep, i, j] >= 0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            warnings.simplefilter("ignore", DataQualityWarning)
            aset = analytics.load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]),
                                              categories=[f"c{c}" for c in range(q)])
            for name, st in stats.items():
                est = getattr(analytics, name)(aset)
                assert est.value == pytest.approx(st.value[rep], abs=1e-12, nan_ok=True), name
                assert est.standard_error == pytest.approx(st.se[rep], abs=1e-12, nan_ok=True), name
                if np.isfinite(est.value):
                    assert est.n_items == st.n_pairable[rep], name
                lo, hi = coverage.analytic_methods(name, st)["score"]
                if est.n_items >= 2:
                    assert (est.ci_low, est.ci_high) == pytest.approx((lo[rep], hi[rep]), abs=1e-12, nan_ok=True), name


def test_population_values_are_the_large_sample_limits(study):
    """The exact population values the study compares with are what the estimators converge to."""
    sim, _ = study
    d = sim.Design(3000, 3, 4, 0.7, "skewed", 0.2)
    stats = sim.coefficient_stats(sim.simulate(d, 12, np.random.default_rng(1)), d.categories)
    truth = sim.population(d)
    for name, st in stats.items():
        assert np.mean(st.value) == pytest.approx(truth[name], abs=0.02), name


def test_the_study_runs_end_to_end_on_a_tiny_grid(study, tmp_path, monkeypatch):
    _, coverage = study
    monkeypatch.setattr(coverage, "QUICK", dict(n_items=(20,), raters=(2,), categories=(2,), kappa=(0.8,),
                                                prevalence=("balanced",), missing=(0.0,)))
    monkeypatch.setattr(sys, "path", sys.path + [str(BENCH)])
    df = coverage.main(["--quick", "--replicates", "40", "--boot-replicates", "10", "--boot", "30",
                        "--out", str(tmp_path)])
    assert set(df["method"]) >= {"wald", "score", "percentile", "bca", "agresti_coull_u"}
    assert (tmp_path / "coverage_quick.csv.gz").exists() and (tmp_path / "coverage_quick.md").exists()
    assert len(pd.read_csv(tmp_path / "coverage_quick.csv.gz")) == len(df)
    assert df["coverage"].between(0, 1).all()


def test_flat_gather_equals_a_loop_over_items_and_pairs(study):
    """The study's one-``take`` gather of per-cell values (Light's kappa SE, the pair jackknife) equals a plain loop."""
    sim, _ = study
    rng = np.random.default_rng(3)
    labels = sim.simulate(sim.Design(12, 4, 3, 0.6, "skewed", 0.3), 3, rng)
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    tables, cell, both, _ = sim._pair_parts(labels, 3, pairs)
    g = rng.normal(size=tables.shape)
    fast = sim.gather_cells(g, cell)
    slow = np.zeros(labels.shape[:2])
    for r in range(labels.shape[0]):
        for i in range(labels.shape[1]):
            for p, (a, b) in enumerate(pairs):
                x, y = labels[r, i, a], labels[r, i, b]
                if x >= 0 and y >= 0:
                    slow[r, i] += g[r, p, x, y]
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
    assert tables.sum() == both.sum()


def test_cells_are_seeded_and_workers_do_not_change_results(study, tmp_path, monkeypatch):
    """A cell's rows depend only on its seed; two worker processes give the same table as one."""
    sim, coverage = study
    d = sim.Design(20, 3, 2, 0.8, "skewed", 0.2)
    a = pd.DataFrame(coverage.run_cell(d, 60, 10, 30, 5))
    b = pd.DataFrame(coverage.run_cell(d, 60, 10, 30, 5))
    pd.testing.assert_frame_equal(a, b)
    monkeypatch.setattr(coverage, "QUICK", dict(n_items=(20,), raters=(2, 3), categories=(2,), kappa=(0.8,),
                                                prevalence=("balanced",), missing=(0.0,)))
    monkeypatch.setattr(sys, "path", sys.path + [str(BENCH)])
    args = ["--quick", "--replicates", "40", "--boot-replicates", "0", "--confirm-replicates", "0"]
    one = coverage.main(args + ["--out", str(tmp_path / "one")])
    two = coverage.main(args + ["--workers", "2", "--out", str(tmp_path / "two")])
    pd.testing.assert_frame_equal(one, two)
