"""``legalsite new SLUG``: every fact present and explained, and a first check that lists exactly what is missing."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from legalsite.checks import run_checks
from legalsite.cli import cli
from legalsite.errors import FactError
from legalsite.load import load_text
from legalsite.model import Brand, model_of
from legalsite.project import load_project
from legalsite.scaffold import scaffold

NEW = "content/brands/acme.yaml"


def run(project, *args):
    return CliRunner().invoke(cli, ["-C", str(project), *args])


def fields_to_fill(model=Brand, loc=(), chain=True):
    """(path, severity) of every fact a new brand must give: required ones (errors) and expected ones (warnings).

    Groups that are given by default (dates, contact...) are looked into; an optional group or a list left
    empty is one fact, whatever it holds.
    """
    for name, info in model.model_fields.items():
        path = loc + (name,)
        inner = model_of(info.annotation)
        if info.is_required() and chain and inner is None:
            yield path, "error"
        elif (info.json_schema_extra or {}).get("expected"):
            yield path, "warning"
        if inner is not None and (info.is_required() or info.default_factory not in (None, list)):
            yield from fields_to_fill(inner, path, chain and info.is_required() or info.default_factory is not None)


def findings_by_key(project, findings):
    """Each finding of the new brand, as (the key path it points at, severity)."""
    doc = load_text((project / NEW).read_text(encoding="utf-8"), NEW)
    at = {(mark.line, mark.column): loc for loc, mark in doc.keys.items()}
    return {(at[(f.line, f.column)], f.severity) for f in findings if f.path == NEW}


def test_check_on_a_new_brand_lists_exactly_the_missing_facts(project):
    result = run(project, "new", "acme")
    assert result.exit_code == 0, result.output
    assert (project / NEW).is_file()

    result = run(project, "check")
    assert result.exit_code == 1
    with pytest.raises(FactError) as failed:  # a new brand does not load until its required facts are given
        load_project(project)
    findings = failed.value.findings
    expected = set(fields_to_fill())
    assert findings_by_key(project, findings) == expected
    assert {(("name",), "error"), (("theme", "primary"), "error"), (("contact", "email"), "warning")} <= expected
    # the command prints the same list, each with its file:line:col
    for f in findings:
        if f.path == NEW:
            assert f"{f.path}:{f.line}:{f.column}: {f.severity}[{f.rule}]" in result.output
    assert re.search(rf"^{sum(f.is_error for f in findings)} error\(s\)", result.output, re.MULTILINE)


def test_once_the_required_facts_are_filled_in_only_the_expected_ones_remain(project, edit):
    run(project, "new", "acme")
    edit(project / NEW, "\nname:\n", "\nname: Acme\n")
    edit(project / NEW, "  primary:\n", '  primary: "#1e88e5"\n')
    edit(project / NEW, "  accent:\n", '  accent: "#d81b60"\n')
    findings = run_checks(load_project(project))
    # and one error: a privacy page with no way to reach the brand is not published until a contact is given
    assert [f.rule for f in findings if f.is_error] == ["contact-none"]
    findings = [f for f in findings if not f.is_error]
    assert findings_by_key(project, findings) == {(p, s) for p, s in fields_to_fill() if s == "warning"}
    edit(project / NEW, "  email:\n", "  email: privacy@acme.example\n")
    edit(project / NEW, "\ndomain:\n", "\ndomain: acme.example\n")
    assert run(project, "check").exit_code == 0


def test_every_fact_of_the_model_is_in_the_new_file_with_its_explanation():
    text = scaffold("acme")
    lines = text.splitlines()
    data = load_text(text, NEW).data

    def walk(model, value, loc):
        for name, info in model.model_fields.items():
            assert isinstance(value, dict) and name in value, loc + (name,)
            inner = model_of(info.annotation)
            if inner is not None and value[name] is not None:
                walk(inner, value[name], loc + (name,))

    walk(Brand, data, ())
    # each fact's line comes right after the comment that explains it
    for i, line in enumerate(lines):
        key = re.match(r"^( *)([a-z_]+):$", line)
        if key:
            comment = []
            j = i - 1
            while j >= 0 and lines[j].strip().startswith("# ") and not lines[j].startswith(key[1] + "#   "):
                comment.insert(0, lines[j].strip()[2:])
                j -= 1
            assert comment, f"line {i + 1} ({line.strip()}) has no explanation above it"


@pytest.mark.parametrize("field", [name for name, info in Brand.model_fields.items()
                                   if model_of(info.annotation) and "list" in str(info.annotation)])
def test_a_list_item_block_uncommented_holds_every_fact_of_an_item(field):
    """Copying a list's commented block and removing '# ' gives one item with every fact of that kind."""
    lines = scaffold("acme").splitlines()
    start = lines.index(f"{field}:")
    block = []
    for line in lines[start + 1:]:
        if not line.startswith("# "):
            break
        block.append(line[2:])
    data = load_text(f"{field}:\n" + "\n".join(block) + "\n", NEW).data
    item_model = model_of(Brand.model_fields[field].annotation)

    def keys(model, value):
        assert set(value) == set(model.model_fields), model.__name__
        for name, info in model.model_fields.items():
            inner = model_of(info.annotation)
            if inner is not None and isinstance(value[name], dict):
                keys(inner, value[name])

    assert isinstance(data[field], list) and len(data[field]) == 1
    keys(item_model, data[field][0])


def test_new_never_overwrites_and_refuses_a_bad_name(project):
    (project / NEW).write_text("name: Acme\n", encoding="utf-8")
    result = run(project, "new", "acme")
    assert result.exit_code == 2 and "already exists" in result.output
    assert (project / NEW).read_text(encoding="utf-8") == "name: Acme\n"
    for bad in ("Acme", "acme_eu", "acme.eu", "../acme"):
        result = run(project, "new", bad)
        assert result.exit_code == 2 and "cannot name a brand" in result.output, bad
    assert sorted(p.name for p in (project / "content/brands").iterdir()) == [
        "acme.yaml", "idclinks.yaml", "journeyapi.yaml", "linkrapi.yaml"]  # no temporary file left behind


def test_a_brand_with_only_its_required_facts_has_no_empty_sections(project, edit):
    """A heading with nothing under it would tell visitors the policy says nothing, which it has not said."""
    from legalsite.render import render_project

    run(project, "new", "acme")
    edit(project / NEW, "\nname:\n", "\nname: Acme\n")
    edit(project / NEW, "  primary:\n", '  primary: "#1e88e5"\n')
    edit(project / NEW, "  accent:\n", '  accent: "#d81b60"\n')
    pages = render_project(load_project(project))["acme"]
    for page, markdown in pages.items():
        body = markdown.split("\n---\n", 1)[-1]
        sections = re.split(r"^## .*$", body, flags=re.MULTILINE)[1:]
        assert all(section.strip() for section in sections), f"{page}: a heading with nothing under it"
