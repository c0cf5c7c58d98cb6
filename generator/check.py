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
import datetime as dt
import difflib
import html
import os

from .model import Brand, Duration, fact_name
from .errors import FactError
from .render import PAGE_TITLES, display, environment, pages_for, render_brand
from .project import Project


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    run: Callable[[Project], Iterable[Finding]]
    renders: bool = False  # reads rendered pages, so it runs only once the facts hold together


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, description: str, *, renders: bool = False):
    """Register a rule: ``@rule("vendor-unknown", "error", "Every vendor a brand names exists.")``."""

    def register(func: Callable[[Project], Iterable[Finding]]):
        RULES[id] = Rule(id, severity, description, func, renders)
        return func

    return register


def run_checks(project: Project) -> list[Finding]:
    """Every finding of every rule, sorted by file and line.

    Rules over rendered pages run last, and only if the facts have no errors:
    a page cannot be rendered from a reference to a vendor that does not exist.
    """
    findings: list[Finding] = []
    for r in RULES.values():
        if not r.renders:
            findings.extend(r.run(project))
    if not any(f.is_error for f in findings):
        for r in RULES.values():
            if r.renders:
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

def _one_of(value: str, known: list[str]) -> str:
    """"did you mean 'digitalocean'?" for a near miss, else the whole list."""
    near = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else f"use one of: {', '.join(known)}."


@rule("vendor-unknown", "error", "Every vendor a brand names exists in content/vendors.yaml.")
def vendor_unknown(project: Project) -> Iterator[Finding]:
    known = sorted(project.vendors)
    for slug, brand, doc in _brands(project):
        refs = [(("sharing", "vendors", i, "vendor"), use.vendor) for i, use in enumerate(brand.sharing.vendors)]
        refs += [(("sharing", "groups", g, "includes", i), vendor)
                 for g, group in enumerate(brand.sharing.groups) for i, vendor in enumerate(group.includes)]
        for loc, vendor in refs:
            if vendor not in project.vendors:
                yield doc.finding(loc, f"{brand.name} names the vendor '{vendor}', which content/vendors.yaml does "
                                  f"not list; add it there, or {_one_of(vendor, known)}", rule="vendor-unknown")


@rule("category-unknown", "error", "Data a brand shares or keeps refers to a category the brand collects.")
def category_unknown(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        ids = [c.id for c in brand.data_collected]
        places = [(("sharing", "vendors", i, "shares"), use.shares) for i, use in enumerate(brand.sharing.vendors)]
        places += [(("sharing", "groups", i, "shares"), g.shares) for i, g in enumerate(brand.sharing.groups)]
        if brand.account_deletion and brand.account_deletion.kept_as:
            places.append((("account_deletion",), {"kept_as": brand.account_deletion.kept_as}))
        for loc, refs in places:
            for key, ref in (refs.items() if isinstance(refs, dict) else enumerate(refs)):
                if ref not in ids:
                    yield doc.finding(loc + (key,), f"{brand.name} refers to the data category '{ref}', which it does "
                                      f"not collect (see data_collected); {_one_of(ref, ids)}", rule="category-unknown")


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


# --- pages promise only what exists ----------------------------------------

@rule("promise-unkept", "warning", "A passage that points to another page's list is satisfied by that page.")
def promise_unkept(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        page = brand.sharing.list_page
        if page and page in pages_for(brand) and not (brand.sharing.vendors or brand.sharing.groups):
            yield doc.finding(("sharing", "list_page"),
                              f"{brand.name}'s privacy page says its subprocessor list is on the {page} page, but no "
                              "subprocessors are given; list them under sharing.vendors.",
                              rule="promise-unkept", severity="warning")


@rule("promise-missing-page", "error", "A passage never points to a page the brand does not publish.")
def promise_missing_page(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        page = brand.sharing.list_page
        if page and page not in pages_for(brand):
            yield doc.finding(("sharing", "list_page"),
                              f"{brand.name} points to its {page} page, which it does not publish (it publishes: "
                              f"{', '.join(pages_for(brand))}); point to one of those.", rule="promise-missing-page")


# --- dates ------------------------------------------------------------------

def today() -> dt.date:
    """The build's today: SOURCE_DATE_EPOCH where set, so checks are reproducible too."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch else dt.date.today()


@rule("date-order", "error", "Last updated is not in the future and not earlier than the effective date.")
def date_order(project: Project) -> Iterator[Finding]:
    now = today()
    for slug, brand, doc in _brands(project):
        updated, effective = brand.dates.last_updated, brand.dates.effective
        if updated and updated > now:
            yield doc.finding(("dates", "last_updated"), f"{brand.name} was last updated on {updated}, which is in "
                              f"the future (today is {now}); write the date the policy actually changed.",
                              rule="date-order")
        if updated and effective and updated < effective:
            yield doc.finding(("dates", "last_updated"), f"{brand.name} was last updated on {updated}, before the "
                              f"date it took effect ({effective}); a policy cannot take effect before it is written.",
                              rule="date-order")
        for i, change in enumerate(brand.changes):
            if change.date > now:
                yield doc.finding(("changes", i, "date"), f"the change '{change.summary}' is dated {change.date}, "
                                  f"in the future (today is {now}).", rule="date-order")
            if change.effective and change.effective < change.date:
                yield doc.finding(("changes", i, "effective"), f"the change '{change.summary}' takes effect on "
                                  f"{change.effective}, before it was announced on {change.date}.", rule="date-order")
            if updated and change.date > updated:
                yield doc.finding(("dates", "last_updated"), f"{brand.name} says it was last updated on {updated}, "
                                  f"but its change '{change.summary}' is dated {change.date}; update last_updated.",
                                  rule="date-order")


def _days(period: Duration) -> int:
    """The shortest number of days a period can mean (a month is 28 days, a year 365)."""
    return period.amount * {"hours": 0, "days": 1, "months": 28, "years": 365}[period.unit]


@rule("notice-period", "error", "A material change takes effect no earlier than its announcement plus the notice period.")
def notice_period(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        notice = brand.changes_policy.material_notice
        for i, change in enumerate(brand.changes):
            if not change.material:
                continue
            if not change.effective:
                yield doc.finding(("changes", i), f"the material change '{change.summary}' has no effective date; "
                                  "add 'effective:' so the notice period can be checked.", rule="notice-period")
            elif notice and (change.effective - change.date).days < _days(notice):
                yield doc.finding(("changes", i, "effective"), f"the material change '{change.summary}' takes effect "
                                  f"{(change.effective - change.date).days} days after it was announced, but "
                                  f"{brand.name} promises {notice.amount} {notice.unit}' notice; move 'effective' to "
                                  f"{change.date + dt.timedelta(days=_days(notice))} or later.", rule="notice-period")


# --- values -----------------------------------------------------------------

@rule("email-domain", "error", "A brand's email addresses are on its own domain, or on one it declares.")
def email_domain(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        email = brand.contact.email
        if not email or not brand.domain:
            continue
        host = email.rsplit("@", 1)[1].lower()
        allowed = [brand.domain, *brand.email_domains]
        if not any(host == d or host.endswith("." + d) for d in allowed):
            yield doc.finding(("contact", "email"), f"{email} is not on {brand.name}'s domain ({brand.domain}); use "
                              f"an address @{brand.domain}, or declare '{host}' under email_domains.",
                              rule="email-domain")


# GDPR art. 8 lets member states set the age of digital consent between 13 and 16; COPPA protects under-13s.
_AGE_LIMITS = {"EEA": (13, 16), "UK": (13, 16), "US": (13, None)}


@rule("age-jurisdiction", "error", "The children's minimum age fits every jurisdiction the brand declares.")
def age_jurisdiction(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in _brands(project):
        if not brand.children:
            continue
        lowest = brand.children.minimum_age
        highest = brand.children.local_minimum_age or lowest
        for region in brand.jurisdictions:
            low, high = _AGE_LIMITS[region]
            if lowest < low:
                yield doc.finding(("children", "minimum_age"), f"{brand.name} declares {region} but its minimum age "
                                  f"is {lowest}; the law there protects children under {low}, so write at least {low}.",
                                  rule="age-jurisdiction")
            elif high and highest < high and region in ("EEA", "UK") and lowest < high:
                yield doc.finding(("children", "minimum_age"), f"{brand.name} declares {region}, where some "
                                  f"countries set the age at up to {high}, but it never states an age of {high}; add "
                                  f"'local_minimum_age: {high}' or raise minimum_age.", rule="age-jurisdiction")


# --- the registry -------------------------------------------------------------

@rule("vendor-unused", "warning", "Every vendor in the registry is used by at least one brand.")
def vendor_unused(project: Project) -> Iterator[Finding]:
    used = {u.vendor for b in project.brands.values() for u in b.sharing.vendors}
    used |= {v for b in project.brands.values() for g in b.sharing.groups for v in g.includes}
    doc = project.documents["vendors"]
    for i, vid in enumerate(project.vendors):
        if vid not in used:
            yield doc.finding(("vendors", i, "id"), f"the vendor '{vid}' is used by no brand; remove it, or add it to "
                              "a brand's sharing.vendors.", rule="vendor-unused", severity="warning")


# --- rendered pages against the facts ---------------------------------------

def shown_facts(brand: Brand, slug: str, vendors: dict) -> Iterator[tuple[tuple, str, str]]:
    """(location in the brand file, page, words the page must contain) for every fact the brand gives.

    Each field's ``pages`` says where it must show; an id shows as the name it refers to,
    a yes/no fact as its phrase, a period as "90 days". Vendors named directly bring their
    registry facts along (located at the brand's reference to them).
    """
    categories = {c.id: c.name for c in brand.data_collected}
    names = {
        "vendor": lambda v: vendors[v].name,
        "category": lambda v: categories[v],
        "page": lambda v: PAGE_TITLES[v],
        "provider": lambda v: brand.name if v == slug else vendors[v].name,
    }

    def walk(model: BaseModel, loc: tuple, at: tuple | None = None):
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            extra = info.json_schema_extra or {}
            pages = extra.get("pages", [])
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                where = loc + ((name, index) if isinstance(value, list) else (name,))
                if item is None or isinstance(item, BaseModel) and not isinstance(item, Duration):
                    if item is not None:
                        yield from walk(item, where, at)
                    continue
                if isinstance(item, bool):
                    words = extra.get("phrase") if item else None
                elif "ref" in extra:
                    words = names[extra["ref"]](item)
                else:
                    words = display(item)
                for page in pages if words else ():
                    yield at or where, page, words

    yield from walk(brand, ())
    for i, use in enumerate(brand.sharing.vendors):
        if use.vendor in vendors:
            yield from walk(vendors[use.vendor], (), at=("sharing", "vendors", i, "vendor"))


def plain_text(markdown: str) -> str:
    """Rendered Markdown as the words a reader sees: escapes undone, emphasis dropped, case folded."""
    text = re.sub(r"(?<!\\)\*\*", "", markdown)  # the template's own bold, not an escaped \*\* from a fact
    text = html.unescape(re.sub(r"\\(.)", r"\1", text))
    return " ".join(text.split()).casefold()


@rule("page-fact-missing", "error", "After rendering, every fact of a brand appears on each page meant to show it.",
      renders=True)
def page_fact_missing(project: Project) -> Iterator[Finding]:
    for slug, brand, doc, pages in _rendered(project):
        if isinstance(pages, FactError):
            yield from pages.findings
            continue
        texts = {page: plain_text(markdown) for page, markdown in pages.items()}
        for loc, page, words in shown_facts(brand, slug, project.vendors):
            if page in texts and " ".join(words.split()).casefold() not in texts[page]:
                yield doc.finding(loc, f"{brand.name}'s {page} page does not show '{words}'; the template "
                                  f"templates/{page}.md.j2 must print this fact.", rule="page-fact-missing")


@rule("page-foreign-fact", "error", "No page shows another brand's name, domain or email, or a vendor it does not use.",
      renders=True)
def page_foreign_fact(project: Project) -> Iterator[Finding]:
    for slug, brand, doc, pages in _rendered(project):
        if isinstance(pages, FactError):
            continue  # reported once, by page-fact-missing
        used = {u.vendor for u in brand.sharing.vendors} | {v for g in brand.sharing.groups for v in g.includes}
        foreign = [(v.name, f"the vendor {v.name}, which {brand.name} does not use")
                   for vid, v in project.vendors.items() if vid not in used]
        for other_slug, other in project.brands.items():
            if other_slug != slug:
                foreign += [(w, f"{other.name}'s {kind}") for w, kind in
                            ((other.name, "name"), (other.domain, "domain"), (other.contact.email, "email")) if w]
        for page, markdown in pages.items():
            text = plain_text(markdown)
            for word, what in foreign:
                if re.search(rf"(?<![\w-]){re.escape(word.casefold())}(?![\w-])", text):
                    loc = next((loc for loc, _, words in shown_facts(brand, slug, project.vendors)
                                if word.casefold() in words.casefold()), ())
                    yield doc.finding(loc, f"{brand.name}'s {page} page mentions {what}; remove it from "
                                      f"{brand.name}'s facts.", rule="page-foreign-fact")


def _rendered(project: Project) -> list[tuple]:
    """Each brand with its rendered Markdown pages (or the FactError that stopped them).

    Kept on the project, so the two page rules render each brand once.
    """
    cached = vars(project).get("_rendered_pages")
    if cached is None:
        env = environment(project.templates_dir)
        cached = []
        for slug, brand, doc in _brands(project):
            try:
                pages = render_brand(env, slug, brand, project.vendors)
            except FactError as exc:
                pages = exc
            cached.append((slug, brand, doc, pages))
        vars(project)["_rendered_pages"] = cached
    return cached


# --- across brands ----------------------------------------------------------

@rule("shared-fact-mismatch", "error", "Facts brands declare as shared (parent company, DPO) are identical in every brand.")
def shared_fact_mismatch(project: Project) -> Iterator[Finding]:
    for name in type(next(iter(project.brands.values()), Brand)).model_fields["shared"].annotation.model_fields:
        stated = {slug: getattr(b.shared, name) for slug, b in project.brands.items() if getattr(b.shared, name)}
        values = sorted(set(stated.values()))
        if len(values) < 2:
            continue
        for slug, value in stated.items():
            others = ", ".join(f"{project.brands[s].name}: '{v}'" for s, v in stated.items() if v != value)
            yield project.documents[slug].finding(
                ("shared", name), f"{project.brands[slug].name} gives shared.{name} as '{value}', but {others}; "
                "shared facts must be identical in every brand that states them.", rule="shared-fact-mismatch")
