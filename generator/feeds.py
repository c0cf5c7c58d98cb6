"""Facts → the machine-readable files each brand publishes beside its pages.

- ``subprocessors.json`` and ``cookies.json``: for procurement teams and tools.
  Their shapes are the models below; ``legalsite`` ships their JSON Schemas in
  ``generator/schemas/`` (kept in sync with these models by a test).
- ``changes.xml``: an Atom 1.0 feed of the brand's ``changes``.

Every value comes from the same facts the pages show; nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from xml.etree import ElementTree

from pydantic import BaseModel, ConfigDict, Field

from .model import (
    Brand,
    Change,
    CookieCategory,
    Duration,
    Storage,
    TimeUnit,
    Vendor,
    VendorRole,
    changed_pages,
    page_dates,
    safe_url,
)
from .render import change_anchor, display

SCHEMAS_DIR = Path(__file__).parent / "schemas"
ATOM = "http://www.w3.org/2005/Atom"


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(Out):
    amount: int = Field(description="The number of units.", gt=0)
    unit: TimeUnit = Field(description="The unit of time.")


class Subprocessor(Out):
    id: str = Field(description="The vendor's short id, stable across brands and versions.")
    name: str = Field(description="The vendor's legal name.")
    service: str | None = Field(description="What the vendor does, in a few words, or null where no policy says.")
    role: VendorRole | None = Field(
        description="'subprocessor' processes data for the brand; 'recipient' receives data the user asks to send; "
                    "null where the policy does not classify the vendor.")
    purpose: str | None = Field(description="What the brand uses the vendor for, or null where the policy says no more "
                                            "than the vendor's service.")
    data_categories: list[str] | None = Field(description="The names of the data categories the brand sends to the "
                                                          "vendor, or null where the policy does not say.")
    data_received: list[str] | None = Field(description="The names of the data categories the brand receives from "
                                                        "the vendor, or null where the policy does not say.")
    website: str | None = Field(description="The vendor's website, or null where the facts do not give it.")
    privacy_policy: str | None = Field(description="The vendor's privacy policy, or null where not given.")
    locations: list[str] | None = Field(description="Where the vendor processes data, or null where not stated.")


class ProviderGroup(Out):
    name: str = Field(description="A kind of provider the brand uses without naming each one.")
    purpose: str = Field(description="What these providers do for the brand.")
    examples: list[str] = Field(description="The names of vendors the policy gives as examples.")
    data_categories: list[str] | None = Field(description="The names of the data categories shared with them, or "
                                                          "null where the policy does not say.")


class SubprocessorList(Out):
    """The vendors a brand shares personal data with."""

    model_config = ConfigDict(title="legalsite subprocessor list")
    brand: str = Field(description="The brand's name.")
    last_updated: dt.date | None = Field(description="The newest date the sharing facts changed (YYYY-MM-DD), "
                                                     "or null where the policy gives no date.")
    change_notice: Period | None = Field(description="How far ahead customers are told of a subprocessor change, "
                                                     "or null where the policy does not say.")
    providers_term: str | None = Field(description="What the policy calls these companies (\"service providers\", "
                                                   "\"sub-processors\"), or null where it does not say.")
    illustrative: bool | None = Field(description="Whether the policy gives the named vendors as examples "
                                                  "(\"include\"), not as the complete list; null where it names none.")
    subprocessors: list[Subprocessor] | None = Field(description="The named vendors, or null where the policy "
                                                                 "names none.")
    provider_groups: list[ProviderGroup] = Field(description="Kinds of providers named without a company.")


class CookieEntry(Out):
    name: str | None = Field(description="The cookie or storage key, or null where the policy does not name it.")
    storage: Storage | None = Field(description="Where the browser keeps it, or null where the policy does not say.")
    provider: str | None = Field(description="The name of who sets it (the brand or one of its vendors), or null "
                                             "where the policy does not say.")
    managed_by: str | None = Field(description="The name of the vendor the policy says manages it, or null.")
    purpose: str = Field(description="What it is for.")
    category: CookieCategory | None = Field(
        description="Its category as the policy states it, or null where it gives none.")
    consent_required: bool | None = Field(description="Whether the brand asks the visitor's consent before setting "
                                                      "it, as the brand states; null where it does not say.")
    duration: str | None = Field(description="Its lifetime as the policy states it, or null where not stated.")


class CookieList(Out):
    """The cookies and browser storage a brand uses."""

    model_config = ConfigDict(title="legalsite cookie list")
    brand: str = Field(description="The brand's name.")
    last_updated: dt.date | None = Field(description="The newest date the cookie facts changed (YYYY-MM-DD), "
                                                     "or null where the policy gives no date.")
    cookies: list[CookieEntry] | None = Field(description="Every cookie and storage entry, or null where the "
                                                          "policy says nothing about cookies.")
    may_use: bool | None = Field(description="Whether the policy says the brand *may* use these cookies, not that it "
                                             "does; null where it names none.")
    not_used: list[str] = Field(description="Kinds of cookies or tracking the brand says it does not use.")


SCHEMAS = {"subprocessors": SubprocessorList, "cookies": CookieList}


def schema(name: str) -> dict:
    """The JSON Schema of one published list, as shipped in generator/schemas/."""
    model = SCHEMAS[name]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema()}


def facts_date(brand: Brand, *prefixes: str) -> dt.date | None:
    """The newest date the facts under ``prefixes`` changed: the policy's date, or a later change to them."""
    dates = [brand.dates.last_updated] if brand.dates.last_updated else []
    for change in brand.changes:
        if not change.facts or any(f == p or f.startswith(p + ".") for f in change.facts for p in prefixes):
            dates.append(change.date)
    return max(dates) if dates else None


def _period(value: Duration | None) -> Period | None:
    return Period(amount=value.amount, unit=value.unit) if value else None


def _url(value: str | None) -> str | None:
    """An address as pages link it (percent-encoded), so a tool that links it gets the same target."""
    return safe_url(value) if value else None


def subprocessors(brand: Brand, vendors: dict[str, Vendor]) -> SubprocessorList:
    names = {c.id: c.name for c in brand.data_collected}
    named = [Subprocessor(id=use.vendor, name=vendors[use.vendor].name, service=vendors[use.vendor].service,
                          role=use.role, purpose=use.purpose, data_categories=[names[c] for c in use.shares] or None,
                          data_received=[names[c] for c in use.receives] or None,
                          website=_url(vendors[use.vendor].website), privacy_policy=_url(vendors[use.vendor].privacy_policy),
                          locations=list(vendors[use.vendor].locations) or None)
             for use in brand.sharing.vendors]
    groups = [ProviderGroup(name=g.name, purpose=g.purpose, examples=[vendors[v].name for v in g.includes],
                            data_categories=[names[c] for c in g.shares] or None) for g in brand.sharing.groups]
    return SubprocessorList(brand=brand.name, last_updated=facts_date(brand, "sharing"),
                            change_notice=_period(brand.sharing.change_notice), subprocessors=named or None,
                            providers_term=brand.sharing.providers_term,
                            illustrative=brand.sharing.vendors_examples if named or groups else None,
                            provider_groups=groups)


def cookies(brand: Brand, slug: str, vendors: dict[str, Vendor]) -> CookieList:
    def name(vid: str | None) -> str | None:
        return None if vid is None else brand.name if vid == slug else vendors[vid].name

    entries = [CookieEntry(name=c.name, storage=c.storage, provider=name(c.provider), managed_by=name(c.managed_by),
                           purpose=c.purpose, category=c.category, consent_required=c.consent_required,
                           duration=c.duration) for c in brand.cookies]
    return CookieList(brand=brand.name, last_updated=facts_date(brand, "cookies", "cookie_policy"),
                      cookies=entries or None, may_use=brand.cookie_policy.may if entries else None,
                      not_used=list(brand.cookie_policy.not_used))


def to_json(document: BaseModel | dict) -> str:
    """Stable JSON: sorted keys, two-space indent, UTF-8 text, one trailing newline."""
    data = document.model_dump(mode="json") if isinstance(document, BaseModel) else document
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- the Atom feed -----------------------------------------------------------

# XML 1.0 has no way to write these; the model refuses them in facts, and the feed never carries one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Text ElementTree can write as well-formed XML: each character XML 1.0 forbids becomes U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _urn(*parts: str) -> str:
    """A stable id for a brand without a domain: a name-based UUID, the same on every build."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "legalsite:" + ":".join(parts)).urn


def changes_feed(brand: Brand, slug: str, pages: list[str], titles: dict[str, str],
                 versions: dict[int, str] | None = None) -> str:
    """The brand's changes as an Atom 1.0 feed (RFC 4287), newest first. ``versions``: a change's index → the
    path of the version it starts ("versions/2027-01-02/"), linked as related, so a reader can open the new text."""
    base = f"https://{brand.domain}/" if brand.domain else ""
    ElementTree.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
        if text is not None:
            element.text = xml_text(text)
        return element

    ordered = sorted(enumerate(brand.changes), key=lambda item: (item[1].date, item[0]), reverse=True)
    updated = page_dates(brand, ["changes"])["changes"]  # the newest change, or the policy's own date
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", f"{brand.name}: changes to our policies")
    sub(feed, "id", f"{base}changes.xml" if base else _urn(slug, "changes"))
    sub(feed, "updated", _stamp(updated) if updated else "1970-01-01T00:00:00Z")
    sub(feed, "link", rel="self", type="application/atom+xml", href=f"{base}changes.xml")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base}changes/")
    sub(sub(feed, "author"), "name", brand.name)
    sub(feed, "generator", "legalsite")
    for index, change in ordered:
        entry = sub(feed, "entry")
        sub(entry, "title", change.summary)
        sub(entry, "id", f"{base}changes/#{change_anchor(brand, index)}" if base else _urn(slug, "change", str(index)))
        sub(entry, "published", _stamp(change.date))
        sub(entry, "updated", _stamp(change.date))
        sub(entry, "link", rel="alternate", type="text/html", href=f"{base}changes/#{change_anchor(brand, index)}")
        if versions and index in versions:
            sub(entry, "link", rel="related", type="text/html", href=f"{base}{versions[index]}")
        if change.material:
            sub(entry, "category", term="material", label="Material change")
        sub(entry, "summary", change_text(brand, change, pages, titles), type="text")
    ElementTree.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="unicode") + "\n"


def change_text(brand: Brand, change: Change, pages: list[str], titles: dict[str, str]) -> str:
    """A change in plain words, for the feed: what, whether material, when effective, which pages."""
    words = [change.summary.rstrip(".") + "."]
    if change.material:
        words.append("This is a material change.")
    if change.effective:
        words.append(f"It takes effect on {display(change.effective)}.")
    touched = [titles[p] for p in changed_pages(brand, change, pages)]
    if touched:
        words.append(f"Pages updated: {', '.join(touched)}.")
    return " ".join(words)


def write_schemas(folder: Path = SCHEMAS_DIR) -> list[Path]:
    """Write the shipped JSON Schemas (a test fails when they drift from the models above)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = folder / f"{name}.schema.json"
        path.write_text(to_json(schema(name)), encoding="utf-8")
        written.append(path)
    return written
