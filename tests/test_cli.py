"""The ``legalsite`` command: exit codes, finding lines, help texts, and a failed build that publishes nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import break_engine, files_in

from legalsite.checks import RULES
from legalsite.cli import cli

LINKRAPI = "content/brands/linkrapi.yaml"
FINDING = re.compile(r"^content/\S+:\d+:\d+: (error|warning)\[[a-z-]+\] ")
SUMMARY = re.compile(r"^(\d+) error\(s\), (\d+) warning\(s\) in ")
TYPO = ("    retention:\n      applies_to: API", "    retension:\n      applies_to: API")


def run(project: Path, *args: str):
    # click >= 8.2 keeps stderr apart (result.stderr); result.output is both streams as a terminal shows them
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None), by path relative to ``folder``."""
    return files_in(folder, folders=True)


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".site-staging-"))


# --- check ----------------------------------------------------------------------

def test_check_on_the_shipped_content(project):
    result = run(project, "check")
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.stdout
    assert result.stderr == ""  # errors go to stderr; there are none
    lines = result.output.splitlines()
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-1]
    assert [line for line in lines[:-1] if not FINDING.match(line)] == []
    assert (summary[1], int(summary[2])) == ("0", len(lines) - 1)  # the summary counts the lines printed


def test_check_reports_a_typo_with_its_position(project, edit, where):
    text = edit(project / LINKRAPI, *TYPO)
    result = run(project, "check")
    assert result.exit_code == 1
    line, column = where(text, "retension:")
    assert result.stderr.splitlines() == [
        f"{LINKRAPI}:{line}:{column}: error[fact-unknown] 'retension' is not a fact legalsite knows here; "
        "did you mean 'retention'?"]
    assert FINDING.match(result.stderr)
    assert "Traceback" not in result.output


def test_check_reports_a_rule_error_and_counts_it(project, edit, where):
    text = edit(project / LINKRAPI, "  - vendor: digitalocean", "  - vendor: digital-ocean")
    result = run(project, "check")
    assert result.exit_code == 1
    line, column = where(text, "digital-ocean")
    assert result.stderr.startswith(
        f"{LINKRAPI}:{line}:{column}: error[vendor-unknown] LinkrAPI names the vendor 'digital-ocean'")
    assert re.search(r"^1 error\(s\), \d+ warning\(s\) in ", result.stdout, re.MULTILINE)
    assert all(FINDING.match(line) for line in result.stderr.splitlines())


def test_check_list_rules(project):
    result = run(project, "check", "--list-rules")
    assert result.exit_code == 0
    assert RULES, "no rules are registered"
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == list(RULES)
    for rule in RULES.values():
        assert re.search(rf"^{re.escape(rule.id)}\s+{rule.severity}\s+{re.escape(rule.description)}$",
                         result.stdout, re.MULTILINE)


def test_not_a_project(tmp_path):
    result = run(tmp_path / "nowhere", "check")
    assert result.exit_code == 2
    assert "is not a legalsite project" in result.stderr and "-C DIR" in result.stderr
    assert "legalsite init" in result.stderr


# --- build ----------------------------------------------------------------------

def test_a_failed_build_leaves_the_published_site_untouched(project, edit, monkeypatch):
    built = run(project, "build", "linkrapi")
    assert built.exit_code == 0, built.output
    assert "Built 1 site(s)" in built.stdout
    site = project / "site"
    before = snapshot(site)
    assert "linkrapi/index.html" in before and "linkrapi/privacy/index.html" in before

    # bad facts: refused before anything is written
    text = edit(project / LINKRAPI, *TYPO)
    result = run(project, "build")
    assert result.exit_code == 1
    assert "error[fact-unknown] 'retension'" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(site) == before
    assert leftovers(project) == []

    # good facts, but a setting MkDocs refuses: refused by the check, before anything is written
    (project / LINKRAPI).write_text(text.replace("retension:", "retention:"), encoding="utf-8")
    edit(project / "mkdocs.yml", "  - tables\n", "  - tables\n  - no_such_markdown_extension\n")
    result = run(project, "build", "linkrapi")
    assert result.exit_code == 1
    assert "mkdocs.yml:" in result.stderr and "error[mkdocs-config]" in result.stderr
    assert "no_such_markdown_extension" in result.stderr
    assert snapshot(site) == before
    assert leftovers(project) == []

    # good settings, but MkDocs fails while building into the staging folder
    edit(project / "mkdocs.yml", "  - no_such_markdown_extension\n", "")
    break_engine(monkeypatch)
    result = run(project, "build", "--force", "linkrapi")
    assert result.exit_code == 1
    assert "did not build" in result.stderr and "the theme broke" in result.stderr
    assert "Nothing was published." in result.stderr
    assert snapshot(site) == before
    assert leftovers(project) == []


def test_a_failed_build_without_a_previous_site_creates_nothing(project, edit, monkeypatch):
    edit(project / LINKRAPI, *TYPO)
    result = run(project, "build")
    assert result.exit_code == 1
    assert "error[fact-unknown]" in result.stderr
    assert not (project / "site").exists()
    assert leftovers(project) == []

    # a failure inside the staging folder cleans the staging folder up
    edit(project / LINKRAPI, "retension:", "retention:")
    break_engine(monkeypatch)
    result = run(project, "build", "idclinks")
    assert result.exit_code == 1
    assert "the site for brand 'idclinks' did not build" in result.stderr
    assert not (project / "site").exists()
    assert leftovers(project) == []


def test_build_of_an_unknown_brand(project):
    result = run(project, "build", "nope")
    assert result.exit_code == 2
    assert "no brand named 'nope'" in result.stderr
    assert "idclinks, journeyapi, linkrapi" in result.stderr
    assert not (project / "site").exists()


@pytest.mark.parametrize("args", [["check", "--nope"], ["build", "--nope"], ["--nope", "check"], ["nope"]])
def test_unknown_option_or_command(project, args):
    result = run(project, *args)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr and "Error:" in result.stderr


# --- help ---------------------------------------------------------------------

@pytest.mark.parametrize("command", [[]] + [[name] for name in sorted(cli.commands)], ids=lambda c: " ".join(c) or "legalsite")
def test_help_has_an_example(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout and "Example" in result.stdout


def test_every_command_is_listed_in_the_group_help():
    assert set(cli.commands) >= {"build", "check", "serve"}
    result = CliRunner().invoke(cli, ["--help"])
    for name in cli.commands:
        assert re.search(rf"^\s+{name}\s+\S", result.stdout, re.MULTILINE), name


def test_python_dash_m_legalsite(tmp_path):
    result = subprocess.run([sys.executable, "-m", "legalsite", "--help"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "Example" in result.stdout
    for name in cli.commands:
        assert name in result.stdout


def test_python_dash_m_legalsite_exit_code(tmp_path):
    result = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(tmp_path), "check"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "not a legalsite project" in result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    from legalsite import __version__

    result = CliRunner().invoke(cli, ["--version"])
    assert (result.exit_code, result.stdout.strip()) == (0, f"legalsite, version {__version__}")


def test_an_internal_error_is_one_line_unless_debug(project, monkeypatch):
    def broken(root):
        raise RuntimeError("boom")

    monkeypatch.setattr("legalsite.project.load_project", broken)  # check imports it when it runs
    result = run(project, "check")
    assert result.exit_code == 1
    assert "internal error" in result.stderr and "--debug" in result.stderr and "RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.output
    with pytest.raises(RuntimeError, match="boom"):
        run(project, "--debug", "check")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["build", "--help"], ["check", "--help"]])
def test_asking_for_the_version_or_help_loads_no_stage(args):
    """`legalsite --version` and `--help` answer in a fresh process without the facts' model, the templates or
    an engine (each command imports the stages it runs when it runs)."""
    heavy = ("mkdocs", "material", "zensical", "pydantic", "jinja2", "yaml", "markdown", "playwright")
    code = ("import sys\nfrom legalsite.cli import cli\ntry:\n    cli.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r}), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
                            check=False)
    assert "legalsite" in result.stdout.lower()
    assert result.stderr.strip() == "[]", result.stderr
