"""COPPA (15 U.S.C. 6501–6506; 16 CFR 312.4(d)): the notice of a service directed to children under 13."""

from __future__ import annotations

from ...model import Brand
from . import Law, Requirement, contact_given, register

TEXT = "https://www.ecfr.gov/current/title-16/chapter-I/subchapter-C/part-312/section-312.4"


def _for_children(brand: Brand) -> bool:
    """COPPA reaches a US service open to children under 13: a minimum age under 13, or none stated."""
    return brand.children is None or (brand.children.minimum_age or brand.children.collection_age or 0) < 13


COPPA = register(Law(
    id="law-coppa",
    name="COPPA",
    regions={"US": ("COPPA", TEXT)},
    applies=_for_children,
    requirements=(
        Requirement("16 CFR 312.4(d)(1)", "the name and contact details of each operator", "contact",
                    lambda b: contact_given(b)),
        Requirement("16 CFR 312.4(d)(2)", "what it collects from children and how it uses it", "children.statement",
                    lambda b: bool(b.children and b.children.statement)),
        Requirement("16 CFR 312.4(d)(3)", "that a parent may review, delete and refuse further collection, and how",
                    "children.on_report", lambda b: bool(b.children and b.children.on_report)),
    ),
))
