"""The dashboard's pages, in navigation order (used by app.py, the tests and the browser check)."""

PAGES: list[dict[str, str]] = [
    {"file": "data.py", "title": "Data", "icon": "📂", "url_path": "data"},
]
