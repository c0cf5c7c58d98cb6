"""Gaps: facts a page would show that a brand leaves out (warnings, driven by the model's metadata)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ..errors import Finding
from ..load import Document
from ..model import Brand, Vendor, _get, fact_name, item_label, model_of, name_fact
from ..project import Project
from . import brands_of, rule


@rule("fact-gap", "warning", "A fact a page would show is not stated; the page omits that passage.")
def fact_gap(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        yield from brand_gaps(doc, Brand, brand)


@rule("fact-gap", "warning", scope="project")
def vendor_gaps(project: Project) -> Iterator[Finding]:
    """The vendors' part: a vendor some brand lists misses a fact its security page would show."""
    doc = project.documents.get("vendors")  # none in a project with no vendors yet, so nothing to report
    listed = {use.vendor for brand in project.brands.values() for use in brand.sharing.vendors}
    for i, (vid, vendor) in enumerate(project.vendors.items()):
        if vid not in listed:
            continue  # named only in passing or as an example: no page lists its details
        for loc, name, info, _ in _missing(Vendor, vendor, ("vendors", i)):
            path = f"vendors.{vid}.{name}"
            yield doc.finding(loc + (name,), f"vendor '{vid}', security page: {fact_name(info)} is not given, "
                              f"so the page does not state it. Add '{name}:' here once it is confirmed "
                              f"(fact: {path}).", rule="fact-gap", severity="warning", key=True, fact=path)


def brand_gaps(doc: Document, model: type[BaseModel], facts: Any) -> Iterator[Finding]:
    """The gaps of one brand, from its facts or, when they do not validate yet, from the file as loaded:
    a new brand's first check lists every missing fact at once, required and expected."""
    brand_name = _get(facts, "name") or doc.path.rsplit("/", 1)[-1].removesuffix(".yaml")
    categories = _get(facts, "data_collected")
    scheduled = {c for entry in _get(facts, "retention_schedule") or [] for c in _get(entry, "categories") or []
                 if isinstance(c, str)}
    for loc, name, info, what in _missing(model, facts, ()):
        if name == "retention" and loc[:1] == ("data_collected",) and isinstance(categories, list) \
                and _get(categories[loc[1]], "id") in scheduled:
            continue  # the retention schedule states it, for records the policy ties to this category
        pages = [p for p in info.json_schema_extra.get("pages", []) if p != "index"] or ["privacy"]
        label = f" ({what})" if what else ""
        path = name_fact(loc + (name,), facts, model)[1]
        unstated = f" and {extra}" if (extra := info.json_schema_extra.get("unstated")) else ""
        yield doc.finding(loc + (name,), f"{brand_name}, {pages[0]} page: {fact_name(info)}{label} is not given, "
                          f"so the page does not state it{unstated}. Add '{name}:' here once the legal team has "
                          f"confirmed it (fact: {path}).", rule="fact-gap", severity="warning", key=True, fact=path)


def _missing(model: type[BaseModel], value: Any, loc: tuple, what: str = "") -> Iterator[tuple]:
    """(location, field, FieldInfo, which item) for each expected fact left out, however deep.

    ``value`` is facts or plain loaded YAML; in YAML, an empty value or group is a fact not given.
    """
    for name, info in model.model_fields.items():
        field_value = _get(value, name)
        extra = info.json_schema_extra or {}
        if extra.get("expected") and _blank(field_value):
            yield loc, name, info, what
        inner = model_of(info.annotation)
        if inner is None or (_blank(field_value) and info.default_factory in (None, list)):
            continue  # an optional group or a list left out is one gap (above), not one per fact inside it
        field_value = {} if _blank(field_value) else field_value  # a group the model fills with defaults
        items = field_value if isinstance(field_value, list) else [field_value]
        for index, item in enumerate(items):
            if isinstance(item, (BaseModel, dict)):
                sub = loc + (name, index) if isinstance(field_value, list) else loc + (name,)
                label = item_label(item) if isinstance(field_value, list) else None
                yield from _missing(inner, item, sub, label or what)


def _blank(value: Any) -> bool:
    return value in (None, [], "") or (isinstance(value, dict) and all(_blank(v) for v in value.values()))
