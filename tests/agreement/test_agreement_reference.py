"""Published reference values reproduced by the agreement engine.

Sources (values copied from the publications / package documentation, not computed by our code):

* SAS PROC FREQ two-rater example as printed in statsmodels' test suite (``test_inter_rater.py``):
  simple kappa 0.4842, ASE 0.1380, 95 % CI 0.2137–0.7547, ASE under H0 0.1484, Z 3.2626; weighted
  (Cicchetti–Allison = linear) kappa 0.4701, ASE 0.1457, CI 0.1845–0.7558, ASE under H0 0.1426.
* Fleiss (1971) psychiatric diagnoses, 30 subjects × 6 ratings (R ``irr::diagnoses``):
  ``kappam.fleiss`` kappa 0.4302445, z 17.65183; ``detail=TRUE`` per-category kappas
  0.245, 0.245, 0.520, 0.471, 0.566 (Fleiss 1971 reports .245, .245, .520, .471, .566 and overall .430).
* Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", 4 coders × 12 units with missing
  values: nominal .743, ordinal .815, interval .849, ratio .797.
* Gwet's irrCAC examples (R vignette / Python irrCAC docstrings): ``cac.raw4raters`` AC1 0.77544 (SE 0.14295,
  pa 0.81818, pe 0.19032), Fleiss 0.76117 (SE 0.15302, pe 0.23872); ``cont3x3abstractors`` Cohen 0.7964094
  (SE 0.05891072), Scott 0.7962397 (SE 0.05905473), AC1 0.84933 (SE 0.04322, pa 0.89, pe 0.26992),
  quadratic AC2 0.94024, Scott quadratic 0.8921 (irrCAC table docstring values).
* Randolph's online calculator values in statsmodels' tests: tables [[7, 1], [3, 5]] fixed-marginal
  (Fleiss) 0.161905, free-marginal (Brennan–Prediger) 0.214286; [[6, 1, 0], [0, 7, 0]] 0.708333 / 0.785714.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from agreement_helpers import aset_from_matrix
from analytics import (
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_by_category,
    gwet_ac1,
    krippendorff_alpha,
    load_annotations,
    percent_agreement,
    scott_pi,
)

DIAGNOSES = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
])

NA = np.nan
#: Krippendorff (2011), coders A–D (rows) × units 1–12 (columns).
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
])

#: Gwet's ``cac.raw4raters``: 12 units (rows) × 4 raters.
GWET_RAW4RATERS = np.array([
    [1, 1, NA, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4],
    [1, 1, 2, 1], [2, 2, 2, 2], [NA, 5, 5, 5], [NA, NA, 1, 1], [NA, NA, 3, NA],
])


def _pair_set(table: np.ndarray, categories: list[str], *, ordinal: bool = False):
    """Two annotators whose contingency table is ``table`` (rows: first annotator)."""
    rows = []
    item = 0
    for i, j in np.ndindex(*table.shape):
        for _ in range(int(table[i, j])):
            rows += [(item, "r1", categories[i]), (item, "r2", categories[j])]
            item += 1
    return load_annotations(pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]),
                            categories=categories, ordinal=ordinal)


def _counts_set(table: list[list[int]]):
    columns = [f"c{k}" for k in range(len(table[0]))]
    frame = pd.DataFrame(table, columns=columns)
    frame.insert(0, "item", [f"s{i}" for i in range(len(table))])
    # categories= keeps a never-chosen column as a category (Randolph's calculator counts it: q = 3)
    return load_annotations(frame, format="counts", categories=columns)


# -- SAS / statsmodels ------------------------------------------------------------------------------
SAS_TABLE = np.array([[0, 4, 1], [0, 8, 0], [0, 1, 5]])


def test_cohen_kappa_matches_sas_simple_kappa():
    k = cohen_kappa(_pair_set(SAS_TABLE, ["0", "1", "2"]), method="analytic")  # SAS's Wald interval
    assert round(k.value, 4) == 0.4842
    assert round(k.standard_error, 4) == 0.1380
    assert (round(k.ci_low, 4), round(k.ci_high, 4)) == (0.2137, 0.7547)
    assert round(k.standard_error_h0, 4) == 0.1484
    assert round(k.z_h0, 4) == 3.2626
    assert k.n_items == 19 and k.annotators == ("r1", "r2")


def test_weighted_cohen_kappa_matches_sas_weighted_kappa():
    k = cohen_kappa(_pair_set(SAS_TABLE, ["0", "1", "2"], ordinal=True), weights="linear", method="analytic")
    assert round(k.value, 4) == 0.4701
    assert round(k.standard_error, 4) == 0.1457
    assert (round(k.ci_low, 4), round(k.ci_high, 4)) == (0.1845, 0.7558)
    assert round(k.standard_error_h0, 4) == 0.1426
    assert k.weights == "linear"


# -- Fleiss (1971) / R irr ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def diagnoses():
    return aset_from_matrix(DIAGNOSES - 1, 5)


def test_fleiss_kappa_matches_fleiss_1971_and_irr(diagnoses):
    k = fleiss_kappa(diagnoses)
    assert round(k.value, 7) == 0.4302445
    assert round(k.value, 3) == 0.430
    assert round(k.z_h0, 5) == 17.65183  # irr's z uses the Fleiss, Nee & Landis (1979) SE under H0
    assert k.n_items == 30 and k.n_annotators == 6


def test_fleiss_kappa_by_category_matches_irr_detail(diagnoses):
    table = fleiss_kappa_by_category(diagnoses)
    assert table["kappa"].round(3).tolist() == [0.245, 0.245, 0.520, 0.471, 0.566]
    # irr's per-category z is kappa / sqrt(2 / (N m (m - 1)))
    assert np.allclose(table["standard_error_h0"], math.sqrt(2 / (30 * 6 * 5)))


# -- Krippendorff (2011) ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def krippendorff_example():
    return aset_from_matrix(KRIPPENDORFF_2011.T - 1, 5, ordinal=True)


@pytest.mark.parametrize("level, expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                             ("ratio", 0.797)])
def test_krippendorff_alpha_matches_krippendorff_2011(level, expected):
    # categories are the values 1..5 here (interval and ratio use them as numbers)
    m = KRIPPENDORFF_2011.T
    aset = load_annotations(
        pd.DataFrame([(f"u{u}", f"c{c}", str(int(m[u, c]))) for u, c in zip(*np.nonzero(~np.isnan(m)))],
                     columns=["item_id", "annotator_id", "label"]),
        categories=["1", "2", "3", "4", "5"], ordinal=True)
    a = krippendorff_alpha(aset, level=level)
    assert round(a.value, 3) == expected
    assert a.n_items == 11  # unit 12 has a single value and is not pairable


# -- Gwet's irrCAC examples ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raw4raters():
    return aset_from_matrix(GWET_RAW4RATERS - 1, 5)


def test_gwet_ac1_matches_irrcac_raw4raters(raw4raters):
    a = gwet_ac1(raw4raters)
    assert round(a.value, 5) == 0.77544
    assert round(a.standard_error, 5) == 0.14295
    assert (round(a.observed_agreement, 5), round(a.expected_agreement, 5)) == (0.81818, 0.19032)


def test_fleiss_kappa_matches_irrcac_raw4raters(raw4raters):
    k = fleiss_kappa(raw4raters)
    assert round(k.value, 5) == 0.76117
    assert round(k.standard_error, 5) == 0.15302
    assert round(k.expected_agreement, 5) == 0.23872
    assert math.isnan(k.standard_error_h0)  # unequal raters per item: no Fleiss–Nee–Landis SE


def test_krippendorff_alpha_of_gwet_raw4raters_is_krippendorff_2011(raw4raters):
    # the same data as Krippendorff's example, organized by unit
    assert round(krippendorff_alpha(raw4raters).value, 3) == 0.743


ABSTRACTORS = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])


@pytest.fixture(scope="module")
def abstractors():
    return _pair_set(ABSTRACTORS, ["Ectopic", "AIU", "NIU"], ordinal=True)


def test_two_rater_coefficients_match_irrcac_cont3x3abstractors(abstractors):
    k = cohen_kappa(abstractors)
    assert round(k.value, 7) == 0.7964094 and round(k.standard_error, 8) == 0.05891072
    s = scott_pi(abstractors)
    # irrCAC's contingency-table Scott (0.05905473) divides by n²; ours is Fleiss' raw-data variance on the common
    # items (irrCAC raw), larger by sqrt(n / (n - 1)) — one formula for Scott's pi and Fleiss' kappa (issue 15)
    assert round(s.value, 7) == 0.7962397
    assert s.standard_error == pytest.approx(0.05905473 * math.sqrt(100 / 99), abs=2e-8)
    f = fleiss_kappa(abstractors)
    assert (f.value, f.standard_error) == pytest.approx((s.value, s.standard_error), abs=1e-14)
    assert (f.ci_low, f.ci_high) == pytest.approx((s.ci_low, s.ci_high), abs=1e-12)
    assert round(scott_pi(abstractors, weights="quadratic").value, 4) == 0.8921
    a = gwet_ac1(abstractors)
    assert round(a.value, 5) == 0.84933
    assert (round(a.observed_agreement, 5), round(a.expected_agreement, 5)) == (0.89, 0.26992)
    # Gwet's raw-data variance equals the contingency-table one (0.04322) times sqrt(n / (n - 1))
    assert a.standard_error == pytest.approx(0.04321747 * math.sqrt(100 / 99), abs=2e-7)
    assert round(gwet_ac1(abstractors, weights="quadratic").value, 5) == 0.94024
    assert percent_agreement(abstractors).value == pytest.approx(0.89)


# -- Randolph's calculator (statsmodels tests) -----------------------------------------------------------
@pytest.mark.parametrize("table, fixed, free", [([[7, 1], [3, 5]], 0.161905, 0.214286),
                                                ([[6, 1, 0], [0, 7, 0]], 0.708333, 0.785714)])
def test_fleiss_and_brennan_prediger_from_a_counts_table(table, fixed, free):
    aset = _counts_set(table)
    assert not aset.annotators_known
    assert fleiss_kappa(aset).value == pytest.approx(fixed, abs=6e-6)
    assert brennan_prediger(aset).value == pytest.approx(free, abs=6e-6)
