"""The dashboard through Streamlit's AppTest: it runs, and shows the library's numbers."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from analytics.safety import escape_markdown
from analytics.samples import load_sample

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
TIMEOUT = 60


def plain(text: str) -> str:
    """Markdown source as a reader sees it: backslash escapes and HTML entities resolved."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def texts(elements) -> list[str]:
    return [plain(e.value) for e in elements]


@pytest.fixture
def app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def test_data_page_shows_the_digits_sample(app):
    app.run()
    app.switch_page("app_pages/data.py").run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    expected = load_sample("digits")
    assert metrics["Items"] == f"{expected.n_items:,}"
    assert metrics["Annotators"] == str(expected.n_annotators)
    assert metrics["Annotations"] == f"{expected.n_annotations:,}"
    assert metrics["Categories"] == str(expected.n_categories)
    assert len(app.get("plotly_chart")) == 1
    text = " ".join(m.value for m in app.markdown)
    assert escape_markdown("Understood: 500 items, 5 annotators") in text  # the page escapes untrusted text
    assert "Understood: 500 items, 5 annotators" in " ".join(texts(app.markdown))


@pytest.mark.parametrize("sample", ["retail", "retail-tags"])
def test_data_page_switches_sample(app, sample):
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.selectbox(key="sample_choice").select(sample).run()
    assert not app.exception
    expected = load_sample(sample)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Items"] == f"{expected.n_items:,}"
    label = "Tags" if expected.multilabel else "Categories"
    assert metrics[label] == str(expected.n_categories)


def test_data_page_upload_mode_without_a_file(app):
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.radio(key="data_source").set_value("Upload an export").run()
    assert not app.exception
    assert any("Choose a file to upload" in t for t in texts(app.info))
    assert app.metric[0].value == "500"  # the current dataset is still shown


def test_upload_service_loads_and_caches(tmp_path):
    from dashboard import services

    data = b"question,worker,answer\n1,w1,cat\n1,w2,dog\n2,w1,cat\n"
    key1, aset = services.load_upload({"annotations": ("a.csv", data)}, {"format": "auto"})
    key2, again = services.load_upload({"annotations": ("a.csv", data)}, {"format": "auto", "field": None})
    assert key1 == key2 and again is aset and aset.n_items == 2
    gold = b"item_id,gold_label\n1,cat\n"
    key3, with_gold = services.load_upload({"annotations": ("a.csv", data), "gold": ("g.csv", gold)}, {})
    assert key3 != key1 and with_gold.has_gold
    assert services.peek_columns("a.csv", data) == ["question", "worker", "answer"]


def _page(app, name):
    app.run()
    app.switch_page(f"app_pages/{name}.py").run()
    assert not app.exception, app.exception
    return app


def test_annotators_page_shows_the_gold_audit(app):
    import analytics

    _page(app, "annotators")
    audit = analytics.gold_accuracy_by_annotator(load_sample("digits"), target=0.9)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Gold items"] == str(audit.n_gold_items)
    assert metrics["Flagged below target"] == str(int(audit.table["flagged"].sum()))
    assert len(app.get("plotly_chart")) == 6  # accuracy, gold confusion, DS vs gold, DS confusion, drift, speed
    assert any("ann_fast" in e for e in texts(app.error))


def test_annotators_page_filter_and_target(app):
    _page(app, "annotators")
    app.sidebar.multiselect(key="ann_filter").set_value(["ann_expert", "ann_careful"]).run()
    app.sidebar.slider(key="ann_target").set_value(0.99).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert sorted(table["annotator_id"]) == ["ann_careful", "ann_expert"]


def test_review_page_counts_equal_routing(app):
    import analytics

    _page(app, "review")
    routing = analytics.route_for_review(load_sample("digits"))
    counts = routing["decision"].value_counts()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Accept"] == f"{counts.get('accept', 0):,}"
    assert metrics["Senior review"] == f"{counts.get('senior_review', 0):,}"
    assert metrics["Adjudicate"] == f"{counts.get('adjudicate', 0):,}"
    assert len(app.get("plotly_chart")) == 2
    queue = app.dataframe[0].value
    assert set(queue["decision"]) <= {"adjudicate", "senior_review"}
    assert len(queue) == counts.get("adjudicate", 0) + counts.get("senior_review", 0)
    assert {"support", "rule"} <= set(queue.columns)
    assert any("More than 3 ratings" in t and "95%" in t for t in texts(app.caption))
    assert not any("0.0%" in t for t in texts(app.markdown))
    # a stricter threshold sends more items with more than three ratings to a person
    app.sidebar.slider(key="review_threshold").set_value(0.99).run()
    strict = analytics.route_for_review(load_sample("digits"), threshold=0.99)["decision"].value_counts()
    assert {m.label: m.value for m in app.metric}["Accept"] == f"{strict.get('accept', 0):,}"
    assert strict.get("accept", 0) <= counts.get("accept", 0)
    assert any("99%" in t for t in texts(app.caption))


def test_pages_switch_with_the_retail_sample(app):
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.selectbox(key="sample_choice").select("retail").run()
    for page in ("annotators", "review"):
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception
    assert app.metric[0].value == "300" or any(m.label == "Accept" for m in app.metric)


def test_annotators_page_on_anonymous_counts_explains_why(app):
    from analytics import load_annotations
    from tests.conftest import DATASETS, need

    counts = load_annotations(need(DATASETS / "cifar10h" / "human_counts.csv"))
    app.session_state["aqa_datasets"] = {"test:cifar": counts}
    app.session_state["aqa_dataset_key"] = "test:cifar"
    app.switch_page("app_pages/annotators.py").run()
    assert not app.exception
    assert any("no annotator ids" in t for t in texts(app.warning))


def test_overview_is_the_default_page_and_shows_the_verdict(app):
    import analytics
    from analytics.report.overview import top_problems

    app.run()
    assert not app.exception
    aset = load_sample("digits")
    summary = analytics.agreement_summary(aset, target=0.8)
    row = summary.table.set_index("coefficient").loc["fleiss_kappa"]
    metrics = {m.label: m for m in app.metric}
    assert metrics["Fleiss κ"].value == f"{row['value']:.2f}"  # short label; the full name is in the help
    assert f"{row['ci_low']:.2f}–{row['ci_high']:.2f}" in metrics["Fleiss κ"].delta
    assert all(len(label) <= 16 for label in metrics)  # no label cut off in a narrow column
    assert "Not good enough yet" in texts(app.error)[0]
    problems = top_problems(aset, target=0.8)
    text = " ".join(texts(app.markdown))
    for p in problems:
        assert p.headline.split(":")[0] in text
    assert len(app.get("plotly_chart")) == 2


def test_overview_target_slider_changes_the_verdict(app):
    app.run()
    app.sidebar.slider(key="target").set_value(0.6).run()
    assert not app.exception
    assert "Good enough" in texts(app.success)[0]


def test_agreement_page_charts_and_tables(app):
    import analytics

    _page(app, "agreement")
    assert len(app.get("plotly_chart")) == 4  # coefficients, per-category, pairs, rounds
    table = app.dataframe[0].value
    expected = analytics.agreement_summary(load_sample("digits")).table
    assert table["value"].round(6).tolist() == expected["value"].round(6).tolist()


def test_agreement_page_on_multilabel_tags(app):
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.selectbox(key="sample_choice").select("retail-tags").run()
    app.switch_page("app_pages/agreement.py").run()
    assert not app.exception
    metric = next(m for m in app.metric if m.label == "Alpha on tag sets")
    assert "MASI" in metric.help  # the full name in the help, a label that fits
    shown = " ".join(texts(app.info))
    assert "tag sets" in shown and "analytics." not in shown and "kappa_by_tag" not in shown


def test_model_page_matches_the_library(app):
    import analytics

    _page(app, "model")
    result = analytics.model_vs_human(load_sample("digits"), threshold=0.7)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Accuracy vs consensus"] == f"{result.accuracy_vs_consensus.value:.1%}"
    assert metrics["Kappa vs consensus"] == f"{result.kappa_vs_consensus.value:.2f}"
    assert metrics["Below the confidence threshold"] == f"{result.low_confidence_share:.1%}"
    assert len(app.get("plotly_chart")) == 3
    errors = analytics.find_label_errors(load_sample("digits"))
    table = app.dataframe[1].value  # the label errors table, with its evidence
    assert table["item_id"].tolist() == errors.candidates["item_id"].tolist() and len(table) >= 1
    assert {"given_label", "suggested_label", "p_given_wrong", "votes", "people_p_given", "model_p_given",
            "signal"} <= set(table.columns)
    assert not (table["given_label"] == "Unknown").any() and not (table["suggested_label"] == "Unknown").any()
    assert any(errors.sentence.split(" (")[0] in t for t in texts(app.markdown))
    set_apart = app.dataframe[2].value  # Unknown items: a separate list, with the reason
    assert len(set_apart) == errors.n_excluded and set(set_apart["reason"]) <= {
        "people marked the item Unknown", "the given label is Unknown"}
    low = app.dataframe[-1].value  # below the confidence threshold; a flat taxonomy: no placed_* columns
    assert not {"placed_level", "placed_class", "placed_confidence"} & set(low.columns)


def test_model_page_scores_with_the_bundled_model(app):
    _page(app, "model")
    app.button(key="mvh_score").click().run()
    assert not app.exception
    assert app.session_state["aqa_dataset_key"].startswith("sample:digits|scored:")


def test_model_page_without_predictions_explains(app):
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.selectbox(key="sample_choice").select("retail").run()
    app.switch_page("app_pages/model.py").run()
    assert not app.exception
    assert any("no model predictions" in t for t in texts(app.info))


def _with_sample(app, sample, page):
    app.run()
    app.switch_page("app_pages/data.py").run()
    app.sidebar.selectbox(key="sample_choice").select(sample).run()
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def test_taxonomy_page_on_retail_shows_the_designed_findings(app):
    import analytics

    _with_sample(app, "retail", "taxonomy")
    aset = load_sample("retail")
    text = texts(app.markdown)
    assert text[0] == "**1. Merge Shirt + Blouse**"
    assert any(t.startswith("**2. Label Jeans, Trousers, Skirt as Bottoms") for t in text)
    assert any("Retrain ann_c on Sneakers / Sandals" in t for t in text)
    hot = analytics.confusion_hotspots(aset, top=10)
    table = app.dataframe[0].value if "class_a" in app.dataframe[0].value else app.dataframe[1].value
    assert (table.iloc[0]["class_a"], table.iloc[0]["class_b"]) == (hot.iloc[0]["class_a"], hot.iloc[0]["class_b"])
    sim = analytics.simulate_merge(aset, ["Shirt", "Blouse"])
    assert any(sim.sentence.split(" (")[0][:40] in t for t in text)
    assert len(app.get("plotly_chart")) == 4  # hotspots, confusion, sunburst, what-if


def test_taxonomy_page_on_digits(app):
    _with_sample(app, "digits", "taxonomy")
    assert any("Retrain ann_confuser on 4 / 9" in t for t in texts(app.markdown))
