"""Do the decisions point the right way? Pilots with planted defects, scored on what the Overview says first.

Pilots come from ``benchmarks/_pilots.py`` (its docstring describes the simulation): seven defects — an ambiguous
class pair, an annotator who confuses one pair, a careless annotator, an annotator who drifts, a missing class that
drives the Unknown share up in round 2, wrong gold labels, near-duplicate images with conflicting labels — and clean
pilots, at 100, 300 and 1,000 items with 3 and 5 annotators, 20 seeds each.

What is scored
--------------
The Overview's top three problems (:func:`analytics.report.overview.top_problems`, ``n=3``, target 0.8) — each has a
``kind``, an ``action`` and the ``classes``/``annotators``/``items`` it names. A problem is an *action* of kind

* **taxonomy** — ``taxonomy_change`` or ``confused_pair`` whose action is merge, clarify or lift, on its classes;
  ``unknown_share`` (add the missing classes / widen Other);
* **annotator** — ``taxonomy_change``/``confused_pair`` with action ``retrain_annotator``, ``annotator_below_gold_target``,
  ``annotator_below_peers``, ``annotator_drift``, on the annotators it names;
* **gold** — ``gold_suspect`` (review these gold labels);
* **general** — ``weak_classes`` (classes below the target: a pointer to the pair diagnoses, not a remedy of its own).

``agreement_below_target``, ``pilot_too_small`` and ``kappa_paradox`` are the verdict, not actions.

Per defect, *found* = among the top three:

=================  =======================================================================================
ambiguous_pair     a taxonomy action on c0 and c1
confuser           an annotator action naming the confusing annotator
careless           an annotator action naming the careless annotator
drift              ``annotator_drift`` naming the drifting annotator
missing_class      ``unknown_share`` (the Unknown share's rise between rounds)
wrong_gold         ``gold_suspect`` naming at least one of the corrupted gold items
near_duplicates    (the relevant analysis: :func:`analytics.find_near_duplicates` on the embeddings, then
                   :func:`analytics.review_near_duplicates`) the first three pairs with different consensus labels
                   are all planted pairs
=================  =======================================================================================

*Wrong kind* = among the top three, an action that blames the wrong thing: for ambiguous_pair an annotator or gold
action; for confuser a taxonomy action on c2/c3, a gold action or an annotator action naming someone else; for
careless and drift a taxonomy or gold action or an annotator action naming someone else; for missing_class an annotator
or gold action; for wrong_gold an annotator action (the annotators are fine) or a taxonomy action. *False alarm* (clean
pilots) = any action or general finding among the top three, or any conflicting near-duplicate pair.

False alarms are counted as alarms/pilots with a Wilson 95 % interval per cell and pooled over the clean cells
(``--clean-seeds``, 100 by default, so that the ≤ 5 % goal is checked with an interval rather than 20 pilots).

    PYTHONPATH=. python benchmarks/decisions.py [--seeds 20] [--clean-seeds 100] [--sizes 100 300 1000] [--raters 3 5]
        [--jobs 2] [--update] [--without-floors --out DIR]

Writes ``benchmarks/results/decisions_runs.csv`` (one row per pilot; with ``--update`` the rows of the cells not
rerun are kept) and ``decisions_summary.csv``, and prints the summary as Markdown tables.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._pilots import CLASSES, DEFECTS, UNKNOWN, Pilot, make_pilot  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
VERDICT_KINDS = {"agreement_below_target", "agreement_cannot_be_measured", "pilot_too_small", "kappa_paradox"}


def actions(problems) -> list[tuple[str, frozenset, frozenset, str]]:
    """``(category, classes, annotators, kind)`` of every problem that calls for an action."""
    out = []
    for p in problems:
        if p.kind in VERDICT_KINDS:
            continue
        if p.kind in ("taxonomy_change", "confused_pair"):
            category = "annotator" if p.action == "retrain_annotator" else "taxonomy"
        elif p.kind in ("annotator_below_gold_target", "annotator_below_peers", "annotator_drift"):
            category = "annotator"
        elif p.kind == "gold_suspect":
            category = "gold"
        elif p.kind == "weak_classes":
            category = "general"
        else:  # unknown_share
            category = "taxonomy"
        out.append((category, frozenset(p.classes), frozenset(p.annotators), p.kind))
    return out


def judge(pilot: Pilot, problems, review) -> dict:
    """found / wrong kind / false alarm of one pilot (see the module docstring)."""
    acts = actions(problems)
    d, who = pilot.defect, pilot.culprit
    names_other = any(cat == "annotator" and anns - {who} for cat, _, anns, _ in acts)
    found = wrong = alarm = False
    if d == "ambiguous_pair":
        found = any(cat == "taxonomy" and {"c0", "c1"} <= cls for cat, cls, _, _ in acts)
        wrong = any(cat in ("annotator", "gold") for cat, _, _, _ in acts)
    elif d == "confuser":
        found = any(cat == "annotator" and who in anns for cat, _, anns, _ in acts)
        wrong = names_other or any(cat == "gold" or (cat == "taxonomy" and {"c2", "c3"} <= cls)
                                   for cat, cls, _, _ in acts)
    elif d in ("careless", "drift"):
        found = any(cat == "annotator" and who in anns and (d == "careless" or kind == "annotator_drift")
                    for cat, _, anns, kind in acts)
        wrong = names_other or any(cat in ("taxonomy", "gold") for cat, _, _, _ in acts)
    elif d == "missing_class":
        found = any(kind == "unknown_share" for _, _, _, kind in acts)
        wrong = any(cat in ("annotator", "gold") for cat, _, _, _ in acts)
    elif d == "wrong_gold":
        found = any(p.kind == "gold_suspect" and set(p.items) & pilot.wrong_gold_items for p in problems)
        wrong = any(cat in ("annotator", "taxonomy") for cat, _, _, _ in acts)
    elif d == "near_duplicates":
        shown = review.different_consensus.head(3)
        top = {frozenset((a, b)) for a, b in zip(shown["item_a"], shown["item_b"])}
        found = bool(top) and top <= pilot.duplicate_pairs and len(top) == min(3, len(pilot.duplicate_pairs))
    else:  # clean
        alarm = bool(acts) or len(review.different_consensus) > 0
    return {"found": found, "wrong_kind": wrong, "false_alarm": alarm,
            "top3": " | ".join(f"{p.kind}:{p.action}:{'+'.join(p.classes)}:{'+'.join(p.annotators)}"
                               for p in problems)}


def _without_floors() -> None:
    """The rules before the effect-size floors: drift at any significant fall, retrain at any significant excess."""
    import analytics.annotators.drift as drift
    import analytics.taxonomy.pairs as pairs

    drift.accuracy_over_time.__kwdefaults__["min_decline"] = 0.0
    pairs.pair_diagnoses.__kwdefaults__["min_swap_excess"] = 0.0


def run_one(args: tuple) -> dict:
    """One pilot: ``(defect, n_items, raters, seed)``, optionally a fifth ``False`` to score it without the floors
    (in a worker process of its own: the defaults stay changed)."""
    import analytics as aqa
    from analytics.report.overview import top_problems

    defect, n_items, raters, seed = args[:4]
    if len(args) > 4 and not args[4]:
        _without_floors()
    pilot = make_pilot(defect, n_items, raters, seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = aqa.load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
        problems = top_problems(aset, n=3)
        review = None
        if defect in ("near_duplicates", "clean"):
            pairs = aqa.find_near_duplicates(pilot.embeddings, item_ids=list(pilot.item_ids))
            review = aqa.review_near_duplicates(aset, pairs)
    row = {"defect": defect, "n_items": n_items, "raters": raters, "seed": seed,
           "seconds": time.perf_counter() - t0}
    row.update(judge(pilot, problems, review))
    return row


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval of k successes in n trials (Wilson 1927, https://doi.org/10.2307/2276774)."""
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    out = runs.groupby(["defect", "n_items", "raters"], sort=False).agg(
        runs=("seed", "size"), found=("found", "mean"), wrong_kind=("wrong_kind", "mean"),
        false_alarm=("false_alarm", "mean"), alarms=("false_alarm", "sum"), seconds=("seconds", "mean")).reset_index()
    out["alarms"] = out["alarms"].astype(int)
    ci = [wilson(k, n) for k, n in zip(out["alarms"], out["runs"])]
    out["false_alarm_ci_low"], out["false_alarm_ci_high"] = [c[0] for c in ci], [c[1] for c in ci]
    order = {d: k for k, d in enumerate(DEFECTS)}
    return out.sort_values(["defect", "n_items", "raters"], key=lambda s: s.map(order) if s.name == "defect" else s,
                           kind="stable").reset_index(drop=True)


def markdown(summary: pd.DataFrame) -> str:
    lines = ["| defect | items | raters | runs | found in top 3 | wrong kind of action | false alarm |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in summary.itertuples(index=False):
        clean = r.defect == "clean"
        lines.append(f"| {r.defect} | {r.n_items:,} | {r.raters} | {r.runs} | "
                     f"{'—' if clean else f'{r.found:.0%}'} | "
                     f"{'—' if clean or r.defect == 'near_duplicates' else f'{r.wrong_kind:.0%}'} | "
                     f"{f'{r.false_alarm:.0%}' if clean else '—'} |")
    clean = summary[summary["defect"] == "clean"]
    if len(clean):
        lines += ["", "| clean pilots: items | raters | false alarms / pilots | rate | Wilson 95 % interval |",
                  "|---:|---:|---:|---:|---|"]
        for r in clean.itertuples(index=False):
            lines.append(f"| {r.n_items:,} | {r.raters} | {r.alarms} / {r.runs} | {r.false_alarm:.1%} | "
                         f"{r.false_alarm_ci_low:.1%}–{r.false_alarm_ci_high:.1%} |")
        k, n = int(clean["alarms"].sum()), int(clean["runs"].sum())
        lo, hi = wilson(k, n)
        lines.append(f"| pooled | | {k} / {n} | {k / n:.1%} | {lo:.1%}–{hi:.1%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--clean-seeds", type=int, default=100, help="seeds of the clean pilots per cell")
    parser.add_argument("--without-floors", action="store_true",
                        help="score with min_decline=0 and min_swap_excess=0 (the rules before the floors)")
    parser.add_argument("--update", action="store_true",
                        help="keep the rows of the cells not rerun from the existing decisions_runs.csv")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--raters", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--defects", nargs="+", default=list(DEFECTS), choices=DEFECTS)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    tasks = [(d, n, m, s, not args.without_floors) for d in args.defects for n in args.sizes for m in args.raters
             for s in range(args.clean_seeds if d == "clean" else args.seeds)]
    t0 = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(run_one, tasks, chunksize=4))
    else:
        rows = [run_one(t) for t in tasks]
    runs = pd.DataFrame(rows)
    old = args.out / "decisions_runs.csv"
    if args.update and old.exists():
        kept = pd.read_csv(old, keep_default_na=False)
        rerun = {t[:3] for t in tasks}
        kept = kept[[(d, n, m) not in rerun for d, n, m in zip(kept["defect"], kept["n_items"], kept["raters"])]]
        runs = pd.concat([kept, runs], ignore_index=True)
    summary = summarize(runs)
    from analytics._atomic import write_text_atomic

    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "decisions_runs.csv", runs.to_csv(index=False))
    write_text_atomic(args.out / "decisions_summary.csv", summary.to_csv(index=False))
    print(markdown(summary))
    print(f"\n{len(tasks)} pilots in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
