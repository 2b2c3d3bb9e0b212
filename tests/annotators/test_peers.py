"""agreement_with_peers: the no-gold annotator audit, against scipy's Fisher exact test and pilots with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import agreement_with_peers, load_annotations
from analytics.annotators.drift import leave_one_out_codes
from analytics.exceptions import InvalidParameterError
from analytics.samples import load_sample
from benchmarks._pilots import CLASSES, UNKNOWN, make_pilot


def _load(pilot):
    return load_annotations(pilot.annotations, gold=pilot.gold, categories=CLASSES + [UNKNOWN])


def test_the_test_is_fishers_exact_against_everyone_else():
    aset = load_sample("digits")
    res = agreement_with_peers(aset)
    ref = leave_one_out_codes(aset)
    scored = ref >= 0
    agree = aset.label_codes == ref
    table = res.table.set_index("annotator_id")
    for k, who in enumerate(aset.annotator_ids):
        mine = scored & (aset.annotator_codes == k)
        rest = scored & (aset.annotator_codes != k)
        a, n, a_o, n_o = agree[mine].sum(), mine.sum(), agree[rest].sum(), rest.sum()
        p = stats.fisher_exact([[a, n - a], [a_o, n_o - a_o]], alternative="less")[1]
        assert table.at[who, "p_value"] == pytest.approx(p, rel=1e-9)
        assert table.at[who, "agreement"] == pytest.approx(a / n)
        assert table.at[who, "others_agreement"] == pytest.approx(a_o / n_o)
    assert res.flagged == ["ann_fast"]  # the sample's careless annotator; ann_drift is the drift check's
    assert (table["p_adjusted"] >= table["p_value"]).all()


@pytest.mark.parametrize("raters", [3, 5])
def test_a_careless_annotator_is_flagged_and_a_clean_team_is_not(raters):
    careless = make_pilot("careless", 300, raters, 0)
    assert agreement_with_peers(_load(careless)).flagged == [careless.culprit]
    for seed in range(3):
        assert agreement_with_peers(_load(make_pilot("clean", 300, raters, seed))).flagged == []


def test_margin_and_too_few_annotations():
    careless = _load(make_pilot("careless", 300, 5, 0))
    assert agreement_with_peers(careless, margin=0.9).flagged == []  # significant, but not by 90 points
    frame = pd.DataFrame({"item_id": ["1", "1", "1", "2", "2", "2"], "annotator_id": ["a", "b", "c"] * 2,
                          "label": ["x", "x", "y", "y", "y", "y"]})
    res = agreement_with_peers(load_annotations(frame))
    assert set(res.table["verdict"]) == {"cannot be measured"}
    assert all("need 20" in r for r in res.table["reason"])
    with pytest.raises(InvalidParameterError, match="margin"):
        agreement_with_peers(careless, margin=0)
    with pytest.raises(InvalidParameterError, match="min_scored"):
        agreement_with_peers(careless, min_scored=0)
    assert np.isnan(res.table["p_value"]).all()
