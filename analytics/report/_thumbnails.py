"""Item images for the guideline document: small embedded thumbnails, or a reason in words when there is none.

The references are those the annotation set holds (its ``image`` column, as the loader resolved and checked them,
read per item by :func:`analytics._reshape.item_images` — the accessor the hotspot examples use). Nothing is ever
downloaded: a URL stays a reference. A local file is opened with Pillow, shrunk to at most ``size`` pixels a side and
embedded as a PNG ``data:`` URI, so the document is one self-contained file. A file that is missing, unreadable, not
an image or a decompression bomb gives a placeholder with the reason, never an exception.
"""

from __future__ import annotations

import base64
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ["Thumbnail", "thumbnail", "relative_image_link", "ThumbnailCache"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://|^data:", re.IGNORECASE)


@dataclass(frozen=True)
class Thumbnail:
    """``data_uri`` (a PNG ``data:`` URI) or, when there is no picture, ``reason`` (in words)."""

    data_uri: str | None
    reason: str | None
    name: str | None = None


def _name(reference: str) -> str:
    text = reference.replace("\\", "/").rstrip("/")
    return text.rsplit("/", 1)[-1][-60:] or reference[-60:]


def thumbnail(reference: str | None, *, size: int = 96) -> Thumbnail:
    """The embedded thumbnail of one image reference (see the module docstring)."""
    if reference is None or str(reference).strip() == "":
        return Thumbnail(None, "no image")
    ref = str(reference)
    if _URL.match(ref):
        return Thumbnail(None, "a remote image: not embedded (images are never downloaded)", _name(ref))
    try:
        exists = os.path.isfile(ref)
    except (OSError, ValueError):
        exists = False
    if not exists:
        return Thumbnail(None, "image file not found", _name(ref))
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(ref) as img:
                img.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
                img.thumbnail((size, size))
                small = img.convert("RGB" if img.mode not in ("L", "RGB", "RGBA") else img.mode)
                out = io.BytesIO()
                small.save(out, format="PNG", optimize=True)  # atomic: into memory (BytesIO)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Thumbnail(None, "not an image that can be read", _name(ref))
    return Thumbnail("data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii"), None, _name(ref))


class ThumbnailCache:
    """Thumbnails of one document, each reference read once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._done: dict[str | None, Thumbnail] = {}

    def __call__(self, reference: str | None) -> Thumbnail:
        if reference not in self._done:
            self._done[reference] = thumbnail(reference, size=self.size)
        return self._done[reference]


def relative_image_link(reference: str | None, base: "str | os.PathLike[str] | None") -> tuple[str | None, str | None]:
    """``(link, reason)``: the image as a URL-quoted path relative to ``base`` (the Markdown file's folder), or None
    and why (no image, a remote image, a missing file, or no folder to be relative to)."""
    if reference is None or str(reference).strip() == "":
        return None, "no image"
    ref = str(reference)
    if _URL.match(ref):
        return None, "a remote image: not linked"
    if base is None:
        return None, "images omitted (no folder for relative links)"
    try:
        if not os.path.isfile(ref):
            return None, "image file not found"
        rel = os.path.relpath(os.path.abspath(ref), os.path.abspath(base))
    except (OSError, ValueError):
        return None, "image file not found"
    return quote(Path(rel).as_posix(), safe="/._-~"), None
