"""CCPA as amended by the CPRA (Cal. Civ. Code § 1798.100 ff. and 11 CCR § 7011): a California privacy policy."""

from __future__ import annotations

import datetime as dt

from ...model import Brand
from ..dates import today
from . import Law, Requirement, each_category_kept, register, right, words

TEXT = "https://leginfo.legislature.ca.gov/faces/codes_displayText.xhtml?division=3.&part=4.&lawCode=CIV&title=1.81.5"


def _methods(brand: Brand) -> int:
    """Designated ways to send a request: the contact address and each other channel."""
    return bool(brand.contact.email) + len(brand.contact.channels)


def _recent(brand: Brand) -> bool:
    """Updated at least once every 12 months (§ 1798.130(a)(5)), counted from the build's today."""
    updated = brand.dates.last_updated
    return updated is not None and updated >= today() - dt.timedelta(days=366)  # a leap year's 12 months too


CCPA = register(Law(
    id="law-ccpa",
    name="the CCPA/CPRA",
    regions={"California": ("CCPA/CPRA", TEXT)},
    requirements=(
        Requirement("§ 1798.110(c)(1)", "the categories of personal information collected", "data_collected",
                    lambda b: bool(b.data_collected)),
        Requirement("§ 1798.110(c)(2)", "the sources of each category", "data_collected",
                    lambda b: bool(b.data_collected) and all(c.source for c in b.data_collected)),
        Requirement("§ 1798.110(c)(3)", "the business or commercial purposes", "use.purposes",
                    lambda b: bool(b.use.purposes or any(c.purposes for c in b.data_collected))),
        Requirement("§ 1798.115(c)", "whether it sells or shares personal information", "sale",
                    lambda b: b.sale is not None),
        Requirement("§ 1798.120", "how to opt out of selling or sharing", "sale.opt_out",
                    lambda b: bool(b.sale.opt_out), applies=lambda b: bool(b.sale and (b.sale.sells or b.sale.shares))),
        Requirement("§ 1798.121", "what it does with sensitive personal information", "sensitive_data",
                    lambda b: bool(b.sensitive_data)),
        Requirement("§ 1798.100(a)(3)", "how long each category is kept", "data_collected",
                    each_category_kept),
        right("§ 1798.110", "know what is collected", "know", "access"),
        right("§ 1798.105", "delete", "deletion", "delete", "erasure"),
        right("§ 1798.106", "correct", "correction", "correct", "rectification"),
        Requirement("§ 1798.120", "the right to opt out of selling or sharing", "rights.items",
                    lambda b: any({"opt", "out"} <= words(r.name) for r in b.rights.items)),
        right("§ 1798.121", "limit the use of sensitive personal information", "limit"),
        Requirement("§ 1798.130(a)(1)", "two or more designated methods to send a request", "contact",
                    lambda b: _methods(b) >= 2),
        Requirement("§ 1798.125", "that it will not discriminate against a person who uses these rights",
                    "non_discrimination", lambda b: bool(b.non_discrimination)),
        Requirement("§ 1798.130(a)(5)", "a date of last update within the last 12 months", "dates.last_updated",
                    _recent),
    ),
))
