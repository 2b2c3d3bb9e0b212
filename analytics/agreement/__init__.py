"""Inter-annotator agreement: chance-corrected coefficients with intervals, summaries and pilot planning.

Every public function takes an :class:`~analytics.AnnotationSet` (through the :mod:`analytics` namespace also a
tidy DataFrame or a path, loaded at that boundary) and works from the sufficient statistics of :mod:`analytics._reshape`
(item × category counts, annotator-pair tables, coincidence matrix), computed once and cached on the set.

Modules: :mod:`.cohen` (Cohen's kappa for a pair, all pairs, Light's mean), :mod:`.fleiss` (Fleiss' kappa,
per category), :mod:`.krippendorff` (alpha at any level of measurement), :mod:`.gwet` (AC1/AC2, Scott's pi,
Brennan–Prediger, percent agreement), :mod:`.bootstrap` (vectorized bootstrap over items),
:mod:`.intervals` (the default score intervals, whose coverage ``benchmarks/coverage.py`` measures),
:mod:`.summary` (``agreement_summary``, ``agreement_by``; verdicts met / not met / cannot be measured),
:mod:`.planning` (``plan_pilot``),
:mod:`.multilabel` (per-tag kappa, set-distance alpha); formulas on tables live in :mod:`._core` and
:mod:`._alpha`. Undefined coefficients are NaN with a reason and an :class:`~analytics.UndefinedMetricWarning`.
"""

from ._results import AgreementEstimate, landis_koch
from .cohen import cohen_kappa, cohen_kappa_by_pair, light_kappa
from .fleiss import fleiss_kappa, fleiss_kappa_by_category
from .gwet import brennan_prediger, gwet_ac1, percent_agreement, scott_pi
from .krippendorff import krippendorff_alpha
from .multilabel import kappa_by_tag, krippendorff_alpha_multilabel
from .planning import PilotPlan, plan_pilot
from .summary import AgreementSummary, agreement_by, agreement_summary

__all__ = [
    "AgreementEstimate",
    "landis_koch",
    "cohen_kappa",
    "cohen_kappa_by_pair",
    "light_kappa",
    "fleiss_kappa",
    "fleiss_kappa_by_category",
    "gwet_ac1",
    "scott_pi",
    "brennan_prediger",
    "percent_agreement",
    "krippendorff_alpha",
    "AgreementSummary",
    "agreement_summary",
    "agreement_by",
    "PilotPlan",
    "plan_pilot",
    "kappa_by_tag",
    "krippendorff_alpha_multilabel",
]
