"""Markdown → one MkDocs + Material site per brand, built in-process.

The pipeline, in order: load and validate every fact, run every check,
render every page of every brand, and only then write. Each site is built
into a staging folder; ``publish`` validates the whole tree and swaps it in.
A failure at any step leaves the published output as it was.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from . import feeds
from .checks import run_checks
from .errors import BuildError, FactError, Finding
from .feeds import to_json
from .load import load_file
from .model import Brand
from .project import Project, load_project
from .publish import carry_over, publish, staging_dir, validate_site, write_brand_index
from .render import PAGE_TITLES, render_project
from .style import brand_css, consent_config, monogram

THEME_DIR = Path(__file__).parent / "theme"


@dataclass
class BuildResult:
    out: Path
    brands: list[str]
    warnings: list[Finding]


def build_project(root: Path | str = ".", out: Path | str | None = None, slugs=None) -> BuildResult:
    """Load, check, render and build; publish into ``out`` (default ``root/site``) only if every brand succeeded."""
    project = load_project(root)
    return build(project, Path(out) if out is not None else Path(root) / "site", slugs)


def build(project: Project, out: Path, slugs=None) -> BuildResult:
    selected = project.select(slugs)
    findings = run_checks(project)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise FactError(errors)
    base = load_base_config(project)

    # Every page of every brand is rendered (by the checks, once) before anything is written.
    rendered = {slug: render_project(project)[slug] for slug in selected}
    problems = [f for pages in rendered.values() if isinstance(pages, FactError) for f in pages.findings]
    if problems:
        raise FactError(problems)

    with staging_dir(out) as stage, tempfile.TemporaryDirectory(prefix="legalsite-docs-") as work:
        for slug in selected:
            build_site(project, slug, rendered[slug], base, Path(work) / slug, stage / slug)
        carry_over(stage, out, rebuilt=selected)
        write_brand_index(stage, {slug: brand.name for slug, brand in project.brands.items()})
        for slug in selected:
            validate_site(stage / slug, list(rendered[slug]), forbidden=[work, str(stage)])
        publish(stage, out)
    return BuildResult(out=out, brands=selected, warnings=[f for f in findings if not f.is_error])


def load_base_config(project: Project) -> dict:
    """The shared mkdocs.yml, read safely (duplicate keys refused) and with YAML's usual types."""
    path = project.mkdocs_base
    if not path.is_file():
        raise BuildError(f"{path}: the shared MkDocs settings file is missing; restore mkdocs.yml.")
    doc = load_file(path, "mkdocs.yml")  # the fact loader's checks: no tags, no duplicates, bounded
    if doc.problems:
        raise FactError(doc.problems)
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def brand_config(brand: Brand, pages: list[str], base: dict, docs: Path, site: Path) -> dict:
    """The MkDocs config of one brand: the shared base plus the brand's name, address, navigation and look."""
    config = copy.deepcopy(base)
    config.update(
        site_name=brand.name,
        docs_dir=str(docs),
        site_dir=str(site),
        nav=[{("Home" if page == "index" else PAGE_TITLES[page]): f"{page}.md"} for page in pages],
    )
    if brand.domain:
        config["site_url"] = f"https://{brand.domain}/"
    theme = config.setdefault("theme", {"name": "material"})
    theme["custom_dir"] = str(THEME_DIR)
    theme["logo"] = theme["favicon"] = _logo_name(brand)
    for scheme in theme.get("palette") or [{}]:
        scheme.update(primary="custom", accent="custom")  # the colours themselves are in assets/brand.css
    config["extra_css"] = [*config.get("extra_css", []), "assets/stylesheets/legalsite.css", "assets/brand.css"]
    consent = consent_config(brand)
    if consent:
        config.setdefault("extra", {})["consent"] = consent
        config["copyright"] = '<a href="#__consent">Change cookie settings</a>'
    return config


def brand_files(project: Project, slug: str, pages: list[str]) -> dict[str, str | bytes]:
    """The files a brand's site carries beside its pages, by path in the docs folder."""
    brand = project.brands[slug]
    logo = (project.root / "content" / brand.theme.logo).read_bytes() if brand.theme.logo else monogram(brand)
    return {
        "assets/brand.css": brand_css(brand),
        _logo_name(brand): logo,
        "subprocessors.json": to_json(feeds.subprocessors(brand, project.vendors)),
        "cookies.json": to_json(feeds.cookies(brand, slug, project.vendors)),
        "changes.xml": feeds.changes_feed(brand, slug, pages, PAGE_TITLES),
    }


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


def _logo_name(brand: Brand) -> str:
    return "assets/logo" + (Path(brand.theme.logo).suffix.lower() if brand.theme.logo else ".svg")


def build_site(project: Project, slug: str, pages: dict[str, str], base: dict, work: Path, site: Path) -> None:
    """Write one brand's Markdown, files and config into ``work`` and build its site into ``site``."""
    brand = project.brands[slug]
    docs = work / "docs"
    docs.mkdir(parents=True)
    write_files(docs, {f"{page}.md": markdown for page, markdown in pages.items()}
                | brand_files(project, slug, list(pages)))
    config_path = work / "mkdocs.yml"
    # MkDocs reads its config with PyYAML's unsafe loader: safe_dump writes nothing it could execute.
    config_path.write_text(yaml.safe_dump(brand_config(brand, list(pages), base, docs, site),
                                          sort_keys=True, allow_unicode=True), encoding="utf-8")
    with _mkdocs_log() as messages, _source_date_epoch(brand):
        try:
            config = load_config(config_file=str(config_path))
            mkdocs_build(config)
        except (MkDocsException, OSError, yaml.YAMLError) as exc:
            detail = "; ".join(messages) or str(exc)
            raise BuildError(f"the site for brand '{slug}' did not build: {detail}. Nothing was published.") from exc
    if messages:  # strict mode should have aborted; never publish a site MkDocs complained about
        raise BuildError(f"the site for brand '{slug}' built with warnings: {'; '.join(messages)}. "
                         "Nothing was published.")


@contextlib.contextmanager
def _mkdocs_log() -> Iterator[list[str]]:
    """Collect MkDocs' warnings instead of printing them; they become the build error's message."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("mkdocs")
    handler = Collect(logging.WARNING)
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved


@contextlib.contextmanager
def _source_date_epoch(brand: Brand) -> Iterator[None]:
    """Pin MkDocs' build clock: SOURCE_DATE_EPOCH if set, else the brand's newest date, else the epoch."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    dates = [d for d in (brand.dates.last_updated, brand.dates.effective) if d] + [c.date for c in brand.changes]
    moment = dt.datetime.combine(max(dates), dt.time(), dt.UTC) if dates else None
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()) if moment else 0)
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


