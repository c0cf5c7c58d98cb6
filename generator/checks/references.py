"""References: what a brand names must exist, and the registry holds nothing unused."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..errors import Finding
from ..model import fact_pages
from ..project import Project
from ..style import logo_problem
from . import brands_of, rule

_NEAR_LIMIT = 500  # difflib compares with every candidate: beyond this, n unknown ids x n known would be quadratic
_LISTED = 20  # the ids a message lists in full; a message per unknown id must not grow with the registry


def _one_of(value: str, known: list[str]) -> str:
    """"did you mean 'digitalocean'?" for a near miss, else the list (its first ids, when it is long)."""
    near = difflib.get_close_matches(value, known, n=1, cutoff=0.6) if len(known) <= _NEAR_LIMIT else []
    if near:
        return f"did you mean '{near[0]}'?"
    more = f" and {len(known) - _LISTED:,} more" if len(known) > _LISTED else ""
    return f"use one of: {', '.join(known[:_LISTED])}{more}."


@rule("vendor-unknown", "error", "Every vendor a brand names exists in content/vendors.yaml.")
def vendor_unknown(project: Project) -> Iterator[Finding]:
    known = sorted(project.vendors)
    for _slug, brand, doc in brands_of(project):
        refs = [(("sharing", "vendors", i, "vendor"), use.vendor) for i, use in enumerate(brand.sharing.vendors)]
        refs += [(("sharing", "groups", g, "includes", i), vendor)
                 for g, group in enumerate(brand.sharing.groups) for i, vendor in enumerate(group.includes)]
        refs += [(("sharing", "also_named", i), vendor) for i, vendor in enumerate(brand.sharing.also_named)]
        for loc, vendor in refs:
            if vendor not in project.vendors:
                yield doc.finding(loc, f"{brand.name} names the vendor '{vendor}', which content/vendors.yaml does "
                                  f"not list; add it there, or {_one_of(vendor, known)}", rule="vendor-unknown")


@rule("category-unknown", "error", "Data a brand shares or keeps refers to a category the brand collects.")
def category_unknown(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        ids = [c.id for c in brand.data_collected]
        known = set(ids)
        places = [(("sharing", "vendors", i, flow), getattr(use, flow))
                  for i, use in enumerate(brand.sharing.vendors) for flow in ("shares", "receives")]
        places += [(("retention_schedule", i, "categories"), entry.categories)
                   for i, entry in enumerate(brand.retention_schedule)]
        places += [(("sharing", "groups", i, "shares"), g.shares) for i, g in enumerate(brand.sharing.groups)]
        if brand.account_deletion and brand.account_deletion.kept_as:
            places.append((("account_deletion",), {"kept_as": brand.account_deletion.kept_as}))
        for loc, refs in places:
            for key, ref in (refs.items() if isinstance(refs, dict) else enumerate(refs)):
                if ref not in known:
                    yield doc.finding(loc + (key,), f"{brand.name} refers to the data category '{ref}', which it does "
                                      f"not collect (see data_collected); {_one_of(ref, ids)}", rule="category-unknown")


@rule("category-duplicate", "error", "Each data category of a brand has its own id.")
def category_duplicate(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        seen: set[str] = set()
        for i, category in enumerate(brand.data_collected):
            if category.id in seen:
                yield doc.finding(("data_collected", i, "id"), f"the data category id '{category.id}' is used twice; "
                                  "give each category its own id.", rule="category-duplicate")
            seen.add(category.id)


@rule("cookie-provider-unknown", "error", "A cookie is set or managed by the brand itself or by one of its vendors.")
def cookie_provider_unknown(project: Project) -> Iterator[Finding]:
    for slug, brand, doc in brands_of(project):
        allowed = [slug] + [use.vendor for use in brand.sharing.vendors]
        for i, cookie in enumerate(brand.cookies):
            for field, who in (("provider", "set"), ("managed_by", "managed")):
                value = getattr(cookie, field)
                if value is not None and value not in allowed:
                    yield doc.finding(("cookies", i, field),
                                      f"the cookie for '{cookie.purpose}' is {who} by '{value}', which is neither "
                                      f"{brand.name} ('{slug}') nor one of its vendors; use one of: "
                                      f"{', '.join(allowed)}.", rule="cookie-provider-unknown")


@rule("vendor-unused", "warning", "Every vendor in the registry is used by at least one brand.", scope="project")
def vendor_unused(project: Project) -> Iterator[Finding]:
    used = {vendor for slug in project.brands for vendor in project.summary(slug)["used"]}
    doc = project.documents.get("vendors")  # none in a project with no vendors yet, so nothing to report
    for i, vid in enumerate(project.vendors):
        if vid not in used:
            yield doc.finding(("vendors", i, "id"), f"the vendor '{vid}' is used by no brand; remove it, or add it to "
                              "a brand's sharing.vendors.", rule="vendor-unused", severity="warning")


@rule("change-fact-unknown", "error", "Each fact a change lists is a fact of the brand, so its pages can be dated.")
def change_fact_unknown(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        for i, change in enumerate(brand.changes):
            for j, path in enumerate(change.facts):
                try:
                    fact_pages(brand, path)
                except ValueError as exc:
                    yield doc.finding(("changes", i, "facts", j), f"the change '{change.summary}' lists the fact "
                                      f"'{path}', but {exc}.", rule="change-fact-unknown")


@rule("logo-file", "error", "A brand's logo is an .svg or .png file under content/, safe to publish.")
def logo_file(project: Project) -> Iterator[Finding]:
    content = (project.root / "content").resolve()
    for _slug, brand, doc in brands_of(project):
        if not brand.theme.logo:
            continue
        path = (content / brand.theme.logo).resolve()
        problem = "it is outside content/" if not path.is_relative_to(content) else logo_problem(path)
        if problem:
            yield doc.finding(("theme", "logo"), f"the logo '{brand.theme.logo}' cannot be published: {problem}; "
                              "give the path from content/ of an .svg or .png file (under 512 KB, "
                              "with no scripts or outside links).", rule="logo-file")
