"""Versions from git history: each recorded change gives a dated version at its own address; the version in
effect on the build day is current, later ones are upcoming; earlier versions are built once and kept."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import markdown
import pytest
import yaml
from conftest import need_browser, replace_text
from hypothesis import given
from hypothesis import strategies as st

from legalsite.archive import versions_page, what_changed_page
from legalsite.build import build_project
from legalsite.diff import BrandDiff, Entry
from legalsite.errors import BuildError
from legalsite.history import CURRENT, EARLIER, UPCOMING, History, Version, find_history
from legalsite.project import load_project

BRAND = "content/brands/journeyapi.yaml"
SLUG = "journeyapi"
PERIOD = "period: {amount: 90, unit: days}"  # prompt data's retention in the shipped facts
# (announced, effective, retention days): three recorded changes; the third is pending until 2027-01-02
CHANGES = [("2026-06-01", None, 60), ("2026-09-01", None, 45), ("2026-12-03", "2027-01-02", 30)]
BEFORE, AFTER = dt.date(2026, 12, 3), dt.date(2027, 1, 5)  # build days: while the third is pending, after


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def epoch(day: dt.date) -> str:
    return str(int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()))


def text_of(path: Path) -> str:
    page = re.sub(r"<script.*?</script>", " ", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def record(root: Path, days_before: int, announced: str, effective: str | None, days: int) -> None:
    """Change prompt data's retention and record it in 'changes', as a legal team does, then commit."""
    brand = root / BRAND
    replace_text(brand, f"period: {{amount: {days_before}, unit: days}}", f"period: {{amount: {days}, unit: days}}")
    text = brand.read_text(encoding="utf-8").replace("changes: []", "changes:")
    entry = f"  - date: {announced}\n" + (f"    effective: {effective}\n    material: true\n" if effective else "")
    entry += f"    summary: Prompt metadata is now kept for up to {days} days.\n"
    entry += "    facts: [data_collected.prompts.retention]\n"
    brand.write_text(text + entry, encoding="utf-8")
    git(root, "commit", "-qam", f"Record the change of {announced}")


@pytest.fixture
def repo(project: Path) -> Path:
    """The sample project in a git repository whose history records the three CHANGES of JourneyAPI."""
    git(project, "init", "-q")
    git(project, "config", "user.email", "legal@example.com")
    git(project, "config", "user.name", "Legal team")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "The policies as published")
    before = 90
    for announced, effective, days in CHANGES:
        record(project, before, announced, effective, days)
        before = days
    return project


def ids() -> list[str]:
    """The versions' ids, derived from CHANGES: the first policy's own date, then each change's effective day."""
    first = yaml.safe_load((Path(__file__).parents[1] / BRAND).read_text())["dates"]["last_updated"].isoformat()
    return [first] + [effective or announced for announced, effective, _ in CHANGES]


def retention(page: Path) -> int:
    found = re.search(r"Prompt metadata \(excluding image content\): may be retained for up to (\d+) days",
                      text_of(page))
    assert found, f"{page}: no retention statement for prompt data"
    return int(found[1])


def build_on(root: Path, day: dt.date, monkeypatch, **options):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(day))
    return build_project(root, **options)


def test_history_finds_each_recorded_change_with_its_status(repo, monkeypatch):
    history = find_history(load_project(repo), BEFORE)
    versions = history.versions[SLUG]
    assert [v.id for v in versions] == ids()
    assert [v.status for v in versions] == [EARLIER, EARLIER, CURRENT, UPCOMING]
    assert versions[-1].rev is None  # the newest is the working tree
    assert [v.status for v in find_history(load_project(repo), AFTER).versions[SLUG]][-2:] == [EARLIER, CURRENT]
    assert not history.notes
    # Brands with no recorded change have one version, the current one.
    assert [v.status for v in history.versions["linkrapi"]] == [CURRENT]


def test_history_reads_each_brand_file_from_git_once_and_then_from_the_cache(repo, monkeypatch):
    """The changes a brand file records are kept by its blob's id: a second run reads no file from git, and
    finds the history a run without a cache finds."""
    from legalsite.cache import Cache, project_cache
    from legalsite.history import _Git

    read: list[list[str]] = []
    blobs = _Git.blobs
    monkeypatch.setattr(_Git, "blobs", lambda git, names: read.append(list(names)) or blobs(git, names))
    first = find_history(load_project(repo, project_cache(repo)), BEFORE)
    # each brand's file as first committed, and JourneyAPI's again at each recorded change
    assert len(read[0]) == len(load_project(repo).brands) + len(CHANGES)
    again = find_history(load_project(repo, project_cache(repo)), BEFORE)
    assert read[1:] == [[]] and again.versions == first.versions
    assert find_history(load_project(repo, Cache(None)), BEFORE).versions == first.versions


def test_each_version_is_published_at_its_own_address_with_its_own_text(repo, monkeypatch):
    result = build_on(repo, BEFORE, monkeypatch)
    site = repo / "site" / SLUG
    expected_days = [90] + [days for _, _, days in CHANGES]
    for vid, days in zip(ids(), expected_days, strict=True):
        assert retention(site / "versions" / vid / "privacy" / "index.html") == days, vid
    assert sorted(p.name for p in (site / "versions").iterdir() if p.is_dir()) == sorted(ids())
    assert len([p for p in result.versions if p.startswith(SLUG)]) == len(ids())
    # The current pages show the version in force on the build day: the second change, not the pending third.
    assert retention(site / "privacy" / "index.html") == CHANGES[1][2]


def test_a_pending_change_is_announced_on_the_current_page_and_in_the_feed(repo, monkeypatch):
    build_on(repo, BEFORE, monkeypatch)
    site = repo / "site" / SLUG
    page = (site / "privacy" / "index.html").read_text(encoding="utf-8")
    assert "This policy changes on January 2, 2027" in text_of(site / "privacy" / "index.html")
    link = re.search(r'<a href="([^"]+)">Read the new version</a>', page)
    assert link and (site / "privacy" / link[1] / "index.html").resolve() == \
        (site / "versions" / "2027-01-02" / "privacy" / "index.html").resolve()
    upcoming = text_of(site / "versions" / "2027-01-02" / "privacy" / "index.html")
    assert "Upcoming version: takes effect on January 2, 2027" in upcoming
    feed = (site / "changes.xml").read_text(encoding="utf-8")
    assert "Prompt metadata is now kept for up to 30 days." in feed
    assert "<published>2026-12-03T00:00:00Z</published>" in feed  # on the day it was announced
    related = re.findall(r'<link rel="related" type="text/html" href="([^"]+)"', feed)
    assert sorted(related) == sorted(f"versions/{vid}/" for vid in ids()[1:])  # each change links its text
    assert all((site / href / "privacy" / "index.html").is_file() for href in related)


def test_on_its_effective_day_the_upcoming_version_becomes_current_without_an_edit(repo, monkeypatch):
    build_on(repo, BEFORE, monkeypatch)
    result = build_on(repo, AFTER, monkeypatch)
    site = repo / "site" / SLUG
    assert retention(site / "privacy" / "index.html") == CHANGES[2][2]
    assert "This policy changes" not in text_of(site / "privacy" / "index.html")
    versions = text_of(site / "versions" / "index.html")
    assert "January 2, 2027 Current" in versions and "September 1, 2026 Earlier" in versions
    earlier = text_of(site / "versions" / "2026-09-01" / "privacy" / "index.html")
    # A change with no 'effective' date is dated by its announcement, never said to be "in force from" it.
    assert "An earlier version (announced on September 1, 2026)" in earlier
    assert "It was followed by the version in force from January 2, 2027." in earlier
    first = text_of(site / "versions" / ids()[0] / "privacy" / "index.html")
    assert "An earlier version (last updated on March 26, 2026)" in first and "in force from March" not in first
    # Only the two versions whose status changed were built again.
    assert sorted(result.versions) == [f"{SLUG}/versions/2026-09-01", f"{SLUG}/versions/2027-01-02"]


def test_rebuilding_changes_nothing_already_published(repo, monkeypatch):
    build_on(repo, BEFORE, monkeypatch)
    site = repo / "site" / SLUG

    def files() -> dict:
        return {p: (p.stat().st_ino, p.read_bytes()) for p in site.rglob("*") if p.is_file()}

    before = files()
    result = build_on(repo, BEFORE, monkeypatch)
    assert result.built == [] and result.versions == []
    assert files() == before  # the same files: linked into the new tree, not written again


def test_every_link_between_versions_leads_to_a_published_page(repo, monkeypatch):
    build_on(repo, BEFORE, monkeypatch)
    site = repo / "site" / SLUG
    pages = [site / "privacy" / "index.html", site / "versions" / "index.html",
             *(site / "versions").glob("*/**/index.html")]
    checked = 0
    for page in pages:
        for href in re.findall(r'<a href="([^"#:]+)"', page.read_text(encoding="utf-8")):
            target = (page.parent / href).resolve()
            target = target / "index.html" if target.is_dir() else target
            assert target.is_file(), f"{page.relative_to(site)} links {href}, which is not published"
            checked += 1
    assert checked > 50


def test_what_changed_names_the_fact_with_before_and_after(repo, monkeypatch):
    build_on(repo, BEFORE, monkeypatch)
    page = text_of(repo / "site" / SLUG / "versions" / "2026-09-01" / "what-changed" / "index.html")
    assert "changed the retention period of Prompt data 60 days 45 days privacy" in page
    assert "⚠" not in page  # the review flags of legalsite diff are for the legal team, not for visitors


def test_versions_are_byte_identical_in_another_folder(repo, monkeypatch, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere") / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(other)], check=True)
    (other / "schemas").exists() or subprocess.run(["cp", "-r", str(repo / "schemas"), str(other)], check=True)
    build_on(repo, BEFORE, monkeypatch)
    build_on(other, BEFORE, monkeypatch)

    def tree(root: Path) -> dict:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert tree(repo / "site" / SLUG / "versions") == tree(other / "site" / SLUG / "versions")


def test_without_git_only_the_current_version_is_built_and_the_build_says_so(project, monkeypatch):
    result = build_on(project, BEFORE, monkeypatch)
    assert any("not in a git repository" in note for note in result.notes)
    assert not any(p.startswith("linkrapi/") for p in result.versions)


def test_a_shallow_clone_never_publishes_a_pending_change_early(repo, tmp_path_factory, monkeypatch):
    shallow = tmp_path_factory.mktemp("shallow") / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    with pytest.raises(BuildError, match="shallow clone.*fetch-depth: 0"):
        build_on(shallow, BEFORE, monkeypatch)
    assert not (shallow / "site").exists()
    result = build_on(shallow, AFTER, monkeypatch)  # once in effect, the newest facts are the current ones
    assert any("shallow clone" in note for note in result.notes)
    assert retention(shallow / "site" / SLUG / "privacy" / "index.html") == CHANGES[2][2]


def test_a_version_whose_facts_no_longer_load_stops_the_build_with_its_commit(repo, monkeypatch):
    # A version in history whose facts this legalsite refuses (an unknown key), fixed only in a later commit.
    record(repo, 30, "2027-02-01", None, 20)
    replace_text(repo / BRAND, "name: JourneyAPI", "name: JourneyAPI\nmascot: a fox")
    git(repo, "commit", "-qam", "A key this legalsite does not know")
    replace_text(repo / BRAND, "name: JourneyAPI\nmascot: a fox", "name: JourneyAPI")
    record(repo, 20, "2027-03-01", None, 10)
    published = build_on(repo, dt.date(2027, 3, 2), monkeypatch, versions=False)
    with pytest.raises(BuildError) as caught:
        build_on(repo, dt.date(2027, 3, 2), monkeypatch)
    message = str(caught.value)
    assert "version of 2027-02-01" in message and "mascot" in message and "--no-versions" in message
    assert published.out.joinpath(SLUG, "privacy", "index.html").is_file()  # the published site is untouched


def test_the_cli_reports_versions_built_and_kept(repo):
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch(BEFORE)}
    command = [sys.executable, "-m", "legalsite", "-C", str(repo), "build"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 0, first.stderr
    assert f"{len(ids()) + 1} built" in first.stdout  # idclinks' dated policy is a version too
    second = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert "Versions: 0 built" in second.stdout and "Built 0 site(s)" in second.stdout


# --- what the version pages print is inert ----------------------------------------------------------------

def _elements(markdown_text: str) -> Counter:
    """The HTML elements Python-Markdown makes of ``markdown_text`` with the sample's extensions."""
    settings = yaml.safe_load((Path(__file__).parents[1] / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [e if isinstance(e, str) else next(iter(e)) for e in settings["markdown_extensions"]]
    body = markdown.markdown(markdown_text.split("---", 2)[2], extensions=names)
    return Counter(re.findall(r"<([a-z][a-z0-9]*)", body))


HOSTILE = st.text(alphabet=st.one_of(st.sampled_from(list("*_`[]()<>&|#!\\~=^:\"' \nab-.")), st.characters()), max_size=40)


@given(summary=HOSTILE, name=HOSTILE, before=HOSTILE, after=HOSTILE)
def test_version_pages_print_facts_as_text(summary, name, before, after):
    day = dt.date(2026, 6, 1)
    versions = [Version("acme", "2026-03-26", "a" * 40, ("first",)), Version("acme", "2026-06-01", None, (summary,),
                                                                            status=CURRENT)]
    history = History(day=day, versions={"acme": versions})
    plain = History(day=day, versions={"acme": [versions[0], Version("acme", "2026-06-01", None, ("x",),
                                                                      status=CURRENT)]})
    assert _elements(versions_page(name, history, "acme")) == _elements(versions_page("x", plain, "acme"))
    entry = Entry(slug="acme", kind="changed", path="data_collected.prompts.retention", words=name, before=before, after=after,
                  pages=("privacy",))
    changed = what_changed_page(BrandDiff("acme", "Acme", [entry], []), versions[0], versions[1])
    reference = Entry(slug="acme", kind="changed", path="x", words="x", before="x", after="x", pages=("privacy",))
    assert _elements(changed) == _elements(what_changed_page(BrandDiff("acme", "Acme", [reference], []),
                                                             versions[0], versions[1]))


def test_every_page_of_every_version_has_its_pdf_and_a_rebuild_keeps_them(repo, monkeypatch):
    from pypdf import PdfReader
    need_browser()
    result = build_on(repo, BEFORE, monkeypatch, pdf=True)
    site = repo / "site" / SLUG
    for vid in ids():
        folder = site / "versions" / vid
        pages = [p for p in folder.rglob("index.html") if p.parent.name not in ("search", "what-changed")]
        pdfs = sorted(folder.rglob("*.pdf"))
        assert len(pdfs) == len(pages) and pdfs, vid  # one PDF per page of the version
        privacy = PdfReader(folder / "privacy" / f"{SLUG}-privacy-{vid}.pdf")
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in privacy.pages)
        days = dict(zip(ids(), [90] + [d for _, _, d in CHANGES], strict=True))[vid]
        assert f"may be retained for up to {days} days" in text, vid
        day = dt.date.fromisoformat(vid)
        assert f"Version of {day.strftime('%B')} {day.day}, {day.year}" in text  # the foot line, on every page
        assert privacy.metadata["/CreationDate"].startswith(f"D:{vid.replace('-', '')}")
    # The current page links the PDF kept with its version.
    link = re.search(r'href="([^"]+\.pdf)"', (site / "privacy" / "index.html").read_text(encoding="utf-8"))
    assert link and (site / "privacy" / link[1]).resolve() == \
        (site / "versions" / ids()[2] / "privacy" / f"{SLUG}-privacy-{ids()[2]}.pdf").resolve()
    assert result.pdfs > 0
    before = {p: p.stat().st_ino for p in site.rglob("*.pdf")}
    again = build_on(repo, BEFORE, monkeypatch, pdf=True)
    assert again.pdfs == 0 and {p: p.stat().st_ino for p in site.rglob("*.pdf")} == before
