"""The files a site publishes for machines under /.well-known/: security.txt (RFC 9116) and gpc.json (Global
Privacy Control), written only from facts a policy states.

The shipped seeds name no security contact and no stance on GPC, so the shipped brands publish neither file and
``legalsite check`` names the missing contact. A brand given a ``security.disclosure`` (here, a copy of LinkrAPI)
gets a security.txt that a parser written from RFC 9116's ABNF below, not legalsite's own validator, reads
field by field; no value, however hostile, adds a line or a field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, replace_text
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import ValidationError

from legalsite import wellknown
from legalsite.build import build_project
from legalsite.checks import RULES, run_checks
from legalsite.cli import cli
from legalsite.errors import BuildError
from legalsite.model import Brand, SecurityDisclosure
from legalsite.project import load_project
from legalsite.render import render_project

LINKRAPI = "content/brands/linkrapi.yaml"
IDCLINKS = "content/brands/idclinks.yaml"
SHIPPED = {"idclinks": "idclinks", "journeyapi": "JourneyAPI", "linkrapi": "LinkrAPI"}
SITE = "https://linkrapi.com/"
SECURITY_PAGE = "https://linkrapi.com/security/"
ANCHOR = '\n\n# 6. Your Rights: "the right'
FULL = """
  disclosure:
    contact: [security@linkrapi.com, "https://linkrapi.com/report"]
    expires: 2027-06-30
    policy: https://linkrapi.com/vulnerability-disclosure
    acknowledgments: https://linkrapi.com/thanks
    encryption: https://linkrapi.com/pgp-key.txt
    preferred_languages: [en, de]"""
MINIMAL = """
  disclosure:
    contact: [security@linkrapi.com]
    expires: 2027-06-30"""
ACCEPTANCE = """  - rule: fact-gap
    facts: [security.disclosure]
    reason: 'The seed policy names no security contact, so no security.txt is published.'
    accepted_by: Sample project maintainers
    until: 2027-12-31
"""
DEC_1_2026 = "1796083200"  # SOURCE_DATE_EPOCH of 2026-12-01


def with_disclosure(project: Path, edit, block: str = FULL) -> str:
    return edit(project / LINKRAPI, ANCHOR, block + ANCHOR)


def linkrapi(project: Path) -> Brand:
    return load_project(project).brands["linkrapi"]


# --- RFC 9116, section 4 (ABNF), read independently of legalsite.wellknown ---------------------------------
#   line        = [ (field / comment) ] eol          eol = *WSP [CR] LF
#   field       = field-name fs SP value             fs  = ":"
#   field-name  = 1*ftext  (RFC 5322 3.6.8: ftext = %d33-57 / %d59-126)
#   comment     = "#" *(WSP / VCHAR / %x80-FFFFF)
#   contact-field = "Contact" fs SP uri, ..., expires-field = "Expires" fs SP date-time (RFC 3339 5.6)
#   lang-values = lang-tag *(*WSP "," *WSP lang-tag)

FIELD_LINE = re.compile(r"([!-9;-~]+):[ ](.*)")
COMMENT_LINE = re.compile(r"#[\t -~\x80-\U0010ffff]*")
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9._~!$&'()*+,;=:@/?#\[\]-]|%[0-9A-Fa-f]{2})+")  # RFC 3986
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# RFC 5646 2.1: langtag = language (2*3ALPHA / 4ALPHA / 5*8ALPHA) *("-" subtag of 1*8alphanum); privateuse = "x" 1*("-" ...)
LANG_TAG = r"(?:[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*|[xX](?:-[A-Za-z0-9]{1,8})+)"
LANG_VALUES = re.compile(rf"{LANG_TAG}(?:[ \t]*,[ \t]*{LANG_TAG})*")


def rfc9116_fields(text: str) -> list[tuple[str, str]]:
    """(field name as written, value) of each field line, in order; fails on a line the ABNF does not allow."""
    assert text.endswith("\n"), "every line, the last too, ends with eol"
    fields = []
    for raw in text.split("\n")[:-1]:
        line = re.sub(r"[ \t]*\r?$", "", raw)
        if line == "" or COMMENT_LINE.fullmatch(line):
            continue
        m = FIELD_LINE.fullmatch(line)
        assert m, f"neither a field, a comment nor an empty line: {raw!r}"
        fields.append((m[1], m[2]))
    return fields


def by_name(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in fields:
        found.setdefault(name.lower(), []).append(value)  # field names are case-insensitive (RFC 9116 2.4)
    return found


def assert_rfc9116(text: str) -> dict[str, list[str]]:
    fields = by_name(rfc9116_fields(text))
    assert len(fields.get("contact", [])) >= 1 and len(fields.get("expires", [])) == 1
    assert len(fields.get("preferred-languages", [])) <= 1
    for name in ("contact", "canonical", "policy", "acknowledgments", "encryption"):
        for value in fields.get(name, []):
            assert URI.fullmatch(value), (name, value)
            assert value.startswith(("mailto:", "https://", "tel:") if name == "contact" else ("https://",))
    assert DATE_TIME.fullmatch(fields["expires"][0])
    for value in fields.get("preferred-languages", []):
        assert LANG_VALUES.fullmatch(value)
    assert re.fullmatch(r"[ -~\n]*", text), "only printable ASCII and LF line ends"
    return fields


# --- security.txt from the facts -----------------------------------------------------------------------------

def test_security_txt_gives_each_fact_as_its_rfc_9116_field(project, edit):
    with_disclosure(project, edit)
    text = wellknown.security_txt(linkrapi(project), SITE, SECURITY_PAGE, "en")
    fields = assert_rfc9116(text)
    assert fields == {
        "contact": ["mailto:security@linkrapi.com", "https://linkrapi.com/report"],  # in the order of preference
        "expires": ["2027-06-30T00:00:00.000Z"],
        "policy": ["https://linkrapi.com/vulnerability-disclosure"],
        "acknowledgments": ["https://linkrapi.com/thanks"],
        "encryption": ["https://linkrapi.com/pgp-key.txt"],
        "preferred-languages": ["en, de"],
        "canonical": ["https://linkrapi.com/.well-known/security.txt"],
    }
    assert "\r" not in text and text.endswith("\n") and not text.endswith("\n\n")
    assert wellknown.security_txt(linkrapi(project), SITE, SECURITY_PAGE, "en") == text  # the same bytes every time
    assert wellknown.validate_security_txt(text, dt.date(2026, 12, 3)) == []


def test_without_a_policy_or_languages_the_file_points_to_the_security_page_in_the_site_language(project, edit):
    with_disclosure(project, edit, MINIMAL)
    brand = linkrapi(project)
    fields = assert_rfc9116(wellknown.security_txt(brand, SITE, SECURITY_PAGE, "fr"))
    assert fields["policy"] == [SECURITY_PAGE] and fields["preferred-languages"] == ["fr"]
    assert "acknowledgments" not in fields and "encryption" not in fields
    # No site address (a preview, or a brand with no domain): no Canonical, and no Policy without a page address.
    fields = assert_rfc9116(wellknown.security_txt(brand, None, None, "en"))
    assert set(fields) == {"contact", "expires", "preferred-languages"}
    fields = assert_rfc9116(wellknown.security_txt(brand, "http://127.0.0.1:8000/", "http://127.0.0.1:8000/security/",
                                                   "pt_BR"))
    assert set(fields) == {"contact", "expires", "preferred-languages"} and fields["preferred-languages"] == ["pt-BR"]


def test_site_files_holds_only_the_files_the_facts_give(project, edit):
    with_disclosure(project, edit, MINIMAL)
    assert set(wellknown.site_files(linkrapi(project), SITE, SECURITY_PAGE, "en")) == {".well-known/security.txt"}
    edit(project / LINKRAPI, "changes: []\n", "changes: []\ngpc:\n  honoured: true\n")
    files = wellknown.site_files(linkrapi(project), SITE, SECURITY_PAGE, "en")
    assert set(files) == {".well-known/security.txt", ".well-known/gpc.json"}
    assert json.loads(files[".well-known/gpc.json"]) == {"gpc": True}  # LinkrAPI's seed gives no date


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_the_shipped_brands_publish_neither_file(slug):
    brand = load_project(REPO).brands[slug]
    assert brand.security.disclosure is None and brand.gpc is None  # their seeds state neither
    assert wellknown.security_txt(brand, SITE, SECURITY_PAGE, "en") is None
    assert wellknown.gpc_json(brand) is None
    assert wellknown.site_files(brand, SITE, SECURITY_PAGE, "en") == {}


# --- no value adds a line or a field ---------------------------------------------------------------------------

BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\x00", "\x1b[31m", " ", "\t", "%0A", "%0D%0A",
          "\nExpires: 2099-01-01T00:00:00Z", "\r\nContact: mailto:evil@evil.example", "?cc=evil@evil.example",
          ",evil@evil.example", "#", ": ", "Policy: https://evil.example/", "é", "<", '"']
_piece = st.one_of(st.sampled_from(BREAKS), st.text(max_size=8))
_hostile = st.lists(_piece, min_size=1, max_size=4).map("".join)
# Visible characters only: most of these pass the model, so what reaches the file is tested as well as refusals.
_visible = st.text(st.characters(exclude_categories=("Cs", "Cc", "Z")), min_size=1, max_size=12)
_URLS = ("https://linkrapi.com/{}", "https://linkrapi.com/a?{}", "https://{}")
_SHAPES = {"contact": _URLS + ("{}@linkrapi.com", "security{}@linkrapi.com"), "preferred_languages": ("en{}", "en-{}")}


def hostile_for(key: str) -> st.SearchStrategy:
    """Hostile values for one fact: anything, and values shaped like what the fact accepts."""
    shapes = _SHAPES.get(key, _URLS)
    shaped = [text.map(shape.format) for shape in shapes for text in (_hostile, _visible)]
    if key == "preferred_languages":  # tags the model takes, some with a hostile tail
        tags = st.from_regex(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,2}", fullmatch=True)
        shaped += [tags, st.tuples(tags, _hostile).map("".join)]
    return st.one_of(_hostile, *shaped)


SLOTS = [("contact", 0), ("contact", 1), ("policy", None), ("acknowledgments", None), ("encryption", None),
         ("preferred_languages", 0)]


@pytest.fixture(scope="module")
def base_facts(tmp_path_factory) -> dict:
    """LinkrAPI's facts as data, with a full disclosure."""
    root = tmp_path_factory.mktemp("wellknown")
    for folder in ("content", "templates", "schemas"):
        shutil.copytree(REPO / folder, root / folder)
    replace_text(root / LINKRAPI, ANCHOR, FULL + ANCHOR)
    return load_project(root).brands["linkrapi"].model_dump()


def _expected_names(disclosure: dict) -> list[str]:
    names = ["Contact"] * len(disclosure["contact"]) + ["Expires"]
    names += [n for n, k in (("Encryption", "encryption"), ("Acknowledgments", "acknowledgments")) if disclosure.get(k)]
    return names + ["Policy", "Preferred-Languages", "Canonical"]


@pytest.mark.parametrize("slot", SLOTS, ids=[f"{k}{'' if i is None else f'[{i}]'}" for k, i in SLOTS])
@given(draw=st.data())
def test_no_value_adds_a_line_or_a_field(base_facts, slot, draw):
    value = draw.draw(hostile_for(slot[0]), label="value")
    data = json.loads(json.dumps(base_facts, default=str))
    disclosure = data["security"]["disclosure"]
    key, index = slot
    if index is None:
        disclosure[key] = value
    else:
        disclosure[key][index] = value
    try:
        brand = Brand.model_validate(data)
    except ValidationError:
        brand = None  # refused, with a finding: nothing is written
    event(f"{key}: {'refused by the model' if brand is None else 'accepted'}")
    if brand is not None:
        text = wellknown.security_txt(brand, SITE, SECURITY_PAGE, "en")
        assert [name for name, _ in rfc9116_fields(text)] == _expected_names(disclosure), text
        assert_rfc9116(text)
    # Belt and braces: facts that never went through the model are written safely or not at all.
    valid = Brand.model_validate(base_facts)
    raw = {**valid.security.disclosure.__dict__, key: disclosure[key]}
    unchecked = valid.model_copy(update={"security": valid.security.model_copy(
        update={"disclosure": SecurityDisclosure.model_construct(**raw)})})
    try:
        text = wellknown.security_txt(unchecked, SITE, SECURITY_PAGE, "en")
    except ValueError:
        event(f"{key}: unchecked, refused by security_txt")
        return
    assert [name for name, _ in rfc9116_fields(text)] == _expected_names(disclosure), text
    assert_rfc9116(text)


@pytest.mark.parametrize(("value", "words"), [
    ("http://linkrapi.com/report", "not an email address or an https:// address"),
    ("security@linkrapi.com\r\nContact: mailto:evil@evil.example", "not an email address or an https:// address"),
    ("mailto:security@linkrapi.com", "not an email address or an https:// address"),
    ("security@linkrapi.com?cc=evil@evil.example", "not an email address or an https:// address"),
    ("https://evil.example@linkrapi.com/", "does not start with a host name"),
])
def test_the_model_refuses_a_contact_that_is_not_one_address(project, edit, value, words):
    with_disclosure(project, edit, MINIMAL.replace("[security@linkrapi.com]", json.dumps([value])))
    result = CliRunner().invoke(cli, ["-C", str(project), "check"])
    assert result.exit_code == 1
    assert "error[fact-value] the security contact (security.disclosure.contact[1])" in result.output, result.output
    assert words in result.output


# --- the RFC's rules, as a build checks what it publishes --------------------------------------------------------

GOOD = "Contact: mailto:security@example.com\nExpires: 2027-06-30T00:00:00.000Z\n"


@pytest.mark.parametrize(("text", "problem"), [
    (GOOD, None),
    ("# a comment\n\ncontact: mailto:a@example.com \r\nEXPIRES: 2027-06-30T00:00:00Z\n", None),  # any case, CRLF
    ("Contact: tel:+1-201-555-0123\nContact: https://example.com/report\nExpires: 2027-06-30T02:00:00+02:00\n", None),
    ("Expires: 2027-06-30T00:00:00.000Z\n", "no Contact field"),
    ("Contact: mailto:security@example.com\n", "no Expires field"),
    (GOOD + "Expires: 2027-05-30T00:00:00.000Z\n", "Expires appears 2 times"),
    (GOOD + "Preferred-Languages: en\npreferred-languages: de\n", "Preferred-Languages appears 2 times"),
    ("Contact: http://example.com/report\nExpires: 2027-06-30T00:00:00.000Z\n", "uses http:"),
    (GOOD + "Policy: mailto:a@example.com\n", "uses mailto:"),
    (GOOD + "Canonical: http://example.com/.well-known/security.txt\n", "uses http:"),
    (GOOD + "Encryption: https://example.com/key with space\n", "not one URI"),
    ("Contact: mailto:security@example.com\nExpires: 2027-06-30\n", "not an RFC 3339 date-time"),
    ("Contact: mailto:security@example.com\nExpires: 2026-12-03T00:00:00.000Z\n", "the file is stale"),
    ("Contact: mailto:security@example.com\nExpires: 2027-12-04T00:00:00.000Z\n", "more than a year"),
    (GOOD + "just words\n", "line 3: not a comment"),
    (GOOD + "Contact:mailto:a@example.com\n", "line 3: not a comment"),
    (GOOD + "Preferred-Languages: en; de\n", "not a comma-separated list"),
    (GOOD.rstrip("\n"), "does not end with a line break"),
])
def test_validate_security_txt_applies_rfc_9116(text, problem):
    problems = wellknown.validate_security_txt(text, dt.date(2026, 12, 3))
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_expires_is_the_start_of_the_review_date_in_utc():
    assert wellknown.expires_stamp(dt.date(2027, 6, 30)) == "2027-06-30T00:00:00.000Z"
    assert wellknown.one_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    day = dt.date(2026, 12, 3)
    limit = wellknown.expires_stamp(wellknown.one_year_after(day))
    assert wellknown.validate_security_txt(f"Contact: mailto:a@example.com\nExpires: {limit}\n", day) == []
    stale = wellknown.expires_stamp(day)  # the file stops being trusted at the first moment of the review date
    assert wellknown.validate_security_txt(f"Contact: mailto:a@example.com\nExpires: {stale}\n", day)


# --- the check rule -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expires", "severity", "words"), [
    ("2026-11-30", "error", "was due for review on 2026-11-30 (today is 2026-12-01)"),
    ("2026-12-01", "error", "was due for review on 2026-12-01"),
    ("2026-12-02", "warning", "due for review on 2026-12-02, in 1 day;"),
    ("2026-12-31", "warning", "in 30 days"),
    ("2027-01-01", None, None),
    ("2027-12-01", None, None),  # a year ahead: as far as RFC 9116 recommends
    ("2027-12-02", "warning", "more than a year from today (2026-12-01); RFC 9116 recommends less than a year"),
])
def test_security_txt_expires_is_reported_at_the_date(project, edit, where, monkeypatch, expires, severity, words):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DEC_1_2026)
    text = with_disclosure(project, edit, MINIMAL.replace("2027-06-30", expires))
    found = [f for f in run_checks(load_project(project)) if f.rule == "security-txt-expires"]
    if severity is None:
        assert found == []
        return
    [finding] = found
    assert (finding.path, finding.line, finding.column) == (LINKRAPI, *where(text, f"expires: {expires}", 9))
    assert finding.severity == severity and words in finding.message, finding.message
    assert finding.fact == "security.disclosure.expires"
    assert "set 'expires'" in finding.message.lower() or "set a new date" in finding.message  # how to fix it


def test_the_rule_is_registered_as_an_error():
    assert RULES["security-txt-expires"].severity == "error"


def test_a_brand_with_a_disclosure_passes_check_and_shows_it_on_its_security_page(project, edit, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DEC_1_2026)
    with_disclosure(project, edit)
    edit(project / LINKRAPI, ACCEPTANCE, "")  # the gap is closed, so its acceptance goes too
    loaded = load_project(project)
    assert run_checks(loaded) == []  # page-fact-missing included: the page shows every address
    page = render_project(loaded)["linkrapi"]["security"]
    assert "## Reporting a vulnerability" in page
    assert "(<mailto:security@linkrapi.com>) or " in page and "(<https://linkrapi.com/report>)" in page
    assert "(<https://linkrapi.com/vulnerability-disclosure>)" in page


# --- the shipped brands: check names the missing contact ----------------------------------------------------

def test_check_names_the_missing_security_contact_of_each_shipped_brand(project, edit, where):
    texts = {slug: edit(project / f"content/brands/{slug}.yaml", ACCEPTANCE, "") for slug in SHIPPED}
    result = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "check"], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr  # a warning: the site is built without the file
    for slug, name in SHIPPED.items():
        line, column = where(texts[slug], "\nsecurity:\n  ", 13)
        assert (f"content/brands/{slug}.yaml:{line}:{column}: warning[fact-gap] {name}, security page: the security "
                "contact for reporting vulnerabilities is not given, so the page does not state it and the site "
                "publishes no security.txt (RFC 9116). Add 'disclosure:' here once the legal team has confirmed it "
                "(fact: security.disclosure).") in result.stdout, result.stdout


def test_the_shipped_brands_accept_the_gap_until_a_contact_is_given(project):
    result = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "check", "--strict"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    for slug in SHIPPED:
        assert ACCEPTANCE in (project / f"content/brands/{slug}.yaml").read_text(encoding="utf-8")
    # Accepted, the gap is still named, on request, with who accepted it, until when and why.
    listed = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "check", "--accepted"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for slug, name in SHIPPED.items():
        line = next(line for line in listed.stdout.splitlines()
                    if line.startswith(f"content/brands/{slug}.yaml:") and "(fact: security.disclosure)" in line)
        assert f" accepted[fact-gap] {name}, security page: the security contact" in line
        assert line.endswith("(accepted by Sample project maintainers until 2027-12-31: The seed policy names no "
                             "security contact, so no security.txt is published.)")
    assert "accepted gap(s) listed" in listed.stdout


# --- gpc.json -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("facts", "expected", "changes"), [
    ("gpc:\n  honoured: true\n", {"gpc": True, "lastUpdate": "2026-05-01"}, "changes: []\n"),  # idclinks' dates.last_updated
    ("gpc:\n  honoured: false\n", {"gpc": False, "lastUpdate": "2026-05-01"}, "changes: []\n"),
    ("gpc:\n  honoured: true\n  last_update: 2026-02-01\n", {"gpc": True, "lastUpdate": "2026-02-01"}, "changes: []\n"),
    # a later change that touched the stance dates it
    ("gpc:\n  honoured: true\n", {"gpc": True, "lastUpdate": "2026-06-01"}, ("changes:\n  - date: 2026-06-01\n"
     "    summary: We now honour Global Privacy Control.\n    facts: [gpc]\n")),
])
def test_gpc_json_states_the_brands_stance(project, edit, facts, expected, changes):
    edit(project / IDCLINKS, "changes: []\n", changes + facts)
    text = wellknown.gpc_json(load_project(project).brands["idclinks"])
    assert json.loads(text) == expected
    assert text == json.dumps(expected, indent=2, sort_keys=True) + "\n"  # stable: sorted keys, one newline
    assert wellknown.validate_gpc_json(text) == []


def test_gpc_json_has_no_date_where_the_facts_give_none(project, edit):
    edit(project / LINKRAPI, "changes: []\n", "changes: []\ngpc:\n  honoured: false\n")
    assert json.loads(wellknown.gpc_json(linkrapi(project))) == {"gpc": False}


def test_the_privacy_page_shows_the_stance(project, edit, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DEC_1_2026)
    edit(project / IDCLINKS, "changes: []\n", "changes: []\ngpc:\n  honoured: true\n")
    loaded = load_project(project)
    assert "We honor the Global Privacy Control (GPC) signal." in render_project(loaded)["idclinks"]["privacy"]
    edit(project / IDCLINKS, "  honoured: true\n", "  honoured: true\n  statement: We treat a GPC signal as a "
         "request to opt out of any sale or sharing of your personal information.\n")
    loaded = load_project(project)
    page = render_project(loaded)["idclinks"]["privacy"]
    assert "We treat a GPC signal as a request to opt out" in page and "We honor the" not in page
    assert not [f for f in run_checks(loaded) if f.is_error]


@pytest.mark.parametrize(("text", "problem"), [
    ('{"gpc": true, "lastUpdate": "2026-05-01"}', None),
    ('{"gpc": false, "version": 1}', None),
    ('{"gpc": "true"}', "not true or false"),
    ('{"lastUpdate": "2026-05-01"}', "no 'gpc' member"),
    ('{"gpc": true, "lastUpdate": "2026-02-30"}', "not a date"),
    ('[true]', "not a JSON object"),
    ("gpc: true", "not JSON"),
])
def test_validate_gpc_json(text, problem):
    problems = wellknown.validate_gpc_json(text)
    assert problems == [] if problem is None else any(problem in p for p in problems), problems


# --- the build publishes them, validated ----------------------------------------------------------------------

def test_the_build_publishes_both_files_at_the_root_of_the_brands_site(project, edit, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DEC_1_2026)
    with_disclosure(project, edit)
    edit(project / LINKRAPI, "changes: []\n", "changes: []\ngpc:\n  honoured: false\n")
    build_project(project)
    site = project / "site" / "linkrapi"
    fields = assert_rfc9116((site / ".well-known" / "security.txt").read_text(encoding="utf-8"))
    assert fields["canonical"] == [f"{SITE}.well-known/security.txt"]
    assert fields["policy"] == ["https://linkrapi.com/vulnerability-disclosure"]
    assert json.loads((site / ".well-known" / "gpc.json").read_text(encoding="utf-8")) == {"gpc": False}
    # Only where the facts give them: not for the other brands, and not in a version's own site.
    assert not list((project / "site").glob("journeyapi/**/.well-known")) and \
        not list((project / "site").glob("idclinks/**/.well-known"))
    assert not list(site.glob("versions/*/.well-known"))


def test_a_security_txt_that_breaks_the_rfc_is_not_published(project, edit, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DEC_1_2026)
    with_disclosure(project, edit, MINIMAL)
    build_project(project)
    before = (project / "site" / "linkrapi" / ".well-known" / "security.txt").read_bytes()
    broken = wellknown.security_txt  # a writer that drops the required Expires line
    monkeypatch.setattr(wellknown, "security_txt",
                        lambda *args: broken(*args) and "\n".join(line for line in broken(*args).splitlines()
                                                                  if not line.startswith("Expires")) + "\n")
    edit(project / LINKRAPI, "contact: [security@linkrapi.com]", "contact: [sec@linkrapi.com]")
    with pytest.raises(BuildError, match="security.txt.*Expires"):
        build_project(project)
    assert (project / "site" / "linkrapi" / ".well-known" / "security.txt").read_bytes() == before
