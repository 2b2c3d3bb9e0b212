"""The decision log: taxonomy and guideline decisions, the recommendation and evidence behind each, and the effect
the what-if predicted for it.

A decision is recorded against the delivery whose evidence prompted it (default: the last one). Recording it
from one of that delivery's recommendations (:func:`analytics.recommend_taxonomy_changes`, stored in its quality
report) copies the proposal, its evidence and its simulated effect. The predicted effect is computed on that
delivery's stored annotations:

* **merge** A + B (into N) — :func:`analytics.simulate_merge`: Fleiss' kappa after the merge with its standard
  error, the change with its paired interval, and the merged class's per-category kappa;
* **lift_to_parent** P — the same, merging every class under P into P;
* **retrain_annotator** X — the recommendation's simulated gain (the annotator's swaps set right), when recorded
  from one;
* **clarify** C (with the new definition), **split**, **add_other**, **collect_more** — not simulated (the effect of
  a definition cannot be computed from the labels); they are judged on the observed change alone.

Later deliveries verify it (:mod:`analytics.workspace._verify`).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Sequence

import sqlalchemy as sa

from ..exceptions import InvalidParameterError
from . import _tables as t
from ._db import read_connection, write_transaction
from ._errors import WorkspaceError
from ._records import plain
from ._store import check_text

__all__ = ["DECISION_ACTIONS", "Decision", "DecisionCheck", "record_decision", "read_decisions", "remove_decision"]

#: What a decision can be.
DECISION_ACTIONS = ("merge", "split", "clarify", "retrain_annotator", "lift_to_parent", "add_other", "collect_more")

_PREDICTION_KEYS = ("method", "coefficient", "before", "se_before", "after", "se_after", "change", "change_ci_low",
                    "change_ci_high", "class_name", "class_kappa_after", "class_se_after", "reason")


@dataclass(frozen=True)
class DecisionCheck:
    """A decision verified on a later delivery: predicted effect vs observed change.

    Attributes
    ----------
    delivery : str
        The later delivery.
    kappa_before, se_before : float
        Fleiss' kappa of the delivery the decision was based on.
    kappa_after, se_after : float
        Fleiss' kappa observed in the later delivery.
    observed_change, observed_ci_low, observed_ci_high : float
        ``kappa_after - kappa_before`` with its Wald interval (independent deliveries).
    predicted_after, predicted_change : float
        What the what-if predicted (NaN when not simulated).
    difference, difference_ci_low, difference_ci_high : float
        Observed minus predicted Fleiss' kappa after the change, :math:`\\kappa_{later} - \\hat\\kappa_{sim}`, with
        the Wald interval :math:`\\pm z\\sqrt{SE_{later}^2 + SE_{sim}^2}` (NaN when not simulated).
    class_name : str or None
        The class whose per-category kappa is followed (merged class, clarified class …).
    class_before, class_after, class_change, class_ci_low, class_ci_high : float
    class_predicted : float
        The followed class's kappa the what-if predicted (a merged class; NaN otherwise).
    verdict : str
        ``as predicted``, ``better than predicted``, ``short of the prediction`` or ``not predicted``.
    outcome : str
        ``improved``, ``no significant change``, ``worse`` or ``cannot be measured``.
    applied : bool or None
        False when the later delivery still uses the classes the decision removed (merge, lift, split).
    notes : tuple of str
    """

    delivery: str
    kappa_before: float
    se_before: float
    kappa_after: float
    se_after: float
    observed_change: float
    observed_ci_low: float
    observed_ci_high: float
    predicted_after: float
    predicted_change: float
    difference: float
    difference_ci_low: float
    difference_ci_high: float
    class_name: str | None
    class_before: float
    class_after: float
    class_change: float
    class_ci_low: float
    class_ci_high: float
    class_predicted: float
    verdict: str
    outcome: str
    applied: bool | None
    notes: tuple[str, ...] = ()

    def sentence(self) -> str:
        """The verification in words."""
        return check_sentence(self)


@dataclass(frozen=True)
class Decision:
    """One entry of the decision log.

    Attributes
    ----------
    id : int
    recorded_at : str
    delivery : str
        The delivery whose evidence prompted it (its name when recorded, kept if it is removed later).
    base_delivery_id : int
    action : str
        One of :data:`DECISION_ACTIONS`.
    classes, annotators, new_classes : tuple of str
        What it concerns (``new_classes``: the merged class, a split's classes, the parent of a lift).
    definition, note, author : str or None
        ``definition``: a clarification's new definition.
    recommendation : dict or None
        The recommendation it came from (rank, action, classes, evidence, expected effect, simulated kappas).
    evidence : str
    prediction : dict
        ``method, coefficient, before, se_before, after, se_after, change, change_ci_low, change_ci_high,
        class_name, class_kappa_after, class_se_after, reason`` (``reason``: why nothing was predicted).
    checks : tuple of DecisionCheck
        Its verification on every later delivery (filled by :meth:`Workspace.decisions` and the history).
    """

    id: int
    recorded_at: str
    delivery: str
    base_delivery_id: int
    action: str
    classes: tuple[str, ...]
    annotators: tuple[str, ...]
    new_classes: tuple[str, ...]
    definition: str | None
    note: str | None
    author: str | None
    recommendation: dict[str, Any] | None
    evidence: str
    prediction: dict[str, Any]
    checks: tuple[DecisionCheck, ...] = field(default=())

    @property
    def title(self) -> str:
        """``merge Shirt + Blouse → Top`` and the like."""
        what = " + ".join(self.classes)
        if self.action == "retrain_annotator":
            what = ", ".join(self.annotators) + (f" on {what}" if what else "")
        if self.new_classes and self.action in ("merge", "split"):
            what += " → " + ", ".join(self.new_classes)
        return f"{self.action.replace('_', ' ')} {what}".strip()

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


def _nan(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else math.nan


def _prediction(**values: Any) -> dict[str, Any]:
    out = {k: None for k in _PREDICTION_KEYS}
    out.update({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()})
    return out


def _simulated_merge(ws: Any, base: str, members: list[str], into: str, confidence_level: float) -> dict:
    from .. import simulate_merge

    aset = ws.load(base)
    missing = [c for c in members if c not in aset.categories]
    if missing:
        raise InvalidParameterError(f"{', '.join(missing)} not classes of delivery '{base}'; its classes: "
                                    f"{', '.join(aset.categories)}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim = simulate_merge(aset, members, into=into, confidence_level=confidence_level)
    row = sim.change("fleiss_kappa")
    after = sim.after.table.set_index("coefficient")
    before = sim.before.table.set_index("coefficient")
    per = sim.after.by_category.set_index("category")
    return _prediction(
        method=f"simulate_merge on '{base}' ({sim.n_changed:,} annotations re-labelled); paired Gwet interval",
        coefficient="fleiss_kappa", before=_nan(row["before"]), se_before=_nan(before.at["fleiss_kappa", "standard_error"]),
        after=_nan(row["after"]), se_after=_nan(after.at["fleiss_kappa", "standard_error"]), change=_nan(row["delta"]),
        change_ci_low=_nan(row["ci_low"]), change_ci_high=_nan(row["ci_high"]), class_name=into,
        class_kappa_after=_nan(per.at[into, "kappa"]) if into in per.index else None,
        class_se_after=_nan(per.at[into, "standard_error"]) if into in per.index else None)


def _under(ws: Any, base: str, parent: str) -> list[str]:
    """The classes of ``base`` under ``parent`` in its taxonomy (the parent too when it is used)."""
    aset = ws.load(base)
    tax = aset.taxonomy
    if tax is None or parent not in tax.names:
        raise InvalidParameterError(f"'{parent}' is not a class of delivery '{base}''s taxonomy"
                                    + ("" if tax is not None else " (it has none: add the delivery with --taxonomy)")
                                    + "; a lift needs the parent class of a hierarchical taxonomy.")
    return [c for c in aset.categories if c == parent or parent in tax.ancestors(c)]


def _from_recommendation(rec: dict[str, Any], base: str, se_before: Any) -> dict[str, Any]:
    if rec.get("kappa_after") is None:
        return _prediction(reason=f"the recommendation carries no simulated effect ({rec.get('expected_effect')})")
    before, after = _nan(rec["kappa_before"]), _nan(rec["kappa_after"])
    return _prediction(
        method=f"the recommendation's simulation on '{base}' (its standard error after the change taken as the "
               "delivery's)", coefficient="fleiss_kappa", before=before, se_before=_nan(se_before), after=after,
        se_after=_nan(se_before), change=after - before, change_ci_low=rec.get("gain_ci_low"),
        change_ci_high=rec.get("gain_ci_high"))


def _base(conn: sa.Connection, delivery: str | None) -> Any:
    d = t.deliveries
    query = sa.select(d.c.id, d.c.name, d.c.report_json, d.c.categories_json)
    row = conn.execute(query.where(d.c.name == delivery) if delivery else query.order_by(d.c.id.desc()).limit(1)).first()
    if row is None:
        raise WorkspaceError(f"No delivery named '{delivery}' in the workspace." if delivery else
                             "The workspace has no delivery yet: record a decision after adding one.")
    return row


def _recommendation(report: dict[str, Any], rank: int, name: str) -> dict[str, Any]:
    section = report["sections"].get("recommendations", {})
    rows = (section.get("data") or {}).get("rows", [])
    match = next((r for r in rows if int(r["rank"]) == int(rank)), None)
    if match is None:
        ranks = ", ".join(str(r["rank"]) for r in rows) or "none"
        raise InvalidParameterError(f"Delivery '{name}' has no recommendation ranked {rank} (ranks: {ranks}).")
    return match


def _texts(values: Sequence[Any] | None, what: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        raise InvalidParameterError(f"{what} must be a list of names, not the text {values!r}.")
    return tuple(str(v).strip() for v in values if str(v).strip())


def record_decision(ws: Any, *, action: str | None = None, classes: Sequence[str] | None = None,
                    annotators: Sequence[str] | None = None, into: str | Sequence[str] | None = None,
                    definition: str | None = None, note: str | None = None, author: str | None = None,
                    delivery: str | None = None, recommendation: int | None = None,
                    confidence_level: float = 0.95) -> Decision:
    """Record a decision (see the module docstring); returns it as stored."""
    with read_connection(ws.engine) as conn:
        base = _base(conn, delivery)
        se_before = conn.execute(sa.select(t.coefficients.c.standard_error).where(
            t.coefficients.c.delivery_id == base.id, t.coefficients.c.coefficient == "fleiss_kappa")).scalar()
    report = json.loads(base.report_json)
    rec = _recommendation(report, recommendation, base.name) if recommendation is not None else None
    if rec is not None:
        action = action or rec["action"]
        classes = classes or rec["classes"]
        annotators = annotators or rec["annotators"]
    if action not in DECISION_ACTIONS:
        raise InvalidParameterError(f"action must be one of {', '.join(DECISION_ACTIONS)}, not {action!r}.")
    names, who = _texts(classes, "classes"), _texts(annotators, "annotators")
    new = _texts([into] if isinstance(into, str) else into, "into")
    categories = json.loads(base.categories_json)
    unknown = [c for c in names if c not in categories and not (action == "lift_to_parent" and c == names[0])]
    if unknown:
        raise InvalidParameterError(f"{', '.join(unknown)}: not classes of delivery '{base.name}' (its classes: "
                                    f"{', '.join(categories)}).")
    prediction = _prediction(reason="not simulated: the effect of this kind of decision cannot be computed from the "
                                    "labels; it is judged on the observed change")
    if action == "merge":
        if len(names) < 2:
            raise InvalidParameterError("A merge needs at least two classes (classes=['A', 'B']).")
        new = new[:1] or ("+".join(names),)
        prediction = _simulated_merge(ws, base.name, list(names), new[0], confidence_level)
    elif action == "lift_to_parent":
        if not names:
            raise InvalidParameterError("A lift needs the parent class first (classes=['Parent', children…]).")
        members = list(names[1:]) + ([names[0]] if names[0] in categories else [])
        if len(names) == 1:
            members = _under(ws, base.name, names[0])
            names = (names[0], *[c for c in members if c != names[0]])
        new = (names[0],)
        prediction = (_simulated_merge(ws, base.name, members, names[0], confidence_level) if len(members) >= 2 else
                      _prediction(reason=f"fewer than two used classes under {names[0]}: nothing to simulate"))
    elif action == "retrain_annotator":
        if not who:
            raise InvalidParameterError("Retraining needs the annotators to retrain (annotators=['ann_c']).")
        if rec is not None:
            prediction = _from_recommendation(rec, base.name, se_before)
        else:
            prediction = _prediction(reason="not simulated: record it from a retrain_annotator recommendation to "
                                            "carry the simulated effect of setting the annotator's swaps right")
    elif action == "clarify":
        if not names or not check_text(definition, "definition", 10_000):
            raise InvalidParameterError("A clarification needs the classes it clarifies (classes=['cat']) and the new definition (definition='…').")
    elif action == "split":
        if len(names) != 1 or len(new) < 2:
            raise InvalidParameterError("A split needs one class and at least two new classes (into=['A1', 'A2']).")
        prediction = _prediction(reason="not simulated: a split's effect depends on each item's new class "
                                        "(simulate_split needs that mapping)")
    elif not names and action != "add_other":
        raise InvalidParameterError(f"A {action} decision needs the classes it concerns (classes=['cat', 'dog']).")
    if prediction.get("before") is None and se_before is not None:
        before = next((c for c in (report["sections"]["agreement"].get("data") or {}).get("coefficients", [])
                       if c["coefficient"] == "fleiss_kappa"), None)
        if before is not None:
            prediction.update(coefficient="fleiss_kappa", before=before["value"], se_before=se_before)
    evidence = (rec or {}).get("evidence") or check_text(note, "note", 10_000) or "recorded by hand"
    values = {"recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "base_delivery_id": base.id,
              "delivery_name": base.name, "action": action, "classes_json": json.dumps(list(names)),
              "annotators_json": json.dumps(list(who)), "new_classes_json": json.dumps(list(new)),
              "definition": check_text(definition, "definition", 10_000), "note": check_text(note, "note", 10_000),
              "author": check_text(author, "author"), "recommendation_json": json.dumps(rec) if rec else None,
              "evidence": evidence, "prediction_json": json.dumps(prediction, allow_nan=False)}
    with write_transaction(ws.engine, timeout=ws.timeout) as conn:
        if conn.execute(sa.select(t.deliveries.c.id).where(t.deliveries.c.id == base.id)).first() is None:
            raise WorkspaceError(f"Delivery '{base.name}' was removed meanwhile; nothing was recorded.")
        decision_id = int(conn.execute(t.decisions.insert().values(**values)).inserted_primary_key[0])
    return next(d for d in ws.decisions(confidence_level=confidence_level) if d.id == decision_id)


def _decision(row: Any) -> Decision:
    return Decision(id=int(row.id), recorded_at=row.recorded_at, delivery=row.delivery_name,
                    base_delivery_id=int(row.base_delivery_id), action=row.action,
                    classes=tuple(json.loads(row.classes_json)), annotators=tuple(json.loads(row.annotators_json)),
                    new_classes=tuple(json.loads(row.new_classes_json)), definition=row.definition, note=row.note,
                    author=row.author,
                    recommendation=json.loads(row.recommendation_json) if row.recommendation_json else None,
                    evidence=row.evidence, prediction=json.loads(row.prediction_json))


def read_decisions_on(conn: sa.Connection) -> list[Decision]:
    return [_decision(r) for r in conn.execute(sa.select(t.decisions).order_by(t.decisions.c.id))]


def read_decisions(ws: Any) -> list[Decision]:
    with read_connection(ws.engine) as conn:
        return read_decisions_on(conn)


def remove_decision(ws: Any, decision_id: int) -> Decision:
    with write_transaction(ws.engine, timeout=ws.timeout) as conn:
        row = conn.execute(sa.select(t.decisions).where(t.decisions.c.id == int(decision_id))).first()
        if row is None:
            raise WorkspaceError(f"No decision #{decision_id} in the workspace; 'aqa decision list' shows them.")
        conn.execute(t.decisions.delete().where(t.decisions.c.id == int(decision_id)))
    return _decision(row)


def _num(v: float, signed: bool = False) -> str:
    return "—" if not (isinstance(v, float) and math.isfinite(v)) else (f"{v:+.3f}" if signed else f"{v:.3f}")


def check_sentence(c: DecisionCheck) -> str:
    """The verification in words."""
    text = (f"In {c.delivery}: Fleiss' kappa {_num(c.kappa_before)} → {_num(c.kappa_after)} "
            f"({_num(c.observed_change, True)}, CI {_num(c.observed_ci_low, True)} to {_num(c.observed_ci_high, True)}: "
            f"{c.outcome})")
    if c.verdict == "not predicted":
        text += "; no predicted effect to compare with"
    else:
        text += (f"; predicted {_num(c.predicted_after)} ({_num(c.predicted_change, True)}), observed − predicted "
                 f"{_num(c.difference, True)} (CI {_num(c.difference_ci_low, True)} to "
                 f"{_num(c.difference_ci_high, True)}): {c.verdict}")
    if c.class_name and math.isfinite(c.class_after):
        if math.isfinite(c.class_before):
            text += (f"; {c.class_name} kappa {_num(c.class_before)} → {_num(c.class_after)}"
                     + (f" ({_num(c.class_change, True)}, CI {_num(c.class_ci_low, True)} to "
                        f"{_num(c.class_ci_high, True)})" if math.isfinite(c.class_change) else ""))
        else:
            text += f"; {c.class_name} kappa {_num(c.class_after)}"
        if math.isfinite(c.class_predicted):
            text += f" (predicted {_num(c.class_predicted)})"
    return text + "." + "".join(f" Note: {n}." for n in c.notes)
