"""The compliance report: brand by brand, what each law a brand declares asks of its policy, and whether the facts give it.

A working document for the legal team, sent from one lawyer to another; it is never published with the sites.
``legalsite report`` prints it as Markdown (the default), JSON, or one standalone HTML file. It describes and does
not gate: ``legalsite check --strict`` is the gate. The same facts on the same date (``SOURCE_DATE_EPOCH``, as
``check`` reads it) give byte-identical output.

For each brand and each law in ``checks.law.LAWS`` order, every requirement of the law has one status:

- ``given``: the brand's facts state what the requirement asks;
- ``gap``: they do not (``check`` reports it under the law's rule, such as ``law-gdpr``);
- ``accepted``: a gap that one of the brand's ``accepted_gaps`` covers (its rule is the law's rule and one of its
  facts covers the requirement's fact) and whose date has not passed; the reason, who accepted it and until when
  are shown. An acceptance past its date accepts nothing, as in ``check``: the requirement is a ``gap`` and the
  expired acceptance is shown with it;
- ``not applicable``: the requirement does not arise for this brand (no DPO named, no reliance on consent, ...).

A law whose places the brand does not declare (``jurisdictions``) is "not declared"; a law it declares whose own
condition the brand does not meet (COPPA: a service not open to children under 13) "does not apply". Neither has
requirements in the report.

The JSON shape (keys sorted, two-space indent; a list keeps the report's order)::

    {
      "brands": [
        {
          "file": "content/brands/journeyapi.yaml",
          "jurisdictions": ["EEA", "UK"],        # as the brand declares them
          "laws": [
            {
              "condition": null,                 # "does not apply": why, in words (else null)
              "id": "law-gdpr",                  # the law's rule in 'legalsite check'
              "places": ["EEA", "UK"],           # the declared places the law covers; [] when not declared
              "requirements": [                  # [] unless "standing" is "declared"
                {
                  "acceptance": null,            # or, when an accepted gap covers the requirement:
                                                 # {"accepted_by": "Legal team", "expired": false,
                                                 #  "fact": "provision", "reason": "...", "until": "2027-06-30"}
                  "article": "Art. 13(1)(a)",
                  "fact": "controller",          # the fact that meets it, as 'check' names facts
                  "laws": ["GDPR", "UK GDPR"],   # the law's names for the declared places
                  "page": "privacy",
                  "status": "gap",               # "given", "gap", "accepted" or "not applicable"
                  "what": "the identity and the contact details of the controller"
                }
              ],
              "standing": "declared",            # "declared", "not declared" or "does not apply"
              "summary": {"accepted": 0, "gap": 2, "given": 12, "not applicable": 6},
              "texts": [{"law": "GDPR", "url": "https://eur-lex.europa.eu/eli/reg/2016/679/oj"}],
              "title": "GDPR (Art. 13 and 14)"
            }
          ],
          "name": "JourneyAPI",
          "slug": "journeyapi"
        }
      ],
      "date": "2026-03-26",                      # the report's date (SOURCE_DATE_EPOCH where set)
      "legalsite": "0.4.0",                      # the version that wrote it
      "statuses": ["given", "gap", "accepted", "not applicable"]
    }

``texts`` are the official texts for the declared places, or for all the law's places when it is not declared.
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import __version__, feeds
from .checks.acceptances import covers
from .checks.dates import today
from .checks.law import LAWS, Law, Requirement, status
from .errors import LegalsiteError, UsageError
from .model import AcceptedGap, Brand
from .project import Project

STATUSES = ("given", "gap", "accepted", "not applicable")
FORMATS = ("markdown", "json", "html")


@dataclass(frozen=True)
class Acceptance:
    """The accepted gap that covers a requirement: its fact as written, why, who, and the last day it holds."""

    fact: str
    reason: str
    accepted_by: str
    until: dt.date
    expired: bool


@dataclass(frozen=True)
class Row:
    """One requirement of one law for one brand."""

    laws: tuple[str, ...]
    article: str
    what: str
    page: str
    fact: str
    status: str
    acceptance: Acceptance | None = None


@dataclass(frozen=True)
class LawReport:
    id: str
    title: str  # "GDPR (Art. 13 and 14)": the law's name as a heading
    standing: str  # "declared", "not declared" or "does not apply"
    places: tuple[str, ...]  # the brand's declared places the law covers
    texts: tuple[tuple[str, str], ...]  # (the law's name, its official text)
    rows: tuple[Row, ...] = ()
    condition: str | None = None  # when it "does not apply": the law's own condition, in words

    @property
    def summary(self) -> dict[str, int]:
        return {s: sum(r.status == s for r in self.rows) for s in STATUSES}


@dataclass(frozen=True)
class BrandReport:
    slug: str
    name: str
    file: str
    jurisdictions: tuple[str, ...]
    laws: tuple[LawReport, ...]


@dataclass(frozen=True)
class Report:
    date: dt.date
    version: str
    brands: tuple[BrandReport, ...]


# --- the report as data -----------------------------------------------------------

def compliance_report(project: Project, slugs: Iterable[str] | None = None) -> Report:
    """The report for the named brands (all when none); an unknown name is a UsageError."""
    now = today()
    chosen = project.select(list(slugs or ()))
    return Report(now, __version__, tuple(brand_report(slug, project.brands[slug], project.brand_path(slug), now)
                                          for slug in chosen))


def brand_report(slug: str, brand: Brand, file: str, now: dt.date) -> BrandReport:
    return BrandReport(slug, brand.name, file, tuple(brand.jurisdictions),
                       tuple(law_report(law, brand, now) for law in LAWS.values()))


def law_report(law: Law, brand: Brand, now: dt.date) -> LawReport:
    places = tuple(p for p in brand.jurisdictions if p in law.regions)
    statuses = status(law, brand)
    if not statuses:
        if not places:
            return LawReport(law.id, title(law), "not declared", (), _texts(law.regions.values()))
        return LawReport(law.id, title(law), "does not apply", places, _texts(law.regions[p] for p in places),
                         condition=_condition(law.applies))
    rows = []
    for requirement, state, names in statuses:
        acceptance = _acceptance(law, requirement, brand.accepted_gaps, now) if state == "gap" else None
        if acceptance is not None and not acceptance.expired:
            state = "accepted"
        rows.append(Row(tuple(dict.fromkeys(name for name, _ in names)), requirement.article, requirement.what,
                        requirement.page, requirement.fact, state, acceptance))
    return LawReport(law.id, title(law), "declared", places, _texts(law.regions[p] for p in places), tuple(rows))


def title(law: Law) -> str:
    """The law's name as a heading: "the GDPR (Art. 13 and 14)" → "GDPR (Art. 13 and 14)"."""
    name = law.name.removeprefix("the ")
    return name[:1].upper() + name[1:]


def _texts(regions: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(regions))


def _condition(applies: Callable) -> str | None:
    """What a law's own condition asks, from its docstring (COPPA: "a US service open to children under 13")."""
    doc = inspect.getdoc(applies)
    return " ".join(doc.split()) if doc else None


def _acceptance(law: Law, requirement: Requirement, gaps: list[AcceptedGap], now: dt.date) -> Acceptance | None:
    """The acceptance of this requirement's gap, as check applies it: the law's rule, a fact covering the
    requirement's; one still in force first, else the one that ended last."""
    found = [Acceptance(fact, gap.reason, gap.accepted_by, gap.until, gap.until < now)
             for gap in gaps if gap.rule == law.id
             for fact in gap.facts if covers(fact, requirement.fact)]
    return min(found, key=lambda a: (a.expired, -a.until.toordinal()), default=None)


def to_data(report: Report) -> dict:
    """The report as the JSON shape in this module's docstring."""
    def acceptance(a: Acceptance | None) -> dict | None:
        return None if a is None else {"fact": a.fact, "reason": a.reason, "accepted_by": a.accepted_by,
                                       "until": a.until.isoformat(), "expired": a.expired}

    def law(x: LawReport) -> dict:
        return {"id": x.id, "title": x.title, "standing": x.standing, "places": list(x.places),
                "condition": x.condition, "texts": [{"law": n, "url": u} for n, u in x.texts],
                "summary": x.summary,
                "requirements": [{"laws": list(r.laws), "article": r.article, "what": r.what, "page": r.page,
                                  "fact": r.fact, "status": r.status, "acceptance": acceptance(r.acceptance)}
                                 for r in x.rows]}

    return {"date": report.date.isoformat(), "legalsite": report.version, "statuses": list(STATUSES),
            "brands": [{"slug": b.slug, "name": b.name, "file": b.file, "jurisdictions": list(b.jurisdictions),
                        "laws": [law(x) for x in b.laws]} for b in report.brands]}


# --- words shared by the formats -----------------------------------------------------

INTRO = ("What each brand's privacy policy discloses, set against what each law the brand declares asks of it, "
         "from the facts in content/brands. Internal: for the legal team, not for publication.")
LEGEND = (("given", "the facts state it."),
          ("gap", "the facts do not state it."),
          ("accepted", "a gap the legal team accepts for now, for the reason shown, until the date shown."),
          ("not applicable", "the requirement does not arise for this brand."))
COLUMNS = ("Law", "Article", "The policy must give", "Page", "Fact", "Status")

# Shown as escapes, never as themselves: control characters (a terminal escape in a brand name) and the
# bidirectional marks and overrides that would reorder the text around them.
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _plain(text: str) -> str:
    """A fact as one line of plain text: whitespace (line breaks too) collapsed, invisible controls made visible."""
    text = " ".join(str(text).split())
    return _UNSHOWN.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def _counts(summary: dict[str, int]) -> str:
    """ "12 given, 2 gaps, 0 accepted, 6 not applicable"."""
    gaps = summary["gap"]
    return (f"{summary['given']} given, {gaps} {'gap' if gaps == 1 else 'gaps'}, {summary['accepted']} accepted, "
            f"{summary['not applicable']} not applicable")


def _places(places: Iterable[str]) -> str:
    return ", ".join(places) or "none"


def _standing(law: LawReport, brand: BrandReport) -> str:
    """A law with no requirements in the report, in one line: "CCPA/CPRA: not declared (jurisdictions: EEA, UK)"."""
    if law.standing == "not declared":
        return f"{law.title}: not declared (jurisdictions: {_places(brand.jurisdictions)})"
    why = f": {law.condition.rstrip('.')}" if law.condition else ""  # the line ends with its own full stop
    return f"{law.title}: declared ({_places(law.places)}) but does not apply to this brand{why}"


def _accepted_words(a: Acceptance) -> str:
    """An acceptance in sentences: the reason, then who accepted it until when (or that it has ended)."""
    reason = a.reason.strip()
    reason += "" if reason.endswith((".", "!", "?")) else "."
    if a.expired:
        return f"No longer accepted: the acceptance by {a.accepted_by} held until {a.until.isoformat()}. {reason}"
    return f"{reason} Accepted by {a.accepted_by} until {a.until.isoformat()}."


def _notes(law: LawReport) -> dict[tuple, tuple[int, Acceptance, list[str]]]:
    """Each acceptance the law's rows show → (its number, the acceptance, the requirements' facts it covers),
    numbered in the order of the rows: the reason is given once, under the table, however many rows it covers."""
    notes: dict[tuple, tuple[int, Acceptance, list[str]]] = {}
    for r in law.rows:
        if r.acceptance is not None:
            _, _, facts = notes.setdefault(_note_key(r.acceptance), (len(notes) + 1, r.acceptance, []))
            if r.fact not in facts:
                facts.append(r.fact)
    return notes


def _note_key(a: Acceptance) -> tuple:
    return (a.reason, a.accepted_by, a.until, a.expired)


def _others_lead(b: BrandReport) -> str:
    if any(x.standing == "declared" for x in b.laws):
        return "Other laws:"
    return "No law's requirements are checked for this brand:"


def _brand_heading(b: BrandReport) -> str:
    return b.name if b.name == b.slug else f"{b.name} ({b.slug})"


# --- Markdown -------------------------------------------------------------------------

# CommonMark lets a backslash make any ASCII punctuation literal; these are the ones that would start markup in
# a line of text or a table cell ('|' ends a cell, '$' starts math on GitHub, '#' closes a heading).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~$#!])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", _plain(text))


def _md_code(path: str) -> str:
    return f"`{path}`" if re.fullmatch(r"[\w.\[\]-]+", path) else _md(path)  # fact paths are names and ids


def _md_link(name: str, url: str) -> str:
    return f"[{_md(name)}](<{url}>)" if re.fullmatch(r"https?://[^\s<>]+", url) else f"{_md(name)}: {_md(url)}"


def to_markdown(report: Report) -> str:
    out = ["# Compliance report", "",
           f"- Date: {report.date.isoformat()}", f"- legalsite {_md(report.version)}",
           f"- Brands: {_md(', '.join(b.name for b in report.brands)) or 'none'}", "",
           _md(INTRO), ""]
    out += [f"- **{word}**: {_md(meaning)}" for word, meaning in LEGEND] + [""]
    if report.brands:
        laws = [law.title for law in report.brands[0].laws]
        out += ["## Overview", "", "| Brand | " + " | ".join(map(_md, laws)) + " |",
                "| --- |" + " --- |" * len(laws)]
        for b in report.brands:
            cells = [_counts(x.summary) if x.standing == "declared" else x.standing for x in b.laws]
            out.append(f"| {_md(b.name)} | " + " | ".join(map(_md, cells)) + " |")
        out.append("")
    for b in report.brands:
        out += [f"## {_md(_brand_heading(b))}", "",
                f"Facts: {_md_code(b.file)}; jurisdictions: {_md(_places(b.jurisdictions))}.", ""]
        for law in b.laws:
            if law.standing != "declared":
                continue
            texts = ", ".join(_md_link(n, u) for n, u in law.texts)
            out += [f"### {_md(law.title)}", "",
                    f"Declared: {_md(_places(law.places))}. Official text: {texts}.", "",
                    "| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
            notes = _notes(law)
            for r in law.rows:
                state = f"**{r.status}**" if r.status in ("gap", "accepted") else r.status
                if r.acceptance is not None:
                    state += f" (note {notes[_note_key(r.acceptance)][0]})"
                cells = [_md(", ".join(r.laws)), _md(r.article), _md(r.what), _md(r.page), _md_code(r.fact), state]
                out.append("| " + " | ".join(cells) + " |")
            out += ["", f"Summary: {_md(_counts(law.summary))} (of {len(law.rows)} requirements).", ""]
            if notes:
                out += ["Accepted gaps:", ""]
                out += [f"{n}. {_md(_accepted_words(a))} Facts: " + ", ".join(map(_md_code, facts)) + "."
                        for n, a, facts in notes.values()]
                out.append("")
        others = [law for law in b.laws if law.standing != "declared"]
        if others:
            out += [_md(_others_lead(b)), ""]
            out += [f"- {_md(_standing(law, b))}. Official text: "
                    + ", ".join(_md_link(n, u) for n, u in law.texts) + "." for law in others] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


# --- JSON -----------------------------------------------------------------------------

def to_json(report: Report) -> str:
    return feeds.to_json(to_data(report))  # the one stable JSON of legalsite


# --- HTML -----------------------------------------------------------------------------

def _h(text: str) -> str:
    return html.escape(_plain(text), quote=True)


def _h_link(name: str, url: str) -> str:
    if re.fullmatch(r"https?://[^\s<>\"']+", url):
        return f'<a href="{html.escape(url, quote=True)}">{_h(name)}</a>'
    return f"{_h(name)}: {_h(url)}"


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fbfbfa; color: #1f2328; font: 15px/1.5 system-ui, -apple-system, "Segoe UI",
       Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 76rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .25rem; padding-top: 1rem; border-top: 2px solid #d0d7de; }
h3 { font-size: 1.1rem; margin: 1.75rem 0 .25rem; }
p { margin: .35rem 0 .75rem; }
a { color: #0b57d0; }
code { font: .9em/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f2f4;
       padding: .05em .3em; border-radius: 3px; overflow-wrap: anywhere; }
.meta { color: #4b5563; margin-bottom: 1rem; }
.legend { padding: 0; list-style: none; margin: .5rem 0 1rem; }
.legend li { margin: .25rem 0; }
.legend .status { min-width: 8.5rem; text-align: center; margin-right: .5rem; }
.notice { background: #fff8e1; border: 1px solid #e8d8a0; border-radius: 4px; padding: .5rem .75rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 .5rem; background: #fff; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #d8dee4; padding: .35rem .55rem; text-align: left; vertical-align: top; }
thead th { background: #eef1f4; font-weight: 600; }
tbody th { font-weight: normal; }
td.nowrap { white-space: nowrap; }
td.nowrap code { overflow-wrap: normal; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.muted { color: #5b6470; }
td.has-gaps { background: #fdf0ef; box-shadow: inset 4px 0 0 #c0392b; }
.status { white-space: nowrap; font-weight: 600; border-radius: 3px; padding: .05rem .45rem; display: inline-block; }
.note { font-size: .92em; white-space: nowrap; }
.notes-title { font-weight: 600; margin-bottom: .2rem; }
.notes { margin-top: 0; padding-left: 1.6rem; }
.notes li { margin: .2rem 0; }
.s-given { background: #e3f4e8; color: #14532d; }
.s-gap { background: #fde4e2; color: #8a1c12; }
.s-accepted { background: #fff1cc; color: #6b4500; }
.s-na { background: #eef0f2; color: #454c55; font-weight: normal; }
.summary { font-weight: 600; }
.others { padding-left: 1.2rem; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-before: page; }
  tr, .status { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; }
}
"""


def _status_html(state: str) -> str:
    css = "s-na" if state == "not applicable" else f"s-{state}"
    return f'<span class="status {css}">{_h(state)}</span>'


def _anchor(*parts: str) -> str:
    """An element id from slugs and rule ids (each [a-z0-9-], so nothing to escape; escaped all the same)."""
    return html.escape("-".join(parts), quote=True)


def to_html(report: Report) -> str:
    date = report.date.isoformat()
    meta = f"legalsite {_h(report.version)} &middot; Brands: {_h(', '.join(b.name for b in report.brands)) or 'none'}"
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="color-scheme" content="light">', '<meta name="robots" content="noindex, nofollow">',
           f"<title>Compliance report, {date}</title>", f"<style>{_CSS}</style>", "</head>", "<body>", "<main>",
           "<header>", "<h1>Compliance report</h1>",
           f'<p class="meta">Date: <time datetime="{date}">{date}</time> &middot; {meta}</p>',
           f'<p class="notice">{_h(INTRO)}</p>', '<ul class="legend" aria-label="What each status means">']
    out += [f"<li>{_status_html(word)} {_h(meaning)}</li>" for word, meaning in LEGEND]
    out += ["</ul>", "</header>"]
    if report.brands:
        laws = report.brands[0].laws
        out += ['<section aria-labelledby="overview">', '<h2 id="overview">Overview</h2>', "<table>",
                "<caption>Each brand against each law: requirements by status</caption>", "<thead><tr>",
                '<th scope="col">Brand</th>'] + [f'<th scope="col">{_h(x.title)}</th>' for x in laws]
        out += ["</tr></thead>", "<tbody>"]
        for b in report.brands:
            cells = []
            for x in b.laws:
                if x.standing == "declared":
                    gaps = ' class="has-gaps"' if x.summary["gap"] else ""
                    cells.append(f'<td{gaps}><a href="#{_anchor(b.slug, x.id)}">{_h(_counts(x.summary))}</a></td>')
                else:
                    cells.append(f'<td class="muted">{_h(x.standing)}</td>')
            out.append(f'<tr><th scope="row"><a href="#{_anchor(b.slug)}">{_h(b.name)}</a></th>'
                       + "".join(cells) + "</tr>")
        out += ["</tbody>", "</table>", "</section>"]
    for b in report.brands:
        out += [f'<section aria-labelledby="{_anchor(b.slug)}">',
                f'<h2 id="{_anchor(b.slug)}">{_h(_brand_heading(b))}</h2>',
                f"<p>Facts: <code>{_h(b.file)}</code> &middot; Jurisdictions: {_h(_places(b.jurisdictions))}</p>"]
        for x in b.laws:
            if x.standing != "declared":
                continue
            anchor = _anchor(b.slug, x.id)
            texts = ", ".join(_h_link(n, u) for n, u in x.texts)
            out += [f'<section aria-labelledby="{anchor}">', f'<h3 id="{anchor}">{_h(x.title)}</h3>',
                    f"<p>Declared: {_h(_places(x.places))} &middot; Official text: {texts}</p>", "<table>",
                    f'<caption class="sr-only">{_h(b.name)}: {_h(x.title)}, {len(x.rows)} requirements</caption>',

                    "<thead><tr>" + "".join(f'<th scope="col">{_h(c)}</th>' for c in COLUMNS) + "</tr></thead>",
                    "<tbody>"]
            notes = _notes(x)
            for r in x.rows:
                note = ""
                if r.acceptance is not None:
                    n = notes[_note_key(r.acceptance)][0]
                    note = f' <a class="note" href="#{anchor}-note-{n}">note&nbsp;{n}</a>'
                out.append(f'<tr><td class="nowrap">{_h(", ".join(r.laws))}</td><td class="nowrap">{_h(r.article)}</td>'
                           f'<th scope="row">{_h(r.what)}</th><td>{_h(r.page)}</td>'
                           f'<td class="nowrap"><code>{_h(r.fact)}</code></td>'
                           f'<td class="nowrap">{_status_html(r.status)}{note}</td></tr>')
            out += ["</tbody>", "</table>",
                    f'<p class="summary">Summary: {_h(_counts(x.summary))} (of {len(x.rows)} requirements)</p>']
            if notes:
                out += ['<p class="notes-title">Accepted gaps:</p>', '<ol class="notes">']
                out += [f'<li id="{anchor}-note-{n}">{_h(_accepted_words(a))} Facts: '
                        + ", ".join(f"<code>{_h(f)}</code>" for f in facts) + ".</li>" for n, a, facts in notes.values()]
                out.append("</ol>")
            out.append("</section>")
        others = [x for x in b.laws if x.standing != "declared"]
        if others:
            out += [f'<p class="notes-title">{_h(_others_lead(b))}</p>', '<ul class="others">']
            out += [f"<li>{_h(_standing(x, b))}. Official text: "
                    + ", ".join(_h_link(n, u) for n, u in x.texts) + "</li>" for x in others]
            out.append("</ul>")
        out.append("</section>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


# --- output -----------------------------------------------------------------------------

def render(report: Report, fmt: str = "markdown") -> str:
    """The report in one of FORMATS."""
    writers = {"markdown": to_markdown, "json": to_json, "html": to_html}
    if fmt not in writers:
        raise UsageError(f"no report format '{fmt}'; the formats are: {', '.join(FORMATS)}.")
    return writers[fmt](report)


def write_report(path: Path, text: str) -> Path:
    """Write the report to ``path``, replaced whole: written aside in the same folder, then renamed over it.

    A folder (or a link to one) is never replaced. A new file gets the usual permissions (0666 less the umask).
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; name the report's file, such as {path / 'report.html'}.")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{folder} does not exist (or is not a folder); create it, or write the report elsewhere.")
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise LegalsiteError(f"could not write the report to {path}: {exc.strerror or exc}.") from None
    return path
