"""``aqa history``: trends across the deliveries of a workspace, each with its interval and change."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..exceptions import AnnotationQAError
from ._workspace_args import add_workspace_option, fail_workspace, fmt, interval, table

EXAMPLES = """examples:
  aqa history --workspace pilot.aqa
  aqa history --workspace pilot.aqa --last 3 --alarm-points 10
  aqa history --workspace postgresql://qa@db.internal/annotation_qa --json > history.json

Changes are against the previous delivery: a coefficient or class kappa 'drop'/'rise' is a one-sided z-test at
1 - confidence level (deliveries as independent samples); an annotator's gold accuracy 'fell' is a one-sided
Fisher exact test, Holm-corrected across the delivery's annotators; the Unknown share raises an alarm when it
grows by more than --alarm-points percentage points (the seed's rule). Hotspots opened/closed follow
'aqa report' round-over-round rule.
"""

_ARROW = {"drop": "↓", "rise": "↑"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="trends across the deliveries of a workspace",
                       description="Print agreement (every coefficient), per-class kappa, per-annotator gold "
                                   "accuracy, the Unknown share with its growth alarm, class balance and hotspots "
                                   "opened/closed across the deliveries of a workspace, with intervals.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_workspace_option(p)
    p.add_argument("--last", type=int, default=6, metavar="N",
                   help="deliveries shown as columns in the per-class, gold and balance tables (default 6)")
    p.add_argument("--confidence-level", type=float, default=0.95, help="of intervals and tests (default 0.95)")
    p.add_argument("--alarm-points", type=float, default=5.0, help="Unknown-share rise that raises the alarm (default 5)")
    p.add_argument("--require-significance", action="store_true",
                   help="an Unknown alarm also needs the one-sided two-proportion test to reject (else 'watch')")
    p.add_argument("--json", action="store_true", help="print every trend table as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..workspace import open_workspace

    if args.last < 1:
        return fail_workspace(ValueError("--last must be at least 1."))
    try:
        with open_workspace(args.workspace) as ws:
            history = ws.history(confidence_level=args.confidence_level, alarm_points=args.alarm_points,
                                 require_significance=args.require_significance)
            where = ws.url
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    if args.json:
        print(json.dumps(history.to_dict(), indent=1, ensure_ascii=False, allow_nan=False))
        return 0
    print("\n".join(history_lines(history, where, last=args.last)))
    return 0


def history_lines(history: Any, where: str, *, last: int = 6) -> list[str]:
    """The text report of a :class:`~analytics.workspace.History`."""
    ds = history.deliveries
    if not ds:
        return [f"Workspace {where}: no delivery yet. Add one with: aqa add FILE --workspace {where}"]
    cl = f"{history.confidence_level:.0%}"
    total = sum(d.n_annotations for d in ds)
    out = [f"Workspace {where}: {len(ds)} deliver{'y' if len(ds) == 1 else 'ies'}, {total:,} annotations "
           f"({ds[0].added_at[:10]} … {ds[-1].added_at[:10]}).", ""]
    out += _deliveries(ds) + [""] + _agreement(history, cl) + [""]
    shown = [d.name for d in ds[-last:]]
    more = f" — the last {len(shown)} of {len(ds)} deliveries; --last N or --json for more" if len(ds) > len(shown) else ""
    out += _per_class(history, shown, cl, more) + [""] + _gold(history, shown, cl, more) + [""]
    out += _unknown(history, cl) + [""] + _balance(history, shown, more) + [""] + _hotspots(history) + [""]
    out += _decisions(history) + _verdicts(history)
    return out


def _deliveries(ds: Any) -> list[str]:
    rows = [[k, d.name, d.added_at[:16].replace("T", " "), d.vendor or "—", d.guideline_version or "—", d.n_items,
             d.n_new_items, d.n_annotations, d.n_annotators, d.n_gold_items]
            for k, d in enumerate(ds, start=1)]
    return ["Deliveries"] + table(["#", "delivery", "added (UTC)", "vendor", "guideline", "items", "new items",
                                   "annotations", "annotators", "gold items"], [[fmt(c) for c in r] for r in rows])


def _agreement(h: Any, cl: str) -> list[str]:
    coefs = list(dict.fromkeys(r["coefficient"] for r in h.agreement))
    labels = {r["coefficient"]: r["label"] for r in h.agreement}
    cell = {(r["delivery"], r["coefficient"]): r for r in h.agreement}
    rows = []
    for d in h.deliveries:
        row = [d.name]
        for c in coefs:
            r = cell.get((d.name, c))
            row.append("—" if r is None else interval(r["value"], r["ci_low"], r["ci_high"]) + _ARROW.get(r["status"], ""))
        p = cell.get((d.name, d.primary_coefficient)) if d.primary_coefficient else None
        row.append("—" if p is None or p["previous"] is None else
                   f"{interval(p['change'], p['change_ci_low'], p['change_ci_high'])} {p['status']}")
        rows.append(row)
    head = [labels[c] + ("*" if any(d.primary_coefficient == c for d in h.deliveries) else "") for c in coefs]
    return ([f"Agreement ({cl} CI; ↓/↑ a significant drop/rise vs the previous delivery; * the primary coefficient)"]
            + table(["delivery"] + head + ["primary Δ (CI)"], rows))


def _matrix(rows: list[dict], key: str, shown: list[str], render: Any) -> list[list[str]]:
    cell = {(r[key], r["delivery"]): r for r in rows if r["delivery"] in shown}
    keys = list(dict.fromkeys(r[key] for r in rows if r["delivery"] in shown))
    return [[k] + [render(cell[(k, d)]) if (k, d) in cell else "—" for d in shown] for k in keys]


def _per_class(h: Any, shown: list[str], cl: str, more: str) -> list[str]:
    if not h.per_class:
        return ["Per-class kappa: none (no agreement per category could be computed)."]
    rows = _matrix(list(h.per_class), "category", shown,
                   lambda r: interval(r["kappa"], r["ci_low"], r["ci_high"]) + _ARROW.get(r["status"], ""))
    return [f"Per-class kappa ({cl} CI; ↓/↑ significant change vs the previous delivery{more})"] + table(
        ["class"] + shown, rows)


def _gold(h: Any, shown: list[str], cl: str, more: str) -> list[str]:
    if not h.gold:
        return ["Gold accuracy per annotator: no delivery has gold labels (add them with --gold)."]
    rows = _matrix(list(h.gold), "annotator_id", shown,
                   lambda r: f"{r['n_correct']}/{r['n_gold']} {100 * r['accuracy']:.0f}%" + ("↓" if r["fell"] else ""))
    out = [f"Gold accuracy per annotator (correct/gold; ↓ fell significantly{more})"] + table(["annotator"] + shown, rows)
    for r in h.gold_falls:
        out.append(f"  FELL {r['annotator_id']} in {r['delivery']}: {100 * r['previous_accuracy']:.1f}% in "
                   f"{r['previous']} → {100 * r['accuracy']:.1f}% ({cl} CI {100 * r['ci_low']:.1f}–"
                   f"{100 * r['ci_high']:.1f}%), one-sided Fisher p = {r['p_fall']:.3g}, Holm {r['p_adjusted']:.3g}")
    return out


def _unknown(h: Any, cl: str) -> list[str]:
    if all(r["status"] == "not measured" for r in h.unknown):
        return ["Unknown/Other share: no delivery has an Unknown/Other class (flag one with 'unknown: true' in the "
                "taxonomy)."]
    rows = [[r["delivery"], r["unknown_label"] or "—", fmt(r["n_unknown"]),
             interval(r["share"], r["ci_low"], r["ci_high"], percent=True),
             "—" if r["change_points"] != r["change_points"] else f"{r['change_points']:+.1f}",
             fmt(r["p_value"]), r["status"]] for r in h.unknown]
    rule = f"alarm: a rise of more than {h.alarm_points:g} points" + (
        " that the one-sided two-proportion test confirms" if h.require_significance else "")
    return [f"Unknown/Other share ({cl} Wilson CI; {rule})"] + table(
        ["delivery", "class", "labels", "share", "Δ points", "p (rise)", "status"], rows)


def _balance(h: Any, shown: list[str], more: str) -> list[str]:
    rows = _matrix(list(h.balance), "category", shown, lambda r: f"{100 * r['share']:.1f}%")
    return [f"Class balance (share of labels{more})"] + table(["class"] + shown, rows)


def _hotspots(h: Any) -> list[str]:
    moved = list(h.hotspots)
    if not moved:
        return ["Hotspots: no class pair was a hotspot of two consecutive deliveries' comparison."]
    rows = [[r["delivery"], f"{r['class_a']} / {r['class_b']}", r["status"],
             f"{100 * r['rate_before']:.1f}% → {100 * r['rate_after']:.1f}%", fmt(r["p_adjusted"])] for r in moved]
    return [f"Hotspots closed / improved / persisting / worse / opened (top {h.top} pairs, ≥ {h.min_items} items; "
            "rate = items where both classes were used; Fisher exact test, Holm-adjusted p)"] + table(
        ["delivery", "pair", "status", "rate", "Holm p"], rows)


def _decisions(h: Any) -> list[str]:
    if not h.decisions:
        return []
    from .decision import decision_lines

    out = ["Decisions (predicted effect vs what later deliveries show)"]
    for d in h.decisions:
        out += ["  " + line for line in decision_lines(d)]
    return out + [""]


def _verdicts(h: Any) -> list[str]:
    out = []
    for r in h.regressions:
        out.append(f"REGRESSION {r['delivery']}: {r['label']} {r['value']:.3f} vs {r['previous']} "
                   f"({r['change']:+.3f}, one-sided p = {r['p_drop']:.3g}).")
    for r in h.unknown_alarms:
        out.append(f"ALARM Unknown share in {r['delivery']}: {100 * r['share']:.1f}% ({r['change_points']:+.1f} "
                   "points) — a growing Unknown share points to a taxonomy gap.")
    if h.gold_falls:
        out.append(f"FELL {len(h.gold_falls)} annotator gold accurac{'y' if len(h.gold_falls) == 1 else 'ies'} "
                   "(listed above).")
    return out or ["No significant regression, no gold-accuracy fall, no Unknown alarm."]
