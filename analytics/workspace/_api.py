"""The :class:`Workspace`: one object over a workspace database (see :mod:`analytics.workspace`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Union

import sqlalchemy as sa

from ..exceptions import InvalidParameterError
from . import _tables as t
from ._db import default_timeout, display_url, ensure_schema, make_engine, read_connection, resolve_url
from ._errors import DeliveryNotFoundError
from ._records import INFO_COLUMNS, DeliveryInfo, SourceFile, delivery_from_row

if TYPE_CHECKING:
    import pandas as pd

    from .. import AnnotationSet
    from ._decisions import Decision
    from ._history import History
    from ._regression import RegressionCheck

__all__ = ["Workspace", "DeliveryContents", "open_workspace"]

Location = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True, eq=False)
class DeliveryContents:
    """What a delivery contained: its items and annotations as stored (for incremental pulls and exports).

    Attributes
    ----------
    delivery : DeliveryInfo
    annotations : pandas.DataFrame
        The delivery's annotation table: ``item_id, annotator_id, label`` (tuples of tags in tag sets), the optional
        ``round, timestamp, duration_s, image`` and every extra column the source had (e.g. a labeling tool's
        ``annotation_id`` and ``updated_at``).
    item_ids : tuple of str
        Distinct items, in first-seen order.
    """

    delivery: DeliveryInfo
    annotations: "pd.DataFrame"
    item_ids: tuple[str, ...]

    def latest(self, key: str = "annotation_id", time: str = "updated_at") -> dict[str, Any]:
        """``{key value: latest time value}`` — e.g. each annotation id and its last update time (columns must exist)."""
        missing = [c for c in (key, time) if c not in self.annotations.columns]
        if missing:
            raise InvalidParameterError(f"The delivery '{self.delivery.name}' has no column {' or '.join(map(repr, missing))}; its columns: "
                                        f"{list(self.annotations.columns)}.")
        return self.annotations.groupby(key, sort=False)[time].max().to_dict()


class Workspace:
    """A workspace: every delivery of a project, their trends, and (schema 2) the log of taxonomy decisions.

    Open one with :func:`open_workspace` (or ``Workspace.open``); use it as a context manager or call
    :meth:`close`. Every method runs its own short transaction, so one object can be shared by a long-lived
    process (the dashboard) while other processes add deliveries.
    """

    def __init__(self, engine: sa.Engine, *, timeout: float) -> None:
        self._engine = engine
        self.timeout = timeout

    # -- opening -------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, location: Location, *, create: bool = False, timeout: float | None = None) -> "Workspace":
        """Open the workspace at ``location`` (a file path or a ``postgresql://`` URL), upgrading an older schema.

        Parameters
        ----------
        location : str or path
        create : bool
            Create the workspace when the file does not exist (an empty PostgreSQL database is always set up).
        timeout : float, optional
            Seconds to wait for another process's write (default ``AQA_WORKSPACE_TIMEOUT`` or 120).

        Raises
        ------
        WorkspaceNotFoundError, WorkspaceError, WorkspaceVersionError
        """
        wait = default_timeout() if timeout is None else float(timeout)
        if not wait > 0:
            raise InvalidParameterError(f"timeout must be a positive number of seconds, not {timeout!r}.")
        engine = make_engine(resolve_url(location, create=create), timeout=wait)
        try:
            ensure_schema(engine, timeout=wait)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, timeout=wait)

    @property
    def url(self) -> str:
        """Where the workspace is (file path, or URL without password)."""
        return display_url(self._engine.url)

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({self.url!r})"

    # -- reading ----------------------------------------------------------------------------------------------
    def deliveries(self) -> tuple[DeliveryInfo, ...]:
        """Every delivery, in the order added."""
        from ._history import read_deliveries

        with read_connection(self._engine) as conn:
            return read_deliveries(conn)

    def _row(self, conn: sa.Connection, name: str, columns: Sequence[str] = INFO_COLUMNS) -> Any:
        d = t.deliveries
        row = conn.execute(sa.select(*[d.c[k] for k in columns]).where(d.c.name == name)).mappings().first()
        if row is None:
            raise DeliveryNotFoundError(f"No delivery named '{name}' in the workspace {self.url}; 'aqa workspace list' "
                                        "shows them.")
        return row

    def delivery(self, name: str) -> DeliveryInfo:
        """One delivery with its source files and their hashes."""
        with read_connection(self._engine) as conn:
            row = self._row(conn, name)
            f = t.delivery_files
            files = tuple(SourceFile(role=r.role, name=r.name, sha256=r.sha256, n_bytes=int(r.n_bytes))
                          for r in conn.execute(sa.select(f.c.role, f.c.name, f.c.sha256, f.c.n_bytes)
                                                .where(f.c.delivery_id == row["id"]).order_by(f.c.id)))
        return delivery_from_row(row, files)

    def report(self, name: str) -> dict[str, Any]:
        """The delivery's QualityReport as JSON data (``analytics/report_schema.json``)."""
        with read_connection(self._engine) as conn:
            return json.loads(self._row(conn, name, ("report_json",))["report_json"])

    def import_report(self, name: str) -> dict[str, Any]:
        """The import reports of the delivery's annotations, gold and predictions (rows read, kept, skipped)."""
        with read_connection(self._engine) as conn:
            return json.loads(self._row(conn, name, ("import_json",))["import_json"])

    def settings(self, name: str) -> dict[str, Any]:
        """The report settings the delivery was analysed with (target, gold_target, confidence_level)."""
        with read_connection(self._engine) as conn:
            return json.loads(self._row(conn, name, ("settings_json",))["settings_json"])

    def _blobs(self, name: str) -> tuple[DeliveryInfo, dict[str, tuple[str, bytes]]]:
        with read_connection(self._engine) as conn:
            row = self._row(conn, name)
            dd = t.delivery_data
            blobs = {r.kind: (r.format, bytes(r.data)) for r in conn.execute(
                sa.select(dd.c.kind, dd.c.format, dd.c.data).where(dd.c.delivery_id == row["id"]))}
        return delivery_from_row(row), blobs

    def contents(self, name: str) -> DeliveryContents:
        """The delivery's annotations as stored (no export is re-read)."""
        from ._content import frame_from_parquet

        info, blobs = self._blobs(name)
        frame = frame_from_parquet(blobs["annotations"][1], tag_columns=("label",) if info.multilabel else ())
        return DeliveryContents(delivery=info, annotations=frame,
                                item_ids=tuple(str(i) for i in frame["item_id"].drop_duplicates()))

    def last_delivery(self, *, source: str | None = None) -> DeliveryContents | None:
        """The contents of the last delivery added (from ``source`` only, when given); None when there is none."""
        d = t.deliveries
        query = sa.select(d.c.name).order_by(d.c.id.desc()).limit(1)
        if source is not None:
            query = query.where(d.c.source == source)
        with read_connection(self._engine) as conn:
            name = conn.execute(query).scalar()
        return None if name is None else self.contents(name)

    def load(self, name: str) -> "AnnotationSet":
        """The delivery back as an :class:`~analytics.AnnotationSet` (with its gold, predictions and taxonomy)."""
        from .. import Taxonomy, load_annotations
        from ._content import frame_from_parquet

        info, blobs = self._blobs(name)
        frame = frame_from_parquet(blobs["annotations"][1], tag_columns=("label",) if info.multilabel else ())
        kwargs: dict[str, Any] = {"categories": list(info.categories)}
        if "gold" in blobs:
            kwargs["gold"] = frame_from_parquet(blobs["gold"][1], tag_columns=("gold_label",) if info.multilabel else ())
        if "predictions" in blobs:
            kwargs["predictions"] = frame_from_parquet(blobs["predictions"][1])
        if "taxonomy" in blobs:
            kwargs["taxonomy"] = Taxonomy.from_dict(json.loads(blobs["taxonomy"][1]), source=f"workspace:{name}")
        if info.multilabel:
            kwargs["multilabel"] = True
        return load_annotations(frame, **kwargs)

    def revision(self) -> str:
        """A token that changes whenever a delivery (or decision) is added or removed (for caches)."""
        d, x = t.deliveries, t.decisions
        with read_connection(self._engine) as conn:
            row = conn.execute(sa.select(sa.func.count(), sa.func.max(d.c.id), sa.func.max(d.c.added_at))).one()
            more = conn.execute(sa.select(sa.func.count(), sa.func.max(x.c.id))).one()
        return ":".join(str(v) for v in (*row, *more))

    # -- writing ----------------------------------------------------------------------------------------------
    def add(self, annotations: "AnnotationSet", *, name: str | None = None, vendor: str | None = None,
            guideline_version: str | None = None, taxonomy: str | None = None, source: str | None = None,
            files: Sequence[tuple[str, Location]] = (), metadata: Mapping[str, Any] | None = None,
            report: Any = None, target: float = 0.8, gold_target: float = 0.9, confidence_level: float = 0.95,
            progress: Any = None) -> DeliveryInfo:
        """Store a delivery: its annotations, import report, source files' hashes, metadata and quality report.

        Parameters
        ----------
        annotations : AnnotationSet
            In memory (not a Dask set).
        name : str, optional
            Unique delivery name (default: the annotation file's name, made unique with ``-2``, ``-3`` …).
        vendor, guideline_version, taxonomy, source : str, optional
            Metadata (``taxonomy`` defaults to the taxonomy file's name and hash; ``source`` to the file names).
        files : sequence of (role, path)
            Source files (roles ``annotations``, ``gold``, ``predictions``, ``taxonomy``); their SHA-256 is stored.
        metadata : mapping, optional
            Any other JSON-serializable metadata.
        report : QualityReport, optional
            Already computed for this set (default: computed here with ``target``, ``gold_target``,
            ``confidence_level``).
        progress : callable or bool, optional
            Passed to :meth:`QualityReport.from_annotations`.

        Returns
        -------
        DeliveryInfo

        Raises
        ------
        DuplicateDeliveryError
            The same annotations are already stored (the message names that delivery).
        WorkspaceError
            The name is taken; :class:`WorkspaceBusyError` when another writer held the lock past the timeout.
        """
        from .. import AnnotationSet, QualityReport
        from ._store import prepare_delivery, store_delivery

        if not isinstance(annotations, AnnotationSet):
            raise InvalidParameterError(
                f"Workspace.add needs an in-memory AnnotationSet (analytics.load_annotations), not "
                f"{type(annotations).__name__}; load Dask sets in memory (backend='memory') to store them.")
        if report is None:
            report = QualityReport.from_annotations(annotations, target=target, gold_target=gold_target,
                                                    confidence_level=confidence_level, progress=progress)
        settings = {"target": report.settings.target, "gold_target": report.settings.gold_target,
                    "confidence_level": report.settings.confidence_level}
        prepared = prepare_delivery(annotations, report=report, vendor=vendor, guideline_version=guideline_version,
                                    taxonomy=taxonomy, source=source, files=files, metadata=metadata,
                                    settings=settings)
        return store_delivery(self._engine, prepared, name=name, timeout=self.timeout)

    def remove(self, name: str) -> DeliveryInfo:
        """Delete a delivery and everything stored with it (one transaction)."""
        from ._store import remove_delivery

        return remove_delivery(self._engine, name, timeout=self.timeout)

    # -- trends ------------------------------------------------------------------------------------------------
    def history(self, *, confidence_level: float = 0.95, alarm_points: float = 5.0, require_significance: bool = False,
                top: int = 10, min_items: int = 5) -> "History":
        """Trends across the deliveries (see :mod:`analytics.workspace._history`)."""
        from dataclasses import replace

        from ._decisions import read_decisions_on
        from ._history import read_history
        from ._verify import verify

        with read_connection(self._engine) as conn:
            history = read_history(conn, confidence_level=confidence_level, alarm_points=alarm_points,
                                   require_significance=require_significance, top=top, min_items=min_items)
            decisions = read_decisions_on(conn)
        return replace(history, decisions=verify(decisions, history))

    # -- decisions -----------------------------------------------------------------------------------------------
    def record_decision(self, *, action: str | None = None, classes: Sequence[str] | None = None,
                        annotators: Sequence[str] | None = None, into: "str | Sequence[str] | None" = None,
                        definition: str | None = None, note: str | None = None, author: str | None = None,
                        delivery: str | None = None, recommendation: int | None = None,
                        confidence_level: float = 0.95) -> "Decision":
        """Record a taxonomy or guideline decision with the evidence and predicted effect behind it.

        Parameters
        ----------
        action : {"merge", "split", "clarify", "retrain_annotator", "lift_to_parent", "add_other", "collect_more"}
            Taken from the recommendation when ``recommendation`` is given.
        classes, annotators : sequence of str
            What it concerns (a lift: the parent first, then its children).
        into : str or sequence of str
            The merged class's name (default ``A+B``), or a split's new classes.
        definition : str
            A clarification's new definition (required for ``clarify``).
        note, author : str, optional
        delivery : str, optional
            The delivery whose evidence prompted it (default: the last one).
        recommendation : int, optional
            Rank of that delivery's recommendation it follows: its action, classes, evidence and simulated effect
            are recorded with it.

        Returns
        -------
        Decision
            With ``prediction``: Fleiss' kappa after the change simulated on the delivery's annotations (merge,
            lift) or the recommendation's simulation (retraining), or the reason nothing was predicted.
        """
        from ._decisions import record_decision

        return record_decision(self, action=action, classes=classes, annotators=annotators, into=into,
                               definition=definition, note=note, author=author, delivery=delivery,
                               recommendation=recommendation, confidence_level=confidence_level)

    def decisions(self, *, confidence_level: float = 0.95) -> tuple["Decision", ...]:
        """The decision log, each decision verified on every later delivery."""
        return self.history(confidence_level=confidence_level).decisions

    def remove_decision(self, decision_id: int) -> "Decision":
        """Delete one decision from the log."""
        from ._decisions import remove_decision

        return remove_decision(self, decision_id)

    def check_no_regression(self, *, delivery: str | None = None, coefficient: str | None = None,
                            confidence_level: float = 0.95) -> "RegressionCheck":
        """Does ``delivery`` (default: the last) agree significantly less than the delivery before it?"""
        from ._regression import check_regression

        with read_connection(self._engine) as conn:
            return check_regression(conn, delivery=delivery, coefficient=coefficient,
                                    confidence_level=confidence_level)

    def export(self, folder: Location, *, deliveries: Sequence[str] | None = None) -> list[str]:
        """Write deliveries (default: all) as Parquet + JSON into ``folder``; returns the files written."""
        from ._export import export_workspace

        return [str(p) for p in export_workspace(self, folder, names=deliveries)]


def open_workspace(location: Location, *, create: bool = False, timeout: float | None = None) -> Workspace:
    """Open (``create=True``: or create) the workspace at ``location``; see :meth:`Workspace.open`."""
    return Workspace.open(location, create=create, timeout=timeout)
