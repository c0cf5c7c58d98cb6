"""What the pages say about versions: the upcoming notice, a version's banner, the Versions page and
each version's "What changed" page, as Markdown added to the rendered pages.

Links between sites (the current site and each version's) are written as HTML, not Markdown links:
MkDocs checks a Markdown link against its own site's files only.
"""

from __future__ import annotations

from html import escape

from .diff import BrandDiff
from .history import ANNOUNCED, CURRENT, EFFECTIVE, LAST_UPDATED, UPCOMING, History, Version
from .render import display, md_escape

VERSIONS, WHAT_CHANGED = "versions", "what-changed"
ALWAYS = ("index", "privacy", "security", "changes")  # the pages every version has (render.pages_for)


def version_folder(version: Version) -> str:
    return f"versions/{version.id}/"


def page_folder(page: str) -> str:
    """A page's folder in its site ("" for the landing page), as MkDocs writes it with directory URLs."""
    return "" if page == "index" else f"{page}/"


def to_root(page: str) -> str:
    """From a page back to its site's root."""
    return "../" if page != "index" else ""


def _a(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _when(version: Version) -> str:
    return display(version.day) if version.day else "an undated version"


def dated(version: Version) -> str:
    """What a version's day is, in the facts' own terms: only a stated effective date is "in force from"."""
    if version.day is None:
        return "undated"
    said = {EFFECTIVE: "in force from", ANNOUNCED: "announced on", LAST_UPDATED: "last updated on"}[version.dated_by]
    return f"{said} {display(version.day)}"


def _box(kind: str, title: str, body: str) -> str:
    """A Material admonition written as HTML (the project's Markdown extensions need not include admonition)."""
    return (f'<div class="admonition {kind} legalsite-version" role="note">\n'
            f'<p class="admonition-title">{escape(title)}</p>\n<p>{body}</p>\n</div>\n')


def insert_after_title(markdown: str, block: str) -> str:
    """``block`` right after the page's first '# ' heading (or first, when it has none)."""
    lines = markdown.split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    return "\n".join(lines[:at] + ["", block.strip("\n"), ""] + lines[at:])


def upcoming_notice(page: str, upcoming: Version, pages_then: list[str]) -> str:
    """On a current page: the policy changes on a given day, with a link to the new text."""
    target = page_folder(page) if page in pages_then else ""
    link = _a(to_root(page) + version_folder(upcoming) + target, "Read the new version")
    return _box("warning", f"This policy changes on {_when(upcoming)}", f"{link}. Until then, this version applies.")


def version_banner(history: History, version: Version, page: str, pages_current: list[str],
                   what_changed: bool) -> str:
    """On each page of a version's own site: which version this is, and links to the others."""
    previous, following = history.neighbours(version)
    home = to_root(page) + "../../"  # from a page of this version to the current site's root
    here = page_folder(page) if page in pages_current else ""
    if version.status == CURRENT:
        title, said = f"The current version ({dated(version)})", "This is the current version."
    elif version.status == UPCOMING:
        title = f"Upcoming version: takes effect on {_when(version)}"
        said = f"Until then, {_a(home + here, 'the current version')} applies."
    else:
        title = f"An earlier version ({dated(version)})"
        later = f"It was followed by the version {escape(dated(following))}. " if following else ""
        said = f"{later}Read {_a(home + here, 'the current version')}."
    links = [_a(home + 'versions/', 'All versions')]
    same = page_folder(page) if page in ALWAYS else ""  # another version may not have this page
    if previous:
        links.append(_a(to_root(page) + f"../{previous.id}/" + same, f"Previous ({_when(previous)})"))
    if following:
        links.append(_a(to_root(page) + f"../{following.id}/" + same, f"Next ({_when(following)})"))
    if what_changed and page != WHAT_CHANGED:
        links.append(_a(to_root(page) + f"{WHAT_CHANGED}/", "What changed from the previous version"))
    return _box("info", title, f"{said} {' · '.join(links)}")


def meta_line(page: str, pdf: str | None, versions: bool) -> str:
    """The line under a page's title: its PDF copy and the list of versions."""
    links = []
    if pdf:
        links.append(_a(pdf, "Download this page as PDF"))
    if versions:
        links.append(_a(to_root(page) + "versions/", "All versions of our policies"))
    return f'<p class="legalsite-meta">{" · ".join(links)}</p>\n' if links else ""


def versions_page(brand_name: str, history: History, slug: str) -> str:
    """The current site's Versions page: every dated version, newest first, with its status and pages."""
    rows = []
    listed = history.dated(slug)
    for version in reversed(listed):
        status = {CURRENT: "Current", UPCOMING: "Upcoming"}.get(version.status, "Earlier")
        what = md_escape("; ".join(version.summaries)) or "The first version on record."
        if history.neighbours(version)[0]:
            what += " " + _a(f"{version.id}/{WHAT_CHANGED}/", "Facts changed")
        day = dated(version)
        rows.append(f"| {_a(version.id + '/', _when(version))} | {status} | {day[0].upper() + day[1:]} | {what} |")
    # "on record": the versions in this project's history, not a claim that no earlier one existed
    lead = (f"The versions of {md_escape(brand_name)}'s policies on record, newest first. Each version keeps its own "
            "address, so a link to it keeps showing what the policies said then.")
    table = ["| Version | Status | Dated | What changed |", "| --- | --- | --- | --- |", *rows]
    return "\n".join(["---", "title: Versions", "---", "", "# Versions", "", lead, "", *table, ""])


def what_changed_page(changes: BrandDiff | None, previous: Version, version: Version) -> str:
    """A version's "What changed" page: the facts that differ from the previous version (as legalsite diff
    compares them; its review flags are for the legal team, not for visitors)."""
    lead = (f"The facts that differ between the version of {_when(previous)} and the version of "
            f"{_when(version)}.")
    rows = ["| Change | Fact | Before | After | Pages |", "| --- | --- | --- | --- | --- |"]
    for e in changes.entries if changes else []:
        cells = [e.kind, md_escape(e.words), md_escape(e.before) or "—", md_escape(e.after) or "—",
                 md_escape(", ".join(e.pages)) or "—"]
        rows.append("| " + " | ".join(cells) + " |")
    body = rows if len(rows) > 2 else ["No facts changed."]
    return "\n".join(["---", "title: What changed", "---", "", "# What changed", "", lead, "", *body, ""])
