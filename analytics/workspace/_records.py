"""Records read from a workspace: deliveries and their source files (plain frozen dataclasses, no pandas)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

__all__ = ["SourceFile", "DeliveryInfo", "plain", "delivery_from_row"]


def plain(value: Any) -> Any:
    """JSON-ready copy of a record (nested dataclasses, tuples → lists, NaN → None)."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value) if not f.name.startswith("_")}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class SourceFile:
    """A file a delivery was read from.

    Attributes
    ----------
    role : {"annotations", "gold", "predictions", "taxonomy"}
    name : str
        The file's name (no folder: workspaces travel between machines).
    sha256 : str
    n_bytes : int
    """

    role: str
    name: str
    sha256: str
    n_bytes: int


@dataclass(frozen=True)
class DeliveryInfo:
    """One delivery of a workspace.

    Attributes
    ----------
    id : int
        Position in the workspace (deliveries are ordered by it: the order they were added).
    name : str
    added_at : str
        ISO 8601 time (UTC) of the ``aqa add``.
    vendor, guideline_version, taxonomy, source : str or None
        Metadata given when adding (``taxonomy``: the taxonomy file's name and hash; ``source``: where the
        annotations came from, e.g. the files or a labeling tool's project).
    content_hash : str
        SHA-256 of the annotations (row order does not matter); the same content cannot be added twice.
    n_annotations, n_items, n_annotators, n_categories : int
    n_repeat_items : int
        Items of this delivery that were already in earlier deliveries.
    repeats : dict
        Earlier delivery name → items of this delivery it also held.
    multilabel : bool
    unknown_label : str or None
    n_unknown : int or None
        Labels of the Unknown/Other class.
    n_gold_items : int
    primary_coefficient : str or None
        The coefficient the delivery's verdict and the no-regression check use.
    categories : tuple of str
    metadata : dict
        Any other metadata given when adding.
    files : tuple of SourceFile
        The source files with their SHA-256 (filled by :meth:`Workspace.delivery`; empty in listings).
    """

    id: int
    name: str
    added_at: str
    vendor: str | None
    guideline_version: str | None
    taxonomy: str | None
    source: str | None
    content_hash: str
    n_annotations: int
    n_items: int
    n_annotators: int
    n_categories: int
    n_repeat_items: int
    repeats: dict[str, int]
    multilabel: bool
    unknown_label: str | None
    n_unknown: int | None
    n_gold_items: int
    primary_coefficient: str | None
    categories: tuple[str, ...]
    metadata: dict[str, Any]
    files: tuple[SourceFile, ...] = field(default=())

    @property
    def n_new_items(self) -> int:
        """Items seen for the first time in this delivery."""
        return self.n_items - self.n_repeat_items

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


#: Columns of ``deliveries`` read into a :class:`DeliveryInfo` (the big JSON columns are read on demand).
INFO_COLUMNS = ("id", "name", "added_at", "vendor", "guideline_version", "taxonomy", "source", "content_hash",
                "n_annotations", "n_items", "n_annotators", "n_categories", "n_repeat_items", "repeats_json",
                "multilabel", "unknown_label", "n_unknown", "n_gold_items", "primary_coefficient", "categories_json",
                "metadata_json")


def delivery_from_row(row: Mapping[str, Any], files: tuple[SourceFile, ...] = ()) -> DeliveryInfo:
    """A :class:`DeliveryInfo` from a row of ``deliveries`` (the :data:`INFO_COLUMNS`)."""
    values = {k: row[k] for k in INFO_COLUMNS if not k.endswith("_json")}
    return DeliveryInfo(
        id=int(values["id"]), name=str(values["name"]), added_at=str(values["added_at"]), vendor=values["vendor"],
        guideline_version=values["guideline_version"], taxonomy=values["taxonomy"], source=values["source"],
        content_hash=str(values["content_hash"]), n_annotations=int(values["n_annotations"]),
        n_items=int(values["n_items"]), n_annotators=int(values["n_annotators"]),
        n_categories=int(values["n_categories"]), n_repeat_items=int(values["n_repeat_items"]),
        repeats={str(k): int(v) for k, v in json.loads(row["repeats_json"]).items()},
        multilabel=bool(values["multilabel"]), unknown_label=values["unknown_label"],
        n_unknown=None if values["n_unknown"] is None else int(values["n_unknown"]),
        n_gold_items=int(values["n_gold_items"]), primary_coefficient=values["primary_coefficient"],
        categories=tuple(json.loads(row["categories_json"])), metadata=json.loads(row["metadata_json"]), files=files)
