"""Is each class-pair verdict right? A simulation with a known answer behind every diagnosis of
:func:`analytics.diagnose_class_pairs`.

Pilots come from ``benchmarks/_pilots.py`` (its docstring describes the simulation), one scenario per verdict:

=====================  ==================================================================================
scenario               planted, and the right verdict for the planted pair
=====================  ==================================================================================
class_overlap          ``ambiguous_pair``: 35 % of the c0/c1 items are borderline and everyone picks c0 or c1
                       at random on them → ``class_overlap`` for c0↔c1
annotator_confusion    ``confuser``: one annotator swaps c2 and c3 on 40 % of their items → ``annotator_confusion``
                       for c2↔c3, naming that annotator first
gold_split             a clean pilot in which 25 % of the c4/c5 items are borderline: every annotator gives the item's
                       class with probability 0.9, the other class otherwise, and the gold author, who drew the line
                       elsewhere, labelled every borderline item (gold: the other class) → ``gold_split`` for c4↔c5
clean                  nothing planted → every pair ``not_enough_evidence``
=====================  ==================================================================================

Round comparison (``--study rounds``): the same pilots with the c0/c1 overlap planted in round 1 only (``fixed``:
the guideline fixed it → c0↔c1 *closed* or *improved*), in both rounds (``persisting``), in round 2 only
(``opened`` → *opened* or *worse*), or nowhere (``clean``); scored: *right* status of c0↔c1, and *false changes* =
runs in which another pair is anything but *persisting* (:func:`analytics.compare_rounds`, the rule of
``analytics/_hotspot_rule.py``).

Scored per run: *right* = the planted pair gets the right verdict (for annotator_confusion with the right annotator
first); *wrong verdict* = the planted pair gets another verdict than the right one or ``not_enough_evidence``; *false
verdicts* = the share of runs in which a pair other than the planted one (any pair, on clean pilots) gets a verdict
other than ``not_enough_evidence`` — everyday neighbour confusions must not be diagnosed.

    PYTHONPATH=. python benchmarks/pair_verdicts.py [--study verdicts|rounds] [--seeds 20] [--sizes 100 300 1000]
        [--raters 3 5] [--jobs 2]

Writes ``benchmarks/results/pair_verdicts_runs.csv`` (``round_status_runs.csv``) and prints the summary as a
Markdown table.
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

from benchmarks._pilots import CLASSES, UNKNOWN, Pilot, make_pilot  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
AGREE = 0.9  # on a gold_split pilot's borderline items, each annotator gives the item's class with this probability
SCENARIOS = {"class_overlap": ("c0", "c1"), "annotator_confusion": ("c2", "c3"), "gold_split": ("c4", "c5"),
             "clean": None}


def gold_split_pilot(n_items: int, raters: int, seed: int) -> Pilot:
    """A clean pilot whose c4/c5 boundary the gold author draws differently from the annotators (see the table)."""
    pilot = make_pilot("clean", n_items, raters, seed)
    rng = np.random.default_rng([seed, 99, n_items, raters])
    truth = pilot.truth
    border = np.flatnonzero(np.isin(truth, [4, 5]) & (rng.random(n_items) < 0.25))
    other = {4: "c5", 5: "c4"}
    frame = pilot.annotations.copy()
    index = {i: k for k, i in enumerate(pilot.item_ids)}
    rows = frame["item_id"].map(index).to_numpy()
    on_border = np.isin(rows, border) & (frame["label"] != UNKNOWN).to_numpy()
    mine = np.array([f"c{truth[r]}" for r in rows[on_border]], dtype=object)
    theirs = np.array([other[truth[r]] for r in rows[on_border]], dtype=object)
    frame.loc[on_border, "label"] = np.where(rng.random(on_border.sum()) < AGREE, mine, theirs)
    gold = pilot.gold[~pilot.gold["item_id"].isin(pilot.item_ids[border])]
    extra = pd.DataFrame({"item_id": pilot.item_ids[border], "gold_label": [other[truth[b]] for b in border]})
    pilot.annotations, pilot.gold = frame, pd.concat([gold, extra], ignore_index=True)
    return pilot


def run_one(args: tuple[str, int, int, int]) -> dict:
    import analytics as aqa

    scenario, n_items, raters, seed = args
    if scenario == "gold_split":
        pilot = gold_split_pilot(n_items, raters, seed)
    else:
        pilot = make_pilot({"class_overlap": "ambiguous_pair", "annotator_confusion": "confuser"}.get(
            scenario, scenario), n_items, raters, seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = aqa.load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])
        table = aqa.diagnose_class_pairs(aset).table
    pair = SCENARIOS[scenario]
    planted = (table["class_a"].isin(pair or ()) & table["class_b"].isin(pair or ())).to_numpy()
    got = table.loc[planted, "diagnosis"].iloc[0] if planted.any() else "not_enough_evidence"
    right = got == scenario
    if scenario == "annotator_confusion" and right:
        right = tuple(table.loc[planted, "annotators"].iloc[0])[:1] == (pilot.culprit,)
    others = table.loc[~planted, "diagnosis"]
    return {"scenario": scenario, "n_items": n_items, "raters": raters, "seed": seed,
            "seconds": time.perf_counter() - t0, "verdict": got,
            "right": bool(right) if pair else False,
            "wrong_verdict": bool(pair) and got not in (scenario, "not_enough_evidence"),
            "false_verdict": bool((others != "not_enough_evidence").any()),
            "other_verdicts": "; ".join(f"{a}-{b}:{d}" for a, b, d in zip(
                table.loc[~planted, "class_a"], table.loc[~planted, "class_b"], others) if d != "not_enough_evidence")}


ROUND_SCENARIOS = {"fixed": ((1,), ("closed", "improved")), "persisting": ((1, 2), ("persisting",)),
                   "opened": ((2,), ("opened", "worse")), "clean": ((), ())}


def run_round(args: tuple[str, int, int, int]) -> dict:
    import analytics as aqa

    scenario, n_items, raters, seed = args
    where, right = ROUND_SCENARIOS[scenario]
    pilot = make_pilot("ambiguous_pair" if where else "clean", n_items, raters, seed, ambiguous_rounds=where)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = aqa.load_annotations(pilot.annotations, categories=CLASSES + [UNKNOWN])
        table = aqa.compare_rounds(aset).hotspots
    planted = (table["class_a"].isin(("c0", "c1")) & table["class_b"].isin(("c0", "c1"))).to_numpy()
    got = table.loc[planted, "status"].iloc[0] if planted.any() else "not compared"
    others = table.loc[~planted]
    changed = others[others["status"] != "persisting"]
    return {"scenario": scenario, "n_items": n_items, "raters": raters, "seed": seed, "status": got,
            "right": got in right, "false_change": bool(len(changed)),
            "other_changes": "; ".join(f"{a}-{b}:{s}" for a, b, s in zip(changed["class_a"], changed["class_b"],
                                                                        changed["status"]))}


def markdown_rounds(runs: pd.DataFrame) -> str:
    out = runs.groupby(["scenario", "n_items", "raters"], sort=False).agg(
        runs=("seed", "size"), right=("right", "mean"), false=("false_change", "mean")).reset_index()
    lines = ["| c0↔c1 overlap | items (two rounds) | raters | runs | right status of c0↔c1 | false changes of other pairs |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in out.itertuples(index=False):
        clean = r.scenario == "clean"
        lines.append(f"| {r.scenario} | {r.n_items:,} | {r.raters} | {r.runs} | {'—' if clean else f'{r.right:.0%}'} "
                     f"| {r.false:.0%} |")
    return "\n".join(lines)


def markdown(runs: pd.DataFrame) -> str:
    out = runs.groupby(["scenario", "n_items", "raters"], sort=False).agg(
        runs=("seed", "size"), right=("right", "mean"), wrong=("wrong_verdict", "mean"),
        false=("false_verdict", "mean")).reset_index()
    lines = ["| planted | items | raters | runs | right verdict | another verdict | false verdicts on other pairs |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in out.itertuples(index=False):
        clean = r.scenario == "clean"
        lines.append(f"| {r.scenario} | {r.n_items:,} | {r.raters} | {r.runs} | {'—' if clean else f'{r.right:.0%}'} | "
                     f"{'—' if clean else f'{r.wrong:.0%}'} | {r.false:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--study", choices=("verdicts", "rounds"), default="verdicts")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--raters", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--scenarios", nargs="+", choices=list(SCENARIOS) + list(ROUND_SCENARIOS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rounds = args.study == "rounds"
    scenarios = args.scenarios or list(ROUND_SCENARIOS if rounds else SCENARIOS)
    tasks = [(s, n, m, k) for s in scenarios for n in args.sizes for m in args.raters for k in range(args.seeds)]
    fn = run_round if rounds else run_one
    t0 = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(fn, tasks, chunksize=4))
    else:
        rows = [fn(t) for t in tasks]
    runs = pd.DataFrame(rows)
    from analytics._atomic import write_text_atomic

    args.out.mkdir(parents=True, exist_ok=True)
    name = "round_status_runs.csv" if rounds else "pair_verdicts_runs.csv"
    write_text_atomic(args.out / name, runs.to_csv(index=False))
    print(markdown_rounds(runs) if rounds else markdown(runs))
    print(f"\n{len(tasks)} pilots in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
