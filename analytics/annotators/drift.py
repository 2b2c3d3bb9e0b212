r"""Annotator drift over time and speed versus accuracy.

Each annotation is scored against a reference: its item's gold label when there is one, otherwise
the leave-one-out plurality of the *other* annotators of the item (unscored when the others tie or
nobody else rated the item). Rolling accuracy follows each annotator through their work; a change
test compares the first and the second half of each session (round); a speed table relates median
``duration_s`` to accuracy.

**Why a two-proportion z-test on halves.** Drift in a labeling pilot is mostly fatigue or habituation
within a working session, and sessions restart with each round, so the accuracy trace is a saw-tooth.
A test on the whole series (e.g. a CUSUM of OLS residuals, ``breaks_cusumolsresid``) dilutes such a
pattern and assumes roughly normal residuals, which 0/1 outcomes are not. Comparing first-half with
second-half accuracy, pooled over the annotator's sessions, targets exactly the within-session change,
uses the binomial variance of 0/1 outcomes (``statsmodels.stats.proportion.proportions_ztest``), and
reads as a sentence: "accuracy fell from 0.88 in the first half of each session to 0.77 in the second".

References
----------
Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions.
Statistics in Medicine, 17(8), 873–890. https://doi.org/10.1002/(SICI)1097-0258(19980430)17:8<873::AID-SIM779>3.0.CO;2-I

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of
Statistics, 6(2), 65–70. https://www.jstor.org/stable/4615733
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from .._reshape import cached, item_category_counts, require_annotators, require_single_label
from .._reshape._distinct import distinct_count_rows
from ..exceptions import AnnotationSchemaError, InvalidParameterError
from .gold import annotator_index, holm
from ..results import ResultMixin

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["leave_one_out_codes", "reference_correctness", "DriftResult", "accuracy_over_time", "SpeedAccuracy",
           "speed_vs_accuracy"]


def leave_one_out_codes(annotations: "AnnotationSet") -> np.ndarray:
    r"""Per annotation, the unique plurality label of the *other* annotators of its item,
    :math:`\arg\max_c (n_{ic} - [l_k = c])`; -1 when the others tie or nobody else rated the item."""
    return cached(annotations, "leave_one_out_codes", lambda: _leave_one_out_codes(annotations))


def _leave_one_out_codes(aset: "AnnotationSet") -> np.ndarray:
    """:func:`leave_one_out_codes` computed (the result is cached on the set, read-only: the routing, the peer
    test, drift and the recommendations' annotator rule all score against it)."""
    counts = item_category_counts(aset)
    row_codes, first = distinct_count_rows(aset)
    # the rule on every (distinct count row, label) pair, then taken per annotation: the same integers, far fewer rows
    k = aset.n_categories
    table = _leave_one_out_rows(np.repeat(counts[first], k, axis=0), np.tile(np.arange(k), len(first)))
    out = table[row_codes[aset.item_codes] * k + aset.label_codes]
    out.flags.writeable = False
    return out


def _leave_one_out_rows(counts: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per row: the unique plurality of ``counts`` with one vote for ``labels`` taken away (-1: a tie, or none)."""
    rows = np.arange(len(labels))
    others = counts.astype(np.int32)
    others[rows, labels] -= 1
    top = others.max(axis=1)
    unique = (others == top[:, None]).sum(axis=1) == 1
    return np.where((top > 0) & unique, np.argmax(others, axis=1), -1)


def reference_correctness(annotations: "AnnotationSet", *, use_gold: bool = True) -> tuple[np.ndarray, np.ndarray]:
    r"""Score every annotation: ``(correct, reference)``.

    ``reference`` is ``"gold"`` (the item has gold, and ``use_gold``), ``"consensus"`` (the other annotators of
    the item have a unique plurality label, :func:`leave_one_out_codes`) or ``""`` (unscored: the others tie, or
    nobody else rated the item). ``correct`` is 1.0/0.0, NaN when unscored.
    """
    aset = annotations
    loo = leave_one_out_codes(aset)
    gold = (aset.gold_codes[aset.item_codes] if use_gold and aset.gold_codes is not None
            else np.full(aset.n_annotations, -1))
    ref_code = np.where(gold >= 0, gold, loo)
    reference = np.where(gold >= 0, "gold", np.where(loo >= 0, "consensus", "")).astype(object)
    correct = np.where(ref_code >= 0, (aset.label_codes == ref_code).astype(float), np.nan)
    return correct, reference


def _check(annotations: "AnnotationSet", what: str, confidence_level: float) -> None:
    require_single_label(annotations, what)
    require_annotators(annotations, what)
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")


@dataclass(frozen=True, eq=False)
class DriftResult(ResultMixin):
    """Rolling accuracy per annotator and a first-half / second-half change test.

    Attributes
    ----------
    series : pandas.DataFrame
        One row per annotation in each annotator's working order: ``annotator_id, session, position``
        (1-based within the session), ``timestamp`` (when ordering by time), ``item_id, reference``
        (``"gold"``, ``"consensus"`` or ``""``), ``correct`` (1/0/NaN) and ``rolling_accuracy`` (mean of
        the last ``window`` scored annotations of the session).
    tests : pandas.DataFrame
        Per annotator: ``annotator_id, n_sessions, n_scored, accuracy, accuracy_first_half,
        accuracy_second_half, n_first_half, n_second_half, change`` (second − first), ``z, p_value``
        (two-sided), ``p_adjusted`` (Holm across annotators) and ``drift``: ``"declined"`` (a significant fall at
        ``1 - confidence_level`` of at least ``min_decline``), ``"small_decline"`` (significant but smaller than
        ``min_decline``), ``"improved"`` or ``"stable"``.
    window : int
    by : str
    session : str or None
        The column that splits the work into sessions (``"round"``) or None.
    confidence_level : float
    min_decline : float
        The smallest fall of accuracy (first half minus second half) that counts as drift.
    test_method : str
    """

    series: pd.DataFrame
    tests: pd.DataFrame
    window: int
    by: str
    session: str | None
    confidence_level: float
    min_decline: float = 0.10
    test_method: str = ("two-proportion z-test (statsmodels proportions_ztest), first vs second half of each "
                        "session pooled over sessions; Holm-adjusted across annotators")

    @property
    def drifting(self) -> list[str]:
        """Annotators whose accuracy declined significantly, by at least ``min_decline``, within sessions."""
        return self.tests.loc[self.tests["drift"] == "declined", "annotator_id"].tolist()

    def to_frame(self) -> pd.DataFrame:
        return self.tests.copy()


def accuracy_over_time(
    annotations: "AnnotationSet", *, window: int = 25, by: Literal["timestamp", "order"] = "timestamp",
    per_round: bool = True, min_decline: float = 0.10, confidence_level: float = 0.95,
) -> DriftResult:
    r"""Rolling accuracy of each annotator over their work, with a test for change within sessions.

    Annotations are scored by :func:`reference_correctness` (gold where available, else agreement with
    the leave-one-out plurality of the other annotators). For annotator *a*, let :math:`x_1/n_1` and
    :math:`x_2/n_2` be the scored accuracy in the first and second half of each session (by position in
    the session; pooled over sessions). The test statistic is

    .. math:: z = \frac{x_2/n_2 - x_1/n_1}{\sqrt{\bar p (1 - \bar p)(1/n_1 + 1/n_2)}}, \quad \bar p = \frac{x_1 + x_2}{n_1 + n_2},

    two-sided, Holm-adjusted across annotators; a significant fall of at least ``min_decline``
    (:math:`x_1/n_1 - x_2/n_2 \ge` ``min_decline``) is ``"declined"``, a significant smaller one
    ``"small_decline"``.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with annotator ids.
    window : int
        Number of scored annotations in the rolling mean (at least half of it before a value is shown).
    by : {"timestamp", "order"}
        Order each annotator's work by ``timestamp`` or by the row order of the annotations table.
    per_round : bool
        Treat each ``round`` as a separate session (when the table has rounds).
    min_decline : float
        Drift is a significant fall of accuracy of at least this much (10 points by default). With hundreds of
        scored annotations per annotator a Holm-significant fall of 3–8 points happens by chance in about one
        clean pilot in twenty; a planted drift (95 % → 55 % over a session) falls by about 20 points
        (``benchmarks/decisions.py``, benchmarks/README "Decisions with a known answer").
    confidence_level : float
        ``1 - confidence_level`` is the significance level of ``drift``.

    Returns
    -------
    DriftResult

    References
    ----------
    Holm (1979), https://www.jstor.org/stable/4615733; Newcombe (1998), https://doi.org/10.1002/(SICI)1097-0258(19980430)17:8<873::AID-SIM779>3.0.CO;2-I

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, accuracy_over_time
    >>> df = pd.DataFrame({"item_id": list(range(40)) * 2, "annotator_id": ["a"] * 40 + ["b"] * 40,
    ...                    "label": ["x"] * 40 + ["x"] * 20 + ["y"] * 20})
    >>> gold = pd.DataFrame({"item_id": range(40), "gold_label": "x"})
    >>> res = accuracy_over_time(load_annotations(df, gold=gold), by="order", window=10)
    >>> res.tests[["annotator_id", "accuracy_first_half", "accuracy_second_half", "drift"]].values.tolist()
    [['a', 1.0, 1.0, 'stable'], ['b', 1.0, 0.0, 'declined']]
    """
    _check(annotations, "accuracy_over_time", confidence_level)
    if by not in ("timestamp", "order"):
        raise InvalidParameterError(f"by must be 'timestamp' or 'order', not {by!r}.")
    if isinstance(min_decline, bool) or not isinstance(min_decline, (int, float)) or not 0.0 <= min_decline < 1.0:
        raise InvalidParameterError(f"min_decline must be a number in [0, 1) (a fall of accuracy, e.g. 0.1 for 10 "
                                    f"points), not {min_decline!r}.")
    if not (isinstance(window, (int, np.integer)) and window >= 1):
        raise InvalidParameterError(f"window must be a positive integer, not {window!r}.")
    if by == "timestamp" and ("timestamp" not in annotations.column_names
                              or annotations.frame["timestamp"].isna().all()):
        raise AnnotationSchemaError("accuracy_over_time(by='timestamp') needs a 'timestamp' column; map one with "
                                    "load_annotations(..., timestamp='<column>') or use by='order'.")
    frame = annotations.frame
    session = "round" if per_round and "round" in frame.columns else None
    correct, reference = reference_correctness(annotations)
    series = pd.DataFrame({
        "annotator_id": frame["annotator_id"].to_numpy(dtype=object),
        "session": frame[session].astype(str).to_numpy(dtype=object) if session else "all",
        "_ann": annotations.annotator_codes, "_row": np.arange(len(frame)),
        "item_id": frame["item_id"].to_numpy(dtype=object), "reference": reference, "correct": correct,
    })
    sort = ["_ann", "session"] + (["_time"] if by == "timestamp" else []) + ["_row"]
    if by == "timestamp":
        series.insert(3, "timestamp", frame["timestamp"].to_numpy())
        series["_time"] = series["timestamp"]
    series = series.sort_values(sort, kind="stable", na_position="last").reset_index(drop=True)
    group = series.groupby(["_ann", "session"], sort=False)
    series.insert(2, "position", group.cumcount() + 1)
    size = group["_row"].transform("size")
    scored = series["correct"].notna()
    rolled = (series.loc[scored].groupby(["_ann", "session"], sort=False)["correct"]
              .transform(lambda s: s.rolling(window, min_periods=max(1, window // 2)).mean()))
    series["rolling_accuracy"] = rolled.reindex(series.index).groupby(
        [series["_ann"], series["session"]], sort=False).ffill()
    second = (series["position"] - 0.5) / size >= 0.5
    tests = _half_test(series, second, annotations, confidence_level, float(min_decline))
    out = series.drop(columns=[c for c in series.columns if c.startswith("_")])
    method = (f"{DriftResult.test_method}; drift = a significant fall of at least {100 * min_decline:.0f} "
              "points (smaller significant falls: small_decline)")
    return DriftResult(series=out, tests=tests, window=int(window), by=by, session=session,
                       confidence_level=float(confidence_level), min_decline=float(min_decline), test_method=method)


def _half_test(series: pd.DataFrame, second: pd.Series, aset: "AnnotationSet", confidence_level: float,
               min_decline: float) -> pd.DataFrame:
    n_ann = aset.n_annotators
    ann = series["_ann"].to_numpy()
    ok = series["correct"].notna().to_numpy()
    hit = np.nan_to_num(series["correct"].to_numpy())
    half = second.to_numpy()

    def tally(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.bincount(ann[mask], weights=hit[mask], minlength=n_ann),
                np.bincount(ann[mask], minlength=n_ann).astype(float))

    (x1, n1), (x2, n2) = tally(ok & ~half), tally(ok & half)
    z = np.full(n_ann, np.nan)
    p = np.full(n_ann, np.nan)
    for a in range(n_ann):
        if n1[a] == 0 or n2[a] == 0:
            continue
        pooled = (x1[a] + x2[a]) / (n1[a] + n2[a])
        if pooled in (0.0, 1.0):
            z[a], p[a] = 0.0, 1.0
            continue
        stat, pval = proportions_ztest([x2[a], x1[a]], [n2[a], n1[a]], alternative="two-sided")
        z[a], p[a] = float(stat), float(pval)
    adjusted, reject = holm(p, 1 - confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc1, acc2 = x1 / n1, x2 / n2
        accuracy = (x1 + x2) / (n1 + n2)
    fall = reject & (acc2 < acc1)
    big = np.nan_to_num(acc1 - acc2) >= min_decline - 1e-12
    drift = np.where(fall & big, "declined", np.where(fall, "small_decline",
                                                      np.where(reject & (acc2 > acc1), "improved", "stable")))
    sessions = series.groupby("_ann")["session"].nunique().reindex(range(n_ann), fill_value=0).to_numpy()
    return pd.DataFrame({
        "annotator_id": np.asarray(aset.annotator_ids, dtype=object), "n_sessions": sessions,
        "n_scored": (n1 + n2).astype(np.int64), "accuracy": accuracy, "accuracy_first_half": acc1,
        "accuracy_second_half": acc2, "n_first_half": n1.astype(np.int64), "n_second_half": n2.astype(np.int64),
        "change": acc2 - acc1, "z": z, "p_value": p, "p_adjusted": adjusted, "drift": drift,
    })


@dataclass(frozen=True, eq=False)
class SpeedAccuracy(ResultMixin):
    """Median annotation time against accuracy, per annotator.

    Attributes
    ----------
    table : pandas.DataFrame
        ``annotator_id, n_annotations, median_duration_s, n_scored, n_correct, accuracy, ci_low, ci_high``
        (Wilson), ``peer_median_duration_s`` (median of the other annotators' medians), ``peer_accuracy``
        (pooled accuracy of the others), ``fast, inaccurate, flagged`` (see :func:`speed_vs_accuracy`).
    fast_ratio, confidence_level : float
    rule : str
        The flagging rule in words.
    """

    table: pd.DataFrame
    fast_ratio: float
    confidence_level: float
    rule: str

    @property
    def flagged(self) -> list[str]:
        """Annotators who are both fast and inaccurate."""
        return self.table.loc[self.table["flagged"], "annotator_id"].tolist()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def speed_vs_accuracy(
    annotations: "AnnotationSet", *, fast_ratio: float = 0.5, confidence_level: float = 0.95,
) -> SpeedAccuracy:
    r"""Median ``duration_s`` against accuracy per annotator; flags annotators who are fast *and* inaccurate.

    Accuracy is scored as in :func:`reference_correctness` (gold, else leave-one-out consensus). The rule:

    * **fast** — median duration :math:`\le` ``fast_ratio`` × the median of the other annotators' median durations;
    * **inaccurate** — the upper bound of the annotator's Wilson interval is below the pooled accuracy of the
      other annotators (the others do significantly better on the same reference);
    * **flagged** — both.

    Parameters
    ----------
    annotations : AnnotationSet
        Single-label annotations with annotator ids and a ``duration_s`` column.
    fast_ratio : float
        Share of the peers' median time at or below which an annotator counts as fast.
    confidence_level : float
        Of the Wilson intervals.

    Returns
    -------
    SpeedAccuracy

    References
    ----------
    Wilson (1927), https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> import pandas as pd
    >>> from analytics import load_annotations, speed_vs_accuracy
    >>> n = 60
    >>> df = pd.DataFrame({"item_id": list(range(n)) * 4, "annotator_id": [a for a in "abcd" for _ in range(n)],
    ...                    "label": ["x"] * 2 * n + ["y"] * n + ["x"] * n,
    ...                    "duration_s": [5.0] * n + [6.0] * n + [1.0] * n + [4.0] * n})
    >>> speed_vs_accuracy(load_annotations(df)).flagged
    ['c']
    """
    _check(annotations, "speed_vs_accuracy", confidence_level)
    if not fast_ratio > 0:
        raise InvalidParameterError(f"fast_ratio must be positive, not {fast_ratio!r}.")
    if "duration_s" not in annotations.column_names or annotations.frame["duration_s"].isna().all():
        raise AnnotationSchemaError("speed_vs_accuracy needs a 'duration_s' column (seconds per annotation); map one "
                                    "with load_annotations(..., duration='<column>').")
    n_ann = annotations.n_annotators
    ann = annotations.annotator_codes
    correct, _ = reference_correctness(annotations)
    ok = np.isfinite(correct)
    n_scored = np.bincount(ann[ok], minlength=n_ann)
    n_correct = np.bincount(ann[ok], weights=correct[ok], minlength=n_ann).round().astype(np.int64)
    durations = pd.Series(pd.to_numeric(annotations.frame["duration_s"], errors="coerce").to_numpy(dtype=float))
    median = durations.groupby(ann).median().reindex(range(n_ann)).to_numpy()
    peers = ~np.eye(n_ann, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = n_correct / n_scored
        peer_acc = (n_correct.sum() - n_correct) / (n_scored.sum() - n_scored)
    peer_median = np.array([np.nanmedian(median[row]) if np.isfinite(median[row]).any() else np.nan for row in peers])
    low, high = np.full(n_ann, np.nan), np.full(n_ann, np.nan)
    has = n_scored > 0
    low[has], high[has] = proportion_confint(n_correct[has], n_scored[has], alpha=1 - confidence_level,
                                             method="wilson")
    fast = np.nan_to_num(median <= fast_ratio * peer_median, nan=False).astype(bool)
    inaccurate = np.nan_to_num(high < peer_acc, nan=False).astype(bool)
    table = pd.DataFrame({
        "annotator_id": annotator_index(annotations).to_numpy(), "n_annotations": np.bincount(ann, minlength=n_ann),
        "median_duration_s": median, "n_scored": n_scored, "n_correct": n_correct, "accuracy": accuracy,
        "ci_low": low, "ci_high": high, "peer_median_duration_s": peer_median, "peer_accuracy": peer_acc,
        "fast": fast, "inaccurate": inaccurate, "flagged": fast & inaccurate,
    })
    rule = (f"fast: median duration ≤ {fast_ratio} × the other annotators' median; inaccurate: upper "
            f"{confidence_level:.0%} Wilson bound below the other annotators' pooled accuracy; flagged: both")
    return SpeedAccuracy(table=table, fast_ratio=float(fast_ratio), confidence_level=float(confidence_level), rule=rule)
