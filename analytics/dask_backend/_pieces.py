"""What the workers do with each piece and partition while loading (the data contract, per partition).

Loading takes two passes over the pieces (see :mod:`._load`):

1. :func:`summarize_piece` cleans ids and labels exactly as the in-memory validation does
   (:mod:`analytics._validate`), skips and counts blank rows, and returns what is small: the distinct
   labels with their counts, the distinct annotators and rounds, the gold items present, and the image
   references refused (outside the file's image root, as in memory: :mod:`analytics.io.images`);
2. :func:`code_piece` codes labels, annotators and rounds with the global codes decided from those
   summaries; the coded rows are split by item so each item's ratings meet in one partition, where
   :func:`finalize_partition` restores the input order, applies the duplicate rule and codes the items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._labels import clean_id_column, clean_text, clean_uniques, may_hold_containers
from .._reshape import ItemPartition
from .._schema import id_order, n_non_integer_ids
from .._validate import _reject_containers
from ..exceptions import AnnotationSchemaError
from ..io._mapping import ColumnMapping
from ..io.images import check_image_references
from ._arrow_text import clean_text_rows, dictionary_codes, is_text, item_buckets
from ._sources import Piece, read_parquet_piece, read_piece

__all__ = ["Cleaned", "clean_piece", "summarize_piece", "code_piece", "finalize_bucket", "finalize_partition",
           "CODED_META"]

#: The item ids of coded pieces and shuffled partitions: Arrow strings (one buffer, not a Python object each).
ITEM_DTYPE = pd.StringDtype("pyarrow")

#: Columns of a coded piece (``round`` only when the set has rounds, ``image`` only with an image column).
CODED_META = {"item_id": ITEM_DTYPE, "annotator_id": np.int32, "label": np.int32, "round": np.int32, "image": object,
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
    return _cleaned(items, changed_items, annotators, changed_annotators, rounds, images, codes, list(uniques),
                    frame["_row"].to_numpy())


def _cleaned(items: pd.Series, changed_items: int, annotators: pd.Series, changed_annotators: int,
             rounds: pd.Series | None, images: pd.Series | None, codes: np.ndarray, uniques: list[Any],
             rows: np.ndarray) -> Cleaned:
    """The blank-row reasons (item, then annotator, then label) of cleaned columns."""
    blank_text = np.array([c is None for c in clean_uniques(uniques)] + [True], dtype=bool)
    blank_item = items.isna().to_numpy()
    blank_ann = annotators.isna().to_numpy() & ~blank_item
    blank_label = blank_text[codes] & ~blank_item & ~blank_ann
    reason = np.zeros(len(codes), dtype=np.int8)  # codes 1, 2, 3: the reasons of BLANK_DETAILS, in order
    reason[blank_item], reason[blank_ann], reason[blank_label] = 1, 2, 3
    return Cleaned(items, annotators, rounds, images, codes, uniques, reason, rows, changed_items, changed_annotators)


def _clean_coded(codes: np.ndarray, values: np.ndarray) -> tuple[pd.Series, int]:
    """:func:`~analytics._labels.clean_id_column` of a column given as codes into its distinct text values."""
    cleaned = np.asarray(clean_uniques(pd.Index(values, dtype=object)) + [None], dtype=object)
    changed = np.append((values != cleaned[:-1]) & pd.notna(cleaned[:-1]), False)
    return pd.Series(cleaned[codes], dtype=object), int(changed[codes].sum())


def clean_arrow(table: Any, rows: np.ndarray) -> Cleaned:
    """:func:`clean_piece` of an Arrow table whose text columns are dictionary-encoded: ids, rounds and labels are
    cleaned per distinct value and mapped back through the codes (the same result, without one Python string
    per cell being hashed). Other columns go through :func:`clean_piece`'s rules as pandas columns."""
    names = table.column_names
    coded = {role: dictionary_codes(table.column(role)) for role in ("annotator_id", "label", "round")
             if role in names}
    if (any(coded.get(role) is None for role in ("annotator_id", "label")) or "item_id" not in names
            or not is_text(table.column("item_id"))):
        frame = table.to_pandas()
        frame["_row"] = rows
        return clean_piece(frame)
    items, changed_items = clean_text_rows(table.column("item_id"))
    annotators, changed_annotators = _clean_coded(*coded["annotator_id"])
    rounds = None
    if "round" in names:
        rounds = (_clean_coded(*coded["round"]) if coded["round"] is not None
                  else clean_id_column(table.column("round").to_pandas()))[0]
    images = table.column("image").to_pandas() if "image" in names else None
    if images is not None and may_hold_containers(images):
        _reject_containers(pd.DataFrame({"image": images, "_row": rows}), "image", "row")
    codes, uniques = coded["label"]
    return _cleaned(items, changed_items, annotators, changed_annotators, rounds, images, codes, list(uniques), rows)


def _load(piece: Piece, mapping: ColumnMapping, sep: str | None, frame: pd.DataFrame | None):
    if frame is None and piece.kind == "parquet":
        table, resolved, dropped = read_parquet_piece(piece, mapping)
        rows = np.arange(piece.first_row, piece.first_row + table.num_rows, dtype=np.int64)
        return clean_arrow(table, rows), resolved, dropped
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
               frame: pd.DataFrame | None = None, npartitions: int = 1) -> tuple[pd.DataFrame, ...]:
    """Pass 2: the kept rows of one piece with global label, annotator and round codes (see :data:`CODED_META`),
    split into ``npartitions`` frames by a hash of the item id (:func:`._arrow_text.item_buckets`), each in
    input order: frame ``b`` of every piece goes to partition ``b``, so each item's ratings meet there."""
    cleaned, _, _ = _load(piece, mapping, sep, frame)
    kept = cleaned.kept
    final = coding["labels"]
    label_of_unique = np.array([final.get(u, -1) for u in cleaned.label_uniques] + [-1], dtype=np.int32)
    out = {
        "item_id": pd.array(cleaned.items[kept], dtype=ITEM_DTYPE),
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
    coded = pd.DataFrame(out)
    buckets = item_buckets(out["item_id"], npartitions)
    order = np.argsort(buckets, kind="stable")
    bounds = np.searchsorted(buckets[order], np.arange(npartitions + 1))
    return tuple(coded.take(order[a:b]).reset_index(drop=True) for a, b in zip(bounds[:-1], bounds[1:]))


def finalize_bucket(*parts: pd.DataFrame, duplicates: str, gold: tuple[pd.Index, np.ndarray] | None,
                    n_annotators: int, n_categories: int, n_rounds: int = 0) -> tuple[ItemPartition, dict[str, Any]]:
    """:func:`finalize_partition` of one partition's frames from every piece, given in piece order (so their
    rows are in input order)."""
    used = [p for p in parts if len(p)]
    frame = pd.concat(used, ignore_index=True) if len(used) > 1 else (used[0] if used else parts[0])
    return finalize_partition(frame, duplicates=duplicates, gold=gold, n_annotators=n_annotators,
                              n_categories=n_categories, n_rounds=n_rounds)


def _order_item_ids(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """:func:`analytics._schema._order_ids`: items coded in numeric order when every id is an integer, else in
    text order. Whether one id is not an integer is first looked for among the first ids (usually found there:
    then no id is parsed as a number, and Arrow ids are sorted as Arrow strings, :func:`_text_ordered_ids`)."""
    text_ordered = _text_ordered_ids(values)
    if text_ordered is not None:
        return text_ordered
    codes, uniques = pd.factorize(values, sort=False)
    uniq = pd.Index(uniques.astype(str), dtype=object)
    numeric = bool(len(uniq)) and n_non_integer_ids(uniq[:64]) == 0 and n_non_integer_ids(uniq) == 0
    order = id_order(uniq, numeric)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], pd.Index(np.asarray(uniq)[order], dtype=object)


def _text_ordered_ids(values: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """:func:`_order_item_ids` of Arrow string ids of which one of the first 64 is not an integer (so the order is
    the text order): the distinct ids sorted by Arrow in code point order (UTF-8 byte order, the order of
    :func:`analytics._schema.id_order` on text, as :func:`analytics._schema._arrow_text_order`), without a Python
    string per id; None for any other column."""
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow" or values.isna().any():
        return None
    head = pd.Index(pd.unique(values.iloc[:64]).astype(str), dtype=object)
    if not len(head) or n_non_integer_ids(head) == 0:
        return None
    import pyarrow as pa

    from ..io._arrow import _sorted_distinct

    import pyarrow.compute as pc

    arrow = pa.array(values.array)
    arrow = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
    if pc.any(pc.ends_with(arrow, "\x00")).as_py():  # numpy's text order ignores a trailing NUL: left to id_order
        return None
    codes, distinct = _sorted_distinct(arrow)
    return codes.astype(np.int64), pd.Index(pd.array(distinct, dtype=ITEM_DTYPE), dtype=ITEM_DTYPE)


def finalize_partition(frame: pd.DataFrame, *, duplicates: str, gold: tuple[pd.Index, np.ndarray] | None,
                       n_annotators: int, n_categories: int, n_rounds: int = 0) -> tuple[ItemPartition, dict[str, Any]]:
    """After the shuffle: input order checked (restored if needed), items coded, duplicates ruled on (rule 5), gold
    aligned.

    Returns the partition and what the client needs for the import report: duplicated rows (policy
    ``"error"``: every row of a repeated key, for the error message), rows dropped by ``keep_first`` /
    ``keep_last``, and the rows without a round.
    """
    frame = frame.reset_index(drop=True)
    src, row = frame["_src"].to_numpy(), frame["_row"].to_numpy()
    if len(frame) > 1 and not ((src[1:] > src[:-1]) | ((src[1:] == src[:-1]) & (row[1:] > row[:-1]))).all():
        frame = frame.sort_values(["_src", "_row"], kind="stable").reset_index(drop=True)
    item_codes, item_ids = _order_item_ids(frame["item_id"])
    key = item_codes.astype(np.int64) * max(n_annotators, 1) + frame["annotator_id"].to_numpy(np.int64)
    if "round" in frame.columns:
        key = key * (n_rounds + 1) + frame["round"].to_numpy(np.int64) + 1
    keys = pd.Series(key)
    info: dict[str, Any] = {"duplicates": None, "dropped": None}
    repeated = keys.duplicated(keep=False).to_numpy()
    if repeated.any():  # every kept (item, annotator, round) keeps one row, so every item keeps its code
        if duplicates == "error":
            info["duplicates"] = frame.loc[repeated]
        else:
            drop = keys.duplicated(keep="last" if duplicates == "keep_last" else "first").to_numpy()
            info["dropped"] = frame.loc[drop, ["_src", "_row"]]
            frame = frame.loc[~drop].reset_index(drop=True)
            item_codes = item_codes[~drop]
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
        item_ids=item_ids if item_ids.dtype == ITEM_DTYPE else pd.Index(pd.array(np.asarray(item_ids, dtype=object),
                                                                                dtype=ITEM_DTYPE)),
        item_codes=item_codes.astype(np.int32),
        annotator_codes=frame["annotator_id"].to_numpy(np.int32), label_codes=frame["label"].to_numpy(np.int32),
        n_annotators=n_annotators, n_categories=n_categories, gold_codes=gold_codes, round_codes=round_codes,
        n_rounds=n_rounds, image_codes=image_codes, image_values=image_values,
    )
    info["n_annotations"], info["n_items"] = part.n_annotations, part.n_items
    return part, info
