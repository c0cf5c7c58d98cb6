"""Pages: templates hold no facts, pages keep their promises, and rendered pages match the facts."""

from __future__ import annotations

import html
import re
import typing
from collections.abc import Iterator

from pydantic import BaseModel

from ..errors import FactError, Finding
from ..model import Brand, Duration, Url, safe_url
from ..project import Project, read_template, shown_template
from ..render import PAGE_TITLES, display, pages_for, render_project
from . import brands_of, rule

_TEMPLATE_FACTS = [
    (re.compile(r"\b\d+\s*(?:[-–]\s*\d+\s*)?(?:hours?|days?|weeks?|months?|years?)\b", re.IGNORECASE), "a period of time"),
    (re.compile(r"\b(?:age|aged|under|over)\s+(?:of\s+)?\d+\b", re.IGNORECASE), "an age"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "an email address"),
    (re.compile(r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|app|ai|co|eu|uk|de|fr)\b", re.IGNORECASE), "a domain"),
]
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


@rule("template-literal-fact", "error",
      "Templates hold wording only: no periods of time, ages, emails, domains, brand or vendor names.", scope="project")
def template_literal_fact(project: Project) -> Iterator[Finding]:
    names = [v.name for v in project.vendors.values()] + [b.name for b in project.brands.values()]
    patterns = _TEMPLATE_FACTS + [(re.compile(rf"(?<![\w-]){re.escape(n)}(?![\w-])"), f"the name '{n}'") for n in names]
    for path in project.templates().values():  # the project's own and the defaults it does not override
        try:
            source = read_template(path)
        except FactError as exc:
            yield from exc.findings
            continue
        # Comments may quote examples; blank them out but keep every line and column where it was.
        source = _JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
        for number, line in enumerate(source.splitlines(), start=1):
            for pattern, what in patterns:
                for match in pattern.finditer(line):
                    yield Finding(shown_template(path), number, match.start() + 1, "error",
                                  "template-literal-fact",
                                  f"'{match.group(0)}' is {what} written into the template; it belongs in the facts. "
                                  "Move it to content/ and print it with {{ ... }}.")


# --- pages promise only what exists ----------------------------------------

@rule("promise-unkept", "warning", "A passage that points to another page's list is satisfied by that page.")
def promise_unkept(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        page = brand.sharing.list_page
        if page and page in pages_for(brand) and not (brand.sharing.vendors or brand.sharing.groups):
            yield doc.finding(("sharing", "list_page"),
                              f"{brand.name}'s policy says its list of providers is on the {page} page, but it names "
                              "none, so the pages leave that pointer out; list them under sharing.vendors "
                              "(fact: sharing.list_page).", rule="promise-unkept", severity="warning",
                              fact="sharing.list_page")


@rule("promise-missing-page", "error", "A passage never points to a page the brand does not publish.")
def promise_missing_page(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        page = brand.sharing.list_page
        if page and page not in pages_for(brand):
            yield doc.finding(("sharing", "list_page"),
                              f"{brand.name} points to its {page} page, which it does not publish (it publishes: "
                              f"{', '.join(pages_for(brand))}); point to one of those.", rule="promise-missing-page")


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
                elif info.annotation == Url or Url in typing.get_args(info.annotation):
                    words = safe_url(item)  # a page links an address as encoded (a backtick as %60)
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
        templates = project.templates()
        for loc, page, words in shown_facts(brand, slug, project.vendors):
            if page in texts and " ".join(words.split()).casefold() not in texts[page]:
                yield doc.finding(loc, f"{brand.name}'s {page} page does not show '{words}'; the template "
                                  f"{shown_template(templates[f'{page}.md.j2'])} must print this fact.",
                                  rule="page-fact-missing")


@rule("page-foreign-fact", "error", "No page shows another brand's name, domain or email, or a vendor it does not use.",
      renders=True)
def page_foreign_fact(project: Project) -> Iterator[Finding]:
    owners, pattern = project.once("owners", lambda: _owners(project))
    if not owners:
        return
    for slug, brand, doc, pages in _rendered(project):
        if isinstance(pages, FactError):
            continue  # reported once, by page-fact-missing
        used = brand.vendors_named
        for page, markdown in pages.items():
            for word in dict.fromkeys(pattern.findall(plain_text(markdown))):
                for kind, owner, what in owners[word]:
                    if (kind == "vendor" and owner not in used) or (kind == "brand" and owner != slug):
                        what += f", which {brand.name} does not use" if kind == "vendor" else ""
                        loc = next((loc for loc, _, shown in shown_facts(brand, slug, project.vendors)
                                    if word in shown.casefold()), ())
                        yield doc.finding(loc, f"{brand.name}'s {page} page mentions {what}; remove it from "
                                          f"{brand.name}'s facts.", rule="page-foreign-fact")


def _owners(project: Project) -> tuple[dict, re.Pattern | None]:
    """Every name that belongs to someone, in one pattern: each page is scanned once, however many brands there are."""
    owners: dict[str, list[tuple[str, str, str]]] = {}  # casefolded word → (kind, owner id, what it is)
    for vid, vendor in project.vendors.items():
        owners.setdefault(vendor.name.casefold(), []).append(("vendor", vid, f"the vendor {vendor.name}"))
    for other_slug in project.brands:  # from each brand's summary: the other brands' facts are not validated
        other = project.summary(other_slug)
        for word, kind in ((other["name"], "name"), (other["domain"], "domain"), (other["email"], "email")):
            if word:
                owners.setdefault(word.casefold(), []).append(("brand", other_slug, f"{other['name']}'s {kind}"))
    words = sorted(owners, key=len, reverse=True)  # the longest first: a domain before the name inside it
    return owners, re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])") if owners else None


def _rendered(project: Project) -> list[tuple]:
    """Each brand with its document and its rendered Markdown pages (or the FactError that stopped them)."""
    pages = render_project(project)
    return [(slug, brand, doc, pages[slug]) for slug, brand, doc in brands_of(project)]
