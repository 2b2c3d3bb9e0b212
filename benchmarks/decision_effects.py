"""The effect sizes behind the annotator findings' floors (``min_decline``, ``min_swap_excess``), on the pilots of
``decisions.py``.

For each pilot it prints every *significant* within-session accuracy fall (:func:`analytics.accuracy_over_time`,
``drift`` ``"declined"`` or ``"small_decline"``: the fall in points) and every pair an annotator is significantly
swapping (:func:`analytics.taxonomy.pairs.pair_diagnoses` with ``min_swap_excess=0``: the annotator's and the
others' swap rates), and whether that annotator is the planted culprit. benchmarks/README ("Effect-size floors")
quotes the ranges: planted drift and the planted confuser against what clean pilots reach by chance.

    PYTHONPATH=. python benchmarks/decision_effects.py --defects drift confuser --sizes 100 300 --seeds 10
    PYTHONPATH=. python benchmarks/decision_effects.py --defects clean --sizes 300 1000 --seeds 30
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._pilots import CLASSES, DEFECTS, UNKNOWN, make_pilot  # noqa: E402


def one(args: tuple[str, int, int, int]) -> list[tuple]:
    import analytics as aqa
    from analytics.annotators.drift import accuracy_over_time
    from analytics.taxonomy._pairstats import units
    from analytics.taxonomy.pairs import pair_diagnoses

    defect, n, m, seed = args
    p = make_pilot(defect, n, m, seed)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aset = aqa.load_annotations(p.annotations, gold=p.gold, categories=CLASSES + [UNKNOWN])
        for r in accuracy_over_time(aset, min_decline=0.0).tests.itertuples():
            if r.drift == "declined":
                out.append(("drift", defect, n, m, seed, r.annotator_id, r.annotator_id == p.culprit,
                            f"fall {-r.change:.3f}", f"{r.p_adjusted:.2g}"))
        dx = pair_diagnoses(units(aset, "decision_effects"), min_swap_excess=0.0)
        for r in dx.table[dx.table["diagnosis"] == "annotator_confusion"].itertuples():
            rates = re.search(r"swap rate (\d+)% vs (\d+)%", r.diagnosis_note)
            out.append(("swap", defect, n, m, seed, r.annotators[0], r.annotators[0] == p.culprit,
                        f"{r.class_a}/{r.class_b} {rates.group(1)}% vs {rates.group(2)}%",
                        f"{r.p_annotator_adjusted:.2g}"))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--defects", nargs="+", default=["drift", "confuser", "clean"], choices=DEFECTS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--raters", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    tasks = [(d, n, m, s) for d in args.defects for n in args.sizes for m in args.raters for s in range(args.seeds)]
    print("finding\tdefect\titems\traters\tseed\tannotator\tculprit\teffect\tp_adjusted")
    with ProcessPoolExecutor(args.jobs) as pool:
        for rows in pool.map(one, tasks, chunksize=2):
            for row in rows:
                print(*row, sep="\t", flush=True)


if __name__ == "__main__":
    main()
