"""The guideline draft as one self-contained, printable HTML file (and :func:`write_guideline` for either format).

The page is the jinja2 template ``templates/guideline.html.j2`` with ``templates/guideline.css``, rendered with
autoescaping on: every label, id, definition and file name is escaped where the template prints it, without a call
at each site. Item images are embedded as small PNG ``data:`` URIs (:mod:`analytics.report._thumbnails`); the
page's Content-Security-Policy forbids scripts and every network request, so the file works offline and a hostile
label cannot run. Print CSS sets A4 pages, one class card per page, and keeps example figures whole.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import jinja2

from .._atomic import write_text_atomic
from ..exceptions import InvalidParameterError
from ._guideline_document import document
from ._thumbnails import ThumbnailCache

if TYPE_CHECKING:
    from ..taxonomy.guideline import GuidelineCards

__all__ = ["render_guideline_html", "write_guideline", "guideline_format"]

_ENVIRONMENT: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    """The templates' environment: autoescaping on for every template, undefined names fail (built once)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = jinja2.Environment(
            loader=jinja2.PackageLoader("analytics.report", "templates"), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return _ENVIRONMENT


def render_guideline_html(cards: "GuidelineCards", *, thumbnail_size: int = 96, created: datetime | None = None) -> str:
    """The HTML document of :func:`analytics.guideline_cards` (one file: styles and images inline, no script).

    Parameters
    ----------
    cards : GuidelineCards
    thumbnail_size : int
        Largest side of the embedded thumbnails, in pixels.
    created : datetime, optional
        The date printed on the draft (default: now, UTC).

    Examples
    --------
    >>> from analytics import load_annotations, guideline_cards
    >>> retail = load_annotations("sample_data/retail/annotations.csv", taxonomy="sample_data/retail/taxonomy.yaml")
    >>> html = render_guideline_html(guideline_cards(retail))
    >>> html.startswith("<!DOCTYPE html>"), "Shirt ↔ Blouse" in html, "<script" in html
    (True, True, False)
    """
    if isinstance(thumbnail_size, bool) or not isinstance(thumbnail_size, int) or not 16 <= thumbnail_size <= 512:
        raise InvalidParameterError(f"thumbnail_size= must be an integer from 16 to 512 pixels; got {thumbnail_size!r}.")
    template = _environment().get_template("guideline.html.j2")
    return template.render(doc=document(cards, created=created), thumb=ThumbnailCache(thumbnail_size))


def guideline_format(path: "str | os.PathLike[str]", format: str | None = None) -> Literal["html", "markdown"]:
    """The document format: ``format`` when given, else from the file's suffix (``.md``/``.markdown``: Markdown)."""
    if format is not None:
        if format not in ("html", "markdown"):
            raise InvalidParameterError(f"format= must be 'html' or 'markdown'; got {format!r}.")
        return format  # type: ignore[return-value]
    suffix = Path(path).suffix.lower()
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".html", ".htm", ""):
        return "html"
    raise InvalidParameterError(
        f"Cannot tell the document format from '{Path(path).name}': name it .html or .md, or pass "
        "format='html' / 'markdown' (aqa guideline --output-format).")


def write_guideline(cards: "GuidelineCards", path: "str | os.PathLike[str]", *,
                    format: Literal["html", "markdown"] | None = None,
                    images: Literal["embed", "relative", "omit"] = "embed", thumbnail_size: int = 96) -> Path:
    """Write the guideline draft to ``path`` atomically, as HTML or Markdown (``format``, else the suffix).

    ``images``: HTML always embeds thumbnails (``"omit"`` leaves them out); Markdown links each image by its path
    relative to the file's folder (``"relative"``, the default there) or leaves them out with a note (``"omit"``).

    Raises
    ------
    OutputWriteError
        The file could not be written (the message names it).
    """
    from .guideline_markdown import render_guideline_markdown

    out = Path(path)
    kind = guideline_format(out, format)
    if images not in ("embed", "relative", "omit"):
        raise InvalidParameterError(f"images= must be 'embed', 'relative' or 'omit'; got {images!r}.")
    if kind == "html":
        text = render_guideline_html(cards if images != "omit" else _without_images(cards),
                                     thumbnail_size=thumbnail_size)
    else:
        base = out.parent if images != "omit" else None
        text = render_guideline_markdown(cards, image_base=base)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, text)
    return out


def _without_images(cards: "GuidelineCards") -> "GuidelineCards":
    """The same cards with every image reference removed (a text-only document)."""
    import dataclasses

    def strip(items: tuple) -> tuple:
        return tuple(dataclasses.replace(i, image=None) for i in items)

    new = []
    for c in cards.cards:
        galleries = tuple(dataclasses.replace(g, items=strip(g.items)) for g in c.borderline)
        new.append(dataclasses.replace(c, correct=strip(c.correct), incorrect=strip(c.incorrect), borderline=galleries))
    return dataclasses.replace(cards, cards=tuple(new))
