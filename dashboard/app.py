"""Annotation QA dashboard: page config and navigation only (pages live in app_pages/)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installation
    sys.path.insert(0, str(ROOT))

from dashboard.app_pages import PAGES  # noqa: E402

st.set_page_config(page_title="Annotation QA", page_icon=":material/label:", layout="wide")

HERE = Path(__file__).resolve().parent / "app_pages"
navigation = st.navigation([
    st.Page(str(HERE / p["file"]), title=p["title"], icon=p["icon"], url_path=p["url_path"], default=(i == 0))
    for i, p in enumerate(PAGES)
])
navigation.run()
