"""Adding and removing deliveries: everything in one write transaction, so a delivery is stored whole or not at all.

Adding computes everything first, outside the lock — the quality report, the summaries, the Parquet tables,
the content hash and the item keys — then, holding the write lock, refuses content already stored (naming the
delivery that holds it), picks the name, recognises items seen in earlier deliveries, and inserts every row in
one transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import sqlalchemy as sa

from ..exceptions import InvalidParameterError
from . import _tables as t
from ._content import content_hash, dumps, file_digest, frame_to_parquet, gold_frame, item_keys, prediction_frame
from ._db import write_transaction
from ._errors import DeliveryNotFoundError, DuplicateDeliveryError, WorkspaceError
from ._records import DeliveryInfo, SourceFile
from ._summaries import Summaries, summarize

if TYPE_CHECKING:
    from .. import AnnotationSet

__all__ = ["Prepared", "prepare_delivery", "store_delivery", "remove_delivery", "check_text"]

_CHUNK = 500  # item keys per IN (…) query
_ROLES = ("annotations", "gold", "predictions", "taxonomy")


def check_text(value: Any, what: str, limit: int = 200) -> str | None:
    """A metadata text (stripped), or None; raise when it is not text or too long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameterError(f"{what} must be text, not {type(value).__name__}.")
    text = value.strip()
    if len(text) > limit:
        raise InvalidParameterError(f"{what} is {len(text)} characters long; at most {limit} are allowed.")
    return text or None


@dataclass(frozen=True)
class Prepared:
    """A delivery ready to store (everything computed; nothing written yet)."""

    values: dict[str, Any]
    summaries: Summaries
    files: tuple[SourceFile, ...]
    blobs: tuple[tuple[str, str, int, bytes], ...]  # (kind, format, n_rows, data)
    items: list[tuple[str, int]]
    default_name: str


def _files(files: Sequence[tuple[str, Any]]) -> tuple[SourceFile, ...]:
    out = []
    for role, path in files:
        if role not in _ROLES:
            raise InvalidParameterError(f"A source file's role must be one of {', '.join(_ROLES)}, not {role!r}.")
        digest, size = file_digest(path)
        out.append(SourceFile(role=role, name=Path(path).name, sha256=digest, n_bytes=size))
    return tuple(out)


def _blobs(aset: "AnnotationSet") -> tuple[tuple[str, str, int, bytes], ...]:
    frame = aset.frame
    blobs = [("annotations", "parquet", len(frame), frame_to_parquet(frame))]
    gold = gold_frame(aset)
    if gold is not None:
        blobs.append(("gold", "parquet", len(gold), frame_to_parquet(gold)))
    preds = prediction_frame(aset)
    if preds is not None:
        blobs.append(("predictions", "parquet", len(preds), frame_to_parquet(preds)))
    if aset.taxonomy is not None:
        blobs.append(("taxonomy", "json", len(aset.taxonomy.classes), dumps(aset.taxonomy.to_dict()).encode("utf-8")))
    return tuple(blobs)


def _taxonomy_name(aset: "AnnotationSet", files: tuple[SourceFile, ...], given: str | None) -> str | None:
    if given:
        return given
    for f in files:
        if f.role == "taxonomy":
            return f"{f.name}@{f.sha256[:12]}"
    if aset.taxonomy is not None:
        import hashlib

        return f"taxonomy@{hashlib.sha256(dumps(aset.taxonomy.to_dict()).encode()).hexdigest()[:12]}"
    return None


def _default_name(files: tuple[SourceFile, ...], aset: "AnnotationSet") -> str:
    names = [Path(f.name).stem for f in files if f.role == "annotations"]
    base = names[0] if len(names) == 1 else (f"{names[0]}+{len(names) - 1}" if names else "")
    if not base:
        source = str(aset.report.source)
        base = Path(source).stem if source and not source.startswith("<") else "delivery"
    base = re.sub(r"\s+", " ", base).strip()[:180]
    return base or "delivery"


def prepare_delivery(aset: "AnnotationSet", *, report: Any, vendor: str | None, guideline_version: str | None,
                     taxonomy: str | None, source: str | None, files: Sequence[tuple[str, Any]],
                     metadata: Mapping[str, Any] | None, settings: Mapping[str, Any]) -> Prepared:
    """Compute everything a delivery stores (outside any transaction)."""
    from .. import __version__

    if metadata is not None and not isinstance(metadata, Mapping):
        raise InvalidParameterError(f"metadata must be a mapping of names to values, not {type(metadata).__name__}.")
    sources = _files(files)
    summaries = summarize(aset, report)
    report_dict = report.to_dict()
    values = {
        "vendor": check_text(vendor, "vendor"), "guideline_version": check_text(guideline_version, "guideline_version"),
        "taxonomy": _taxonomy_name(aset, sources, check_text(taxonomy, "taxonomy", 500)),
        "source": check_text(source, "source", 2000) or (str(aset.report.source) or None),
        "content_hash": content_hash(aset), "n_annotations": int(aset.n_annotations), "n_items": int(aset.n_items),
        "n_annotators": int(aset.n_annotators), "n_categories": int(aset.n_categories),
        "multilabel": bool(aset.multilabel), "unknown_label": summaries.unknown_label, "n_unknown": summaries.n_unknown,
        "n_gold_items": summaries.n_gold_items, "primary_coefficient": summaries.primary,
        "categories_json": json.dumps([str(c) for c in aset.categories], ensure_ascii=False),
        "metadata_json": dumps(dict(metadata or {})), "settings_json": json.dumps(dict(settings)),
        "import_json": json.dumps(report_dict["imports"], ensure_ascii=False, allow_nan=False),
        "report_json": json.dumps(report_dict, ensure_ascii=False, allow_nan=False), "aqa_version": __version__,
    }
    return Prepared(values=values, summaries=summaries, files=sources, blobs=_blobs(aset), items=item_keys(aset),
                    default_name=_default_name(sources, aset))


def _unique_name(conn: sa.Connection, base: str) -> str:
    taken = set(conn.execute(sa.select(t.deliveries.c.name).where(t.deliveries.c.name.like(f"{base}%"))).scalars())
    if base not in taken:
        return base
    k = 2
    while f"{base}-{k}" in taken:
        k += 1
    return f"{base}-{k}"


def _repeats(conn: sa.Connection, keys: list[str]) -> tuple[int, dict[str, int]]:
    """Items among ``keys`` already stored, and per earlier delivery how many of them it held."""
    seen: set[str] = set()
    per: dict[int, int] = {}
    di = t.delivery_items
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        rows = conn.execute(sa.select(di.c.delivery_id, di.c.item_key).where(di.c.item_key.in_(chunk))).all()
        for delivery_id, key in rows:
            seen.add(key)
            per[delivery_id] = per.get(delivery_id, 0) + 1
    names = dict(conn.execute(sa.select(t.deliveries.c.id, t.deliveries.c.name)
                              .where(t.deliveries.c.id.in_(list(per)))).all()) if per else {}
    return len(seen), {names[k]: v for k, v in sorted(per.items())}


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], delivery_id: int) -> None:
    if rows:
        conn.execute(table.insert(), [{"delivery_id": delivery_id, **r} for r in rows])


def store_delivery(engine: sa.Engine, prepared: Prepared, *, name: str | None, timeout: float) -> DeliveryInfo:
    """Insert a prepared delivery in one write transaction; returns what was stored."""
    from ._records import INFO_COLUMNS, delivery_from_row

    d = t.deliveries
    wanted = check_text(name, "The delivery name")
    with write_transaction(engine, timeout=timeout) as conn:
        earlier = conn.execute(sa.select(d.c.name, d.c.added_at).where(
            d.c.content_hash == prepared.values["content_hash"])).first()
        if earlier is not None:
            raise DuplicateDeliveryError(
                f"This content is already in the workspace as delivery '{earlier.name}' (added {earlier.added_at}): "
                f"the same {prepared.values['n_annotations']:,} annotations (item, annotator, round and label of every "
                "row). Nothing was added.", earlier=str(earlier.name))
        if wanted is not None:
            clash = conn.execute(sa.select(d.c.added_at).where(d.c.name == wanted)).first()
            if clash is not None:
                raise WorkspaceError(f"A delivery named '{wanted}' is already in the workspace (added "
                                     f"{clash.added_at}); choose another name with --delivery NAME.")
        delivery_name = wanted or _unique_name(conn, prepared.default_name)
        n_repeat, repeats = _repeats(conn, [k for k, _ in prepared.items])
        values = {**prepared.values, "name": delivery_name, "n_repeat_items": n_repeat,
                  "repeats_json": json.dumps(repeats, ensure_ascii=False),
                  "added_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        delivery_id = int(conn.execute(d.insert().values(**values)).inserted_primary_key[0])
        _insert(conn, t.delivery_files, [{"role": f.role, "name": f.name, "sha256": f.sha256, "n_bytes": f.n_bytes}
                                         for f in prepared.files], delivery_id)
        _insert(conn, t.delivery_data, [{"kind": k, "format": f, "n_rows": n, "data": b}
                                        for k, f, n, b in prepared.blobs], delivery_id)
        _insert(conn, t.delivery_items, [{"item_key": k, "n_annotations": n} for k, n in prepared.items], delivery_id)
        s = prepared.summaries
        _insert(conn, t.coefficients, s.coefficients, delivery_id)
        _insert(conn, t.category_stats, s.categories, delivery_id)
        _insert(conn, t.annotator_gold, s.gold, delivery_id)
        _insert(conn, t.pair_stats, s.pairs, delivery_id)
        row = conn.execute(sa.select(*[d.c[k] for k in INFO_COLUMNS]).where(d.c.id == delivery_id)).mappings().one()
    return delivery_from_row(row, prepared.files)


#: Tables holding rows of a delivery (removed with it).
CHILD_TABLES = ("delivery_files", "delivery_data", "delivery_items", "coefficients", "category_stats",
                "annotator_gold", "pair_stats")


def remove_delivery(engine: sa.Engine, name: str, *, timeout: float) -> DeliveryInfo:
    """Delete a delivery and everything stored with it, in one transaction; returns what was removed."""
    from ._records import INFO_COLUMNS, delivery_from_row

    d = t.deliveries
    with write_transaction(engine, timeout=timeout) as conn:
        row = conn.execute(sa.select(*[d.c[k] for k in INFO_COLUMNS]).where(d.c.name == name)).mappings().first()
        if row is None:
            raise DeliveryNotFoundError(f"No delivery named '{name}' in the workspace; 'aqa workspace list' shows them.")
        for table in CHILD_TABLES:
            conn.execute(t.metadata.tables[table].delete().where(t.metadata.tables[table].c.delivery_id == row["id"]))
        conn.execute(d.delete().where(d.c.id == row["id"]))
        later = conn.execute(sa.select(d.c.id).where(d.c.id > row["id"], d.c.repeats_json.like(
            f"%{json.dumps(str(name), ensure_ascii=False)[1:-1]}%"))).scalars().all()
        for delivery_id in later:
            _refresh_repeats(conn, delivery_id)
    return delivery_from_row(row)


def _refresh_repeats(conn: sa.Connection, delivery_id: int) -> None:
    """Recount a delivery's items seen in earlier deliveries (after one of those was removed)."""
    a, b, d = t.delivery_items.alias("a"), t.delivery_items.alias("b"), t.deliveries
    joined = a.join(b, a.c.item_key == b.c.item_key)
    where = (a.c.delivery_id == delivery_id, b.c.delivery_id < delivery_id)
    n = conn.execute(sa.select(sa.func.count(sa.distinct(a.c.item_key))).select_from(joined).where(*where)).scalar()
    per = conn.execute(sa.select(d.c.name, sa.func.count()).select_from(joined.join(d, d.c.id == b.c.delivery_id))
                       .where(*where).group_by(d.c.id, d.c.name).order_by(d.c.id)).all()
    conn.execute(d.update().where(d.c.id == delivery_id).values(
        n_repeat_items=int(n or 0), repeats_json=json.dumps({str(k): int(v) for k, v in per}, ensure_ascii=False)))
