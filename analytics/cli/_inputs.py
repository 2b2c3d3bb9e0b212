"""Options shared by every command that reads annotations (the column mapping and attachments)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ..exceptions import AnnotationQAError, FieldChoiceError, InvalidParameterError, LabelStudioError, OutputWriteError

if TYPE_CHECKING:
    from .._schema import AnnotationSet

__all__ = ["add_input_options", "add_backend_options", "load_from_args", "release", "fail", "loading_progress",
           "wants_progress"]


def add_input_options(parser: argparse.ArgumentParser, *, files_required: bool = True) -> None:
    """Add ANNOTATIONS plus the mapping, format and attachment options (``files_required=False``: zero files allowed,
    for commands that can also work on a workspace)."""
    parser.add_argument("annotations", nargs="+" if files_required else "*", metavar="ANNOTATIONS",
                        help="annotation file(s): a table or a labeling tool's export; several files are combined; "
                             "or a Label Studio project, labelstudio://HOST:PORT/projects/ID (token from "
                             "LABEL_STUDIO_API_KEY)")
    g = parser.add_argument_group("format and column mapping")
    g.add_argument("--format", default="auto",
                   choices=["auto", "tidy", "wide", "counts", "labelstudio", "cvat", "datumaro", "labelbox", "sagemaker"],
                   help="input format (default: detected from the content)")
    for flag, dest, what in [("--item", "item", "item id"), ("--annotator", "annotator", "annotator id"),
                             ("--label", "label", "label"), ("--round", "round", "round"),
                             ("--timestamp", "timestamp", "timestamp"), ("--duration", "duration", "duration in seconds"),
                             ("--image", "image", "image path/URL")]:
        g.add_argument(flag, dest=dest, metavar="COLUMN", help=f"column holding the {what}")
    g.add_argument("--field", help="labeling tools: the classification control/question to read")
    g.add_argument("--tool-option", dest="tool_options", action="append", default=[], metavar="KEY=VALUE",
                   help="an option of the tool's reader, e.g. annotator_id=alice (CVAT, Datumaro, Labelbox, "
                        "SageMaker), project=… (Labelbox), ground_truth=both or taxonomy_labels=leaf "
                        "(Label Studio), item_id=… (SageMaker worker response); repeatable")
    g.add_argument("--missing", help="wide tables: the 'not labelled' marker, e.g. -1")
    g.add_argument("--sep", help="text tables: the delimiter (default: detected)")
    g.add_argument("--multilabel", action="store_true", default=None, help="labels are tag sets")
    g.add_argument("--label-sep", dest="label_sep", help="tag separator inside a multi-label cell, e.g. '|'")
    g.add_argument("--duplicates", choices=["error", "keep_last", "keep_first"], default="error",
                   help="several rows for one (item, annotator, round): fail (default) or keep one")
    g.add_argument("--categories", help="comma-separated allowed categories, in order")
    g.add_argument("--ordinal", action="store_true", default=None, help="the category order is an ordinal scale")
    g.add_argument("--image-root", dest="image_root", metavar="DIR",
                   help="folder the image paths must lie in (default: each annotation file's folder); absolute "
                        "paths, '..' escapes and symbolic links out of it are refused per row (image_refused)")
    g.add_argument("--allow-multiline-labels", dest="allow_multiline_labels", action="store_true",
                   help="keep labels holding a line break (default: skip their rows, reason multiline_label)")
    a = parser.add_argument_group("attachments")
    a.add_argument("--gold", metavar="FILE", help="gold labels: item id + gold label columns")
    a.add_argument("--predictions", metavar="FILE", help="model predictions: item id + one probability column per class")
    a.add_argument("--taxonomy", metavar="FILE", help="class taxonomy (YAML or JSON)")


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--backend``, ``--scheduler`` and ``--npartitions`` (for commands that can run on a Dask cluster)."""
    b = parser.add_argument_group("compute backend")
    b.add_argument("--backend", choices=["memory", "dask"], default="memory",
                   help="memory (default): load into this process; dask: read Parquet/CSV files lazily on a Dask "
                        "cluster and compute there (for annotations that do not fit one machine)")
    b.add_argument("--scheduler", metavar="ADDRESS|local",
                   help="with --backend dask: the scheduler of an existing Dask cluster (e.g. tcp://10.0.0.5:8786), "
                        "or 'local' (default) for a LocalCluster on this machine")
    b.add_argument("--npartitions", type=int, metavar="N",
                   help="with --backend dask: partitions of items after the shuffle "
                        "(default: one per million annotations)")


def release(aset: Any) -> None:
    """Close what loading started (a Dask set's partitions, and its local cluster); nothing for in-memory sets."""
    close = getattr(aset, "close", None) if getattr(aset, "is_distributed", False) else None
    if close is not None:
        close()


def load_from_args(args: argparse.Namespace) -> AnnotationSet:
    """Load the annotation set the options describe (raises the library's errors)."""
    from ..io import load_annotations

    kwargs: dict[str, Any] = dict(
        format=args.format, item=args.item, annotator=args.annotator, label=args.label, round=args.round,
        timestamp=args.timestamp, duration=args.duration, image=args.image, field=args.field,
        missing=args.missing, sep=args.sep, multilabel=args.multilabel, label_sep=args.label_sep,
        duplicates=args.duplicates, ordinal=args.ordinal, gold=args.gold, predictions=args.predictions,
        taxonomy=args.taxonomy,
        categories=[c.strip() for c in args.categories.split(",")] if args.categories else None,
    )
    if getattr(args, "image_root", None):
        kwargs["image_root"] = args.image_root
    if getattr(args, "allow_multiline_labels", False):
        kwargs["allow_multiline_labels"] = True
    for option in getattr(args, "tool_options", None) or []:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(f"--tool-option expects KEY=VALUE, got {option!r}.")
        kwargs[key.strip()] = value
    if "token" in kwargs:
        raise InvalidParameterError("A token is never given on the command line (it would stay in the shell's "
                                    "history): set LABEL_STUDIO_API_KEY, or answer the prompt.")
    from ..io.labelstudio_api import is_server_address

    if any(is_server_address(a) for a in args.annotations):
        from ._labelstudio import prompt_token

        kwargs["token"] = prompt_token()
    backend = getattr(args, "backend", "memory")
    scheduler, npartitions = getattr(args, "scheduler", None), getattr(args, "npartitions", None)
    if backend == "dask":
        kwargs.update(backend="dask", scheduler=scheduler or "local", npartitions=npartitions)
    elif scheduler is not None or npartitions is not None:
        raise InvalidParameterError("--scheduler and --npartitions need --backend dask.")
    else:
        kwargs["progress"] = loading_progress(getattr(args, "progress", None))
    source = args.annotations if len(args.annotations) > 1 else args.annotations[0]
    return load_annotations(source, **kwargs)


def loading_progress(enabled: bool | None) -> Any:
    """A bar over the loading stages on standard error (drawn after one second), or None when quiet.

    ``enabled`` is a command's ``--progress/--no-progress`` (None: when standard error is a terminal).
    """
    if not wants_progress(enabled):
        return None
    from .._progress import ProgressBar

    return ProgressBar(delay=1.0, label="loading")


def wants_progress(enabled: bool | None) -> bool:
    """``--progress`` / ``--no-progress`` as given, else whether standard error is a terminal."""
    return bool(enabled) if enabled is not None else sys.stderr.isatty()


def fail(exc: Exception) -> int:
    """Print an input error (or a file that could not be written) for a person and return exit code 2."""
    if isinstance(exc, OutputWriteError):
        kind = "cannot write"
    else:
        kind = ("Label Studio" if isinstance(exc, LabelStudioError) else "invalid input"
                if isinstance(exc, AnnotationQAError) else type(exc).__name__)
    text = str(exc)
    if isinstance(exc, FieldChoiceError):  # say how to choose on the command line
        text = exc.reworded(f"choose one with --field (e.g. --field '{exc.suggestion}')")
    print(f"aqa: {kind}: {text}", file=sys.stderr)
    return 2
