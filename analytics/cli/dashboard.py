"""``aqa dashboard``: start the Streamlit dashboard (local only, no usage statistics).

The serving code lives in :mod:`dashboard.serve` so that the library never imports Streamlit.
"""

from __future__ import annotations

import argparse
import os
import sys

EXAMPLES = """examples:
  aqa dashboard                      # the bundled digits pilot, on http://127.0.0.1:8501
  aqa dashboard --port 8600
  aqa dashboard --image-root /data/pilot-images --allow-remote-images cdn.example.org
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
    p.add_argument("--image-root", dest="image_root", metavar="DIR",
                   help="the image folder proposed for uploads (the Data page's setting); images are shown only "
                        "from inside the folder a dataset names")
    p.add_argument("--allow-remote-images", dest="remote_hosts", action="append", default=[], metavar="HOST",
                   help="let the browser load image URLs of this host (repeatable); by default image URLs are shown "
                        "as text and nothing is fetched")
    p.add_argument("--workspace", "-w", metavar="W",
                   help="open this workspace (file or postgresql:// URL; a new file is created) in every session")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the address, then hand over to :func:`dashboard.serve.serve` (the image settings travel as the
    environment variables ``AQA_IMAGE_ROOT`` and ``AQA_REMOTE_IMAGE_HOSTS``, the settings' defaults; the workspace
    as ``AQA_DASHBOARD_WORKSPACE``)."""
    from ..io.images import normalize_hosts

    if getattr(args, "workspace", None):
        from ..exceptions import AnnotationQAError
        from ..workspace import open_workspace

        try:
            open_workspace(args.workspace, create=True).close()
        except AnnotationQAError as exc:
            print(f"aqa: {exc}", file=sys.stderr)
            return 2
        os.environ["AQA_DASHBOARD_WORKSPACE"] = args.workspace
    if args.image_root:
        os.environ["AQA_IMAGE_ROOT"] = os.path.abspath(args.image_root)
    if args.remote_hosts:
        os.environ["AQA_REMOTE_IMAGE_HOSTS"] = ",".join(sorted(normalize_hosts(args.remote_hosts)))
    print(f"Annotation QA dashboard: http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    from dashboard.serve import serve

    return serve(port=args.port, host=args.host)
