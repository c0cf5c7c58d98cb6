"""Accepted gaps: a finding the legal team has looked at and accepts, for a reason, until a date.

A brand lists them under ``accepted_gaps`` (content/vendors.yaml too, for vendors' facts). A finding is
accepted when its rule and fact match an entry that has not expired; ``check --strict`` then passes. An
acceptance past its date no longer hides its finding and is itself an error, so a gap cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Finding, in_order
from ..load import Document
from ..project import Project
from . import RULES, rule
from .dates import today


@rule("accepted-gap-expired", "error", "An accepted gap is still within its date; after it, the gap counts again.")
def _expired(project: Project) -> Iterator[Finding]:
    return iter(())  # reported by apply(), which sees the findings an acceptance covers


@rule("accepted-gap-unused", "warning", "Each accepted gap still matches a finding, so the list shows only real gaps.")
def _unused(project: Project) -> Iterator[Finding]:
    return iter(())  # reported by apply()


def covers(accepted: str, fact: str) -> bool:
    """Whether an accepted fact path covers a finding's: itself, or any fact under it."""
    return bool(fact) and (fact == accepted or fact.startswith((accepted + ".", accepted + "[")))


def _covering(fact: str) -> list[str]:
    """Every accepted fact path that ``covers`` this one: itself and each path above it."""
    return [fact[:i] for i, c in enumerate(fact) if c in ".["] + [fact] if fact else []


def _sources(project: Project) -> Iterator[tuple[Document, tuple, list]]:
    """(document, location of its accepted_gaps, the entries) for each file that may accept gaps."""
    for slug in project.focus or project.brands:
        yield project.documents[slug], ("accepted_gaps",), project.accepted_gaps(slug)
    if project.vendor_gaps and "vendors" in project.documents:
        yield project.documents["vendors"], ("accepted_gaps",), project.vendor_gaps


def apply(project: Project, findings: list[Finding], *, judge_unused: bool = True,
          ordered: bool = True) -> tuple[list[Finding], list[Finding]]:
    """(the findings still to report, the findings accepted); adds a finding for each expired or unused entry.

    ``judge_unused`` is False while some rules have not run (the page rules wait for the facts to hold):
    an entry may then match a finding still to come. ``ordered=False``: in no particular order.
    """
    now = today()
    accepted: set[Finding] = set()
    extra: list[Finding] = []
    # (file, rule, each fact path that covers it) → findings: one pass over the findings, one lookup per entry
    covered_by: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        for prefix in _covering(f.fact):
            covered_by.setdefault((f.path, f.rule, prefix), []).append(f)
    for doc, loc, entries in _sources(project):
        for i, entry in enumerate(entries):
            for j, fact in enumerate(entry.facts):
                matched = covered_by.get((doc.path, entry.rule, fact), [])
                if matched and entry.until < now:
                    extra.append(doc.finding(loc + (i, "until"), f"the acceptance of '{fact}' ({entry.rule}) ended on "
                                             f"{entry.until.isoformat()}, so the gap counts again: state the fact, or "
                                             "have the legal team accept it again with a new date.",
                                             rule="accepted-gap-expired"))
                elif matched:
                    accepted.update(matched)
                elif judge_unused:
                    why = (f"there is no rule '{entry.rule}'" if entry.rule not in RULES
                           else f"{entry.rule} reports nothing about '{fact}' here")
                    extra.append(doc.finding(loc + (i, "facts", j), f"this acceptance matches no finding: {why}. "
                                             "Remove it (the gap is closed), or correct the rule or the fact.",
                                             rule="accepted-gap-unused", severity="warning"))
    kept = [f for f in findings if f not in accepted]
    if not ordered:
        return kept + extra, list(accepted)
    return in_order(set(kept + extra)), in_order(accepted)


def nothing_stops_rendering(project: Project, findings: list[Finding]) -> bool:
    """Whether no error is left once the acceptances are applied (the page rules then run). Without an error
    or an expired acceptance nothing can be left, and the findings need not be matched at all."""
    now = today()
    if not any(f.is_error for f in findings) and \
            not any(entry.until < now for _, _, entries in _sources(project) for entry in entries):
        return True
    return not any(f.is_error for f in apply(project, findings, judge_unused=False, ordered=False)[0])


def accepted_by(project: Project, finding: Finding):
    """The accepted_gaps entry that accepts ``finding`` (its reason, who, until), or None."""
    for doc, _, entries in _sources(project):
        for entry in entries:
            if finding.path == doc.path and finding.rule == entry.rule and \
                    any(covers(fact, finding.fact) for fact in entry.facts):
                return entry
    return None
