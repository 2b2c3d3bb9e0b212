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

*Unfounded alarm* (clean pilots) = a false alarm not borne out by the pilot's truth. A clean pilot has no planted
defect, but its classes' true agreement (:attr:`Pilot.true_class_kappa`, Fleiss' kappa in the population of its
items, :func:`~benchmarks._pilots.population_class_kappa`) falls below the 0.8 target for some small class in about
a fifth of them; naming such a class is a detection, not a false alarm. An alarm is *founded* when every action or
finding among the top three names a class truly below the target — a weak-classes finding every class it lists, a
taxonomy action at least one of its classes — and *unfounded* otherwise (any annotator or gold action, an Unknown
share, a near-duplicate conflict, or a class whose true kappa meets the target). Both counts are reported; the
strict one is the ``false_alarm`` column.

False alarms are counted as alarms/pilots with a Wilson 95 % interval per cell and pooled over the clean cells
(``--clean-seeds``, 100 by default, so that the ≤ 5 % goal is checked with an interval rather than 20 pilots).

    PYTHONPATH=. python benchmarks/decisions.py [--seeds 20] [--clean-seeds 100] [--sizes 100 300 1000] [--raters 3 5]
        [--jobs 2] [--update] [--without-floors --out DIR]
    # more clean seeds, continuing after the first 100 (which stay the same pilots):
    PYTHONPATH=. python benchmarks/decisions.py --defects clean --clean-seeds 400 --first-clean-seed 100 --update
    PYTHONPATH=. python benchmarks/decisions.py --alarm-kinds   # what the clean-pilot alarms are

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


def founded(acts: list[tuple[str, frozenset, frozenset, str]], true_kappa: dict, target: float = 0.8) -> bool:
    """Whether every action (:func:`actions`) names a class whose true kappa is below ``target``: a weak-classes
    finding all the classes it lists, a taxonomy action at least one of its classes (see the module docstring)."""
    weak = {c for c, k in true_kappa.items() if k < target}
    for category, classes, _, kind in acts:
        if category == "general" and not (classes and classes <= weak):
            return False
        if category == "taxonomy" and (kind == "unknown_share" or not classes & weak):
            return False
        if category in ("annotator", "gold"):
            return False
    return bool(acts)


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
    conflict = d == "clean" and len(review.different_consensus) > 0
    unfounded = alarm and (conflict or not founded(acts, pilot.true_class_kappa))
    return {"found": found, "wrong_kind": wrong, "false_alarm": alarm, "unfounded_alarm": unfounded,
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
        false_alarm=("false_alarm", "mean"), alarms=("false_alarm", "sum"), unfounded_alarm=("unfounded_alarm", "mean"),
        unfounded_alarms=("unfounded_alarm", "sum"), seconds=("seconds", "mean")).reset_index()
    for col in ("alarms", "unfounded_alarms"):
        out[col] = out[col].astype(int)
        ci = [wilson(k, n) for k, n in zip(out[col], out["runs"])]
        name = "false_alarm" if col == "alarms" else "unfounded_alarm"
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = [c[0] for c in ci], [c[1] for c in ci]
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
        lines += ["", "| clean pilots: items | raters | false alarms / pilots | rate | Wilson 95 % interval "
                      "| unfounded (truth-aware) | rate | Wilson 95 % interval |",
                  "|---:|---:|---:|---:|---|---:|---:|---|"]
        for r in clean.itertuples(index=False):
            lines.append(f"| {r.n_items:,} | {r.raters} | {r.alarms} / {r.runs} | {r.false_alarm:.1%} | "
                         f"{r.false_alarm_ci_low:.1%}–{r.false_alarm_ci_high:.1%} | {r.unfounded_alarms} / {r.runs} | "
                         f"{r.unfounded_alarm:.1%} | {r.unfounded_alarm_ci_low:.1%}–{r.unfounded_alarm_ci_high:.1%} |")
        n = int(clean["runs"].sum())
        cells = []
        for col in ("alarms", "unfounded_alarms"):
            k = int(clean[col].sum())
            lo, hi = wilson(k, n)
            cells.append(f"{k} / {n} | {k / n:.1%} | {lo:.1%}–{hi:.1%}")
        lines.append(f"| pooled | | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def _alarm_tags(row) -> list[str]:
    """What one clean-pilot alarm is (sorted, each once), from its top three (a clarify of one class counts as a weak
    class) and, for a pair's clarify or merge, the pair's diagnosis recomputed as the Overview computes it
    (``untold cause`` = *not enough evidence* with the untold-cause clarify)."""
    from analytics.taxonomy._pairstats import units
    from analytics.taxonomy.pairs import pair_diagnoses

    tags, diag = [], None
    for part in filter(None, str(row["top3"]).split(" | ")):
        kind, action, classes, annotators = part.split(":")
        classes = [c for c in classes.split("+") if c]
        if kind in VERDICT_KINDS:
            continue
        if kind == "weak_classes" or (action == "clarify" and len(classes) == 1):
            tags.append("weak class")
        elif action == "retrain_annotator":
            tags.append("retrain")
        elif kind in ("taxonomy_change", "confused_pair") and len(classes) == 2:
            if diag is None:
                import analytics as aqa

                pilot = make_pilot("clean", int(row["n_items"]), int(row["raters"]), int(row["seed"]))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    aset = aqa.load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
                    diag = pair_diagnoses(units(aset, "top_problems"))
            d = str(diag.of(*classes)["diagnosis"])
            tags.append(f"{action or kind} pair ({'untold cause' if d == 'not_enough_evidence' else d})")
        else:
            tags.append({"annotator_drift": "drift", "annotator_below_peers": "peer", "gold_suspect": "suspect gold",
                         "annotator_below_gold_target": "below gold target",
                         "unknown_share": "Unknown share"}.get(kind, f"{kind}:{action}"))
    return sorted(set(tags))


def alarm_kinds(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per clean pilot with an alarm: its cell, seed, top three and ``kind`` (its tags joined by " + ",
    ``near-duplicate conflict`` when no action was shown but a near-duplicate pair's labels conflict)."""
    alarms = runs[(runs["defect"] == "clean") & runs["false_alarm"].astype(str).eq("True")]
    out = alarms[["n_items", "raters", "seed", "top3"]].copy()
    out["kind"] = [" + ".join(_alarm_tags(r)) or "near-duplicate conflict" for _, r in alarms.iterrows()]
    return out.reset_index(drop=True)


def alarm_markdown(kinds: pd.DataFrame, runs: pd.DataFrame) -> str:
    """Alarm pilots per kind and clean cell (Markdown)."""
    clean = runs[runs["defect"] == "clean"]
    cells = list(clean.groupby(["n_items", "raters"], sort=True).size().items())
    lines = ["| alarm | " + " | ".join(f"{n:,} × {m}" for (n, m), _ in cells) + " | all |",
             "|---|" + "---:|" * (len(cells) + 1)]
    for kind, grp in sorted(kinds.groupby("kind"), key=lambda kv: -len(kv[1])):
        per = [int(((grp["n_items"] == n) & (grp["raters"] == m)).sum()) for (n, m), _ in cells]
        lines.append(f"| {kind} | " + " | ".join(map(str, per)) + f" | {len(grp)} |")
    per = [int(((kinds["n_items"] == n) & (kinds["raters"] == m)).sum()) for (n, m), _ in cells]
    lines.append("| **all alarms** | " + " | ".join(f"{k} / {size}" for k, ((_, _), size) in zip(per, cells))
                 + f" | {len(kinds)} / {len(clean)} |")
    return "\n".join(lines)


def _kept_rows(path: Path, tasks: list[tuple], first_clean_seed: int) -> pd.DataFrame:
    """The rows of ``path`` to keep with ``--update``: those of the cells not rerun, and of a rerun clean cell the
    seeds below ``first_clean_seed`` (which must all be there: seeds 0 .. first_clean_seed - 1, once each)."""
    kept = pd.read_csv(path, keep_default_na=False)
    if "unfounded_alarm" not in kept.columns:
        raise SystemExit(f"{path} predates the unfounded_alarm column; rerun without --update")
    for col in ("found", "wrong_kind", "false_alarm", "unfounded_alarm"):
        kept[col] = kept[col].astype(str).map({"True": True, "False": False})
    rerun = {t[:3] for t in tasks}
    in_rerun = np.array([(d, n, m) in rerun for d, n, m in zip(kept["defect"], kept["n_items"], kept["raters"])],
                        dtype=bool)
    earlier = (kept["defect"] == "clean").to_numpy() & (kept["seed"] < first_clean_seed).to_numpy()
    kept = kept[~in_rerun | earlier]
    for d, n, m in sorted(c for c in rerun if c[0] == "clean" and first_clean_seed):
        seeds = sorted(kept.loc[(kept["defect"] == d) & (kept["n_items"] == n) & (kept["raters"] == m), "seed"])
        if seeds != list(range(first_clean_seed)):
            raise SystemExit(f"{path}: the clean cell {n} items x {m} raters holds seeds {seeds[:5]}... "
                             f"({len(seeds)} rows), not 0 .. {first_clean_seed - 1}; rerun it from seed 0 "
                             "(--first-clean-seed 0)")
    return kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--clean-seeds", type=int, default=100, help="seeds of the clean pilots per cell")
    parser.add_argument("--first-clean-seed", type=int, default=0,
                        help="run only the clean seeds from this one on (with --update: seeds 0 .. this - 1 of each "
                             "clean cell are kept from decisions_runs.csv, so the clean rows stay seeds 0 .. "
                             "--clean-seeds - 1)")
    parser.add_argument("--without-floors", action="store_true",
                        help="score with min_decline=0 and min_swap_excess=0 (the rules before the floors)")
    parser.add_argument("--update", action="store_true",
                        help="keep the rows of the cells not rerun from the existing decisions_runs.csv")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--raters", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--defects", nargs="+", default=list(DEFECTS), choices=DEFECTS)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--alarm-kinds", action="store_true",
                        help="run nothing: classify the clean-pilot alarms of the runs file in --out, write "
                             "decisions_clean_alarms.csv and print their kinds per cell")
    args = parser.parse_args(argv)
    if args.alarm_kinds:
        from analytics._atomic import write_text_atomic

        runs = pd.read_csv(args.out / "decisions_runs.csv", keep_default_na=False)
        kinds = alarm_kinds(runs)
        write_text_atomic(args.out / "decisions_clean_alarms.csv", kinds.to_csv(index=False))
        print(alarm_markdown(kinds, runs))
        return
    first = args.first_clean_seed
    if not 0 <= first < args.clean_seeds:
        parser.error(f"--first-clean-seed {first} must be in 0 .. --clean-seeds - 1 ({args.clean_seeds - 1})")
    if first and not args.update:
        parser.error(f"--first-clean-seed {first} needs --update (seeds 0 .. {first - 1} come from the runs file)")
    tasks = [(d, n, m, s, not args.without_floors) for d in args.defects for n in args.sizes for m in args.raters
             for s in (range(first, args.clean_seeds) if d == "clean" else range(args.seeds))]
    old = args.out / "decisions_runs.csv"
    kept = _kept_rows(old, tasks, first) if args.update and old.exists() else None
    if first and kept is None:
        parser.error(f"--first-clean-seed {first} needs the earlier clean seeds in {old}, which does not exist")
    t0 = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(run_one, tasks, chunksize=4))
    else:
        rows = [run_one(t) for t in tasks]
    runs = pd.DataFrame(rows)
    if kept is not None:
        order = {d: k for k, d in enumerate(DEFECTS)}
        runs = pd.concat([kept, runs], ignore_index=True).sort_values(
            ["defect", "n_items", "raters", "seed"], key=lambda s: s.map(order) if s.name == "defect" else s,
            kind="stable").reset_index(drop=True)
    summary = summarize(runs)
    from analytics._atomic import write_text_atomic

    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "decisions_runs.csv", runs.to_csv(index=False))
    write_text_atomic(args.out / "decisions_summary.csv", summary.to_csv(index=False))
    print(markdown(summary))
    print(f"\n{len(tasks)} pilots in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
