"""Reports built once per test session (building one takes about a second)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analytics import load_annotations
from analytics.report.quality_report import QualityReport
from analytics.samples import load_sample
from tests.conftest import DATASETS, need

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"


def quiet_report(aset, **options) -> QualityReport:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return QualityReport.from_annotations(aset, device="cpu", **options)


@pytest.fixture(scope="session")
def sample_reports() -> dict:
    """name → (AnnotationSet, QualityReport) for the bundled samples."""
    out = {}
    for name in ("digits", "retail", "retail-tags"):
        aset = load_sample(name)
        out[name] = (aset, quiet_report(aset))
    return out


@pytest.fixture(scope="session")
def cifar_report():
    folder = need(DATASETS / "cifar10h")
    aset = load_annotations(folder / "human_counts.csv", gold=folder / "truth.csv",
                            predictions=folder / "model_probs_resnet18.csv")
    return aset, quiet_report(aset)


def hostile_frame() -> pd.DataFrame:
    """Two annotators, hostile labels, ids and annotator names (every one must show as text)."""
    labels = [SCRIPT, "cat", "=HYPERLINK(\"http://x\")", "cat", SCRIPT, "dog", "@SUM(A1)", "dog", "cat", "cat",
              "-1", "-1"]
    return pd.DataFrame({
        "item_id": [IMG, IMG, "+cmd", "+cmd", "i3", "i3", "i4", "i4", "i5", "i5", "i6", "i6"],
        "annotator_id": ["<b>mallory</b>", "bob"] * 6,
        "label": labels,
        "duration_s": [2.0, 3.0, 1.0, 4.0, 2.5, 3.5, 1.5, 2.0, 3.0, 2.0, 1.0, 5.0],
    })


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "batch<img src=x onerror=alert(3)>.csv"
    hostile_frame().to_csv(path, index=False)
    gold = folder / "gold.csv"
    pd.DataFrame({"item_id": [IMG, "i3", "i4"], "gold_label": [SCRIPT, SCRIPT, "dog"]}).to_csv(gold, index=False)
    aset = load_annotations(path, gold=gold)
    return aset, quiet_report(aset)
