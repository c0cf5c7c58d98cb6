"""The typed facts: what a legal team may write in ``content/``.

Every field carries:
- a description, in words a lawyer uses; errors, the JSON Schema and the docs quote it;
- ``pages``: the pages that must show the fact (a test checks each one does);
- ``expected``: leaving it out is a gap that ``legalsite check`` reports.

Unknown keys are refused. Values arrive from the loader as strings and are
converted here, so ``010`` in a text field stays ``010``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

PAGES = ("index", "privacy", "cookies", "security")


def fact(description: str, *, pages: tuple[str, ...] = (), expected: bool = False, default: Any = None,
         phrase: str | None = None, ref: str | None = None, examples: list | None = None, noun: str | None = None,
         qualifies: str | None = None, unstated: str | None = None, **kwargs) -> Any:
    """Declare one fact field: its description, the pages that show it, and whether its absence is a gap.

    ``noun`` names the fact in a sentence ("the retention period") where the description does not start with one.
    ``qualifies`` names the sibling fact a qualifier ("may", "up to", "including") belongs to ("/cookies": a
    fact of the brand itself): the page must print the phrase where it prints that fact (tests/test_qualifiers.py).
    ``unstated`` says what else is left out while an expected fact is not given, beyond the passage on its page
    ("the site publishes no security.txt"): the gap's finding says it too.
    """
    extra: dict[str, Any] = {"pages": list(pages)}
    if unstated:
        extra["unstated"] = unstated
    if qualifies:
        extra["qualifies"] = qualifies
    if noun:
        extra["noun"] = noun
    if ref:
        extra["ref"] = ref  # an id of a "vendor", "category", "page" or "provider": pages show what it names
    if expected:
        extra["expected"] = True
    if phrase:
        extra["phrase"] = phrase  # what a page says when a yes/no fact is yes
    if "default_factory" not in kwargs:
        kwargs["default"] = default
    return Field(description=description, json_schema_extra=extra, examples=examples, **kwargs)


def fact_name(info) -> str:
    """A field's name in words for a sentence: its noun, else its description ("the brand's main colour")."""
    if noun := (info.json_schema_extra or {}).get("noun"):
        return noun
    words = re.sub(r"\s*\([^()]*\)\.?$", "", info.description or "").rstrip(".")
    words = re.sub(r", written YYYY-MM-DD$", "", words)
    return words[:1].lower() + words[1:]


def required(description: str, *, pages: tuple[str, ...] = (), ref: str | None = None, examples: list | None = None,
             noun: str | None = None, **kwargs) -> Any:
    extra: dict[str, Any] = {"pages": list(pages)}
    if noun:
        extra["noun"] = noun
    if ref:
        extra["ref"] = ref
    return Field(..., description=description, json_schema_extra=extra, examples=examples, **kwargs)


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _unwritten(cls, data: Any) -> Any:
        """A fact written with no value ("retention:") is not given yet, as if the line were not there.

        A group of facts that are all empty is not given either, unless it is required: then each of its
        required facts is reported, so a new brand's file lists exactly what is still to fill in.
        Unknown keys are kept, so a misspelt empty line is still reported.
        """
        if not isinstance(data, dict):
            return data
        fields = cls.__pydantic_fields__  # model_fields, without the descriptor it is read through (a brand has
        # some 400 facts: this runs for each)
        return {key: value for key, value in data.items()
                if key not in fields or not _blank(value) or (value is not None and fields[key].is_required())}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, dict) and all(_blank(v) for v in value.values()))


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("this is blank; write the text, or remove the line")
    return value


def _pattern(regex: str, what: str, example: str) -> Any:
    """Text written one way; the JSON Schema carries the same pattern, so an editor checks it as you type."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"'{value}' is not {what}; write it like {example}")
        return value

    # patternErrorMessage: the words the YAML language server shows instead of the bare pattern
    shown = {"type": "string", "pattern": f"^(?:{regex})$", "patternErrorMessage": f"Not {what}; write it like {example}."}
    return Annotated[str, AfterValidator(check), WithJsonSchema(shown)]


# Characters no output can carry: XML 1.0 forbids most of them (the Atom feed, SVG), and in a terminal
# line or an address they change its meaning. Tab and line breaks are only layout in YAML text.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _printable(value: str) -> str:
    if found := _UNPRINTABLE.search(value):
        raise ValueError(f"it contains the invisible control character U+{ord(found.group()):04X}, which no page "
                         "can show; delete it (in a quoted value, look for a \\ escape)")
    return value


_EMAIL = r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SAFE = "/:@!$&*+,;=-._~%"  # RFC 3986 path characters, less the quote and parentheses


def mailto(address: str) -> str:
    """The mailto: link to exactly one address (RFC 6068): '?', '&', '=' and the like are percent-encoded,
    so no text can add a recipient, a header or a body."""
    from urllib.parse import quote

    _printable(address)
    if not re.fullmatch(_EMAIL, address):
        raise ValueError(f"'{address}' is not one email address (a mailto: link gives only the address: "
                         "no ?subject=, cc or other headers)")
    if "%" in address:  # mail programs decode %0A to a line break: a new header
        raise ValueError(f"'{address}' has a '%', which a mail link cannot carry safely; check the address")
    local, domain = address.rsplit("@", 1)
    return f"mailto:{quote(local, safe='!$*+-._~')}@{domain}"


def safe_url(url: str) -> str:
    """The one way a fact becomes a link target: https:// to a named host, or mailto: one address.

    Every character that could end the address in Markdown, HTML or XML, or change where it leads
    (quotes, brackets, '|', '\\', non-ASCII), is percent-encoded; what encoding cannot make safe
    (another scheme, a user name before the host, white space) raises ValueError. Give it the fact as
    written: an https address encoded twice is unchanged, but a mailto: one would be refused for its '%'.
    """
    from urllib.parse import quote, urlsplit, urlunsplit

    _printable(url)
    if re.search(r"\s", url):
        raise ValueError(f"'{url}' has a space or line break in it; write %20 for a space in an address")
    if url.startswith("mailto:"):
        return mailto(url.removeprefix("mailto:"))
    if not url.startswith("https://"):
        raise ValueError(f"'{url}' is not an https:// or mailto: address")
    try:
        parts = urlsplit(url)
    except ValueError:  # "https://[x/": an unclosed IPv6 bracket
        raise ValueError(f"'{url}' is not a well-formed address") from None
    if not _HOST.fullmatch(parts.netloc):  # "https://bank.com@evil.com/" goes to evil.com
        raise ValueError(f"'{url}' does not start with a host name such as https://example.com/ "
                         "(no user name, '@' or '\\' before the first '/')")

    def encode(part: str, extra: str = "") -> str:
        return quote(_LONE_PERCENT.sub("%25", part), safe=_URL_SAFE + extra)

    return urlunsplit(("https", parts.netloc, encode(parts.path), encode(parts.query, "?"), encode(parts.fragment, "?")))


def _linkable(value: str) -> str:
    safe_url(value)  # refused here, with the fact's line, rather than when a page links it
    return value


def _mailable(value: str) -> str:
    mailto(value)
    return value


Text = Annotated[str, AfterValidator(_nonblank), AfterValidator(_printable)]
Id = _pattern(r"[a-z0-9][a-z0-9_-]*", "a short lowercase id", "'api_logs' (letters, digits, - and _)")
Email = Annotated[_pattern(_EMAIL, "an email address", "privacy@example.com"),
                  AfterValidator(_mailable)]
Domain = _pattern(r"(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}", "a domain name", "example.com")
Url = Annotated[_pattern(r"(https://[^\s<>\"]+|mailto:[^\s<>\"]+)", "an https:// or mailto: address",
                         "https://example.com/privacy"), AfterValidator(_linkable)]
_HTTPS = r"https://[^\s<>\"]+"
HttpsUrl = Annotated[_pattern(_HTTPS, "an https:// address", "https://example.com/security"), AfterValidator(_linkable)]


def _contactable(value: str) -> str:
    safe_url(contact_uri(value))
    return value


def contact_uri(contact: str) -> str:
    """Where a security contact is reached: its https:// address, or mailto: its email address (not yet encoded:
    ``safe_url`` encodes it)."""
    return contact if contact.startswith("https://") else f"mailto:{contact}"


SecurityContact = Annotated[_pattern(f"{_EMAIL}|{_HTTPS}", "an email address or an https:// address",
                                     "security@example.com or https://example.com/report-a-vulnerability"),
                            AfterValidator(_contactable)]
LanguageTag = _pattern(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", "a language tag", "en, or pt-BR")


def _written(regex: str, what: str):
    """Accept text only in the one way a lawyer would write it: no '1_000', '+5', '90.0' or Unix timestamps."""
    compiled = re.compile(regex)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise PydanticCustomError("written_as", "must be {expected}", {"expected": what})
        return value

    return BeforeValidator(check)


Count = Annotated[int, _written(r"[0-9]+", "a whole number such as 30"), Field(gt=0)]
Date = Annotated[dt.date, _written(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a date written YYYY-MM-DD, such as 2026-03-26")]
Page = Literal["privacy", "cookies", "security"]
# Closed lists of words, shared with the published JSON (feeds.py).
TimeUnit = Literal["hours", "days", "months", "years"]
VendorRole = Literal["subprocessor", "recipient"]
Storage = Literal["cookie", "local storage"]
CookieCategory = Literal["essential", "functional", "analytics", "advertising"]


# --- vendors ---------------------------------------------------------------

class Vendor(Fact):
    """One company that processes data for at least one brand."""

    id: Id = required("The short id brands use to refer to this vendor.", examples=["stripe"], noun="the id")
    name: Text = required("The vendor's legal name, as the brand's policy gives it.", pages=("privacy", "security"),
                          examples=["Stripe, Inc."])
    service: Text | None = fact("What the vendor does, in a few words, as a policy describes it (\"authentication "
                                "provider\"); leave it out where no policy says.", pages=("privacy", "security"),
                                examples=["Payment processing"], noun="the service")
    website: Url | None = fact("The vendor's website.", pages=("security",), expected=True, noun="the website")
    privacy_policy: Url | None = fact("Where the vendor's own privacy policy is published.", pages=("privacy", "security"), noun="the privacy policy address")
    locations: list[Text] = fact("Where the vendor processes data, when a policy says so.", pages=("security",),
                                 default_factory=list, noun="the places of processing")
    notes: list[Text] = fact("Further facts about the vendor that hold for every brand that uses it.",
                             pages=("privacy", "security"), default_factory=list, noun="the notes")


class AcceptedGap(Fact):
    """A gap the legal team has looked at and accepts for now: `check --strict` lets it pass until the date."""

    rule: Text = required("The id of the rule whose finding is accepted (as check prints it in [brackets]).",
                          examples=["fact-gap"], noun="the rule")
    facts: list[Text] = required("The facts the finding names (check prints each as 'fact: ...'); a fact covers "
                                 "the facts under it.", examples=[["contact.email"]], noun="the facts")
    reason: Text = required("Why the gap is accepted, in a sentence.", noun="the reason")
    accepted_by: Text = required("Who accepted it.", examples=["Legal team"], noun="who accepted it")
    until: Date = required("The last day the acceptance holds, written YYYY-MM-DD; after it, check fails again.",
                           examples=["2027-06-30"], noun="the last day it holds")


class VendorRegistry(Fact):
    vendors: list[Vendor] = fact("Every vendor or subprocessor any brand uses; none yet in a new project.",
                                 default_factory=list)
    accepted_gaps: list[AcceptedGap] = fact("Gaps in vendors' facts the legal team accepts for now.",
                                            default_factory=list)


# --- one brand -------------------------------------------------------------

Colour = _pattern(r"#[0-9a-fA-F]{6}", "a colour written #RRGGBB",
                  "\"#3949ab\", in quotes (in YAML an unquoted # starts a comment)")


class Theme(Fact):
    """The brand's look. Not a legal fact: legalsite adjusts shades so text and links stay readable (WCAG AA)."""

    primary: Colour = required("The brand's main colour, for the header and links (written \"#RRGGBB\", in quotes).",
                               examples=["#3949ab"])
    accent: Colour = required("The brand's accent colour, for highlights such as hovered links (written \"#RRGGBB\", in quotes).",
                              examples=["#00838f"])
    logo: Text | None = fact("The brand's logo, an .svg or .png file given as a path from content/ "
                             "(\"brands/linkrapi.svg\"); without one, the header shows the brand's initial.",
                             examples=["brands/linkrapi.svg"])


class Dates(Fact):
    last_updated: Date | None = fact("The date the whole policy was last revised, written YYYY-MM-DD "
                                     "(later entries in 'changes' date only the pages they touch).",
                                     expected=True)  # each page shows its own date: model.page_dates
    effective: Date | None = fact("The date the current policy took effect, written YYYY-MM-DD.", pages=("privacy",),
                                     expected=True)


class Definition(Fact):
    term: Text = required("The word the policy defines.", pages=("privacy",), examples=["Customers"])
    meaning: Text = required("What the word means in this policy.", pages=("privacy",), noun="the meaning")


class Duration(Fact):
    named_by_whole: ClassVar[bool] = True  # an error in its amount names the period: "the retention period of ..."
    amount: Count = required("The number of hours, days, months or years.", pages=("privacy",), examples=[90])
    unit: TimeUnit = required("The unit of time.", pages=("privacy",))

    # Longer than any period a policy states, and short enough for date arithmetic on any date.
    MAX_YEARS: ClassVar[int] = 1000

    @model_validator(mode="after")
    def _bounded(self) -> Duration:
        per_year = {"hours": 24 * 366, "days": 366, "months": 12, "years": 1}[self.unit]
        if self.amount > self.MAX_YEARS * per_year:
            raise ValueError(f"{self.amount:,} {self.unit} is more than {self.MAX_YEARS:,} years, longer than any "
                             "period a policy can state; check the number, or say it in words under 'statement'")
        return self


class Retention(Fact):
    """How long one category of data is kept. Rendered as one sentence."""

    applies_to: Text | None = fact("What the rule covers, in the policy's words, where that is not simply the category "
                                   "(\"API usage logs and task records\", \"prompt metadata (excluding image content)\").",
                                   pages=("privacy",), noun="what the retention rule covers")
    statement: Text | None = fact("Retention said in words, where it is not a period (\"not persisted by default\").",
                                  pages=("privacy",), noun="the retention statement")
    condition: Text | None = fact("Kept while this holds (\"your account is open\").", pages=("privacy",), noun="the condition for keeping the data")
    may: bool = fact("Whether the policy says the data *may* be kept (\"We may retain ...\"), not that it is.",
                     pages=("privacy",), default=False, phrase="may", noun="whether the data may be kept",
                     qualifies="period")
    period: Duration | None = fact("How long the data is kept.", pages=("privacy",), noun="the retention period")
    up_to: bool = fact("Whether the policy gives the period as a maximum (\"up to 90 days\"); without it the period "
                       "is shown exactly as written (\"90 days\").", pages=("privacy",), default=False,
                       phrase="up to", noun="whether the retention period is a maximum",
                       qualifies="period")
    after: Text | None = fact("The event the period counts from (\"account deletion\").", pages=("privacy",), noun="the event the retention period counts from")
    until: Text | None = fact("The event that ends retention (\"you delete your account\").", pages=("privacy",), noun="the event that ends retention")
    reason: Text | None = fact("Why the data is kept that long (\"as required by tax regulations\").",
                               pages=("privacy",), noun="the reason for the retention")
    unless: Text | None = fact("The exception to the period (\"deletion is requested\").", pages=("privacy",), noun="the exception to the retention period")
    then: Text | None = fact("What happens to the data at the end (\"purged\").", pages=("privacy",), noun="what happens to the data at the end of retention")


class RetentionEntry(Retention):
    """A line of the policy's retention schedule about records it does not list as collected data
    ("Billing records", "Generated image CDN cache")."""

    records: Text = required("The records the rule covers, in the policy's words.", pages=("privacy",),
                             examples=["Billing records"], noun="the records")
    categories: list[Id] = fact("Ids of the collected data categories these records are, where the policy itself "
                                "makes that link; it is never shown, it only tells 'check' the category's "
                                "retention is stated.", ref="category", default_factory=list,
                                noun="the data categories the records are")


class ConditionalItems(Fact):
    when: Text = required("When these items are collected, in the policy's words (\"if you sign in via Google\").",
                          pages=("privacy",), noun="the condition")
    items: list[Text] = required("The data collected only then.", pages=("privacy",), noun="the list of data")


class DataCategory(Fact):
    id: Id = required("A short id for this category, used by vendors' 'shares' lists.", examples=["api_logs"], noun="the id")
    name: Text = required("The category's name as the policy shows it.", pages=("privacy",),
                          examples=["API usage logs"])
    may: bool = fact("Whether the policy says this data *may* be collected, not that it is.", pages=("privacy",),
                     default=False, phrase="may", noun="whether the data may be collected", qualifies="items")
    items: list[Text] = fact("The list of data in this category.", pages=("privacy",), default_factory=list,
                             expected=True, noun="the list of data")
    items_examples: bool = fact("Whether the policy gives the list as examples (\"including ...\", \"such as ...\"), "
                                "not as the complete list.", pages=("privacy",), default=False, phrase="including",
                                noun="whether the list of data gives examples only", qualifies="items")
    conditional_items: list[ConditionalItems] = fact("Data collected only in some cases, each with its condition.",
                                                     pages=("privacy",), default_factory=list,
                                                     noun="the data collected only in some cases")
    source: Text | None = fact("How or when the data is collected.", pages=("privacy",), noun="how the data is collected")
    details: list[Text] = fact("Further statements about this category.", pages=("privacy",), default_factory=list, noun="the further statements")
    purposes: list[Text] = fact("Why this category is collected.", pages=("privacy",), default_factory=list, noun="the purposes")
    retention: Retention | None = fact("The retention of this category (how long it is kept).", pages=("privacy",), expected=True, noun="the retention")


class UseOfData(Fact):
    may: bool = fact("Whether the policy says the data *may* be used for these purposes, not that it is.",
                     pages=("privacy",), default=False, phrase="may", qualifies="purposes")
    solely: bool = fact("Whether the data is used for the listed purposes only (\"solely to\").", pages=("privacy",),
                        default=False, phrase="solely", qualifies="purposes")
    purposes: list[Text] = fact("The purposes the brand uses personal data for.", pages=("privacy",), default_factory=list,
                                expected=True)
    limits: list[Text] = fact("What the brand promises not to do with the data.", pages=("privacy",),
                              default_factory=list)


class VendorUse(Fact):
    vendor: Id = required("The id of a vendor in content/vendors.yaml.", pages=("privacy", "security"), ref="vendor",
                          examples=["stripe"], noun="the vendor id")
    role: VendorRole | None = fact(
        "Only where the policy classifies the vendor: 'subprocessor' for a provider that processes data for the "
        "brand; 'recipient' for a service the brand sends data to on the user's behalf.", noun="the role")
    purpose: Text | None = fact("What this brand uses the vendor for, where the policy says more than the vendor's "
                                "service.", pages=("privacy", "security"), noun="the purpose")
    shares: list[Id] = fact("Ids of the data categories this brand sends to the vendor, as the policy states them.",
                            pages=("privacy", "security"), ref="category", default_factory=list, noun="the data shared")
    receives: list[Id] = fact("Ids of the data categories this brand receives from the vendor, as the policy states "
                              "them (\"we receive billing metadata from Stripe\").", pages=("privacy", "security"),
                              ref="category", default_factory=list, noun="the data received")


class VendorGroup(Fact):
    name: Text = required("The kind of provider, where the seed names no company (\"Infrastructure providers\").",
                          pages=("privacy", "security"))
    purpose: Text = required("What these providers do for the brand.", pages=("privacy", "security"), noun="the purpose")
    includes: list[Id] = fact("Ids of vendors the policy names as examples of this kind.",
                              pages=("privacy", "security"), ref="vendor", default_factory=list, noun="the vendors named as examples")
    shares: list[Id] = fact("Ids of the data categories shared with these providers.", pages=("privacy", "security"),
                            ref="category", default_factory=list, noun="the data shared")
    details: list[Text] = fact("Further statements about these providers.", pages=("privacy", "security"),
                               default_factory=list, noun="the further statements")


class Sharing(Fact):
    statements: list[Text] = fact("General promises about sharing (\"We do not sell your personal data.\").",
                                  pages=("privacy",), default_factory=list)
    providers_term: Text | None = fact("What the policy calls the companies it shares data with (\"service "
                                       "providers\", \"sub-processors\"); headings use it. Without it, pages say "
                                       "\"providers\" and make no classification.",
                                       examples=["service providers"], noun="what the policy calls its providers")
    vendors_intro: Text | None = fact("The sentence that introduces the list of vendors, in the policy's words "
                                      "(\"Our key sub-processors include:\").", pages=("privacy",),
                                      noun="the sentence before the list of vendors")
    vendors_examples: bool = fact("Whether the policy gives the vendors as examples (\"include\"), not as the "
                                  "complete list.", pages=("privacy", "security"), default=False, phrase="include",
                                  noun="whether the list of vendors gives examples only", qualifies="vendors")
    vendors: list[VendorUse] = fact("The list of named vendors this brand shares data with.", pages=("privacy", "security"),
                                    default_factory=list, expected=True)
    also_named: list[Id] = fact("Ids of vendors the policy names elsewhere (in a purpose, how data is collected) "
                                "without listing them among the companies it shares data with. Pages never list "
                                "them as providers; naming them here tells 'check' the mention is meant.",
                                ref="vendor", default_factory=list, noun="the vendors named elsewhere")
    groups: list[VendorGroup] = fact("Kinds of providers the brand shares data with without naming them.",
                                     pages=("privacy", "security"), default_factory=list)
    terms: Text | None = fact("What binds the vendors (\"each is bound by a Data Processing Agreement\").",
                              pages=("privacy", "security"))
    list_page: Page | None = fact("The page the policy says holds the list of providers; the pointer is shown once "
                                  "that page has a list to show.", ref="page")
    change_notice: Duration | None = fact("How far ahead customers are told of a subprocessor change.",
                                          pages=("privacy", "security"))
    legal_requests: Text | None = fact("How the brand answers demands from authorities.", pages=("privacy",))


class AccountDeletion(Fact):
    removes: list[Text] = required("What deleting an account removes.", pages=("privacy",))
    may_keep: Text | None = fact("What may be kept after deletion (\"Anonymized usage logs\").", pages=("privacy",))
    kept_as: Id | None = fact("Id of the data category whose retention applies to what is kept.",
                              pages=("privacy",), ref="category")


class Cookie(Fact):
    name: Text | None = fact("The name of the cookie or storage key.", pages=("cookies",), expected=True)
    storage: Storage | None = fact("Where the browser keeps it, where the policy says.", pages=("privacy", "cookies"),
                                   noun="where the browser keeps it")
    provider: Id | None = fact("Who sets it, where the policy says: the brand's own slug, or the id of one of its "
                               "vendors.", pages=("privacy", "cookies"), ref="provider", noun="who sets it")
    managed_by: Id | None = fact("The vendor the policy says manages it (\"managed by Clerk\").",
                                 pages=("privacy", "cookies"), ref="vendor", noun="who manages it")
    purpose: Text = required("What it is for.", pages=("privacy", "cookies"), noun="the purpose")
    category: CookieCategory | None = fact(
        "Its category, where the policy gives one (\"essential cookies\").", pages=("privacy", "cookies"),
        expected=True, noun="the category")
    consent_required: bool | None = fact(
        "Whether the brand asks the visitor's consent before setting it, as the brand states; the consent banner "
        "lists exactly the cookies stated true.", pages=("cookies",), phrase="asked before it is set",
        noun="whether consent is asked")
    duration: Text | None = fact("The lifetime of the cookie or storage entry (\"session\", \"1 year\").", pages=("cookies",), expected=True, noun="the lifetime")


class CookiePolicy(Fact):
    may: bool = fact("Whether the policy says the brand *may* use these cookies (\"We may use cookies ...\").",
                     pages=("privacy", "cookies"), default=False, phrase="may", qualifies="/cookies")
    not_used: list[Text] = fact("Kinds of cookies or tracking the brand says it does not use.",
                                pages=("privacy", "cookies"), default_factory=list)
    controls: Text | None = fact("How a visitor controls cookies.", pages=("privacy", "cookies"))


class SecurityDisclosure(Fact):
    """How to report a security vulnerability to the brand: published as /.well-known/security.txt (RFC 9116)."""

    contact: list[SecurityContact] = required(
        "Where to report a security vulnerability, most preferred first: an email address, or the https:// address "
        "of a page for reports (security.txt 'Contact').", pages=("security",), min_length=1,
        examples=[["security@example.com"]], noun="the security contact")
    expires: Date = required(
        "The date by which the legal team must review the security contact again, written YYYY-MM-DD: security.txt "
        "tells researchers to trust it only until then (security.txt 'Expires'; RFC 9116 recommends less than a "
        "year ahead). From that day 'legalsite check' fails until a new date is set.", examples=["2027-06-30"],
        noun="the date the security contact must be reviewed again")
    policy: HttpsUrl | None = fact(
        "The https:// address of the brand's vulnerability disclosure policy: what researchers may test and how "
        "reports are handled (security.txt 'Policy'). Without it, security.txt points to the security page.",
        pages=("security",), noun="the address of the vulnerability disclosure policy")
    acknowledgments: HttpsUrl | None = fact(
        "The https:// address of the page that thanks the people who reported vulnerabilities (security.txt "
        "'Acknowledgments').", pages=("security",), noun="the address of the acknowledgments page")
    encryption: HttpsUrl | None = fact(
        "The https:// address of the key researchers should encrypt their reports with, such as an OpenPGP key "
        "(security.txt 'Encryption').", pages=("security",), noun="the address of the encryption key")
    preferred_languages: list[LanguageTag] = fact(
        "The languages reports may be written in, most preferred first, as language tags such as en or de "
        "(security.txt 'Preferred-Languages'). Without them, the site's language.", default_factory=list,
        examples=[["en"]], noun="the languages reports may be written in")


class Security(Fact):
    summary: Text | None = fact("The general security commitment.", pages=("privacy", "security"))
    measures: list[Text] = fact("The list of security measures the brand states.", pages=("privacy", "security"),
                                default_factory=list, expected=True)
    measures_examples: bool = fact("Whether the policy gives the measures as examples (\"These measures include\"), "
                                   "not as the complete list.", pages=("privacy", "security"), default=False,
                                   phrase="include", qualifies="measures")
    limits: Text | None = fact("What the brand says security cannot guarantee.", pages=("privacy", "security"))
    breach: Text | None = fact("What the brand does after a data breach.", pages=("privacy", "security"))
    disclosure: SecurityDisclosure | None = fact(
        "How to report a security vulnerability to the brand: its security contact, and when the legal team must "
        "review it again. The security page shows it and the site publishes it as /.well-known/security.txt "
        "(RFC 9116); without it, the site publishes no security.txt.", pages=("security",), expected=True,
        noun="the security contact for reporting vulnerabilities",
        unstated="the site publishes no security.txt (RFC 9116)")


class Right(Fact):
    name: Text = required("The right (\"Access\").", pages=("privacy",))
    description: Text | None = fact("What the right lets a person ask for.", pages=("privacy",), noun="the description")


class Rights(Fact):
    preface: Text | None = fact("Words before the list (\"Depending on your jurisdiction\").", pages=("privacy",))
    items: list[Right] = fact("The list of rights a person has.", pages=("privacy",), default_factory=list, expected=True)
    when: Text | None = fact("When the rights can be used (\"at any time\").", pages=("privacy",))
    response: Duration | None = fact("The time within which the brand answers a rights request.", pages=("privacy",),
                                     expected=True)
    verification: Text | None = fact("What the brand may ask to confirm who is asking.", pages=("privacy",))
    complaints: Text | None = fact("Where a person may complain to a supervisory authority.", pages=("privacy",))
    end_users: Text | None = fact("What people whose data a customer sent should do.", pages=("privacy",))


class Transfers(Fact):
    statements: list[Text] = fact("How data moves across borders.", pages=("privacy",), default_factory=list)
    safeguards: list[Text] = fact("The legal safeguards relied on (\"standard contractual clauses\").",
                                  pages=("privacy",), default_factory=list)
    safeguards_examples: bool = fact("Whether the policy names the safeguards as examples (\"such as standard "
                                     "contractual clauses\").", pages=("privacy",), default=False, phrase="such as",
                                     qualifies="safeguards")
    safeguards_when: Text | None = fact("When those safeguards are used (\"where required by law\").",
                                        pages=("privacy",))


class Children(Fact):
    not_directed_at: Text = fact("Who the service is not directed at, in the policy's words (\"children\", "
                                 "\"individuals\").", pages=("privacy",), default="children", noun="who the service "
                                 "is not directed at")
    minimum_age: Count | None = fact("The age below which the service is not directed at them.", pages=("privacy",),
                                     noun="the minimum age")
    local_minimum_age: Count | None = fact("A higher minimum age that applies under some local laws.",
                                           pages=("privacy",))
    not_knowingly_collected_from: Text | None = fact(
        "Whose personal information the brand says it does not knowingly collect (\"minors\", \"children\").",
        pages=("privacy",), noun="whose data the brand does not knowingly collect")
    collection_age: Count | None = fact("The age the policy gives in that sentence, where it gives one there "
                                        "(\"from children under 16\").", pages=("privacy",))
    statement: Text | None = fact("Anything else the brand says about collecting children's data.", pages=("privacy",))
    report_trigger: Text | None = fact("What a reader should tell the brand about (\"a minor has created an "
                                       "account\").", pages=("privacy",), noun="what to report")
    contact_immediately: bool = fact("Whether the policy asks to be told immediately.", pages=("privacy",),
                                     default=False, phrase="immediately", qualifies="report_trigger")
    on_report: Text | None = fact("What the brand does when told (\"we will delete the account promptly\").",
                                  pages=("privacy",))


class PolicyChanges(Fact):
    statements: list[Text] = fact("How the brand handles changes to the policy.", pages=("privacy",),
                                  default_factory=list)
    material_notice: Duration | None = fact("The notice period before a material change takes effect.",
                                            pages=("privacy",), expected=True)
    notice_to: Text | None = fact("Who is told of a material change, where not the reader (\"account admins\").",
                                  pages=("privacy",))
    notice_channel: Text | None = fact("How people are told of a material change (\"by email\").",
                                       pages=("privacy",))
    after_notice: list[Text] = fact("Statements that come after the notice period, such as one that relies on "
                                    "\"that date\".", pages=("privacy",), default_factory=list)


class ResponseTime(Fact):
    low: Count | None = fact("The low end, where the brand gives a range (24 in \"24–48 hours\").", pages=("privacy",))
    high: Count = required("The time within which the brand answers.", pages=("privacy",))
    unit: Literal["hours", "days"] = required("Hours or days.", pages=("privacy",))
    business_days: bool = fact("Whether only business days count.", pages=("privacy",), default=False,
                               phrase="business days", qualifies="high")
    typical: bool = fact("Whether this is typical rather than promised.", pages=("privacy",), default=False,
                         phrase="typically", qualifies="high")


class Contact(Fact):
    topics: list[Text] = fact("What to contact the brand about, in the policy's words (\"privacy-related questions\", "
                              "\"data requests\").", pages=("privacy",), default_factory=list)
    email: Email | None = fact("The email address for privacy questions and requests.", pages=("privacy", "index"),
                               expected=True)
    channels: list[Text] = fact("Other ways to reach the brand (\"the contact form on our website\").",
                                pages=("privacy",), default_factory=list)
    instructions: Text | None = fact("How to write (\"put 'privacy' in the subject line\").", pages=("privacy",))
    response_time: ResponseTime | None = fact("How soon the brand answers.", pages=("privacy",))
    note: Text | None = fact("Anything else the brand says about contacting it.", pages=("privacy",))


class Controller(Fact):
    """Who decides why and how personal data is processed (GDPR Art. 4(7)): named with its address."""

    name: Text = required("The controller's legal name, as the policy gives it.", pages=("privacy",),
                          examples=["Linkr Ltd"], noun="the controller's name")
    address: Text | None = fact("The controller's postal address, as the policy gives it.", pages=("privacy",),
                                noun="the controller's address")
    email: Email | None = fact("An address to write to the controller, where it is not the privacy contact.",
                               pages=("privacy",), noun="the controller's email address")


LegalBasisName = Literal["consent", "contract", "legal obligation", "vital interests", "public task",
                         "legitimate interests"]


class LegalBasis(Fact):
    purpose: Text = required("The purpose, in the policy's words.", pages=("privacy",), noun="the purpose")
    basis: LegalBasisName = required("The legal basis the policy gives for it (GDPR Art. 6(1)).", pages=("privacy",),
                                     noun="the legal basis")
    interests: Text | None = fact("The legitimate interests pursued, where the basis is legitimate interests.",
                                  pages=("privacy",), noun="the legitimate interests")


class SaleOfData(Fact):
    """What a policy says about selling or sharing personal information (California: Cal. Civ. Code 1798.120)."""

    sells: bool = required("Whether the brand sells personal information, as the policy states.", pages=("privacy",),
                           noun="whether the brand sells personal information")
    shares: bool = required("Whether the brand shares personal information for cross-context behavioral "
                            "advertising, as the policy states.", pages=("privacy",),
                            noun="whether the brand shares personal information for advertising")
    opt_out: Text | None = fact("How a person opts out of selling or sharing.", pages=("privacy",),
                                noun="how to opt out")


class GlobalPrivacyControl(Fact):
    """What a policy says about the Global Privacy Control (GPC) signal: a browser's request, on a person's behalf,
    that their personal information not be sold or shared. Published as /.well-known/gpc.json."""

    honoured: bool = required("Whether the brand honours the Global Privacy Control signal, as the policy states.",
                              pages=("privacy",), noun="whether the brand honours Global Privacy Control")
    statement: Text | None = fact("What the policy says about the Global Privacy Control signal, in its words.",
                                  pages=("privacy",), noun="the statement on Global Privacy Control")
    last_update: Date | None = fact("The date the brand last changed its stance on Global Privacy Control, written "
                                    "YYYY-MM-DD. Without it, the date the whole policy was last revised, or a "
                                    "later change in 'changes' that touched gpc.",
                                    noun="the date the stance on Global Privacy Control last changed")


class RelatedPolicy(Fact):
    name: Text = required("The other policy's title.", pages=("privacy",), examples=["Takedown Policy"])
    purpose: Text = required("What a reader would go there for.", pages=("privacy",), noun="what it is for")
    url: Url | None = fact("The address where the other policy is published.", pages=("privacy",), expected=True, noun="the address")


class Change(Fact):
    """One change to a brand's policy. The pages whose facts it touched show its date as "Last updated"."""

    date: Date = required("The date the change was announced, written YYYY-MM-DD.", examples=["2026-05-01"], noun="the date")
    summary: Text = required("What changed, in a sentence.", examples=["API usage logs are now kept for 60 days."], noun="the summary")
    material: bool = fact("Whether the change is material (people must be told in advance).", default=False, noun="whether the change is material")
    effective: Date | None = fact("The date the change takes effect, written YYYY-MM-DD.", noun="the date it takes effect")
    facts: list[Text] = fact("The facts the change touched, as the keys that lead to them, joined by dots; an item "
                             "of a list is named by its id (\"data_collected.api_logs.retention\", \"sharing.vendors\"). "
                             "Leave it out when the whole policy changed.", default_factory=list,
                             examples=[["data_collected.api_logs.retention"]], noun="the facts it touched")


class SharedFacts(Fact):
    """Facts about the group behind several brands: every brand that states one must state it identically."""

    parent_company: Text | None = fact("The company that operates the brand.", pages=("privacy",))
    dpo_name: Text | None = fact("The data protection officer's name.", pages=("privacy",))
    dpo_email: Email | None = fact("The data protection officer's email address.", pages=("privacy",))


class Brand(Fact):
    """Everything one brand's legal pages say."""

    name: Text = required("The brand's name as its policies write it.", pages=PAGES, examples=["LinkrAPI"])
    domain: Domain | None = fact("The brand's main domain (the site's address is built from it).",
                                 pages=("privacy",), expected=True, examples=["linkrapi.com"])
    theme: Theme = required("The brand's colours.")
    dates: Dates = fact("The policy's dates.", default_factory=Dates)
    introduction: list[Text] = fact("The brand's own opening paragraphs.", pages=("privacy",), default_factory=list)
    scope: list[Text] = fact("What the policy covers (\"our REST API\").", pages=("privacy",), default_factory=list,
                             expected=True)
    scope_lead: Text | None = fact("The words before the list of what the policy covers, where the policy does not "
                                   "say \"This policy applies to\".", pages=("privacy",),
                                   noun="the words before the scope")
    definitions: list[Definition] = fact("Words the policy defines.", pages=("privacy",), default_factory=list)
    data_collection_note: Text | None = fact("A statement about collection as a whole.", pages=("privacy",))
    data_collected: list[DataCategory] = fact("Each category of personal data collected.", pages=("privacy",),
                                              default_factory=list, expected=True)
    use: UseOfData = fact("How the data is used.", default_factory=UseOfData)
    sharing: Sharing = fact("Who the data is shared with.", default_factory=Sharing)
    retention_summary: Text | None = fact("The general retention rule.", pages=("privacy",))
    retention_schedule: list[RetentionEntry] = fact("Retention stated for records rather than for a category of "
                                                    "collected data (\"Billing records\").", pages=("privacy",),
                                                    default_factory=list)
    account_deletion: AccountDeletion | None = fact("What happens when an account is deleted.", pages=("privacy",))
    cookies: list[Cookie] = fact("The cookies and local storage entries the brand uses.", pages=("cookies", "privacy"),
                                 default_factory=list, expected=True)
    cookie_policy: CookiePolicy = fact("What the brand says about cookies overall.", default_factory=CookiePolicy)
    security: Security = fact("How the data is protected.", default_factory=Security)
    rights: Rights = fact("The rights people have over their data.", default_factory=Rights)
    transfers: Transfers | None = fact("What the brand says about international transfers of data.", pages=("privacy",), expected=True)
    children: Children | None = fact("What the brand says about children's privacy.", pages=("privacy",), expected=True)
    changes_policy: PolicyChanges = fact("How changes to the policy are made and announced.",
                                         default_factory=PolicyChanges)
    contact: Contact = fact("How to reach the brand about privacy.", default_factory=Contact)
    shared: SharedFacts = fact("Facts shared with the group's other brands (parent company, DPO).",
                               default_factory=SharedFacts)
    email_domains: list[Domain] = fact("Domains other than the brand's own that its email addresses may use.",
                                       default_factory=list)
    jurisdictions: list[Literal["EEA", "UK", "US", "California"]] = fact(
        "The places the policy says it addresses: \"EEA\" (GDPR), \"UK\" (UK GDPR), \"US\" (COPPA), \"California\" "
        "(CCPA/CPRA). legalsite checks what each law asks the policy to disclose.", default_factory=list)
    controller: Controller | None = fact("The controller: who decides why and how personal data is processed.",
                                         pages=("privacy",))
    legal_bases: list[LegalBasis] = fact("The legal basis for each purpose (GDPR Art. 6).", pages=("privacy",),
                                         default_factory=list)
    provision: Text | None = fact("Whether giving personal data is a statutory or contractual requirement, and what "
                                  "happens if a person does not give it.", pages=("privacy",))
    automated_decisions: Text | None = fact("What the policy says about automated decision-making, including "
                                            "profiling.", pages=("privacy",))
    sale: SaleOfData | None = fact("What the policy says about selling or sharing personal information.",
                                   pages=("privacy",))
    gpc: GlobalPrivacyControl | None = fact(
        "What the policy says about the Global Privacy Control (GPC) signal. The privacy page shows it and the site "
        "publishes it as /.well-known/gpc.json; leave it out where the policy is silent, and no gpc.json is "
        "published.", pages=("privacy",), noun="the stance on Global Privacy Control")
    sensitive_data: Text | None = fact("What the policy says about sensitive personal information.",
                                       pages=("privacy",))
    non_discrimination: Text | None = fact("The promise not to discriminate against a person who uses their "
                                           "privacy rights.", pages=("privacy",))
    accepted_gaps: list[AcceptedGap] = fact("Gaps the legal team accepts for now, each with its reason, who "
                                            "accepted it and until when.", default_factory=list)
    changes: list[Change] = fact("The history of changes to the policy, oldest first.", default_factory=list)
    related_policies: list[RelatedPolicy] = fact("Other policies the privacy policy points to.", pages=("privacy",),
                                                 default_factory=list)

    @property
    def vendors_named(self) -> set[str]:
        """Every vendor id the brand names: those it shares data with, those in its groups, those named in passing."""
        return ({u.vendor for u in self.sharing.vendors} | {v for g in self.sharing.groups for v in g.includes}
                | set(self.sharing.also_named))


# --- which pages a fact is shown on ----------------------------------------

def _field_pages(annotation: Any, info=None) -> set[str]:
    """The pages a field (or, for a group of facts, any fact inside it) is shown on."""
    if info is not None and (info.json_schema_extra or {}).get("pages"):
        return set(info.json_schema_extra["pages"])
    model = model_of(annotation)
    if model is None:
        return set()
    return set().union(*(_field_pages(f.annotation, f) for f in model.model_fields.values()))


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The fact model inside ``Foo``, ``Foo | None`` or ``list[Foo]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if (found := model_of(arg)) is not None:
            return found
    return None


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else getattr(value, key, None)


def _item_key(item: Any) -> str | None:
    """How a change names one item of a list: its id, or the vendor it is about."""
    key = _get(item, "id") or _get(item, "vendor")
    return key if isinstance(key, str) else None


def item_label(item: Any) -> str | None:
    """One item of a list in words: its name ("API usage logs"), records, term, vendor, id, purpose or date."""
    for key in ("name", "records", "term", "vendor", "id", "purpose", "when", "date"):
        value = _get(item, key)
        if isinstance(value, (str, dt.date)) and str(value).strip():
            return str(value)
    return None


def name_fact(loc: tuple, data: Any, root: type[BaseModel] | None = None) -> tuple[str, str]:
    """A fact in words and as a path: ("the retention period of API usage logs",
    "data_collected.api_logs.retention.period") for ``("data_collected", 2, "retention", "period")``.

    ``data`` is the brand (or vendor list) as facts or as loaded YAML, to name list items by their label.
    A part of a whole value (the amount of a Duration) is named by the whole.
    """
    model: Any = root or Brand
    value, info, label, path = data, None, None, []
    for part in loc:
        if isinstance(part, int):
            item = value[part] if isinstance(value, list) and part < len(value) else None
            key = _item_key(item) if item is not None else None
            path.append(key if key and "." not in key else f"[{part + 1}]")
            label = (item_label(item) if item is not None else None) or label  # a text item keeps its list's owner
            value = item
            continue
        fields = model.model_fields if isinstance(model, type) and issubclass(model, BaseModel) else {}
        if part not in fields:
            path.append(str(part))
            break
        if not getattr(model, "named_by_whole", False) or info is None:
            info = fields[part]
        path.append(part)
        model = model_of(fields[part].annotation)
        value = _get(value, part) if value is not None else None
    words = fact_name(info) if info is not None else "this file"
    if label and (info is None or info.json_schema_extra is None or path[-1] not in ("name", "term")):
        words = f"{words} {'for' if words.startswith('whether') else 'of'} {label}"
    return words, ".".join(path).replace(".[", "[")


def fact_pages(brand: Brand, path: str) -> set[str]:
    """The pages that show the fact at ``path`` ("data_collected.api_logs.retention").

    Raises ValueError, in words for the legal team, when the path leads nowhere.
    """
    model: type[BaseModel] = Brand
    value: Any = brand
    pages: set[str] = set()
    walked: list[str] = []
    parts = path.split(".")
    i = 0
    while i < len(parts):
        key = parts[i]
        info = model.model_fields.get(key)
        if info is None:
            near = ", ".join(sorted(model.model_fields))
            raise ValueError(f"'{'.'.join(walked + [key])}' is not a fact; after '{'.'.join(walked) or 'the brand'}' "
                             f"come: {near}")
        walked.append(key)
        pages = _field_pages(info.annotation, info)
        value = getattr(value, key, None) if value is not None else None
        inner = model_of(info.annotation)
        if inner is None:
            if i + 1 < len(parts):
                raise ValueError(f"'{'.'.join(walked)}' holds no further facts; end the path there")
            break
        if isinstance(value, list) and i + 1 < len(parts) and parts[i + 1] not in inner.model_fields:
            items = {_item_key(item): item for item in value}
            if parts[i + 1] not in items:
                known = ", ".join(k for k in items if k) or "none"
                raise ValueError(f"'{'.'.join(walked)}' has no item '{parts[i + 1]}'; its items are: {known}")
            value = items[parts[i + 1]]
            walked.append(parts[i + 1])
            i += 1
        elif isinstance(value, list):
            value = None  # a field of every item: which item is not needed to know the pages
        model = inner
        i += 1
    return pages


def changed_pages(brand: Brand, change: Change, pages: list[str]) -> list[str]:
    """The brand's pages a change touched; a change that names no facts touched them all."""
    if not change.facts:
        return [p for p in pages if p != "changes"]
    touched: set[str] = set()
    for path in change.facts:
        try:
            touched |= fact_pages(brand, path)
        except ValueError:
            continue  # the change-fact-unknown check reports it
    return [p for p in pages if p in touched]


def page_dates(brand: Brand, pages: list[str]) -> dict[str, dt.date | None]:
    """Each page's "Last updated": the newest of the policy's date and the changes that touched the page.

    The Changes page and the landing page are updated by every change.
    """
    dated: dict[str, list[dt.date]] = {p: [brand.dates.last_updated] if brand.dates.last_updated else []
                                       for p in pages}
    for change in brand.changes:
        for page in changed_pages(brand, change, pages):
            dated[page].append(change.date)
        for page in ("index", "changes"):
            if page in dated:
                dated[page].append(change.date)
    return {p: max(d) if d else None for p, d in dated.items()}
