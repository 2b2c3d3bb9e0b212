"""Image references from annotation files: what may be opened, what stays text, what is refused.

An export's ``image`` column comes from outside. Read naively, ``/etc/passwd``, ``../../home/me/.ssh/id_rsa``
or a symbolic link planted next to the file would be opened by the dashboard and by ``aqa score``, and an
``http://`` value would make the browser fetch it. The rule here: **an image resolves only inside its image
root** — the folder of the annotation file, or the folder the user names (``image_root=``,
``--image-root DIR``, the dashboard's *image folder* setting) — and **a URL is never fetched by the library**.

At load time (:func:`check_image_references`, applied by :func:`analytics.load_annotations` to every file):

* a **relative path** is joined to the image root and normalized; when it stays inside the root it is kept —
  as the absolute path when the file's images are there (any of its first :data:`IMAGE_SAMPLE` distinct
  paths is a file), else as written, to be joined to a root again when used (:func:`image_access`);
* an **absolute path** is kept when it lies inside the root, else refused;
* a path whose ``..`` parts lead **outside** the root is refused, and so is one that reaches outside it
  through a **symbolic link** (a linked folder on the way, or the file itself);
* ``file:`` URLs and Windows absolute paths (``C:\\…``, ``\\\\server\\…``) are refused;
* **URLs** (``https://…``, ``s3://…``, ``data:``) and labeling-tool server paths (Label Studio's
  ``/data/upload/…``, ``/data/local-files/…``) are kept as text: nothing here downloads them, and the
  dashboard shows a remote image only for hosts the user allows (:func:`image_access`).

A refused reference is **removed from that annotation only**: the annotation itself is kept (its label is
not in doubt, only where its picture is), and the import report lists the row with reason
``image_refused`` and the reason in words, so the refusals are counted (``ImportReport.skipped_by_reason``)
and nothing is dropped silently. With no folder to check against (a DataFrame, or ``image_root=False``),
relative references stay as they are, as text; absolute paths and ``..`` escapes are refused.

At use time, :func:`image_access` checks a reference again against the roots the caller allows (files can
change after loading), so a consumer never opens anything outside them.

The work is per distinct reference, and the symbolic-link check lists each folder once
(``os.scandir``), so a column of a million rows costs one factorization plus a few string operations per
distinct image.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from .._labels import clean_text, clean_uniques, may_hold_containers
from .._wording import count_noun
from ..exceptions import InvalidParameterError

__all__ = ["ImageCheck", "ImageAccess", "check_image_references", "image_access", "normalize_hosts",
           "resolve_image_root", "thumbnail_png", "ImageRoot"]

#: ``image_root=`` values: a folder, ``None`` (each annotation file's own folder) or ``False`` (no folder).
ImageRoot = "str | os.PathLike[str] | Literal[False] | None"

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://|^data:", re.IGNORECASE)
_FILE_URL = re.compile(r"^file:", re.IGNORECASE)
_TOOL_SERVER = re.compile(r"^/data/(?:upload|local-files)(?:/|\?)")
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


@dataclass(frozen=True)
class ImageCheck:
    """The outcome of :func:`check_image_references` for one column.

    Attributes
    ----------
    values : pandas.Series
        The column to keep: absolute paths inside the root, URLs and tool-server paths as text, relative
        paths as text when there is no root, ``None`` where blank or refused.
    refused : numpy.ndarray
        Per row, whether its reference was refused.
    details : pandas.Series
        For the refused rows (same index as ``values``), why, in words.
    n_remote : int
        Rows whose reference is a URL or a tool-server path (kept as text, never fetched).
    n_resolved : int
        Rows whose path was resolved inside the image root.
    hosts : tuple of str
        Distinct hosts of the ``http(s)`` URLs (at most 10), for the import report's note.
    """

    values: pd.Series
    refused: np.ndarray
    details: pd.Series
    n_remote: int
    n_resolved: int
    hosts: tuple[str, ...]


def resolve_image_root(image_root: Any, source: Any) -> Path | None:
    """The folder an annotation source's images must lie in: ``image_root``, else the file's folder.

    ``False`` (and a DataFrame or a server address such as ``labelstudio://HOST/projects/ID`` without
    ``image_root``) gives ``None``: no folder.
    """
    if image_root is False:
        return None
    if image_root is not None:
        if isinstance(image_root, bool) or not isinstance(image_root, (str, os.PathLike)):
            raise InvalidParameterError(
                f"image_root= must be a folder path, None (the annotation file's folder) or False (no folder); "
                f"got {type(image_root).__name__}.")
        root = Path(image_root)
        if not root.is_dir():
            raise InvalidParameterError(
                f"image_root='{root}' is not a folder. Name the folder the image paths of the annotations start "
                "from (--image-root DIR on the command line).")
        return Path(os.path.abspath(root))
    if isinstance(source, str) and _URL.match(source):
        return None  # a server has no folder on this computer
    if isinstance(source, (str, os.PathLike)):
        return Path(os.path.abspath(Path(source).parent))
    return None


def normalize_hosts(hosts: str | Iterable[str] | None) -> frozenset[str]:
    """Host names for remote images, lower-cased (a comma-separated text or a list; ``None``: none)."""
    if hosts is None:
        return frozenset()
    items = hosts.split(",") if isinstance(hosts, str) else list(hosts)
    out = set()
    for host in items:
        if not isinstance(host, str):
            raise InvalidParameterError(f"Remote image hosts must be host names; got {type(host).__name__}.")
        text = host.strip().lower()
        if "://" in text:  # a URL was given: keep its host
            text = (urlsplit(text).hostname or "").lower()
        if text:
            out.add(text.rstrip("."))
    return frozenset(out)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _kinds(texts: pd.Series) -> np.ndarray:
    """Per distinct reference: ``"url"``, ``"refused_kind"`` (file URL, Windows path) or ``"local"``."""
    if not len(texts):
        return np.array([], dtype=object)
    kind = np.full(len(texts), "local", dtype=object)
    remote = (texts.str.contains(_URL) | texts.str.contains(_TOOL_SERVER)).to_numpy(dtype=bool)
    odd = (texts.str.contains(_FILE_URL) | texts.str.contains(_WINDOWS_ABSOLUTE)).to_numpy(dtype=bool)
    kind[remote] = "url"
    kind[odd] = "refused_kind"  # file: URLs and Windows paths are local files in disguise
    return kind


class _LinkIndex:
    """Symbolic links that lead outside a root, found by listing each folder once."""

    def __init__(self, root: str) -> None:
        self.real_root = os.path.realpath(root)
        self._folders: dict[str, tuple[bool, dict[str, str]]] = {}

    def _folder(self, folder: str) -> tuple[bool, dict[str, str]]:
        known = self._folders.get(folder)
        if known is not None:
            return known
        try:
            inside = _inside(os.path.realpath(folder), self.real_root)
        except (OSError, ValueError):
            inside = True  # an unreadable name cannot be followed either
        outside_links: dict[str, str] = {}
        if inside:
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_symlink():
                            target = os.path.realpath(entry.path)
                            if not _inside(target, self.real_root):
                                outside_links[entry.name] = target
            except (OSError, ValueError):
                pass
        self._folders[folder] = (inside, outside_links)
        return inside, outside_links

    def escape(self, path: str) -> str | None:
        """Why ``path`` (lexically inside the root) reaches outside it through a link, or None."""
        folder, name = os.path.split(path)
        inside, links = self._folder(folder)
        if not inside:
            return "a symbolically linked folder on its path leads outside the image root"
        if name in links:
            return "it is a symbolic link to a file outside the image root"
        return None


_NOT_SIMPLE = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|//|/$|^/|\x00")


def _verdict_one(text: str, root: Path | None, links: "_LinkIndex | None") -> tuple[str | None, str | None]:
    """(value to keep or None, refusal reason or None) of one local reference, the general way."""
    if root is None:
        normal = os.path.normpath(text)
        if os.path.isabs(text):
            return None, ("an absolute path, and there is no folder to check it against (a DataFrame or "
                          "image_root=False); give paths relative to an image root and pass image_root=")
        if normal == ".." or normal.startswith(".." + os.sep):
            return None, "its '..' parts lead outside the folder the paths start from"
        return text, None
    base = str(root)
    try:
        joined = os.path.normpath(os.path.join(base, text))
    except ValueError:  # NUL bytes and similar: not a file name
        return None, "it is not a valid file name"
    if not _inside(joined, base):
        return None, (f"the absolute path is outside the image root '{base}'" if os.path.isabs(text) else
                      f"its '..' parts lead outside the image root '{base}'")
    escape = links.escape(joined) if links is not None else None
    return (None, f"{escape} '{base}'") if escape else (joined, None)


def _local_verdicts(texts: pd.Series, root: Path | None) -> tuple[pd.Series, pd.Series]:
    """(value to keep or None, refusal reason or None) for each distinct local reference (a Series of text).

    Plain relative paths (no ``.``/``..`` parts, no doubled or trailing ``/``) — nearly all of them — are joined
    to the root with string operations; only the others go through :func:`os.path.normpath` one by one. The
    symbolic-link check lists each folder once, and looks at single files only in folders that hold a link out.
    """
    values = pd.Series([None] * len(texts), index=texts.index, dtype=object)
    reasons = values.copy()
    simple = ~texts.str.contains(_NOT_SIMPLE).to_numpy(dtype=bool) if os.sep == "/" else np.zeros(len(texts), bool)
    if root is None:
        values[simple] = texts[simple]
    else:
        values[simple] = (str(root).rstrip(os.sep) + os.sep) + texts[simple]
    links = _LinkIndex(str(root)) if root is not None else None
    for k in np.flatnonzero(~simple):
        values.iat[k], reasons.iat[k] = _verdict_one(texts.iat[k], root, links)
    if root is None or not simple.any():
        return values, reasons
    joined = values[simple].astype(str)
    parts = joined.str.rpartition(os.sep)
    folders, names = parts[0], parts[2]
    verdicts = {folder: links._folder(folder) for folder in pd.unique(folders)}
    outside_folder = folders.map(lambda f: not verdicts[f][0]).to_numpy(dtype=bool)
    with_links = [f for f, (_, found) in verdicts.items() if found]
    linked = np.zeros(len(joined), dtype=bool)
    if with_links:
        keys = {f"{f}\0{name}" for f in with_links for name in verdicts[f][1]}
        linked = (folders + "\0" + names).isin(keys).to_numpy(dtype=bool) & ~outside_folder
    base = str(root)
    for mask, why in ((outside_folder, "a symbolically linked folder on its path leads outside the image root"),
                      (linked, "it is a symbolic link to a file outside the image root")):
        if mask.any():
            rows = joined.index[mask]
            values[rows] = None
            reasons[rows] = f"{why} '{base}'"
    relative = simple & values.notna().to_numpy()  # simple ones are relative by construction
    sample = pd.unique(values[relative])[:IMAGE_SAMPLE]
    if relative.any() and not any(_is_file(v) for v in sample):
        values[relative] = texts[relative]  # the images are not next to the file: keep what the file says
    return values, reasons


#: Distinct relative image paths checked for existence under the root: when none of them is a file, the
#: references are kept as written (the images live elsewhere; name that folder with ``image_root=``).
IMAGE_SAMPLE = 50


def _is_file(path: str) -> bool:
    """``os.path.isfile``, false for names the system refuses (too long, NUL bytes): image cells are untrusted."""
    try:
        return os.path.isfile(path)
    except (OSError, ValueError):
        return False


def check_image_references(values: pd.Series, *, root: Path | None) -> ImageCheck:
    """Check an ``image`` column against its image root (see the module docstring).

    Parameters
    ----------
    values : pandas.Series
        Image references as read (text, numbers or missing values).
    root : pathlib.Path or None
        The absolute image root (:func:`resolve_image_root`); ``None``: no folder.

    Returns
    -------
    ImageCheck

    Examples
    --------
    >>> import pandas as pd, pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.png").write_bytes(b"")  # the images are next to the annotation file: paths resolve there
    >>> out = check_image_references(pd.Series(["a.png", "../secret.png", "https://x.org/1.jpg"]), root=root)
    >>> out.refused.tolist(), out.values[0] == str(root / "a.png"), out.values[2]
    ([False, True, False], True, 'https://x.org/1.jpg')
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = pd.Series(clean_uniques(uniques), dtype=object)
    n = len(texts)
    kept = pd.Series([None] * n, dtype=object)
    why = kept.copy()
    present = texts.notna().to_numpy(dtype=bool)
    shown = texts[present].astype(str)
    kinds = _kinds(shown)
    remote = np.zeros(n, dtype=bool)
    url = shown.index[kinds == "url"]
    kept[url], remote[url] = shown[url], True
    for i in shown.index[kinds == "refused_kind"]:
        why[i] = ("a file: URL; give a path relative to the annotation file (or its image root)"
                  if _FILE_URL.match(shown[i]) else "a Windows absolute path; give a path relative to the image root")
    local = shown[kinds == "local"]
    local_values, local_reasons = _local_verdicts(local, root)
    kept[local.index], why[local.index] = local_values, local_reasons
    resolved = np.zeros(n, dtype=bool)
    if root is not None:
        resolved[local.index] = (local_values.notna() & (local_values != local)).to_numpy(dtype=bool)
    refused_u = np.append(why.notna().to_numpy(dtype=bool), False)
    out = pd.Series(np.append(kept.to_numpy(dtype=object), None)[codes], index=values.index, dtype=object)
    refused = refused_u[codes]
    details = pd.Series(np.append(why.to_numpy(dtype=object), None)[codes], index=values.index, dtype=object)[refused]
    hosts: list[str] = []
    for text in shown[url]:
        host = _host(text)
        if host and host not in hosts:
            hosts.append(host)
            if len(hosts) == 10:
                break
    return ImageCheck(values=out, refused=refused, details=details, n_remote=int(np.append(remote, False)[codes].sum()),
                      n_resolved=int(np.append(resolved, False)[codes].sum()), hosts=tuple(hosts))


def _host(text: str) -> str | None:
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    return (parts.hostname or "").lower() or None


@dataclass(frozen=True)
class ImageAccess:
    """What a consumer may do with one image reference (:func:`image_access`).

    Attributes
    ----------
    kind : {"file", "url", "missing", "refused", "text", "none"}
        ``"file"``: a readable file inside an allowed root (``location`` is its real path); ``"url"``: an
        ``http(s)`` URL of an allowed host, which may be handed to a browser; ``"missing"``: inside a root
        but no such file; ``"refused"``: outside every root; ``"text"``: a URL or tool-server path that is
        not allowed, or a relative path with no root — show it as text; ``"none"``: no reference.
    location : str or None
        The path or URL to use (``"file"``, ``"url"``), else None.
    reason : str or None
        Why the reference is not shown as an image, in words.
    """

    kind: Literal["file", "url", "missing", "refused", "text", "none"]
    location: str | None = None
    reason: str | None = None


def image_access(reference: Any, *, roots: Sequence[str | os.PathLike[str]] = (),
                 remote_image_hosts: Iterable[str] = ()) -> ImageAccess:
    """Decide, at the moment of use, whether an image reference may be opened or shown.

    A path is joined to the first root when relative, then its real path (symbolic links followed) must lie
    inside one of ``roots``. A URL is allowed only for an ``http``/``https`` host in ``remote_image_hosts``.

    Examples
    --------
    >>> image_access("https://cdn.example.org/1.jpg", remote_image_hosts=["cdn.example.org"]).kind
    'url'
    >>> image_access("https://tracker.example.net/1.jpg").kind
    'text'
    >>> image_access("/etc/passwd", roots=["/srv/pilot"]).kind
    'refused'
    """
    text = clean_text(reference)
    if text is None:
        return ImageAccess("none")
    hosts = normalize_hosts(remote_image_hosts)
    if _FILE_URL.match(text) or _WINDOWS_ABSOLUTE.match(text):
        return ImageAccess("refused", reason="file: URLs and Windows paths are not opened")
    if _URL.match(text) or _TOOL_SERVER.match(text):
        host = _host(text)
        if host is not None and host in hosts:
            return ImageAccess("url", location=text)
        what = f"a remote image on {host}" if host else "a remote reference"
        return ImageAccess("text", reason=f"{what}: remote images are shown only for hosts you allow")
    allowed = [os.path.abspath(r) for r in roots]
    if not allowed:
        return ImageAccess("text", reason="no image folder is set, so image files are not opened")
    try:
        candidate = os.path.normpath(os.path.join(allowed[0], text))
        real = os.path.realpath(candidate)
        real_roots = [os.path.realpath(r) for r in allowed]
    except (OSError, ValueError):
        return ImageAccess("refused", reason="not a valid file name")
    if not any(_inside(candidate, r) for r in allowed) or not any(_inside(real, r) for r in real_roots):
        return ImageAccess("refused", reason="outside the image folder")
    try:
        is_file = os.path.isfile(real)
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        return ImageAccess("missing", reason="the image file does not exist")
    return ImageAccess("file", location=real)


def thumbnail_png(path: str | os.PathLike[str], *, size: int) -> bytes | None:
    """A PNG thumbnail (at most ``size`` pixels a side) of an image file, made in memory (no file is written).

    Call it only with a location :func:`image_access` allowed. Returns None when the file cannot be read as an
    image (missing, damaged, not an image, a decompression bomb), so the caller shows a placeholder instead.
    """
    import io

    from PIL import Image

    try:
        with Image.open(path) as img:
            img.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
            img.thumbnail((size, size))
            out = io.BytesIO()
            small = img.convert("RGB" if img.mode not in ("L", "RGB", "RGBA") else img.mode)
            small.save(out, format="PNG")  # atomic: into memory, no file
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None


def check_raw_images(raw: Any, root: Path | None) -> None:
    """Apply :func:`check_image_references` to an importer's output (in place): refused references are
    removed from their annotations and listed in the import report (reason ``image_refused``); a note says
    which folder the paths were read against and how many references are URLs, kept as text."""
    frame = raw.frame
    if "image" not in frame.columns or frame.empty:
        return
    if may_hold_containers(frame["image"]) and frame["image"].map(
            lambda v: isinstance(v, (list, tuple, set, frozenset, dict, np.ndarray))).any():
        return  # lists or mappings: validation refuses the column with its own message
    checked = check_image_references(frame["image"], root=root)
    frame["image"] = checked.values
    if checked.refused.any():
        rows = frame.loc[checked.refused, ["_source", "_row"]]
        for (source, row), detail in zip(rows.itertuples(index=False, name=None), checked.details.tolist()):
            raw.skipped.append({"source": source, "row": row, "reason": "image_refused", "detail": detail})
    if checked.n_resolved:
        raw.notes.append(f"image paths were read relative to the image root {root}; paths outside it are refused.")
    if checked.n_remote:
        hosts = f" (hosts: {', '.join(checked.hosts)})" if checked.hosts else ""
        raw.notes.append(f"{count_noun(checked.n_remote, 'image reference')} "
                         f"{'is a URL or a labeling-tool server path' if checked.n_remote == 1 else 'are URLs or labeling-tool server paths'}{hosts}: "
                         "kept as text and never downloaded; the dashboard shows remote images only from hosts you "
                         "allow.")
