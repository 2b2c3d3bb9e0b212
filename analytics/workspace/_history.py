r"""Trends across the deliveries of a workspace, each with its interval and a test against the previous delivery.

Everything is read from the per-delivery summaries stored at add time (a handful of indexed queries) and
computed in plain Python (:mod:`analytics.workspace._stats`), so a history of hundreds of deliveries takes a
fraction of a second. Deliveries are ordered as they were added; "previous" is the delivery before, or — for an
annotator, a class or a coefficient — the last earlier delivery that has it.

* **Agreement** — every coefficient with its interval; its change from the previous delivery with the Wald
  interval :math:`\Delta \pm z\sqrt{\mathrm{SE}_0^2 + \mathrm{SE}_1^2}` (deliveries as independent samples of
  items: conservative when they share items); ``status`` ``drop`` / ``rise`` when the one-sided z-test rejects at
  ``1 - confidence_level``, else ``no significant change`` (``first`` for the first; ``cannot be measured`` without
  a standard error). The drop rule is the no-regression check's (:func:`check_no_regression`).
* **Per-class kappa** — the same, per category.
* **Gold accuracy per annotator** — correct / gold annotations with the Wilson interval; ``fell`` when the
  one-sided Fisher exact test (H1: lower than in the annotator's previous delivery with gold) rejects after
  Holm's correction across the delivery's annotators.
* **Unknown/Other share** — with Wilson intervals and the seed's growth alarm across deliveries, exactly as
  :func:`analytics.unknown_share` applies it across rounds: ``alarm`` when the share grows by more than
  ``alarm_points`` percentage points over the previous delivery (with ``require_significance``, only when the
  one-sided pooled two-proportion z-test also rejects; else ``watch``).
* **Class balance** — each category's share of the labels, with its Wilson interval.
* **Hotspots closed / improved / persisting / worse / opened** — as :func:`analytics.compare_rounds` compares two
  rounds (one rule, :func:`analytics.taxonomy.rounds.hotspot_status`): a pair is a hotspot of a delivery when it is
  among the ``top`` best-scored pairs with a positive score disputed on ≥ ``min_items`` items; between two
  deliveries, the share of items on which both classes were used is compared by a two-sided Fisher exact test,
  Holm-adjusted over the pairs compared: significantly lower → ``closed`` (no longer a hotspot) or ``improved``;
  significantly higher → ``opened`` (not a hotspot before) or ``worse``; otherwise ``persisting``.

References
----------
Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), ch. 5 (linearized standard errors). Advanced
Analytics.

Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22(158),
209–212. https://doi.org/10.1080/01621459.1927.10502953

Fisher, R. A. (1922). On the interpretation of χ² from contingency tables, and the calculation of P. JRSS 85(1),
87–94. https://doi.org/10.2307/2340521

Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Statist. 6(2), 65–70.
https://www.jstor.org/stable/4615733
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa

from ..exceptions import InvalidParameterError
from . import _tables as t
from ._records import INFO_COLUMNS, DeliveryInfo, delivery_from_row, plain
from ._stats import NAN, finite, fisher_less, fisher_two_sided, holm, two_proportion_z, wald_difference, wilson

__all__ = ["History", "read_history", "trend_status", "FRAMES"]

#: Names of the trend tables of a :class:`History` (``history.frame(name)``).
FRAMES = ("deliveries", "agreement", "per_class", "gold", "unknown", "balance", "hotspots")


def trend_status(diff: Any, alpha: float, first: bool) -> str:
    """``first``, ``drop``, ``rise``, ``no significant change`` or ``cannot be measured`` for a change."""
    if first:
        return "first"
    if not finite(diff.p_drop):
        return "cannot be measured"
    if diff.p_drop < alpha:
        return "drop"
    if diff.p_rise < alpha:
        return "rise"
    return "no significant change"


@dataclass(frozen=True)
class History:
    """Trends of a workspace (see the module docstring). Every table is a tuple of rows with fixed keys;
    :meth:`frame` gives one as a pandas DataFrame.

    Attributes
    ----------
    deliveries : tuple of DeliveryInfo
        In the order they were added.
    agreement : tuple of dict
        ``delivery, coefficient, label, value, standard_error, ci_low, ci_high, n_items, previous, change,
        change_ci_low, change_ci_high, p_drop, status, primary`` (``primary``: the delivery's verdict coefficient).
    per_class : tuple of dict
        ``delivery, category, kappa, standard_error, ci_low, ci_high, n_items, previous, change, change_ci_low,
        change_ci_high, p_drop, status``.
    gold : tuple of dict
        ``delivery, annotator_id, n_gold, n_correct, accuracy, ci_low, ci_high, flagged_below_target,
        previous, previous_accuracy, p_fall, p_adjusted, fell``.
    unknown : tuple of dict
        ``delivery, unknown_label, n_unknown, n_annotations, share, ci_low, ci_high, change_points, p_value,
        status`` (``first``, ``ok``, ``watch``, ``alarm``; ``not measured`` for a delivery without an Unknown class).
    balance : tuple of dict
        ``delivery, category, n_labels, share, ci_low, ci_high``.
    hotspots : tuple of dict
        ``delivery, previous, class_a, class_b, status, rank_before, rank_after, n_items_before, n_items_after,
        rate_before, rate_after, p_value``.
    confidence_level, alarm_points : float
    require_significance : bool
    top, min_items : int
        The hotspot rule.
    """

    deliveries: tuple[DeliveryInfo, ...]
    agreement: tuple[dict[str, Any], ...]
    per_class: tuple[dict[str, Any], ...]
    gold: tuple[dict[str, Any], ...]
    unknown: tuple[dict[str, Any], ...]
    balance: tuple[dict[str, Any], ...]
    hotspots: tuple[dict[str, Any], ...]
    confidence_level: float
    alarm_points: float
    require_significance: bool
    top: int
    min_items: int
    decisions: tuple[Any, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.deliveries]

    @property
    def regressions(self) -> list[dict[str, Any]]:
        """Deliveries whose primary coefficient dropped significantly below the previous delivery's."""
        return [r for r in self.agreement if r["primary"] and r["status"] == "drop"]

    @property
    def gold_falls(self) -> list[dict[str, Any]]:
        """Annotators whose gold accuracy fell significantly (Holm-corrected) from their previous delivery."""
        return [r for r in self.gold if r["fell"]]

    @property
    def unknown_alarms(self) -> list[dict[str, Any]]:
        return [r for r in self.unknown if r["status"] == "alarm"]

    def frame(self, name: str):
        """One trend table as a pandas DataFrame (``name`` one of :data:`FRAMES`)."""
        import pandas as pd

        if name not in FRAMES:
            raise InvalidParameterError(f"No history table {name!r}; tables: {', '.join(FRAMES)}.")
        if name == "deliveries":
            rows = [{k: v for k, v in plain(d).items() if k not in ("files",)} for d in self.deliveries]
            return pd.DataFrame(rows, columns=[f for f in DeliveryInfo.__dataclass_fields__ if f != "files"])
        return pd.DataFrame(list(getattr(self, name)), columns=_COLUMNS[name])

    def to_dict(self) -> dict[str, Any]:
        out = {name: plain(getattr(self, name)) for name in FRAMES}
        out.update(confidence_level=self.confidence_level, alarm_points=self.alarm_points,
                   require_significance=self.require_significance, top=self.top, min_items=self.min_items,
                   decisions=[d.to_dict() for d in self.decisions])
        return out


_COLUMNS = {
    "agreement": ["delivery", "coefficient", "label", "value", "standard_error", "ci_low", "ci_high", "n_items",
                  "previous", "change", "change_ci_low", "change_ci_high", "p_drop", "status", "primary"],
    "per_class": ["delivery", "category", "kappa", "standard_error", "ci_low", "ci_high", "n_items", "previous",
                  "change", "change_ci_low", "change_ci_high", "p_drop", "status"],
    "gold": ["delivery", "annotator_id", "n_gold", "n_correct", "accuracy", "ci_low", "ci_high",
             "flagged_below_target", "previous", "previous_accuracy", "p_fall", "p_adjusted", "fell"],
    "unknown": ["delivery", "unknown_label", "n_unknown", "n_annotations", "share", "ci_low", "ci_high",
                "change_points", "p_value", "status"],
    "balance": ["delivery", "category", "n_labels", "share", "ci_low", "ci_high"],
    "hotspots": ["delivery", "previous", "class_a", "class_b", "status", "rank_before", "rank_after",
                 "n_items_before", "n_items_after", "rate_before", "rate_after", "p_value", "p_adjusted"],
}


def _changes(rows: Iterable[dict[str, Any]], key: str, value: str, names: dict[int, str], alpha: float,
             confidence_level: float) -> list[dict[str, Any]]:
    """Add ``previous, change, change_ci_low, change_ci_high, p_drop, status`` to rows ordered by delivery."""
    last: dict[str, dict[str, Any]] = {}
    out = []
    for r in rows:
        before = last.get(r[key])
        d = wald_difference(before[value] if before else None, before["standard_error"] if before else None,
                            r[value], r["standard_error"], confidence_level)
        out.append({**r, "delivery": names[r["delivery_id"]], "previous": names[before["delivery_id"]] if before else None,
                    "change": d.difference if before else NAN, "change_ci_low": d.ci_low, "change_ci_high": d.ci_high,
                    "p_drop": d.p_drop, "status": trend_status(d, alpha, before is None)})
        if finite(r[value]):
            last[r[key]] = r
    return out


def _gold(rows: list[dict[str, Any]], names: dict[int, str], alpha: float, confidence_level: float) -> list[dict]:
    last: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    by_delivery: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_delivery.setdefault(r["delivery_id"], []).append(r)
    for delivery_id, group in by_delivery.items():
        made = []
        for r in group:
            before = last.get(r["annotator_id"])
            lo, hi = wilson(r["n_correct"], r["n_gold"], confidence_level)
            p = fisher_less(r["n_correct"], r["n_gold"], before["n_correct"], before["n_gold"]) if before else NAN
            made.append({"delivery": names[delivery_id], "annotator_id": r["annotator_id"], "n_gold": r["n_gold"],
                         "n_correct": r["n_correct"], "accuracy": r["n_correct"] / r["n_gold"], "ci_low": lo,
                         "ci_high": hi, "flagged_below_target": bool(r["flagged"]),
                         "previous": names[before["delivery_id"]] if before else None,
                         "previous_accuracy": before["n_correct"] / before["n_gold"] if before else NAN, "p_fall": p})
            last[r["annotator_id"]] = r
        adjusted, reject = holm([m["p_fall"] for m in made], alpha)
        for m, p_adj, rej in zip(made, adjusted, reject):
            out.append({**m, "p_adjusted": p_adj, "fell": bool(rej)})
    return out


def _unknown(deliveries: tuple[DeliveryInfo, ...], points: float, alpha: float, confidence_level: float,
             require_significance: bool) -> list[dict[str, Any]]:
    out, before = [], None
    for d in deliveries:
        if d.unknown_label is None or d.n_unknown is None or not d.n_annotations:
            out.append({"delivery": d.name, "unknown_label": None, "n_unknown": None, "n_annotations": d.n_annotations,
                        "share": NAN, "ci_low": NAN, "ci_high": NAN, "change_points": NAN, "p_value": NAN,
                        "status": "not measured"})
            continue
        share = d.n_unknown / d.n_annotations
        lo, hi = wilson(d.n_unknown, d.n_annotations, confidence_level)
        row = {"delivery": d.name, "unknown_label": d.unknown_label, "n_unknown": d.n_unknown,
               "n_annotations": d.n_annotations, "share": share, "ci_low": lo, "ci_high": hi, "change_points": NAN,
               "p_value": NAN, "status": "first"}
        if before is not None:
            change = 100.0 * (share - before["share"])
            p = NAN
            if d.n_unknown + before["n_unknown"] > 0:
                p = two_proportion_z(before["n_unknown"], before["n_annotations"], d.n_unknown, d.n_annotations,
                                     alternative="larger")
            status = "ok"
            if change > points:
                status = "alarm" if (finite(p) and p < alpha) or not require_significance else "watch"
            row.update(change_points=change, p_value=p, status=status)
        out.append(row)
        before = row
    return out


def _balance(rows: list[dict[str, Any]], names: dict[int, str], confidence_level: float) -> list[dict[str, Any]]:
    totals: dict[int, int] = {}
    for r in rows:
        totals[r["delivery_id"]] = totals.get(r["delivery_id"], 0) + int(r["n_labels"])
    out = []
    for r in rows:
        n = totals[r["delivery_id"]]
        lo, hi = wilson(int(r["n_labels"]), n, confidence_level)
        out.append({"delivery": names[r["delivery_id"]], "category": r["category"], "n_labels": int(r["n_labels"]),
                    "share": r["n_labels"] / n if n else NAN, "ci_low": lo, "ci_high": hi})
    return out


def _hotspots(conn: sa.Connection, deliveries: tuple[DeliveryInfo, ...], top: int, min_items: int,
              alpha: float) -> list[dict[str, Any]]:
    p = t.pair_stats
    qualifying = sa.select(p.c.delivery_id, p.c.class_a, p.c.class_b, sa.func.row_number().over(
        partition_by=p.c.delivery_id, order_by=p.c.rank).label("k")).where(
        p.c.score > 0, p.c.n_items >= min_items).subquery()
    hot_rows = conn.execute(sa.select(qualifying.c.delivery_id, qualifying.c.class_a, qualifying.c.class_b)
                            .where(qualifying.c.k <= top)).all()
    hot: dict[int, set[tuple[str, str]]] = {}
    for delivery_id, a, b in hot_rows:
        hot.setdefault(delivery_id, set()).add((a, b))
    pairs = sorted({pair for s in hot.values() for pair in s})
    stats: dict[tuple[int, str, str], tuple[int, int]] = {}
    for start in range(0, len(pairs), 200):
        chunk = pairs[start:start + 200]
        for delivery_id, a, b, rank, n in conn.execute(sa.select(p.c.delivery_id, p.c.class_a, p.c.class_b, p.c.rank,
                                                                 p.c.n_items).where(
                sa.tuple_(p.c.class_a, p.c.class_b).in_(chunk))).all():
            stats[(delivery_id, a, b)] = (int(rank), int(n))
    from .._hotspot_rule import hotspot_status_of

    out = []
    for prev, cur in zip(deliveries, deliveries[1:]):
        h0, h1 = hot.get(prev.id, set()), hot.get(cur.id, set())
        compared = sorted(h0 | h1)
        before = [stats.get((prev.id, a, b), (None, 0)) for a, b in compared]
        after = [stats.get((cur.id, a, b), (None, 0)) for a, b in compared]
        pv = [fisher_two_sided(k0, prev.n_items, k1, cur.n_items) for (_, k0), (_, k1) in zip(before, after)]
        p_adj, reject = holm(pv, alpha)
        for (a, b), (r0, k0), (r1, k1), p_raw, p_hat, significant in zip(compared, before, after, pv, p_adj, reject):
            rate0 = k0 / prev.n_items if prev.n_items else NAN
            rate1 = k1 / cur.n_items if cur.n_items else NAN
            out.append({"delivery": cur.name, "previous": prev.name, "class_a": a, "class_b": b,
                        "status": hotspot_status_of(significant, rate0, rate1, (a, b) in h0, (a, b) in h1),
                        "rank_before": r0, "rank_after": r1, "n_items_before": k0, "n_items_after": k1,
                        "rate_before": rate0, "rate_after": rate1, "p_value": p_raw, "p_adjusted": p_hat})
    return out


def _rows(conn: sa.Connection, table: sa.Table, order: list[str]) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(table).order_by(*[table.c[c] for c in order])).mappings().all()
    return [dict(r) for r in rows]


def read_deliveries(conn: sa.Connection) -> tuple[DeliveryInfo, ...]:
    d = t.deliveries
    rows = conn.execute(sa.select(*[d.c[k] for k in INFO_COLUMNS]).order_by(d.c.id)).mappings().all()
    return tuple(delivery_from_row(r) for r in rows)


def read_history(conn: sa.Connection, *, confidence_level: float = 0.95, alarm_points: float = 5.0,
                 require_significance: bool = False, top: int = 10, min_items: int = 5) -> History:
    """The trends of the workspace on ``conn`` (see the module docstring)."""
    if not 0 < confidence_level < 1:
        raise InvalidParameterError(f"confidence_level must lie strictly between 0 and 1, not {confidence_level!r}.")
    if not 0 <= alarm_points < 100:
        raise InvalidParameterError(f"alarm_points must be percentage points in [0, 100), not {alarm_points!r}.")
    if top < 1 or min_items < 1:
        raise InvalidParameterError(f"top and min_items must be positive whole numbers (got {top!r}, {min_items!r}).")
    alpha = 1.0 - confidence_level
    deliveries = read_deliveries(conn)
    names = {d.id: d.name for d in deliveries}
    primary = {d.id: d.primary_coefficient for d in deliveries}
    coefs = _rows(conn, t.coefficients, ["delivery_id", "position"])
    agreement = [{k: v for k, v in r.items() if k not in ("delivery_id", "reason", "position")} | {
        "primary": r["coefficient"] == primary.get(r["delivery_id"])}
        for r in _changes(coefs, "coefficient", "value", names, alpha, confidence_level)]
    cats = _rows(conn, t.category_stats, ["delivery_id", "position"])
    per_class = [{k: r[k] for k in _COLUMNS["per_class"]}
                 for r in _changes(cats, "category", "kappa", names, alpha, confidence_level)]
    gold = _gold(_rows(conn, t.annotator_gold, ["delivery_id", "annotator_id"]), names, alpha, confidence_level)
    return History(
        deliveries=deliveries, agreement=tuple({k: r[k] for k in _COLUMNS["agreement"]} for r in agreement),
        per_class=tuple(per_class), gold=tuple(gold),
        unknown=tuple(_unknown(deliveries, alarm_points, alpha, confidence_level, require_significance)),
        balance=tuple(_balance(cats, names, confidence_level)),
        hotspots=tuple(_hotspots(conn, deliveries, top, min_items, alpha)), confidence_level=confidence_level,
        alarm_points=float(alarm_points), require_significance=bool(require_significance), top=int(top),
        min_items=int(min_items))
