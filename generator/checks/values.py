"""Values: emails on the brand's domain, ages that fit the law, and shared facts that agree."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Finding
from ..model import SharedFacts
from ..project import Project
from . import brands_of, rule


@rule("email-domain", "error", "A brand's email addresses are on its own domain, or on one it declares.")
def email_domain(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        email = brand.contact.email
        if not email or not brand.domain:
            continue
        host = email.rsplit("@", 1)[1].lower()
        allowed = [brand.domain, *brand.email_domains]
        if not any(host == d or host.endswith("." + d) for d in allowed):
            yield doc.finding(("contact", "email"), f"{email} is not on {brand.name}'s domain ({brand.domain}); use "
                              f"an address @{brand.domain}, or declare '{host}' under email_domains.",
                              rule="email-domain")


# GDPR art. 8 lets member states set the age of digital consent between 13 and 16; COPPA protects under-13s.
_AGE_LIMITS = {"EEA": (13, 16), "UK": (13, 16), "US": (13, None)}


@rule("age-jurisdiction", "error", "The children's minimum age fits every jurisdiction the brand declares.")
def age_jurisdiction(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        if not brand.children:
            continue
        # The age the service is aimed above, else the age below which it does not knowingly collect.
        at = "minimum_age" if brand.children.minimum_age else "collection_age"
        lowest = getattr(brand.children, at)
        if lowest is None:
            continue
        highest = brand.children.local_minimum_age or lowest
        for region in brand.jurisdictions:
            if region not in _AGE_LIMITS:
                continue  # California's law sets no age a service must be aimed above
            low, high = _AGE_LIMITS[region]
            if lowest < low:
                yield doc.finding(("children", at), f"{brand.name} declares {region} but its minimum age "
                                  f"is {lowest}; the law there protects children under {low}, so write at least {low}.",
                                  rule="age-jurisdiction")
            elif high and highest < high and region in ("EEA", "UK") and lowest < high:
                yield doc.finding(("children", at), f"{brand.name} declares {region}, where some "
                                  f"countries set the age at up to {high}, but it never states an age of {high}; add "
                                  f"'local_minimum_age: {high}' or raise minimum_age.", rule="age-jurisdiction")


@rule("shared-fact-mismatch", "error", "Facts brands declare as shared (parent company, DPO) are identical in every brand.", scope="project")
def shared_fact_mismatch(project: Project) -> Iterator[Finding]:
    for name in SharedFacts.model_fields:
        stated = {slug: getattr(b.shared, name) for slug, b in project.brands.items() if getattr(b.shared, name)}
        values = sorted(set(stated.values()))
        if len(values) < 2:
            continue
        for slug, value in stated.items():
            others = ", ".join(f"{project.brands[s].name}: '{v}'" for s, v in stated.items() if v != value)
            yield project.documents[slug].finding(
                ("shared", name), f"{project.brands[slug].name} gives shared.{name} as '{value}', but {others}; "
                "shared facts must be identical in every brand that states them.", rule="shared-fact-mismatch")


@rule("contact-none", "error", "A privacy page gives a way to reach the brand (an email or another channel).")
def contact_none(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        if not (brand.contact.email or brand.contact.channels):
            yield doc.finding(("name",), f"{brand.name}'s privacy page gives no way to reach {brand.name}: no "
                              "contact.email and no contact.channels. A person must be able to ask about their "
                              "data; add one, or record the gap under accepted_gaps with the reason (fact: "
                              "contact).", rule="contact-none", fact="contact")
