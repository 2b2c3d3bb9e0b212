"""Multi-label agreement: per-tag kappa and Krippendorff's alpha with a set distance."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreement_helpers import SAMPLES
from analytics import fleiss_kappa, kappa_by_tag, krippendorff_alpha, krippendorff_alpha_multilabel, load_annotations

COLOURS = ["red", "blue", "black", "white", "green"]
STYLES = ["casual", "formal", "sporty"]


@pytest.fixture(scope="module")
def tags():
    return load_annotations(SAMPLES / "retail" / "tags.csv")


def test_kappa_by_tag_shows_the_designed_findings(tags):
    table = kappa_by_tag(tags).set_index("tag")
    assert list(table.index) == list(tags.categories)
    # colours are nearly perfect, styles are the ambiguous group (sample_data/README.md)
    assert table.loc[COLOURS, "kappa"].min() > 0.95
    assert table.loc[STYLES, "kappa"].max() < table.loc[COLOURS, "kappa"].min()
    assert (table["ci_low"] < table["kappa"]).all() and (table["kappa"] <= table["ci_high"]).all()
    assert (table["n_items"] == 300).all()


def test_tag_kappa_equals_fleiss_kappa_of_the_present_absent_labels(tags):
    table = kappa_by_tag(tags).set_index("tag")
    frame = tags.frame
    for tag in ("casual", "red", "plain"):
        binary = frame.assign(label=frame["label"].map(lambda s: "present" if tag in s else "absent"))
        single = load_annotations(binary[["item_id", "annotator_id", "label"]])
        k = fleiss_kappa(single)
        assert table.loc[tag, "kappa"] == pytest.approx(k.value, abs=1e-12)
        assert table.loc[tag, "standard_error"] == pytest.approx(k.standard_error, abs=1e-12)


def test_kappa_by_tag_bootstrap(tags):
    boot = kappa_by_tag(tags, method="bootstrap", n_boot=200, seed=2)
    analytic = kappa_by_tag(tags)
    np.testing.assert_allclose(boot["standard_error"], analytic["standard_error"], rtol=0.35)
    assert boot.attrs["interval_method"].startswith("percentile bootstrap")


@pytest.mark.peers("nltk")
def test_set_alpha_equals_nltk_on_the_retail_tags(tags):
    from nltk.metrics import agreement, distance

    raw = pd.read_csv(SAMPLES / "retail" / "tags.csv")
    data = [(r.annotator_id, r.item_id, frozenset(json.loads(r.label))) for r in raw.itertuples()]
    for name, func in (("masi", distance.masi_distance), ("jaccard", distance.jaccard_distance)):
        expected = agreement.AnnotationTask(data=data, distance=func).alpha()
        assert krippendorff_alpha_multilabel(tags, distance=name).value == pytest.approx(expected, abs=1e-9)


def _tag_frame(seed: int, n_items: int, n_annotators: int, n_tags: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.random((n_items, n_tags)) < 0.4
    rows = []
    for i in range(n_items):
        for a in range(n_annotators):
            if rng.random() < 0.2:
                continue
            flip = rng.random(n_tags) < 0.15
            chosen = np.flatnonzero(truth[i] ^ flip)
            if len(chosen) == 0:
                chosen = [int(rng.integers(n_tags))]
            rows.append((f"i{i}", f"a{a}", json.dumps([f"t{t}" for t in chosen])))
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


@pytest.mark.peers("nltk")
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_items=st.integers(3, 25), n_annotators=st.integers(2, 4),
       n_tags=st.integers(2, 5), distance_name=st.sampled_from(["masi", "jaccard"]))
def test_set_alpha_equals_nltk_on_random_tag_sets(seed, n_items, n_annotators, n_tags, distance_name):
    from nltk.metrics import agreement, distance

    frame = _tag_frame(seed, n_items, n_annotators, n_tags)
    aset = load_annotations(frame, multilabel=True)
    ours = krippendorff_alpha_multilabel(aset, distance=distance_name)
    if not np.isfinite(ours.value):
        return  # nltk returns a silent 1.0 (one set used) or raises where we return NaN with a reason
    data = [(r.annotator_id, r.item_id, frozenset(json.loads(r.label))) for r in frame.itertuples()]
    func = distance.masi_distance if distance_name == "masi" else distance.jaccard_distance
    assert ours.value == pytest.approx(agreement.AnnotationTask(data=data, distance=func).alpha(), abs=1e-9)


def test_singleton_tag_sets_reduce_to_nominal_alpha():
    rng = np.random.default_rng(0)
    rows = [(i, a, f"t{int(rng.integers(3))}") for i in range(30) for a in range(3)]
    single = load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]))
    as_sets = load_annotations(pd.DataFrame([(i, a, json.dumps([t])) for i, a, t in rows],
                                            columns=["item_id", "annotator_id", "label"]), multilabel=True)
    nominal = krippendorff_alpha(single)
    for name in ("jaccard", "masi"):
        ours = krippendorff_alpha_multilabel(as_sets, distance=name)
        assert ours.value == pytest.approx(nominal.value, abs=1e-12)
        assert ours.standard_error == pytest.approx(nominal.standard_error, abs=1e-12)
    boot = krippendorff_alpha_multilabel(as_sets, method="bootstrap", n_boot=200)
    assert boot.ci_low < boot.value < boot.ci_high
