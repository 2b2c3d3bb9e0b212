"""Fuzzing the gold, predictions and taxonomy loaders, alone and attached to an annotation set."""

from __future__ import annotations

import json

import pandas as pd
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from _harness import (case_dir, check_report, check_set, encode, frame_of, fuzz_settings, parquet_bytes,
                      run_case, table_bytes)
from _mutate import NASTY_TEXT, damaged_bytes, dumps, mutated_rows, mutated_tree
from _seeds import TIDY, seed
from analytics import load_annotations, load_gold, load_predictions, load_taxonomy

BASE = pd.DataFrame(TIDY)


def _table_source(data, folder, rows):
    kind = data.draw(st.sampled_from(["csv", "csv", "tsv", "jsonl", "json", "parquet", "frame"]))
    if kind == "frame":
        frame = frame_of(rows)
        assume(frame is not None)
        return frame
    raw = parquet_bytes(rows, folder) if kind == "parquet" else table_bytes(rows, kind)
    path = folder / f"attached.{kind}"
    path.write_bytes(data.draw(damaged_bytes(raw)))
    return path


@fuzz_settings(1.5)
@given(data=st.data(), target=st.sampled_from(["gold", "predictions_probs", "predictions_label"]))
def test_gold_and_predictions(tmp_path_factory, data, target):
    with case_dir(tmp_path_factory) as folder:
        source = _table_source(data, folder, data.draw(mutated_rows(seed(target))))
        if target == "gold":
            loaded = run_case("gold", lambda: load_gold(source), check=lambda g: check_report(g.report))
            attach = {"gold": loaded if loaded is not None and data.draw(st.booleans()) else source}
        else:
            loaded = run_case("predictions", lambda: load_predictions(source), check=lambda p: check_report(p.report))
            attach = {"predictions": loaded if loaded is not None and data.draw(st.booleans()) else source}
        run_case(f"{target} attached", lambda: load_annotations(BASE, **attach))


def _taxonomy_text(data, tree) -> tuple[str, str]:
    suffix = data.draw(st.sampled_from([".yaml", ".yml", ".json"]))
    if suffix == ".json":
        return suffix, dumps(tree)
    try:
        text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        text = dumps(tree)  # JSON is YAML too
    attack = data.draw(st.sampled_from([None] * 6 + [
        "classes: !!python/object/apply:os.system ['echo pwned']\n",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nclasses: [*b, *b]\n",
        "classes:\n" + "".join("  " * (k + 1) + "- \n" for k in range(300)),
        "classes: " + "[" * 3000 + "]" * 3000 + "\n",
        "classes: [{name: a, definition: &d x}, {name: b, definition: *d}]\n",
        "%YAML 1.1\n---\nclasses: [a]\n...\n---\nclasses: [b]\n",
    ]))
    return suffix, attack if attack is not None else text


@fuzz_settings(1.5)
@given(data=st.data())
def test_taxonomy(tmp_path_factory, data):
    with case_dir(tmp_path_factory) as folder:
        tree = data.draw(mutated_tree(seed("taxonomy_yaml")))
        suffix, text = _taxonomy_text(data, tree)
        path = folder / f"taxonomy{suffix}"
        path.write_bytes(data.draw(damaged_bytes(encode(text))))
        run_case("taxonomy", lambda: load_taxonomy(path), check=lambda t: (t.names, t.depth, t.to_dict()))
        labels = data.draw(st.sampled_from(["seed", "names"]))
        value = data.draw(st.sampled_from(["Animal", "cat", ""])) if data.draw(st.booleans()) else data.draw(NASTY_TEXT)
        frame = BASE if labels == "seed" else BASE.assign(label=pd.Series([value] * len(BASE), dtype=object))
        run_case("taxonomy attached", lambda: load_annotations(frame, taxonomy=path))


@fuzz_settings(1.5)
@given(data=st.data(), suffix=st.sampled_from([".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".manifest",
                                               ".xml", ".parquet", ".yaml", ".dat", ""]),
       fmt=st.sampled_from(["auto", "tidy", "wide", "counts", "labelstudio", "cvat", "datumaro", "labelbox",
                            "sagemaker", "gold", "predictions", "taxonomy"]))
def test_random_bytes(tmp_path_factory, data, suffix, fmt):
    """Random bytes and random text (with the structural characters of the formats) under any name."""
    with case_dir(tmp_path_factory) as folder:
        content = data.draw(st.one_of(
            st.binary(max_size=300),
            st.lists(st.sampled_from(list('{}[]<>",:;=\t\n -1aé\\/!&?\u0000\ud800') + ["null", "true", "<image ",
                                                                                     '"id"', '"label"']),
                     max_size=120).map(lambda parts: encode("".join(parts))),
        ))
        path = folder / f"random{suffix}"
        path.write_bytes(content)
        if fmt == "gold":
            run_case("random bytes", lambda: load_gold(path), check=lambda g: check_report(g.report))
        elif fmt == "predictions":
            run_case("random bytes", lambda: load_predictions(path), check=lambda p: check_report(p.report))
        elif fmt == "taxonomy":
            run_case("random bytes", lambda: load_taxonomy(path), check=lambda t: t.names)
        else:
            run_case("random bytes", lambda: load_annotations(path, format=fmt), check=check_set)


@fuzz_settings(0.5)
@given(data=st.data())
def test_wrong_python_types(data):
    """Sources and options of the wrong type are refused with documented errors, not TypeErrors."""
    source = data.draw(st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.integers(), max_size=2),
                                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.binary(max_size=5),
                                 st.just([]), st.just(json)))
    run_case("wrong types", lambda: load_annotations(source))
    run_case("wrong types", lambda: load_gold(source), check=lambda g: check_report(g.report))
    run_case("wrong types", lambda: load_predictions(source), check=lambda p: check_report(p.report))
    run_case("wrong types", lambda: load_taxonomy(source), check=lambda t: t.names)
