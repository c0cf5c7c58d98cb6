"""The built sites in a real browser: titles, dates, table of contents, dark mode, consent banner and axe-core.

The repository's own content is built once per session into a temp folder,
served on 127.0.0.1 and opened in one headless Chromium (Debian's, through
Playwright; nothing is downloaded). The tests that only look share one tab per
page and colour scheme (pytest runs each page's tests together); the tests that
click or store something get a fresh browser context, so no stored palette or
consent choice leaks from one test into another.

Without a Chromium the browser tests are skipped; with LEGALSITE_REQUIRE_BROWSER=1
(as in CI) they fail instead.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser tests skip (or fail, in CI) in the browser fixture
    PlaywrightTimeout = TimeoutError

from conftest import ENGINE_SEARCH, need_browser, wait_for

from legalsite.browser import (
    PALETTE_SETTLED,
    find_chromium,
    page_name,
    serve_folder,
    site_pages,
)
from legalsite.cli import cli
from legalsite.errors import UsageError
from legalsite.history import find_history
from legalsite.model import page_dates
from legalsite.project import load_project
from legalsite.publish import MARKER
from legalsite.render import PAGE_TITLES, pages_for

REPO_ROOT = Path(__file__).resolve().parents[1]


def _project_with_consent() -> Path:
    """The shipped project, except that JourneyAPI states its analytics cookie is set only with consent.

    No seed policy says so (so no shipped brand shows a banner), but the banner must be tried in a browser.
    """
    root = Path(tempfile.mkdtemp(prefix="legalsite-browser-"))
    atexit.register(shutil.rmtree, root, True)
    for folder in ("content", "templates", "schemas"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    shutil.copy2(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    brand = root / "content" / "brands" / "journeyapi.yaml"
    text = brand.read_text(encoding="utf-8")
    assert "  - purpose: basic analytics\n" in text, "the shipped JourneyAPI no longer lists its analytics cookie"
    brand.write_text(text.replace("  - purpose: basic analytics\n",
                                  "  - purpose: basic analytics\n    category: analytics\n    consent_required: true\n"),
                     encoding="utf-8")
    return root


PROJECT_ROOT = _project_with_consent()
PROJECT = load_project(PROJECT_ROOT)
# Each brand's pages, and its Versions page when it has a dated version (the shipped ones date their policy).
HISTORY = find_history(PROJECT)
PAGES = [(slug, page) for slug, brand in PROJECT.brands.items()
         for page in pages_for(brand) + (["versions"] if HISTORY.dated(slug) else [])]
PAGE_IDS = [f"{slug}-{page}" for slug, page in PAGES]
SCHEMES = {"light": "default", "dark": "slate"}  # Playwright's color_scheme → Material's data-md-color-scheme
BLOCKING = ("serious", "critical")
VIEWPORT = {"width": 1280, "height": 900}  # wide enough for Material's table-of-contents sidebar

NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"
CONSENT = '[data-md-component="consent"]'
ACCEPT = f"{CONSENT} button.md-button--primary:not([type=reset])"
# The table of contents' links to this page's own headings: "#id" in the HTML, made absolute by navigation.instant.
TOC_TARGETS = """() => [...document.querySelectorAll('nav.md-nav--secondary a.md-nav__link[href]')]
    .map(a => new URL(a.href, location.href))
    .filter(u => u.hash && u.origin + u.pathname === location.origin + location.pathname)
    .map(u => decodeURIComponent(u.hash.slice(1)))"""


def url_of(slug: str, page: str) -> str:
    return f"{slug}/" if page == "index" else f"{slug}/{page}/"


def wants_consent(slug: str) -> bool:
    return any(c.consent_required for c in PROJECT.brands[slug].cookies)


# --- the built site, the server and the browser -----------------------------------

@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    from legalsite.build import build_project

    out = tmp_path_factory.mktemp("browser") / "site"
    build_project(PROJECT_ROOT, out=out)
    return out


@pytest.fixture(scope="session")
def base_url(built_site) -> str:
    with serve_folder(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    chromium = need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield browser
        browser.close()


def new_context(browser, scheme: str):
    context = browser.new_context(color_scheme=scheme, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    return context


def load(context, url: str):
    """A new tab of ``context`` at ``url``, once Material has applied its colour scheme."""
    tab = context.new_page()
    response = tab.goto(url, wait_until="load")
    assert response is not None and response.ok, f"GET {url}: {response and response.status}"
    tab.wait_for_function(PALETTE_SETTLED)
    return tab


@pytest.fixture(scope="session")
def viewing(browser):
    """One context per colour scheme for the tests that only look (they store no palette or consent choice)."""
    contexts = {scheme: new_context(browser, scheme) for scheme in SCHEMES}
    yield contexts
    for context in contexts.values():
        context.close()


class Shown:
    """One page of one brand, opened once per colour scheme (on first use) and shared by the tests that only look."""

    def __init__(self, slug: str, page: str, url: str, viewing):
        self.slug, self.page, self.url, self._viewing, self._tabs = slug, page, url, viewing, {}

    def tab(self, scheme: str = "light"):
        if scheme not in self._tabs:
            self._tabs[scheme] = load(self._viewing[scheme], self.url)
        return self._tabs[scheme]

    def close(self) -> None:
        for tab in self._tabs.values():
            tab.close()


@pytest.fixture(scope="module", params=PAGES, ids=PAGE_IDS)
def shown(request, viewing, base_url):
    """Module-scoped, so pytest runs every test of one page together and opens each page once."""
    slug, page = request.param
    view = Shown(slug, page, base_url + url_of(slug, page), viewing)
    yield view
    view.close()


@pytest.fixture
def open_page(browser, base_url):
    """``open_page(url, scheme="light")``: the page at ``base_url + url`` in a fresh context preferring ``scheme``,
    for tests that click or store something."""
    contexts = []

    def open_(url: str, scheme: str = "light"):
        contexts.append(new_context(browser, scheme))
        return load(contexts[-1], base_url + url)

    yield open_
    for context in contexts:
        context.close()


def scheme_of(tab) -> str | None:
    return tab.evaluate("() => document.body.getAttribute('data-md-color-scheme')")


def consent_banner(tab, wait_ms: int = 1_000) -> bool:
    """Whether the page shows Material's consent form, allowing for the 250 ms after load it waits to show it."""
    if not tab.locator(CONSENT).count():
        return False
    with contextlib.suppress(PlaywrightTimeout):
        tab.locator(f"{CONSENT} form.md-consent__form").wait_for(state="visible", timeout=wait_ms)
    return tab.locator(f"{CONSENT} form.md-consent__form").is_visible()


def accept_consent(tab) -> None:
    """Accept the consent banner if the page shows one (it covers the page and catches clicks)."""
    if consent_banner(tab, 3_000):
        with tab.expect_navigation():  # Material stores the choice and reloads
            tab.locator(ACCEPT).first.click()
        tab.wait_for_function(PALETTE_SETTLED)


@functools.cache
def axe():
    """axe_playwright_python's Axe, which reads axe-core's script once."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def serious_violations(tab) -> list[dict]:
    """axe-core's serious and critical violations, once transitions and the consent banner have settled."""
    consent_banner(tab)  # audit the banner too, where there is one
    tab.add_style_tag(content=NO_TRANSITIONS)
    violations = axe().run(tab).response["violations"]
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe(violations: list[dict], where: str) -> str:
    lines = [f"{len(violations)} serious/critical axe-core violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v["nodes"][:5]:
            detail = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {', '.join(map(str, node['target']))}: {detail[:240]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more element(s)")
    return "\n".join(lines)


# --- every page of every brand -----------------------------------------------------

def test_title(shown):
    assert shown.tab().title() == f"{PAGE_TITLES[shown.page]} - {PROJECT.brands[shown.slug].name}"


def test_last_updated(shown):
    brand = PROJECT.brands[shown.slug]
    # From the facts: the policy's date and the changes (the Versions page, a list of dated versions, has none).
    updated = page_dates(brand, pages_for(brand)).get(shown.page)
    expected = updated.isoformat() if updated else None
    tab = shown.tab()
    meta = tab.locator('meta[name="dcterms.modified"]')
    modified = meta.first.get_attribute("content") if meta.count() else None
    assert modified == expected, f"<meta name=\"dcterms.modified\"> says {modified}; the facts give {expected}"
    line = tab.locator("p.legal-dates", has_text="Last updated")
    if expected is None:
        assert line.count() == 0, f"a 'Last updated' line on a page with no date: {line.all_inner_texts()}"
        return
    assert line.count() == 1 and line.is_visible(), f"no visible 'Last updated' line: {line.all_inner_texts()}"
    time = line.locator("time[datetime]")
    assert time.count(), "the 'Last updated' line has no <time datetime=\"YYYY-MM-DD\">"
    assert time.first.get_attribute("datetime") == modified, (
        f"the 'Last updated' line's <time datetime> {time.first.get_attribute('datetime')} != dcterms.modified "
        f"{modified}")


def test_table_of_contents(shown):
    tab = shown.tab()
    targets = tab.evaluate(TOC_TARGETS)
    missing = [t for t in targets if not tab.evaluate("id => !!document.getElementById(id)", t)]
    assert not missing, f"table-of-contents links to ids that are not on the page: {missing}"
    headings = tab.locator("article.md-content__inner h2").count()
    if headings:
        assert targets, f"{headings} ## heading(s) but no table-of-contents entry"
        toc = tab.locator(".md-sidebar--secondary nav.md-nav--secondary a.md-nav__link")
        assert toc.filter(visible=True).count(), "the table of contents is not visible at 1280 px"


def test_consent_banner(shown):
    wanted = wants_consent(shown.slug)
    assert consent_banner(shown.tab(), 3_000 if wanted else 400) == wanted, (
        f"the consent banner must show exactly on brands that state a cookie needs consent, and {shown.slug} "
        f"{'sets some' if wanted else 'sets none'}")
    if wanted:
        assert shown.tab().locator(ACCEPT).is_visible(), "the consent banner has no button to accept"


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_axe(shown, scheme):
    tab = shown.tab(scheme)
    assert scheme_of(tab) == SCHEMES[scheme], f"the {scheme} scheme did not apply"
    violations = serious_violations(tab)
    assert not violations, describe(violations, f"{shown.url} ({scheme})")


@pytest.mark.parametrize(("slug", "page"), PAGES, ids=PAGE_IDS)
def test_dark_mode_toggle(open_page, slug, page):
    tab = open_page(url_of(slug, page), "light")
    if consent_banner(tab):  # it covers the header; test_consent_* check it, this test checks the toggle
        tab.locator(CONSENT).evaluate("banner => { banner.hidden = true; }")
    assert scheme_of(tab) == "default"
    toggles = tab.locator('label.md-header__button[for^="__palette"]')
    assert toggles.filter(visible=True).count() == 1, "exactly one palette toggle should be visible"
    toggles.filter(visible=True).first.click()
    tab.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'slate'")
    toggles.filter(visible=True).first.click()
    tab.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'default'")
    assert scheme_of(tab) == "default"


@pytest.mark.parametrize("slug", list(PROJECT.brands))
def test_search_finds_the_pages_that_name_a_vendor(open_page, built_site, base_url, slug):
    """A visitor searches for a vendor the brand's facts name (else for its privacy policy), and the first
    page offered names it."""
    brand = PROJECT.brands[slug]
    uses = brand.sharing.vendors if brand.sharing else []
    query = PROJECT.vendors[uses[0].vendor].name if uses else PAGE_TITLES["privacy"]
    naming = {urlsplit(base_url + url_of(slug, page)).path for page in pages_for(brand)
              if query.lower() in (built_site / url_of(slug, page) / "index.html").read_text(encoding="utf-8").lower()}
    assert naming, f"no page of {slug} names {query!r}"
    tab = open_page(url_of(slug, "index"))
    if consent_banner(tab):
        tab.locator(CONSENT).evaluate("banner => { banner.hidden = true; }")
    tab.locator(ENGINE_SEARCH["open"]).filter(visible=True).first.click()
    tab.keyboard.type(query)  # as a visitor types (Material searches on key presses)
    results = tab.locator(ENGINE_SEARCH["result"])
    results.first.wait_for(state="visible")

    def settled():  # the same results twice, a quarter of a second apart: not those of "Cl" while "Clerk" is typed
        before = results.evaluate_all("links => links.map(link => link.href)")
        tab.wait_for_timeout(250)
        after = results.evaluate_all("links => links.map(link => link.href)")
        return after if after == before else None

    found = [urlsplit(href).path for href in wait_for(settled, "the search results to settle", 10)]
    assert found[0] in naming, (query, found, naming)  # search may be fuzzy further down, never first


@pytest.mark.parametrize("slug", [slug for slug in PROJECT.brands if wants_consent(slug)])
def test_consent_is_remembered(open_page, base_url, slug):
    tab = open_page(url_of(slug, "index"))
    assert consent_banner(tab, 3_000), "no consent banner on a brand that states a cookie needs consent"
    accept_consent(tab)
    for page in pages_for(PROJECT.brands[slug]):
        tab.goto(base_url + url_of(slug, page), wait_until="load")
        assert not consent_banner(tab, 400), f"the banner came back on {page} after the visitor accepted"


def test_built_pages_are_the_pages_each_brand_publishes(built_site):
    assert site_pages(built_site) != []
    assert sorted(site_pages(built_site)) == sorted((slug, url_of(slug, page)) for slug, page in PAGES)


# --- the site's own index: the list of brands ---------------------------------------

def test_index_links_every_brand(built_site, open_page, base_url):
    assert (built_site / "index.html").is_file(), "the build wrote no site/index.html listing the brands"
    tab = open_page("")
    hrefs = set(tab.locator("a[href]").evaluate_all("links => links.map(a => a.href)"))
    missing = [slug for slug in PROJECT.brands
               if not {f"{base_url}{slug}/", f"{base_url}{slug}/index.html"} & hrefs]
    assert not missing, f"site/index.html has no link to these brands' folders: {missing}"


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_index_axe(built_site, open_page, scheme):
    assert (built_site / "index.html").is_file(), "the build wrote no site/index.html listing the brands"
    tab = open_page("", scheme)
    assert tab.evaluate(f"() => matchMedia('(prefers-color-scheme: {scheme})').matches")
    if scheme_of(tab) is not None:
        assert scheme_of(tab) == SCHEMES[scheme], f"the {scheme} scheme did not apply"
    violations = serious_violations(tab)
    assert not violations, describe(violations, f"/index.html ({scheme})")


# --- screenshots ----------------------------------------------------------------------

def test_screenshots(built_site, browser, tmp_path):
    # A site of one brand with only its landing page, photographed by the CLI in a process of its own
    # (Playwright's sync API does not nest inside this session's).
    brand = tmp_path / "site" / "linkrapi"
    brand.mkdir(parents=True)
    for name in ("index.html", "assets"):
        (brand / name).symlink_to(built_site / "linkrapi" / name)
    out = tmp_path / "shots"
    (out / "stale").mkdir(parents=True)  # replaced as a whole: an earlier run's folder, so it carries the marker
    (out / MARKER).write_text("", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(tmp_path), "screenshots",
                             "--site", str(brand.parent), "--out", str(out)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    expected = [out / "linkrapi" / f"index-{scheme}.png" for scheme in SCHEMES]
    assert result.stdout.splitlines() == [*map(str, expected), f"Wrote 2 screenshot(s) into {out}."]
    assert sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER) == sorted(expected)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging folder left
    tab = browser.new_page()
    light, dark = (brightness(tab, png) for png in expected)
    tab.close()
    assert light > 200 and dark < 80, f"mean brightness below the header: light {light:.0f}, dark {dark:.0f}"


def brightness(tab, png: Path) -> float:
    """Mean brightness (0-255) of a PNG below its header, measured with a canvas in the browser."""
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = base64.b64encode(png.read_bytes()).decode()
    return tab.evaluate("""async (data) => {
        const img = new Image();
        img.src = 'data:image/png;base64,' + data;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = 64; canvas.height = 64;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 200, img.width, img.height - 200, 0, 0, 64, 64);
        const px = ctx.getImageData(0, 0, 64, 64).data;
        let sum = 0;
        for (let i = 0; i < px.length; i += 4) sum += (px[i] + px[i + 1] + px[i + 2]) / 3;
        return sum / (px.length / 4);
    }""", data)


# --- without a browser: finding Chromium, listing pages, the CLI's usage errors ---------

def test_site_pages(tmp_path):
    for path in ("index.html", "a/index.html", "a/404.html", "a/privacy/index.html", "a/cookies/index.html",
                 "a/search/index.html", "a/assets/app.css", "b/notes.txt", ".cache/index.html", "c/index.html"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    assert site_pages(tmp_path) == [("a", "a/"), ("a", "a/cookies/"), ("a", "a/privacy/"), ("c", "c/")]
    assert [page_name(url) for _, url in site_pages(tmp_path)] == ["index", "cookies", "privacy", "index"]
    assert site_pages(tmp_path / "missing") == []


def test_find_chromium(tmp_path, monkeypatch):
    binary = tmp_path / "my-chromium"
    binary.write_text("")
    monkeypatch.setenv("LEGALSITE_CHROMIUM", str(binary))
    assert find_chromium() == str(binary)
    monkeypatch.setenv("LEGALSITE_CHROMIUM", str(tmp_path / "nowhere"))
    with pytest.raises(UsageError, match="LEGALSITE_CHROMIUM"):
        find_chromium()
    monkeypatch.delenv("LEGALSITE_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() is None
    binary.chmod(0o755)
    binary.rename(tmp_path / "chromium-browser")
    assert find_chromium() == str(tmp_path / "chromium-browser")


def test_serve_folder(tmp_path):
    from urllib.error import URLError
    from urllib.request import urlopen

    (tmp_path / "hello.txt").write_text("hi")
    with serve_folder(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        with urlopen(url + "hello.txt", timeout=5) as response:
            assert response.read() == b"hi"
    with pytest.raises(URLError):
        urlopen(url + "hello.txt", timeout=5)


def test_screenshots_without_a_built_site(tmp_path):
    (tmp_path / "site").mkdir()
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "screenshots"])
    assert result.exit_code == 2, result.output
    assert "legalsite build" in result.output
    assert not (tmp_path / "site-screenshots").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize("slug", list(PROJECT.brands))
def test_print_shows_the_policy_without_navigation(open_page, slug):
    tab = open_page(url_of(slug, "privacy"))
    tab.emulate_media(media="print")
    for selector in (".md-header", ".md-tabs", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer",
                     ".md-consent__form"):
        shown = [i for i in range(tab.locator(selector).count()) if tab.locator(selector).nth(i).is_visible()]
        assert not shown, f"{selector} is printed"
    heading = tab.locator(".legal-print-only")
    assert heading.is_visible() and PROJECT.brands[slug].name in heading.inner_text()
    assert tab.locator("article h1").is_visible()
    tab.emulate_media(media="screen")
    assert not heading.is_visible()
