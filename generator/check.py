"""The rules that prove a project's facts hold together.

A rule is one function, registered with ``@rule``: it receives the Project
and yields Findings. ``legalsite check`` and ``legalsite build`` run them all
before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from pydantic import BaseModel

from .errors import Finding
from .model import Brand, fact_name
from .project import Project


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    run: Callable[[Project], Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, description: str):
    """Register a rule: ``@rule("vendor-unknown", "error", "Every vendor a brand names exists.")``."""

    def register(func: Callable[[Project], Iterable[Finding]]):
        RULES[id] = Rule(id, severity, description, func)
        return func

    return register


def run_checks(project: Project) -> list[Finding]:
    """Every finding of every rule, sorted by file and line."""
    findings: list[Finding] = []
    for r in RULES.values():
        findings.extend(r.run(project))
    return sorted(set(findings))


def findings_report(findings: list[Finding]) -> dict:
    """The JSON shape of ``legalsite check --format json`` (documented in the README)."""
    errors = sum(f.is_error for f in findings)
    return {
        "version": 1,
        "errors": errors,
        "warnings": len(findings) - errors,
        "findings": [{"path": f.path, "line": f.line, "column": f.column, "severity": f.severity,
                      "rule": f.rule, "message": f.message} for f in findings],
    }


def rules_report() -> list[dict]:
    return [{"id": r.id, "severity": r.severity, "description": r.description} for r in RULES.values()]


def _brands(project: Project) -> Iterator[tuple[str, Brand, object]]:
    for slug, brand in project.brands.items():
        yield slug, brand, project.documents[slug]


# --- references: what a brand names must exist -----------------------------

@rule("vendor-unknown", "error", "Every vendor a brand names exists in content/vendors.yaml.")
def vendor_unknown(project: Project) -> Iterator[Finding]:
    known = ", ".join(sorted(project.vendors))
    for slug, brand, doc in _brands(project):
        for i, use in enumerate(brand.sharing.vendors):
            if use.vendor not in project.vendors:
                yield doc.finding(("sharing", "vendors", i, "vendor"),
                                  f"{brand.name} names the vendor '{use.vendor}', which content/vendors.yaml does not "
                                  f"list; add it there or use one of: {known}.", rule="vendor-unknown")
        for g, group in enumerate(brand.sharing.groups):
            for i, vendor in enumerate(group.includes):
                if vendor not in project.vendors:
                    yield doc.finding(("sharing", "groups", g, "includes", i),
                                      f"{brand.name} names the vendor '{vendor}', which content/vendors.yaml does not "
                                      f"list; add it there or use one of: {known}.", rule="vendor-unknown")


@rule("category-unknown", "error", "Data a brand shares or keeps refers to a category the brand collects.")
def category_unknown(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        ids = [c.id for c in brand.data_collected]
        hint = f"use one of the ids under data_collected: {', '.join(ids)}" if ids else "list it under data_collected"
        places = [(("sharing", "vendors", i, "shares"), use.shares) for i, use in enumerate(brand.sharing.vendors)]
        places += [(("sharing", "groups", i, "shares"), g.shares) for i, g in enumerate(brand.sharing.groups)]
        if brand.account_deletion and brand.account_deletion.kept_as:
            places.append((("account_deletion",), {"kept_as": brand.account_deletion.kept_as}))
        for loc, refs in places:
            for key, ref in (refs.items() if isinstance(refs, dict) else enumerate(refs)):
                if ref not in ids:
                    yield doc.finding(loc + (key,), f"{brand.name} refers to the data category '{ref}', which it does "
                                      f"not collect; {hint}.", rule="category-unknown")


@rule("category-duplicate", "error", "Each data category of a brand has its own id.")
def category_duplicate(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        seen: set[str] = set()
        for i, category in enumerate(brand.data_collected):
            if category.id in seen:
                yield doc.finding(("data_collected", i, "id"), f"the data category id '{category.id}' is used twice; "
                                  "give each category its own id.", rule="category-duplicate")
            seen.add(category.id)


@rule("cookie-provider-unknown", "error", "A cookie is set by the brand itself or by one of its vendors.")
def cookie_provider_unknown(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        allowed = [slug] + [use.vendor for use in brand.sharing.vendors]
        for i, cookie in enumerate(brand.cookies):
            if cookie.provider not in allowed:
                yield doc.finding(("cookies", i, "provider"),
                                  f"the cookie for '{cookie.purpose}' is set by '{cookie.provider}', which is neither "
                                  f"{brand.name} ('{slug}') nor one of its vendors; use one of: {', '.join(allowed)}.",
                                  rule="cookie-provider-unknown")


# --- gaps: facts a page would show that the brand leaves out ---------------

@rule("fact-gap", "warning", "A fact a page would show is not stated; the page omits that passage.")
def fact_gap(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        for loc, name, info, what in _missing(brand, ()):
            pages = [p for p in info.json_schema_extra.get("pages", []) if p != "index"] or ["privacy"]
            page = pages[0]
            label = f" ({what})" if what else ""
            yield doc.finding(loc + (name,), f"{brand.name}, {page} page: {fact_name(info)}{label} is not given, "
                              f"so the page does not state it. Add '{name}:' here once the legal team has "
                              "confirmed it.", rule="fact-gap", severity="warning", key=True)
    for i, (vid, vendor) in enumerate(project.vendors.items()):
        doc = project.documents["vendors"]
        for loc, name, info, _ in _missing(vendor, ("vendors", i)):
            yield doc.finding(loc + (name,), f"vendor '{vid}', security page: {fact_name(info)} is not given, "
                              f"so the page does not state it. Add '{name}:' here once it is confirmed.",
                              rule="fact-gap", severity="warning", key=True)


def _missing(model: BaseModel, loc: tuple, what: str = "") -> Iterator[tuple]:
    """(location, field, FieldInfo, which item) for each expected fact left out, however deep."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        extra = info.json_schema_extra or {}
        if extra.get("expected") and value in (None, [], ""):
            yield loc, name, info, what
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                sub = loc + (name, index) if isinstance(value, list) else loc + (name,)
                label = getattr(item, "name", None) or getattr(item, "purpose", None) or what
                yield from _missing(item, sub, str(label) if label else what)


# --- templates: wording only, never facts ----------------------------------

_TEMPLATE_FACTS = [
    (re.compile(r"\b\d+\s*(?:[-–]\s*\d+\s*)?(?:hours?|days?|weeks?|months?|years?)\b", re.I), "a period of time"),
    (re.compile(r"\b(?:age|aged|under|over)\s+(?:of\s+)?\d+\b", re.I), "an age"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "an email address"),
    (re.compile(r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|app|ai|co|eu|uk|de|fr)\b", re.I), "a domain"),
]
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


@rule("template-literal-fact", "error",
      "Templates hold wording only: no periods of time, ages, emails, domains, brand or vendor names.")
def template_literal_fact(project: Project) -> Iterator[Finding]:
    names = [v.name for v in project.vendors.values()] + [b.name for b in project.brands.values()]
    patterns = _TEMPLATE_FACTS + [(re.compile(rf"(?<![\w-]){re.escape(n)}(?![\w-])"), f"the name '{n}'") for n in names]
    for path in sorted(project.templates_dir.glob("*.j2")):
        source = path.read_text(encoding="utf-8")
        # Comments may quote examples; blank them out but keep every line and column where it was.
        source = _JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
        for number, line in enumerate(source.splitlines(), start=1):
            for pattern, what in patterns:
                for match in pattern.finditer(line):
                    yield Finding(f"templates/{path.name}", number, match.start() + 1, "error",
                                  "template-literal-fact",
                                  f"'{match.group(0)}' is {what} written into the template; it belongs in the facts. "
                                  "Move it to content/ and print it with {{ ... }}.")
