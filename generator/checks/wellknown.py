"""The files a site publishes for machines: security.txt's contact is reviewed before its date (RFC 9116)."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Finding
from ..project import Project
from ..wellknown import one_year_after
from . import brands_of, rule
from .dates import today

SOON = 30  # days before the review date that check starts to say so


@rule("security-txt-expires", "error",
      "The security contact's review date (security.txt's Expires) is after today, and less than a year ahead.")
def security_txt_expires(project: Project) -> Iterator[Finding]:
    # RFC 9116 2.5.5: past its Expires date a security.txt is stale and must not be trusted; the RFC recommends
    # a date less than a year ahead, so a contact that has changed is not trusted for long.
    now = today()
    latest = one_year_after(now)
    for _slug, brand, doc in brands_of(project):
        disclosure = brand.security.disclosure
        if disclosure is None:
            continue
        expires = disclosure.expires
        at = {"rule": "security-txt-expires", "fact": "security.disclosure.expires"}
        loc = ("security", "disclosure", "expires")
        if expires <= now:
            yield doc.finding(loc, f"{brand.name}'s security contact was due for review on {expires.isoformat()} "
                              f"(today is {now.isoformat()}), so security.txt would tell researchers not to trust "
                              "it. Review the security contact and set 'expires' to the next review date, less "
                              f"than a year from today ({latest.isoformat()} at the latest).", **at)
        elif (expires - now).days <= SOON:
            days = (expires - now).days
            yield doc.finding(loc, f"{brand.name}'s security contact is due for review on {expires.isoformat()}, "
                              f"in {days} day{'s' if days != 1 else ''}; from that day 'legalsite check' fails. "
                              "Review the security contact and set a new date, less than a year from today "
                              f"({latest.isoformat()} at the latest).", severity="warning", **at)
        elif expires > latest:
            yield doc.finding(loc, f"{brand.name}'s security contact is next due for review on "
                              f"{expires.isoformat()}, more than a year from today ({now.isoformat()}); RFC 9116 "
                              "recommends less than a year, so contact details that have changed are not trusted "
                              f"for long. Set 'expires' to {latest.isoformat()} or earlier, the date the legal team "
                              "will next review the security contact.", severity="warning", **at)
