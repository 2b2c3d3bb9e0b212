"""Fuzzing every importer: structured mutations of valid exports plus byte damage, loaded with the right
format, ``format="auto"`` or a wrong one. Only documented errors may escape, and every load accounts
for every record (see ``_harness.py``). Type mutations (issue 21) swap values for other types — huge
integers, Infinity/NaN, control characters, null, nested lists, repeated keys, other encodings — and
also check that a repeated key is reported and that text with a byte-order mark is read as text."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from _harness import case_dir, check_set, encode, frame_of, fuzz_settings, parquet_bytes, run_case, table_bytes
from _mutate import (damaged_bytes, dumps, mutated_rows, mutated_tree, mutated_xml, type_swapped_rows,
                     type_swapped_tree)
from _seeds import FORMAT_NAMES, SEEDS, seed
from analytics import load_annotations

#: Options that make each seed load (several questions in one export need field=).
OPTIONS = {"labelbox_v2": {"field": "animal"}, "labelbox_v1": {"field": "animal"},
           "sagemaker_manifest": {"field": "animal"}}
TABLE_KINDS = ("csv", "csv", "tsv", "txt", "jsonl", "json", "parquet", "frame")


def _claimed(draw, true_format: str) -> str:
    return draw(st.sampled_from([true_format] * 6 + ["auto"] * 3 + list(FORMAT_NAMES)))


def _options(draw, target: str, fmt: str) -> dict:
    options = dict(OPTIONS.get(target, {})) if fmt in (SEEDS[target][3], "auto") else {}
    if "field" in options and draw(st.integers(0, 4)) == 0:
        options["field"] = draw(st.sampled_from([None, "objects", "tags", "nope", ""]))
        if options["field"] is None:
            del options["field"]
    if fmt in ("tidy", "auto") and SEEDS[target][0] == "table":
        options["duplicates"] = draw(st.sampled_from(["error", "keep_last", "keep_first"]))
        options["multilabel"] = draw(st.sampled_from([None, None, True, False]))
    if fmt == "wide":
        options["missing"] = draw(st.sampled_from([None, "-1", -1]))
    return options


def _write_tree(draw, folder, target: str, tree):
    kind, _, suffix, _ = SEEDS[target]
    if kind == "jsonl":
        lines = tree if isinstance(tree, list) else [tree]
        text = "\n".join(dumps(r) for r in lines)
    else:
        text = dumps(tree, indent=draw(st.sampled_from([None, None, 1])))
    path = folder / f"export{suffix}"
    path.write_bytes(draw(damaged_bytes(encode(text))))
    return path


@pytest.mark.parametrize("target", sorted(t for t, s in SEEDS.items() if s[0] in ("json", "jsonl")))
@fuzz_settings()
@given(data=st.data())
def test_json_exports(tmp_path_factory, target, data):
    with case_dir(tmp_path_factory) as folder:
        tree = data.draw(mutated_tree(seed(target)))
        path = _write_tree(data.draw, folder, target, tree)
        fmt = _claimed(data.draw, SEEDS[target][3])
        options = _options(data.draw, target, fmt)
        run_case(target, lambda: load_annotations(path, format=fmt, **options))


@pytest.mark.parametrize("target", ["tidy", "wide", "counts"])
@fuzz_settings()
@given(data=st.data())
def test_tables(tmp_path_factory, target, data):
    with case_dir(tmp_path_factory) as folder:
        rows = data.draw(mutated_rows(seed(target)))
        kind = data.draw(st.sampled_from(TABLE_KINDS))
        fmt = _claimed(data.draw, target)
        options = _options(data.draw, target, fmt)
        if kind == "frame":
            source = frame_of(rows)
            assume(source is not None)
            if fmt not in ("auto", "tidy", "wide", "counts"):
                fmt = "auto"
        else:
            raw = parquet_bytes(rows, folder) if kind == "parquet" else table_bytes(rows, kind)
            source = folder / f"table.{kind}"
            source.write_bytes(data.draw(damaged_bytes(raw)))
        run_case(target, lambda: load_annotations(source, format=fmt, **options))


@fuzz_settings()
@given(data=st.data())
def test_labelstudio_csv(tmp_path_factory, data):
    with case_dir(tmp_path_factory) as folder:
        rows = data.draw(mutated_rows(seed("labelstudio_csv")))
        for r in rows:
            for k, v in r.items():
                if isinstance(v, (dict, list)):
                    r[k] = json.dumps(v)
        path = folder / data.draw(st.sampled_from(["export.csv", "export.tsv"]))
        raw = table_bytes(rows, "tsv" if path.suffix == ".tsv" else "csv")
        path.write_bytes(data.draw(damaged_bytes(raw)))
        fmt = _claimed(data.draw, "labelstudio")
        run_case("labelstudio_csv", lambda: load_annotations(path, format=fmt))


@fuzz_settings()
@given(data=st.data())
def test_cvat_xml(tmp_path_factory, data):
    with case_dir(tmp_path_factory) as folder:
        text = data.draw(mutated_xml(seed("cvat")))
        path = folder / "annotator.xml"
        path.write_bytes(data.draw(damaged_bytes(encode(text))))
        fmt = _claimed(data.draw, "cvat")
        options = {"field": "quality"} if fmt == "cvat" and data.draw(st.booleans()) else {}
        run_case("cvat", lambda: load_annotations(path, format=fmt, **options))


SPLIT = {  # several files of one format, each damaged separately
    "labelstudio_json": lambda tasks, k: [dict(t, annotations=[a for a in t.get("annotations", [])
                                                              if a.get("completed_by") == k + 1]) for t in tasks],
    "cvat": None, "datumaro": None, "sagemaker_worker": None, "tidy": None,
}


@fuzz_settings(0.5)
@given(data=st.data(), target=st.sampled_from(sorted(SPLIT)))
def test_several_files(tmp_path_factory, data, target):
    with case_dir(tmp_path_factory) as folder:
        paths = []
        for k in range(data.draw(st.integers(2, 3))):
            base = seed(target)
            if SPLIT[target] is not None:
                base = SPLIT[target](base, k)
            name = data.draw(st.sampled_from([f"part-{k}", "same", f"annotator_{k}-export", "1"]))
            folder_k = folder / str(k)
            folder_k.mkdir()
            if target == "cvat":
                path = folder_k / f"{name}.xml"
                path.write_bytes(data.draw(damaged_bytes(encode(data.draw(mutated_xml(base))))))
            elif target == "tidy":
                path = folder_k / f"{name}.csv"
                path.write_bytes(table_bytes(data.draw(mutated_rows(base)), "csv"))
            else:
                tree = data.draw(mutated_tree(base, max_mutations=2)) if data.draw(st.booleans()) else base
                path = _write_tree(data.draw, folder_k, target, tree)
                path = path.rename(folder_k / f"{name}{path.suffix}")
            paths.append(path)
        fmt = data.draw(st.sampled_from([SEEDS[target][3], "auto"]))
        run_case(f"{target} (several files)", lambda: load_annotations(paths, format=fmt))


# -- type mutations (issue 21) ----------------------------------------------------------------------------------
_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _text_is_read_as_text(raw: bytes):
    """A file that starts with a UTF-16/32 byte-order mark is text: it may be refused, but not as binary."""
    def check(exc: Exception) -> None:
        if raw.startswith(_BOMS):
            assert "looks binary" not in str(exc), str(exc)
    return check


@pytest.mark.parametrize("target", sorted(t for t, s in SEEDS.items() if s[0] in ("json", "jsonl")))
@fuzz_settings(0.5)
@given(data=st.data())
def test_type_mutations_of_json_exports(tmp_path_factory, target, data):
    with case_dir(tmp_path_factory) as folder:
        tree, repeated = data.draw(type_swapped_tree(seed(target)))
        kind, _, suffix, true_format = SEEDS[target]
        lines = tree if kind == "jsonl" and isinstance(tree, list) else [tree]
        text = "\n".join(dumps(r) for r in lines) if kind == "jsonl" else dumps(tree)
        intact = encode(text)
        raw = data.draw(damaged_bytes(intact))
        path = folder / f"export{suffix}"
        path.write_bytes(raw)
        fmt = data.draw(st.sampled_from([true_format] * 4 + ["auto"] * 2))
        options = _options(data.draw, target, fmt)

        def check(aset) -> None:
            check_set(aset)
            if repeated and raw == intact:
                assert any("appears twice" in w for w in aset.report.warnings), aset.report.warnings

        run_case(f"{target} (types)", lambda: load_annotations(path, format=fmt, **options), check=check,
                 refused=_text_is_read_as_text(raw))


@pytest.mark.parametrize("target", ["tidy", "wide", "counts"])
@fuzz_settings()
@given(data=st.data())
def test_type_mutations_of_tables(tmp_path_factory, target, data):
    with case_dir(tmp_path_factory) as folder:
        kind = data.draw(st.sampled_from(["csv", "tsv", "jsonl", "json", "frame"]))
        rows = data.draw(type_swapped_rows(seed(target), json_cells=kind in ("jsonl", "json")))
        fmt = data.draw(st.sampled_from([target] * 4 + ["auto"] * 2))
        options = _options(data.draw, target, fmt)
        refused = None
        if kind == "frame":
            source = frame_of([{k: (v if not isinstance(v, str) or not v.startswith("BIGINT:") else 10 ** 400)
                                for k, v in r.items()} for r in rows])
            assume(source is not None)
        else:
            raw = data.draw(damaged_bytes(table_bytes(rows, kind)))
            source = folder / f"table.{kind}"
            source.write_bytes(raw)
            refused = _text_is_read_as_text(raw)
        run_case(f"{target} (types)", lambda: load_annotations(source, format=fmt, **options), refused=refused)
