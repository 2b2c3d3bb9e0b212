"""Files built to attack the reader: XML entity expansion and external entities, YAML object construction and
alias bombs, deep nesting. Each is refused with a clear error (or read without doing what it asks)."""

from __future__ import annotations

import json

import pytest

from analytics import AnnotationFileError, load_annotations, load_taxonomy

CVAT_BODY = ('<annotations><version>1.1</version><image id="0" name="a.jpg"><tag label="{label}"/></image>'
             '</annotations>')


def _xml(tmp_path, doctype, label="cat"):
    path = tmp_path / "alice.xml"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + doctype + "\n" + CVAT_BODY.format(label=label))
    return path


def test_billion_laughs_xml_is_refused(tmp_path):
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{k} "{("&lol" + str(k - 1) + ";") * 10}">' for k in range(1, 10)]
    path = _xml(tmp_path, "<!DOCTYPE annotations [" + "".join(entities) + "]>", label="&lol9;")
    with pytest.raises(AnnotationFileError, match="declares XML entities or a DTD.*refused for safety"):
        load_annotations(path)  # 10**9 "lol"s if expanded


def test_external_entity_is_refused_and_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = _xml(tmp_path, f'<!DOCTYPE annotations [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>', label="&xxe;")
    with pytest.raises(AnnotationFileError, match="refused for safety") as exc:
        load_annotations(path, format="cvat")
    assert "TOP-SECRET" not in str(exc.value)


def test_external_dtd_is_not_fetched(tmp_path):
    secret = tmp_path / "secret.dtd"
    secret.write_text('<!ENTITY leak "TOP-SECRET">')
    path = _xml(tmp_path, f'<!DOCTYPE annotations SYSTEM "{secret.as_uri()}">')
    aset = load_annotations(path)  # expat does not load external DTDs; the file reads as plain CVAT
    assert aset.categories == ("cat",)
    assert "TOP-SECRET" not in aset.frame.to_string()


def test_python_object_yaml_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "taxonomy.yaml"
    path.write_text(f"classes: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(AnnotationFileError, match=r"YAML tag that builds objects.*refused for safety"):
        load_taxonomy(path)
    path.write_text("classes:\n  - !!python/object:collections.OrderedDict {name: a}\n")
    with pytest.raises(AnnotationFileError, match="python/object:collections.OrderedDict"):
        load_taxonomy(path)
    with pytest.raises(AnnotationFileError, match="refused for safety"):  # through load_annotations too
        load_annotations(_annotations(tmp_path), taxonomy=path)
    assert not marker.exists()


def _annotations(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("item_id,annotator_id,label\n1,x,a\n")
    return path


def test_yaml_alias_bomb_is_refused(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]" for k in range(1, 9)]
    path.write_text("\n".join(lines) + "\nclasses: [{name: x, examples: *a8}]\n")  # 9**9 strings if expanded
    with pytest.raises(AnnotationFileError, match="alias.*refused"):
        load_taxonomy(path)


def test_yaml_aliases_to_texts_are_fine(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("d: &d Something with four legs.\nclasses:\n  - {name: cat, definition: *d}\n"
                    "  - {name: dog, definition: *d}\n  - {name: Other, unknown: true}\n")
    tax = load_taxonomy(path)
    assert tax["dog"].definition == "Something with four legs."


@pytest.mark.parametrize("text", ["classes: " + "[" * 5000 + "]" * 5000,
                                  "classes:\n" + "".join("  " * k + "-\n" for k in range(1, 1500))])
def test_deeply_nested_yaml_is_refused(tmp_path, text):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text)
    with pytest.raises(AnnotationFileError, match="max_json_depth"):
        load_taxonomy(path)


def test_deeply_nested_json_taxonomy_is_refused(tmp_path):
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps({"classes": [{"name": "a"}]})[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(AnnotationFileError, match="max_json_depth"):
        load_taxonomy(path)
