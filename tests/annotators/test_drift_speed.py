"""Drift over time (rolling accuracy, first/second-half test) and speed versus accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from statsmodels.stats.proportion import proportions_ztest

from analytics import AnnotationSchemaError, accuracy_over_time, speed_vs_accuracy
from analytics.exceptions import InvalidParameterError
from analytics.annotators.drift import reference_correctness
from quality_helpers import annotation_frames, load


@settings(max_examples=25, deadline=None)
@given(annotation_frames(gold=True))
def test_reference_is_gold_else_leave_one_out_plurality(data):
    frame, gold = data
    aset = load(frame, gold)
    correct, reference = reference_correctness(aset)
    gold_map = dict(zip(gold["item_id"], gold["gold_label"]))
    f = aset.frame
    for k in range(len(f)):
        item, label = f["item_id"][k], f["label"][k]
        if item in gold_map:
            assert reference[k] == "gold" and correct[k] == float(label == gold_map[item])
            continue
        others = f["label"][(f["item_id"] == item) & (np.arange(len(f)) != k)].value_counts()
        if len(others) == 0 or (others == others.max()).sum() > 1:
            assert reference[k] == "" and np.isnan(correct[k])
        else:
            assert reference[k] == "consensus" and correct[k] == float(label == others.idxmax())


def _session_pilot(n: int = 200, drop: float = 0.4, seed: int = 0, rounds: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All items gold 'x'; 'steady' is 90 % right throughout; 'tired' goes from 95 % to 95 % − drop in each round."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(rounds):
        start = pd.Timestamp("2026-01-05 09:00", tz="UTC") + pd.Timedelta(days=7 * r)
        for k in range(n):
            item = f"r{r}i{k}"
            t = start + pd.Timedelta(seconds=30 * k)
            p_tired = 0.95 - drop * k / (n - 1)
            rows.append((item, "steady", "x" if rng.random() < 0.9 else "y", str(r + 1), t, 4.0))
            rows.append((item, "tired", "x" if rng.random() < p_tired else "y", str(r + 1), t, 4.0))
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label", "round", "timestamp", "duration_s"])
    gold = pd.DataFrame({"item_id": frame["item_id"].unique(), "gold_label": "x"})
    return frame, gold


def test_declining_annotator_is_flagged_with_statsmodels_statistic():
    frame, gold = _session_pilot(n=300, drop=0.5)
    res = accuracy_over_time(load(frame, gold), window=20)
    assert res.drifting == ["tired"]
    row = res.tests.set_index("annotator_id").loc["tired"]
    x1, n1 = row["accuracy_first_half"] * row["n_first_half"], row["n_first_half"]
    x2, n2 = row["accuracy_second_half"] * row["n_second_half"], row["n_second_half"]
    z, p = proportions_ztest([x2, x1], [n2, n1])
    assert row["z"] == pytest.approx(z) and row["p_value"] == pytest.approx(p)
    assert res.tests.set_index("annotator_id").loc["steady", "drift"] == "stable"


def test_a_significant_fall_smaller_than_min_decline_is_not_drift():
    """Drift needs a significant fall of at least min_decline (first-half minus second-half accuracy)."""
    frame, gold = _session_pilot(n=300, drop=0.5)
    res = accuracy_over_time(load(frame, gold), window=20)
    row = res.tests.set_index("annotator_id").loc["tired"]
    fall = row["accuracy_first_half"] - row["accuracy_second_half"]
    assert fall >= res.min_decline == 0.10 and res.drifting == ["tired"]
    strict = accuracy_over_time(load(frame, gold), window=20, min_decline=round(fall + 0.01, 2))
    assert strict.drifting == [] and strict.tests.set_index("annotator_id").loc["tired", "drift"] == "small_decline"
    assert strict.tests["p_adjusted"].tolist() == res.tests["p_adjusted"].tolist()  # the same test, a larger bar
    with pytest.raises(InvalidParameterError, match="min_decline"):
        accuracy_over_time(load(frame, gold), min_decline=1.5)


def test_sessions_restart_each_round():
    frame, gold = _session_pilot(n=150, rounds=2, seed=1)
    with_rounds = accuracy_over_time(load(frame, gold), window=20)
    without = accuracy_over_time(load(frame, gold), window=20, per_round=False)
    assert with_rounds.drifting == ["tired"] and with_rounds.session == "round"
    assert without.drifting == []  # the saw-tooth cancels between the two halves of the whole period
    assert with_rounds.tests["n_sessions"].tolist() == [2, 2]


def test_rolling_accuracy_is_the_mean_of_the_last_window_scored():
    frame, gold = _session_pilot(n=60, seed=2)
    res = accuracy_over_time(load(frame, gold), window=10, by="order")
    s = res.series[res.series["annotator_id"] == "tired"]
    direct = (frame[frame["annotator_id"] == "tired"]["label"] == "x").astype(float).rolling(10, min_periods=5).mean()
    np.testing.assert_allclose(s["rolling_accuracy"].to_numpy(), direct.to_numpy())
    assert s["position"].tolist() == list(range(1, 61))


def test_missing_columns_raise():
    frame = pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": ["x", "x"]})
    with pytest.raises(AnnotationSchemaError, match="timestamp"):
        accuracy_over_time(load(frame))
    assert accuracy_over_time(load(frame), by="order").tests["drift"].tolist() == ["stable", "stable"]
    with pytest.raises(AnnotationSchemaError, match="duration_s"):
        speed_vs_accuracy(load(frame))


def test_speed_rule():
    rng = np.random.default_rng(3)
    rows = []
    spec = {"slow_good": (8.0, 0.95), "ok": (5.0, 0.9), "fast_good": (1.5, 0.95), "fast_bad": (1.5, 0.6),
            "slow_bad": (6.0, 0.6)}
    for k in range(150):
        for name, (median, acc) in spec.items():
            rows.append((k, name, "x" if rng.random() < acc else rng.choice(["y", "z"]),
                         median * rng.lognormal(0, 0.2)))
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label", "duration_s"])
    gold = pd.DataFrame({"item_id": range(150), "gold_label": "x"})
    res = speed_vs_accuracy(load(frame, gold))
    t = res.table.set_index("annotator_id")
    assert res.flagged == ["fast_bad"]
    assert set(t.index[t["fast"]]) == {"fast_good", "fast_bad"}
    assert set(t.index[t["inaccurate"]]) == {"fast_bad", "slow_bad"}
    assert t.loc["fast_bad", "median_duration_s"] == pytest.approx(
        frame[frame["annotator_id"] == "fast_bad"]["duration_s"].median())
    assert "median" in res.rule
