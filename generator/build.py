"""Markdown → one MkDocs + Material site per brand, built in-process.

The pipeline, in order: load and validate every fact, run every check,
render every page of every brand, and only then write. Each site is built
into a staging folder; ``publish`` validates the whole tree and swaps it in.
A failure at any step leaves the published output as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mkdocs
import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.structure.files import File, Files
from mkdocs.theme import Theme

from . import __version__, feeds, wellknown
from .archive import (
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
from .checks import run_checks
from .config import THEME_DIR, brand_config, load_base_config, logo_name, mkdocs_log, options
from .diff import diff_projects
from .errors import BuildError, FactError, Finding
from .feeds import to_json
from .history import CURRENT, History, Version, build_day, find_history, load_version
from .model import Brand
from .pdf import pdf_name
from .project import Project, load_project
from .publish import (
    carry_over,
    carry_over_versions,
    check_replaceable,
    orderly_signals,
    publish,
    published_keys,
    staging_dir,
    validate_site,
    write_brand_index,
)
from .render import PAGE_TITLES, display, render_project
from .style import brand_css, monogram


def _tools() -> str:
    """The versions and theme files a site depends on besides its facts: part of every cache key."""
    from importlib.metadata import version

    theme = hashlib.sha256()
    for path in sorted(THEME_DIR.rglob("*")):
        if path.is_file():
            theme.update(str(path.relative_to(THEME_DIR)).encode() + b"\0" + path.read_bytes())
    return f"legalsite {__version__}; mkdocs {mkdocs.__version__}; material {version('mkdocs-material')}; " \
           f"theme {theme.hexdigest()}"


_TOOLS = _tools()


@dataclass
class BuildResult:
    out: Path
    brands: list[str]  # the brands asked for
    built: list[str]  # those MkDocs built this time; the others' inputs had not changed, so their sites were kept
    warnings: list[Finding]
    unpublished: list[str] = field(default_factory=list)  # published before, but their fact files are gone
    versions: list[str] = field(default_factory=list)  # version sites built this time ("linkrapi/versions/…")
    kept_versions: list[str] = field(default_factory=list)  # version sites kept as published
    notes: list[str] = field(default_factory=list)  # what history could not tell
    pdfs: int = 0  # PDF copies printed this time


@dataclass
class SiteInputs:
    """Everything MkDocs is given for one brand; a site is rebuilt only when these change."""

    files: dict[str, str | bytes]  # path in the docs folder → content
    config: dict  # the MkDocs config, without the docs and site folders
    epoch: str  # SOURCE_DATE_EPOCH for the build
    prints: list[dict] = field(default_factory=list)  # the pages to print to PDF once built (build._print)
    beside: dict[str, str] = field(default_factory=dict)  # files MkDocs skips (.well-known/), by path in the site

    def pages(self) -> list[str]:
        return [name.removesuffix(".md") for name in self.files if name.endswith(".md")]

    def key(self) -> str:
        digest = hashlib.sha256(_TOOLS.encode())
        digest.update(json.dumps(self.config, sort_keys=True).encode() + self.epoch.encode())
        digest.update(json.dumps([self.prints, self.beside], sort_keys=True).encode())
        for name in sorted(self.files):
            data = self.files[name]
            digest.update(b"\0" + name.encode() + b"\0" + (data if isinstance(data, bytes) else data.encode()))
        return digest.hexdigest()


def build_project(root: Path | str = ".", out: Path | str | None = None, slugs=None, *, jobs: int | None = None,
                  reuse: bool = True, pdf: bool | None = None, versions: bool | None = None) -> BuildResult:
    """Load, check, render and build; publish into ``out`` (default ``root/site``) only if every brand succeeded.

    ``pdf`` and ``versions`` override the project's settings (mkdocs.yml's 'legalsite:' block).
    """
    project = load_project(root)
    return build(project, Path(out) if out is not None else Path(root) / "site", slugs, jobs=jobs, reuse=reuse,
                 pdf=pdf, versions=versions)


def build(project: Project, out: Path, slugs=None, *, jobs: int | None = None, reuse: bool = True,
          pdf: bool | None = None, versions: bool | None = None) -> BuildResult:
    """Build the selected brands (all by default) and publish them with the others' current sites.

    ``jobs``: brands built at once (default: one per CPU). ``reuse``: keep a published brand site whose
    inputs are unchanged since it was built (its key is recorded in the output's marker file).
    A published brand whose fact file is gone is unpublished (``BuildResult.unpublished``).
    SIGTERM, like Ctrl+C, stops the workers and removes the staging and temporary folders (exit 143).
    """
    with orderly_signals():
        return _build(project, out, slugs, jobs=jobs, reuse=reuse, pdf=pdf, versions=versions)


def _build(project: Project, out: Path, slugs, *, jobs: int | None, reuse: bool, pdf: bool | None,
           versions: bool | None) -> BuildResult:
    protect = {"the project": project.root}
    check_replaceable(out, protect)  # before any work: a refused --out needs no build
    selected = project.select(slugs)
    if slugs:
        project.focus = selected  # building some brands checks those (and what brands must share)
    findings = run_checks(project)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise FactError(errors)
    base = load_base_config(project)
    settings = options(project)
    pdf = settings["pdf"] if pdf is None else pdf
    if pdf:
        from .pdf import PdfPrinter  # a missing Chromium stops the build here, before anything is built

        printer = PdfPrinter()
    history = find_history(project) if (settings["versions"] if versions is None else versions) \
        else single_versions(project)

    # Every page of every brand is rendered (by the checks, once) before anything is written.
    rendered = {slug: render_project(project)[slug] for slug in selected}
    problems = [f for pages in rendered.values() if isinstance(pages, FactError) for f in pages.findings]
    if problems:
        raise FactError(problems)

    recorded, recorded_versions = published_keys(out), published_keys(out, "versions")
    published = recorded if reuse else {}
    published_versions = recorded_versions if reuse else {}
    with contextlib.ExitStack() as stack:
        sites = Sites(project, history, base, stack, pdf)
        inputs = {slug: sites.current(slug, rendered[slug]) for slug in selected}
        keys = {slug: inputs[slug].key() for slug in selected}
        todo = [s for s in selected if published.get(s) != keys[s] or not (Path(out) / s / "index.html").is_file()]
        version_keys = {path: key for slug in selected for path, key in sites.version_keys(slug).items()}
        later = [p for p in version_keys
                 if published_versions.get(p) != version_keys[p] or not (Path(out) / p / "index.html").is_file()]
        version_inputs = {path: sites.version(path) for path in later}

        with staging_dir(out, protect) as stage, \
                tempfile.TemporaryDirectory(prefix="legalsite-docs-") as work:
            build_sites({slug: inputs[slug] for slug in todo}, Path(work), stage, jobs)
            unpublished = carry_over(stage, out, rebuilt=todo, brands=project.brands)
            carry_over_versions(stage, out, keep=[p for p in version_keys if p not in later], rebuild=later,
                                drop=[p for p in recorded_versions if p.split("/")[0] in selected
                                      and p not in version_keys])
            build_sites(version_inputs, Path(work), stage, jobs)
            write_brand_index(stage, {slug: brand.name for slug, brand in project.brands.items()})
            built = {**{slug: inputs[slug] for slug in todo}, **version_inputs}
            printed = 0
            if pdf and any(site.prints for site in built.values()):
                with printer:
                    printed = print_pdfs(printer, stage, built)
            for path, site in built.items():
                validate_site(stage / path, site.pages(), forbidden=[work, str(stage)], day=history.day)
            others = {p: k for p, k in recorded_versions.items() if p.split("/")[0] not in selected}
            publish(stage, out, keys={**recorded, **keys}, versions={**others, **version_keys})
    return BuildResult(out=out, brands=selected, built=todo, warnings=[f for f in findings if not f.is_error],
                       unpublished=unpublished, versions=later, notes=history.notes, pdfs=printed,
                       kept_versions=[p for p in version_keys if p not in later])


class Sites:
    """The inputs of each brand's current site and of its versions' sites (``<slug>/versions/<day>``).

    The current site shows the version in force on the build day, with a notice of any upcoming one; its
    Changes page and feed list every change announced, pending ones included. Each dated version also
    has a site of its own, with a banner linking the current, previous and next versions.
    """

    def __init__(self, project: Project, history: History, base: dict, stack: contextlib.ExitStack, pdf: bool):
        self.project, self.history, self.base, self.stack, self.pdf = project, history, base, stack, pdf
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
        if state is not self.project:
            state.focus = [version.slug]  # render only this brand
        pages = render_project(state)[version.slug]
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
        inputs = site_inputs(state, slug, pages, self.base, feed=tip, versions=starts)
        inputs.prints = prints
        # security.txt and gpc.json belong at the root of the brand's address: the current site only.
        site_url = inputs.config.get("site_url")
        inputs.beside = wellknown.site_files(state.brands[slug], site_url,
                                             f"{site_url}security/" if site_url and "security" in pages else None,
                                             (self.base.get("theme") or {}).get("language", "en"))
        return inputs

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
            digest = hashlib.sha256(_TOOLS.encode())
            for part in (self.history.source.get(version.rev, version.rev), slug, version.status, version.id,
                         previous and previous.id, previous and self.history.source.get(previous.rev or ""),
                         following and following.id, following and following.dated_by, version.dated_by,
                         json.dumps(self.base, sort_keys=True), self.pdf,
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
        inputs = site_inputs(state, slug, pages, self.base, feed=brand)
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


def print_pdfs(printer, stage: Path, built: dict[str, SiteInputs]) -> int:
    """Print each built site's pages to PDF, dated by the site's own build date; returns how many."""
    from .pdf import PdfPage

    count = 0
    for path, site in built.items():
        base = site.config.get("site_url") or f"/{path}/"
        pages = [PdfPage(html=stage / path / page_folder(p["page"]) / "index.html", pdf=stage / path / p["pdf"],
                         title=p["title"], brand=p["brand"], version=p["label"], address=base + page_folder(p["page"]))
                 for p in site.prints]
        if pages:
            printer.print(pages, dt.datetime.fromtimestamp(int(site.epoch), dt.UTC).date())
            count += len(pages)
    return count


def build_sites(inputs: dict[str, SiteInputs], work: Path, stage: Path, jobs: int | None) -> None:
    """Build each brand's site into ``stage/<slug>``: in this process for one brand, else across the CPUs."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(inputs)))
    if jobs == 1:
        _build_chunk(list(inputs), inputs, work, stage)
        return
    # fork: workers start with the project in memory and any theme already compiled here.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    slugs = list(inputs)
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),))
    try:
        chunks = [slugs[i::jobs] for i in range(jobs)]  # one chunk a worker, so each compiles the theme once
        futures = [pool.submit(_build_chunk, chunk, {s: inputs[s] for s in chunk}, work, stage) for chunk in chunks]
        workers = _processes(pool)
        for future in futures:
            try:
                future.result()  # re-raises a worker's BuildError
            except BrokenProcessPool:
                raise BuildError(f"a build worker process stopped abruptly{_how_it_ended(workers)} while the sites "
                                 "were being built. Nothing was published. Run the build again; if it happens "
                                 "again, 'legalsite build --jobs 1' builds in one process and shows what went "
                                 "wrong.") from None
    except BaseException:
        # Interrupted (SIGTERM, Ctrl+C) or failed: stop the other workers now, before the caller removes the
        # staging folder they write into; shutdown() alone would let them finish their brands first.
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_start(parent: int) -> None:
    """Runs first in each worker: make it die with the build instead of outliving it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole process group; the parent stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler (inherited by fork) is not for workers
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            # PR_SET_PDEATHSIG: the kernel kills this worker when the build process dies, even by SIGKILL.
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the line above took effect
        os._exit(1)


def _how_it_ended(workers: list) -> str:
    """ " (pid 123, killed by SIGKILL: ...)" for the worker that ended first, if it can still be told."""
    for process in workers:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(1)
    # The pool ends the other workers with SIGTERM once one has died: look at those last.
    for process in sorted(workers, key=lambda process: process.exitcode == -signal.SIGTERM):
        with contextlib.suppress(OSError, ValueError, AssertionError):
            if process.exitcode is not None and process.exitcode < 0:
                name = signal.Signals(-process.exitcode).name
                return f" (pid {process.pid}, killed by {name}: by another program, or by the system when " \
                       "out of memory)"
            if process.exitcode:
                return f" (pid {process.pid}, exit code {process.exitcode})"
    return ""


def _processes(pool: ProcessPoolExecutor) -> list:
    return list((getattr(pool, "_processes", None) or {}).values())  # no public API lists a pool's workers


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    processes = _processes(pool)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(5)


def _build_chunk(slugs: list[str], inputs: dict[str, SiteInputs], work: Path, stage: Path) -> None:
    for slug in slugs:
        build_site(slug, inputs[slug], work / slug, stage / slug)


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
                versions: dict[int, str] | None = None) -> SiteInputs:
    brand = project.brands[slug]
    policy = [page for page in pages if page not in (VERSIONS, WHAT_CHANGED)]
    files = {f"{page}.md": markdown for page, markdown in pages.items()} | \
        brand_files(project, slug, policy, feed, versions)
    return SiteInputs(files=files, config=brand_config(brand, list(pages), base), epoch=_source_date_epoch(brand))


def build_site(slug: str, inputs: SiteInputs, work: Path, site: Path) -> None:
    """Write one brand's Markdown, files and config into ``work`` and build its site into ``site``."""
    docs = work / "docs"
    docs.mkdir(parents=True)
    write_files(docs, inputs.files)
    config_path = work / "mkdocs.yml"
    # MkDocs reads its config with PyYAML's unsafe loader: safe_dump writes nothing it could execute.
    config = {**inputs.config, "docs_dir": str(docs), "site_dir": str(site)}
    config_path.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
    with mkdocs_log() as messages, _environ(SOURCE_DATE_EPOCH=inputs.epoch):
        try:
            build_with_shared_theme(load_config(config_file=str(config_path)))
        except (MkDocsException, OSError, yaml.YAMLError) as exc:
            detail = "; ".join(messages) or str(exc)
            raise BuildError(f"the site for brand '{slug}' did not build: {detail}. Nothing was published.") from exc
    if messages:  # strict mode should have aborted; never publish a site MkDocs complained about
        raise BuildError(f"the site for brand '{slug}' built with warnings: {'; '.join(messages)}. "
                         "Nothing was published.")
    write_files(site, inputs.beside)


# Plugins known not to change the theme's Jinja environment (on_env), so one environment can serve every brand.
_SHAREABLE_PLUGINS = {"search", "material/search"}
_theme_envs: dict[tuple, Any] = {}
_theme_files: dict[tuple, list[tuple[str, str]]] = {}


def build_with_shared_theme(config) -> None:
    """MkDocs' build, with Material's templates compiled and its 14,000 files listed once per process.

    MkDocs makes a fresh Jinja environment (recompiling every template) and walks the theme folders
    on every build; both depend only on the theme's folders and language, the same for every brand.
    """
    get_env, add_files = Theme.get_env, Files.add_files_from_theme

    def shared_env(theme: Theme):
        key = (tuple(theme.dirs), str(theme.locale))
        if key not in _theme_envs:
            _theme_envs[key] = get_env(theme)
        return _theme_envs[key]

    def shared_files(files: Files, env, config) -> None:
        key = (tuple(config.theme.dirs), tuple(config.theme.static_templates))
        if key not in _theme_files:
            probe = Files([])
            add_files(probe, env, config)
            _theme_files[key] = [(f.src_uri, f.src_dir) for f in probe]
        for path, folder in _theme_files[key]:
            if files.get_file_from_path(path) is None:  # a docs file of that name wins, as in MkDocs
                files.append(File(path, folder, config.site_dir, config.use_directory_urls))

    if set(config.plugins) <= _SHAREABLE_PLUGINS:
        Theme.get_env = shared_env
    Files.add_files_from_theme = shared_files
    try:
        mkdocs_build(config)
    finally:
        Theme.get_env, Files.add_files_from_theme = get_env, add_files


def _source_date_epoch(brand: Brand) -> str:
    """MkDocs' build clock: SOURCE_DATE_EPOCH if set, else the brand's newest date, else the epoch."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return os.environ["SOURCE_DATE_EPOCH"]
    dates = [d for d in (brand.dates.last_updated, brand.dates.effective) if d] + [c.date for c in brand.changes]
    return _day_epoch(max(dates) if dates else None)


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
