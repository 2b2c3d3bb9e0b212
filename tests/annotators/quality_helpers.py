"""Shared builders for the annotator-quality tests (random annotation tables and simulated annotators)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from analytics import load_annotations


@st.composite
def annotation_frames(draw, *, max_items: int = 25, max_annotators: int = 5, max_categories: int = 4,
                      gold: bool = False):
    """A tidy table (item_id, annotator_id, label) with unequal ratings per item; optionally a gold table."""
    n_items = draw(st.integers(1, max_items))
    n_ann = draw(st.integers(1, max_annotators))
    n_cat = draw(st.integers(1, max_categories))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rated = rng.random((n_items, n_ann)) < draw(st.floats(0.3, 1.0))
    rated[np.arange(n_items), rng.integers(0, n_ann, n_items)] = True  # every item has a rating
    items, anns = np.nonzero(rated)
    labels = rng.integers(0, n_cat, len(items))
    frame = pd.DataFrame({"item_id": [f"i{k}" for k in items], "annotator_id": [f"a{k}" for k in anns],
                          "label": [f"c{k}" for k in labels]})
    if not gold:
        return frame
    has_gold = rng.random(n_items) < 0.6
    has_gold[rng.integers(0, n_items)] = True
    gold_frame = pd.DataFrame({"item_id": [f"i{k}" for k in np.flatnonzero(has_gold)],
                               "gold_label": [f"c{k}" for k in rng.integers(0, n_cat, has_gold.sum())]})
    return frame, gold_frame


def load(frame: pd.DataFrame, gold: pd.DataFrame | None = None, **kwargs):
    return load_annotations(frame, format="tidy", gold=gold, **kwargs)


def simulate(confusions: np.ndarray, prior: np.ndarray, n_items: int, seed: int = 0,
             coverage: float = 1.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Annotations drawn from known confusion matrices ``confusions[a, true, given]``; returns (frame, truth)."""
    rng = np.random.default_rng(seed)
    n_ann, n_cat, _ = confusions.shape
    truth = rng.choice(n_cat, size=n_items, p=prior)
    rows = []
    for a in range(n_ann):
        rated = np.flatnonzero(rng.random(n_items) < coverage)
        cum = confusions[a][truth[rated]].cumsum(axis=1)
        given = (rng.random(len(rated))[:, None] > cum).sum(axis=1)
        rows.append(pd.DataFrame({"item_id": rated, "annotator_id": f"a{a}", "label": given}))
    frame = pd.concat(rows, ignore_index=True)
    frame["item_id"] = "i" + frame["item_id"].astype(str).str.zfill(6)
    frame["label"] = "c" + frame["label"].astype(str)
    return frame, truth
