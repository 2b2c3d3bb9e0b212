"""Crafted labeling pilots whose right answer is known, for the confusion / taxonomy / recommendation tests.

Errors are exact quotas (not coin flips): ``swaps[(annotator, true, given)] = rate`` makes that annotator
label exactly ``round(rate * n)`` of the items of class ``true`` as ``given`` (which items is drawn per
annotator, so different annotators err on different items). Everything else is labelled correctly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from analytics import load_annotations

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
ALL = "*"  # every annotator


def crafted_frame(classes: Sequence[str], n_per_class: int | Mapping[str, int], annotators: Sequence[str],
                  swaps: Mapping[tuple[str, str, str], float], *, seed: int = 0, round_: str | None = None,
                  item_prefix: str = "i") -> tuple[pd.DataFrame, pd.Series]:
    """A tidy table and the true class of every item (``swaps`` keys may use ``ALL`` for the annotator)."""
    rng = np.random.default_rng(seed)
    sizes = {c: (n_per_class[c] if isinstance(n_per_class, Mapping) else n_per_class) for c in classes}
    truth = np.concatenate([[c] * sizes[c] for c in classes]).astype(object)
    items = np.array([f"{item_prefix}{k:04d}" for k in range(len(truth))], dtype=object)
    rows = []
    for ann in annotators:
        labels = truth.copy()
        for true in classes:
            idx = rng.permutation(np.flatnonzero(truth == true))
            start = 0
            for (who, t, given), rate in swaps.items():
                if t != true or who not in (ann, ALL):
                    continue
                k = int(round(rate * len(idx)))
                labels[idx[start:start + k]] = given
                start += k
        rows.append(pd.DataFrame({"item_id": items, "annotator_id": ann, "label": labels}))
    frame = pd.concat(rows, ignore_index=True)
    if round_ is not None:
        frame["round"] = round_
    return frame, pd.Series(truth, index=items, name="true_label")


def load(frame: pd.DataFrame, **kwargs):
    return load_annotations(frame, format="tidy", **kwargs)


FIVE = ["A", "B", "C", "D", "E"]
THREE = ["a1", "a2", "a3"]


def merge_pilot(**kwargs):
    """A and B confused both ways by every annotator (35 %); C…E clean."""
    swaps = {(ALL, "A", "B"): 0.35, (ALL, "B", "A"): 0.35}
    return load(crafted_frame(FIVE, 40, THREE, swaps, **kwargs)[0])


def retrain_pilot(**kwargs):
    """A/B confused by everyone (the merge), C/D confused by a3 only (40 % both ways)."""
    swaps = {(ALL, "A", "B"): 0.35, (ALL, "B", "A"): 0.35, ("a3", "C", "D"): 0.4, ("a3", "D", "C"): 0.4}
    return load(crafted_frame(FIVE, 40, THREE, swaps, **kwargs)[0])


LIFT_TAXONOMY = {"classes": [
    {"name": "P"}, {"name": "A", "parent": "P"}, {"name": "B", "parent": "P"}, {"name": "C", "parent": "P"},
    {"name": "Q"}, {"name": "D", "parent": "Q"}, {"name": "E", "parent": "Q"},
    {"name": "Other", "unknown": True},
]}


def lift_pilot(**kwargs):
    """A, B, C (children of P) confused evenly among themselves by everyone; P vs Q always right."""
    swaps = {}
    for t in "ABC":
        for g in "ABC":
            if g != t:
                swaps[(ALL, t, g)] = 0.12
    frame, _ = crafted_frame(["A", "B", "C", "D", "E", "Other"], {"A": 40, "B": 40, "C": 40, "D": 40, "E": 40,
                                                                  "Other": 10}, THREE, swaps, **kwargs)
    return load(frame, taxonomy=LIFT_TAXONOMY)


def unknown_pilot(share_1: float = 0.02, share_2: float = 0.15, n_per_class: int = 60, **kwargs):
    """Two rounds on different items; annotators call a share of items Unknown, rising from round 1 to 2."""
    parts = []
    for r, share, prefix in (("1", share_1, "r1_"), ("2", share_2, "r2_")):
        swaps = {(ALL, c, "Unknown"): share for c in "ABC"}
        frame, _ = crafted_frame(["A", "B", "C"], n_per_class, THREE, swaps, round_=r, item_prefix=prefix,
                                 seed=int(r), **kwargs)
        parts.append(frame)
    return load(pd.concat(parts, ignore_index=True), categories=["A", "B", "C", "Unknown"])
