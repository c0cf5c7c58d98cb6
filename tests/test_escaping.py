"""Every value is inert in every output (issue 12, item 2).

A fact is text: whatever a brand or vendor file says, no page, feed, list, logo, stylesheet, pull-request
comment or finding may gain markup, an event handler, a script, a link target, a mail recipient, or become
unparseable. The property tests feed hostile strings into every text, address, email, name and id field,
found by walking the fact models (Brand and VendorRegistry, nested models and list items), all at once:

- ``test_rendered_pages_gain_no_markup``: the pages' Markdown, converted as MkDocs does; no disk, fast.
- ``test_built_site_gains_no_markup``: the whole chain for one brand (YAML, load, check, build, diff),
  asserting on every built HTML, XML, JSON, SVG and CSS file. A third of the profile's examples: a build
  takes about half a second.

A value a field refuses must be refused with a clean finding; the tests then put the plain value back.
In CI (the "ci" profile of conftest.py) they run derandomized; for a deeper, fresh search:

    HYPOTHESIS_PROFILE=long python -m pytest -p no:cacheprovider tests/test_escaping.py

The tests after the properties pin each hole the red team found.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import shutil
import types
import typing
from collections import Counter
from email.utils import getaddresses
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import markdown
import pytest
import yaml
from conftest import REPO, files_in, sample_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data
from pydantic import BaseModel, TypeAdapter, ValidationError

from legalsite import feeds, style
from legalsite.build import build
from legalsite.checks import run_checks
from legalsite.diff import BrandDiff, DiffReport, Entry, diff_projects, to_markdown
from legalsite.errors import FactError, Finding
from legalsite.load import load_file
from legalsite.model import Brand, VendorRegistry, model_of, safe_url
from legalsite.project import DEFAULT_TEMPLATES, load_project
from legalsite.render import environment, render_brand

SLUG = "journeyapi"
BRAND_FILE = f"content/brands/{SLUG}.yaml"
VENDORS_FILE = "content/vendors.yaml"
FINDING = re.compile(r"[^\n]+:\d+:\d+: (error|warning)\[[a-z-]+\] [^\n]*")

# --- hostile values ---------------------------------------------------------------------------------

PAYLOADS = [
    "</title><script>document.title='pwned'</script>", '"><svg onload=alert(1)>', "<img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)", "javascript:alert(1)", "[link](https://evil.example/)", "![i](https://evil.example/i)",
    "<https://evil.example/>", "[x]: https://evil.example/", "a | b | c", "`code`", "```", "@octocat", "#1", "GH-12",
    "]]>", "&#x3C;script&#x3E;", "&lt;b&gt;", "\x00", "\x1b[31m", "\x7f", "\x85", "\n\n# heading\n- item\n", "\r\n",
    "\u202e", "\u2066", "\u2028", "\ufeff", "*/", "{: onclick=alert(1) }", "{{ 7*7 }}", "{% raw %}", "?cc=evil@evil.example",
    "&bcc=evil@evil.example", "%0abcc:evil@evil.example", "%0A", "%", "'", '"', "<!--", "-->", "<![CDATA[", "<?php",
    "www.evil.example", "https://evil.example", "$x$", "\\", "\\|", "*a* _b_ ~~c~~ ==d== ^e^", "ﬁ", "𝒳", "😀", "e\u0301",
    "x" * 3000,
]
_hostile = st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=12)), min_size=1, max_size=4).map("".join)
# Each field also gets values shaped like an address, so the address and email types accept some and encode them.
HOSTILE = st.one_of(
    _hostile, _hostile.map(lambda s: "https://example.com/" + s), _hostile.map(lambda s: "mailto:" + s + "@example.com"),
    _hostile.map(lambda s: s + "@example.com"), _hostile.map(lambda s: "https://" + s))
BENIGN = ["Plain words", "https://example.com/policy", "privacy@example.com", "example.com", "plain"]


# --- the fields, from the models ----------------------------------------------------------------------

def _leaves(model: type[BaseModel], prefix: tuple = ()) -> typing.Iterator[tuple[tuple, TypeAdapter, dict]]:
    """(path, the field's type, its schema extra) for every text field; list fields by their first item."""
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra or {}

        def walk(annotation, path, metadata=(), extra=extra):
            origin = typing.get_origin(annotation)
            if origin in (typing.Union, types.UnionType):
                for arg in typing.get_args(annotation):
                    if arg is not type(None):
                        yield from walk(arg, path, extra=extra)
            elif origin is list:
                yield from walk(typing.get_args(annotation)[0], path + (0,), extra=extra)
            elif origin is typing.Annotated and typing.get_args(annotation)[0] is str:
                yield path, TypeAdapter(annotation), extra
            elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                yield from _leaves(annotation, path)
            elif annotation is str:  # a field typed Text: pydantic keeps its validators in metadata
                yield path, TypeAdapter(typing.Annotated[(str, *metadata)] if metadata else str), extra

        yield from walk(info.annotation, prefix + (name,), tuple(info.metadata))


BRAND_LEAVES = list(_leaves(Brand))
VENDOR_LEAVES = list(_leaves(VendorRegistry))


def test_the_walk_finds_every_kind_of_field():
    """The property is only as wide as the walk: it reaches names, texts, ids, emails, addresses, list items."""
    paths = {p for p, _, _ in BRAND_LEAVES}
    assert {("name",), ("domain",), ("contact", "email"), ("introduction", 0), ("cookies", 0, "provider"),
            ("related_policies", 0, "url"), ("data_collected", 0, "retention", "then"),
            ("changes", 0, "facts", 0), ("shared", "dpo_email")} <= paths
    assert {("vendors", 0, "website"), ("vendors", 0, "notes", 0), ("vendors", 0, "id")} <= {p for p, _, _ in VENDOR_LEAVES}
    assert len(paths) > 70


def _get(data, path):
    for key in path:
        if isinstance(key, int):
            if not isinstance(data, list) or len(data) <= key:
                return None
        elif not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _put(data, path, value) -> None:
    """Set ``value`` at ``path``, making the groups and first list items on the way."""
    for key, nxt in itertools.pairwise(path):
        if isinstance(key, int):
            while len(data) <= key:
                data.append([] if isinstance(nxt, int) else {})
        elif key not in data or data[key] is None:
            data[key] = [] if isinstance(nxt, int) else {}
        data = data[key]
    if isinstance(path[-1], int):
        while len(data) <= path[-1]:
            data.append(None)
    data[path[-1]] = value


def _drop(data, path) -> None:
    parent = _get(data, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
    elif isinstance(parent, list) and len(parent) > path[-1]:
        del parent[path[-1]]


def _accepted(adapter: TypeAdapter, value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:  # a clean refusal; any other exception is a bug and fails the test
        return False
    return True


# --- one small project on disk ------------------------------------------------------------------------

def _dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)


def _write(root: Path, files: dict[str, dict]) -> None:
    for name, data in files.items():
        (root / name).write_text(_dump(data), encoding="utf-8")


def _errors(root: Path) -> list[Finding]:
    try:
        project = load_project(root)
    except FactError as exc:
        return [f for f in exc.findings if f.is_error]
    project.focus = [SLUG]
    return [f for f in run_checks(project) if f.is_error]


def _settle(root: Path, files: dict[str, dict], leaves: dict[str, list[tuple]], fallback) -> list[Finding]:
    """Write the files; for every error, put back the fallback of the field it names. Returns the errors seen.

    An error that names no field we set is a failure: the plain project has none.
    """
    seen: list[Finding] = []
    for _ in range(6):
        _write(root, files)
        errors = _errors(root)
        if not errors:
            return seen
        seen += errors
        for finding in errors:
            name = next(n for n in files if finding.path.endswith(n))
            doc = load_file(root / name, name)
            hit = [p for p in leaves[name] if doc.mark(p).line == finding.line]
            assert hit, f"an error no hostile value explains: {finding}"
            for path in hit:
                fallback(files[name], name, path)
    raise AssertionError(f"errors remain after putting values back: {errors}")


def _base_project(root: Path) -> tuple[dict[str, dict], dict[str, list[tuple]]]:
    """The sample brand with every text field filled in plainly (so hostile values change no structure)."""
    for folder in ("content", "templates", "schemas"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    # PDF copies are escaped by their own tests (test_pdf.py); here each example would start Chromium.
    (root / "mkdocs.yml").write_text(sample_settings(pdf=False), encoding="utf-8")
    for other in (root / "content/brands").glob("*.yaml"):
        if other.stem != SLUG:
            other.unlink()
    files = {BRAND_FILE: yaml.safe_load((root / BRAND_FILE).read_text(encoding="utf-8")),
             VENDORS_FILE: yaml.safe_load((root / VENDORS_FILE).read_text(encoding="utf-8"))}
    brand, registry = files[BRAND_FILE], files[VENDORS_FILE]
    vendor = brand["sharing"]["vendors"][0]["vendor"]
    index = next(i for i, v in enumerate(registry["vendors"]) if v["id"] == vendor)
    refs = {"vendor": vendor, "provider": SLUG, "category": brand["data_collected"][0]["id"]}
    leaves = {BRAND_FILE: [], VENDORS_FILE: []}
    for name, data, found in ((BRAND_FILE, brand, BRAND_LEAVES), (VENDORS_FILE, registry, VENDOR_LEAVES)):
        for path, adapter, extra in found:
            path = (path[0], index) + path[2:] if name == VENDORS_FILE else path
            leaves[name].append(path)
            if _get(data, path) is None:
                plain = refs.get(extra.get("ref")) or next((v for v in BENIGN if _accepted(adapter, v)), None)
                if plain is not None:
                    _put(data, path, plain)
    _complete(Brand, brand)
    _complete(VendorRegistry, registry)
    _settle(root, files, leaves, lambda data, name, path: _drop(data, path))
    return files, leaves


def _complete(model: type[BaseModel], data: dict) -> None:
    """Fill the required facts of list items the filling made (a change needs a date): the model's example."""
    for _ in range(10):
        try:
            model.model_validate(data)
            return
        except ValidationError as exc:
            missing = [tuple(p for p in e["loc"] if not (isinstance(p, str) and "[" in p))
                       for e in exc.errors() if e["type"] == "missing"]
        if not missing:
            return
        for loc in missing:
            info, current = None, model
            for part in loc:
                if isinstance(part, str):
                    info = current.model_fields[part]
                    current = model_of(info.annotation)
            literal = [a for a in typing.get_args(info.annotation) if isinstance(a, str)]
            plain = "false" if info.annotation is bool else "Plain words"  # a stated yes/no (sale.sells)
            example = info.examples[0] if info.examples else literal[0] if literal else plain
            _put(data, loc, [str(x) for x in example] if isinstance(example, list) else str(example))


class Page(HTMLParser):
    """What a page does, as opposed to what it says: its elements, handlers and link targets."""

    ADDRESSES = ("href", "src", "action", "formaction", "srcset", "data", "xlink:href", "poster")

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: Counter = Counter()
        self.handlers: list = []
        self.targets: set = set()
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in self.ADDRESSES and value is not None:
                self.targets.add((tag, name, value))

    handle_startendtag = handle_starttag


def _allowed(target: str, allowed: set[str]) -> bool:
    """A fact's own address, or anywhere on a domain a fact gave (a prefix, written with a trailing '*')."""
    return target in allowed or any(target.startswith(a[:-1]) for a in allowed if a.endswith("*"))


def _assert_inert(page: Page, base: Page, allowed: set[str], where: str) -> None:
    assert page.handlers == base.handlers, f"{where}: an event handler appeared: {page.handlers}"
    assert page.tags == base.tags, f"{where}: elements changed: {page.tags - base.tags} / {base.tags - page.tags}"
    for tag, name, target in page.targets - base.targets:
        assert target.startswith("#") or _allowed(target, allowed), f"{where}: a new link target <{tag} {name}={target!r}>"
    for _, _, target in page.targets:
        assert not target.lower().startswith(("javascript:", "data:", "vbscript:")), f"{where}: {target}"
        if target.startswith("mailto:"):
            parts = urlsplit(target)
            assert not parts.query and "," not in parts.path, f"{where}: more than one recipient in {target}"
            assert len(getaddresses([unquote(parts.path)])) == 1, f"{where}: {target}"


def _allowed_targets(files: dict[str, dict], leaves: dict[str, list[tuple]]) -> set[str]:
    """The link targets a fact may add: its own address, encoded."""
    allowed = set()
    for name, data in files.items():
        for path in leaves[name]:
            value = _get(data, path)
            if not isinstance(value, str):
                continue
            for candidate in (value, "mailto:" + value):
                try:
                    allowed.add(safe_url(candidate))
                except ValueError:
                    pass
    domain = files[BRAND_FILE].get("domain")
    if domain:  # a hostile value that is a real domain name moves the whole site there
        allowed.add(f"https://{domain}/*")
    return allowed


# --- property 1: rendered Markdown ---------------------------------------------------------------------

MD_EXTENSIONS = ["tables", "attr_list", "md_in_html", "toc"]


def _pages_html(brand: Brand, vendors) -> dict[str, str]:
    pages = render_brand(environment(DEFAULT_TEMPLATES), SLUG, brand, vendors)
    return {page: markdown.markdown(get_data(text)[0], extensions=MD_EXTENSIONS) for page, text in pages.items()}


class Base(tuple):
    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example: not the whole project
        return "<the plain project>"


class Outputs(dict):
    def __repr__(self) -> str:
        return "<the plain project's built files>"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("base")
    files, leaves = _base_project(root)
    project = load_project(root)
    html = _pages_html(project.brands[SLUG], project.vendors)
    return Base((root, files, leaves, {page: Page(text) for page, text in html.items()}))


@given(st.data())
def test_rendered_pages_gain_no_markup(base, data):
    """Every text field at once; a value its field refuses is put back to the plain one."""
    _, files, leaves, base_pages = base
    files = copy.deepcopy(files)
    types_of = {p: (a, e) for p, a, e in BRAND_LEAVES + VENDOR_LEAVES}
    for name in files:
        for path in leaves[name]:
            key = path if name == BRAND_FILE else path[:1] + (0,) + path[2:]
            value = data.draw(HOSTILE, label=f"{name}:{'.'.join(map(str, path))}")
            adapter, extra = types_of[key]
            if extra.get("ref") or key[-1] == "id" or "facts" in key or not _accepted(adapter, value):
                continue  # ids and a change's fact paths name other facts: the build test, where check runs, tries them
            _put(files[name], path, value)
    try:
        brand = Brand.model_validate(files[BRAND_FILE])
        vendors = {v.id: v for v in VendorRegistry.model_validate(files[VENDORS_FILE]).vendors}
    except ValidationError as exc:
        raise AssertionError(f"a field accepted alone was refused in the whole: {exc}") from None
    allowed = _allowed_targets(files, leaves)
    for page, html in _pages_html(brand, vendors).items():
        _assert_inert(Page(html), base_pages[page], allowed, page)
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.DOTALL):  # a '|' in a fact never splits a cell
            assert len(re.findall(r"<t[dh][ >]", row)) == len(re.findall(r"<t[dh][ >]", html.split("<tr>")[1]))


# --- property 2: the whole build ------------------------------------------------------------------------

def _outputs(site: Path) -> dict[str, bytes]:
    return {p: data for p, data in files_in(site).items() if Path(p).suffix in (".html", ".xml", ".json", ".svg", ".css")
            and "assets/javascripts" not in p and "assets/stylesheets/main" not in p
            and "assets/stylesheets/palette" not in p}


def _check_outputs(outputs: dict[str, bytes], base_outputs: dict[str, bytes], allowed: set[str]) -> None:
    assert outputs.keys() == base_outputs.keys()
    for name, raw in outputs.items():
        if name.endswith(".html"):
            _assert_inert(Page(raw.decode("utf-8")), Page(base_outputs[name].decode("utf-8")), allowed, name)
        elif name.endswith((".xml", ".svg")):
            root = ElementTree.fromstring(raw)  # expat refuses what XML 1.0 forbids
            if name.endswith(".svg"):
                assert style.svg_problem(raw) is None
            else:
                base = ElementTree.fromstring(base_outputs[name])
                assert [e.tag for e in root.iter()] == [e.tag for e in base.iter()], f"{name}: elements changed"
                known = {e.get("href") for e in base.iter() if e.get("href")}
                for href in {e.get("href") for e in root.iter() if e.get("href")} - known:
                    assert _allowed(href, allowed), f"{name}: a new link target {href}"
        elif name.endswith(".json"):
            json.loads(raw)
        elif name.endswith(".css"):  # only the comment may carry a fact
            strip = lambda css: re.sub(rb"/\*.*?\*/", b"", css, flags=re.DOTALL)
            assert strip(raw) == strip(base_outputs[name]), f"{name}: a fact escaped its comment"


def _diff_is_inert(comment: str) -> None:
    text = unescape(comment)
    assert not re.search(r"@[A-Za-z0-9]", text), "an @mention in the PR comment"
    assert not re.search(r"(#|\bGH-)\d", text), "an issue reference in the PR comment"
    assert "://" not in text and not re.search(r"\bwww\\?\.", text), "an autolink in the PR comment"
    for line in comment.splitlines():
        if line.startswith("| "):
            assert len(re.findall(r"(?<!\\)(?:\\\\)*\|", line)) == 6, f"a fact split a table cell: {line}"


@pytest.fixture(scope="module")
def base_site(base, tmp_path_factory):
    root = base[0]
    out = tmp_path_factory.mktemp("base-site")
    build(load_project(root), out, [SLUG])
    return Outputs(_outputs(out / SLUG))


@settings(max_examples=max(2, settings.default.max_examples // 3))
@given(st.data())
def test_built_site_gains_no_markup(base, base_site, tmp_path_factory, data):
    """Every field of the brand and of its first vendor at once, through load, check, build and diff."""
    base_root, plain, leaves, _ = base
    root = tmp_path_factory.mktemp("hostile")
    for item in ("content", "mkdocs.yml", "schemas", "templates"):
        source = base_root / item
        if source.is_dir():
            shutil.copytree(source, root / item)
        elif source.exists():
            shutil.copy2(source, root / item)
    files = copy.deepcopy(plain)
    for name in files:
        for path in leaves[name]:
            if path[-1] == "id":
                continue  # other facts refer to a vendor or category by its id; ids are only [a-z0-9_-] (test_model)
            _put(files[name], path, data.draw(HOSTILE, label=f"{name}:{'.'.join(map(str, path))}"))

    def put_back(data, name, path):
        value = _get(plain[name], path)
        _drop(data, path) if value is None else _put(data, path, value)

    refused = _settle(root, files, leaves, put_back)
    for finding in refused:  # a refusal is one clean line: file:line:col: severity[rule] message
        assert FINDING.fullmatch(str(finding)), repr(str(finding))
    # A value the model accepts must read on its page exactly as written: a page rule refusing it means the
    # page garbled it (escaped twice, say), not that the value was bad.
    assert [str(f) for f in refused if f.rule == "page-fact-missing"] == []
    build(load_project(root), root / "site", [SLUG])
    _check_outputs(_outputs(root / "site" / SLUG), base_site, _allowed_targets(files, leaves))
    _diff_is_inert(to_markdown(diff_projects(load_project(base_root), load_project(root))))


# --- the red team's findings, one by one -----------------------------------------------------------------

RED_NAME = "Journey</title><script>alert(2)</script>"


@pytest.fixture(scope="module")
def red_site(tmp_path_factory):
    """The red team's brand name, with cookies that need consent, so the banner shows it too."""
    root = tmp_path_factory.mktemp("red")
    files, _ = _base_project(root)
    files[BRAND_FILE]["name"] = RED_NAME
    for cookie in files[BRAND_FILE]["cookies"]:
        cookie["category"], cookie["consent_required"] = "analytics", "true"
    _write(root, files)
    build(load_project(root), root / "site", [SLUG])
    return root / "site" / SLUG


def _texts(html: str, pattern: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(pattern, html, re.DOTALL)]


def test_a_hostile_name_is_text_in_title_header_nav_and_print_line(red_site):
    html = (red_site / "privacy" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(2)" not in html and Page(html).tags["script"] == Page(
        (red_site / "security" / "index.html").read_text(encoding="utf-8")).tags["script"]
    assert _texts(html, r"<title>(.*?)</title>") == [f"Privacy Policy - {RED_NAME}"]
    assert _texts(html, r'<span class="md-ellipsis">\s*(Journey.*?)</span>')[0] == RED_NAME  # the header
    assert RED_NAME in _texts(html, r'<label class="md-nav__title"[^>]*>(.*?)</label>')[0]  # the navigation
    assert _texts(html, r'<p class="legal-print-only">(.*?)</p>')[0].startswith(RED_NAME)
    # Material escapes the logo's tooltip itself: the name shows once escaped, not "&lt;" in the tooltip.
    tooltips = re.findall(r'class="md-(?:header|nav)__button md-logo"|title="([^"]*)" class="md-(?:header|nav)__button md-logo"', html)
    assert [unescape(t) for t in tooltips if t] == [RED_NAME, RED_NAME]
    consent = re.search(r'<form class="md-consent__form.*?</form>', html, re.DOTALL).group()
    assert "<script" not in consent and RED_NAME in unescape(re.sub(r"<[^>]+>", "", consent))


def test_a_hostile_name_is_text_in_feed_lists_and_logo(red_site):
    feed = ElementTree.fromstring((red_site / "changes.xml").read_bytes())
    assert feed.find(f"{{{feeds.ATOM}}}title").text == f"{RED_NAME}: changes to our policies"
    assert json.loads((red_site / "cookies.json").read_bytes())["brand"] == RED_NAME
    logo = (red_site / "assets" / "logo.svg").read_bytes()
    assert [e.tag.rsplit("}")[-1] for e in ElementTree.fromstring(logo).iter()] == ["svg", "rect", "text"]


@pytest.mark.parametrize("address, recipient", [
    ("a?bcc=evil@example.com", "mailto:a%3Fbcc%3Devil@example.com"),
    ("a&cc=evil@example.com", "mailto:a%26cc%3Devil@example.com"),
    ("privacy+legal@example.com", "mailto:privacy+legal@example.com"),
])
def test_an_email_links_one_recipient(address, recipient, tmp_path):
    files, _ = _base_project(tmp_path)
    files[BRAND_FILE]["contact"]["email"] = address
    _write(tmp_path, files)
    project = load_project(tmp_path)
    html = _pages_html(project.brands[SLUG], project.vendors)["privacy"]
    assert recipient in {t for _, _, t in Page(html).targets}
    assert len(getaddresses([unquote(urlsplit(recipient).path)])) == 1


@pytest.mark.parametrize("field, value, words", [
    ("url", "mailto:privacy@example.com?bcc=evil@evil.example", "no ?subject=, cc or other headers"),
    ("url", "mailto:privacy%0abcc@example.com", "'%'"),
    ("url", "javascript:alert(1)", "an https:// or mailto: address"),
    ("url", "https://example.com@evil.example/", "no user name"),
    ("url", "https://example.com/\x01", "control character U+0001"),
    ("email", "privacy@example.com?cc=evil@evil.example", "email address"),
])
def test_an_address_that_would_add_a_recipient_or_leave_is_refused_on_its_line(tmp_path, field, value, words):
    files, _ = _base_project(tmp_path)
    if field == "url":
        files[BRAND_FILE]["related_policies"][0]["url"] = value
    else:
        files[BRAND_FILE]["contact"]["email"] = value
    _write(tmp_path, files)
    with pytest.raises(FactError) as caught:
        load_project(tmp_path)
    [finding] = caught.value.findings
    doc = load_file(tmp_path / BRAND_FILE, BRAND_FILE)
    loc = ("related_policies", 0, "url") if field == "url" else ("contact", "email")
    assert (finding.path, finding.line, finding.rule) == (BRAND_FILE, doc.mark(loc).line, "fact-value")
    assert words in finding.message and FINDING.fullmatch(str(finding))


def test_safe_url_encodes_what_would_end_or_redirect_a_link():
    assert safe_url("https://example.com/p|a`t'h(1)<x>\"é") == "https://example.com/p%7Ca%60t%27h%281%29%3Cx%3E%22%C3%A9"
    assert safe_url("https://example.com/?a=1&b=2#top") == "https://example.com/?a=1&b=2#top"
    assert safe_url("https://example.com/100%25%zz") == "https://example.com/100%25%25zz"
    for bad in ("https://example.com/a b", "https://a.example\\@b.example/", "http://example.com/", "mailto:a@b.example,c@d.example"):
        with pytest.raises(ValueError):
            safe_url(bad)


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">{}</svg>'


@pytest.mark.parametrize("inside, words", [
    ("<script>alert(1)</script>", "<script>"),
    ('<rect onload="alert(1)"/>', "event handler"),
    ('<a><animate attributeName="href" to="javascript:alert(1)"/></a>', "<animate> element changes 'href'"),
    ('<a><set attributeName="xlink:href" to="https://evil.example/"/></a>', "<set> element changes 'xlink:href'"),
    ('<image href="https://tracker.example/x.png"/>', "links outside"),
    ('<use xlink:href="https://evil.example/s.svg#a"/>', "links outside"),
    ('<a href="javascript:alert(1)"><rect/></a>', "links outside"),
    ("<style>@import url(https://evil.example/x.css);</style>", "@import"),
    ("<style>rect { fill: url('https://evil.example/p') }</style>", "url("),
    ('<rect style="fill:\\75rl(https://evil.example/)"/>', "(\\)"),
    ('<rect fill="url(https://evil.example/#g)"/>', "url("),
    ("<foreignObject><div/></foreignObject>", "<foreignobject>"),
    ('<h:img xmlns:h="http://www.w3.org/1999/xhtml" src="x"/>', "of HTML or MathML"),
])
def test_an_active_svg_logo_is_refused(inside, words):
    problem = style.svg_problem(SVG.format(inside).encode())
    assert problem is not None and words in problem, problem


@pytest.mark.parametrize("svg, words", [
    ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + SVG.format("&x;"), "DOCTYPE"),
    ('<!DOCTYPE svg [<!ENTITY x "y">]>' + SVG.format("<text>&x;</text>"), "DOCTYPE"),
    ('<?xml-stylesheet href="https://evil.example/x.css"?>' + SVG.format(""), "processing instruction"),
    ("<svg><rect/></svg>", "not an SVG image"),
])
def test_an_svg_with_entities_or_outside_stylesheets_is_refused(svg, words):
    assert words in (style.svg_problem(svg.encode()) or "")


def test_an_inert_svg_logo_passes():
    inside = ('<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs><title>Logo</title>'
              '<style>rect { fill: url( "#g" ) }</style><rect fill="url(#g)" width="4" height="4"/><use href="#g"/>')
    assert style.svg_problem(SVG.format(inside).encode()) is None


def test_a_diff_comment_mentions_no_one_and_links_no_issue():
    hostile = "@octocat see #12, GH-3, https://evil.example and www.evil.example | x"
    entry = Entry(SLUG, "changed", "name", "the brand's name", "Journey", hostile, ("privacy",))
    report = DiffReport("HEAD", None, [BrandDiff(SLUG, hostile, [entry], [])], notes=[hostile])
    comment = to_markdown(report)
    _diff_is_inert(comment)
    # Still readable: the joiner is invisible, the words all there.
    assert unescape(comment).replace("\u2060", "").replace("\\", "").count("@octocat see #12, GH-3") == 3


def test_a_finding_quoting_a_line_break_stays_one_line():
    finding = Finding(BRAND_FILE, 3, 7, "error", "fact-value",
                      "bad 'x\ncontent/brands/b.yaml:1:1: error[fake] forged\x1b[2K \u202eevil'")
    assert "\n" not in str(finding) and "\x1b" not in str(finding) and "\u202e" not in str(finding)
    assert str(finding).endswith(r"bad 'x\ncontent/brands/b.yaml:1:1: error[fake] forged\x1b[2K \u202eevil'")


def test_a_control_character_in_a_fact_is_refused_on_its_line(tmp_path):
    files, _ = _base_project(tmp_path)
    files[BRAND_FILE]["changes"] = [{"date": "2026-04-02", "summary": "Bell\x07 and \x0c feed"}]
    _write(tmp_path, files)
    with pytest.raises(FactError) as caught:
        load_project(tmp_path)
    [finding] = caught.value.findings
    doc = load_file(tmp_path / BRAND_FILE, BRAND_FILE)
    assert finding.line == doc.mark(("changes", 0, "summary")).line and "U+0007" in finding.message


def test_the_feed_writes_no_character_xml_forbids():
    brand = Brand.model_construct(**{**load_project(REPO).brands[SLUG].__dict__, "name": "Bad\x01\ufffe name"})
    xml = feeds.changes_feed(brand, SLUG, ["index"], {"index": "Legal"})
    assert ElementTree.fromstring(xml).find(f"{{{feeds.ATOM}}}title").text == "Bad\ufffd\ufffd name: changes to our policies"


def test_a_name_cannot_end_the_stylesheet_comment():
    brand = load_project(REPO).brands[SLUG].model_copy(update={"name": "X */ body { background: url(https://evil.example/) } /*"})
    css = style.brand_css(brand)
    assert "url(" not in re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
