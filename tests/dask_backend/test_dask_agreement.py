"""Agreement on the Dask backend equals the in-memory path to 1e-12 (real LocalCluster, several partitions)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import analytics as aqa
from analytics import _reshape as rs
from analytics.exceptions import DataQualityWarning, InvalidParameterError
from dask_helpers import annotations_frame, assert_close, assert_tables_close, items_in_several_files, write_parts


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        warnings.simplefilter("ignore", aqa.UndefinedMetricWarning)
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def ordinal(dask_client, tmp_path_factory):
    df = annotations_frame(3, n_items=150, categories=("1", "2", "3", "4", "5"), rounds=False, messy=False)
    folder = tmp_path_factory.mktemp("ordinal")
    paths = write_parts(df, folder, n_files=3)
    memory = aqa.load_annotations([str(p) for p in paths], ordinal=True)
    dask_set = aqa.load_annotations(folder, backend="dask", scheduler=dask_client, npartitions=4, ordinal=True)
    return memory, dask_set


@pytest.fixture(scope="module")
def pair(dask_client, tmp_path_factory):
    df = annotations_frame(5, n_items=120, n_annotators=2, rounds=False, messy=False, min_raters=2, max_raters=2)
    folder = tmp_path_factory.mktemp("pair")
    paths = write_parts(df, folder, n_files=2)
    return (aqa.load_annotations([str(p) for p in paths]),
            aqa.load_annotations(folder, backend="dask", scheduler=dask_client, npartitions=2))


def test_ratings_start_split_across_files_and_end_in_several_partitions(pilot):
    memory, dask_set, paths = pilot
    assert items_in_several_files(paths) > 100
    assert len(dask_set.partitions) == 3
    assert dask_set.n_items == memory.n_items and dask_set.n_annotations == memory.n_annotations
    assert dask_set.categories == memory.categories and list(dask_set.annotator_ids) == list(memory.annotator_ids)
    assert dask_set.rounds == memory.rounds == ("1", "2")
    assert dask_set.summary() == memory.summary()


def test_agreement_summary_equals_in_memory(pilot):
    memory, dask_set, _ = pilot
    with pytest.warns(DataQualityWarning, match="several rounds"):
        expected = aqa.agreement_summary(memory)
    with pytest.warns(DataQualityWarning, match="several rounds"):  # (item, round) units on the cluster too
        actual = aqa.agreement_summary(dask_set)
    assert actual.table["coefficient"].tolist() == ["percent_agreement", "light_kappa", "fleiss_kappa",
                                                    "krippendorff_alpha", "gwet_ac1", "brennan_prediger"]
    assert_tables_close(actual.table, expected.table)
    assert_tables_close(actual.by_round, expected.by_round)
    assert len(actual.by_round) == 2 * len(actual.table)
    assert (actual.sentence, actual.primary, actual.kappa_paradox, actual.dominant_category) == \
        (expected.sentence, expected.primary, expected.kappa_paradox, expected.dominant_category)
    assert_close(actual.dominant_share, expected.dominant_share)
    assert (actual.n_items, actual.n_annotators, actual.n_annotations) == \
        (expected.n_items, expected.n_annotators, expected.n_annotations)


def test_per_category_and_pairwise_kappas_equal_in_memory(pilot):
    memory, dask_set, _ = pilot
    assert_tables_close(_quiet(aqa.fleiss_kappa_by_category, dask_set), _quiet(aqa.fleiss_kappa_by_category, memory))
    assert_tables_close(_quiet(aqa.cohen_kappa_by_pair, dask_set), _quiet(aqa.cohen_kappa_by_pair, memory))
    for func in (aqa.light_kappa, aqa.fleiss_kappa, aqa.gwet_ac1, aqa.krippendorff_alpha):
        a, b = _quiet(func, dask_set), _quiet(func, memory)
        assert_close([a.value, a.standard_error, a.ci_low, a.ci_high, a.observed_agreement, a.expected_agreement],
                     [b.value, b.standard_error, b.ci_low, b.ci_high, b.observed_agreement, b.expected_agreement])
        assert a.n_items == b.n_items


def test_weighted_ordinal_and_interval_coefficients_equal_in_memory(ordinal):
    memory, dask_set = ordinal
    calls = [(aqa.krippendorff_alpha, {"level": "ordinal"}), (aqa.krippendorff_alpha, {"level": "interval"}),
             (aqa.krippendorff_alpha, {"level": "ratio"}), (aqa.gwet_ac1, {"weights": "quadratic"}),
             (aqa.fleiss_kappa, {"weights": "linear"}), (aqa.percent_agreement, {"weights": "quadratic"})]
    for func, options in calls:
        a, b = func(dask_set, **options), func(memory, **options)
        assert_close([a.value, a.standard_error, a.ci_low, a.ci_high], [b.value, b.standard_error, b.ci_low, b.ci_high])
    assert_tables_close(aqa.agreement_summary(dask_set).table, aqa.agreement_summary(memory).table)


def test_two_annotators_cohen_scott_and_the_null_standard_error(pair):
    memory, dask_set = pair
    for func in (aqa.cohen_kappa, aqa.scott_pi, aqa.fleiss_kappa):
        a, b = func(dask_set), func(memory)
        assert_close([a.value, a.standard_error, a.standard_error_h0, a.n_items],
                     [b.value, b.standard_error, b.standard_error_h0, b.n_items])
    assert np.isfinite(aqa.fleiss_kappa(dask_set).standard_error_h0)  # equal raters: Fleiss–Nee–Landis SE
    summary = aqa.agreement_summary(dask_set)
    assert summary.primary == "cohen_kappa"
    assert_tables_close(summary.table, aqa.agreement_summary(memory).table)
    assert_tables_close(aqa.fleiss_kappa_by_category(dask_set), aqa.fleiss_kappa_by_category(memory))


def test_sufficient_statistics_equal_in_memory(pilot, ordinal):
    assert_close(rs.annotator_pair_tables(ordinal[1]), rs.annotator_pair_tables(ordinal[0]))
    memory, dask_set, _ = pilot
    for table in (rs.coincidence_matrix, rs.category_totals, rs.round_category_counts, rs.annotator_category_counts,
                  rs.annotator_gold_confusion, rs.gold_class_counts, rs.gold_label_counts, rs.annotator_totals):
        assert_close(table(dask_set), table(memory))
    for a, b in zip(rs.annotator_others_share(dask_set), rs.annotator_others_share(memory)):
        assert_close(a, b)
    assert rs.n_gold_items(dask_set) == rs.n_gold_items(memory) > 0
    assert rs.round_category_counts(dask_set).shape == (2, dask_set.n_categories)
    for (name, subset), (expected_name, expected) in zip(dask_set.slices("round"), [
            (r, memory.subset((memory.frame["round"] == r).to_numpy())) for r in memory.rounds]):
        assert name == expected_name and list(subset.annotator_ids) == list(expected.annotator_ids)
        assert (subset.n_items, subset.n_annotations) == (expected.n_items, expected.n_annotations)
        assert_close(rs.round_category_counts(subset), rs.round_category_counts(expected))
        assert_close(rs.annotator_pair_tables(subset), rs.annotator_pair_tables(expected))
    # per-item tables are gathered in the order of ``item_ids``
    order = memory.item_ids.get_indexer(dask_set.item_ids)
    assert (order >= 0).all() and len(set(order)) == memory.n_items
    assert_close(rs.item_category_counts(dask_set), rs.item_category_counts(memory)[order])
    assert_close(rs.item_category_counts(dask_set, layout="sparse").toarray(),
                 rs.item_category_counts(memory, layout="sparse").toarray()[order])
    assert_close(dask_set.ratings_per_item, memory.ratings_per_item[order])


def test_bootstrap_and_per_item_matrices_are_refused_with_a_way_out(pilot):
    _, dask_set, _ = pilot
    with pytest.raises(InvalidParameterError, match="bootstrap.*not available on the Dask backend.*analytic"):
        aqa.fleiss_kappa(dask_set, method="bootstrap")
    with pytest.raises(InvalidParameterError, match="Dask backend"):
        rs.annotator_item_matrix(dask_set)
    with pytest.raises(InvalidParameterError, match="'camera' is not in the annotations"):
        _quiet(aqa.agreement_by, dask_set, by="camera")  # the Dask backend keeps item, annotator, label, round


def test_agreement_by_round_equals_in_memory(pilot):
    memory, dask_set, _ = pilot
    assert_tables_close(_quiet(aqa.agreement_by, dask_set, by="round"), _quiet(aqa.agreement_by, memory, by="round"))


def test_dask_frame_and_lazy_table(pilot):
    memory, dask_set, _ = pilot
    frame = dask_set.frame.compute()
    expected = memory.frame[["item_id", "annotator_id", "label", "round"]]
    key = ["item_id", "annotator_id", "round"]
    assert_tables_close(frame.sort_values(key).reset_index(drop=True), expected.sort_values(key).reset_index(drop=True))
    assert isinstance(frame, pd.DataFrame)


def test_gold_only_classes_change_no_coefficient_on_the_cluster(dask_client, tmp_path_factory):
    """A class only the gold labels use is dropped from agreement on the Dask backend as in memory (issue 15)."""
    df = annotations_frame(7, n_items=80, rounds=False, messy=False)
    folder = tmp_path_factory.mktemp("ghost")
    paths = write_parts(df, folder, n_files=2)
    items = sorted(df["item_id"].unique())
    gold = pd.DataFrame({"item_id": items, "gold_label": ["ghost"] * 3 + [df.loc[df["item_id"] == i, "label"].iloc[0]
                                                                         for i in items[3:]]})
    bare = _quiet(aqa.load_annotations, [str(p) for p in paths])
    lake = _quiet(aqa.load_annotations, str(folder / "*.parquet"), backend="dask", scheduler=dask_client,
                  npartitions=2, gold=gold)
    assert "ghost" in lake.categories and lake.attached_categories == ("ghost",)
    assert any("'ghost'" in note for note in lake.gold_report.notes)
    for func in (aqa.gwet_ac1, aqa.brennan_prediger, aqa.fleiss_kappa, aqa.krippendorff_alpha):
        a, b = _quiet(func, bare), _quiet(func, lake)
        assert_close((a.value, a.ci_low, a.ci_high), (b.value, b.ci_low, b.ci_high))
