"""GDPR and UK GDPR, Art. 13 and 14: what a privacy notice gives a person whose data is collected."""

from __future__ import annotations

from ...model import Brand
from . import Law, Requirement, contact_given, each_category_kept, has_right, register, right, words

EU = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
UK = "https://www.legislation.gov.uk/eur/2016/679/contents"


def _purposes(brand: Brand) -> list[str]:
    return list(brand.use.purposes)


def _bases_cover_purposes(brand: Brand) -> bool:
    """A legal basis for each purpose: every purpose the policy lists is named in legal_bases."""
    if not brand.legal_bases:
        return False
    based = {" ".join(sorted(words(b.purpose))) for b in brand.legal_bases}
    return all(" ".join(sorted(words(p))) in based for p in _purposes(brand))


def _relies_on(brand: Brand, basis: str) -> bool:
    return any(b.basis == basis for b in brand.legal_bases)


def _received(brand: Brand) -> set[str]:
    """Ids of the data the brand obtains from someone else (a vendor it receives data from)."""
    return {c for use in brand.sharing.vendors for c in use.receives}


def _retention_given(brand: Brand) -> bool:
    return bool(brand.retention_summary) or each_category_kept(brand)  # a general rule is the "criteria"


GDPR = register(Law(
    id="law-gdpr",
    name="the GDPR (Art. 13 and 14)",
    regions={"EEA": ("GDPR", EU), "UK": ("UK GDPR", UK)},
    requirements=(
        Requirement("Art. 13(1)(a)", "the identity and the contact details of the controller", "controller",
                    lambda b: bool(b.controller) and bool(b.controller.address or b.controller.email
                                                          or contact_given(b))),
        Requirement("Art. 13(1)(b)", "the contact details of the data protection officer it names",
                    "shared.dpo_email", lambda b: bool(b.shared.dpo_email), applies=lambda b: bool(b.shared.dpo_name)),
        Requirement("Art. 13(1)(c)", "the purposes of the processing", "use.purposes",
                    lambda b: bool(b.use.purposes or any(c.purposes for c in b.data_collected))),
        Requirement("Art. 13(1)(c)", "the legal basis for each purpose", "legal_bases", _bases_cover_purposes),
        Requirement("Art. 13(1)(d)", "the legitimate interests pursued, where it relies on them", "legal_bases",
                    lambda b: all(x.interests for x in b.legal_bases if x.basis == "legitimate interests"),
                    applies=lambda b: _relies_on(b, "legitimate interests")),
        Requirement("Art. 13(1)(e)", "the recipients or categories of recipients", "sharing.vendors",
                    lambda b: bool(b.sharing.vendors or b.sharing.groups)),
        Requirement("Art. 13(1)(f)", "whether personal data is transferred outside the country", "transfers",
                    lambda b: bool(b.transfers and b.transfers.statements)),
        Requirement("Art. 13(1)(f)", "the safeguards for those transfers", "transfers.safeguards",
                    lambda b: bool(b.transfers.safeguards), applies=lambda b: bool(b.transfers)),
        Requirement("Art. 13(2)(a)", "how long data is kept, or the criteria that decide it", "retention_summary",
                    _retention_given),
        right("Art. 13(2)(b)", "access", "access"),
        right("Art. 13(2)(b)", "rectification", "rectification", "correction", "correct"),
        right("Art. 13(2)(b)", "erasure", "erasure", "deletion", "delete"),
        right("Art. 13(2)(b)", "restriction of processing", "restriction", "restrict"),
        right("Art. 13(2)(b)", "object to processing", "objection", "object"),
        right("Art. 13(2)(b)", "data portability", "portability", "port"),
        Requirement("Art. 13(2)(c)", "the right to withdraw consent at any time", "rights.items",
                    lambda b: has_right(b, "withdraw", "withdrawal"), applies=lambda b: _relies_on(b, "consent")),
        Requirement("Art. 13(2)(d)", "the right to lodge a complaint with a supervisory authority",
                    "rights.complaints", lambda b: bool(b.rights.complaints)),
        Requirement("Art. 13(2)(e)", "whether giving personal data is a statutory or contractual requirement, "
                    "and what follows if it is not given", "provision", lambda b: bool(b.provision)),
        Requirement("Art. 13(2)(f)", "whether there is automated decision-making, including profiling",
                    "automated_decisions", lambda b: bool(b.automated_decisions)),
        Requirement("Art. 14(2)(f)", "the source of the data it obtains from others", "data_collected",
                    lambda b: all(c.source for c in b.data_collected if c.id in _received(b)),
                    applies=lambda b: bool(_received(b))),
    ),
))
