"""The ``aqa`` command line.

Each command is a module of this package with ``register(subparsers)``; ``main`` builds the parser
from them. Exit codes: 0 success, 1 a quality gate failed (``aqa check``), 2 invalid input or usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import (add, check, dashboard, decision, guideline, history, label_errors, pull, push, report, review_queue, score,
               validate, workspace)

__all__ = ["main", "build_parser", "COMMANDS"]

#: Command modules, in the order ``aqa --help`` lists them.
COMMANDS = [validate, score, dashboard, report, check, review_queue, label_errors, guideline, add, history, workspace,
            decision, pull, push]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aqa",
        description="Annotation QA: agreement and annotation-quality analytics for labeling pilots.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'aqa COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``aqa``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # `aqa check … | head`: the reader left; say nothing more, like other Unix tools
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not raise a second BrokenPipeError."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
