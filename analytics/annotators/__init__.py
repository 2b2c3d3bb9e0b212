"""Annotators: who labels well? The golden-set audit (accuracy with intervals, coverage), confusion against gold and
systematic biases, consensus labels (majority vote, Dawid–Skene), review routing and audit samples, drift over time
and speed versus accuracy, agreement with peers (no gold needed), and label errors (given labels the people's votes
and a model say are wrong).

The public names are also offered at the top level (``import analytics as aqa; aqa.gold_accuracy_by_annotator``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public names of this package's modules, imported on first use (PEP 562).
_LAZY: dict[str, str] = {
    "ConsensusResult": ".consensus",
    "dawid_skene": ".consensus",
    "majority_vote": ".consensus",
    "GoldAccuracy": ".gold",
    "GoldCoverage": ".gold",
    "gold_accuracy_by_annotator": ".gold",
    "gold_coverage": ".gold",
    "gold_accuracy": ".gold",
    "AnnotatorBias": ".gold_confusion",
    "GoldConfusion": ".gold_confusion",
    "annotator_bias": ".gold_confusion",
    "gold_confusion_by_annotator": ".gold_confusion",
    "AuditSample": ".audit",
    "audit_sample": ".audit",
    "review_queue": ".routing",
    "review_summary": ".routing",
    "route_for_review": ".routing",
    "queue_items": ".routing",
    "routing_rule": ".routing",
    "LabelErrors": ".label_errors",
    "find_label_errors": ".label_errors",
    "DriftResult": ".drift",
    "SpeedAccuracy": ".drift",
    "accuracy_over_time": ".drift",
    "speed_vs_accuracy": ".drift",
    "PeerAgreement": ".peers",
    "agreement_with_peers": ".peers",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # static analysers see the eager imports
    from .consensus import ConsensusResult, dawid_skene, majority_vote
    from .gold import gold_accuracy, gold_accuracy_by_annotator, gold_coverage, GoldAccuracy, GoldCoverage
    from .gold_confusion import annotator_bias, AnnotatorBias, gold_confusion_by_annotator, GoldConfusion
    from .audit import audit_sample, AuditSample
    from .routing import queue_items, review_queue, review_summary, route_for_review, routing_rule
    from .label_errors import find_label_errors, LabelErrors
    from .drift import accuracy_over_time, DriftResult, speed_vs_accuracy, SpeedAccuracy
    from .peers import agreement_with_peers, PeerAgreement

__all__ = [
    "ConsensusResult",
    "dawid_skene",
    "majority_vote",
    "GoldAccuracy",
    "GoldCoverage",
    "gold_accuracy_by_annotator",
    "gold_coverage",
    "gold_accuracy",
    "AnnotatorBias",
    "GoldConfusion",
    "annotator_bias",
    "gold_confusion_by_annotator",
    "AuditSample",
    "audit_sample",
    "review_queue",
    "review_summary",
    "route_for_review",
    "queue_items",
    "routing_rule",
    "LabelErrors",
    "find_label_errors",
    "DriftResult",
    "SpeedAccuracy",
    "accuracy_over_time",
    "speed_vs_accuracy",
    "PeerAgreement",
    "agreement_with_peers",
]
