"""What each site is given: its pages, files and config, for the brand's current site and each version's.

Nothing here knows which engine will build the site (engines/); a site is rebuilt only when its inputs,
the engine or legalsite change (``SiteInputs.key``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import config as settings
from .. import feeds, wellknown
from ..archive import (
    VERSIONS,
    WHAT_CHANGED,
    insert_after_title,
    meta_line,
    page_folder,
    to_root,
    upcoming_notice,
    version_banner,
    version_folder,
    versions_page,
    what_changed_page,
)
from ..cache import digest
from ..config import brand_config, logo_name
from ..diff import diff_projects
from ..errors import BuildError, FactError
from ..feeds import to_json
from ..history import CURRENT, History, Version, build_day, load_version
from ..model import Brand
from ..pdf import pdf_name
from ..project import Project
from ..render import PAGE_TITLES, display, render_project
from ..style import brand_css, monogram


@dataclass
class SiteInputs:
    """Everything the engine is given for one site; a site is rebuilt only when these change."""

    files: dict[str, str | bytes]  # path in the docs folder → content
    config: dict  # the mkdocs.yml both engines read, without the docs and site folders
    epoch: str  # SOURCE_DATE_EPOCH for the build
    prints: list[dict] = field(default_factory=list)  # the pages to print to PDF once built (build._print)
    beside: dict[str, str] = field(default_factory=dict)  # files the engines skip (.well-known/), by path in the site
    tools: str = ""  # the engine, legalsite and theme versions (engines.tools): part of the key

    def pages(self) -> list[str]:
        return [name.removesuffix(".md") for name in self.files if name.endswith(".md")]

    def key(self) -> str:
        digest = hashlib.sha256(self.tools.encode())
        digest.update(json.dumps(_portable(self.config), sort_keys=True).encode() + self.epoch.encode())
        digest.update(json.dumps([self.prints, self.beside], sort_keys=True).encode())
        for name in sorted(self.files):
            data = self.files[name]
            digest.update(b"\0" + name.encode() + b"\0" + (data if isinstance(data, bytes) else data.encode()))
        return digest.hexdigest()


def _portable(config: dict) -> dict:
    """The config as a site's key sees it: legalsite's theme by name, not by the folder it is installed in (its
    files are in ``tools``), so the same project gives the same keys whatever the install's path."""
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir") == str(settings.THEME_DIR):
        return {**config, "theme": {**theme, "custom_dir": "legalsite/theme"}}
    return config


class Sites:
    """The inputs of each brand's current site and of its versions' sites (``<slug>/versions/<day>``).

    The current site shows the version in force on the build day, with a notice of any upcoming one; its
    Changes page and feed list every change announced, pending ones included. Each dated version also
    has a site of its own, with a banner linking the current, previous and next versions.
    """

    def __init__(self, project: Project, history: History, base: dict, stack: contextlib.ExitStack, pdf: bool,
                 tools: str = ""):
        self.project, self.history, self.base, self.stack, self.pdf = project, history, base, stack, pdf
        self.base_json = json.dumps(base, sort_keys=True)  # in every key: written out once
        self.tools = tools  # engines.tools(engine): in every key
        self.states: dict[str | None, Project] = {None: project}
        self.current_pages: dict[str, list[str]] = {}
        self._versions: dict[str, SiteInputs] = {}

    def state(self, version: Version) -> Project:
        """The project as it was at ``version``; a version whose facts no longer load stops the build."""
        if version.rev not in self.states:
            try:
                self.states[version.rev] = load_version(self.project, version, self.stack)
            except FactError as exc:
                first = exc.findings[0] if exc.findings else None
                raise BuildError(f"the facts of {version.slug}'s version of {version.id or 'its first policy'} "
                                 f"(commit {version.rev[:12]}) do not load with this legalsite"
                                 + (f": {first.path}:{first.line}:{first.column}: {first.message}" if first else "")
                                 + ". Nothing was published. Build without earlier versions "
                                 "(legalsite build --no-versions, or 'versions: false' under 'legalsite:' in "
                                 "mkdocs.yml) until that version's facts are brought up to date.") from None
        return self.states[version.rev]

    def pages_of(self, version: Version) -> dict[str, str]:
        state = self.state(version)
        if version.slug not in state.brands:
            raise BuildError(f"the facts of {version.slug}'s version of {version.id} (commit {version.rev}) have no "
                             f"content/brands/{version.slug}.yaml. Nothing was published.")
        pages = render_project(state, [version.slug])[version.slug]  # this brand only
        if isinstance(pages, FactError):
            first = pages.findings[0]
            raise BuildError(f"the pages of {version.slug}'s version of {version.id} do not render with this "
                             f"legalsite: {first.path}:{first.line}: {first.message}. Nothing was published.")
        return dict(pages)

    def current(self, slug: str, rendered: dict[str, str]) -> SiteInputs:
        history, current = self.history, self.history.current(slug)
        state = self.state(current)
        pages = self.pages_of(current)
        if "changes" in rendered:
            pages["changes"] = rendered["changes"]  # every announced change, pending ones too
        self.current_pages[slug] = list(pages)
        upcoming = history.upcoming(slug)
        dated = bool(history.dated(slug))
        prints = []
        then = list(self.pages_of(upcoming[0])) if upcoming else []
        for page in list(pages):
            href = None
            if self.pdf and current.id:  # the copy kept with the version's own site
                href = to_root(page) + version_folder(current) + page_folder(page) + pdf_name(slug, page, current.id)
            elif self.pdf:
                href = pdf_name(slug, page, None)
                prints.append(_print(state.brands[slug], page, "Current version", page_folder(page) + href))
            text = insert_after_title(pages[page], meta_line(page, href, dated))
            if upcoming:
                text = insert_after_title(text, upcoming_notice(page, upcoming[0], then))
            pages[page] = text
        if dated:
            pages[VERSIONS] = versions_page(state.brands[slug].name, history, slug)
        tip = self.project.brands[slug]
        published = {v.id for v in history.dated(slug)}
        starts = {i: f"versions/{day}/" for i, change in enumerate(tip.changes)
                  if (day := (change.effective or change.date).isoformat()) in published}
        inputs = site_inputs(state, slug, pages, self.base, feed=tip, versions=starts, tools=self.tools)
        inputs.prints = prints
        # security.txt and gpc.json belong at the root of the brand's address: the current site only.
        site_url = inputs.config.get("site_url")
        inputs.beside = wellknown.site_files(state.brands[slug], site_url,
                                             f"{site_url}security/" if site_url and "security" in pages else None,
                                             (self.base.get("theme") or {}).get("language", "en"))
        return inputs

    def source_key(self, slug: str, engine: str) -> str:
        """A digest of everything the brand's sites (current and versions) are made from, worked out without
        rendering or building anything: if it is the one recorded for the published site, the brand is kept as
        it is and not even its inputs are made again."""
        history = self.history
        revs = [v.rev for v in history.versions[slug]]
        return digest("sites", self.project.brand_key(slug), self.tools, engine,
                      self.base_json, str(self.pdf),
                      repr(history.versions[slug]), repr([history.source.get(rev, "") for rev in revs]),
                      os.environ.get("SOURCE_DATE_EPOCH", ""))

    def version_keys(self, slug: str) -> dict[str, str]:
        """Each dated version's site path → its key. A version from git is keyed by its commit's trees, so an
        unchanged earlier version is kept without loading its facts again."""
        keys = {}
        for version in self.history.dated(slug):
            path = f"{slug}/{version_folder(version).rstrip('/')}"
            if version.rev is None:
                keys[path] = self.version(path).key()
                continue
            previous, following = self.history.neighbours(version)
            digest = hashlib.sha256(self.tools.encode())
            for part in (self.history.source.get(version.rev, version.rev), slug, version.status, version.id,
                         previous and previous.id, previous and self.history.source.get(previous.rev or ""),
                         following and following.id, following and following.dated_by, version.dated_by,
                         self.base_json, self.pdf,
                         json.dumps(version.summaries), json.dumps(self.current_pages.get(slug))):
                digest.update(b"\0" + str(part).encode())
            keys[path] = digest.hexdigest()
        return keys

    def version(self, path: str) -> SiteInputs:
        if path in self._versions:
            return self._versions[path]
        slug = path.split("/")[0]
        version = next(v for v in self.history.dated(slug) if path.endswith(f"/{v.id}"))
        state = self.state(version)
        pages = self.pages_of(version)
        previous, _ = self.history.neighbours(version)
        if previous:
            only = [slug]
            diff = diff_projects(_only(self.state(previous), only), _only(state, only))
            pages[WHAT_CHANGED] = what_changed_page(next(iter(diff.brands), None), previous, version)
        brand = state.brands[slug]
        prints = []
        for page in list(pages):
            pdf = pdf_name(slug, page, version.id) if self.pdf and page != WHAT_CHANGED else None
            if pdf:
                prints.append(_print(brand, page, f"Version of {display(version.day)}", page_folder(page) + pdf))
            text = insert_after_title(pages[page], meta_line(page, pdf, False))
            pages[page] = insert_after_title(text, version_banner(self.history, version, page,
                                                                  self.current_pages.get(slug, []),
                                                                  WHAT_CHANGED in pages))
        inputs = site_inputs(state, slug, pages, self.base, feed=brand, tools=self.tools)
        if "site_url" in inputs.config:
            inputs.config["site_url"] += version_folder(version)
        inputs.epoch = _day_epoch(version.day)  # never the build day: a version's site does not change
        inputs.prints = prints
        self._versions[path] = inputs
        return inputs


def _only(project: Project, slugs: list[str]) -> Project:
    return dataclasses.replace(project, brands={s: b for s, b in project.brands.items() if s in slugs})


def _print(brand: Brand, page: str, label: str, pdf: str) -> dict:
    return {"page": page, "pdf": pdf, "label": label, "brand": brand.name, "title": PAGE_TITLES[page]}


def _day_epoch(day: dt.date | None) -> str:
    return str(int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())) if day else "0"


def single_versions(project: Project) -> History:
    """No history: each brand's one version is its working tree, current and without a permalink."""
    return History(day=build_day(), versions={slug: [Version(slug, None, None, status=CURRENT)]
                                              for slug in project.brands})


def brand_files(project: Project, slug: str, pages: list[str], feed: Brand | None = None,
                versions: dict[int, str] | None = None) -> dict[str, str | bytes]:
    """The files a brand's site carries beside its pages, by path in the docs folder (``feed``: the facts
    whose changes the feed lists, when not the brand's own)."""
    brand = project.brands[slug]
    logo = (project.root / "content" / brand.theme.logo).read_bytes() if brand.theme.logo else monogram(brand)
    return {
        "assets/brand.css": brand_css(brand),
        logo_name(brand): logo,
        "subprocessors.json": to_json(feeds.subprocessors(brand, project.vendors)),
        "cookies.json": to_json(feeds.cookies(brand, slug, project.vendors)),
        "changes.xml": feeds.changes_feed(feed or brand, slug, pages, PAGE_TITLES, versions),
    }


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


def site_inputs(project: Project, slug: str, pages: dict[str, str], base: dict, feed: Brand | None = None,
                versions: dict[int, str] | None = None, tools: str = "") -> SiteInputs:
    brand = project.brands[slug]
    policy = [page for page in pages if page not in (VERSIONS, WHAT_CHANGED)]
    files = {f"{page}.md": markdown for page, markdown in pages.items()} | \
        brand_files(project, slug, policy, feed, versions)
    return SiteInputs(files=files, config=brand_config(brand, list(pages), base), epoch=_source_date_epoch(brand),
                      tools=tools)


def _source_date_epoch(brand: Brand) -> str:
    """The engine's build clock (MkDocs dates its gzip sitemap by it): SOURCE_DATE_EPOCH if set, else the
    brand's newest date, else the epoch."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return os.environ["SOURCE_DATE_EPOCH"]
    dates = [d for d in (brand.dates.last_updated, brand.dates.effective) if d] + [c.date for c in brand.changes]
    return _day_epoch(max(dates) if dates else None)
