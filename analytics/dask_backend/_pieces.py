"""What the workers do with each piece and partition while loading (the data contract, per partition).

Loading takes two passes over the pieces (see :mod:`._load`):

1. :func:`summarize_piece` cleans ids and labels exactly as the in-memory validation does
   (:mod:`analytics._validate`), skips and counts blank rows, and returns what is small: the distinct
   labels with their counts, the distinct annotators and rounds, the gold items present, and the image
   references refused (outside the file's image root, as in memory: :mod:`analytics.io.images`);
2. :func:`code_piece` codes labels, annotators and rounds with the global codes decided from those
   summaries; the coded rows are shuffled so each item's ratings sit in one partition, where
   :func:`finalize_partition` restores the input order, applies the duplicate rule and codes the items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._labels import clean_id_column, clean_text, clean_uniques, may_hold_containers
from .._reshape import ItemPartition
from .._schema import _order_ids
from .._validate import _reject_containers
from ..exceptions import AnnotationSchemaError
from ..io._mapping import ColumnMapping
from ..io.images import check_image_references
from ._sources import Piece, read_piece

__all__ = ["Cleaned", "clean_piece", "summarize_piece", "code_piece", "finalize_partition", "CODED_META"]

#: Columns of a coded piece (``round`` only when the set has rounds, ``image`` only with an image column).
CODED_META = {"item_id": object, "annotator_id": np.int32, "label": np.int32, "round": np.int32, "image": object,
              "_src": np.int32, "_row": np.int64}


@dataclass(frozen=True)
class Cleaned:
    """One piece after the per-row rules: cleaned ids and rounds, label factorization, blank masks."""

    items: pd.Series
    annotators: pd.Series
    rounds: pd.Series | None
    images: pd.Series | None  # as read (checked against the image root when coded, as in memory)
    label_codes: np.ndarray
    label_uniques: list[Any]
    reason: np.ndarray  # per row: 0 kept, 1 blank item, 2 blank annotator, 3 blank label
    rows: np.ndarray
    changed_items: int
    changed_annotators: int

    @property
    def kept(self) -> np.ndarray:
        return self.reason == 0


def clean_piece(frame: pd.DataFrame) -> Cleaned:
    """Clean a piece's ids, rounds and labels and mark blank rows (rules 2 of :mod:`analytics._validate`)."""
    for role in ("item_id", "annotator_id", "label"):
        if role not in frame.columns:
            raise AnnotationSchemaError(
                f"A piece of the input has no {role} column; every file needs the same columns.")
    items, changed_items = clean_id_column(frame["item_id"])
    annotators, changed_annotators = clean_id_column(frame["annotator_id"])
    rounds = clean_id_column(frame["round"])[0] if "round" in frame.columns else None
    images = frame["image"] if "image" in frame.columns else None
    if images is not None and may_hold_containers(images):
        _reject_containers(frame, "image", "row")
    try:
        codes, uniques = pd.factorize(frame["label"], use_na_sentinel=True)
    except TypeError:
        raise AnnotationSchemaError(
            "The label column holds lists or sets (tag sets). The Dask backend reads single-label annotations; "
            "load multi-label sets in memory.") from None
    blank_text = np.array([c is None for c in clean_uniques(uniques)] + [True], dtype=bool)
    blank_item = items.isna().to_numpy()
    blank_ann = annotators.isna().to_numpy() & ~blank_item
    blank_label = blank_text[codes] & ~blank_item & ~blank_ann
    reason = np.zeros(len(frame), dtype=np.int8)  # codes 1, 2, 3: the reasons of BLANK_DETAILS, in order
    reason[blank_item], reason[blank_ann], reason[blank_label] = 1, 2, 3
    return Cleaned(items, annotators, rounds, images, codes, list(uniques), reason, frame["_row"].to_numpy(),
                   changed_items, changed_annotators)


def _load(piece: Piece, mapping: ColumnMapping, sep: str | None, frame: pd.DataFrame | None):
    data, resolved, dropped = read_piece(piece, mapping, sep, frame)
    return clean_piece(data), resolved, dropped


def summarize_piece(piece: Piece, mapping: ColumnMapping, sep: str | None, gold_items: pd.Index | None,
                    frame: pd.DataFrame | None = None, image_root: Any = None) -> dict[str, Any]:
    """Pass 1: the small facts of one piece (see the module docstring); ``image_root`` is the piece's folder
    for images (:func:`analytics.io.images.resolve_image_root`)."""
    cleaned, resolved, dropped = _load(piece, mapping, sep, frame)
    kept = cleaned.kept
    codes = cleaned.label_codes
    valid = codes >= 0
    n_uniques = len(cleaned.label_uniques)
    skipped = cleaned.reason > 0
    rounds = None
    if cleaned.rounds is not None:
        rounds = pd.unique(cleaned.rounds[kept].dropna()).tolist()
    present: list[str] = []
    if gold_items is not None and len(gold_items):
        ids = pd.unique(cleaned.items[kept])
        present = [i for i in ids if i in gold_items] if len(ids) < len(gold_items) else \
            gold_items[gold_items.isin(ids)].tolist()
    return {
        "source": piece.source, "rows": len(codes), "mapping": resolved, "dropped": dropped,
        "skipped_rows": cleaned.rows[skipped], "skipped_reasons": cleaned.reason[skipped],
        "changed_items": cleaned.changed_items, "changed_annotators": cleaned.changed_annotators,
        "label_values": cleaned.label_uniques,
        "label_counts": np.bincount(codes[valid], minlength=n_uniques),
        "label_counts_kept": np.bincount(codes[valid & kept], minlength=n_uniques),
        "annotators": pd.unique(cleaned.annotators[kept]).tolist(),
        "rounds": rounds, "gold_present": present,
        **_image_facts(cleaned, image_root),
    }


def _image_facts(cleaned: Cleaned, root: Any) -> dict[str, Any]:
    """The rows whose image reference is refused (rows, reasons, whether the row is kept), and how many references
    are URLs — over every row, as the in-memory loader checks a file before validation."""
    if cleaned.images is None:
        return {"image_refused_rows": np.array([], dtype=np.int64), "image_refused_details": [],
                "image_refused_kept": np.array([], dtype=bool), "image_remote": 0, "image_hosts": (),
                "image_resolved": False}
    checked = check_image_references(cleaned.images.reset_index(drop=True), root=root)
    return {"image_refused_rows": cleaned.rows[checked.refused], "image_refused_details": checked.details.tolist(),
            "image_refused_kept": cleaned.kept[checked.refused], "image_remote": checked.n_remote,
            "image_hosts": checked.hosts, "image_resolved": checked.n_resolved > 0}


def code_piece(piece: Piece, mapping: ColumnMapping, sep: str | None, coding: dict[str, Any],
               frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pass 2: the kept rows of one piece with global label, annotator and round codes (see :data:`CODED_META`)."""
    cleaned, _, _ = _load(piece, mapping, sep, frame)
    kept = cleaned.kept
    final = coding["labels"]
    label_of_unique = np.array([final.get(u, -1) for u in cleaned.label_uniques] + [-1], dtype=np.int32)
    out = {
        "item_id": cleaned.items[kept].to_numpy(dtype=object),
        "annotator_id": coding["annotators"].get_indexer(cleaned.annotators[kept]).astype(np.int32),
        "label": label_of_unique[cleaned.label_codes[kept]],
    }
    if coding["rounds"] is not None:
        rounds = cleaned.rounds[kept]
        out["round"] = np.where(rounds.isna(), -1, coding["rounds"].get_indexer(rounds.fillna(""))).astype(np.int32)
    if cleaned.images is not None:
        root = coding["image_roots"].get(piece.source)
        checked = check_image_references(cleaned.images[kept].reset_index(drop=True), root=root)
        out["image"] = checked.values.to_numpy(dtype=object)
    out["_src"] = np.full(int(kept.sum()), piece.source, dtype=np.int32)
    out["_row"] = cleaned.rows[kept].astype(np.int64)
    return pd.DataFrame(out)


def finalize_partition(frame: pd.DataFrame, *, duplicates: str, gold: tuple[pd.Index, np.ndarray] | None,
                       n_annotators: int, n_categories: int, n_rounds: int = 0) -> tuple[ItemPartition, dict[str, Any]]:
    """After the shuffle: input order restored, duplicates ruled on (rule 5), items coded, gold aligned.

    Returns the partition and what the client needs for the import report: duplicated rows (policy
    ``"error"``: every row of a repeated key, for the error message), rows dropped by ``keep_first`` /
    ``keep_last``, and the rows without a round.
    """
    frame = frame.sort_values(["_src", "_row"], kind="stable").reset_index(drop=True)
    key = ["item_id", "annotator_id"] + (["round"] if "round" in frame.columns else [])
    info: dict[str, Any] = {"duplicates": None, "dropped": None}
    repeated = frame.duplicated(key, keep=False).to_numpy()
    if repeated.any():
        if duplicates == "error":
            info["duplicates"] = frame.loc[repeated]
        else:
            drop = frame.duplicated(key, keep="last" if duplicates == "keep_last" else "first").to_numpy()
            info["dropped"] = frame.loc[drop, ["_src", "_row"]]
            frame = frame.loc[~drop].reset_index(drop=True)
    item_codes, item_ids = _order_ids(frame["item_id"])
    gold_codes = None
    if gold is not None:
        pos = gold[0].get_indexer(item_ids)
        gold_codes = np.where(pos >= 0, gold[1][np.maximum(pos, 0)], -1).astype(np.int32)
    round_codes = frame["round"].to_numpy(np.int32) if "round" in frame.columns else None
    image_codes = image_values = None
    if "image" in frame.columns:
        image_codes, values = pd.factorize(frame["image"].to_numpy(dtype=object), use_na_sentinel=True)
        image_codes, image_values = image_codes.astype(np.int32), np.asarray(values, dtype=object)
    if round_codes is not None:
        missing = round_codes < 0
        info["no_round"] = (int(missing.sum()), frame.loc[missing, ["_src", "_row"]].head(5))
    part = ItemPartition(  # Arrow strings: about a third of the memory of Python string objects
        item_ids=pd.Index(pd.array(np.asarray(item_ids, dtype=object), dtype=pd.StringDtype("pyarrow"))),
        item_codes=item_codes.astype(np.int32),
        annotator_codes=frame["annotator_id"].to_numpy(np.int32), label_codes=frame["label"].to_numpy(np.int32),
        n_annotators=n_annotators, n_categories=n_categories, gold_codes=gold_codes, round_codes=round_codes,
        n_rounds=n_rounds, image_codes=image_codes, image_values=image_values,
    )
    info["n_annotations"], info["n_items"] = part.n_annotations, part.n_items
    return part, info
