"""History charts: titled, intervals as error bars for a few deliveries and as shaded bands for many; user text
escaped."""

from __future__ import annotations

import pandas as pd

from analytics import plots


def _frame(n: int) -> tuple[pd.DataFrame, list[str]]:
    order = [f"d{k}" for k in range(n)]
    rows = [{"delivery": d, "label": lab, "value": 0.7, "ci_low": 0.6, "ci_high": 0.8, "status": "drop" if k == 1 else
             "no significant change"} for k, d in enumerate(order) for lab in ("Fleiss' kappa", "<b>x</b>")]
    return pd.DataFrame(rows), order


def test_few_deliveries_get_error_bars_many_get_bands():
    few = plots.agreement_trend_chart(*_frame(3))
    many = plots.agreement_trend_chart(*_frame(30))
    assert few.layout.title.text and few.layout.xaxis.title.text and few.layout.yaxis.title.text
    lines = [t for t in few.data if t.mode == "lines+markers"]
    assert lines and all(t.error_y.array is not None for t in lines)
    assert any(t.fill == "toself" for t in many.data)  # one closed path per band
    assert all(t.error_y.array is None for t in many.data)
    assert any("significant drop" in (t.name or "") for t in few.data)  # the ring on the drop
    assert all("<b>" not in (t.name or "") for t in many.data)  # labels escaped


def test_balance_is_stacked_areas():
    balance = pd.DataFrame({"delivery": ["a", "a", "b", "b"], "category": ["x", "Unknown"] * 2,
                            "share": [0.9, 0.1, 0.8, 0.2], "n_labels": [9, 1, 8, 2], "ci_low": 0.0, "ci_high": 1.0})
    fig = plots.balance_trend_chart(balance, ["a", "b"])
    assert [t.stackgroup for t in fig.data] == ["share", "share"] and fig.layout.title.text
