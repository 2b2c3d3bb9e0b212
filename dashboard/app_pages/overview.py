"""Overview (the project manager's verdict): is agreement good enough, and what are the top three problems?"""

from __future__ import annotations

import streamlit as st

from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services

#: Metric labels that fit a narrow column.
SHORT_LABELS = {"fleiss_kappa": "Fleiss κ", "cohen_kappa": "Cohen κ", "krippendorff_alpha": "Krippendorff α",
                "gwet_ac1": "Gwet AC1", "scott_pi": "Scott π", "light_kappa": "Light κ",
                "brennan_prediger": "Brennan–Prediger", "percent_agreement": "Raw agreement"}

key, aset = services.current_set()
st.title("Overview")
st.caption(f"Dataset: {escape_markdown(key.split(':', 1)[-1] if key.startswith('sample:') else 'uploaded export')} — "
           "change it on the Data page.")
target = st.sidebar.slider("Agreement target", 0.50, 0.95, 0.80, 0.05, key="target",
                           help="The field's bar for Cohen's/Fleiss' kappa is 0.8.")

summary = services.agreement(key, aset, target)
s = services.dataset_overview(key, aset)["summary"]

agreement_met = False
if summary.ok:
    result = summary.value
    text = escape_markdown(result.sentence)
    agreement_met = result.verdict == "met"
    if result.verdict == "met":
        st.success(f"**Good enough.** {text}")
    elif result.verdict == "cannot be measured":
        st.info(f"**Agreement cannot be measured yet.** {text}")
    elif result.table.set_index("coefficient").loc[result.primary, "meets_target"] == "point estimate only":
        st.warning(f"**Not yet shown.** {text}")
    else:
        st.error(f"**Not good enough yet.** {text}")
    rows = result.table.set_index("coefficient")
    shown = [c for c in (result.primary, "krippendorff_alpha", "gwet_ac1") if c in rows.index]
    cols = st.columns(len(shown) + 3)
    for col, name in zip(cols, shown):
        r = rows.loc[name]
        # short labels: the full coefficient name goes into the help (long labels are cut off in narrow columns)
        if r["verdict"] == "cannot be measured":
            why = r["reason"] if isinstance(r["reason"], str) else "undefined for this set"
            col.metric(SHORT_LABELS.get(name, r["label"]), "—", help=f"{r['label']}: cannot be measured: {why}")
            continue
        interval = f"95% CI {r['ci_low']:.2f}–{r['ci_high']:.2f}"
        col.metric(SHORT_LABELS.get(name, r["label"]), f"{r['value']:.2f}",
                   help=f"{r['label']}: {interval}; {r['landis_koch']}", delta=interval,
                   delta_color="off", delta_arrow="off")
    if result.kappa_paradox:
        st.info(escape_markdown(result.paradox_note or ""))
    if result.coverage is not None:
        st.caption(f"Interval: {escape_markdown(result.interval_method)}. {escape_markdown(result.coverage.sentence)}")
else:
    tags = services.tag_set_verdict(key, aset, target) if aset.multilabel else None
    if tags is not None and tags.ok:
        verdict, sentence, _, _ = tags.value
        agreement_met = verdict == "met"
        {"met": st.success, "not met": st.error}.get(verdict, st.info)(
            {"met": "**Good enough.** ", "not met": "**Not good enough yet.** "}.get(
                verdict, "**Agreement cannot be measured yet.** ") + escape_markdown(sentence))
    else:
        st.info(f"**Agreement cannot be measured here.** {escape_markdown(tags.reason if tags else summary.reason)}")
    cols = st.columns(3)

offset = len(cols) - 3
cols[offset].metric("Items", f"{s['n_items']:,}")
cols[offset + 1].metric("Annotators", f"{s['n_annotators']:,}" if s["annotators_known"] else "anonymous")
cols[offset + 2].metric("Rounds", len(s["rounds"]) or "—")

st.subheader("Top problems")
problems_box = st.container()  # filled after the charts, so they reach the browser while the problems compute

left, right = st.columns([3, 2])
with left:
    if summary.ok:
        st.plotly_chart(plots.coefficients_chart(summary.value.table, target=target), width="stretch")
        st.caption("How to read this: each dot is a chance-corrected agreement coefficient, the bar its 95% interval. "
                   "Green = the whole interval is above the target; amber = only the point estimate is; red = below.")
with right:
    balance = services.category_balance(key, aset)
    st.plotly_chart(plots.category_balance_chart(balance, unknown=s["unknown_label"]), width="stretch")
    if s["unknown_label"]:
        share = balance.set_index("category").loc[s["unknown_label"], "share"]
        st.caption(f"How to read this: labels per category. '{escape_markdown(s['unknown_label'])}' (red) holds "
                   f"{share:.1%} of all labels.")
    else:
        st.caption("How to read this: labels per category; no Unknown/Other class was found.")

with problems_box:
    found = services.problems(key, aset, target)
    if not found and agreement_met:
        st.success("Nothing falls short: agreement meets the target and no class, pair or annotator stands out.")
    elif not found:
        st.info("No other problem found; agreement itself is not yet shown to meet the target (see above).")
    for i, problem in enumerate(found, start=1):
        with st.container(border=True):
            st.markdown(f"**{i}. {escape_markdown(problem.headline)}**")
            st.caption(f"{escape_markdown(problem.detail)} → *{escape_markdown(problem.where)}*")
