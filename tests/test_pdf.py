"""PDF copies of built pages: printed by Chromium, read back with pypdf, byte for byte the same on every print.

The repository's content is built once into a temp folder; one PdfPrinter (one
headless Chromium) prints its pages for every test of this module. What the PDFs
must say is taken from the brand's YAML (its name, a category of data it collects,
a security measure), not from the built HTML.

Without Playwright or a Chromium the printing tests are skipped; with
LEGALSITE_REQUIRE_BROWSER=1 (as in CI) they fail instead. The tests of names, CSS
escaping and PDF dates need no browser.
"""

from __future__ import annotations

import datetime
import functools
import re
import shutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from conftest import need_browser
from hypothesis import example, given
from hypothesis import strategies as st
from pypdf import PdfReader

from legalsite.browser import launch_chromium
from legalsite.errors import BuildError
from legalsite.pdf import PdfPage, PdfPrinter, css_string, page_css, pdf_date, pdf_name, set_pdf_dates
from legalsite.render import PAGE_TITLES

REPO = Path(__file__).resolve().parents[1]
SLUG = "linkrapi"
BUILD_DATE = datetime.date(2026, 12, 23)
VERSION = "Version of 23 December 2026"
HOSTILE = 'Evil "Co" \\ Ltd\n*/ } @page { margin: 0 } \'x\' <b>&amp;\\22 </style>'




def words(text: str) -> str:
    """Text with every run of white space as one space: how a sentence reads whatever the line breaks."""
    return " ".join(text.split())


def read_pdf(path: Path) -> list[str]:
    """The text of each page of the PDF at ``path``, white space normalised."""
    return [words(page.extract_text()) for page in PdfReader(path).pages]


# --- reading CSS back as a browser does (CSS Syntax Level 3, §3.3 and §4.3.5-4.3.7) -------------

_HEX = set("0123456789abcdefABCDEF")


def read_css_strings(css: str) -> list[str]:
    """The values of the string tokens of ``css``, which must be nothing but strings and white space."""
    css = re.sub("\r\n|[\r\f]", "\n", css)
    css = re.sub("[\x00\ud800-\udfff]", "\ufffd", css)
    strings, i = [], 0
    while True:
        while i < len(css) and css[i] in " \t\n":
            i += 1
        if i == len(css):
            return strings
        quote = css[i]
        assert quote in "\"'", f"not a string at {i}: {css[i:]!r}"
        i += 1
        chars = []
        while True:
            assert i < len(css), f"the string never ends: {css!r}"
            char = css[i]
            i += 1
            if char == quote:
                break
            assert char != "\n", f"a raw line break ends the string early (a bad-string token): {css!r}"
            if char != "\\":
                chars.append(char)
            elif i < len(css) and css[i] == "\n":
                i += 1  # an escaped line break continues the string
            elif i < len(css) and css[i] in _HEX:
                end = i
                while end < len(css) and end - i < 6 and css[end] in _HEX:
                    end += 1
                code = int(css[i:end], 16)
                i = end + (end < len(css) and css[end] in " \t\n")
                chars.append("\ufffd" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else chr(code))
            elif i < len(css):
                chars.append(css[i])
                i += 1
        strings.append("".join(chars))


def as_css_reads(text: str) -> str:
    """``text`` as CSS holds it: NUL and lone surrogates are U+FFFD."""
    return re.sub("[\x00\ud800-\udfff]", "\ufffd", text)


# Text likely to break a CSS string: quotes, backslashes, line breaks, hex digits after an escape, comment and
# block ends, NUL and other controls, surrogates; mixed with any character at all.
_TRICKY = st.sampled_from(list('"\'\\\n\r\f\t\x00\x01\x1f\x7f\x85 */{};:@<>&aF09') + ["\u2028", "\ud800", "\U0001f600"])
nasty_text = st.text(alphabet=_TRICKY | st.characters(codec=None, exclude_categories=()), max_size=40)


# --- names, CSS and dates: no browser -------------------------------------------------------

def test_pdf_names():
    assert pdf_name("linkrapi", "privacy", "2026-12-23") == "linkrapi-privacy-2026-12-23.pdf"
    assert pdf_name("linkrapi", "privacy", None) == "linkrapi-privacy.pdf"
    assert pdf_name("linkrapi", "privacy", "") == "linkrapi-privacy.pdf"
    assert pdf_name("acme-eu", "cookies", "../../etc/passwd") == "acme-eu-cookies-etc-passwd.pdf"
    assert pdf_name("Acme EU", "Privacy Policy", "v1.2") == "acme-eu-privacy-policy-v1-2.pdf"
    with pytest.raises(ValueError):
        pdf_name("../", "privacy", None)


@given(st.text(max_size=30), st.text(max_size=30), st.none() | st.text(max_size=30))
def test_pdf_names_are_always_safe(slug, page, version):
    try:
        name = pdf_name(slug, page, version)
    except ValueError:
        assert not re.search("[a-z0-9]", slug.lower()) or not re.search("[a-z0-9]", page.lower())
        return
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*\.pdf", name), name


@given(nasty_text)
@example('"')
@example("\\")
@example("a\nb")
@example('"; } body { display: none } x { content: "')
@example("\\22 ")
@example('"a')  # the escape's own space must not swallow a hex digit or a space that follows
@example('" b')
def test_css_strings_read_back_as_written(text):
    literal = css_string(text)
    assert literal[0] == literal[-1] == '"'
    inner = literal[1:-1]
    assert not re.search('["\\n\\r\\f<>&\x00-\x1f\x7f]', inner), literal  # nothing that ends it or HTML reads
    assert read_css_strings(literal) == [as_css_reads(text)]


def test_page_css_says_everything():
    page = PdfPage(Path("a.html"), Path("a.pdf"), "Privacy Policy", 'A "B"', "Current version", "/acme/privacy/")
    css = page_css(page)
    assert '"A \\22 B\\22  · Privacy Policy · Current version"' in css
    assert '"/acme/privacy/"' in css
    assert 'counter(page) " / " counter(pages)' in css


def _tiny_pdf(info: bytes) -> bytes:
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<" + info + b">>\nendobj\n2 0 obj\n<</Type /Catalog>>\nendobj\n"
            b"xref\n0 3\ntrailer\n<</Size 3\n/Root 2 0 R\n/Info 1 0 R>>\nstartxref\n0\n%%EOF\n")


CHROMIUM_INFO = (b"/Title (Privacy Policy - LinkrAPI)\n/Producer (Skia/PDF m156)\n"
                 b"/CreationDate (D:20261203063723+00'00')\n/ModDate (D:20261203063724+00'00')")


def test_pdf_dates_are_set_to_the_build_day_at_the_same_length():
    assert pdf_date(BUILD_DATE) == b"D:20261223000000+00'00'"
    before = _tiny_pdf(CHROMIUM_INFO)
    after = set_pdf_dates(before, BUILD_DATE)
    assert len(after) == len(before)
    assert after == before.replace(b"D:20261203063723+00'00'", b"D:20261223000000+00'00'") \
                          .replace(b"D:20261203063724+00'00'", b"D:20261223000000+00'00'")


@pytest.mark.parametrize("info", [
    b"/CreationDate (D:20261203063723Z)\n/ModDate (D:20261203063723Z)",  # another length: left as it is
    b"/CreationDate <443A32303236>\n/ModDate (not a date)",  # not Chromium's form
    b"/Title (nothing else)",
], ids=["shorter", "other-forms", "no-dates"])
def test_pdf_dates_in_another_form_are_left_alone(info):
    before = _tiny_pdf(info)
    assert set_pdf_dates(before, BUILD_DATE) == before


def test_a_title_cannot_fake_a_date():
    info = b"/Title (x\n/CreationDate \\(D:20200101000000+00'00'\\))\n" + CHROMIUM_INFO.split(b"\n", 2)[2]
    after = set_pdf_dates(_tiny_pdf(info), BUILD_DATE)
    assert b"/CreationDate \\(D:20200101000000+00'00'\\)" in after
    assert after.count(b"D:20261223000000+00'00'") == 2


def test_dates_outside_the_information_dictionary_are_left_alone():
    stream = b"3 0 obj\n<</Length 40>>\nstream\n/CreationDate (D:20261203063723+00'00')\nendstream\nendobj\n"
    before = _tiny_pdf(b"/Title (x)").replace(b"xref", stream + b"xref")
    assert set_pdf_dates(before, BUILD_DATE) == before


@given(st.binary(max_size=400))
def test_date_rewriting_never_changes_a_length(data):
    for candidate in (data, _tiny_pdf(data), data + _tiny_pdf(CHROMIUM_INFO)):
        assert len(set_pdf_dates(candidate, BUILD_DATE)) == len(candidate)


def test_a_missing_chromium_says_how_to_install_it(monkeypatch):
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setattr("legalsite.pdf.find_chromium", lambda: None)
    with pytest.raises(BuildError) as raised:
        PdfPrinter()
    message = str(raised.value)
    assert "no Chromium found" in message
    assert "pip install 'legalsite[pdf]'" in message
    assert "apt-get install -y chromium" in message
    assert "legalsite build --no-pdf" in message


def test_a_missing_playwright_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    with pytest.raises(BuildError) as raised:
        PdfPrinter(chromium="/usr/bin/chromium")
    message = str(raised.value)
    assert "Playwright is not installed" in message
    assert "pip install 'legalsite[pdf]'" in message and "legalsite build --no-pdf" in message


def test_a_chromium_that_does_not_start_is_a_build_error(tmp_path):
    need_browser()
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    printer = PdfPrinter(chromium=str(broken), timeout=10)
    with pytest.raises(BuildError, match="did not start") as raised, printer:
        pass
    assert "legalsite build --no-pdf" in str(raised.value)


# --- printing a built site ------------------------------------------------------------------

@pytest.fixture(scope="module")
def facts() -> dict:
    return yaml.safe_load((REPO / "content" / "brands" / f"{SLUG}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The repository's content, built once (as the conftest 'project' fixture copies it)."""
    from legalsite.build import build_project

    need_browser()  # the project's mkdocs.yml may ask for PDF copies, which the build prints with Chromium
    root = tmp_path_factory.mktemp("pdf-project")
    for folder in ("content", "templates", "schemas"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    build_project(root)
    return root / "site"


@pytest.fixture(scope="module")
def printer():
    need_browser()
    with PdfPrinter() as started:
        yield started


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


def _page(site: Path, out: Path, facts: dict, page: str, *, brand: str | None = None, version: str = VERSION,
          name: str | None = None) -> PdfPage:
    return PdfPage(html=site / SLUG / page / "index.html", pdf=out / (name or pdf_name(SLUG, page, "2026-12-23")),
                   title=PAGE_TITLES[page], brand=facts["name"] if brand is None else brand, version=version,
                   address=f"https://{facts['domain']}/{page}/")


@pytest.fixture(scope="module")
def printed(printer, site, out, facts) -> dict[str, Path]:
    """The privacy and security pages of one brand, printed once for the tests that only read them."""
    pages = {page: _page(site, out, facts, page) for page in ("privacy", "security")}
    printer.print(pages.values(), BUILD_DATE)
    return {page: pdf.pdf for page, pdf in pages.items()}


def test_the_privacy_pdf_holds_the_page(printed, facts):
    text = " ".join(read_pdf(printed["privacy"]))
    assert PAGE_TITLES["privacy"] in text
    for category in facts["data_collected"]:
        assert category["name"] in text  # each category is a heading
    assert words(facts["data_collection_note"]) in text


def test_the_security_pdf_holds_the_page(printed, facts):
    text = " ".join(read_pdf(printed["security"]))
    assert PAGE_TITLES["security"] in text
    assert facts["name"] in text
    assert words(facts["security"]["measures"][0]) in text


@pytest.mark.parametrize("page", ["privacy", "security"])
def test_every_pdf_page_says_whose_which_version_where_and_which_page(printed, facts, page):
    pages = read_pdf(printed[page])
    assert len(pages) >= (2 if page == "privacy" else 1)
    label = f"{facts['name']} · {PAGE_TITLES[page]} · {VERSION}"
    for number, text in enumerate(pages, 1):
        assert label in text, f"page {number}: {text[:300]}"
        assert f"https://{facts['domain']}/{page}/" in text
        assert f"{number} / {len(pages)}" in text


@pytest.mark.parametrize("page", ["privacy", "security"])
def test_pdf_dates_are_the_build_date(printed, page):
    info = PdfReader(printed[page]).metadata
    assert info["/CreationDate"] == info["/ModDate"] == "D:20261223000000+00'00'"
    assert info.creation_date == datetime.datetime(2026, 12, 23, tzinfo=datetime.UTC)
    assert not PdfReader(printed[page]).trailer.get("/ID")


def test_pdfs_are_tagged_with_an_outline(printed):
    reader = PdfReader(printed["privacy"])
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert next(item.title for item in reader.outline if not isinstance(item, list)) == PAGE_TITLES["privacy"]


def test_two_prints_are_byte_identical(printer, printed, site, out, facts):
    again = _page(site, out, facts, "privacy", name="privacy-again.pdf")
    printer.print([_page(site, out, facts, "security", name="security-between.pdf"), again], BUILD_DATE)
    assert again.pdf.read_bytes() == printed["privacy"].read_bytes()


def test_a_page_with_tables_prints_the_same_bytes_whatever_was_printed_before(printer, printed, site, out, facts):
    # Tagged table cells carry ids that Chromium numbers from a counter of the nodes its renderer has made.
    later = _page(site, out, facts, "cookies", name="cookies-after-others.pdf")
    printer.print([later], BUILD_DATE)  # this printer has printed other pages already
    with PdfPrinter() as fresh:
        first = _page(site, out, facts, "cookies", name="cookies-first.pdf")
        fresh.print([first], BUILD_DATE)
    assert b"/ID (node" in first.pdf.read_bytes()  # the case this test is about: a table with header cells
    assert later.pdf.read_bytes() == first.pdf.read_bytes()


def test_a_hostile_brand_name_is_printed_as_it_is(printer, site, tmp_path, facts):
    page = _page(site, tmp_path, facts, "security", brand=HOSTILE, version="Current version")
    page.address = "/linkrapi/security/"  # a site without a URL: the page's path
    printer.print([page], BUILD_DATE)
    pages = read_pdf(page.pdf)
    for number, text in enumerate(pages, 1):
        assert f"{words(HOSTILE)} · Security · Current version" in text, f"page {number}: {text[:300]}"
        assert "/linkrapi/security/" in text
        assert f"{number} / {len(pages)}" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [page.pdf.name]  # no temporary file left behind


def test_a_pdf_replaces_its_file_whole_and_leaves_no_temporary_file(printer, site, tmp_path, facts):
    page = _page(site, tmp_path / "new" / "folder", facts, "security")
    page.pdf.parent.mkdir(parents=True)
    page.pdf.write_bytes(b"old")
    printer.print([page], BUILD_DATE)
    assert page.pdf.read_bytes().startswith(b"%PDF-")
    assert list(page.pdf.parent.iterdir()) == [page.pdf]

    page.pdf.unlink()
    page.pdf.mkdir()  # a folder where the PDF goes
    with pytest.raises(BuildError, match="could not write"):
        printer.print([page], BUILD_DATE)
    assert list(page.pdf.parent.iterdir()) == [page.pdf]


def test_a_page_that_is_not_built_is_a_build_error(printer, tmp_path, facts):
    page = PdfPage(tmp_path / "missing" / "index.html", tmp_path / "x.pdf", "Security", "B", VERSION, "/b/")
    with pytest.raises(BuildError, match="no such file"):
        printer.print([page], BUILD_DATE)


class _Counting(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, format, *args):
        pass


def test_printing_fetches_nothing_from_the_network(printer, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        remote = f"http://127.0.0.1:{server.server_address[1]}"
        html = tmp_path / "index.html"
        html.write_text(f"""<!doctype html><html><head><title>t</title>
<link rel="stylesheet" href="{remote}/style.css"><script src="{remote}/script.js"></script></head>
<body><h1>Offline</h1><img src="{remote}/image.png" alt="">
<script>fetch("{remote}/fetch").catch(() => {{}});</script></body></html>""", encoding="utf-8")
        page = PdfPage(html, tmp_path / "offline.pdf", "Security", "B", VERSION, "/b/")
        printer.print([page], BUILD_DATE)
        assert "Offline" in read_pdf(page.pdf)[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert server.hits == []


# --- the escaping in Chromium's own CSS parser ----------------------------------------------

PARSE = """(css) => {
    const style = document.getElementById('sheet');
    style.textContent = css;
    const rules = [...style.sheet.cssRules];
    return rules.map(rule => ({
        kind: rule.constructor.name,
        margins: [...(rule.cssRules || [])].map(m => [m.name, m.style.getPropertyValue('content')]),
    }));
}"""


@pytest.fixture(scope="module")
def parse_css():
    """``parse_css(css)``: what Chromium makes of a style sheet (its rules, and each @page margin box's content).

    Playwright runs on a thread of its own here too, beside the printer's.
    """
    chromium = need_browser()
    from playwright.sync_api import sync_playwright

    worker = ThreadPoolExecutor(max_workers=1)

    def start():
        manager = sync_playwright()
        browser = launch_chromium(manager.start(), chromium)
        tab = browser.new_page()
        tab.set_content('<style id="sheet"></style>')
        return manager, browser, tab

    manager, browser, tab = worker.submit(start).result()
    yield lambda css: worker.submit(tab.evaluate, PARSE, css).result()
    worker.submit(browser.close).result()
    worker.submit(functools.partial(manager.__exit__, None, None, None)).result()
    worker.shutdown()


@given(brand=nasty_text, title=nasty_text, version=nasty_text, address=nasty_text)
@example(brand=HOSTILE, title="Privacy Policy", version=VERSION, address="https://linkrapi.com/privacy/")
def test_chromium_reads_the_footer_as_written(parse_css, brand, title, version, address):
    page = PdfPage(Path("a.html"), Path("a.pdf"), title, brand, version, address)
    rules = parse_css(page_css(page))
    assert [rule["kind"] for rule in rules] == ["CSSPageRule"]
    margins = dict(rules[0]["margins"])
    assert list(margins) == ["bottom-left", "bottom-right"]
    label = " · ".join(words(text) for text in (brand, title, version))
    assert read_css_strings(margins["bottom-left"]) == [as_css_reads(label), "\n", as_css_reads(words(address))]
    assert margins["bottom-right"] == 'counter(page) " / " counter(pages)'
