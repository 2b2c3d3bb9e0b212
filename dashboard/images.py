"""Showing an item's image on a page: a thumbnail when the reference is allowed, else a placeholder — never an
exception that stops the page.

Whether a reference may be shown is decided by :func:`analytics.io.images.image_access` against the current
dataset's image policy (:func:`dashboard.services.image_policy`): a file only inside the dataset's image folder
(a bundled sample's own folder; for an upload, the image folder named on the Data page — none by default), a URL
only for a host the user allows. The server reads an allowed file itself and sends the browser a small PNG
thumbnail (:func:`dashboard.services.thumbnail`): the browser never receives a path, and a file that is missing,
unreadable or not an image gives a placeholder. Remote images are handed to the browser as URLs only for the
hosts named in the Data page's *remote image hosts* setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analytics.io.images import image_access, normalize_hosts
from analytics.safety import escape_markdown
from dashboard import services

__all__ = ["ImagePolicy", "image_policy", "show_image", "remote_image_hosts", "set_remote_image_hosts",
           "default_image_root"]

_WIDTH = 96
_HOSTS_KEY = "aqa_remote_image_hosts"


@dataclass(frozen=True)
class ImagePolicy:
    """Where a dataset's images may be read from (``roots``) and which hosts' URLs the browser may load."""

    roots: tuple[str, ...] = ()
    hosts: frozenset[str] = frozenset()


def remote_image_hosts() -> str:
    """The remote-image hosts setting (comma-separated; default: ``AQA_REMOTE_IMAGE_HOSTS``, which
    ``aqa dashboard --allow-remote-images HOST`` sets)."""
    return str(st.session_state.get(_HOSTS_KEY, os.environ.get("AQA_REMOTE_IMAGE_HOSTS", "")))


def set_remote_image_hosts(text: str) -> None:
    """Change the remote-image hosts setting (raises InvalidParameterError for what is not a host list)."""
    normalize_hosts(text)
    st.session_state[_HOSTS_KEY] = text


def default_image_root() -> str:
    """The image folder proposed for uploads (``AQA_IMAGE_ROOT``, which ``aqa dashboard --image-root DIR`` sets)."""
    return os.environ.get("AQA_IMAGE_ROOT", "")


def image_policy(key: str) -> ImagePolicy:
    """The image policy of a dataset: a bundled sample reads its own folder; an upload the image folder named
    when it was loaded (none by default); any other set (e.g. a DataFrame registered in the session) none."""
    hosts = normalize_hosts(remote_image_hosts())
    base = key.split("|", 1)[0]  # a scored set keeps the policy of the set it was scored from
    name = base.removeprefix("sample:")
    if base.startswith("sample:") and name in services.available_samples():
        return ImagePolicy(roots=(str(Path(services.sample_files(name)["annotations"]).parent),), hosts=hosts)
    return ImagePolicy(roots=tuple(st.session_state.get(services._POLICY_KEY, {}).get(base, ())), hosts=hosts)


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else "…" + text[-(n - 1):]


def show_image(key: str, reference: object, caption: str | None = None) -> str:
    """Draw one thumbnail (or its placeholder) and the caption; returns what was drawn (``"image"``, ``"url"``
    or the placeholder's kind: ``"missing"``, ``"refused"``, ``"text"``, ``"none"``, ``"unreadable"``)."""
    policy = image_policy(key)
    access = image_access(reference, roots=policy.roots, remote_image_hosts=policy.hosts)
    drawn = access.kind
    if access.kind == "file":
        try:
            stamp = os.stat(access.location).st_mtime_ns
        except OSError:
            stamp = None
        data = services.thumbnail(access.location, stamp, 2 * _WIDTH) if stamp is not None else None
        if data is not None:
            st.image(data, width=_WIDTH)
            drawn = "image"
        else:
            drawn = "unreadable"
            _placeholder("not an image the server can read", reference)
    elif access.kind == "url":
        st.image(access.location, width=_WIDTH)
    else:
        _placeholder(access.reason or "no image", reference)
    if caption:
        st.caption(escape_markdown(caption))
    return drawn


def _placeholder(reason: str, reference: object) -> None:
    """A grey box in words: why there is no picture, and the reference as text (escaped, shortened)."""
    shown = "" if reference is None else f" — {_short(str(reference))}"
    st.caption(":material/hide_image: " + escape_markdown(f"{reason}{shown}"))
