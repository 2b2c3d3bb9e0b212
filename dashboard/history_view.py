"""What the History page shows, built from a workspace's :class:`~analytics.workspace.History` (no caching here:
:func:`dashboard.services.workspace_history` caches each part once per workspace revision and options, so a
rerun of the page — a slider moved, a class chosen, the page visited again — reads them instead of rebuilding
tables and figures).

Parts: a trend table by its :meth:`History.frame <analytics.workspace.History.frame>` name (``"agreement"``,
``"per_class"``, …), a chart as ``"chart:<name>"`` (:data:`CHARTS`; a figure as a plain dict, which Streamlit's
cache copies cheaply and ``st.plotly_chart`` takes as it is), or ``"check"``: the no-regression check of the last
delivery.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

__all__ = ["CHARTS", "DEFAULT_LEVEL", "DEFAULT_ALARM", "build", "default_classes", "page_parts"]

#: The History page's charts, each from its trend table.
CHARTS = ("agreement", "per_class", "gold", "unknown", "balance")
#: The History page's options before a user moves them (its sliders' values): the dashboard's warm-up fills the
#: caches for these.
DEFAULT_LEVEL = 0.95
DEFAULT_ALARM = 5.0


def default_classes(per_class: Any, last: str) -> list[str]:
    """The per-class chart's classes until a user picks others: the six weakest (lowest kappa) of delivery ``last``."""
    return per_class[per_class["delivery"] == last].sort_values("kappa")["category"].head(6).tolist()


def page_parts(history: Any, part: Callable[..., Any]) -> Iterator[str]:
    """Read, through ``part(name, classes)``, every part the History page reads with its default options (the check
    and the tables, then the charts the page draws, under the same conditions as the page); yields each part's name
    once read. The warm-up of ``aqa dashboard --workspace W`` runs it so that a first visit finds them cached."""
    tables = {}
    for name in ("check", "agreement", "per_class", "gold", "unknown"):
        tables[name] = part(name, ())
        yield name
    drawn = {"agreement": len(tables["agreement"]) > 0,
             "per_class": bool(tables["per_class"]["kappa"].notna().any()),
             "gold": len(tables["gold"]) > 0,
             "unknown": bool((tables["unknown"]["status"] != "not measured").any()),
             "balance": True}
    for name in CHARTS:
        if drawn[name]:
            part(f"chart:{name}", default_classes(tables["per_class"], history.names[-1]) if name == "per_class" else ())
            yield f"chart:{name}"


def build(ws: Any, history: Any, part: str, classes: Sequence[str] = (), *, confidence_level: float = 0.95,
          alarm_points: float = 5.0) -> Any:
    """The table, chart (``classes``: the per-class chart's classes) or check named by ``part`` (see above) from
    ``history``; ``part="history"``: the trends themselves, read from the workspace ``ws``."""
    if part == "history":
        return ws.history(confidence_level=confidence_level, alarm_points=alarm_points)
    if part == "check":
        return ws.check_no_regression(confidence_level=history.confidence_level)
    if not part.startswith("chart:"):
        return history.frame(part)  # an unknown table name raises, naming the tables
    name = part.removeprefix("chart:")
    if name not in CHARTS:
        raise ValueError(f"No History chart {name!r}: charts are {', '.join(CHARTS)}.")
    from analytics import plots

    frame, order = history.frame(name), history.names
    figure = {"agreement": lambda: plots.agreement_trend_chart(frame, order),
              "per_class": lambda: plots.class_kappa_trend_chart(frame, order, list(classes)),
              "gold": lambda: plots.gold_trend_chart(frame, order),
              "unknown": lambda: plots.unknown_trend_chart(frame, order),
              "balance": lambda: plots.balance_trend_chart(frame, order)}[name]()
    return figure.to_dict()
