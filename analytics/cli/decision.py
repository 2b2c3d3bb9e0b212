"""``aqa decision record|list|remove``: the log of taxonomy and guideline decisions, verified on later deliveries."""

from __future__ import annotations

import argparse
import json

from ..exceptions import AnnotationQAError, InvalidParameterError
from ._workspace_args import add_workspace_option, fail_workspace

EXAMPLES = """examples:
  aqa decision record -w pilot.aqa --recommendation 1                 # the last delivery's top recommendation
  aqa decision record -w pilot.aqa --merge Shirt,Blouse --into Top --note "guideline v3"
  aqa decision record -w pilot.aqa --clarify Sneakers --definition "Soft sole, laces; no open toe"
  aqa decision record -w pilot.aqa --retrain ann_c --classes Sneakers,Sandals --delivery week-3
  aqa decision record -w pilot.aqa --split Bag --into Handbag,Tote
  aqa decision list -w pilot.aqa
  aqa decision remove 3 -w pilot.aqa

A merge or lift is simulated on the delivery's stored annotations (Fleiss' kappa after the change, with its
interval); a retraining recorded from a recommendation carries that recommendation's simulated effect. Every
later delivery verifies the decision: the observed change (with its interval), and observed minus predicted
kappa with its interval — 'as predicted', 'better than predicted' or 'short of the prediction'.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("decision", help="record taxonomy/guideline decisions and verify them on later deliveries",
                       description="The decision log of a workspace.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    rec = actions.add_parser("record", help="record a decision (from a recommendation, or by hand)",
                             epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_workspace_option(rec)
    what = rec.add_mutually_exclusive_group(required=True)
    what.add_argument("--recommendation", type=int, metavar="RANK",
                      help="follow the delivery's recommendation of this rank (aqa workspace show NAME lists them)")
    what.add_argument("--merge", metavar="A,B", help="merge these classes")
    what.add_argument("--split", metavar="C", help="split this class (give --into C1,C2)")
    what.add_argument("--clarify", metavar="C", help="clarify this class's definition (give --definition)")
    what.add_argument("--retrain", metavar="ANNOTATOR", help="retrain this annotator (optionally --classes A,B)")
    what.add_argument("--lift", metavar="PARENT", help="label every class under PARENT as PARENT")
    what.add_argument("--add-other", dest="add_other", action="store_true", help="add an Unknown/Other class")
    what.add_argument("--collect-more", dest="collect_more", metavar="C", help="collect more items of this class")
    rec.add_argument("--into", metavar="NAME[,NAME]", help="the merged class's name, or a split's new classes")
    rec.add_argument("--definition", metavar="TEXT", help="the clarified class's new definition")
    rec.add_argument("--classes", metavar="A,B", help="classes a retraining concerns")
    rec.add_argument("--delivery", metavar="NAME", help="the delivery whose evidence prompted it (default: the last)")
    rec.add_argument("--note", metavar="TEXT", help="why, in your words")
    rec.add_argument("--author", metavar="NAME", help="who decided")
    rec.add_argument("--json", action="store_true", help="print the recorded decision as JSON")
    rec.set_defaults(handler=run_record)
    ls = actions.add_parser("list", help="the log, each decision verified on the later deliveries")
    add_workspace_option(ls)
    ls.add_argument("--json", action="store_true", help="print as JSON")
    ls.set_defaults(handler=run_list)
    rm = actions.add_parser("remove", help="delete a decision from the log")
    rm.add_argument("id", type=int, metavar="ID")
    add_workspace_option(rm)
    rm.set_defaults(handler=run_remove)


def _names(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def _spec(args: argparse.Namespace) -> dict:
    if args.recommendation is not None:
        return {"recommendation": args.recommendation}
    if args.merge:
        return {"action": "merge", "classes": _names(args.merge), "into": args.into}
    if args.split:
        return {"action": "split", "classes": [args.split], "into": _names(args.into)}
    if args.clarify:
        return {"action": "clarify", "classes": [args.clarify], "definition": args.definition}
    if args.retrain:
        return {"action": "retrain_annotator", "annotators": [args.retrain], "classes": _names(args.classes)}
    if args.lift:
        return {"action": "lift_to_parent", "classes": [args.lift]}
    if args.add_other:
        return {"action": "add_other", "classes": []}
    return {"action": "collect_more", "classes": [args.collect_more]}


def run_record(args: argparse.Namespace) -> int:
    from ..workspace import open_workspace

    try:
        spec = _spec(args)
        if args.into and "into" not in spec:
            raise InvalidParameterError("--into goes with --merge or --split.")
        with open_workspace(args.workspace) as ws:
            decision = ws.record_decision(**spec, delivery=args.delivery, note=args.note, author=args.author)
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    if args.json:
        print(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print("\n".join(decision_lines(decision)))
    return 0


def decision_lines(d) -> list[str]:
    """One decision and its verifications, in words (also used by aqa history and aqa add)."""
    p = d.prediction
    lines = [f"#{d.id} {d.title} — based on '{d.delivery}', recorded {d.recorded_at[:16].replace('T', ' ')}"
             + (f" by {d.author}" if d.author else "")]
    if d.definition:
        lines.append(f"  new definition: {d.definition}")
    if d.recommendation:
        lines.append(f"  from recommendation #{d.recommendation['rank']}: {d.recommendation['expected_effect']}")
    lines.append(f"  evidence: {d.evidence}")
    if d.note and d.note != d.evidence:
        lines.append(f"  note: {d.note}")
    if p.get("after") is not None:
        lines.append(f"  predicted: Fleiss' kappa {p['before']:.3f} → {p['after']:.3f} ({p['change']:+.3f}"
                     + (f", CI {p['change_ci_low']:+.3f} to {p['change_ci_high']:+.3f}" if p.get("change_ci_low")
                        is not None else "") + f"); {p['method']}")
    else:
        lines.append(f"  predicted: nothing — {p.get('reason')}")
    if not d.checks:
        lines.append("  verification: waiting for the next delivery")
    lines += [f"  {c.sentence()}" for c in d.checks]
    return lines


def run_list(args: argparse.Namespace) -> int:
    from ..workspace import open_workspace

    try:
        with open_workspace(args.workspace) as ws:
            decisions, where = ws.decisions(), ws.url
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    if args.json:
        print(json.dumps([d.to_dict() for d in decisions], indent=2, ensure_ascii=False))
        return 0
    if not decisions:
        print(f"Workspace {where}: no decision recorded yet (aqa decision record --help).")
        return 0
    for d in decisions:
        print("\n".join(decision_lines(d)))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from ..workspace import open_workspace

    try:
        with open_workspace(args.workspace) as ws:
            decision = ws.remove_decision(args.id)
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    print(f"Removed decision #{decision.id} ({decision.title}).")
    return 0
