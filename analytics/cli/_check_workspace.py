"""``aqa check --workspace W --no-regression``: the gates of a delivery against the delivery before it."""

from __future__ import annotations

import argparse
import json
import warnings
from typing import Any

from ..exceptions import AnnotationQAError, InvalidParameterError
from ._inputs import fail, load_from_args
from ._workspace_args import fail_workspace

__all__ = ["run_workspace_check"]

_GATES = ("min_kappa", "min_alpha", "min_gold_accuracy", "max_unknown_share", "max_flagged_annotators")


def _candidate(ws: Any, aset: Any, coefficient: str | None, confidence_level: float) -> Any:
    """The no-regression gate of a batch not yet in the workspace against the workspace's last delivery."""
    from ..agreement import agreement_summary
    from ..exceptions import UndefinedMetricWarning
    from ..workspace._regression import _not_evaluable, compare_estimates

    deliveries = ws.deliveries()
    if not deliveries:
        return _not_evaluable("The workspace has no delivery yet: there is nothing to compare the batch with.",
                              confidence_level, "the batch")
    last = deliveries[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        summary = agreement_summary(aset, confidence_level=confidence_level, by_round=False)
    table = summary.table.set_index("coefficient")
    name = coefficient or summary.primary
    history = ws.history(confidence_level=confidence_level)
    stored = next((r for r in history.agreement if r["delivery"] == last.name and r["coefficient"] == name), None)
    if stored is None or name not in table.index:
        where = f"'{last.name}'" if stored is None else "the batch"
        return _not_evaluable(f"{where} has no {name}; choose a coefficient both have with --coefficient.",
                              confidence_level, "the batch", last.name)
    return compare_estimates(delivery="the batch", previous=last.name, coefficient=name,
                             label=str(table.at[name, "label"]), before=(stored["value"], stored["standard_error"]),
                             after=(float(table.at[name, "value"]), float(table.at[name, "standard_error"])),
                             confidence_level=confidence_level)


def run_workspace_check(args: argparse.Namespace) -> int:
    from .. import check_gates
    from ..workspace import open_workspace

    gates_given = [g for g in _GATES if getattr(args, g) is not None]
    if not args.workspace:
        return fail(InvalidParameterError("--no-regression, --delivery and --coefficient need --workspace W."))
    if not args.no_regression:
        return fail(InvalidParameterError("With --workspace, give --no-regression (the gate against the previous "
                                          "delivery)."))
    if args.annotations and args.delivery:
        return fail(InvalidParameterError("Give either ANNOTATIONS (a batch not yet added) or --delivery NAME."))
    if gates_given and not args.annotations:
        return fail(InvalidParameterError(
            f"{', '.join('--' + g.replace('_', '-') for g in gates_given)} check a batch file: give ANNOTATIONS "
            "(the stored deliveries' reports already hold these numbers: aqa workspace show NAME)."))
    gates = None
    try:
        aset = load_from_args(args) if args.annotations else None
        if aset is not None and gates_given:
            gates = check_gates(aset, min_kappa=args.min_kappa, min_alpha=args.min_alpha,
                                min_gold_accuracy=args.min_gold_accuracy, max_unknown_share=args.max_unknown_share,
                                max_flagged_annotators=args.max_flagged_annotators,
                                use_lower_bound=args.use_lower_bound, gold_target=args.gold_target,
                                confidence_level=args.confidence_level)
    except (AnnotationQAError, OSError) as exc:
        return fail(exc)
    try:
        with open_workspace(args.workspace) as ws:
            if aset is not None:
                check = _candidate(ws, aset, args.coefficient, args.confidence_level)
            else:
                check = ws.check_no_regression(delivery=args.delivery, coefficient=args.coefficient,
                                               confidence_level=args.confidence_level)
    except AnnotationQAError as exc:
        return fail_workspace(exc)
    codes = [check.exit_code] + ([gates.exit_code] if gates is not None else [])
    code = 2 if 2 in codes else max(codes)
    if args.json:
        out = {"no_regression": check.to_dict(), "exit_code": code}
        if gates is not None:
            out["gates"] = gates.to_dict()
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return code
    for line in (gates.lines() if gates is not None else []):
        print(line)
    print(check.line())
    print({0: "Result: PASS.", 1: "Result: FAIL.", 2: "Result: ERROR (a gate could not be evaluated)."}[code])
    return code
