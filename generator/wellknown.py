"""Facts → the files a site publishes under /.well-known/ for machines: ``security.txt`` and ``gpc.json``.

- ``security.txt`` (RFC 9116) tells a security researcher where to report a vulnerability. It is written only
  from ``security.disclosure``: a brand whose policy names no security contact publishes none.
- ``gpc.json`` (the Global Privacy Control specification) says whether the site honours the GPC signal. It is
  written only from ``gpc``: a brand whose policy states no stance publishes none.

Nothing is invented and nothing reads a clock: the same facts give the same bytes. Every value is written as
one printable, percent-encoded address or tag, so no fact can start a line or add a field (the model refuses
such values already; a value that still cannot be written safely raises ValueError rather than be written).

``validate_security_txt`` and ``validate_gpc_json`` read a file the way a consumer does, by the rules of the
RFC and of the specification, so a build can check what it is about to publish.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from .feeds import facts_date, to_json
from .model import Brand, contact_uri, safe_url

SECURITY_TXT = ".well-known/security.txt"
GPC_JSON = ".well-known/gpc.json"

# RFC 5646 language tags, in the general shape a reader checks: a language subtag of 2 to 8 letters then
# subtags of up to 8 letters or digits, or a private-use tag (x-...).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*|[Xx](-[A-Za-z0-9]{1,8})+")
# What an encoded address may hold in a security.txt line: printable ASCII, no space (RFC 3986 characters).
_INERT = re.compile(r"[\x21-\x7e]+")


# --- writing -----------------------------------------------------------------------------------------

def expires_stamp(day: dt.date) -> str:
    """RFC 9116's Expires value for a review date: the start of that day, UTC, in RFC 3339 form.

    The file is stale from the first moment of the review date, so it is never trusted on a day ``check`` fails.
    """
    return f"{day.isoformat()}T00:00:00.000Z"


def _address(value: str, what: str) -> str:
    """``value`` as one encoded address, or ValueError naming the fact it came from."""
    try:
        address = safe_url(value)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    if not _INERT.fullmatch(address):  # safe_url encodes every other character; this never holds otherwise
        raise ValueError(f"{what}: '{value}' cannot be written as one line of security.txt")
    return address


def _web_address(value: str | None) -> str | None:
    """An https:// address the caller knows (the site's, its security page's), or None if there is none."""
    if not value or not value.startswith("https://"):
        return None  # a local preview (http://127.0.0.1) has no address a researcher can rely on
    return _address(value, "the site's address")


def _languages(brand: Brand, language: str) -> list[str]:
    stated = list(brand.security.disclosure.preferred_languages) if brand.security.disclosure else []
    for tag in stated:
        if not _LANGUAGE_TAG.fullmatch(tag):
            raise ValueError(f"security.disclosure.preferred_languages: '{tag}' is not a language tag")
    if stated:
        return stated
    site = (language or "").replace("_", "-")  # MkDocs themes write some languages as pt_BR
    return [site] if _LANGUAGE_TAG.fullmatch(site) else []


def security_txt(brand: Brand, site_url: str | None, security_page_url: str | None, language: str) -> str | None:
    """The brand's /.well-known/security.txt (RFC 9116), or None when its facts give no security contact.

    ``site_url``: the site's https:// address ("https://linkrapi.com/"), for the Canonical field; None, or an
    address that is not https://, leaves it out. ``security_page_url``: the security page's https:// address,
    the Policy when the facts give no policy of their own. ``language``: the site's language, the
    Preferred-Languages when the facts give none.
    """
    disclosure = brand.security.disclosure
    if disclosure is None:
        return None
    if not disclosure.contact:
        raise ValueError("security.disclosure.contact: give at least one address to report a vulnerability to")
    fields = [("Contact", _address(contact_uri(c), "security.disclosure.contact")) for c in disclosure.contact]
    fields.append(("Expires", expires_stamp(disclosure.expires)))
    if disclosure.encryption:
        fields.append(("Encryption", _address(disclosure.encryption, "security.disclosure.encryption")))
    if disclosure.acknowledgments:
        fields.append(("Acknowledgments", _address(disclosure.acknowledgments,
                                                   "security.disclosure.acknowledgments")))
    policy = (_address(disclosure.policy, "security.disclosure.policy") if disclosure.policy
              else _web_address(security_page_url))
    if policy:
        fields.append(("Policy", policy))
    if languages := _languages(brand, language):
        fields.append(("Preferred-Languages", ", ".join(languages)))
    if site := _web_address(site_url):
        fields.append(("Canonical", site.rstrip("/") + "/" + SECURITY_TXT))
    return "".join(f"{name}: {value}\n" for name, value in fields)


def gpc_date(brand: Brand) -> dt.date | None:
    """When the brand's stance on Global Privacy Control was last updated: the fact, else the newest of the
    policy's date and the changes that touched ``gpc``; None when nothing dates it."""
    if brand.gpc is None:
        return None
    return brand.gpc.last_update or facts_date(brand, "gpc")


def gpc_json(brand: Brand) -> str | None:
    """The brand's /.well-known/gpc.json, or None when its policy states no stance on Global Privacy Control."""
    if brand.gpc is None:
        return None
    document: dict = {"gpc": bool(brand.gpc.honoured)}
    if day := gpc_date(brand):
        document["lastUpdate"] = day.isoformat()
    return to_json(document)


def site_files(brand: Brand, site_url: str | None, security_page_url: str | None, language: str) -> dict[str, str]:
    """The well-known files the brand's facts give, by path from the site's root; none for a brand that states
    neither a security contact nor a stance on Global Privacy Control."""
    files = {SECURITY_TXT: security_txt(brand, site_url, security_page_url, language), GPC_JSON: gpc_json(brand)}
    return {path: text for path, text in files.items() if text is not None}


# --- reading, by the RFC's rules -----------------------------------------------------------------------

# RFC 5322 field-name: printable ASCII but ':'.
_FIELD = re.compile(r"([\x21-\x39\x3b-\x7e]+):(.*)")
# RFC 3986 URI: a scheme, then only URI characters, each '%' starting an escape.
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")
# RFC 3339 date-time.
_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_COMMENT = re.compile(r"#[\t\x20-\x7e\x80-\U0010ffff]*")
_UNSTRUCTURED = re.compile(r"[\t\x20-\x7e\x80-\U0010ffff]*")
# RFC 9116 section 2.5: the fields whose value is a URI, and the schemes each may use.
_URI_SCHEMES = {
    "contact": ("mailto", "https", "tel"),
    "canonical": ("https",),
    "policy": ("https",),
    "acknowledgments": ("https",),
    "hiring": ("https",),
    "encryption": ("https", "dns", "openpgp4fpr"),
}
_ONCE = {"expires": "Expires", "preferred-languages": "Preferred-Languages"}


def one_year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February for 29 February); 9999-12-31 past the calendar's end."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return dt.date.max if day.year >= dt.MAXYEAR else day.replace(year=day.year + 1, day=28)


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _day_after(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` ends, UTC (the calendar's last moment for its last day)."""
    return _start(day + dt.timedelta(days=1)) if day < dt.date.max else dt.datetime.max.replace(tzinfo=dt.UTC)


def parse_date_time(value: str) -> dt.datetime | None:
    """An RFC 3339 date-time as an aware datetime, or None if ``value`` is not one."""
    m = _DATE_TIME.fullmatch(value)
    if not m:
        return None
    zone = "+00:00" if m[8] in "Zz" else m[8]
    try:
        return dt.datetime.fromisoformat(f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:{m[5]}:{m[6]}{zone}")
    except ValueError:
        return None


def validate_security_txt(text: str, build_date: dt.date) -> list[str]:
    """What is wrong with ``text`` as a security.txt published on ``build_date``, by RFC 9116's rules:
    each problem in a sentence, starting with its line number where it has one. Empty: the file is valid.

    Checked: every line is empty, a comment or ``Field: value`` and ends with a line break; field names are
    read without regard to case; Contact appears at least once, Expires exactly once, Preferred-Languages at
    most once; addresses are URIs with the schemes the RFC allows (https:// for the web); Expires is an RFC 3339
    date-time after ``build_date`` and, as the RFC recommends, no more than a year after it.
    """
    problems: list[str] = []
    seen: dict[str, list[int]] = {}
    if text and not text.endswith("\n"):
        problems.append("the last line does not end with a line break")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, raw in enumerate(lines, 1):
        line = raw.removesuffix("\r").rstrip(" \t")  # eol = *WSP [CR] LF
        if not line:
            continue
        if line.startswith("#"):
            if not _COMMENT.fullmatch(line):
                problems.append(f"line {number}: the comment holds a control character")
            continue
        m = _FIELD.fullmatch(line)
        if not m or not m[2].startswith(" "):
            problems.append(f"line {number}: not a comment, an empty line or 'Field: value'")
            continue
        name, value = m[1].lower(), m[2][1:]
        seen.setdefault(name, []).append(number)
        if not _UNSTRUCTURED.fullmatch(value):
            problems.append(f"line {number}: the value of {m[1]} holds a control character")
            continue
        if name in _URI_SCHEMES:
            uri = _URI.fullmatch(value)
            if not uri:
                problems.append(f"line {number}: {m[1]} is not one URI: {value!r}")
            elif uri[1].lower() not in _URI_SCHEMES[name]:
                allowed = ", ".join(f"{s}:" for s in _URI_SCHEMES[name])
                problems.append(f"line {number}: {m[1]} uses {uri[1]}:, not one of {allowed}")
            elif uri[1].lower() == "https" and not value[len("https:"):].startswith("//"):
                problems.append(f"line {number}: {m[1]} is not an https:// address")
        elif name == "expires":
            when = parse_date_time(value)
            if when is None:
                problems.append(f"line {number}: Expires is not an RFC 3339 date-time such as "
                                f"{expires_stamp(build_date)}: {value!r}")
                continue
            if when < _day_after(build_date):
                problems.append(f"line {number}: Expires ({value}) is not after {build_date.isoformat()}: the file "
                                "is stale")
            elif when > _start(one_year_after(build_date)):
                problems.append(f"line {number}: Expires ({value}) is more than a year after "
                                f"{build_date.isoformat()}; RFC 9116 recommends less than a year")
        elif name == "preferred-languages":
            tags = [t.strip(" \t") for t in value.split(",")]
            if not all(_LANGUAGE_TAG.fullmatch(t) for t in tags):
                problems.append(f"line {number}: Preferred-Languages is not a comma-separated list of language "
                                f"tags: {value!r}")
    if "contact" not in seen:
        problems.append("no Contact field: security.txt must give at least one")
    if "expires" not in seen:
        problems.append("no Expires field: security.txt must give exactly one")
    for name, shown in _ONCE.items():
        if len(seen.get(name, [])) > 1:
            lines_at = ", ".join(map(str, seen[name]))
            problems.append(f"{shown} appears {len(seen[name])} times (lines {lines_at}); it may appear only once")
    return problems


def validate_gpc_json(text: str) -> list[str]:
    """What is wrong with ``text`` as a /.well-known/gpc.json, by the Global Privacy Control specification:
    a JSON object whose ``gpc`` is true or false and whose ``lastUpdate``, if any, is a date (YYYY-MM-DD).
    Other members are allowed (``version``, say), as the specification tells readers to ignore them."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    if not isinstance(data, dict):
        return ["not a JSON object"]
    problems = []
    if "gpc" not in data:
        problems.append("no 'gpc' member")
    elif not isinstance(data["gpc"], bool):
        problems.append(f"'gpc' is {json.dumps(data['gpc'])}, not true or false")
    if "lastUpdate" in data:
        value = data["lastUpdate"]
        try:
            ok = isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and dt.date.fromisoformat(value)
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"'lastUpdate' is {json.dumps(value)}, not a date written YYYY-MM-DD")
    return problems
