"""Rendering: facts are inserted escaped, and templates cannot read what is not there."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import own_template

from legalsite.build import build
from legalsite.errors import FactError
from legalsite.project import DEFAULT_TEMPLATES, load_project
from legalsite.render import environment, md_escape, render_brand, tidy

HOSTILE = [
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "<img src=x onerror=alert(2)>",
    "# not a heading",
    "a | b | c",
    "**not bold** and _not italic_",
    "![x](https://example.com/x.png)",
    "{: .injected } `not code` &amp; 1. not a list",
    "- not a list item",
    "~~not struck~~ ==not marked== ^not raised^",
]


def _add_intro(project: Path, paragraphs: list[str], edit) -> None:
    quoted = "".join(f"  - '{p.replace(chr(39), chr(39) * 2)}'\n" for p in paragraphs)
    edit(project / "content/brands/linkrapi.yaml", "scope:\n", f"introduction:\n{quoted}scope:\n")


def _body(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    return re.search(r"<article[^>]*>(.*?)</article>", raw, re.DOTALL).group(1)


def test_markup_in_facts_shows_as_literal_text(project: Path, edit):
    _add_intro(project, HOSTILE, edit)
    # A pipe and brackets in a table cell too.
    edit(project / "content/brands/linkrapi.yaml", "purpose: authentication",
         "purpose: 'Auth | [x](javascript:alert(3)) <b>bold</b>'")
    build(load_project(project), project / "site")

    privacy = _body(project / "site/linkrapi/privacy/index.html")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", privacy)).split()).casefold()
    for fact in HOSTILE:
        assert fact.casefold() in text, f"{fact!r} does not show literally"
    assert "<script" not in privacy and "<img" not in privacy
    assert "javascript:" not in re.findall(r'href="([^"]*)"', privacy).__str__()
    assert "<strong>not bold" not in privacy and "<em>not italic" not in privacy
    assert "<code>not code" not in privacy and "<del>" not in privacy
    assert not re.search(r"<h\d[^>]*>\s*not a heading", privacy)
    assert not re.search(r"<li>\s*not a list item", privacy)

    table = _body(project / "site/linkrapi/cookies/index.html")
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)
    columns = len(re.findall(r"<th[ >]", rows[0]))
    assert rows and all(len(re.findall(r"<t[dh][ >]", row)) == columns for row in rows), "a '|' in a fact split a cell"
    assert "Auth | [x](javascript:alert(3)) <b>bold</b>" in html.unescape(re.sub(r"<(?!/?b>)[^>]+>", "", table)) \
        or "Auth | [x](javascript:alert(3)) &lt;b&gt;bold&lt;/b&gt;" in table
    assert "<b>bold</b>" not in table


def test_md_escape_leaves_no_markdown_meaning():
    escaped = md_escape("*a* [b](c) <d> & e | f")
    assert escaped == r"\*a\* \[b\]\(c\) &lt;d\> &amp; e \| f"
    assert md_escape("line one\n\n# line two") == r"line one \# line two"  # no new block from a fact


def test_template_reading_an_undefined_fact_fails_with_template_line_and_brand(project: Path):
    template = own_template(project, "privacy.md.j2")
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(4, "{{ brand.retention_days }}\n")  # becomes line 5, below the title
    template.write_text("".join(lines), encoding="utf-8")
    (project / "site").mkdir()
    with pytest.raises(FactError) as caught:
        build(load_project(project), project / "site")
    findings = caught.value.findings
    assert {f.rule for f in findings} == {"template-undefined"}
    assert {(f.path, f.line) for f in findings} == {("templates/privacy.md.j2", 5)}
    assert {re.search(r"brand '([a-z]+)'", f.message).group(1) for f in findings} == \
        {"idclinks", "journeyapi", "linkrapi"}
    assert all("retention_days" in f.message for f in findings)
    assert list((project / "site").iterdir()) == []


def test_template_printing_a_fact_the_brand_leaves_out_fails(project: Path):
    template = own_template(project, "index.md.j2")
    template.write_text(template.read_text(encoding="utf-8") + "Domain: {{ brand.domain }}\n", encoding="utf-8")
    line = len(template.read_text(encoding="utf-8").splitlines())  # the appended line
    loaded = load_project(project)
    env = environment(loaded.template_dirs)
    render_brand(env, "linkrapi", loaded.brands["linkrapi"], loaded.vendors)  # has a domain: fine
    with pytest.raises(FactError) as caught:
        render_brand(env, "journeyapi", loaded.brands["journeyapi"], loaded.vendors)  # the seed gives none
    (finding,) = caught.value.findings
    assert (finding.path, finding.line) == ("templates/index.md.j2", line)
    assert "journeyapi" in finding.message and "{% if" in finding.message


def test_templates_cannot_mark_facts_safe(project: Path):
    template = own_template(project, "index.md.j2")
    template.write_text(template.read_text(encoding="utf-8") + "{{ brand.name|safe }}\n", encoding="utf-8")
    with pytest.raises(FactError) as caught:
        build(load_project(project), project / "site")
    assert {f.rule for f in caught.value.findings} == {"template-syntax"}
    assert "safe" in caught.value.findings[0].message


def test_tidy_separates_blocks():
    assert tidy("- a\n- b\nText\n## H\nPara\n\n\n\nEnd") == "- a\n- b\n\nText\n\n## H\n\nPara\n\nEnd\n"


def test_a_list_of_three_or_more_is_escaped_once():
    """str.join of escaped facts gives plain text, which Markup escaped again: 'a: b' read 'a&amp;#58; b'."""
    env = environment(DEFAULT_TEMPLATES)
    items = ["terms: see below", "A & B", "<c>"]
    for template, expected in [("{{ items|join(', ', ', and ') }}", "terms&#58; see below, A &amp; B, and &lt;c\\>"),
                               ("{{ items|join(', ') }}", "terms&#58; see below, A &amp; B, &lt;c\\>"),
                               ("{{ items[:2]|join(', ', ', and ') }}", "terms&#58; see below and A &amp; B")]:
        assert env.from_string(template).render(items=items) == expected
