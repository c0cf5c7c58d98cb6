"""Editor support: the committed JSON Schemas, the line naming them in each fact file, and what an editor underlines.

An editor cannot run in CI, so its view is rebuilt here: the YAML language server (VS Code's YAML extension,
JetBrains IDEs) reads YAML 1.2 and validates against the named schema. ``editor_problems`` does the same with
a YAML 1.2 core loader and jsonschema, and returns the lines it would underline.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from legalsite.checks import run_checks
from legalsite.cli import cli
from legalsite.load import load_text
from legalsite.model import Brand, model_of
from legalsite.project import load_project
from legalsite.scaffold import scaffold
from legalsite.schema import HEADERS, SCHEMAS, schema, to_json

REPO = Path(__file__).resolve().parents[1]
FACT_FILES = ["content/vendors.yaml", *sorted(str(p.relative_to(REPO)) for p in (REPO / "content/brands").glob("*.yaml"))]


class Yaml12(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML 1.2 core schema, as the YAML language server reads a file: 'NO' and dates stay text."""


Yaml12.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    ("float", r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN",
     "-+0123456789."),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
]:
    Yaml12.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(f"^(?:{pattern})$"), list(first))


def kind_of(path: str) -> str:
    return "vendors" if path.endswith("vendors.yaml") else "brand"


@functools.cache
def validator(kind: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema(kind), format_checker=jsonschema.FormatChecker())


def editor_problems(text: str, kind: str) -> list[tuple[int, str]]:
    """(line, message) of each place an editor would underline in ``text``."""
    data = yaml.load(text, Loader=Yaml12)
    doc = load_text(text, "file.yaml")  # only for the line each value or key is written on
    problems = []
    for error in validator(kind).iter_errors(data):
        loc = tuple(error.absolute_path)
        extra = re.search(r"\('(.+)' was unexpected\)", error.message)
        mark = doc.mark(loc + (extra[1],), key=True) if extra else doc.mark(loc)
        problems.append((mark.line, error.message))
    return problems


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_committed_schema_matches_the_model(kind):
    assert (REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8") == to_json(schema(kind)), (
        "schemas/ is out of date with generator/model.py; run 'legalsite schema' and commit the result")


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_schema_is_a_valid_draft_7_schema_with_every_fact_described(kind):
    generated = schema(kind)
    jsonschema.Draft7Validator.check_schema(generated)
    for definition in [generated, *generated["$defs"].values()]:
        for name, prop in definition["properties"].items():
            assert prop["description"].strip(), name
            assert not set(prop) & {"pages", "expected", "noun", "ref", "phrase"}, name  # plain JSON Schema only


@pytest.mark.parametrize("path", FACT_FILES)
def test_each_fact_file_names_its_schema_on_its_first_line(path):
    first = (REPO / path).read_text(encoding="utf-8").splitlines()[0]
    assert first == HEADERS[kind_of(path)]
    target = (REPO / path).parent / first.split("$schema=", 1)[1]
    assert target.resolve() == (REPO / "schemas" / f"{kind_of(path)}.schema.json")


@pytest.mark.parametrize("path", FACT_FILES)
def test_the_shipped_facts_have_nothing_underlined(path):
    assert editor_problems((REPO / path).read_text(encoding="utf-8"), kind_of(path)) == []


def every_key(text: str) -> dict[tuple, int]:
    """Each key written in the file (by its path) → its line."""
    doc = load_text(text, "file.yaml")
    return {loc: mark.line for loc, mark in doc.keys.items()}


@pytest.mark.parametrize("path", FACT_FILES)
def test_a_misspelt_key_is_underlined_on_its_line_and_check_agrees(tmp_path, path):
    """Every key of every shipped file, misspelt in turn: the editor underlines that line, and check names it there."""
    text = (REPO / path).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    keys = every_key(text)
    assert len(keys) > 10
    for loc, line in keys.items():
        key = str(loc[-1])
        typo = key[:-1] if len(key) > 3 else key + "s"  # "retentio", "ids"
        written = lines[line - 1]
        broken = "".join(lines[: line - 1]) + written.replace(f"{key}:", f"{typo}:", 1) + "".join(lines[line:])
        assert broken != text, loc
        underlined = editor_problems(broken, kind_of(path))
        unexpected = [(ln, m) for ln, m in underlined if "was unexpected" in m]
        assert unexpected == [(line, f"Additional properties are not allowed ('{typo}' was unexpected)")], loc
        # a misspelt required fact is also "missing" (shown at its group), nothing else
        assert all(f"'{key}' is a required property" == m for _, m in set(underlined) - set(unexpected)), loc
    # check says the same of one such typo, with the nearest key to use instead
    project = tmp_path / "p"
    for folder in ("content", "templates", "schemas"):
        shutil.copytree(REPO / folder, project / folder)
    loc, line = next((loc, ln) for loc, ln in keys.items() if len(str(loc[-1])) > 5)
    key = str(loc[-1])
    (project / path).write_text(text.replace(lines[line - 1], lines[line - 1].replace(f"{key}:", f"{key[:-1]}:", 1), 1),
                                encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(project), "check"])
    assert result.exit_code == 1
    assert f"{path}:{line}:" in result.output and f"did you mean '{key}'?" in result.output, result.output


@pytest.mark.parametrize("old, new, words", [
    ('primary: "#3949ab"', "primary: blue", "colour written #RRGGBB"),
    ("minimum_age: 18", "minimum_age: eighteen", "integer"),
    ("category: essential", "category: necessary", "is not one of"),
    ("unit: days", "unit: weeks", "is not one of"),
    ("email: contact@linkrapi.com", "email: contact-at-linkrapi", "email address"),
    ("scope:\n  - linkrapi.com", "scope: linkrapi.com\nx_scope:\n  - linkrapi.com", "is not of type"),
])
def test_a_wrong_value_is_underlined_with_words_a_lawyer_reads(old, new, words):
    text = (REPO / "content/brands/linkrapi.yaml").read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    underlined = editor_problems(broken, "brand")
    line = broken[: broken.index(new)].count("\n") + 1
    assert underlined and underlined[0][0] in (line, line + 1), underlined
    messages = " ".join(m for _, m in underlined) + json.dumps(schema("brand"))
    assert words in messages


def test_text_an_editor_reads_as_a_number_or_yes_no_is_not_underlined():
    """legalsite keeps '010' and 'NO' as typed, so the editor must not call them wrong."""
    text = (REPO / "content/brands/linkrapi.yaml").read_text(encoding="utf-8")
    for value in ("010", "true", "1.5", "NO"):
        assert editor_problems(text.replace("name: LinkrAPI", f"name: {value}", 1), "brand") == [], value


def test_a_new_brand_file_has_nothing_underlined_and_names_its_schema():
    text = scaffold("acme")
    assert text.splitlines()[0] == HEADERS["brand"]
    assert editor_problems(text, "brand") == []


def test_schema_command_writes_and_checks(project):
    runner = CliRunner()
    (project / "schemas" / "brand.schema.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(project), "schema", "--check"])
    assert result.exit_code == 1 and "schemas/brand.schema.json" in result.output
    stale = [f for f in run_checks(load_project(project)) if f.rule == "editor-schema"]
    assert {f.path for f in stale} == {p for p in FACT_FILES if kind_of(p) == "brand"}
    result = runner.invoke(cli, ["-C", str(project), "schema"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["-C", str(project), "schema", "--check"]).exit_code == 0
    assert sorted(p.name for p in (project / "schemas").iterdir()) == ["brand.schema.json", "vendors.schema.json"]


def test_every_group_of_facts_in_the_model_is_in_the_schema():
    """A model added later without reaching the schema would leave its facts unchecked in editors."""
    defs = set(schema("brand")["$defs"])
    seen, todo = set(), [Brand]
    while todo:
        model = todo.pop()
        for info in model.model_fields.values():
            inner = model_of(info.annotation)
            if inner is not None and inner.__name__ not in seen:
                seen.add(inner.__name__)
                todo.append(inner)
    assert seen == defs
