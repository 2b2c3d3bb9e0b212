"""What a delivery is made of, as bytes: the content hash, the Parquet tables, the item keys, the file hashes.

* :func:`content_hash` — SHA-256 over the annotations themselves (item, annotator, round, label of every row,
  sorted), so the same delivery is recognised whatever its row order, file name or export format.
* :func:`annotations_table` / :func:`frame_from_parquet` — the annotations (every column of the set's table:
  ids, label, round, timestamp, duration, image and any extra column) as Parquet, which is what the workspace
  stores and exports; tag sets become Parquet lists.
* :func:`item_keys` — a 64-bit BLAKE2b key per item id (16 hex digits), indexed across deliveries to recognise
  items that come back (fixed width, whatever the length of the ids).
* :func:`file_digest` — SHA-256 and size of a source file, read in blocks.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import pandas as pd

    from .. import AnnotationSet

__all__ = ["content_hash", "frame_to_parquet", "frame_from_parquet", "item_key", "item_keys", "file_digest",
           "gold_frame", "prediction_frame"]

_ROWS_PER_CHUNK = 200_000


def _text_column(values: "pd.Series") -> "pd.Series":
    def text(v: Any) -> str:
        if isinstance(v, (tuple, list)):
            return "\x1d".join(sorted(str(t) for t in v))
        return "" if v is None or v != v else str(v)  # NaN != NaN

    return values.map(text)


def content_hash(aset: "AnnotationSet") -> str:
    """SHA-256 of the annotations (item, annotator, round, label per row), independent of row order."""
    import pandas as pd

    frame = aset.frame
    parts = {c: _text_column(frame[c]) if c in frame.columns else pd.Series("", index=frame.index)
             for c in ("item_id", "annotator_id", "round", "label")}
    rows = (parts["item_id"] + "\x1f" + parts["annotator_id"] + "\x1f" + parts["round"] + "\x1f" + parts["label"])
    digest = hashlib.sha256(b"aqa-annotations-v1\n")
    values = rows.sort_values(kind="stable").tolist()
    for start in range(0, len(values), _ROWS_PER_CHUNK):
        digest.update("\x1e".join(values[start:start + _ROWS_PER_CHUNK]).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _arrow_ready(frame: "pd.DataFrame") -> "pd.DataFrame":
    """Columns Parquet can hold: tag tuples as lists, extra columns of mixed types as text."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object:
            continue
        if values.map(lambda v: isinstance(v, tuple)).any():
            out[column] = values.map(lambda v: list(v) if isinstance(v, tuple) else v)
        elif not values.map(lambda v: _missing(v) or isinstance(v, str)).all():
            out[column] = values.map(lambda v: None if _missing(v) else str(v))
    return out


def frame_to_parquet(frame: "pd.DataFrame") -> bytes:
    """The table as Parquet bytes (zstd); tag tuples stored as lists."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_arrow_ready(frame), preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")  # atomic: into memory, no file
    return sink.getvalue()


def frame_from_parquet(data: bytes, *, tag_columns: Iterable[str] = ()) -> "pd.DataFrame":
    """The stored table back as pandas (text as Python strings; ``tag_columns`` as tuples of tags)."""
    import pyarrow.parquet as pq

    frame = pq.read_table(io.BytesIO(data)).to_pandas()
    for column in tag_columns:
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: tuple(str(t) for t in v) if v is not None else v)
    return frame


def gold_frame(aset: "AnnotationSet") -> "pd.DataFrame | None":
    """``item_id, gold_label`` of the set's gold labels (None without gold)."""
    import pandas as pd

    if aset.gold is None or not len(aset.gold):
        return None
    return pd.DataFrame({"item_id": [str(i) for i in aset.gold.index], "gold_label": list(aset.gold.to_numpy())})


def prediction_frame(aset: "AnnotationSet") -> "pd.DataFrame | None":
    """The set's predictions as a table (``item_id`` + one probability column per class, or
    ``predicted_label, confidence``); None without predictions."""
    import pandas as pd

    if aset.prediction_codes is None:
        return None
    has = aset.prediction_codes >= 0
    ids = [str(i) for i in aset.item_ids[has]]
    if aset.prediction_probs is not None:
        out = pd.DataFrame(aset.prediction_probs[has], columns=[str(c) for c in aset.categories])
        out.insert(0, "item_id", ids)
        return out
    return pd.DataFrame({"item_id": ids,
                         "predicted_label": [str(aset.categories[c]) for c in aset.prediction_codes[has]],
                         "confidence": aset.prediction_confidence[has]})


def item_key(item_id: Any) -> str:
    """64-bit BLAKE2b key of an item id (16 hex digits)."""
    return hashlib.blake2b(str(item_id).encode("utf-8"), digest_size=8).hexdigest()


def item_keys(aset: "AnnotationSet") -> list[tuple[str, int]]:
    """``(key, annotations of the item)`` for every item of the set, in item order."""
    counts = aset.ratings_per_item
    return [(item_key(i), int(n)) for i, n in zip(aset.item_ids, counts)]


def file_digest(path: "str | os.PathLike[str]") -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def dumps(value: Any) -> str:
    """Strict JSON text (NaN → null) of ``value``."""
    from ..results import jsonable

    return json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False, sort_keys=False)


def file_name(path: "str | os.PathLike[str]") -> str:
    return Path(path).name
