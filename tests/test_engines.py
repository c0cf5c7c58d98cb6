"""The two engines: chosen per project, per run or per CI job; the same facts give the same files on both.

Every other test builds with the engine of the run (tests/conftest.py: ENGINE; .ci/run runs the suite once per
engine). These tests need both engines in one run, or test how one is chosen.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from click.testing import CliRunner
from conftest import files_in, own_template
from hypothesis import given
from hypothesis import strategies as st

import legalsite.config
from legalsite import ENGINES
from legalsite.build import build
from legalsite.build.engines.zensical import links_from_source
from legalsite.cli import cli
from legalsite.errors import BuildError, FactError, UsageError
from legalsite.project import load_project


def files(folder: Path) -> dict[str, bytes]:
    return files_in(folder)


def run(project: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def test_what_legalsite_writes_is_the_same_bytes_on_both_engines(project: Path):
    """The feeds, the JSON lists, the sitemap and the version notices come from the facts, not from the engine."""
    sites = {engine: project / f"site-{engine}" for engine in ENGINES}
    for engine, out in sites.items():
        build(load_project(project), out, engine=engine)
    mkdocs, zensical = (files(out) for out in sites.values())
    engine_free = [name for name in mkdocs if name.endswith(("sitemap.xml", "changes.xml", ".json", ".txt"))
                   and not name.startswith("search") and "/search" not in name and name in zensical]
    assert len(engine_free) >= 4 * len(load_project(project).brands)  # sitemap, feed and two lists per brand
    assert [name for name in engine_free if mkdocs[name] != zensical[name]] == []
    pages = [name for name in mkdocs if name.endswith("index.html") and "/assets/" not in name]
    assert sorted(pages) == sorted(name for name in zensical if name.endswith("index.html") and "/assets/" not in name)


def test_mkdocs_given_the_pages_in_memory_builds_what_it_builds_from_a_docs_folder(project: Path, monkeypatch):
    """legalsite hands MkDocs the pages in memory, with the theme compiled and its files read once per process;
    for a project with another plugin (which may read the docs folder) it writes the pages out and lets MkDocs
    do everything its own way. Both give the same bytes (the search index keeps its order)."""
    import legalsite.build.engines.mkdocs as engine

    built = {}
    for way, shareable in (("memory", engine.shareable), ("folder", lambda config: False)):
        monkeypatch.setattr(engine, "shareable", shareable)
        engine._theme_bytes.clear()
        build(load_project(project), project / way, engine="mkdocs", jobs=1)
        built[way] = files(project / way)
        assert bool(engine._theme_bytes) == (way == "memory")  # the theme's files were read once, or each time
    assert built["memory"] == built["folder"]
    assert sum(name.endswith("search_index.json") for name in built["memory"]) >= len(load_project(project).brands)


def test_the_engine_is_part_of_what_a_site_is_built_from(project: Path):
    out = project / "site"
    first = run(project, "build", "--engine", "mkdocs")
    again = run(project, "build", "--engine", "mkdocs")
    other = run(project, "build", "--engine", "zensical")
    brands = len(load_project(project).brands)
    assert f"Built {brands} site(s)" in first.stdout and "with MkDocs and Material for MkDocs" in first.stdout
    assert "Built 0 site(s)" in again.stdout
    assert f"Built {brands} site(s)" in other.stdout and "with Zensical" in other.stdout
    assert 'content="zensical-' in (out / "linkrapi" / "index.html").read_text(encoding="utf-8")


def test_an_engine_is_chosen_by_option_then_environment_then_mkdocs_yml(project: Path, edit, monkeypatch):
    edit(project / "mkdocs.yml", "legalsite:\n", "legalsite:\n  engine: zensical\n")
    assert "with Zensical" in run(project, "build", "linkrapi").stdout
    monkeypatch.setenv("LEGALSITE_ENGINE", "mkdocs")
    assert "with MkDocs" in run(project, "build", "linkrapi").stdout
    assert "with Zensical" in run(project, "build", "--engine", "zensical", "linkrapi").stdout


def test_an_unknown_engine_is_refused_where_it_was_written(project: Path, edit, monkeypatch, where):
    text = edit(project / "mkdocs.yml", "legalsite:\n", "legalsite:\n  engine: hugo\n")
    result = run(project, "check")
    line, column = where(text, "hugo")
    assert result.exit_code == 1
    assert f"mkdocs.yml:{line}:{column}: error[mkdocs-config] write one of mkdocs, zensical for engine" in result.stderr

    edit(project / "mkdocs.yml", "  engine: hugo\n", "")
    assert run(project, "build", "--engine", "hugo").exit_code == 2  # the option lists the engines
    monkeypatch.setenv("LEGALSITE_ENGINE", "hugo")
    with pytest.raises(UsageError, match="no engine 'hugo'.*LEGALSITE_ENGINE"):
        build(load_project(project), project / "site")
    assert not (project / "site").exists()


def test_zensical_not_installed_is_said_with_how_to_install_it(project: Path, edit, monkeypatch, where):
    monkeypatch.setitem(sys.modules, "zensical", None)  # import zensical now raises ImportError
    monkeypatch.setattr(legalsite.config, "_settings_checked", {})  # settings tried before, with Zensical there
    monkeypatch.delitem(sys.modules, "legalsite.build.engines.zensical", raising=False)
    with pytest.raises(FactError, match=r"with Zensical, which is not installed.*pip install 'legalsite\[zensical\]'"):
        build(load_project(project), project / "site", engine="zensical")  # found by the check, before any work
    text = edit(project / "mkdocs.yml", "legalsite:\n", "legalsite:\n  engine: zensical\n")
    result = run(project, "check")
    line, column = where(text, "zensical")
    assert result.exit_code == 1
    assert f"mkdocs.yml:{line}:{column}: error[mkdocs-config]" in result.stderr
    assert "pip install 'legalsite[zensical]'" in result.stderr
    assert not (project / "site").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_broken_link_in_a_template_stops_the_build_naming_the_page(project: Path, engine):
    """Each engine's own link check is legalsite's: a warning is a failed build, with the engine's words."""
    template = own_template(project, "security.md.j2")
    template.write_text(template.read_text(encoding="utf-8") + "\nSee [our policy](privacy.md#no-such-section).\n",
                        encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build(load_project(project), project / "site", engine=engine)
    message = str(caught.value)
    assert "security.md" in message and "no-such-section" in message and "Nothing was published." in message
    assert "Traceback" not in message and "\x1b" not in message  # Zensical's terminal colours are taken out
    assert not (project / "site").exists()


# Relative links as templates write them: up, down and sideways, to folders and files, with a fragment or not.
SEGMENT = st.sampled_from(["..", "..", "a", "b", "versions", "2026-01-02", "privacy", "x.pdf"])
HREF = st.builds(lambda parts, slash, tail: "/".join(parts) + ("/" if slash else "") + tail,
                 st.lists(SEGMENT, min_size=1, max_size=5), st.booleans(), st.sampled_from(["", "#top", "?q=1"]))


@given(page=st.sampled_from(["index", "privacy", "cookies", "versions", "what-changed"]), href=HREF)
def test_a_raw_link_leads_where_mkdocs_leads_when_zensical_reads_it_from_the_markdown_file(page, href):
    """MkDocs leaves a raw HTML link as written (relative to the page's address); Zensical resolves it from the
    Markdown file. The rewritten link, resolved Zensical's way, reaches what the written one reaches MkDocs' way."""
    root = "https://example.com/s1/s2/s3/brand/"  # deep enough that '..' never climbs past the host
    address = root if page == "index" else f"{root}{page}/"
    rewritten = links_from_source(f"{page}.md", f'<a href="{href}">x</a>')
    new = rewritten.removeprefix('<a href="').removesuffix('">x</a>')
    assert urljoin(root, new) == urljoin(address, href)


def test_links_that_are_not_relative_are_left_as_written():
    text = ('<a href="https://example.com/a/">a</a> <a href="/b/">b</a> <a href="#c">c</a> '
            '<a href="mailto:d@example.com">d</a> [e](../e.md) ../f/')
    assert links_from_source("privacy.md", text) == text
