"""Importers: every source format becomes one validated :class:`~analytics.AnnotationSet`.

Each layout or labeling tool is one module with a ``read_*`` function returning
:class:`~analytics.io._raw.RawAnnotations`; it is registered here with :func:`register_format`
(name, reader, optional content sniffer). :func:`load_annotations` picks the reader (``format="auto"``
detects it from the content), then hands the rows to the one validation step.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import pandas as pd

from .._json import collect_findings
from .._progress import ProgressCallback, resolve_progress
from .._schema import AnnotationSet
from ..exceptions import AnnotationFileError, AnnotationSchemaError, InvalidParameterError
from ..limits import Limits, use_limits
from .._taxonomy_model import Taxonomy, load_taxonomy
from ._files import check_file, read_table, sniff_text, table_kind
from ._mapping import ColumnMapping
from ._raw import RawAnnotations, combine_raw
from ._tables import read_any_table
from .attachments import GoldLabels, Predictions, attach, load_gold, load_predictions
from .counts import looks_like_counts, read_counts
from .cvat import combine_file_annotators, read_cvat, sniff_cvat
from .datumaro import read_datumaro, sniff_datumaro
from .images import check_raw_images, resolve_image_root
from .labelbox import read_labelbox, sniff_labelbox
from .labelstudio import combine_labelstudio, read_labelstudio, sniff_labelstudio
from ._labelstudio_push import PushPlan, PushResult, apply_labelstudio_push, plan_labelstudio_push
from .labelstudio_api import is_server_address
from .sagemaker import combine_sagemaker, read_sagemaker, sniff_sagemaker
from .tidy import read_tidy
from .wide import read_wide

__all__ = [
    "load_annotations",
    "load_gold",
    "load_predictions",
    "register_format",
    "detect_format",
    "FORMATS",
    "ColumnMapping",
    "GoldLabels",
    "Predictions",
    "read_labelstudio",
    "plan_labelstudio_push",
    "apply_labelstudio_push",
    "PushPlan",
    "PushResult",
    "read_cvat",
    "read_datumaro",
    "read_labelbox",
    "read_sagemaker",
]

Format = Literal["auto", "tidy", "wide", "counts", "labelstudio", "cvat", "datumaro", "labelbox", "sagemaker"]


@dataclass(frozen=True)
class _Registered:
    name: str
    read: Callable[..., RawAnnotations]
    sniff: Callable[[Path, str], bool] | None
    options: frozenset[str]
    combine: Callable[[list[RawAnnotations]], RawAnnotations] | None


_REGISTRY: dict[str, _Registered] = {}

#: Format names accepted by ``load_annotations(format=...)``, in detection order.
FORMATS: list[str] = []


def register_format(
    name: str,
    read: Callable[..., RawAnnotations],
    sniff: Callable[[Path, str], bool] | None = None,
    combine: Callable[[list[RawAnnotations]], RawAnnotations] | None = None,
) -> None:
    """Register a reader.

    ``read(source, *, mapping, **options)`` reads one file or DataFrame; ``sniff(path, head_text)`` says
    whether a file is in this format (for ``format="auto"``); ``combine(parts)`` merges several files of
    this format (default: concatenation, each file keeping its own annotator ids).
    """
    options = frozenset(p for p in inspect.signature(read).parameters if p not in ("source", "mapping"))
    _REGISTRY[name] = _Registered(name, read, sniff, options, combine)
    if name not in FORMATS:
        FORMATS.append(name)


register_format("tidy", read_tidy)
register_format("wide", read_wide)
register_format("counts", read_counts)
register_format("labelstudio", read_labelstudio, sniff=sniff_labelstudio, combine=combine_labelstudio)
register_format("cvat", read_cvat, sniff=sniff_cvat, combine=combine_file_annotators)
register_format("datumaro", read_datumaro, sniff=sniff_datumaro, combine=combine_file_annotators)
register_format("labelbox", read_labelbox, sniff=sniff_labelbox)
register_format("sagemaker", read_sagemaker, sniff=sniff_sagemaker, combine=combine_sagemaker)


def _detect_table(frame: pd.DataFrame) -> str:
    """tidy when a label or annotator column is found; counts when cells are counts; else wide."""
    if frame.shape[1] == 0:
        raise AnnotationSchemaError("The table has no columns; a tidy table needs item_id, annotator_id and label.")
    found = ColumnMapping().resolve(frame.columns, required=())
    if "label" in found or "annotator_id" in found:
        return "tidy"  # a tidy table, perhaps with a column missing: validation will say which
    try:
        item_col = ColumnMapping().resolve(frame.columns, required=("item_id",))["item_id"]
    except AnnotationSchemaError:
        item_col = None
    if looks_like_counts(frame, item_col if item_col is not None else frame.columns[0]):
        return "counts"
    n_value_columns = frame.shape[1] - (1 if item_col is not None else 0)
    if n_value_columns >= 2:
        return "wide"
    raise AnnotationSchemaError(
        f"Cannot tell the layout of a table with columns {list(frame.columns)}: a tidy table needs item, annotator "
        "and label columns. Pass format= ('tidy', 'wide', 'counts') and the column names (item=, annotator=, label=)."
    )


def detect_format(source: Any, mapping: ColumnMapping | None = None, *, sep: str | None = None) -> str:
    """Guess the format of a path or DataFrame from its content (tool exports first, then table layouts)."""
    mapping = mapping or ColumnMapping()
    if is_server_address(source):
        return "labelstudio"
    if isinstance(source, pd.DataFrame):
        if mapping.explicit():
            return "tidy"
        return _detect_table(source)
    path = check_file(source)
    head = sniff_text(path) if table_kind(path) != "parquet" else ""
    for reg in _REGISTRY.values():
        if reg.sniff is not None and reg.sniff(path, head):
            return reg.name
    if table_kind(path) == "xml":
        raise AnnotationFileError(f"'{path.name}' is XML but not a CVAT for images export; pass format=.")
    if mapping.explicit().keys() >= {"item_id", "annotator_id", "label"}:
        return "tidy"
    frame = _table_head(path, sep=sep)
    if frame.empty:
        raise AnnotationFileError(f"'{path.name}' holds no records.")
    return _detect_table(frame)


#: Rows of a table that :func:`detect_format` looks at.
DETECT_ROWS = 2000


def _table_head(path: Path, *, sep: str | None) -> pd.DataFrame:
    """The first :data:`DETECT_ROWS` rows of a table file, as :func:`read_any_table` reads them.

    CSV/TSV and Parquet files are read only that far (the format's reader reads the whole file next, and its
    errors name any bad row); other tables are read whole.
    """
    kind = table_kind(path)
    if kind == "parquet":
        from ._files import read_parquet_head

        return read_parquet_head(path, DETECT_ROWS)
    if kind in ("text", "unknown"):
        frame, _, _ = read_table(path, sep=sep, nrows=DETECT_ROWS)
        return frame
    frame, _, _ = read_any_table(path, sep=sep)
    return frame.head(DETECT_ROWS)


def load_annotations(
    source: "str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | pd.DataFrame",
    *,
    format: Format = "auto",
    item: str | None = None,
    annotator: str | None = None,
    label: str | None = None,
    round: str | None = None,
    timestamp: str | None = None,
    duration: str | None = None,
    image: str | None = None,
    field: str | None = None,
    missing: Any = None,
    sep: str | None = None,
    categories: Sequence[str] | None = None,
    taxonomy: "Taxonomy | str | os.PathLike[str] | dict | None" = None,
    ordinal: bool | None = None,
    duplicates: Literal["error", "keep_last", "keep_first"] = "error",
    multilabel: bool | None = None,
    label_sep: str | None = None,
    normalize_labels: bool = True,
    unknown_label: str | None = None,
    image_root: "str | os.PathLike[str] | Literal[False] | None" = None,
    allow_multiline_labels: bool = False,
    gold: Any = None,
    predictions: Any = None,
    limits: Limits | None = None,
    progress: "ProgressCallback | bool | None" = None,
    backend: Literal["memory", "dask"] = "memory",
    scheduler: Any = None,
    npartitions: int | None = None,
    **format_options: Any,
) -> AnnotationSet:
    """Load annotations from a file, several files, or a DataFrame into a validated :class:`AnnotationSet`.

    Parameters
    ----------
    source : path, list of paths, pandas.DataFrame, or a Label Studio project address
        CSV/TSV/Parquet/JSON Lines/JSON tables, or a labeling tool's export. Several files are read
        with the same format and combined. ``"labelstudio://HOST:PORT/projects/ID"`` pulls a project from a
        running Label Studio server (``token=``; see :mod:`analytics.io.labelstudio_api`).
    format : {"auto", "tidy", "wide", "counts", "labelstudio", "cvat", "datumaro", "labelbox", "sagemaker"}
        ``"auto"`` detects the format from the content; the import report says what was detected.
    item, annotator, label, round, timestamp, duration, image : str, optional
        Input column names for each canonical column (the column mapping). Unset roles are found
        among common names (``question``/``worker``/``answer``, ``image_id``/``rater``/``class`` …).
    field : str, optional
        Labeling tools: the classification control/question to read when the project has several.
    missing : scalar, optional
        Wide tables: the "not labelled" marker (e.g. ``-1``).
    sep : str, optional
        Text tables: the delimiter (detected when omitted).
    categories : sequence of str, optional
        Allowed categories in order; other labels are an error.
    taxonomy : Taxonomy, path or dict, optional
        The class taxonomy; labels must be its classes and the category order follows it.
    ordinal : bool, optional
        The category order is an ordinal scale (default: the taxonomy's flag).
    duplicates : {"error", "keep_last", "keep_first"}
        Policy for several rows of one ``(item_id, annotator_id, round)``.
    multilabel : bool, optional
        Labels are tag sets; detected from list or JSON-list cells when omitted.
    label_sep : str, optional
        Tag separator in text cells of a multi-label column.
    normalize_labels : bool
        Merge spellings that differ only in case or numeric formatting (reported).
    unknown_label : str, optional
        The Unknown/Other category, when no taxonomy flags one.
    image_root : path, None or False
        The folder image paths must lie in (see :mod:`analytics.io.images`). ``None`` (default): each annotation
        file's own folder; a DataFrame has none. Relative paths are read from it; absolute paths outside it,
        ``..`` escapes and symbolic links out of it are refused per row (reason ``image_refused``: the
        annotation is kept, its image reference removed). ``False``: no folder — relative references stay text.
        URLs are kept as text and never downloaded.
    allow_multiline_labels : bool
        Keep labels holding a line break (as one line). By default such a label is skipped with reason
        ``multiline_label``: in a text table it usually means a stray quote merged several rows into one cell.
    gold, predictions : optional
        Paths, DataFrames, or the results of :func:`load_gold` / :func:`load_predictions`, attached to the set.
    limits : analytics.limits.Limits, optional
        Size and shape limits for untrusted input (file bytes, rows, columns, categories, label/id length,
        JSON nesting); default: :meth:`Limits.from_env() <analytics.limits.Limits.from_env>`.
    progress : callable, bool or None
        ``progress(done, total)`` over the loading stages (each file read, validation, attaching gold and
        predictions); ``True`` draws a bar on standard error. In-memory backend only.
    backend : {"memory", "dask"}
        ``"dask"`` (implied when ``source`` is a Dask DataFrame) reads tidy Parquet/CSV tables — a file, a
        folder, a glob such as ``"lake/2026-*/*.parquet"`` or a list of them — lazily on a Dask cluster and
        returns a :class:`~analytics.dask_backend.DaskAnnotationSet` whose analytics run there (see the
        README's "Scaling out"). It reads item, annotator, label, round and image columns, single-label only;
        gold labels may be attached, predictions not.
    scheduler : str, distributed.Client or None
        Dask backend: a scheduler address (``"tcp://host:8786"``), ``"local"`` for a ``LocalCluster`` on this
        machine, or None (the current client, else a local cluster).
    npartitions : int, optional
        Dask backend: partitions of items after the shuffle (default: one per million annotations).
    **format_options
        Options of a specific tool reader (see its module): ``annotator_id=`` (CVAT, Datumaro, Labelbox,
        SageMaker manifests), ``project=`` (Labelbox), ``ground_truth=``, ``taxonomy_labels=`` and
        ``model_version=`` (Label Studio), ``token=`` (a Label Studio server: a personal access token or a legacy
        token; default ``LABEL_STUDIO_API_KEY``), ``item_id=`` (a SageMaker worker-response file).

    Returns
    -------
    AnnotationSet
        With ``.report`` accounting for every input record (``rows_read == rows_kept + rows_skipped``).

    Raises
    ------
    AnnotationFileError
        Missing, unreadable or truncated file, not the format claimed, or above a file limit (size, nesting).
    AnnotationSchemaError
        Missing columns, duplicates, no usable rows, content above a limit (rows, columns, categories,
        text length); :class:`~analytics.exceptions.UnknownLabelError` for labels outside the taxonomy.
    InvalidParameterError
        Unknown format or option.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"question": [1, 1, 2, 2], "worker": ["a", "b", "a", "b"], "answer": [0, 0, 1, 0]})
    >>> aset = load_annotations(df)
    >>> aset.n_items, aset.n_annotators, aset.categories
    (2, 2, ('0', '1'))
    """
    if not isinstance(allow_multiline_labels, bool):
        raise InvalidParameterError(f"allow_multiline_labels= must be True or False, got {allow_multiline_labels!r}.")
    if backend not in ("memory", "dask"):
        raise InvalidParameterError(f"backend= must be 'memory' or 'dask', got {backend!r}.")
    if backend == "dask" or _is_dask_frame(source):
        unsupported = {"format": format not in ("auto", "tidy"), "timestamp": timestamp, "duration": duration,
                       "image": image, "field": field, "missing": missing, "multilabel": multilabel,
                       "label_sep": label_sep, "predictions": predictions,
                       "allow_multiline_labels": allow_multiline_labels, **format_options}
        given = [k for k, v in unsupported.items() if v is not None and v is not False]
        if given:
            raise InvalidParameterError(
                f"Option{'s' if len(given) != 1 else ''} {given} {'do' if len(given) != 1 else 'does'} not apply to backend='dask', which reads tidy single-label tables (item, "
                "annotator, label and round columns) and gold labels. Load in memory for the others.")
        from ..dask_backend import load_dask

        return load_dask(source, scheduler=scheduler, npartitions=npartitions, item=item, annotator=annotator,
                         label=label, round=round, sep=sep, categories=categories, taxonomy=taxonomy, ordinal=ordinal,
                         duplicates=duplicates, normalize_labels=normalize_labels, unknown_label=unknown_label,
                         gold=gold, image_root=image_root)
    if scheduler is not None or npartitions is not None:
        raise InvalidParameterError("scheduler= and npartitions= apply to backend='dask' only.")
    with use_limits(limits):
        return _load(source, format=format, mapping=ColumnMapping(
            item=item, annotator=annotator, label=label, round=round, timestamp=timestamp, duration_s=duration,
            image=image), field=field, missing=missing, sep=sep, categories=categories, taxonomy=taxonomy,
            ordinal=ordinal, duplicates=duplicates, multilabel=multilabel, label_sep=label_sep,
            normalize_labels=normalize_labels, unknown_label=unknown_label, gold=gold, predictions=predictions,
            format_options=format_options, progress=resolve_progress(progress), image_root=image_root,
            allow_multiline_labels=allow_multiline_labels)


def _load(source: Any, *, format: str, mapping: ColumnMapping, field: str | None, missing: Any, sep: str | None,
          categories: Sequence[str] | None, taxonomy: Any, ordinal: bool | None, duplicates: Any,
          multilabel: bool | None, label_sep: str | None, normalize_labels: bool, unknown_label: str | None,
          gold: Any, predictions: Any, format_options: dict[str, Any],
          progress: "ProgressCallback | None" = None, image_root: Any = None,
          allow_multiline_labels: bool = False) -> AnnotationSet:
    from .._validate import validate_annotations

    sources = list(source) if isinstance(source, (list, tuple)) else [source]
    if not sources:
        raise InvalidParameterError("source is an empty list; give at least one file.")
    if format != "auto" and format not in _REGISTRY:
        raise InvalidParameterError(f"Unknown format {format!r}; choose one of {['auto'] + FORMATS}.")
    total = len(sources) + 2  # each file read, validation, attachments

    def step(done: int) -> None:
        if progress is not None:
            progress(done, total)

    step(0)
    parts = []
    for i, src in enumerate(sources, start=1):
        with collect_findings():  # what detection parses is read again below, and reported then
            name = format if format != "auto" else detect_format(src, mapping, sep=sep)
        with collect_findings() as findings:
            raw = _read(name, src, mapping=mapping, field=field, missing=missing, sep=sep, categories=categories,
                        options=format_options)
        raw.warnings.extend(findings.warnings())
        check_raw_images(raw, resolve_image_root(image_root, src))
        parts.append(raw)
        step(i)
    raw = _combine(parts)
    tax = load_taxonomy(taxonomy) if taxonomy is not None else None
    aset = validate_annotations(raw, categories=categories, taxonomy=tax, ordinal=ordinal, duplicates=duplicates,
                                multilabel=multilabel, label_sep=label_sep, normalize_labels=normalize_labels,
                                unknown_label=unknown_label, allow_multiline_labels=allow_multiline_labels)
    step(total - 1)
    if raw.gold is not None and gold is None:
        gold = raw.gold
    if raw.predictions is not None and predictions is None:
        predictions = raw.predictions
    if gold is not None or predictions is not None:
        aset = attach(aset, gold=gold, predictions=predictions)
    step(total)
    return aset


def _is_dask_frame(source: Any) -> bool:
    return type(source).__module__.startswith("dask.") and hasattr(source, "npartitions")


def _combine(parts: list[RawAnnotations]) -> RawAnnotations:
    """Combine several files; a format may provide its own merge (e.g. per-annotator exports)."""
    formats = {p.format for p in parts}
    if len(parts) > 1 and len(formats) == 1:
        reg = _REGISTRY.get(next(iter(formats)))
        if reg is not None and reg.combine is not None:
            return reg.combine(parts)
    return combine_raw(parts)


def _read(name: str, source: Any, *, mapping: ColumnMapping, field: str | None, missing: Any, sep: str | None,
          categories: Sequence[str] | None, options: dict[str, Any]) -> RawAnnotations:
    reg = _REGISTRY[name]
    given = {"field": field, "missing": missing, "sep": sep, **options}
    if name == "counts":
        given["categories"] = categories
    unknown = [k for k, v in options.items() if k not in reg.options]
    if unknown:
        raise InvalidParameterError(
            f"Option{'s' if len(unknown) != 1 else ''} {unknown} {'do' if len(unknown) != 1 else 'does'} not apply to format '{name}'; it accepts {sorted(reg.options) or 'none'}."
        )
    if field is not None and "field" not in reg.options:
        raise InvalidParameterError(f"field= applies to labeling-tool exports, not to format '{name}'.")
    if missing is not None and "missing" not in reg.options:
        raise InvalidParameterError(f"missing= applies to wide tables, not to format '{name}'.")
    kwargs = {k: v for k, v in given.items() if k in reg.options and v is not None}
    return reg.read(source, mapping=mapping, **kwargs)
