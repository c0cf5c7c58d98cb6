"""Gaps: facts a page would show that a brand leaves out (warnings, driven by the model's metadata)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from ..errors import Finding
from ..model import fact_name
from ..project import Project
from . import brands_of, rule


@rule("fact-gap", "warning", "A fact a page would show is not stated; the page omits that passage.")
def fact_gap(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
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
