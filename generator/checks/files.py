"""The fact files themselves: each names its editor schema, the schema matches the model, and a brand exists."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import mkdocs_settings
from ..errors import Finding
from ..project import Project
from ..schema import HEADERS, stale_schemas
from . import brands_of, rule


@rule("editor-schema", "warning",
      "Each fact file starts with the line naming its schema, and schemas/ matches this legalsite's model, "
      "so editors underline mistakes as you type.")
def editor_schema(project: Project) -> Iterator[Finding]:
    stale = stale_schemas(project.root)
    documents = [("vendors", project.documents["vendors"])] if "vendors" in project.documents else []
    documents += [("brand", doc) for _, _, doc in brands_of(project)]
    for kind, doc in documents:
        first = doc.lines[0] if doc.lines else ""
        if first.strip() != HEADERS[kind]:
            yield Finding(doc.path, 1, 1, "warning", "editor-schema",
                          f"this file does not start with the line '{HEADERS[kind]}', so editors cannot check it "
                          "as you type; add that line at the very top.")
        elif f"schemas/{kind}.schema.json" in stale:
            yield Finding(doc.path, 1, 1, "warning", "editor-schema",
                          f"schemas/{kind}.schema.json, named on this line, is missing or out of date, so editors "
                          "check this file against old facts; run 'legalsite schema' and commit the result.")


@rule("mkdocs-config", "error", "mkdocs.yml holds settings MkDocs accepts, in the shapes legalsite builds on.", scope="project")
def mkdocs_config(project: Project) -> Iterator[Finding]:
    _, findings = mkdocs_settings(project)
    yield from findings


@rule("brand-none", "error", "A project has at least one brand to publish.", scope="project")
def brand_none(project: Project) -> Iterator[Finding]:
    if not project.brands:
        yield Finding("content/brands", 1, 1, "error", "brand-none",
                      "this project has no brand yet; add one with 'legalsite new SLUG', such as 'legalsite new acme'.")
