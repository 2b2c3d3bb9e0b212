"""Annotation QA dashboard: page config and navigation only (pages live in app_pages/)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installation
    sys.path.insert(0, str(ROOT))

from dashboard.app_pages import PAGES  # noqa: E402

# A local image: an emoji or ":material/…:" page icon makes the browser fetch the favicon from a CDN or Google's
# font host, and the dashboard promises to stay on 127.0.0.1 (tests/dashboard/test_local_only.py checks it).
st.set_page_config(page_title="Annotation QA", page_icon=str(Path(__file__).resolve().parent / "favicon.png"),
                   layout="wide")

HERE = Path(__file__).resolve().parent / "app_pages"
navigation = st.navigation([
    st.Page(str(HERE / p["file"]), title=p["title"], icon=p["icon"], url_path=p["url_path"], default=(i == 0))
    for i, p in enumerate(PAGES)
])
navigation.run()
