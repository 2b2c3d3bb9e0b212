"""What the ``aqa pull`` / ``aqa push`` commands (and any command given a ``labelstudio://`` address) share:
the server options, the token (from ``LABEL_STUDIO_API_KEY`` or a prompt, never the command line) and
atomic table writes."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where it is used: `aqa history` and --help stay light
    import pandas as pd

from ..exceptions import InvalidParameterError, LabelStudioError

__all__ = ["add_server_options", "server_target", "prompt_token", "write_table", "tables_of", "seen_annotations",
           "new_or_changed"]

TOKEN_VARIABLE = "LABEL_STUDIO_API_KEY"


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--url`` and ``--project`` (the token is never an option: it would stay in the shell's history)."""
    g = parser.add_argument_group("Label Studio server",
                                  f"The API token is read from {TOKEN_VARIABLE}, or asked for when it is unset "
                                  "(a personal access token from Account & Settings, or a legacy token).")
    g.add_argument("--url", required=True, metavar="URL",
                   help="the address you open Label Studio at, e.g. http://127.0.0.1:8080")
    g.add_argument("--project", required=True, metavar="ID",
                   help="the project id (the number in the project's page address: …/projects/3/data → 3)")


def server_target(args: argparse.Namespace) -> str:
    """The ``labelstudio://`` address of ``--url`` and ``--project``."""
    from ..io.labelstudio_api import server_address

    return str(server_address(args.url, args.project))


def prompt_token() -> str:
    """``LABEL_STUDIO_API_KEY``, else a hidden prompt on a terminal; raises when neither is possible."""
    value = os.environ.get(TOKEN_VARIABLE, "").strip()
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        value = getpass.getpass("Label Studio API token (not echoed): ").strip()
        if value:
            return value
    raise LabelStudioError(f"No Label Studio API token: set {TOKEN_VARIABLE} (export {TOKEN_VARIABLE}=…), or run "
                           "the command on a terminal to be asked for it. Copy a personal access token from Label "
                           "Studio → Account & Settings → Personal Access Token.")


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV (formula cells neutralized) or Parquet, by extension, atomically
    (:mod:`analytics._atomic`: a temporary file in the same folder, fsynced, then renamed over ``path``)."""
    from .._atomic import atomic_target, write_text_atomic
    from ..safety import safe_csv

    out = Path(path)
    kind = out.suffix.lower()
    if kind not in (".csv", ".parquet", ".pq"):
        raise InvalidParameterError(f"'{out.name}': write a .csv or a .parquet file.")
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == ".csv":
        write_text_atomic(out, safe_csv(frame))
    else:
        with atomic_target(out) as tmp:
            frame.to_parquet(tmp, index=False)
    return out


def tables_of(aset: Any) -> dict[str, pd.DataFrame]:
    """The tidy annotations, gold labels and predictions of a pulled set (what ``aqa pull`` writes)."""
    import pandas as pd

    frame = aset.frame.drop(columns=[c for c in aset.frame.columns if str(c).startswith("_")])
    out = {"annotations": frame.reset_index(drop=True)}
    if aset.has_gold:
        gold = aset.gold
        out["gold"] = pd.DataFrame({"item_id": list(gold.index), "gold_label": gold.to_numpy()})
    if aset.has_predictions:
        out["predictions"] = aset._prediction_frame()
    return out


def seen_annotations(ws: Any, source: str) -> dict[Any, pd.Timestamp]:
    """Every annotation already stored from ``source`` in the workspace: ``{annotation id: last updated_at}``
    over all its deliveries from that project."""
    import pandas as pd

    seen: dict[Any, pd.Timestamp] = {}
    for info in ws.deliveries():
        if info.source != source:
            continue
        contents = ws.contents(info.name)
        if not {"annotation_id", "updated_at"} <= set(contents.annotations.columns):
            continue
        for key, when in contents.latest("annotation_id", "updated_at").items():
            when = pd.to_datetime(when, utc=True, errors="coerce")
            key = str(key)
            if key not in seen or (pd.notna(when) and (pd.isna(seen[key]) or when > seen[key])):
                seen[key] = when
    return seen


def new_or_changed(aset: Any, seen: dict[Any, pd.Timestamp]) -> tuple[Any, int, int]:
    """``(subset or None, n_new, n_changed)``: the annotations not stored yet, or updated since they were."""
    import pandas as pd

    ids = aset.frame["annotation_id"].astype(str)
    when = pd.to_datetime(aset.frame["updated_at"], utc=True, errors="coerce")
    before = ids.map(seen)
    is_new = ~ids.isin(list(seen))
    changed = ~is_new & when.notna() & (before.isna() | (when > pd.to_datetime(before, utc=True)))
    mask = (is_new | changed).to_numpy()
    if not mask.any():
        return None, 0, 0
    return aset.subset(mask), int(is_new.sum()), int(changed.sum())
