"""The dashboard's pages, in navigation order (used by app.py, the tests and the browser check).

The first page is the default: the project manager's verdict comes first.
"""

PAGES: list[dict[str, str]] = [
    {"file": "overview.py", "title": "Overview", "icon": ":material/verified:", "url_path": "overview"},
    {"file": "data.py", "title": "Data", "icon": ":material/upload_file:", "url_path": "data"},
    {"file": "agreement.py", "title": "Agreement", "icon": ":material/handshake:", "url_path": "agreement"},
    {"file": "annotators.py", "title": "Annotators", "icon": ":material/badge:", "url_path": "annotators"},
    {"file": "taxonomy.py", "title": "Confusion & taxonomy", "icon": ":material/account_tree:", "url_path": "taxonomy"},
    {"file": "model.py", "title": "Model vs human", "icon": ":material/smart_toy:", "url_path": "model"},
    {"file": "review.py", "title": "Review queue", "icon": ":material/rule:", "url_path": "review"},
    {"file": "history.py", "title": "History", "icon": ":material/timeline:", "url_path": "history"},
    {"file": "decisions.py", "title": "Decisions", "icon": ":material/gavel:", "url_path": "decisions"},
]
