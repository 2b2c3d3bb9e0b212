"""Uploaded files before they are loaded: the size limit, the content hash that keys the cache, and the copy
into a temporary folder (no Streamlit here; :mod:`dashboard.services` caches what these feed)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from analytics import AnnotationFileError
from analytics._atomic import write_bytes_atomic
from analytics.limits import current_limits, limit_message

__all__ = ["Upload", "check_sizes", "digest", "write_uploads"]

Upload = tuple[str, bytes]  # (file name, content)


def check_sizes(uploads: dict[str, Upload | None]) -> None:
    """Refuse an upload over the file-size limit, before anything is hashed or written."""
    limits = current_limits()
    for role, up in uploads.items():
        if up is not None and len(up[1]) > limits.max_file_bytes:
            raise AnnotationFileError(limit_message("max_file_bytes", len(up[1]),
                                                    f"The upload '{up[0]}' ({role}) is too large", limits))


def digest(uploads: dict[str, Upload | None], options: dict[str, Any]) -> str:
    """SHA-256 of the load options and of every file's role, name and content."""
    h = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    for role in sorted(uploads):
        up = uploads[role]
        if up is not None:
            h.update(role.encode() + b"\0" + up[0].encode() + b"\0" + hashlib.sha256(up[1]).digest())
    return h.hexdigest()


def write_uploads(folder: str | Path, uploads: dict[str, Upload | None]) -> dict[str, Path | None]:
    """Write each upload to ``folder/<role>/<its file name>`` (atomically); the paths by role (None: not given)."""
    paths: dict[str, Path | None] = {}
    for role, up in uploads.items():
        if up is None:
            paths[role] = None
            continue
        (Path(folder) / role).mkdir()
        paths[role] = Path(folder) / role / Path(up[0]).name
        write_bytes_atomic(paths[role], up[1])
    return paths
