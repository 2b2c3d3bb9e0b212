"""Small valid inputs of every format the importers read: the starting points the fuzzer mutates.

Each seed is plain Python data (a list of row dicts, a JSON-like tree, or XML text) built from the
formats' documentation, so mutations can act on structure (keys, types, nesting) before the file is
written. ``SEEDS`` maps a target name to ``(kind, data, suffix, format)``.
"""

from __future__ import annotations

import copy
from typing import Any

ANNOTATORS = ("ann_a", "ann_b", "ann_c")
LABELS = ("cat", "dog", "Other")

TIDY = [
    {"item_id": f"img_{i}", "annotator_id": a, "label": LABELS[(i + k) % 3 if k else i % 3], "round": 1 + i % 2,
     "timestamp": f"2024-05-0{1 + i % 9}T10:00:00Z", "duration_s": 3.5 + i, "image": f"images/{i}.png"}
    for i in range(6) for k, a in enumerate(ANNOTATORS)
]
WIDE = [{"item_id": f"img_{i}", **{a: LABELS[(i + k) % 3] for k, a in enumerate(ANNOTATORS)}} for i in range(6)]
WIDE[2]["ann_b"] = "-1"
COUNTS = [{"item_id": f"img_{i}", "cat": i % 3, "dog": 2 - i % 3, "Other": 1} for i in range(6)]
GOLD = [{"item_id": f"img_{i}", "gold_label": LABELS[i % 3]} for i in range(6)]
PRED_PROBS = [{"item_id": f"img_{i}", "cat": 0.7 if i % 3 == 0 else 0.1, "dog": 0.2 if i % 3 == 0 else 0.8,
               "Other": 0.1} for i in range(6)]
PRED_LABEL = [{"item_id": f"img_{i}", "predicted_label": LABELS[i % 3], "confidence": 0.5 + i / 20} for i in range(6)]

TAXONOMY = {
    "ordinal": False,
    "classes": [
        {"name": "Animal", "definition": "Any animal."},
        {"name": "cat", "parent": "Animal", "examples": ["tabby"]},
        {"name": "dog", "parent": "Animal", "definition": "A dog.", "examples": ["puppy", "hound"]},
        {"name": "Other", "unknown": True},
    ],
}


def _ls_result(choices: list[str], name: str = "animal", kind: str = "choices") -> dict[str, Any]:
    value = {"choices": choices} if kind == "choices" else {"taxonomy": [[c] for c in choices]}
    return {"id": f"r{name}{len(choices)}", "type": kind, "from_name": name, "to_name": "image",
            "origin": "manual", "value": value}


LS_FULL = [
    {"id": 100 + i, "data": {"image": f"/data/upload/1/3aa355b{i}-photo_{i}.jpg"},
     "annotations": [
         {"id": 1000 + 10 * i + k, "completed_by": k + 1, "was_cancelled": i == 4 and k == 2,
          "ground_truth": i == 5 and k == 0, "lead_time": 4.2 + k, "created_at": "2024-05-01T10:00:00.000Z",
          "result": [_ls_result([LABELS[(i + k) % 3]])]
          + ([{"id": "box", "type": "rectanglelabels", "from_name": "box", "to_name": "image",
               "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rectanglelabels": ["cat"]}}] if k == 1 else [])}
         for k in range(3)],
     "predictions": [{"result": [_ls_result(["cat"])], "score": 0.5}] if i == 0 else []}
    for i in range(6)
] + [{"id": 106, "data": {"image": "/data/upload/1/photo_6.jpg"}, "annotations": []}]

LS_MIN = [{"id": 100 + i, "annotator": f"user{k}@example.org", "annotation_id": 1000 + 10 * i + k,
           "image": f"/data/upload/1/photo_{i}.jpg", "animal": LABELS[(i + k) % 3] if i != 3
           else {"choices": ["cat", "dog"]}, "created_at": "2024-05-01T10:00:00.000Z", "lead_time": 3.0}
          for i in range(5) for k in range(3)]

def _cvat_image(k: int, children: str) -> str:
    return f'  <image id="{k}" name="{"abcde"[k]}.jpg" width="10" height="10">{children}</image>'


_TAG = '<tag label="{}" source="{}"><attribute name="quality">{}</attribute></tag>'
CVAT_XML = "\n".join([
    '<?xml version="1.0" encoding="utf-8"?>', "<annotations>", "  <version>1.1</version>",
    "  <meta><task><labels><label><name>cat</name><type>tag</type></label>"
    "<label><name>dog</name><type>tag</type></label></labels></task></meta>",
    _cvat_image(0, _TAG.format("cat", "manual", "good")),
    _cvat_image(1, '<box label="cat" source="manual" occluded="0" xtl="1" ytl="1" xbr="5" ybr="5" z_order="0"/>'),
    _cvat_image(2, ""),
    _cvat_image(3, _TAG.format("dog", "auto", "bad") + _TAG.format("cat", "manual", "good")),
    _cvat_image(4, '<tag label="dog" source="manual"/>'),
    "</annotations>", "",
])

DATUMARO = {
    "info": {},
    "categories": {"label": {"labels": [{"name": "cat", "parent": "", "attributes": []},
                                        {"name": "dog", "parent": "", "attributes": []},
                                        {"name": "Other", "parent": "", "attributes": []}],
                             "label_groups": [{"name": "g", "group_type": "exclusive", "labels": ["cat", "dog"]}],
                             "attributes": ["occluded"]}},
    "items": [{"id": f"frame_{i}", "annotations": ([{"id": 0, "type": "label", "attributes": {"occluded": False},
                                                     "group": 0, "label_id": i % 3}]
                                                   + ([{"id": 1, "type": "bbox", "label_id": 0,
                                                        "bbox": [1, 2, 3, 4]}] if i == 2 else [])) if i != 4 else [],
               "attr": {"frame": i}, "image": {"path": f"frame_{i}.jpg", "size": [10, 10]}} for i in range(6)],
}


def _lb_label(n: int, who: str, answer: str, checklist: list[str] | None = None) -> dict[str, Any]:
    classes = [{"feature_id": "f1", "name": "animal", "value": "animal",
                "radio_answer": {"feature_id": "f2", "name": answer.title(), "value": answer, "classifications": []}}]
    if checklist is not None:
        classes.append({"name": "objects", "value": "objects", "checklist_answers": [
            {"name": c.title(), "value": c, "classifications": []} for c in checklist]})
    return {"id": f"lb_{n}_{who}", "label_kind": "Default",
            "label_details": {"created_at": "2024-04-02T09:00:00.000+00:00", "created_by": f"{who}@example.org"},
            "performance_details": {"seconds_to_create": 11.5, "skipped": n == 3 and who == "bob"},
            "annotations": {"objects": [{"name": "box", "annotation_kind": "ImageBoundingBox",
                                         "bounding_box": {"top": 1, "left": 2, "height": 3, "width": 4}}] if n == 1 else [],
                            "classifications": classes}}


LABELBOX_V2 = [
    {"data_row": {"id": f"dr_{n}", "global_key": f"street_{n}.jpg", "row_data": f"https://example.org/{n}.jpg"},
     "media_attributes": {"height": 480, "width": 640},
     "projects": {"prj_1": {"name": "pilot", "labels": [_lb_label(n, who, LABELS[(n + k) % 2], ["car"] if k else None)
                                                        for k, who in enumerate(("alice", "bob"))] if n != 4 else []}}}
    for n in range(5)
]

LABELBOX_V1 = [
    {"ID": f"lab_{n}_{k}", "DataRow ID": f"dr_{n}", "Labeled Data": f"https://example.org/{n}.jpg",
     "Created By": f"user{k}@example.org", "External ID": f"{n}.jpg", "Seconds to Label": 4.5, "Skipped": n == 2 and k,
     "Created At": "2024-04-02T09:00:00.000Z",
     "Label": {"objects": [], "classifications": [
         {"title": "Animal", "value": "animal", "answer": {"title": LABELS[(n + k) % 3], "value": LABELS[(n + k) % 3]}},
         {"title": "Tags", "value": "tags", "answers": [{"title": "Blurry", "value": "blurry"}]}]}}
    for n in range(4) for k in range(2)
]

SAGEMAKER_MANIFEST = [
    {"source-ref": f"s3://bucket/images/{i}.jpg", "animal": i % 3,
     "animal-metadata": {"class-name": LABELS[i % 3], "confidence": 0.9, "type": "groundtruth/image-classification",
                         "job-name": "labeling-job/pets", "human-annotated": "yes",
                         "creation-date": "2024-05-03T10:00:00.000000"}}
    for i in range(5)
] + [{"source-ref": "s3://bucket/images/5.jpg"},
     {"source-ref": "s3://bucket/images/6.jpg", "tags": [0, 2],
      "tags-metadata": {"class-map": {"0": "cat", "2": "Other"}, "type": "groundtruth/image-classification-multilabel",
                        "job-name": "labeling-job/tags", "human-annotated": "yes"}}]

SAGEMAKER_WORKERS = {"answers": [
    {"acceptanceTime": "2024-05-03T10:20:01.000Z", "answerContent": {"crowd-image-classifier": {"label": LABELS[k]}},
     "submissionTime": "2024-05-03T10:20:05.250Z", "timeSpentInSeconds": 4.25 + k,
     "workerId": f"private.us-east-1.w{k}", "workerMetadata": {"identityData": {"sub": f"sub-{k}"}}}
    for k in range(3)]}

SAGEMAKER_PAYLOAD = [
    {"datasetObjectId": str(i), "dataObject": {"s3Uri": f"s3://bucket/{i}.jpg"},
     "annotations": [{"workerId": f"w{k}", "annotationData": {
         "content": '{"animal": {"label": "%s"}}' % LABELS[(i + k) % 3]}} for k in range(3)] if i != 3 else []}
    for i in range(4)
]

#: target → (kind, data, file suffix, format to claim)
SEEDS: dict[str, tuple[str, Any, str, str]] = {
    "tidy": ("table", TIDY, ".csv", "tidy"),
    "wide": ("table", WIDE, ".csv", "wide"),
    "counts": ("table", COUNTS, ".csv", "counts"),
    "labelstudio_json": ("json", LS_FULL, ".json", "labelstudio"),
    "labelstudio_min": ("json", LS_MIN, ".json", "labelstudio"),
    "labelstudio_csv": ("ls_csv", LS_MIN, ".csv", "labelstudio"),
    "cvat": ("xml", CVAT_XML, ".xml", "cvat"),
    "datumaro": ("json", DATUMARO, ".json", "datumaro"),
    "labelbox_v2": ("jsonl", LABELBOX_V2, ".ndjson", "labelbox"),
    "labelbox_v1": ("json", LABELBOX_V1, ".json", "labelbox"),
    "sagemaker_manifest": ("jsonl", SAGEMAKER_MANIFEST, ".manifest", "sagemaker"),
    "sagemaker_worker": ("json", SAGEMAKER_WORKERS, ".json", "sagemaker"),
    "sagemaker_payload": ("json", SAGEMAKER_PAYLOAD, ".json", "sagemaker"),
}

ATTACHMENT_SEEDS: dict[str, tuple[str, Any, str]] = {
    "gold": ("table", GOLD, ".csv"),
    "predictions_probs": ("table", PRED_PROBS, ".csv"),
    "predictions_label": ("table", PRED_LABEL, ".csv"),
    "taxonomy_yaml": ("yaml", TAXONOMY, ".yaml"),
    "taxonomy_json": ("json", TAXONOMY, ".json"),
}

FORMAT_NAMES = ("auto", "tidy", "wide", "counts", "labelstudio", "cvat", "datumaro", "labelbox", "sagemaker")


def seed(target: str) -> Any:
    """A deep copy of a seed's data (mutations work in place)."""
    table = SEEDS if target in SEEDS else ATTACHMENT_SEEDS
    return copy.deepcopy(table[target][1])
