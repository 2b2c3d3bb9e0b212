"""The API boundary: the analytics namespace turns a DataFrame or a path into an AnnotationSet, in one helper.

Statistics take a set (``analytics.agreement.fleiss_kappa(df)`` is refused with the way out); every public
function of :mod:`analytics` whose first argument is ``annotations`` accepts the set, its DataFrame and its file
alike, with the same result.
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analytics
from analytics.agreement import fleiss_kappa as module_fleiss_kappa
from analytics.exceptions import InvalidParameterError
from analytics.io._coerce import as_annotation_set
from analytics.taxonomy.confusion import confusion_hotspots as module_confusion_hotspots

ROOT = Path(__file__).resolve().parents[2]

# Public functions whose only required argument is the annotations (the others need options to run).
NO_OPTIONS = [
    "agreement_by_level", "agreement_summary", "annotator_bias", "audit_sample", "brennan_prediger", "build_report",
    "class_balance", "cohen_kappa_by_pair", "confusion_hotspots", "confusion_matrix_between_annotators",
    "dawid_skene", "fleiss_kappa", "fleiss_kappa_by_category", "gold_coverage", "gwet_ac1", "krippendorff_alpha",
    "light_kappa", "majority_vote", "percent_agreement", "recommend_taxonomy_changes", "route_for_review",
    "scott_pi", "unknown_share", "find_label_errors",
]


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tuple[pd.DataFrame, Path]:
    rng = np.random.default_rng(7)
    rows = [(f"i{i}", a, str(rng.choice(["cat", "dog", "bird"], p=[0.5, 0.3, 0.2]))) for i in range(40) for a in "abc"]
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    path = tmp_path_factory.mktemp("coerce") / "annotations.csv"
    frame.to_csv(path, index=False)
    return frame, path


def _public_functions_taking_annotations() -> list[str]:
    out = []
    for name in sorted(analytics._LAZY):
        value = getattr(analytics, name)
        if inspect.isfunction(value) and next(iter(inspect.signature(value).parameters), None) == "annotations":
            out.append(name)
    return out


_PROVENANCE = {"created_at", "source", "unit"}  # when and from what the report was built ("<DataFrame>", a file's rows)


def _without_provenance(value):
    if isinstance(value, dict):
        return {k: _without_provenance(v) for k, v in value.items() if k not in _PROVENANCE}
    return [_without_provenance(v) for v in value] if isinstance(value, list) else value


def _comparable(result):
    if hasattr(result, "to_dict"):
        return json.dumps(_without_provenance(result.to_dict()), sort_keys=True, default=str)
    if isinstance(result, (pd.DataFrame, pd.Series)):
        return result.to_json()
    return repr(result)


def test_every_public_function_taking_annotations_goes_through_the_boundary():
    names = _public_functions_taking_annotations()
    assert len(names) >= 40 and set(NO_OPTIONS) <= set(names)
    for name in names:
        public = getattr(analytics, name)
        inner = public.__wrapped__  # the statistic itself, from its module
        assert inner.__module__.startswith("analytics.") and inner is not public, name
        assert inspect.signature(public) == inspect.signature(inner) and public.__doc__ == inner.__doc__, name


@pytest.mark.parametrize("name", NO_OPTIONS)
def test_set_dataframe_and_path_give_the_same_result(name, table):
    frame, path = table
    func = getattr(analytics, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [_comparable(func(source)) for source in (analytics.load_annotations(frame), frame, path, str(path))]
        by_keyword = _comparable(func(annotations=frame))
    assert results[1:] == results[:1] * 3 and by_keyword == results[0]


def test_options_pass_through_the_boundary(table):
    frame, path = table
    aset = analytics.load_annotations(frame)
    assert analytics.cohen_kappa(path, annotators=("a", "c"), weights=None).value == \
        analytics.cohen_kappa(aset, annotators=("a", "c")).value
    merged = analytics.simulate_merge(frame, ["cat", "dog"], into="pet")
    assert merged.n_changed > 0 and merged.after.table.equals(
        analytics.simulate_merge(aset, ["cat", "dog"], into="pet").after.table)


def test_label_tables_and_model_outputs_are_loaded_at_the_boundary(table, tmp_path):
    from analytics.annotators.label_errors import find_label_errors as module_find_label_errors

    frame, _ = table
    aset = analytics.load_annotations(frame)
    given = pd.Series({f"i{i}": "cat" for i in range(40)})
    path = tmp_path / "given.csv"
    given.rename_axis("item_id").rename("gold_label").reset_index().to_csv(path, index=False)
    probs = pd.DataFrame({"item_id": [f"i{i}" for i in range(40)], "bird": 0.1, "cat": 0.6, "dog": 0.3})
    results = [analytics.find_label_errors(source, given=g, predictions=p).scores.to_json()
               for source, g, p in [(aset, given, probs), (frame, path, probs),
                                    (aset, analytics.load_gold(path), analytics.load_predictions(probs))]]
    assert results[1:] == results[:1] * 2
    with pytest.raises(InvalidParameterError, match=r"given must be loaded labels .*analytics.find_label_errors loads"):
        module_find_label_errors(aset, given=given)
    with pytest.raises(InvalidParameterError, match=r"predictions must be loaded model outputs"):
        module_find_label_errors(aset, predictions=probs)
    assert module_find_label_errors(aset, given=analytics.load_gold(path)).scores.to_json() == \
        analytics.find_label_errors(aset, given=given).scores.to_json()


def test_statistics_take_a_set_and_name_the_way_out(table):
    frame, path = table
    for statistic in (module_fleiss_kappa, module_confusion_hotspots):
        for source in (frame, str(path)):
            with pytest.raises(InvalidParameterError, match=r"Expected an AnnotationSet, got (DataFrame|str)\. "
                                                            r"Load a table or an export with analytics.load_annotations"):
                statistic(source)


def test_the_one_helper_refuses_what_it_cannot_load():
    with pytest.raises(InvalidParameterError, match="Expected an AnnotationSet .* got list"):
        as_annotation_set([("i1", "a", "cat")])
    with pytest.raises(InvalidParameterError, match="got list"):
        analytics.fleiss_kappa([("i1", "a", "cat")])
    aset = analytics.load_annotations(pd.DataFrame({"item_id": [1], "annotator_id": ["a"], "label": ["x"]}))
    assert as_annotation_set(aset) is aset


def _imports(path: Path) -> set[str]:
    """Absolute names of the analytics modules a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            out |= {module} | {f"{module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


@pytest.mark.parametrize("package", ["agreement", "taxonomy", "annotators", "_reshape"])
def test_statistics_never_import_io(package):
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.startswith("analytics.io"))
                 for p in sorted((ROOT / "analytics" / package).rglob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_statistics_loads_no_importer():
    code = ("import sys, analytics.agreement, analytics.taxonomy.recommend, analytics.annotators.consensus; "
            "print([m for m in sys.modules if m.startswith('analytics.io')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
