"""The build, in order: load and validate every fact, run every check, render every page of every brand,
and only then write. Each site is built into a staging folder by the engine; ``publish`` validates the
whole tree and swaps it in. A failure at any step leaves the published output as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..archive import page_folder
from ..cache import project_cache
from ..checks import run_checks
from ..config import engine_of, load_base_config, options
from ..errors import FactError, Finding, UsageError
from ..history import find_history
from ..project import Project, load_project
from ..publish import (
    carry_over,
    carry_over_versions,
    check_replaceable,
    publish,
    published_keys,
    staging_dir,
    validate_site,
    write_brand_index,
)
from ..render import render_project
from ..signals import orderly_signals
from . import engines
from .inputs import SiteInputs, Sites, single_versions
from .shards import brands_in
from .workers import build_sites


@dataclass
class BuildResult:
    out: Path
    brands: list[str]  # the brands asked for
    built: list[str]  # those the engine built this time; the others' inputs had not changed, so their sites were kept
    warnings: list[Finding]
    unpublished: list[str] = field(default_factory=list)  # published before, but their fact files are gone
    versions: list[str] = field(default_factory=list)  # version sites built this time ("linkrapi/versions/…")
    kept_versions: list[str] = field(default_factory=list)  # version sites kept as published
    notes: list[str] = field(default_factory=list)  # what history could not tell
    pdfs: int = 0  # PDF copies printed this time
    engine: str = "mkdocs"  # the engine that built them


def build_project(root: Path | str = ".", out: Path | str | None = None, slugs=None, *, jobs: int | None = None,
                  reuse: bool = True, pdf: bool | None = None, versions: bool | None = None,
                  engine: str | None = None, shard: tuple[int, int] | None = None) -> BuildResult:
    """Load, check, render and build; publish into ``out`` (default ``root/site``) only if every brand succeeded.

    ``pdf``, ``versions`` and ``engine`` override the project's settings (mkdocs.yml's 'legalsite:' block).
    ``reuse=False`` works everything out again (the cache is written, not read). ``shard=(2, 4)``: build the
    brands of part 2 of 4 only, and publish those alone (shards.py).
    """
    out = Path(out) if out is not None else Path(root) / "site"
    check_replaceable(out, {"the project": Path(root)})  # a refused --out reads nothing and writes nothing
    project = load_project(root, project_cache(root, read=reuse))
    if shard:
        if slugs:
            raise UsageError("name brands or give --shard, not both.")
        slugs = brands_in(project, *shard)
    return build(project, out, slugs, jobs=jobs, reuse=reuse,
                 pdf=pdf, versions=versions, engine=engine, only=shard is not None)


def build(project: Project, out: Path, slugs=None, *, jobs: int | None = None, reuse: bool = True,
          pdf: bool | None = None, versions: bool | None = None, engine: str | None = None,
          only: bool = False) -> BuildResult:
    """Build the selected brands (all by default) and publish them with the others' current sites.

    ``jobs``: brands built at once (default: one per CPU). ``reuse``: keep a published brand site whose
    inputs are unchanged since it was built (its key is recorded in the output's marker file).
    A published brand whose fact file is gone is unpublished (``BuildResult.unpublished``).
    ``engine``: "mkdocs" or "zensical"; by default LEGALSITE_ENGINE if set, else the project's setting.
    ``only``: publish the selected brands alone, not the others' published sites (one part of a sharded build).
    SIGTERM, like Ctrl+C, stops the workers and removes the staging and temporary folders (exit 143).
    """
    with orderly_signals():
        return _build(project, out, slugs, jobs=jobs, reuse=reuse, pdf=pdf, versions=versions, engine=engine,
                      only=only)


def _build(project: Project, out: Path, slugs, *, jobs: int | None, reuse: bool, pdf: bool | None,
           versions: bool | None, engine: str | None, only: bool) -> BuildResult:
    protect = {"the project": project.root}
    check_replaceable(out, protect)  # before any work: a refused --out needs no build
    selected = list(slugs) if only else project.select(slugs)
    if slugs:
        project.focus = selected  # building some brands checks those (and what brands must share)
    project.engine = engine  # settings are checked with the engine that will build
    findings = run_checks(project, jobs=jobs)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise FactError(errors)
    base = load_base_config(project)
    settings = options(project)
    engine = engine_of(settings, project.engine)
    tools = engines.tools(engine)  # an engine that is not installed stops the build here
    pdf = settings["pdf"] if pdf is None else pdf
    if pdf:
        from ..pdf import PdfPrinter  # a missing Chromium stops the build here, before anything is built

        printer = PdfPrinter()
    history = find_history(project) if (settings["versions"] if versions is None else versions) \
        else single_versions(project)

    recorded, recorded_versions = published_keys(out), published_keys(out, "versions")
    published = recorded if reuse else {}
    published_versions = recorded_versions if reuse else {}
    with contextlib.ExitStack() as stack:
        sites = Sites(project, history, base, stack, pdf, tools)
        # A brand made of exactly what its published sites were made of is kept without looking further.
        sources, recorded_sources = {slug: sites.source_key(slug, engine) for slug in selected}, \
            published_keys(out, "sources")
        same = [s for s in selected if reuse and recorded_sources.get(s) == sources[s]
                and s in published and (Path(out) / s / "index.html").is_file()]
        fresh = [s for s in selected if s not in same]

        # Every page of every brand that may have changed is rendered (or taken from the cache) before anything
        # is written.
        rendered = {slug: render_project(project, fresh)[slug] for slug in fresh}
        problems = [f for pages in rendered.values() if isinstance(pages, FactError) for f in pages.findings]
        if problems:
            raise FactError(problems)

        inputs = {slug: sites.current(slug, rendered[slug]) for slug in fresh}
        keys = {**{slug: published[slug] for slug in same}, **{slug: inputs[slug].key() for slug in fresh}}
        todo = [s for s in fresh if published.get(s) != keys[s] or not (Path(out) / s / "index.html").is_file()]
        version_keys = {path: key for slug in fresh for path, key in sites.version_keys(slug).items()}
        later = [p for p in version_keys
                 if published_versions.get(p) != version_keys[p] or not (Path(out) / p / "index.html").is_file()]
        version_keys |= {path: key for path, key in recorded_versions.items() if path.split("/")[0] in same}
        version_inputs = {path: sites.version(path) for path in later}

        with staging_dir(out, protect) as stage, \
                tempfile.TemporaryDirectory(prefix="legalsite-docs-") as work:
            build_sites({slug: inputs[slug] for slug in todo}, Path(work), stage, jobs, engine)
            unpublished = carry_over(stage, out, rebuilt=todo, brands=selected if only else project.brands)
            carry_over_versions(stage, out, keep=[p for p in version_keys if p not in later], rebuild=later,
                                drop=[p for p in recorded_versions if p.split("/")[0] in fresh
                                      and p not in version_keys])
            build_sites(version_inputs, Path(work), stage, jobs, engine)
            write_brand_index(stage, {slug: project.summary(slug)["name"] for slug in project.brands})
            built = {**{slug: inputs[slug] for slug in todo}, **version_inputs}
            printed = 0
            if pdf and any(site.prints for site in built.values()):
                with printer:
                    printed = print_pdfs(printer, stage, built)
            for path, site in built.items():
                validate_site(stage / path, site.pages(), forbidden=[work, str(stage)], day=history.day)
            others = {p: k for p, k in recorded_versions.items() if p.split("/")[0] not in selected and not only}
            recorded = {} if only else recorded
            recorded_sources = {} if only else recorded_sources
            publish(stage, out, keys={**recorded, **keys}, versions={**others, **version_keys},
                    sources={**recorded_sources, **sources})
    project.cache.tidy()
    return BuildResult(out=out, brands=selected, built=todo, warnings=[f for f in findings if not f.is_error],
                       unpublished=[] if only else unpublished, versions=later, notes=history.notes, pdfs=printed,
                       kept_versions=[p for p in version_keys if p not in later], engine=engine)


def print_pdfs(printer, stage: Path, built: dict[str, SiteInputs]) -> int:
    """Print each built site's pages to PDF, dated by the site's own build date; returns how many."""
    from ..pdf import PdfPage

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
