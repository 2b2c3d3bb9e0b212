"""Builders shared by the agreement tests: AnnotationSets from item × annotator matrices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analytics import load_annotations

#: The bundled samples (``sample_data/`` at the repository root).
SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def tidy_from_matrix(matrix: np.ndarray, *, item_prefix: str = "i", annotator_prefix: str = "a") -> pd.DataFrame:
    """One row per non-missing cell of an item × annotator matrix of category codes (NaN = missing)."""
    m = np.asarray(matrix, dtype=float)
    items, anns = np.nonzero(~np.isnan(m))
    return pd.DataFrame({
        "item_id": [f"{item_prefix}{i}" for i in items],
        "annotator_id": [f"{annotator_prefix}{a}" for a in anns],
        "label": m[items, anns].astype(int).astype(str),
    })


def aset_from_matrix(matrix: np.ndarray, n_categories: int, *, ordinal: bool = False, **kwargs):
    """An AnnotationSet whose categories are "0" … "C-1" in numeric order (unused ones included)."""
    return load_annotations(tidy_from_matrix(matrix, **kwargs), categories=[str(c) for c in range(n_categories)],
                            ordinal=ordinal)


def random_matrix(seed: int, n_items: int, n_annotators: int, n_categories: int, p_missing: float = 0.0,
                  accuracy: float = 0.6) -> np.ndarray:
    """Ratings with real agreement: a latent true class, each annotator right with probability ``accuracy``.

    Missing cells are NaN; every item keeps at least one rating.
    """
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_categories, n_items)
    right = rng.random((n_items, n_annotators)) < accuracy
    guess = rng.integers(0, n_categories, (n_items, n_annotators))
    m = np.where(right, truth[:, None], guess).astype(float)
    if p_missing > 0:
        drop = rng.random(m.shape) < p_missing
        drop[np.arange(n_items), rng.integers(0, n_annotators, n_items)] = False
        m[drop] = np.nan
    return m


def counts_from_matrix(matrix: np.ndarray, n_categories: int) -> np.ndarray:
    """Item × category counts of a matrix (NaN ignored)."""
    m = np.asarray(matrix, dtype=float)
    return np.stack([(m == c).sum(axis=1) for c in range(n_categories)], axis=1)
