"""``aqa dashboard``: start the Streamlit dashboard (local only, no usage statistics).

The serving code lives in :mod:`dashboard.serve` so that the library never imports Streamlit.
"""

from __future__ import annotations

import argparse
import sys

EXAMPLES = """examples:
  aqa dashboard                      # the bundled digits pilot, on http://127.0.0.1:8501
  aqa dashboard --port 8600
  aqa dashboard --workspace pilot.aqa  # the History and Decisions pages open on this workspace
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="start the dashboard in the browser",
                       description="Start the Streamlit dashboard on this machine. It listens on 127.0.0.1 only "
                                   "and sends no usage statistics.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; anything else exposes the dashboard on your network)")
    p.add_argument("--workspace", "-w", metavar="W",
                   help="open this workspace (file or postgresql:// URL; a new file is created) in every session")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the address, then hand over to :func:`dashboard.serve.serve`."""
    if getattr(args, "workspace", None):
        import os

        from ..exceptions import AnnotationQAError
        from ..workspace import open_workspace

        try:
            open_workspace(args.workspace, create=True).close()
        except AnnotationQAError as exc:
            print(f"aqa: {exc}", file=sys.stderr)
            return 2
        os.environ["AQA_DASHBOARD_WORKSPACE"] = args.workspace
    print(f"Annotation QA dashboard: http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    from dashboard.serve import serve

    return serve(port=args.port, host=args.host)
