"""Options and output shared by the workspace commands (``aqa add``, ``aqa workspace``, ``aqa history``, …)."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any, Sequence

__all__ = ["add_workspace_option", "open_from_args", "fail_workspace", "fmt", "table", "interval"]


def add_workspace_option(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--workspace", "-w", metavar="W", required=required,
                        help="the workspace: a file path (embedded, no server; created by aqa add) or a "
                             "postgresql://user:password@host:port/database URL")


def open_from_args(args: argparse.Namespace, *, create: bool = False):
    from ..workspace import open_workspace

    return open_workspace(args.workspace, create=create)


def fail_workspace(exc: Exception) -> int:
    """Print an error for a person and return exit code 2."""
    print(f"aqa: {exc}", file=sys.stderr)
    return 2


def fmt(value: Any, digits: int = 3) -> str:
    """A number for a table: '—' for missing/undefined (never 'nan')."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def interval(value: Any, low: Any, high: Any, digits: int = 2, percent: bool = False) -> str:
    """``0.70 (0.67–0.73)``; '—' when the value is undefined."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if percent:
        shown = f"{100 * value:.1f}%"
        ci = f" ({100 * low:.1f}–{100 * high:.1f})" if _finite(low) and _finite(high) else ""
        return shown + ci
    ci = f" ({low:.{digits}f}–{high:.{digits}f})" if _finite(low) and _finite(high) else ""
    return f"{value:.{digits}f}{ci}"


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, indent: str = "  ") -> list[str]:
    """Fixed-width text table lines (text cells left-aligned, the rest right-aligned)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[k]) for r in cells]) for k, h in enumerate(headers)]
    numeric = [all(_looks_numeric(r[k]) for r in cells) and bool(cells) for k in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return indent + "  ".join(v.rjust(w) if num else v.ljust(w)
                                  for v, w, num in zip(values, widths, numeric)).rstrip()

    return [line(list(headers))] + [line(r) for r in cells]


def _looks_numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "+-—" or text.startswith("0."))
