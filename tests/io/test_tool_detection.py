"""Detecting labeling-tool exports by content, refusing files that are not the format claimed, the
streaming JSON reader, and `aqa validate` on every genuine export."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _toolcheck import FIXTURES
from analytics import AnnotationFileError, load_annotations
from analytics.cli import main
from analytics.io import detect_format
from analytics.io._tools import image_key, iter_json_items, shared_stem_names
from tests.conftest import FORMATS, SAMPLES, need

GENUINE = {
    "labelstudio/ls_tests_previous_export.json": "labelstudio",
    "labelstudio/leoka_LEOKA_team_4_taxonomy_multiannotator.json": "labelstudio",
    "labelstudio/sdk_data_repeater_taxonomy.json": "labelstudio",
    "labelstudio/jeet1248_CV_json_min_3annotators.json": "labelstudio",
    "labelstudio/mzouros_label_studio_1000_images.csv": "labelstudio",
    "labelstudio/venkat_CV-annotations-Venkat.csv": "labelstudio",
    "labelstudio/venkat_CV-annotations-Arjun.csv": "labelstudio",
    "labelstudio/venkat_CV-annotations-3rd-member.csv": "labelstudio",
    "cvat/unidata_garbage_annotations.xml": "cvat",
    "cvat/datumaro_legacy_train.json": "datumaro",
    "labelbox/export_v2_roof-wear-highres.ndjson": "labelbox",
    "labelbox/v1_image_export.json": "labelbox",
    "sagemaker/jufeng_image_classification_output.manifest": "sagemaker",
    "sagemaker/smexamples_featurestore_output.manifest": "sagemaker",
    "sagemaker/recipe_sample_annotation_consolidation_payload.json": "sagemaker",
}


@pytest.mark.parametrize("name, fmt", sorted(GENUINE.items()))
def test_genuine_file_detected_as_its_tool(name, fmt):
    assert detect_format(need(FORMATS / name)) == fmt


@pytest.mark.parametrize("name, fmt", [
    ("labelstudio_full_3annotators_handmade.json", "labelstudio"),
    ("labelbox_v2_two_labelers_handmade.ndjson", "labelbox"),
    ("labelbox_v1_created_by_handmade.json", "labelbox"),
    ("sagemaker/worker-response/iteration-1/3/2024-05-03_10-17-52.json", "sagemaker"),
])
def test_handmade_fixture_detected(name, fmt):
    assert detect_format(FIXTURES / name) == fmt


def test_plain_tables_are_not_taken_for_tools():
    assert detect_format(SAMPLES / "digits" / "annotations.csv") == "tidy"
    assert detect_format(need(FORMATS / "wide" / "labelme_answers.txt")) == "wide"


@pytest.mark.parametrize("name, claimed, looks_like", [
    ("cvat/unidata_garbage_annotations.xml", "labelstudio", "CVAT for images XML export"),
    ("labelstudio/leoka_LEOKA_team_4_taxonomy_multiannotator.json", "cvat", "Label Studio export"),
    ("labelbox/export_v2_roof-wear-highres.ndjson", "sagemaker", "Labelbox export"),
    ("labelbox/export_v2_roof-wear-highres.ndjson", "labelstudio", "Labelbox export"),
    ("sagemaker/jufeng_image_classification_output.manifest", "labelbox", "SageMaker Ground Truth export"),
    ("labelstudio/jeet1248_CV_json_min_3annotators.json", "datumaro", "Label Studio export"),
    ("cvat/datumaro_legacy_train.json", "labelstudio", "Datumaro JSON export"),
    ("labelstudio/mzouros_label_studio_1000_images.csv", "sagemaker", "Label Studio export"),
    ("labelstudio/ls_tests_previous_export.json", "labelbox", "Label Studio export"),
    ("wide/labelme_answers.txt", "labelstudio", "text table"),
    ("sagemaker/recipe_sample_annotation_consolidation_payload.json", "labelstudio", "SageMaker"),
])
def test_wrong_format_says_what_the_file_looks_like(name, claimed, looks_like):
    path = need(FORMATS / name)
    with pytest.raises(AnnotationFileError, match="is not a .* export") as err:
        load_annotations(path, format=claimed)
    assert looks_like in str(err.value)


# -- aqa validate on every genuine file ------------------------------------------------------------
LOADS = [  # (files, extra CLI arguments, lines the summary must contain)
    (["labelstudio/ls_tests_previous_export.json"], [], ["1 items, 1 annotator", "Cat (1)"]),
    (["labelstudio/leoka_LEOKA_team_4_taxonomy_multiannotator.json"], [],
     ["Skipped 2 × cancelled", "Skipped 5 × unsupported_result", "130 items, 2 annotators, 224 tag-set annotations",
      "18 tags: Killed / Feloniously Killed (175)"]),
    (["labelstudio/jeet1248_CV_json_min_3annotators.json"], [], ["20 items, 3 annotators, 60 annotations",
                                                                  "No Truck (36), Truck (24)"]),
    (["labelstudio/mzouros_label_studio_1000_images.csv"], ["--field", "Composition"],
     ["1,000 items, 2 annotators", "Annotations per annotator: 1 (999), 3 (1)"]),
    ([f"labelstudio/venkat_CV-annotations-{w}.csv" for w in ("Venkat", "Arjun", "3rd-member")], [],
     ["20 items, 3 annotators, 60 annotations", "named after their files: Venkat, Arjun, 3rd-member",
      "3–3 ratings per item"]),
    (["cvat/unidata_garbage_annotations.xml"], [], ["162 items, 1 annotator, 162 tag-set annotations",
                                                    "is_full (131), is_scattered (69), is_empty (31)"]),
    (["cvat/datumaro_legacy_train.json"], ["--tool-option", "annotator_id=asset"],
     ["2 items, 1 annotator", "exclusive group 'manmade'", "Annotations per annotator: asset (2)"]),
    (["labelbox/export_v2_roof-wear-highres.ndjson"], ["--field", "wear"],
     ["90 items, anonymous annotators (no ids), 90 annotations", "Skipped 12 × other_field",
      "good (43), light_wear (37), heavy_wear (10)"]),
    (["sagemaker/jufeng_image_classification_output.manifest"], [],
     ["10 items, 1 annotator", "Annotations per annotator: vehicle-labeling-demo (10)", "Image references: 10 of 10"]),
    (["sagemaker/smexamples_featurestore_output.manifest"], ["--field", "species"],
     ["1 items, 1 annotator", "Skipped 1 × other_field"]),
]


@pytest.mark.parametrize("files, extra, expected", LOADS, ids=[x[0][0].split("/")[1] for x in LOADS])
def test_validate_prints_a_summary(files, extra, expected, capsys):
    paths = [str(need(FORMATS / f)) for f in files]
    assert main(["validate", *paths, *extra]) == 0
    captured = capsys.readouterr()
    out = captured.out + captured.err  # notes and warnings are on standard error
    for text in expected:
        assert text in out, (text, out)


REFUSED = [  # files that cannot be analysed as they are, and what the message must say
    ("labelstudio/mzouros_label_studio_1000_images.csv", "choose one with --field"),
    ("labelstudio/sdk_data_repeater_taxonomy.json", "taxonomy on a region"),
    ("labelbox/export_v2_roof-wear-highres.ndjson", "'bad_image' (102), 'wear' (90)"),
    ("labelbox/v1_image_export.json", "classifications inside objects"),
    ("sagemaker/smexamples_featurestore_output.manifest", "'mood' (1), 'species' (1)"),
    ("sagemaker/recipe_sample_annotation_consolidation_payload.json", "boundingBoxes"),
]


@pytest.mark.parametrize("name, reason", REFUSED, ids=[x[0].split("/")[1] for x in REFUSED])
def test_validate_refuses_with_a_reason(name, reason, capsys):
    assert main(["validate", str(need(FORMATS / name))]) == 2
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err


def test_validate_rejects_malformed_tool_option(capsys):
    assert main(["validate", str(FIXTURES / "labelbox_v2_two_labelers_handmade.ndjson"), "--tool-option", "x"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


# -- helpers ---------------------------------------------------------------------------------------
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                           | st.text(max_size=8), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(items=st.lists(json_values, max_size=6), indent=st.sampled_from([None, 1, 2]), chunk=st.integers(1, 40))
def test_iter_json_items_matches_json_loads(tmp_path_factory, items, indent, chunk):
    path = tmp_path_factory.mktemp("j") / "doc.json"
    path.write_text(json.dumps(items, indent=indent))
    assert list(iter_json_items(path, chunk_chars=chunk)) == items


def test_iter_json_items_object_and_truncation(tmp_path):
    path = tmp_path / "one.json"
    path.write_text('{"id": 1}')
    assert list(iter_json_items(path)) == [{"id": 1}]
    path.write_text('[{"id": 1}, {"id": 2')
    with pytest.raises(AnnotationFileError, match="truncated"):
        list(iter_json_items(path, chunk_chars=4))


def test_image_key_and_file_names():
    assert image_key("/data/upload/1/3aa355b2-img_620.jpg") == "img_620.jpg"
    assert image_key("https://x.org/a/b/photo.png?sig=1") == "photo.png"
    assert image_key("/data/upload/1/notahex-img.jpg") == "notahex-img.jpg"
    assert shared_stem_names(["venkat_CV-annotations-Arjun", "venkat_CV-annotations-Venkat"]) == ["Arjun", "Venkat"]
    assert shared_stem_names(["alice_export", "bob_export"]) == ["alice", "bob"]
    assert shared_stem_names(["export", "export"]) == ["export", "export"]
