"""Confusion hotspots, the Unknown share, class balance and taxonomy proposals on the Dask backend equal the
in-memory path to 1e-12 (real LocalCluster, items whose ratings start split across files and partitions)."""

from __future__ import annotations

import dataclasses
import os
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import analytics as aqa
from analytics import _reshape as rs
from analytics.exceptions import DataQualityWarning, InvalidParameterError, UndefinedMetricWarning
from dask_helpers import (
    TAXONOMY,
    assert_close,
    assert_tables_close,
    items_in_several_files,
    taxonomy_frame,
    truth_gold,
    write_parts,
)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DataQualityWarning, UndefinedMetricWarning))
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def zoo(dask_client, tmp_path_factory):
    """The taxonomy pilot (gold, two rounds, Unknown, images next to the files) in memory and on the cluster."""
    df = taxonomy_frame(0)
    folder = tmp_path_factory.mktemp("zoo")
    paths = write_parts(df, folder, n_files=4)
    (folder / "img").mkdir()
    for item in df["item_id"].unique()[:40]:  # some images exist next to the files: relative paths resolve
        (folder / "img" / f"{item}.png").write_bytes(b"")
    taxonomy = folder / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    gold = truth_gold(df)
    memory = aqa.load_annotations([str(p) for p in paths], taxonomy=str(taxonomy), gold=gold)
    dask_set = aqa.load_annotations(str(folder / "*.parquet"), backend="dask", scheduler=dask_client,
                                    npartitions=3, taxonomy=str(taxonomy), gold=gold)
    return memory, dask_set, paths


def test_the_generated_pilot_is_split_and_complete(zoo):
    memory, dask_set, paths = zoo
    assert items_in_several_files(paths) > 200 and len(dask_set.partitions) == 3
    assert dask_set.categories == memory.categories and dask_set.unknown_label == memory.unknown_label == "Unknown"
    assert dask_set.rounds == ("1", "2") and dask_set.has_gold


def test_confusion_hotspots_equal_in_memory(zoo):
    memory, dask_set, _ = zoo
    expected = _quiet(aqa.confusion_hotspots, memory, top=None)
    actual = _quiet(aqa.confusion_hotspots, dask_set, top=None)
    assert_tables_close(actual, expected)
    assert actual.attrs["score_method"] == expected.attrs["score_method"]
    assert_close([actual.attrs["alpha"], actual.attrs["baseline"]], [expected.attrs["alpha"], expected.attrs["baseline"]])
    assert (actual["class_a"].iloc[0], actual["class_b"].iloc[0]) == ("cat", "dog")
    assert set(expected["gold_verdict"]) - {"no_gold", "too_little_gold"}  # gold verdicts were reached
    images = [i for row in expected["example_images"] for i in row]
    assert any(os.path.isabs(i) for i in images) and "" in images  # resolved paths, and a blank image


def test_pair_diagnoses_with_each_pair_s_own_agreement_equal_in_memory(zoo):
    memory, dask_set, _ = zoo
    expected = _quiet(aqa.diagnose_class_pairs, memory).table
    actual = _quiet(aqa.diagnose_class_pairs, dask_set).table
    tested = expected["candidate"].to_numpy()
    assert tested.sum() >= 3 and np.isfinite(expected.loc[tested, "pair_kappa"]).all()
    assert_close(actual["pair_kappa"].to_numpy(), expected["pair_kappa"].to_numpy())
    assert_close(actual["pair_kappa_ci_high"].to_numpy(), expected["pair_kappa_ci_high"].to_numpy())
    assert actual["pair_kappa_items"].tolist() == expected["pair_kappa_items"].tolist()
    assert actual["pair_below_target"].tolist() == expected["pair_below_target"].tolist()
    assert_close(actual["pair_kappa_standard_error"].to_numpy(), expected["pair_kappa_standard_error"].to_numpy())
    assert actual["pair_likely_below_target"].tolist() == expected["pair_likely_below_target"].tolist()
    assert actual["what_to_do"].tolist() == expected["what_to_do"].tolist()


def test_hotspots_on_round_units_without_gold_equal_in_memory(pilot):
    memory, dask_set, _ = pilot  # re-labels in round 2: the units are (item, round), which carry no gold
    expected = _quiet(aqa.confusion_hotspots, memory, top=4, n_examples=3)
    actual = _quiet(aqa.confusion_hotspots, dask_set, top=4, n_examples=3)
    assert_tables_close(actual, expected)
    assert set(actual["gold_verdict"]) == {"no_gold"} and all(len(e) == 3 for e in actual["example_items"])


def test_confusion_matrix_between_annotators_equals_in_memory(zoo):
    memory, dask_set, _ = zoo
    a, b = aqa.confusion_matrix_between_annotators(dask_set), aqa.confusion_matrix_between_annotators(memory)
    assert_tables_close(a.to_frame(), b.to_frame())
    assert a.n_items == b.n_items and a.categories == b.categories
    assert_close(a.n_pairable, b.n_pairable)


def test_unknown_share_equals_in_memory(zoo):
    memory, dask_set, _ = zoo
    a, b = aqa.unknown_share(dask_set), aqa.unknown_share(memory)
    for name in ("unknown_label", "n_annotations", "n_unknown", "n_items_with_unknown", "alarm", "sentence",
                 "n_low_confidence", "n_low_confidence_without_unknown"):
        assert getattr(a, name) == getattr(b, name), name
    assert_close([a.share, a.ci_low, a.ci_high, a.low_confidence_unknown_share],
                 [b.share, b.ci_low, b.ci_high, b.low_confidence_unknown_share])
    for name in ("by_round", "by_annotator", "by_class", "low_confidence"):
        assert_tables_close(getattr(a, name), getattr(b, name))
    assert a.alarm and a.alarms == ["2"]
    assert "Dask backend" in a.model_rule_reason and "no model predictions" in b.model_rule_reason


def test_class_balance_equals_in_memory(zoo):
    memory, dask_set, _ = zoo
    for consensus in ("majority_vote", "dawid_skene"):
        a = _quiet(aqa.class_balance, dask_set, consensus=consensus, min_items=30)
        b = _quiet(aqa.class_balance, memory, consensus=consensus, min_items=30)
        assert_tables_close(a.table, b.table)
        assert (a.rare, a.n_items, a.n_unresolved) == (b.rare, b.n_items, b.n_unresolved)


def test_agreement_by_level_equals_in_memory(zoo):
    memory, dask_set, _ = zoo
    a, b = aqa.agreement_by_level(dask_set), aqa.agreement_by_level(memory)
    assert_tables_close(a, b)
    assert a["node"].dropna().tolist() == ["Mammal", "Bird"]


def test_taxonomy_recommendations_equal_in_memory(zoo, monkeypatch):
    memory, dask_set, _ = zoo
    fresh = dataclasses.replace(dask_set, _cache={}, owned=())  # nothing computed yet: every table from the cluster

    def refuse(*args, **kwargs):
        raise AssertionError("a per-item table was gathered to the client")

    monkeypatch.setattr(type(fresh), "gather", refuse)  # hotspots, Unknown share, balance, levels: sums only
    a = _quiet(aqa.recommend_taxonomy_changes, fresh)
    b = _quiet(aqa.recommend_taxonomy_changes, memory)
    assert_tables_close(a.table, b.table)
    assert_close([a.kappa, a.kappa_after_all], [b.kappa, b.kappa_after_all])
    assert (a.combined_effect, a.sentence, a.notes) == (b.combined_effect, b.sentence, b.notes)
    recommended = set(b.table.loc[b.table["status"] == "recommended", "action"])
    assert {"lift_to_parent", "retrain_annotator", "add_other"} <= recommended  # every simulation path ran
    assert np.isfinite(b.table["gain_ci_low"]).any()  # simulated changes with paired intervals were compared


@pytest.mark.parametrize("numeric", [True, False])
def test_example_items_merge_across_partitions_like_one_ranking(numeric):
    """The best k of each partition's best k are the best k of all items, ties in item order."""
    rng = np.random.default_rng(1)
    n = 400
    weights = rng.integers(0, 4, n) / 3.0  # many ties
    ids = np.array([str(7 * i + 3) if numeric else f"item-{rng.integers(10**6)}-{i}" for i in range(n)], dtype=object)
    images = np.array([f"{i}.png" for i in ids], dtype=object)
    whole = rs.top_items(weights, ids, 6, numeric, images)
    cut = np.sort(rng.choice(np.arange(1, n), size=4, replace=False))
    parts = [rs.top_items(weights[s], ids[s], 6, numeric, images[s])
             for s in np.split(rng.permutation(n), cut)]
    merged = rs.TopMerge(6, numeric)(*[(p,) for p in parts])[0]
    assert [list(x) for x in merged] == [list(x) for x in whole]
    order = pd.Index(ids[weights == weights.max()]).astype(int if numeric else str).sort_values()
    assert list(whole[1][:3]) == [str(x) for x in order[:3]]


@pytest.mark.parametrize("call, instead", [
    (lambda s: aqa.simulate_merge(s, ["cat", "dog"]), "recommend_taxonomy_changes"),
    (lambda s: aqa.simulate_split(s, {"3": "tabby"}, classes=["cat"]), "in memory"),
    (lambda s: aqa.rollup_annotations(s, 1), "agreement_by_level"),
    (lambda s: aqa.compare_rounds(s), "by_round"),
])
def test_relabelling_analyses_say_what_to_use_on_the_cluster(zoo, call, instead):
    with pytest.raises(InvalidParameterError, match=f"not available on the Dask backend.*{instead}"):
        call(zoo[1])
