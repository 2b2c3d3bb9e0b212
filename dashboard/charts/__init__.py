"""DataFrame → plotly figure. No Streamlit calls here; every chart has a title, axis titles and units,
and every user-provided text is escaped."""

from ._agreement import coefficients_chart, pairwise_heatmap, per_category_chart, rounds_chart
from ._annotators import confusion_heatmap, drift_chart, ds_vs_gold_chart, gold_accuracy_chart, speed_accuracy_chart
from ._data import category_balance_chart
from ._model import model_kappa_chart, reliability_chart, side_by_side_confusion
from ._taxonomy import hotspots_chart, taxonomy_sunburst, unknown_share_chart, whatif_chart
from ._review import decision_chart, detection_power_chart

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
]
