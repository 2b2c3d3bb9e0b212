"""Audit samples: reproducible, stratified, with the detection power they state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import InvalidParameterError, audit_sample, load_annotations


@pytest.fixture(scope="module")
def aset():
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({"item_id": np.arange(n) // 4, "annotator_id": [f"a{k}" for k in np.arange(n) % 4],
                          "label": rng.choice(["cat", "dog", "fox", "owl"], size=n, p=[0.6, 0.25, 0.1, 0.05])})
    return load_annotations(frame)


@pytest.mark.parametrize("stratify_by", ["label", "annotator", None])
def test_reproducible_stratified_and_sized(aset, stratify_by):
    a = audit_sample(aset, fraction=0.07, stratify_by=stratify_by, seed=5)
    b = audit_sample(aset, fraction=0.07, stratify_by=stratify_by, seed=5)
    c = audit_sample(aset, fraction=0.07, stratify_by=stratify_by, seed=6)
    pd.testing.assert_frame_equal(a.sample, b.sample)
    assert not a.sample[["item_id", "annotator_id"]].equals(c.sample[["item_id", "annotator_id"]])
    assert a.n_sampled == len(a.sample) == round(0.07 * aset.n_annotations)
    assert not a.sample.duplicated(["item_id", "annotator_id"]).any()
    keys = set(zip(aset.frame["item_id"], aset.frame["annotator_id"]))
    assert set(zip(a.sample["item_id"], a.sample["annotator_id"])) <= keys
    strata = a.strata.set_index("stratum")
    # proportional allocation: each stratum within one annotation of its share
    expected = strata["n_population"] * a.n_sampled / strata["n_population"].sum()
    assert (np.abs(strata["n_sampled"] - expected) < 1).all()
    got = a.sample["stratum"].value_counts().reindex(strata.index, fill_value=0)
    assert got.tolist() == strata["n_sampled"].tolist()
    if stratify_by == "label":
        assert (a.sample["stratum"] == a.sample["label"]).all()


def test_detection_power_is_hypergeometric(aset):
    audit = audit_sample(aset, fraction=0.05, seed=0)
    n, big_n = audit.n_sampled, audit.n_population
    for rate, p in audit.detection_power.itertuples(index=False):
        k = int(np.ceil(rate * big_n))
        assert p == pytest.approx(1 - stats.hypergeom(big_n, k, n).pmf(0))
        assert p >= 1 - (1 - rate) ** n - 1e-12  # without replacement catches at least as often
    r = audit.detectable_error_rate
    k = round(r * big_n)
    assert 1 - stats.hypergeom(big_n, k, n).pmf(0) >= 0.95 > 1 - stats.hypergeom(big_n, k - 1, n).pmf(0)
    assert r == pytest.approx(3 / n, rel=0.1)  # the "rule of three"


def test_fraction_warnings_and_errors(aset):
    with pytest.warns(UserWarning, match="0.05–0.10"):
        audit_sample(aset, fraction=0.5)
    for bad in (0, -0.1, 1.5):
        with pytest.raises(InvalidParameterError):
            audit_sample(aset, fraction=bad)
    with pytest.raises(InvalidParameterError):
        audit_sample(aset, stratify_by="item")
    with pytest.warns(UserWarning):
        tiny = audit_sample(aset, fraction=1.0, stratify_by=None)
    assert tiny.n_sampled == aset.n_annotations and tiny.detectable_error_rate == pytest.approx(1 / aset.n_annotations)
