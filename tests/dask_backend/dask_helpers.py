"""Generated annotation tables split over several files, and comparisons to 1e-12."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TOL = 1e-12
CATEGORIES = ("cat", "dog", "bird", "fox")


def annotations_frame(seed: int = 0, *, n_items: int = 240, n_annotators: int = 7,
                      categories: tuple[str, ...] = CATEGORIES, rounds: bool = True, messy: bool = True,
                      min_raters: int = 1, max_raters: int = 5) -> pd.DataFrame:
    """A tidy table: unequal raters per item (items rated once included), annotators of different accuracy.

    ``rounds``: a ``round`` column, some annotators re-labelling an item in round 2 (so agreement units
    become ``(item, round)``). ``messy``: blank labels, ids and annotators, a case variant of a label and
    whitespace around ids — what the per-partition validation must skip, count or merge as in memory.
    """
    rng = np.random.default_rng(seed)
    accuracy = rng.uniform(0.45, 0.95, n_annotators)
    prevalence = rng.dirichlet(np.full(len(categories), 2.0))
    rows = []
    for i in range(n_items):
        truth = rng.choice(len(categories), p=prevalence)
        raters = rng.choice(n_annotators, size=rng.integers(min_raters, max_raters + 1), replace=False)
        for a in raters:
            label = truth if rng.random() < accuracy[a] else rng.integers(len(categories))
            rows.append({"item_id": f"img-{i:04d}", "annotator_id": f"ann{a}", "label": categories[label],
                         "round": "1"})
            if rounds and rng.random() < 0.15:  # a re-label after a guideline change
                label = truth if rng.random() < accuracy[a] else rng.integers(len(categories))
                rows.append({"item_id": f"img-{i:04d}", "annotator_id": f"ann{a}", "label": categories[label],
                             "round": "2"})
    df = pd.DataFrame(rows)
    if not rounds:
        df = df.drop(columns="round")
    if messy:
        idx = rng.choice(len(df), size=12, replace=False)
        df.loc[idx[:3], "label"] = ""
        df.loc[idx[3:5], "label"] = None
        df.loc[idx[5:6], "item_id"] = None
        df.loc[idx[6:7], "annotator_id"] = "  "
        df.loc[idx[7:9], "label"] = categories[0].upper()  # merged into categories[0] (the common spelling)
        df.loc[idx[9:12], "annotator_id"] = " " + df.loc[idx[9:12], "annotator_id"].astype(str) + " "
    return df


def gold_frame(df: pd.DataFrame, seed: int = 0, *, n_gold: int = 50) -> pd.DataFrame:
    """Gold labels for some annotated items, two unannotated items, and a class nobody used ("eel")."""
    rng = np.random.default_rng(seed + 100)
    items = pd.unique(df["item_id"].dropna())
    chosen = rng.choice(items, size=n_gold, replace=False)
    first = df.dropna(subset=["label"]).groupby("item_id")["label"].agg(lambda s: s.str.lower().mode().iloc[0])
    labels = [first.get(i, "cat") if rng.random() < 0.85 else "eel" for i in chosen]
    return pd.DataFrame({"item_id": list(chosen) + ["img-x1", "img-x2"], "gold_label": labels + ["dog", "cat"]})


def write_parts(df: pd.DataFrame, folder: Path, *, n_files: int = 4, kind: str = "parquet", seed: int = 0,
                row_group_size: int = 64) -> list[Path]:
    """Shuffle the rows and write them to ``n_files`` files, so most items' ratings start in several files."""
    folder.mkdir(parents=True, exist_ok=True)
    order = np.random.default_rng(seed).permutation(len(df))
    paths = []
    for k, rows in enumerate(np.array_split(order, n_files)):
        part = df.iloc[np.sort(rows)]
        path = folder / f"part-{k}.{'parquet' if kind == 'parquet' else 'csv'}"
        if kind == "parquet":
            part.to_parquet(path, index=False, row_group_size=row_group_size)
        else:
            part.to_csv(path, index=False)
        paths.append(path)
    return paths


def items_in_several_files(paths: list[Path]) -> int:
    """How many item ids occur in more than one of the files."""
    seen = pd.concat([pd.read_parquet(p)[["item_id"]].assign(f=i) if p.suffix == ".parquet"
                      else pd.read_csv(p, dtype=str)[["item_id"]].assign(f=i) for i, p in enumerate(paths)])
    return int((seen.dropna().groupby("item_id")["f"].nunique() > 1).sum())


def assert_close(actual, expected, tol: float = TOL) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=tol, atol=tol,
                               equal_nan=True)


def assert_tables_close(actual: pd.DataFrame, expected: pd.DataFrame, tol: float = TOL) -> None:
    """Same columns and rows; numeric columns equal to ``tol``, the others exactly."""
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        a, b = actual[column], expected[column]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            assert_close(a.to_numpy(dtype=float), b.to_numpy(dtype=float), tol)
        else:
            as_list = [s.astype(object).where(s.notna(), None).tolist() for s in (a, b)]
            assert as_list[0] == as_list[1], column


TAXONOMY = """classes:
- name: Mammal
- name: cat
  parent: Mammal
- name: dog
  parent: Mammal
- name: Bird
- name: sparrow
  parent: Bird
- name: crow
  parent: Bird
- name: fish
- name: Unknown
  unknown: true
"""


def taxonomy_frame(seed: int = 0, *, n_items: int = 300, n_annotators: int = 6) -> pd.DataFrame:
    """Two rounds of a pilot on a two-level taxonomy, with the situations the taxonomy proposals look for.

    Everyone confuses the siblings cat/dog; only ``ann0`` turns sparrows into crows; Unknown rises from about
    2 % in round 1 to 10 % in round 2; a few blank images. Item ids are integers whose text order is not their
    numeric order (ties between example items then follow the numeric order). No re-labels: the items are the
    agreement units, so gold labels take part in the hotspots' gold verdicts.
    """
    rng = np.random.default_rng(seed)
    classes = ("cat", "dog", "sparrow", "crow", "fish")
    rows = []
    for i in range(n_items):
        item = str(7 * i + 3)
        truth = classes[rng.choice(5, p=[0.3, 0.25, 0.15, 0.15, 0.15])]
        rnd = "1" if i < n_items // 2 else "2"
        unknown_rate = 0.02 if rnd == "1" else 0.10
        for a in rng.choice(n_annotators, size=rng.integers(3, 6), replace=False):
            label = truth
            if truth in ("cat", "dog") and rng.random() < 0.25:
                label = "dog" if truth == "cat" else "cat"
            elif truth == "sparrow" and a == 0 and rng.random() < 0.6:
                label = "crow"
            elif rng.random() < 0.02:
                label = classes[rng.integers(5)]
            if rng.random() < unknown_rate:
                label = "Unknown"
            rows.append({"item_id": item, "annotator_id": f"ann{a}", "label": label, "round": rnd,
                         "image": f"img/{item}.png" if rng.random() > 0.02 else None})
    return pd.DataFrame(rows)


def truth_gold(df: pd.DataFrame, seed: int = 0, *, n_gold: int = 120) -> pd.DataFrame:
    """Gold labels for some items: the plurality label among the non-Unknown ratings."""
    rng = np.random.default_rng(seed + 7)
    known = df[df["label"] != "Unknown"]
    plural = known.groupby("item_id")["label"].agg(lambda s: s.mode().iloc[0])
    chosen = rng.choice(plural.index.to_numpy(), size=min(n_gold, len(plural)), replace=False)
    return pd.DataFrame({"item_id": chosen, "gold_label": plural.loc[chosen].to_numpy()})
