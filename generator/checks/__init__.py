"""The rules that prove a project's facts hold together.

A rule is one function, registered with ``@rule``: it receives the Project
and yields Findings. ``legalsite check`` and ``legalsite build`` run them all
before anything is written. A rule is about one brand at a time (``brands_of``), so its findings for a
brand are kept in the project's cache by that brand's key and worked out again only when the brand's file
or what all brands share changes; a rule about the project as a whole (``scope="project"``) runs once.
The rules live by subject in this package:
references, gaps, dates, values, pages, coherence (a page that holds together, each thing
stated once) and wellknown (the files published for machines, such as security.txt); adding one
means writing one function.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..cache import digest
from ..config import tool_versions
from ..errors import Finding, LegalsiteError, in_order
from ..load import Document
from ..model import Brand
from ..parallel import can_fork, in_workers
from ..project import Project
from .report import findings_report, github_annotations, sarif_report  # noqa: F401  (the output formats)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    description: str
    run: Callable[[Project], Iterable[Finding]]
    renders: bool = False  # reads rendered pages, so it runs only once the facts hold together
    # "brand": reports on the brands in focus only, reading nothing of other brands but what Project.shared_key
    # covers. "project": reports on the project as a whole, whatever the focus.
    scope: str = "brand"


RULES: dict[str, Rule] = {}
PARTS: list[Rule] = []  # every function of every rule, in order: a rule may have one part per scope


def rule(id: str, severity: str, description: str = "", *, renders: bool = False, scope: str = "brand"):
    """Register a rule: ``@rule("vendor-unknown", "error", "Every vendor a brand names exists.")``; registering
    an id again adds a part to that rule (its description is the first part's)."""

    def register(func: Callable[[Project], Iterable[Finding]]):
        part = Rule(id, severity, description or RULES[id].description, func, renders, scope)
        RULES.setdefault(id, part)
        PARTS.append(part)
        return func

    return register


def run_checks(project: Project, *, accepted: list[Finding] | None = None, jobs: int | None = None) -> list[Finding]:
    """Every finding of every rule, sorted by file and line, less the gaps the legal team accepts.

    Rules over rendered pages run last, and only if the facts have no errors:
    a page cannot be rendered from a reference to a vendor that does not exist.
    Findings an acceptance covers are left out, or put in ``accepted`` when a list is given.
    A brand's findings are taken from the project's cache when its key (its file, what all brands share, the
    day) has not changed; the project's own rules' findings likewise, by what all brands share. The brands
    not in the cache are checked across ``jobs`` processes (default: one per CPU) when there are many.
    """
    day = today().isoformat()
    findings = _project_findings(project, day)
    kept = {slug: _kept(project, slug, day) for slug in project.focus or project.brands}  # per brand, from the cache
    _work_out(project, kept, "facts", jobs)
    for entry in kept.values():
        findings += entry["facts"]
    # An accepted error (no contact address, say) does not stop the pages from being rendered and checked.
    rendered = acceptances.nothing_stops_rendering(project, findings)
    if rendered:
        _work_out(project, kept, "pages", jobs)
    for entry in kept.values():
        findings += entry["pages"] or []
        if entry.pop("new"):
            project.cache.put("findings", entry.pop("key"), {k: v and [f.row() for f in v] for k, v in entry.items()})
    kept_findings, covered = acceptances.apply(project, list(set(findings)), judge_unused=rendered)
    if accepted is not None:
        accepted.extend(covered)
    return kept_findings


# Below this many brands a worker, checking them here is quicker than starting workers.
_PER_WORKER = 8


def _work_out(project: Project, kept: dict[str, dict], part: str, jobs: int | None) -> None:
    """Fill in ``part`` ("facts" or "pages") of each brand's entry the cache did not have."""
    slugs = [slug for slug, entry in kept.items() if entry[part] is None]
    renders = part == "pages"
    jobs = min(jobs or os.cpu_count() or 1, len(slugs) // _PER_WORKER)
    if jobs < 2 or not can_fork():
        for slug in slugs:
            kept[slug][part] = _run(project, slug, renders=renders)
        return
    for slug in slugs:
        project.brands[slug]  # validated here, once, where the build reads them too
    shares = [slugs[i::jobs] for i in range(jobs)]
    for share, found in zip(shares, in_workers(_run_share, [(share, renders) for share in shares], inherit=project,
                                               error=LegalsiteError, died=_DIED)):
        for slug, (brand_findings, rendered) in zip(share, found):
            kept[slug][part] = brand_findings
            if rendered is not None:
                project.rendered = project.rendered or {}
                project.rendered[slug] = rendered  # rendered by the worker: the build reads them


_DIED = ("a check worker process stopped abruptly{how} while the brands were being checked. Run the command again; "
         "if it happens again, '--jobs 1' checks in one process and shows what went wrong.")


def _run_share(project: Project, slugs: list[str], renders: bool) -> list[tuple[list[Finding], dict | None]]:
    """In a worker: each brand's findings, and its pages when the rules rendered them."""
    results = []
    for slug in slugs:
        found = _run(project, slug, renders=renders)
        rendered = (project.rendered or {}).get(slug) if renders else None
        results.append((found, rendered if isinstance(rendered, dict) else None))
    return results


def _kept(project: Project, slug: str, day: str) -> dict:
    """A brand's findings as kept for its key (facts rules, page rules; None where not worked out yet)."""
    key = digest("findings", project.brand_key(slug), day)
    entry = project.cache.get("findings", key)
    try:
        found = {part: None if entry[part] is None else [Finding(*row) for row in entry[part]]
                 for part in ("facts", "pages")}
        return {**found, "key": key, "new": found["pages"] is None}
    except (TypeError, KeyError, ValueError):  # none kept, or not findings
        return {"facts": None, "pages": None, "key": key, "new": True}


def _run(project: Project, slug: str, *, renders: bool) -> list[Finding]:
    """The findings of the rules about one brand at a time, for ``slug``."""
    focus, project.focus = project.focus, [slug]
    try:
        return in_order({f for r in PARTS if r.scope == "brand" and r.renders == renders for f in r.run(project)})
    finally:
        project.focus = focus


def _project_findings(project: Project, day: str) -> list[Finding]:
    """The findings of the rules about the project as a whole, kept by what every brand shares."""
    key = digest("project findings", project.shared_key(), day, project.engine or "", os.environ.get("LEGALSITE_ENGINE", ""),
                 tool_versions())
    try:
        return [Finding(*row) for row in project.cache.get("findings", key)]
    except (TypeError, ValueError):
        findings = in_order({f for r in PARTS if r.scope == "project" for f in r.run(project)})
        project.cache.put("findings", key, [f.row() for f in findings])
        return findings


def rules_report() -> list[dict]:
    return [{"id": r.id, "severity": r.severity, "description": r.description} for r in RULES.values()]


def brands_of(project: Project) -> Iterator[tuple[str, Brand, Document]]:
    """Each brand in focus with its slug and the document its facts came from (rules about several brands
    at once, such as shared-fact-mismatch, read ``project.brands`` instead)."""
    for slug in project.focus or project.brands:
        yield slug, project.brands[slug], project.documents[slug]


# Importing the modules registers their rules, in the order --list-rules shows them.
from . import acceptances, coherence, dates, files, gaps, law, pages, references, values, wellknown  # noqa: F401 (in --list-rules order)
from .dates import today
