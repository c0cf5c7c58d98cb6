"""What the law asks a privacy policy to disclose, one module per law.

Each law is a list of small requirements: the article, the words a lawyer uses, the fact that meets it, when it
applies and when it is met. A brand is held to the laws of the places it declares (``jurisdictions``). One rule
per law reports each requirement a brand does not meet; ``legalsite report`` shows every requirement with its
status. legalsite never decides a fact for a brand: a requirement is met only by a fact the brand states.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ...errors import Finding
from ...model import Brand
from ...project import Project
from .. import brands_of, rule


@dataclass(frozen=True)
class Requirement:
    article: str  # "Art. 13(1)(a)", "§ 1798.130(a)(5)"
    what: str  # what the policy must disclose, in a lawyer's words
    fact: str  # the fact that meets it, as check names facts ("legal_bases")
    given: Callable[[Brand], bool]
    applies: Callable[[Brand], bool] = lambda brand: True
    page: str = "privacy"


@dataclass(frozen=True)
class Law:
    id: str  # the rule id: "law-gdpr"
    name: str  # "GDPR"
    regions: dict[str, tuple[str, str]]  # declared place → (the law's name there, the official text)
    requirements: tuple[Requirement, ...]
    applies: Callable[[Brand], bool] = lambda brand: True  # beyond the declared places (COPPA: an audience)


LAWS: dict[str, Law] = {}


def register(law: Law) -> Law:
    """Make a law a rule of `check`: each requirement a brand declaring one of its places does not meet."""
    LAWS[law.id] = law

    @rule(law.id, "warning", f"A brand that declares {' or '.join(law.regions)} discloses what {law.name} asks "
          "of a privacy policy.")
    def _check(project: Project) -> Iterator[Finding]:
        for _slug, brand, doc in brands_of(project):
            statuses = status(law, brand)
            if not statuses:
                continue
            gaps = [(r, names) for r, state, names in statuses if state == "gap"]
            applicable = [s for s in statuses if s[1] != "not applicable"]
            # A policy that meets none of a law's duties is not published without the legal team's say.
            severity = "error" if gaps and len(gaps) == len(applicable) else "warning"
            for requirement, names in gaps:
                yield doc.finding(("jurisdictions",), message(brand, law, requirement, names), rule=law.id,
                                  severity=severity, fact=requirement.fact)

    return law


def declared(law: Law, brand: Brand) -> list[tuple[str, str]]:
    """The law's names and official texts for the places the brand declares ("GDPR", "UK GDPR")."""
    return [law.regions[place] for place in brand.jurisdictions if place in law.regions]


def status(law: Law, brand: Brand) -> list[tuple[Requirement, str, list[tuple[str, str]]]]:
    """Each requirement with "given", "gap" or "not applicable"; empty when the brand is not under the law."""
    names = declared(law, brand)
    if not names or not law.applies(brand):
        return []
    return [(r, "not applicable" if not r.applies(brand) else "given" if r.given(brand) else "gap", names)
            for r in law.requirements]


def message(brand: Brand, law: Law, requirement: Requirement, names: list[tuple[str, str]]) -> str:
    laws = " and ".join(dict.fromkeys(name for name, _ in names))
    texts = "; ".join(dict.fromkeys(url for _, url in names))
    return (f"{brand.name} declares {', '.join(p for p in brand.jurisdictions if p in law.regions)}: {laws} "
            f"{requirement.article} asks the {requirement.page} page to give {requirement.what}, and the facts do "
            f"not; add it under '{requirement.fact}' once the policy states it (fact: {requirement.fact}). "
            f"Official text: {texts}")


# --- what several laws look for ------------------------------------------------

def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.casefold()))


def has_right(brand: Brand, *names: str) -> bool:
    """Whether the brand lists a right under one of these names ("Correction" or "Rectification")."""
    return any(words(right.name) & set(names) for right in brand.rights.items)


def contact_given(brand: Brand) -> bool:
    return bool(brand.contact.email or brand.contact.channels)


def right(article: str, what: str, *names: str) -> Requirement:
    """A right the policy must list: met by a right under one of ``names``."""
    return Requirement(article, f"the right to {what}", "rights.items", lambda b: has_right(b, *names))


def each_category_kept(brand: Brand) -> bool:
    """A retention for each collected category: its own, or a line of the schedule the policy ties to it."""
    scheduled = {c for entry in brand.retention_schedule for c in entry.categories}
    return bool(brand.data_collected) and all(c.retention or c.id in scheduled for c in brand.data_collected)


# Importing the packs registers them, in the order --list-rules shows them.
from . import gdpr, ccpa, coppa  # noqa: F401, I001
