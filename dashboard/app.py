"""Annotation QA dashboard: page config and navigation only (pages live in app_pages/)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installation
    sys.path.insert(0, str(ROOT))

st.set_page_config(page_title="Annotation QA", page_icon="🏷️", layout="wide")

PAGES = Path(__file__).resolve().parent / "app_pages"
navigation = st.navigation([
    st.Page(str(PAGES / "data.py"), title="Data", icon="📂", default=True),
])
navigation.run()
