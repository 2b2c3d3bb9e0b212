"""The HTML report's templates escape by default: jinja2 with autoescaping on, no escape call anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2
import pytest

import analytics.report._html as html_module
from analytics.report._html import environment, render_html
from tests.report.conftest import IMG, SCRIPT

TEMPLATES = Path(html_module.__file__).parent / "templates"


def test_a_template_variable_holding_script_is_escaped_without_an_escape_call():
    env = environment()
    assert env.autoescape is True
    sections = env.get_template("sections.html.j2").module
    out = str(sections.p(SCRIPT, "note")) + str(sections.bullets([IMG], "Warning: "))
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;img src=x onerror=alert(2)&gt;" in out
    table = str(sections.table([{"label": SCRIPT, "n": 3}], [("label", IMG, "text"), ("n", "n", "int")]))
    assert "<th>&lt;img src=x onerror=alert(2)&gt;</th>" in table and "<td>&lt;script&gt;" in table
    assert '<td class="num">3</td>' in table  # the markup around the data is the template's own


def test_the_templates_hold_no_escape_call_and_mark_nothing_safe():
    sources = {p.name: p.read_text(encoding="utf-8") for p in TEMPLATES.iterdir()}
    assert {"report.html.j2", "sections.html.j2", "report.css"} <= set(sources)
    for name, text in sources.items():
        assert not re.search(r"\|\s*(e|escape|safe|forceescape)\b|autoescape\s+false|Markup", text), name
    python = Path(html_module.__file__).read_text(encoding="utf-8")
    assert "escape_html" not in python and "esc(" not in python


def test_every_section_key_of_the_schema_has_a_macro():
    schema = json.loads((Path(html_module.__file__).parent / "schema.json").read_text(encoding="utf-8"))
    keys = set(schema["properties"]["sections"]["required"])
    module = environment().get_template("sections.html.j2").module
    missing = sorted(k for k in keys if not callable(getattr(module, k, None)))
    assert keys and missing == []


def test_a_missing_field_fails_loudly_instead_of_printing_nothing(sample_reports):
    report = sample_reports["retail"][1].to_dict()
    del report["sections"]["agreement"]["data"]["sentence"]
    with pytest.raises(jinja2.UndefinedError, match="sentence"):
        render_html(report)


def test_hostile_source_name_is_escaped_in_title_and_header(sample_reports):
    report = sample_reports["retail-tags"][1].to_dict()
    report["dataset"]["source"] = SCRIPT
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>") and SCRIPT not in html
    assert "<title>Annotation quality report: &lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
