"""Roll-up, agreement per level and per node, and the taxonomy checks."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from taxonomy_helpers import LIFT_TAXONOMY, SAMPLES, lift_pilot

from analytics import (
    TaxonomyError,
    agreement_by_level,
    check_taxonomy,
    fleiss_kappa,
    fleiss_kappa_by_category,
    load_annotations,
    load_taxonomy,
    rollup_annotations,
)
from analytics.exceptions import AnnotationSchemaError, InvalidParameterError


@pytest.fixture(scope="module")
def retail():
    return load_annotations(SAMPLES / "retail" / "annotations.csv", taxonomy=SAMPLES / "retail" / "taxonomy.yaml",
                            gold=SAMPLES / "retail" / "gold.csv")


def test_rollup_maps_labels_and_gold_to_ancestors(retail):
    top = rollup_annotations(retail, 1)
    assert top.categories == ("Apparel", "Footwear", "Bags", "Other")
    tax = retail.taxonomy
    expected = retail.frame["label"].map(lambda c: (tax.ancestors(c) + (c,))[0])
    assert top.frame["label"].tolist() == expected.tolist()
    assert set(top.gold.unique()) <= set(top.categories)
    assert top.taxonomy.depth == 1 and rollup_annotations(retail, 3).categories == retail.categories
    assert retail.frame["label"].iloc[0] in retail.categories  # input untouched


def test_level_rows_equal_fleiss_kappa_of_the_rolled_up_sets(retail):
    table = agreement_by_level(retail)
    levels = table[table["node"].isna()]
    assert levels["level"].tolist() == [1, 2, 3]
    for _, row in levels.iterrows():
        est = fleiss_kappa(rollup_annotations(retail, int(row["level"])))
        assert row["kappa"] == pytest.approx(est.value, abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((est.ci_low, est.ci_high), abs=1e-12)
    assert levels["kappa"].is_monotonic_decreasing  # finer levels can only add disagreement here


def test_node_rows_equal_kappa_among_the_children_and_the_node_kappa(retail):
    table = agreement_by_level(retail).set_index("node")
    tax = retail.taxonomy
    for node in ("Bottoms", "Footwear", "Tops"):
        row = table.loc[node]
        under = retail.frame["label"].map(lambda c: node in tax.ancestors(c))
        sub = retail.subset(under.to_numpy())
        child = {c: next(a for a in tax.ancestors(c) + (c,) if tax.parent_of(a) == node) for c in sub.categories
                 if node in tax.ancestors(c)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            direct = fleiss_kappa(sub.relabel(child, categories=list(tax.children_of(node)))).value
            level_set = rollup_annotations(retail, tax.level_of(node))
            per_cat = fleiss_kappa_by_category(level_set).set_index("category")
        assert row["kappa"] == pytest.approx(direct, abs=1e-12)
        assert row["node_kappa"] == pytest.approx(per_cat.at[node, "kappa"], abs=1e-12)
        assert row["level"] == tax.level_of(node) + 1
    bottoms = table.loc["Bottoms"]
    assert bottoms["kappa"] < 0.8 < bottoms["node_kappa"] and bottoms["top_pair_share"] < 0.8
    assert table.loc["Tops", "top_pair"] == ("Shirt", "Blouse") and table.loc["Tops", "top_pair_share"] == 1.0


def test_siblings_confused_parents_agree():
    table = agreement_by_level(lift_pilot()).set_index("node")
    p = table.loc["P"]
    assert p["kappa"] < 0.7 and p["node_kappa"] == pytest.approx(1.0)
    assert table.loc["Q", "kappa"] == pytest.approx(1.0)
    levels = agreement_by_level(lift_pilot())
    assert levels.loc[levels["level"].eq(1) & levels["node"].isna(), "kappa"].iloc[0] == pytest.approx(1.0)


def test_flat_sets_and_errors(retail):
    flat = load_annotations(SAMPLES / "retail" / "annotations.csv")
    table = agreement_by_level(flat)
    assert len(table) == 1 and table.iloc[0]["kappa"] == pytest.approx(fleiss_kappa(flat).value)
    with pytest.raises(AnnotationSchemaError, match="taxonomy"):
        rollup_annotations(flat, 1)
    with pytest.raises(InvalidParameterError, match="level="):
        rollup_annotations(retail, 4)
    assert rollup_annotations(flat, 1, taxonomy=SAMPLES / "retail" / "taxonomy.yaml").n_categories == 4
    json.dumps(table.to_dict("records"))


def test_check_taxonomy_reports_structural_problems_without_raising(tmp_path):
    broken = {"classes": [{"name": "A", "parent": "B"}, {"name": "B", "parent": "A"}, {"name": "C", "parent": "Z"},
                          {"name": "c"}, {"name": "D"}, {"name": "D"}, {"name": "U1", "unknown": True},
                          {"name": "U2", "unknown": True}]}
    res = check_taxonomy(broken)
    assert not res.ok
    assert set(res.kinds) == {"duplicate_name", "orphan", "cycle", "several_unknown"}
    assert res.issues.set_index("kind").loc["cycle", "classes"] == ("A", "B")
    with pytest.raises(TaxonomyError):
        load_taxonomy(broken)  # loading still refuses it
    path = tmp_path / "tax.yaml"
    path.write_text("classes:\n  - {name: A}\n  - {name: B, parent: A}\n")
    assert check_taxonomy(path).kinds == ["missing_unknown"] and check_taxonomy(path).depth == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("nothing: here\n")
    assert check_taxonomy(bad).kinds == ["malformed"]
    assert check_taxonomy({"classes": [{"name": "A", "colour": "red"}]}).kinds == ["malformed"]


def test_check_taxonomy_with_annotations():
    frame = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator_id": ["a", "b"] * 3,
                          "label": ["A", "P", "B", "B", "X", "A"]})
    res = check_taxonomy(LIFT_TAXONOMY, load_annotations(frame))
    issues = res.issues.set_index("kind")
    assert res.ok
    assert issues.at["label_on_inner_node", "classes"] == ("P",) and issues.at["label_on_inner_node", "n_annotations"] == 1
    assert issues.at["label_not_in_taxonomy", "classes"] == ("X",)
    assert set(issues.at["unused_class", "classes"]) == {"C", "D", "E", "Other"}
    clean = check_taxonomy(annotations=load_annotations(SAMPLES / "retail" / "annotations.csv",
                                                        taxonomy=SAMPLES / "retail" / "taxonomy.yaml"))
    assert clean.ok and clean.issues.empty and clean.unknown_class == "Other"
    json.dumps(clean.to_dict())
    with pytest.raises(InvalidParameterError):
        check_taxonomy()


def test_lift_pilot_taxonomy_is_valid():
    tax = load_taxonomy(LIFT_TAXONOMY)
    assert tax.depth == 2 and tax.children_of("P") == ("A", "B", "C") and np.isclose(tax.level_of("A"), 2)


def test_taxonomy_module_offers_the_hierarchy_analyses():
    """The issue names them under analytics.taxonomy; they live in analytics.taxonomy.hierarchy and resolve from both."""
    import analytics.taxonomy as taxonomy
    import analytics.taxonomy.hierarchy as hierarchy

    for name in ("rollup_annotations", "agreement_by_level", "check_taxonomy", "TaxonomyCheck"):
        assert getattr(taxonomy, name) is getattr(hierarchy, name)
    with pytest.raises(AttributeError):
        taxonomy.no_such_analysis  # noqa: B018
