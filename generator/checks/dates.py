"""Dates: nothing in the future, nothing out of order, and material changes given their notice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..errors import Finding
from ..history import build_day
from ..model import Duration
from ..project import Project
from . import brands_of, rule

# The build's today: SOURCE_DATE_EPOCH's day where set, so checks are reproducible too, and the same day
# that decides which version of a policy is current.
today = build_day


@rule("date-order", "error", "Last updated is not in the future and not earlier than the effective date.")
def date_order(project: Project) -> Iterator[Finding]:
    now = today()
    for _slug, brand, doc in brands_of(project):
        updated, effective = brand.dates.last_updated, brand.dates.effective
        if updated and updated > now:
            yield doc.finding(("dates", "last_updated"), f"{brand.name} was last updated on {updated}, which is in "
                              f"the future (today is {now}); write the date the policy actually changed.",
                              rule="date-order")
        if updated and effective and updated < effective:
            yield doc.finding(("dates", "last_updated"), f"{brand.name} was last updated on {updated}, before the "
                              f"date it took effect ({effective}); a policy cannot take effect before it is written.",
                              rule="date-order")
        for i, change in enumerate(brand.changes):
            if change.date > now:
                yield doc.finding(("changes", i, "date"), f"the change '{change.summary}' is dated {change.date}, "
                                  f"in the future (today is {now}).", rule="date-order")
            if change.effective and change.effective < change.date:
                yield doc.finding(("changes", i, "effective"), f"the change '{change.summary}' takes effect on "
                                  f"{change.effective}, before it was announced on {change.date}.", rule="date-order")


def _days(period: Duration) -> int:
    """The shortest number of days a period can mean (a month is 28 days, a year 365)."""
    return period.amount * {"hours": 0, "days": 1, "months": 28, "years": 365}[period.unit]


@rule("notice-period", "error", "A material change takes effect no earlier than its announcement plus the notice period.")
def notice_period(project: Project) -> Iterator[Finding]:
    for _slug, brand, doc in brands_of(project):
        notice = brand.changes_policy.material_notice
        for i, change in enumerate(brand.changes):
            if not change.material:
                continue
            if not change.effective:
                yield doc.finding(("changes", i), f"the material change '{change.summary}' has no effective date; "
                                  "add 'effective:' so the notice period can be checked.", rule="notice-period")
            elif notice and (change.effective - change.date).days < _days(notice):
                earliest = _plus_days(change.date, _days(notice))
                move = (f"move 'effective' to {earliest} or later" if earliest else
                        "no date the calendar holds is that late (the last is 9999-12-31); check both dates")
                yield doc.finding(("changes", i, "effective"), f"the material change '{change.summary}' takes effect "
                                  f"{(change.effective - change.date).days} days after it was announced, but "
                                  f"{brand.name} promises {notice.amount} {notice.unit}' notice; {move}.",
                                  rule="notice-period")


def _plus_days(day: dt.date, days: int) -> dt.date | None:
    """``day`` plus ``days``, or None past the last date Python's calendar holds (9999-12-31)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None
