"""Charts: DataFrame → plotly figure, shared by the dashboard and the HTML report.

Pure functions of their tables (the ones the analyses return); no Streamlit here, so the library's report
(:mod:`analytics.report`) and the dashboard (``dashboard/app_pages``) draw the same figures. Every chart has a
title, axis titles and units, and every user-provided text (labels, ids, file names) is escaped with
:func:`analytics.safety.escape_html`, because plotly renders a subset of HTML in tick and hover text.

This package imports plotly; ``import analytics`` does not import it (import ``analytics.plots`` explicitly).
"""

from ._agreement import coefficients_chart, pairwise_heatmap, per_category_chart, rounds_chart
from ._annotators import confusion_heatmap, drift_chart, ds_vs_gold_chart, gold_accuracy_chart, speed_accuracy_chart
from ._data import category_balance_chart
from ._model import model_kappa_chart, reliability_chart, side_by_side_confusion
from ._taxonomy import hotspots_chart, taxonomy_sunburst, unknown_share_chart, whatif_chart
from ._review import decision_chart, detection_power_chart
from ._history import (
    agreement_trend_chart,
    balance_trend_chart,
    class_kappa_trend_chart,
    decision_check_chart,
    gold_trend_chart,
    trend_chart,
    unknown_trend_chart,
)

__all__ = [
    "hotspots_chart",
    "taxonomy_sunburst",
    "whatif_chart",
    "unknown_share_chart",
    "side_by_side_confusion",
    "reliability_chart",
    "model_kappa_chart",
    "coefficients_chart",
    "pairwise_heatmap",
    "per_category_chart",
    "rounds_chart",
    "category_balance_chart",
    "gold_accuracy_chart",
    "confusion_heatmap",
    "drift_chart",
    "speed_accuracy_chart",
    "ds_vs_gold_chart",
    "decision_chart",
    "detection_power_chart",
    "trend_chart",
    "agreement_trend_chart",
    "class_kappa_trend_chart",
    "gold_trend_chart",
    "unknown_trend_chart",
    "balance_trend_chart",
    "decision_check_chart",
]
