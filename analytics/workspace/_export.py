"""Export a workspace as files a user can take elsewhere: Parquet tables and JSON, one folder per delivery.

``folder/<delivery>/annotations.parquet`` (and ``gold.parquet``, ``predictions.parquet`` when present),
``taxonomy.json``, ``report.json`` (the QualityReport), ``import_report.json``, ``delivery.json`` (metadata,
source files and their SHA-256, settings); ``folder/history.json`` holds the trends across the exported
workspace and ``folder/deliveries.parquet`` one row per delivery. Every file is written atomically.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Sequence

from .._atomic import write_bytes_atomic, write_text_atomic
from ._errors import WorkspaceError

__all__ = ["export_workspace", "folder_name"]


def folder_name(name: str) -> str:
    """A file-system-safe folder name for a delivery name."""
    safe = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._") or "delivery"
    return safe[:120]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)


def _bytes(path: Path, data: bytes) -> Path:
    write_bytes_atomic(path, data)
    return path


def _text(path: Path, text: str) -> Path:
    write_text_atomic(path, text)
    return path


def export_workspace(ws: Any, folder: "str | os.PathLike[str]",
                     names: Sequence[str] | None = None) -> list[Path]:
    """Write the deliveries ``names`` (default: all) of ``ws`` into ``folder``; returns the files written."""
    from ._content import frame_to_parquet

    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise WorkspaceError(f"{out} exists and is not a folder; give a folder to export into.")
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(names) if names else [d.name for d in ws.deliveries()]
    written: list[Path] = []
    used: dict[str, str] = {}
    for name in chosen:
        info, blobs = ws._blobs(name)
        info = ws.delivery(name)
        sub = folder_name(name)
        if sub in used:
            sub = f"{sub}_{info.id}"
        used[sub] = name
        target = out / sub
        target.mkdir(exist_ok=True)
        for kind, (fmt, data) in sorted(blobs.items()):
            written.append(_bytes(target / f"{kind}.{fmt}", data))
        written.append(_text(target / "report.json", _json(ws.report(name))))
        written.append(_text(target / "import_report.json", _json(ws.import_report(name))))
        written.append(_text(target / "delivery.json",
                                         _json({**info.to_dict(), "settings": ws.settings(name), "folder": sub})))
    history = ws.history()
    keep = set(chosen)
    data = history.to_dict()
    for key in ("agreement", "per_class", "gold", "unknown", "balance", "hotspots"):
        data[key] = [r for r in data[key] if r.get("delivery") in keep]
    data["deliveries"] = [d for d in data["deliveries"] if d["name"] in keep]
    written.append(_text(out / "history.json", _json(data)))
    frame = history.frame("deliveries")
    frame = frame[frame["name"].isin(keep)].copy()
    for column in ("repeats", "metadata", "categories"):
        frame[column] = frame[column].map(lambda v: json.dumps(v, ensure_ascii=False))
    written.append(_bytes(out / "deliveries.parquet", frame_to_parquet(frame)))
    return written
