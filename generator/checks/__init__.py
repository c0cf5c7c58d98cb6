"""The rules that prove a project's facts hold together.

A rule is one function, registered with ``@rule``: it receives the Project
and yields Findings. ``legalsite check`` and ``legalsite build`` run them all
before anything is written. The rules live by subject in this package:
references, gaps, dates, values, pages, coherence (a page that holds together, each thing
stated once) and wellknown (the files published for machines, such as security.txt); adding one
means writing one function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..errors import Finding
from ..load import Document
from ..model import Brand
from ..project import Project
from .report import findings_report, github_annotations, sarif_report  # noqa: F401  (the output formats)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    run: Callable[[Project], Iterable[Finding]]
    renders: bool = False  # reads rendered pages, so it runs only once the facts hold together


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, description: str, *, renders: bool = False):
    """Register a rule: ``@rule("vendor-unknown", "error", "Every vendor a brand names exists.")``."""

    def register(func: Callable[[Project], Iterable[Finding]]):
        RULES[id] = Rule(id, severity, description, func, renders)
        return func

    return register


def run_checks(project: Project, *, accepted: list[Finding] | None = None) -> list[Finding]:
    """Every finding of every rule, sorted by file and line, less the gaps the legal team accepts.

    Rules over rendered pages run last, and only if the facts have no errors:
    a page cannot be rendered from a reference to a vendor that does not exist.
    Findings an acceptance covers are left out, or put in ``accepted`` when a list is given.
    """
    findings: list[Finding] = []
    for r in RULES.values():
        if not r.renders:
            findings.extend(r.run(project))
    # An accepted error (no contact address, say) does not stop the pages from being rendered and checked.
    rendered = not any(f.is_error for f in acceptances.apply(project, findings, judge_unused=False)[0])
    if rendered:
        for r in RULES.values():
            if r.renders:
                findings.extend(r.run(project))
    kept, covered = acceptances.apply(project, sorted(set(findings)), judge_unused=rendered)
    if accepted is not None:
        accepted.extend(covered)
    return kept


def rules_report() -> list[dict]:
    return [{"id": r.id, "severity": r.severity, "description": r.description} for r in RULES.values()]


def brands_of(project: Project) -> Iterator[tuple[str, Brand, Document]]:
    """Each brand in focus with its slug and the document its facts came from (rules about several brands
    at once, such as shared-fact-mismatch, read ``project.brands`` instead)."""
    for slug in project.focus or project.brands:
        yield slug, project.brands[slug], project.documents[slug]


# Importing the modules registers their rules, in the order --list-rules shows them.
from . import acceptances, dates, files, gaps, pages, coherence, references, values, law, wellknown  # noqa: F401, I001 (in --list-rules order)
