"""Shared fixtures: a private copy of the project, and exact edits to its files."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from legalsite.project import DEFAULT_TEMPLATES

REPO = Path(__file__).resolve().parents[1]
# The shipped brands: slug → (name, prefix of the copies copy_project makes, as bench/bench.py does).
SEEDS = {"linkrapi": ("LinkrAPI", "Linkr"), "journeyapi": ("JourneyAPI", "Journey"), "idclinks": ("idclinks", "idc")}

# Property tests: the same examples on every run (derandomize), so CI is repeatable and bounded.
# HYPOTHESIS_PROFILE=long runs twenty times as many, with fresh randomness, for a deeper search.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", deadline=None, max_examples=2000,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The engine the sites are built with: LEGALSITE_ENGINE, as for every build, else MkDocs. .ci/run runs the
# suite once with each; this is the one place a test learns which engine it checks, and what differs.
ENGINE = os.environ.get("LEGALSITE_ENGINE", "mkdocs")
ENGINE_FILES = {  # files one engine writes and the other does not
    "mkdocs": {"search index": "search/search_index.json", "gzip sitemap": "sitemap.xml.gz"},
    "zensical": {"search index": "search.json"},
}[ENGINE]
ENGINE_SEARCH = {  # how a visitor opens the search, and what a result is (Zensical's is in a shadow root)
    "mkdocs": {"open": "input.md-search__input", "result": "a.md-search-result__link"},
    "zensical": {"open": "button.md-search__button", "result": 'dialog [role="option"]'},
}[ENGINE]


def break_engine(monkeypatch, slug: str | None = None, message: str = "the theme broke") -> None:
    """Make the engine fail while it builds ``slug``'s site (any site when None), after its inputs were written."""
    if ENGINE == "zensical":
        import legalsite.build.engines.zensical as engine

        real = engine.zensical_build  # the site builds only: `check` still tries the settings with Zensical

        def fails(config_path):
            if slug is None or Path(config_path).parent.name == slug:
                return [message]
            return real(config_path)

        monkeypatch.setattr(engine, "zensical_build", fails)
        return
    from mkdocs.exceptions import Abort

    import legalsite.build.engines.mkdocs as engine

    real_mkdocs = engine.mkdocs_build

    def refuses(config):
        if slug is None or Path(config.site_dir).name == slug:
            raise Abort(message)
        real_mkdocs(config)

    monkeypatch.setattr(engine, "mkdocs_build", refuses)


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch):
    """Tests read check's text output; in GitHub Actions (GITHUB_ACTIONS=true) it would default to annotations."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's content/, templates/, schemas/ and mkdocs.yml in tmp_path; returns tmp_path."""
    for folder in ("content", "templates", "schemas"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    (tmp_path / "mkdocs.yml").write_text(sample_settings(pdf=False), encoding="utf-8")
    return tmp_path


def sample_settings(pdf: bool) -> str:
    """The sample's mkdocs.yml; without its PDF copies (``pdf=False``) a build does not start Chromium, so tests
    that build many sites stay fast. tests/test_pdf.py and the wheel's test build them."""
    settings = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\n  pdf: true\n" in settings
    return settings if pdf else settings.replace("\n  pdf: true\n", "\n  pdf: false\n")


def files_in(folder: Path, *, folders: bool = False) -> dict[str, bytes | None]:
    """Every file's bytes by its path under ``folder``, following links as a web server does (a published site
    links each brand's folder); ``folders``: every folder too, as None."""
    found: dict[str, bytes | None] = {}
    for top, dirs, names in os.walk(folder, followlinks=True):
        dirs.sort()
        here = Path(top)
        if folders and here != Path(folder):
            found[str(here.relative_to(folder))] = None
        for name in sorted(names):
            found[str((here / name).relative_to(folder))] = (here / name).read_bytes()
    return dict(sorted(found.items()))


def replace_text(path: Path | str, old: str, new: str) -> str:
    """Replace the first occurrence of ``old`` in the file with ``new``; fail the test if ``old`` is not there.

    Returns the file's new text, so a test can compute where its edit landed.
    """
    path = Path(path)
    if path.parent.name == "templates" and path.suffix == ".j2" and not path.exists():
        # A project changes a page's wording by keeping its own copy of legalsite's default template.
        path.parent.mkdir(exist_ok=True)
        shutil.copy2(DEFAULT_TEMPLATES / path.name, path)
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: the text to replace is not in the file (has the content changed?): {old!r}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def line_col(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the first ``needle`` in ``text``, plus ``offset`` characters into it."""
    index = text.find(needle)
    assert index >= 0, f"{needle!r} is not in the text"
    index += offset
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def wait_for(condition, what: str, timeout: float, step: float = 0.02):
    """Poll ``condition`` until it returns something true, and return that; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(step)
    pytest.fail(f"gave up after {timeout}s waiting for {what}")


def own_template(project: Path, name: str) -> Path:
    """The project's own copy of a default template (copied in first, as 'legalsite templates --copy' does)."""
    path = project / "templates" / name
    if not path.exists():
        replace_text(path, "", "")
    return path


@pytest.fixture
def edit():
    """``edit(path, old, new)``: exact replacement of the first ``old``; asserts ``old`` is found; returns the new text."""
    return replace_text


@pytest.fixture
def where():
    """``where(text, needle, offset=0)``: the 1-based (line, column) of ``needle`` in ``text``."""
    return line_col


def need_program(name: str, install: str) -> str:
    """The path of a program a test runs (faketime, say); without it the test is skipped, or fails under
    LEGALSITE_REQUIRE_BROWSER=1, as in CI, which installs every tool the tests use."""
    path = shutil.which(name)
    if path is None:
        _missing(f"{name} is not installed: {install}")
    return path


def _missing(reason: str):
    """Skip the test for want of a tool, or fail it where every tool must be there (CI)."""
    if os.environ.get("LEGALSITE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (LEGALSITE_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def need_browser() -> str:
    """The Chromium that browser and PDF tests drive, with Playwright importable; without them the test is
    skipped, or fails under LEGALSITE_REQUIRE_BROWSER=1 (as in CI)."""
    from legalsite.browser import find_chromium

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[test]'")
    chromium = find_chromium()
    if chromium is None:
        _missing("no Chromium found: apt-get install -y chromium, or set LEGALSITE_CHROMIUM")
    return chromium


def copy_project(root: Path, extra_brands: int = 0) -> Path:
    """The repository's project in ``root``, plus ``extra_brands`` copies of the shipped brands under new names."""
    for name in ("content", "templates", "schemas"):
        shutil.copytree(REPO / name, root / name)
    (root / "mkdocs.yml").write_text(sample_settings(pdf=False), encoding="utf-8")
    seeds = list(SEEDS.items())
    for i in range(extra_brands):
        slug, (name, prefix) = seeds[i % len(seeds)]
        text = (REPO / "content/brands" / f"{slug}.yaml").read_text(encoding="utf-8")
        new = f"{prefix}{i:03d}"
        (root / "content/brands" / f"{new.lower()}.yaml").write_text(
            text.replace(name, new).replace(slug, new.lower()), encoding="utf-8")
    return root
