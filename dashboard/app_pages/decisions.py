"""Decisions: the log of taxonomy and guideline decisions — record one from a recommendation with one click — and
whether later deliveries bear out the effect the what-if predicted."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import plots
from analytics.exceptions import AnnotationQAError
from analytics.safety import escape_markdown
from dashboard import services
from dashboard import workspace_session as wss

FLASH = "aqa_decision_flash"
ACTIONS = ["merge", "clarify", "split", "retrain_annotator", "lift_to_parent", "add_other", "collect_more"]

st.title("Decisions")
st.caption("Record what you decided (merge, split, clarify, retrain …) with the evidence behind it; each later "
           "delivery then says whether it worked: the predicted effect against the observed change.")
location = wss.current_workspace()
if not location:
    st.info("No workspace is open. Open or create one on the Data page (section Workspace): decisions are recorded "
            "against its deliveries and checked on the next ones.")
    st.stop()
history = wss.history(location)
if not history.deliveries:
    st.info("The workspace has no delivery yet: add one on the Data page first.")
    st.stop()


def _record(**spec) -> None:
    try:
        decision = wss.record_decision(location, **spec)
    except AnnotationQAError as exc:
        st.error(escape_markdown(str(exc)))
        return
    st.session_state[FLASH] = f"Recorded decision #{decision.id}: {decision.title}."
    st.rerun()  # the log above shows it


flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(escape_markdown(flash))

st.header("Decision log")
checks = []
if not history.decisions:
    st.info("No decision recorded yet: record one below, from a recommendation or by hand.")
for d in history.decisions:
    with st.container(border=True):
        st.markdown(f"**#{d.id} {escape_markdown(d.title)}** — based on '{escape_markdown(d.delivery)}', "
                    f"{escape_markdown(d.recorded_at[:16].replace('T', ' '))}")
        if d.definition:
            st.markdown("New definition: " + escape_markdown(d.definition))
        st.caption("Evidence: " + escape_markdown(d.evidence))
        p = d.prediction
        if p.get("after") is not None:
            st.markdown(escape_markdown(f"Predicted: Fleiss' kappa {p['before']:.3f} → {p['after']:.3f} "
                                        f"({p['change']:+.3f}) — {p['method']}."))
        else:
            st.markdown(escape_markdown(f"Predicted: nothing — {p.get('reason')}."))
        if not d.checks:
            st.info("Waiting for a later delivery to verify it.")
        for c in d.checks:
            good = c.verdict in ("as predicted", "better than predicted") or c.outcome == "improved"
            (st.success if good else st.warning)(escape_markdown(c.sentence()))
            checks.append({"label": f"#{d.id} · {c.delivery}", "kappa_before": c.kappa_before,
                           "predicted_after": c.predicted_after, "kappa_after": c.kappa_after, "se_after": c.se_after})
if checks:
    st.plotly_chart(plots.decision_check_chart(pd.DataFrame(checks)), width="stretch")
    st.caption("How to read this: grey = Fleiss' kappa of the delivery the decision was based on; blue = what the what-if "
               "predicted after the change; green = what the later delivery shows (with its 95% interval).")


st.header("Record a decision")
names = history.names
base = st.selectbox("Based on the delivery", names, index=len(names) - 1, key="decision_base")
info = next(d for d in history.deliveries if d.name == base)
report = services.workspace_report(location, base, info.content_hash)
rows = (report["sections"].get("recommendations", {}).get("data") or {}).get("rows", [])
recommended = [r for r in rows if r["status"] == "recommended"]
held = [r for r in rows if r["status"] != "recommended"]
if not rows:
    st.info("This delivery's report has no recommendation; record a decision by hand below.")
for r in recommended + held:
    box = st.container(border=True) if r in recommended else st.expander(
        f"held back: {r['rank']}. {r['action'].replace('_', ' ')} {' + '.join(r['classes'])}")
    with box:
        title = f"{r['rank']}. {r['action'].replace('_', ' ')}: {' + '.join(r['classes'])}"
        if r["annotators"]:
            title += f" ({', '.join(r['annotators'])})"
        st.markdown(f"**{escape_markdown(title)}** — {escape_markdown(str(r['expected_effect']))}")
        st.caption(escape_markdown(str(r["evidence"])) + (f" — missing: {escape_markdown(r['missing_evidence'])}"
                                                          if r.get("missing_evidence") else ""))
        if st.button("Record this decision", key=f"record_{base}_{r['rank']}"):
            _record(delivery=base, recommendation=int(r["rank"]))

with st.expander("Record a decision by hand"):
    with st.form("decision_form"):
        action = st.selectbox("Decision", ACTIONS, key="decision_action",
                              format_func=lambda a: a.replace("_", " "))
        classes = st.multiselect("Classes (a lift: the parent only)", list(info.categories), key="decision_classes")
        into = st.text_input("Merged class name, or a split's new classes (comma-separated)", key="decision_into")
        definition = st.text_area("New definition (clarify)", key="decision_definition")
        annotators = st.text_input("Annotators (retrain; comma-separated)", key="decision_annotators")
        note = st.text_input("Why (note)", key="decision_note")
        submitted = st.form_submit_button("Record", type="primary")
    if submitted:
        parts = [p.strip() for p in into.split(",") if p.strip()]
        _record(delivery=base, action=action, classes=classes, note=note or None, definition=definition or None,
                annotators=[a.strip() for a in annotators.split(",") if a.strip()],
                into=(parts[0] if parts else None) if action == "merge" else parts)
