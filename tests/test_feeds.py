"""The machine-readable files: subprocessors.json, cookies.json (against the shipped schemas) and changes.xml (Atom)."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import jsonschema
import pytest

from legalsite.build import build, build_project
from legalsite.checks import run_checks
from legalsite.feeds import (
    ATOM,
    SCHEMAS,
    SCHEMAS_DIR,
    schema,
    to_json,
)
from legalsite.project import load_project

ROOT = Path(__file__).parents[1]
SHIPPED = load_project(ROOT)
JOURNEYAPI = "content/brands/journeyapi.yaml"
A = f"{{{ATOM}}}"

# Two changes on different pages, a day apart; the second is material, with 30 days' notice.
CHANGES = """changes:
  - date: 2026-04-02
    summary: The security page names our encryption at rest.
    facts: [security.measures]
  - date: 2026-04-10
    summary: API usage data is described more precisely.
    material: true
    effective: 2026-05-20
    facts: [data_collected.api_usage.items]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lists") / "site"
    build(load_project(ROOT), out)
    return out


@pytest.fixture
def changed(project, edit) -> Path:
    """The project with JourneyAPI's CHANGES recorded, built; returns the JourneyAPI site folder."""
    edit(project / JOURNEYAPI, "changes: []\n", CHANGES)
    build_project(project)
    return project / "site" / "journeyapi"


def shipped_schema(name: str) -> dict:
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schema_matches_the_model(name):
    assert (SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8") == to_json(schema(name)), (
        "generator/schemas/ is out of date; regenerate it with: "
        "python -c 'from legalsite.feeds import write_schemas; write_schemas()'")


@pytest.mark.parametrize("slug", sorted(SHIPPED.brands))
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_lists_validate_against_the_shipped_schema(site, slug, name):
    data = json.loads((site / slug / f"{name}.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(shipped_schema(name), format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors


def test_the_schema_refuses_a_list_that_breaks_it(site):
    """The schema check can fail: an unknown key and a wrong category are both refused."""
    data = json.loads((site / "journeyapi" / "cookies.json").read_text(encoding="utf-8"))
    data["cookies"][0]["category"] = "tracking"
    data["surprise"] = True
    errors = list(jsonschema.Draft202012Validator(shipped_schema("cookies")).iter_errors(data))
    assert len(errors) == 2


@pytest.mark.parametrize("slug", sorted(SHIPPED.brands))
def test_subprocessor_list_is_the_brands_vendors(site, slug):
    brand = SHIPPED.brands[slug]
    data = json.loads((site / slug / "subprocessors.json").read_text(encoding="utf-8"))
    categories = {c.id: c.name for c in brand.data_collected}
    expected = [{"id": u.vendor, "name": SHIPPED.vendors[u.vendor].name, "purpose": u.purpose, "role": u.role,
                 "service": SHIPPED.vendors[u.vendor].service,
                 # what a policy does not say is null, never an empty list that reads as "none"
                 "data_categories": [categories[c] for c in u.shares] or None,
                 "data_received": [categories[c] for c in u.receives] or None} for u in brand.sharing.vendors]
    got = [{k: s[k] for k in expected[0]} for s in data["subprocessors"] or []] if expected else data["subprocessors"]
    assert got == (expected or None)
    # The list says whether it is complete as the policy gives it, and names the companies in the policy's words.
    listed = brand.sharing.vendors or brand.sharing.groups
    assert data["illustrative"] is (brand.sharing.vendors_examples if listed else None)
    assert data["providers_term"] == brand.sharing.providers_term
    assert [g["name"] for g in data["provider_groups"]] == [g.name for g in brand.sharing.groups]
    notice = brand.sharing.change_notice
    assert data["change_notice"] == ({"amount": notice.amount, "unit": notice.unit} if notice else None)


@pytest.mark.parametrize("slug", sorted(SHIPPED.brands))
def test_cookie_list_is_the_brands_cookies(site, slug):
    brand = SHIPPED.brands[slug]
    data = json.loads((site / slug / "cookies.json").read_text(encoding="utf-8"))
    if not brand.cookies:
        assert data["cookies"] is None  # silent facts are null, never an empty "no cookies" promise
        return
    # Only what the brand states: a category, a setter or a consent answer it leaves out is null, never inferred.
    assert [(c["purpose"], c["category"], c["consent_required"], c["storage"]) for c in data["cookies"]] == [
        (c.purpose, c.category, c.consent_required, c.storage) for c in brand.cookies]
    assert data["may_use"] is brand.cookie_policy.may
    assert data["not_used"] == list(brand.cookie_policy.not_used)


def parse_atom(path: Path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, f"{path} is not well-formed: {feed.get('bozo_exception')}"
    assert feed.version == "atom10"
    return feed


def assert_rfc4287(path: Path) -> ElementTree.Element:
    """The elements RFC 4287 requires: feed id, title, updated and an author; each entry id, title, updated."""
    root = ElementTree.parse(path).getroot()
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{A}{tag}")) == 1, f"the feed needs exactly one <{tag}>"
    for entry in root.findall(f"{A}entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{tag}")) == 1, f"each entry needs exactly one <{tag}>"
        assert entry.findall(f"{A}summary") or entry.findall(f"{A}content")
    ids = [e.findtext(f"{A}id") for e in root.findall(f"{A}entry")]
    assert len(set(ids)) == len(ids), "entry ids must be unique"
    return root


@pytest.mark.parametrize("slug", sorted(SHIPPED.brands))
def test_shipped_feeds_are_atom_and_list_each_change(site, slug):
    path = site / slug / "changes.xml"
    feed = parse_atom(path)
    assert_rfc4287(path)
    assert [e.title for e in feed.entries] == [c.summary for c in reversed(SHIPPED.brands[slug].changes)]


def test_feed_lists_changes_newest_first_with_material_flag(changed):
    feed = parse_atom(changed / "changes.xml")
    root = assert_rfc4287(changed / "changes.xml")
    assert [e.title for e in feed.entries] == ["API usage data is described more precisely.",
                                              "The security page names our encryption at rest."]
    assert feed.feed.updated.startswith("2026-04-10")
    newest = feed.entries[0]
    assert [t.term for t in newest.tags] == ["material"]
    assert "takes effect on May 20, 2026" in newest.summary and "Privacy Policy" in newest.summary
    assert "Security" not in newest.summary
    assert root.find(f"{A}entry/{A}link").get("href").endswith("changes/#change-2026-04-10")


def page_date(site: Path, page: str) -> str | None:
    html = (site / ("index.html" if page == "index" else f"{page}/index.html")).read_text(encoding="utf-8")
    marker = '<meta name="dcterms.modified" content="'
    return html.split(marker, 1)[1][:10] if marker in html else None


def test_each_page_is_dated_by_the_changes_that_touched_it(changed):
    """The policy's own date is 2026-03-26; each change moves only the pages showing the facts it names."""
    assert page_date(changed, "security") == "2026-04-02"
    assert page_date(changed, "privacy") == "2026-04-10"
    assert page_date(changed, "cookies") == "2026-03-26"
    assert page_date(changed, "index") == page_date(changed, "changes") == "2026-04-10"
    security = (changed / "security" / "index.html").read_text(encoding="utf-8")
    assert 'Last updated: <time datetime="2026-04-02">April 2, 2026</time>' in security
    cookies = json.loads((changed / "cookies.json").read_text(encoding="utf-8"))
    assert cookies["last_updated"] == "2026-03-26"  # no change touched the cookie facts


def test_changes_page_lists_each_change_with_its_pages(changed):
    text = (changed / "changes" / "index.html").read_text(encoding="utf-8")
    assert text.index('id="change-2026-04-10"') < text.index('id="change-2026-04-02"')
    assert "Material change." in text and '<time datetime="2026-05-20">May 20, 2026</time>' in text
    landing = (changed / "index.html").read_text(encoding="utf-8")
    assert '<time datetime="2026-04-02">April 2, 2026</time>' in landing  # the Security row


def test_a_change_naming_a_fact_that_does_not_exist_is_refused(project, edit, where):
    text = edit(project / JOURNEYAPI, "changes: []\n", CHANGES.replace("api_usage.items", "api_usage.itmes"))
    found = [f for f in run_checks(load_project(project)) if f.rule == "change-fact-unknown"]
    assert [(f.line, f.column) for f in found] == [where(text, "data_collected.api_usage.itmes")]
    assert "'data_collected.api_usage.itmes' is not a fact" in found[0].message
    assert "items" in found[0].message  # the keys that do come after api_usage


def test_a_change_naming_an_item_that_does_not_exist_lists_the_items(project, edit):
    edit(project / JOURNEYAPI, "changes: []\n", CHANGES.replace("api_usage.items", "api_logs.items"))
    found = [f for f in run_checks(load_project(project)) if f.rule == "change-fact-unknown"]
    assert len(found) == 1 and "has no item 'api_logs'" in found[0].message and "api_usage" in found[0].message

