"""Inter-annotator agreement: chance-corrected coefficients with intervals, summaries and pilot planning."""

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
