"""What legalsite ships with: page templates a project overrides file by file, MkDocs settings for a project
without its own, and the new project 'legalsite init' writes."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import files_in

from legalsite.build import build
from legalsite.cli import cli
from legalsite.history import find_history
from legalsite.project import DEFAULT_TEMPLATES, SKELETON, load_project

REPO = Path(__file__).resolve().parents[1]
OWN_WORDING = "This sentence is the project's own wording."


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def pages(site: Path) -> dict[str, bytes]:
    return {name: data for name, data in files_in(site).items() if name.endswith(".html")}


# --- templates --------------------------------------------------------------------

def test_a_project_without_templates_builds_from_the_defaults(project: Path):
    shutil.rmtree(project / "templates")
    result = build(load_project(project), project / "site")
    assert result.built == sorted(p.stem for p in (project / "content/brands").glob("*.yaml"))
    assert (project / "site/linkrapi/privacy/index.html").is_file()


def test_one_overridden_template_changes_its_page_and_no_other(project: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")
    build(load_project(project), project / "before", reuse=False)
    own = project / "templates/privacy.md.j2"
    text = (DEFAULT_TEMPLATES / "privacy.md.j2").read_text(encoding="utf-8")
    assert "\n# {{ title }}\n" in text
    own.write_text(text.replace("\n# {{ title }}\n", f"\n# {{{{ title }}}}\n\n{OWN_WORDING}\n", 1), encoding="utf-8")
    build(load_project(project), project / "after", reuse=False)
    before, after = pages(project / "before"), pages(project / "after")
    changed = sorted(name for name in before if before[name] != after[name])
    brands = sorted(p.stem for p in (project / "content/brands").glob("*.yaml"))
    # Each brand's privacy page, and the copy kept in its current version's own site (versions/<day>/).
    history = find_history(load_project(project))
    assert changed == sorted([f"{slug}/privacy/index.html" for slug in brands]
                             + [f"{v.slug}/versions/{v.id}/privacy/index.html"
                                for slug in brands for v in history.dated(slug)])
    assert all(OWN_WORDING in after[name].decode() for name in changed)


def test_the_template_rules_hold_for_a_projects_own_template(project: Path):
    own = project / "templates/security.md.j2"
    own.write_text((DEFAULT_TEMPLATES / "security.md.j2").read_text(encoding="utf-8") + "\nWe reply within 30 days.\n",
                   encoding="utf-8")
    result = run(project, "check")
    assert result.exit_code == 1
    assert "templates/security.md.j2:" in result.output and "[template-literal-fact] '30 days'" in result.output


def test_a_new_override_replaces_the_default_in_a_running_process(project: Path):
    """A preview keeps one process: a template copied in after a build must be used by the next one."""
    build(load_project(project), project / "site")
    own = project / "templates/index.md.j2"
    own.write_text((DEFAULT_TEMPLATES / "index.md.j2").read_text(encoding="utf-8") + f"\n{OWN_WORDING}\n",
                   encoding="utf-8")
    assert build(load_project(project), project / "site").built
    assert OWN_WORDING in (project / "site/linkrapi/index.html").read_text(encoding="utf-8")


def test_templates_lists_where_each_page_comes_from_and_copies_a_default(project: Path):
    listed = run(project, "templates").output.splitlines()
    assert [line.split()[0] for line in listed] == sorted(p.name for p in DEFAULT_TEMPLATES.glob("*.j2"))
    assert all("default: " in line for line in listed)
    copied = run(project, "templates", "--copy", "privacy.md.j2")
    assert copied.exit_code == 0
    assert (project / "templates/privacy.md.j2").read_bytes() == (DEFAULT_TEMPLATES / "privacy.md.j2").read_bytes()
    assert "privacy.md.j2    templates/privacy.md.j2" in run(project, "templates").output
    again = run(project, "templates", "--copy", "privacy.md.j2")
    assert again.exit_code == 2 and "templates/privacy.md.j2 already exists" in again.output
    unknown = run(project, "templates", "--copy", "terms.md.j2")
    assert unknown.exit_code == 2 and "privacy.md.j2" in unknown.output


# --- MkDocs settings ------------------------------------------------------------------

SAMPLE_ONLY = """
# legalsite's own settings (MkDocs never sees them). The sample project prints a PDF copy of every page,
# which needs Chromium; a new project (legalsite init) starts without, so it builds on any machine.
legalsite:
  pdf: true
"""


def test_the_sample_projects_settings_are_the_ones_init_writes():
    sample = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert sample.endswith(SAMPLE_ONLY)  # the one difference, and nothing else
    assert sample.removesuffix(SAMPLE_ONLY) == (SKELETON / "mkdocs.yml").read_text(encoding="utf-8")


def test_a_project_without_mkdocs_yml_builds_with_the_shipped_settings(project: Path):
    (project / "mkdocs.yml").unlink()
    build(load_project(project), project / "site")
    assert (project / "site/linkrapi/security/index.html").is_file()


# --- init -----------------------------------------------------------------------------

def test_init_writes_a_project_that_check_sends_to_new(tmp_path: Path):
    result = run(tmp_path, "init")
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [".github/workflows/legal-pages.yml", ".gitignore", "content/vendors.yaml", "mkdocs.yml",
                       "schemas/brand.schema.json", "schemas/vendors.schema.json"]
    assert (tmp_path / "content/brands").is_dir()
    check = run(tmp_path, "check")
    assert check.exit_code == 1
    (finding,) = [line for line in check.output.splitlines() if "error[" in line]
    assert finding == ("content/brands:1:1: error[brand-none] this project has no brand yet; add one with "
                       "'legalsite new SLUG', such as 'legalsite new acme'.")
    assert run(tmp_path, "schema", "--check").exit_code == 0  # the schemas it wrote are current


@pytest.mark.parametrize("existing", ["mkdocs.yml", "content/vendors.yaml", ".gitignore",
                                      ".github/workflows/legal-pages.yml"])
def test_init_writes_nothing_when_any_file_exists(tmp_path: Path, existing: str):
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine\n", encoding="utf-8")
    result = run(tmp_path, "init")
    assert result.exit_code == 2 and f"{existing} already exists" in result.output
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [existing]
    assert (tmp_path / existing).read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("vendors", [None, "", "# no vendors yet\n", "vendors:\n", "vendors: []\n"])
def test_a_project_may_have_no_vendors_yet(project: Path, vendors: str | None):
    """A brand that shares data with no vendor needs no vendor list, written or not."""
    path = project / "content/vendors.yaml"
    if vendors is None:
        path.unlink()
    else:
        path.write_text(vendors, encoding="utf-8")
    for brand in (project / "content/brands").glob("*.yaml"):
        if brand.stem != "idclinks":
            brand.unlink()
    loaded = load_project(project)
    assert loaded.vendors == {} and list(loaded.brands) == ["idclinks"]


def test_new_makes_the_brands_folder_a_fresh_clone_lacks(tmp_path: Path):
    """git keeps no empty folder, so a clone of a project with no brand yet has content/ but no content/brands/."""
    assert run(tmp_path, "init").exit_code == 0
    (tmp_path / "content/brands").rmdir()
    assert run(tmp_path, "new", "acme").exit_code == 0
    assert (tmp_path / "content/brands/acme.yaml").is_file()


def test_outside_a_project_the_commands_point_to_init(tmp_path: Path):
    result = run(tmp_path, "check")
    assert result.exit_code == 2 and "legalsite init" in result.output


@pytest.mark.parametrize("kind", ["fifo", "not-utf8"])
def test_a_template_that_cannot_be_read_is_a_finding_not_a_hang(project: Path, kind: str):
    path = project / "templates/privacy.md.j2"
    if kind == "fifo":
        os.mkfifo(path)  # opened plainly, reading it would wait forever for a writer
    else:
        path.write_bytes(b"# {{ title }}\n\xff\xfe\n")
    done = threading.Event()
    outcome = {}
    worker = threading.Thread(target=lambda: (outcome.update(result=run(project, "check")), done.set()), daemon=True)
    worker.start()
    assert done.wait(30), "check hung on the template"
    result = outcome["result"]
    assert result.exit_code == 1
    assert any(line.startswith("templates/privacy.md.j2:1:1: error[") for line in result.output.splitlines())
