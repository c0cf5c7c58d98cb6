"""Whole-build tests on the shipped content: every fact shows where it should, and nowhere it shouldn't.

The expectations are computed from the loaded model (each field declares the
pages that show it, walked by ``legalsite.checks.pages.shown_facts``), not from a hand-kept list,
and checked here against the final HTML rather than the Markdown the check rule sees.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from legalsite.build import build
from legalsite.checks.pages import shown_facts
from legalsite.project import Project, load_project
from legalsite.render import display, pages_for

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def shipped() -> Project:
    return load_project(ROOT)


@pytest.fixture(scope="module")
def site(shipped: Project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "site"
    build(shipped, out)
    return out


def page_file(site: Path, slug: str, page: str) -> Path:
    return site / slug / ("index.html" if page == "index" else f"{page}/index.html")


def article_text(path: Path) -> str:
    """The words a visitor reads in the page body (not the navigation), whitespace collapsed, case folded."""
    raw = path.read_text(encoding="utf-8")
    body = re.search(r"<article[^>]*>(.*?)</article>", raw, re.DOTALL).group(1)
    body = re.sub(r'<a class="headerlink".*?</a>', "", body)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return " ".join(text.split()).casefold()


def test_every_brand_builds_its_pages(shipped: Project, site: Path):
    assert sorted(p.name for p in site.iterdir() if p.is_dir()) == sorted(shipped.brands)
    for slug, brand in shipped.brands.items():
        for page in pages_for(brand):
            assert page_file(site, slug, page).is_file(), (slug, page)


def test_idclinks_publishes_no_cookie_page(site: Path):
    assert not (site / "idclinks" / "cookies").exists()
    assert (site / "linkrapi" / "cookies" / "index.html").is_file()
    assert (site / "journeyapi" / "cookies" / "index.html").is_file()


@pytest.mark.parametrize("slug", ["idclinks", "journeyapi", "linkrapi"])
def test_every_fact_appears_on_its_pages(shipped: Project, site: Path, slug: str):
    brand = shipped.brands[slug]
    published = pages_for(brand)
    texts = {page: article_text(page_file(site, slug, page)) for page in published}
    missing = []
    checked = 0
    for loc, page, words in shown_facts(brand, slug, shipped.vendors):
        field = ".".join(map(str, loc))
        if page not in published:
            continue
        checked += 1
        if " ".join(words.split()).casefold() not in texts[page]:
            missing.append(f"{field} = {words!r} is not on the {page} page")
    assert checked > 50, "the walk over the model found too few facts to be meaningful"
    assert not missing, "\n".join(missing)


def test_every_field_declares_its_pages():
    """A new fact field must say which page shows it (or explicitly none), or the test above can't see it."""
    from legalsite import model as facts

    classes = [c for c in vars(facts).values()
               if isinstance(c, type) and issubclass(c, facts.Fact) and c is not facts.Fact]
    undeclared = [f"{c.__name__}.{n}" for c in classes for n, i in c.model_fields.items()
                  if "pages" not in (i.json_schema_extra or {})]
    assert not undeclared


@pytest.mark.parametrize("slug", ["idclinks", "journeyapi", "linkrapi"])
def test_no_page_shows_another_brands_facts(shipped: Project, site: Path, slug: str):
    used = {u.vendor for u in shipped.brands[slug].sharing.vendors}
    used |= {v for g in shipped.brands[slug].sharing.groups for v in g.includes}
    used |= set(shipped.brands[slug].sharing.also_named)  # named in the brand's own sentences, by its policy
    foreign = []
    for other, brand in shipped.brands.items():
        if other != slug:
            foreign += [brand.name, other] + [x for x in (brand.domain, brand.contact.email) if x]
    foreign += [v.name for vid, v in shipped.vendors.items() if vid not in used]
    for path in sorted((site / slug).rglob("*")):
        if path.suffix not in (".html", ".xml", ".json"):
            continue
        text = html.unescape(path.read_text(encoding="utf-8")).casefold()
        for word in foreign:
            assert not re.search(rf"(?<![\w-]){re.escape(word.casefold())}(?![\w-])", text), \
                f"{path.relative_to(site)} mentions {word!r}, which is not {slug}'s"


def test_last_updated_line_and_sitemap_dates_come_from_facts(shipped: Project, site: Path):
    for slug, brand in shipped.brands.items():
        sitemap = ElementTree.parse(site / slug / "sitemap.xml").getroot()
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        lastmods = {e.text for e in sitemap.iterfind(".//s:lastmod", ns)}
        for page in pages_for(brand):
            text = article_text(page_file(site, slug, page))
            if brand.dates.last_updated:
                assert f"last updated: {display(brand.dates.last_updated)}".casefold() in text
            else:
                assert "last updated:" not in text  # LinkrAPI's seed gives no date: none is invented
        if brand.dates.last_updated and brand.domain:
            assert lastmods == {brand.dates.last_updated.isoformat()}
        elif not brand.dates.last_updated:
            assert lastmods == set()  # no date in the facts: none from the build clock either
        html_text = page_file(site, slug, "privacy").read_text(encoding="utf-8")
        if brand.dates.last_updated:
            assert f'<meta name="dcterms.modified" content="{brand.dates.last_updated.isoformat()}">' in html_text


def test_site_url_comes_from_the_domain(shipped: Project, site: Path):
    for slug, brand in shipped.brands.items():
        locs = (site / slug / "sitemap.xml").read_text(encoding="utf-8")
        if brand.domain:
            assert f"<loc>https://{brand.domain}/privacy/</loc>" in locs
        else:
            assert "<loc>" not in locs  # no domain in the seed, so no invented address
