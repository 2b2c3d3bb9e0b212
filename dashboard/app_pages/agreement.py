"""Agreement page: who agrees with whom, which classes break agreement, and did the guideline change help."""

from __future__ import annotations

import streamlit as st

from analytics.safety import escape_markdown
from analytics import plots
from dashboard import services, session

key, aset = services.current_set()
st.title("Agreement")
st.caption("Every chance-corrected coefficient with an honest interval, per category, per annotator pair and per round.")
target = st.sidebar.slider("Agreement target", 0.50, 0.95, 0.80, 0.05, key="target")
method = st.sidebar.radio("Intervals", ["score", "analytic", "bootstrap"], key="interval_method", horizontal=True,
                          help="Score (default): intervals whose coverage the coverage study checked at pilot sizes; "
                               "they never collapse to zero width. Analytic: estimate ± 1.96·SE (as irrCAC or SAS "
                               "print). Bootstrap: 1,000 resamples of items.")

summary = services.agreement(key, aset, target, method)
_SHOW = {"met": st.success, "not met": st.error, "cannot be measured": st.info}
if summary.ok:
    result = summary.value
    _SHOW[result.verdict](f"**Verdict: {result.verdict}.** {escape_markdown(result.sentence)}")
    table = result.table
    st.plotly_chart(plots.coefficients_chart(table, target=target), width="stretch")
    st.caption("How to read this: each coefficient corrects raw agreement for chance differently; they usually agree. "
               "When raw agreement is high but kappa low, one class dominates: trust AC1 there. Coefficients that "
               "cannot be measured are left out of the chart; the table says why.")
    if result.coverage is not None:
        st.caption(f"Interval: {escape_markdown(result.interval_method)}. {escape_markdown(result.coverage.sentence)}")
    st.dataframe(table[["label", "value", "ci_low", "ci_high", "standard_error", "n_items", "landis_koch",
                        "verdict", "meets_target", "verified_coverage", "interval_method", "reason"]],
                 width="stretch", hide_index=True,
                 column_config={**{c: st.column_config.NumberColumn(format="%.3f") for c in
                                   ("value", "ci_low", "ci_high", "standard_error")},
                                "verified_coverage": st.column_config.NumberColumn(format="%.2f")})
elif aset.multilabel:
    st.info("This dataset holds tag sets (several tags per annotation), so agreement is measured on whole tag sets "
            "(below) and tag by tag (each tag present or absent, in the per-tag chart).")
    alpha = services.multilabel_alpha(key, aset)
    tags = services.tag_set_verdict(key, aset, target)
    if tags.ok:
        verdict, sentence, _, _ = tags.value
        _SHOW[verdict](f"**Verdict: {verdict}.** {escape_markdown(sentence)}")
        a = alpha.value
        if verdict != "cannot be measured":
            # a short label: the full name goes into the help (long labels are cut off in narrow columns)
            st.metric("Alpha on tag sets", f"{a.value:.3f}",
                      help="Krippendorff's alpha with the MASI distance between two annotators' tag sets "
                           f"(95% CI {a.ci_low:.3f}–{a.ci_high:.3f}).",
                      delta=f"95% CI {a.ci_low:.3f}–{a.ci_high:.3f}", delta_color="off", delta_arrow="off")
    else:
        st.info(escape_markdown(tags.reason or ""))
else:
    st.info(escape_markdown(summary.reason or ""))

st.header("Per category" if not aset.multilabel else "Per tag")
per = services.per_category(key, aset)
if per.ok:
    st.plotly_chart(plots.per_category_chart(per.value, target=target), width="stretch")
    st.caption("How to read this: each class treated as 'this class vs any other'; red = below the target with 95% "
               "confidence — the classes whose definitions need work first.")
else:
    st.info(escape_markdown(per.reason or ""))

st.header("Annotator pairs")
pairs = services.pairwise(key, aset)
if pairs.ok:
    st.plotly_chart(plots.pairwise_heatmap(pairs.value, list(aset.annotator_ids)), width="stretch")
    st.caption("How to read this: Cohen's kappa between two annotators on the items both labeled. A row of low values "
               "points at one annotator who disagrees with everyone.")
else:
    st.info(escape_markdown(pairs.reason or ""))

st.header("Round over round")
if summary.ok and summary.value.by_round is not None and len(summary.value.by_round):
    st.plotly_chart(plots.rounds_chart(summary.value.by_round, target=target), width="stretch")
    st.caption("How to read this: the same coefficients computed per round (e.g. before and after a guideline fix); "
               "non-overlapping intervals mean a real change.")
else:
    st.info("This dataset has a single round (no 'round' column with several values).")

columns = session.slice_columns(aset)
if columns:
    st.header("Slices")
    by = st.selectbox("Slice agreement by", columns, key="slice_by")
    sliced = services.agreement_slices(key, aset, by, target)
    if sliced.ok:
        st.caption(f"Every coefficient per value of '{escape_markdown(by)}'; 'difference' is the slice minus the whole set. "
                   "Real conditions (a dirty camera, bad light, one vendor) show up as slices where agreement drops.")
        st.dataframe(sliced.value, width="stretch", hide_index=True)
    else:
        st.info(escape_markdown(sliced.reason or ""))
