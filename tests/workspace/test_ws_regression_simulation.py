"""The no-regression gate's test, by simulation with a known answer: deliveries drawn from the same annotation process
(same true kappa) fail on about 5 % of checks; deliveries after a real drop in annotator accuracy fail on most. The
gold-accuracy 'fell' flag (one-sided Fisher exact test with Holm) stays at or below 5 % without a real fall.

The estimates are the library's (Fleiss' kappa with Gwet's linearized standard error, checked equal to
``analytics.fleiss_kappa``) and the decision is the gate's own function (``compare_estimates``).
``benchmarks/bench_workspace.py --simulate`` runs the same with more replicates and a power curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analytics as aqa
from analytics.agreement._core import count_based
from analytics.workspace._regression import compare_estimates
from analytics.workspace._stats import fisher_less, holm

K, M, N = 5, 3, 200


def delivery_counts(rng: np.random.Generator, accuracy: float, n: int = N) -> np.ndarray:
    """Item × class counts of ``M`` annotators who are right with probability ``accuracy``, else pick another class."""
    truth = rng.integers(0, K, n)
    right = rng.random((n, M)) < accuracy
    labels = np.where(right, truth[:, None], (truth[:, None] + rng.integers(1, K, (n, M))) % K)
    return np.stack([(labels == c).sum(axis=1) for c in range(K)], axis=1)


def kappa(counts: np.ndarray) -> tuple[float, float]:
    c = count_based("fleiss", counts, np.eye(K))
    return c.value, c.standard_error


def alarm_rate(rng: np.random.Generator, before: float, after: float, reps: int) -> float:
    fails = 0
    for _ in range(reps):
        check = compare_estimates(delivery="b", previous="a", coefficient="fleiss_kappa", label="Fleiss' kappa",
                                  before=kappa(delivery_counts(rng, before)), after=kappa(delivery_counts(rng, after)),
                                  confidence_level=0.95)
        fails += check.status == "fail"
    return fails / reps


def test_the_estimator_is_the_librarys():
    counts = delivery_counts(np.random.default_rng(1), 0.8)
    frame = pd.DataFrame(counts, columns=[f"c{j}" for j in range(K)])
    frame.insert(0, "item_id", range(N))
    est = aqa.fleiss_kappa(aqa.load_annotations(frame, format="counts"))
    assert kappa(counts) == pytest.approx((est.value, est.standard_error), abs=1e-12)


def test_false_alarm_rate_is_about_five_percent():
    reps = 1500
    rate = alarm_rate(np.random.default_rng(2026), 0.85, 0.85, reps)
    low, high = stats.binom.ppf([0.0005, 0.9995], reps, 0.05) / reps  # 99.9 % band around 5 %
    assert low <= rate <= high, rate


def test_a_real_drop_is_detected():
    assert alarm_rate(np.random.default_rng(7), 0.85, 0.75, 300) > 0.9
    assert alarm_rate(np.random.default_rng(8), 0.85, 0.95, 300) < 0.01  # a rise never fails the gate


def test_gold_fall_flag_false_alarm_rate():
    rng = np.random.default_rng(3)
    reps, annotators, n_gold = 1000, 5, 40
    any_flag = 0
    for _ in range(reps):
        before = rng.binomial(n_gold, 0.9, annotators)
        after = rng.binomial(n_gold, 0.9, annotators)
        p = [fisher_less(int(a), n_gold, int(b), n_gold) for a, b in zip(after, before)]
        any_flag += any(holm(p, 0.05)[1])
    assert any_flag / reps <= 0.05  # family-wise, and Fisher's test is conservative
    falls = 0
    for _ in range(300):
        before, after = rng.binomial(n_gold, 0.95), rng.binomial(n_gold, 0.65)
        falls += fisher_less(int(after), n_gold, int(before), n_gold) < 0.05
    assert falls / 300 > 0.9
