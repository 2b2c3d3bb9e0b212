r"""Verifying decisions on later deliveries: the predicted effect against the observed change.

For a decision based on delivery *B* and every later delivery *L* (plain Python over the history's rows):

* observed change of Fleiss' kappa :math:`\kappa_L - \kappa_B` with the Wald interval
  :math:`\pm z\sqrt{SE_B^2 + SE_L^2}` — ``outcome`` ``improved`` / ``worse`` when it excludes 0, else
  ``no significant change``;
* when the what-if predicted one, the difference between what happened and what was predicted,
  :math:`\kappa_L - \hat\kappa_{sim}` (the simulated kappa after the change on *B*'s items), with the interval
  :math:`\pm z\sqrt{SE_L^2 + SE_{sim}^2}` — ``verdict`` ``as predicted`` when it includes 0, ``better than predicted``
  or ``short of the prediction`` otherwise; ``not predicted`` when nothing was simulated;
* the followed class's per-category kappa (the merged class, the clarified class …) before and after, with its
  Wald interval; for a merge, lift or split, whether *L* still uses the classes the decision removed (``applied``).
"""

from __future__ import annotations

from typing import Any

from ._decisions import Decision, DecisionCheck
from ._stats import NAN, finite, wald_difference

__all__ = ["verify"]


def _followed_class(d: Decision) -> str | None:
    if d.action in ("merge", "lift_to_parent") and d.new_classes:
        return d.new_classes[0]
    if d.action in ("clarify", "collect_more", "add_other") and d.classes:
        return d.classes[0]
    return None


def _removed(d: Decision) -> list[str]:
    if d.action == "merge":
        return [c for c in d.classes if c not in d.new_classes]
    if d.action == "lift_to_parent":
        return list(d.classes[1:])
    if d.action == "split":
        return list(d.classes)
    return []


def _outcome(diff: Any, alpha: float) -> str:
    if not finite(diff.p_two_sided):
        return "cannot be measured"
    if diff.p_two_sided >= alpha:
        return "no significant change"
    return "improved" if diff.difference > 0 else "worse"


def verify(decisions: list[Decision], history: Any) -> tuple[Decision, ...]:
    """The decisions with their :class:`DecisionCheck` on every delivery added after their base delivery."""
    from dataclasses import replace

    cl = history.confidence_level
    alpha = 1.0 - cl
    kappa = {r["delivery"]: r for r in history.agreement if r["coefficient"] == "fleiss_kappa"}
    per_class = {(r["delivery"], r["category"]): r for r in history.per_class}
    labels = {(r["delivery"], r["category"]): r["n_labels"] for r in history.balance}
    out = []
    for d in decisions:
        base = next((x for x in history.deliveries if x.id == d.base_delivery_id), None)
        later = [x for x in history.deliveries if x.id > d.base_delivery_id]
        checks = []
        p = d.prediction
        before = kappa.get(base.name) if base else None
        k0 = before["value"] if before else p.get("before")
        s0 = before["standard_error"] if before else p.get("se_before")
        followed = _followed_class(d)
        c0 = per_class.get((base.name, followed)) if base and followed else None
        for x in later:
            after = kappa.get(x.name)
            k1, s1 = (after["value"], after["standard_error"]) if after else (NAN, NAN)
            observed = wald_difference(k0, s0, k1, s1, cl)
            predicted = p.get("after")
            gap = wald_difference(predicted, p.get("se_after"), k1, s1, cl) if finite(predicted) else None
            verdict = "not predicted"
            if gap is not None and finite(gap.ci_low):
                verdict = ("as predicted" if gap.ci_low <= 0 <= gap.ci_high else
                           "better than predicted" if gap.ci_low > 0 else "short of the prediction")
            elif gap is not None:
                verdict = "cannot be measured"
            c1 = per_class.get((x.name, followed)) if followed else None
            cls = wald_difference(c0["kappa"] if c0 else None, c0["standard_error"] if c0 else None,
                                  c1["kappa"] if c1 else None, c1["standard_error"] if c1 else None, cl)
            still = [c for c in _removed(d) if labels.get((x.name, c), 0) > 0]
            notes = []
            if still:
                notes.append(f"{x.name} still uses {', '.join(still)} "
                             f"({', '.join(str(labels[(x.name, c)]) for c in still)} labels): the decision does not "
                             "look applied yet")
            if followed and c1 is None:
                notes.append(f"{x.name} has no class {followed}")
            for who in d.annotators:
                g0 = next((r for r in history.gold if r["delivery"] == (base.name if base else None)
                           and r["annotator_id"] == who), None)
                g1 = next((r for r in history.gold if r["delivery"] == x.name and r["annotator_id"] == who), None)
                if g0 and g1:
                    notes.append(f"{who}'s gold accuracy {100 * g0['accuracy']:.0f}% → {100 * g1['accuracy']:.0f}%"
                                 f"{' (fell significantly)' if g1['fell'] else ''}")
            checks.append(DecisionCheck(
                delivery=x.name, kappa_before=_f(k0), se_before=_f(s0), kappa_after=_f(k1), se_after=_f(s1),
                observed_change=observed.difference, observed_ci_low=observed.ci_low,
                observed_ci_high=observed.ci_high, predicted_after=_f(predicted), predicted_change=_f(p.get("change")),
                difference=gap.difference if gap else NAN, difference_ci_low=gap.ci_low if gap else NAN,
                difference_ci_high=gap.ci_high if gap else NAN, class_name=followed,
                class_before=_f(c0["kappa"] if c0 else None), class_after=_f(c1["kappa"] if c1 else None),
                class_change=cls.difference, class_ci_low=cls.ci_low, class_ci_high=cls.ci_high,
                class_predicted=_f(p.get("class_kappa_after")),
                verdict=verdict, outcome=_outcome(observed, alpha),
                applied=(not still) if _removed(d) else None, notes=tuple(notes)))
        out.append(replace(d, checks=tuple(checks)))
    return tuple(out)


def _f(v: Any) -> float:
    return float(v) if finite(v) else NAN
