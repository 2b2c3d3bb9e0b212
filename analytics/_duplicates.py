"""Repeated ``(item_id, annotator_id, round)`` rows: an error listing them, or one of each kept (validation rule 5).

Used by :func:`analytics._validate.validate_annotations` (on coded columns) and by the Dask backend (on a frame).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ._coded import Coded
from ._labels import clean_text
from .exceptions import AnnotationSchemaError

__all__ = ["DuplicatePolicy", "duplicate_rows", "handle_duplicates"]

DuplicatePolicy = Literal["error", "keep_last", "keep_first"]


def duplicate_rows(frame: pd.DataFrame, items: Coded, anns: Coded, rounds: Coded | None, raw_rounds: Coded | None,
                    policy: DuplicatePolicy, skipped: list[dict[str, Any]]) -> np.ndarray | None:
    """Rows to drop under ``policy`` (None when no ``(item, annotator, round)`` repeats); an error listing the
    repeats with ``policy="error"``. Repeats are found on one integer key per row built from the cleaned codes
    (counted with ``bincount`` when the key space is small, hashed otherwise)."""
    parts = [(items.codes, len(items.values)), (anns.codes, len(anns.values))]
    if rounds is not None:
        parts.append((rounds.codes + 1, len(rounds.values) + 1))  # 0: no round
    space = 1
    for _, size in parts:
        space *= max(size, 1)
    if space < 2**62:
        key = np.array(parts[0][0], dtype=np.int64)  # built in place: one array, no temporaries
        for codes, size in parts[1:]:
            key *= max(size, 1)
            key += codes
        if space <= 4 * len(key) + (1 << 20):
            seen = np.zeros(space, dtype=bool)  # a key space of bytes, not counts: no repeat is the common case
            seen[key] = True
            if np.count_nonzero(seen) == len(key):
                return None
            del seen
            counts = np.bincount(key, minlength=space)
            dup_any = counts[key] > 1
        else:
            dup_any = pd.Series(key).duplicated(keep=False).to_numpy()
        keyed: pd.Series | pd.DataFrame = pd.Series(key)
    else:
        keyed = pd.DataFrame({f"k{i}": codes for i, (codes, _) in enumerate(parts)})
        dup_any = keyed.duplicated(keep=False).to_numpy()
    if not dup_any.any():
        return None
    if policy == "error":  # the message lists the repeats: built from those rows only
        rows = pd.DataFrame({"item_id": items.take(dup_any).decode(), "annotator_id": anns.take(dup_any).decode()})
        if raw_rounds is not None:
            rows["round"] = raw_rounds.take(dup_any).decode()
        rows["_row"] = frame.loc[dup_any, "_row"].to_numpy()
        handle_duplicates(rows, "error", None)
    keep = "last" if policy == "keep_last" else "first"
    dropped = keyed.duplicated(keep=keep).to_numpy()
    _record_dropped(skipped, frame, dropped, f"duplicates='{policy}' kept the {keep} row of this (item, annotator, round)")
    return dropped


def _record_dropped(skipped: list[dict[str, Any]], frame: pd.DataFrame, mask: np.ndarray, detail: str) -> None:
    for src, row in frame.loc[mask, ["_source", "_row"]].itertuples(index=False):
        skipped.append({"source": src, "row": row, "reason": "duplicate", "detail": detail})


def handle_duplicates(frame: pd.DataFrame, policy: DuplicatePolicy, drop_cb) -> pd.DataFrame:
    key = ["item_id", "annotator_id"] + (["round"] if "round" in frame.columns else [])
    keyed = frame[key].copy()
    if "round" in keyed.columns:
        keyed["round"] = keyed["round"].map(clean_text)
    dup_any = keyed.duplicated(keep=False).to_numpy()
    if not dup_any.any():
        return frame
    if policy == "error":
        text_key = keyed.loc[dup_any].map(lambda v: "" if v is None else str(v)).agg("|".join, axis=1)
        groups = frame.loc[dup_any].assign(_key=text_key)
        lines = []
        for _, g in list(groups.groupby("_key", sort=False))[:10]:
            first = g.iloc[0]
            where = f" round '{first['round']}'" if "round" in g.columns and pd.notna(first.get("round")) else ""
            lines.append(f"item '{first['item_id']}' by '{first['annotator_id']}'{where} at "
                         + ", ".join(map(str, g["_row"].tolist())))
        n_groups = groups["_key"].nunique()
        raise AnnotationSchemaError(
            f"{n_groups} (item_id, annotator_id{', round' if 'round' in key else ''}) combination{'s' if n_groups != 1 else ''} {'occur' if n_groups != 1 else 'occurs'} more than "
            f"once ({int(dup_any.sum())} rows): " + "; ".join(lines) + (" …" if n_groups > 10 else "")
            + ". Each annotator may label an item once per round: remove the repeats, add a 'round' column "
            "if they are re-labels, or pass duplicates='keep_last' (or 'keep_first') to keep one of each."
        )
    keep = "last" if policy == "keep_last" else "first"
    dropped = keyed.duplicated(keep=keep).to_numpy()
    drop_cb(dropped, f"duplicates='{policy}' kept the {keep} row of this (item, annotator, round)")
    return frame.loc[~dropped].reset_index(drop=True)
