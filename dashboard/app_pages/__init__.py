"""The dashboard's pages, in navigation order (used by app.py, the tests and the browser check)."""

PAGES: list[dict[str, str]] = [
    {"file": "data.py", "title": "Data", "icon": "📂", "url_path": "data"},
    {"file": "annotators.py", "title": "Annotators", "icon": "🧑‍💼", "url_path": "annotators"},
    {"file": "review.py", "title": "Review queue", "icon": "🗂️", "url_path": "review"},
]
