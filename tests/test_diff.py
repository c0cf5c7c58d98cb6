"""``legalsite diff``: the facts that changed between two git revisions, the flags a review needs, both formats,
and clear errors. Each test builds its own git repository from a copy of the project."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import markdown
import pytest
from click.testing import CliRunner

from legalsite.cli import cli
from legalsite.diff import MATERIAL_RULES, diff_revisions, material_rule
from legalsite.errors import UsageError
from legalsite.history import unpack as extract

LINKRAPI = "content/brands/linkrapi.yaml"
VENDORS = "content/vendors.yaml"
RETENTION = "data_collected.api_logs.retention.period"
POSTMARK = "sharing.vendors.postmark"
# LinkrAPI's vendors share no data categories and its Discord tokens have no retention: tests add them here
CLERK_PURPOSE = "      purpose: Handles sign-in, session management, and JSON Web Tokens (JWTs).\n"
TOKENS_SOURCE = "    source: Provided voluntarily so we can interface with Midjourney on your behalf.\n"
NOTICE = ("changes_policy:\n  statements:", "changes_policy:\n  material_notice: {amount: 30, unit: days}\n  statements:")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def init(root: Path) -> None:
    git(root, "init", "-q")
    for key, value in (("user.name", "Test"), ("user.email", "test@example.com"), ("commit.gpgsign", "false")):
        git(root, "config", key, value)


@pytest.fixture
def repo(project: Path) -> Path:
    """The project copy as a git repository with one commit."""
    init(project)
    commit(project, "A")
    return project


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), "diff", *args], catch_exceptions=False)


def scenario(root: Path, edit) -> None:
    """LinkrAPI keeps API usage logs 60 days instead of 90, and shares account and payment data with a new vendor."""
    edit(root / LINKRAPI, "period: {amount: 90, unit: days}", "period: {amount: 60, unit: days}")
    edit(root / VENDORS, "  - id: bltcy\n", "  - id: postmark\n    name: Postmark, Inc.\n"
         "    service: Transactional email\n\n  - id: bltcy\n")
    edit(root / LINKRAPI, "    - vendor: digitalocean\n", "    - vendor: postmark\n      purpose: Sends account emails.\n"
         "      shares: [account, payment]\n    - vendor: digitalocean\n")


def record(root: Path, edit, effective: str = "2026-05-31", material: str = "true") -> None:
    edit(root / LINKRAPI, "changes: []\n", "changes:\n  - date: 2026-05-01\n    summary: Shorter logs; Postmark sends "
         f"emails.\n    material: {material}\n    effective: {effective}\n"
         f"    facts: [data_collected.api_logs.retention, sharing.vendors]\n")


def table_rows(text: str) -> list[list[str]]:
    """The body rows of every Markdown table, split on unescaped pipes."""
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith(("| change | fact |", "| --- |"))]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


# --- which facts --------------------------------------------------------------------

def test_the_report_holds_exactly_the_facts_edited(repo, edit):
    a = git(repo, "rev-parse", "HEAD")
    scenario(repo, edit)
    b = commit(repo, "B")
    report = diff_revisions(repo, a, b)
    assert {(e.slug, e.path) for e in report.entries} == {("linkrapi", RETENTION), ("linkrapi", POSTMARK)}
    retention, vendor = report.entries
    assert (retention.kind, retention.words, retention.before, retention.after, retention.pages) == (
        "changed", "the retention period of API usage logs", "90 days", "60 days", ("privacy",))
    assert (vendor.kind, vendor.before, vendor.after, vendor.pages) == (
        "added", "", "Postmark, Inc. (postmark), receives: Account information, Payment data", ("privacy", "security"))
    assert report.notes == []  # the new vendor is used, so it is a brand change, not a note

    text = run(repo, a, b)
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith(f"Facts changed from {a} to {b}\n\nLinkrAPI (linkrapi)\n")
    assert "the retention period of API usage logs: 90 days → 60 days" in text.stdout
    assert "vendor: Postmark, Inc. (postmark), receives: Account information, Payment data" in text.stdout
    assert "idclinks" not in text.stdout and "journeyapi" not in text.stdout
    assert text.stdout == run(repo, a, b).stdout  # deterministic

    md = run(repo, a, b, "--format", "markdown")
    assert md.exit_code == 0, md.output
    assert "#### LinkrAPI (`linkrapi`)" in md.stdout
    assert "idclinks" not in md.stdout and "journeyapi" not in md.stdout
    assert table_rows(md.stdout) == [
        ["changed", f"the retention period of API usage logs (`{RETENTION}`)", "90 days", "60 days", "privacy"],
        ["added", f"vendor (`{POSTMARK}`)", "—", (r"Postmark, Inc\. \(postmark\), receives&#58; "
                                                  "Account information, Payment data"), "privacy, security"]]


def test_no_revision_is_head_against_the_working_tree_and_one_is_that_revision(repo, edit):
    a = git(repo, "rev-parse", "HEAD")
    assert run(repo).stdout == "No facts changed from HEAD to the working tree.\n"
    scenario(repo, edit)
    commit(repo, "B")
    edit(repo / LINKRAPI, "minimum_age: 18", "minimum_age: 16")
    paths = {"children.minimum_age"}
    assert {e.path for e in diff_revisions(repo).entries} == paths
    assert {e.path for e in diff_revisions(repo, a).entries} == paths | {RETENTION, POSTMARK}
    result = run(repo)
    assert "Facts changed from HEAD to the working tree" in result.stdout
    assert "the minimum age: 18 → 16" in result.stdout
    assert RETENTION not in result.stdout
    assert RETENTION in run(repo, a).stdout


def test_a_project_in_a_subfolder_of_the_repository(project, tmp_path_factory, edit):
    outer = tmp_path_factory.mktemp("outer")
    legal = outer / "legal"
    shutil.copytree(project, legal)
    init(outer)
    commit(outer, "A")
    edit(legal / LINKRAPI, "minimum_age: 18", "minimum_age: 21")
    assert [e.path for e in diff_revisions(legal).entries] == ["children.minimum_age"]


@pytest.mark.parametrize("old, new, path, material", [
    ("period: {amount: 90, unit: days}", "period: {amount: 1, unit: years}", RETENTION, True),
    ("period: {amount: 90, unit: days}", "period: {amount: 2200, unit: hours}", RETENTION, True),
    ("period: {amount: 90, unit: days}", "period: {amount: 3, unit: months}", RETENTION, False),
    ("period: {amount: 90, unit: days}", "period: {amount: 60, unit: days}", RETENTION, False),
    # Discord tokens have no retention: one written with a period is that period set where there was none
    (TOKENS_SOURCE, TOKENS_SOURCE + "    retention:\n      period: {amount: 1, unit: years}\n",
     "data_collected.discord_tokens.retention.period", True),
    ("    category: functional\n", ("    category: functional\n  - provider: linkrapi\n    purpose: Usage statistics\n"
                                   "    category: analytics\n"), "cookies[3]", True),
    ("    category: functional\n", ("    category: functional\n  - provider: linkrapi\n    purpose: Language\n"
                                   "    category: essential\n"), "cookies[3]", False),
    ("    category: functional\n", "    category: analytics\n", "cookies[2].category", False),
    ("    - name: Request deletion\n", "", "rights.items[3]", True),
    ("    - name: Request deletion\n", "    - name: Request deletion\n    - name: Portability\n", "rights.items[4]",
     False),
    ("minimum_age: 18", "minimum_age: 16", "children.minimum_age", True),
    ("minimum_age: 18", "minimum_age: 21", "children.minimum_age", False),
    ("  purposes:\n", "  purposes:\n    - Train our models\n", "use.purposes", True),
    ("    purposes: [debugging, audit]", "    purposes: [debugging]", "data_collected.api_logs.purposes", False),
    ("    purposes: [debugging, audit]", "    purposes: [debugging, audit, marketing]", "data_collected.api_logs.purposes",
     True),
    ("items: [email address, name]", "items: [email address, name, phone number]", "data_collected.account.items", True),
    (CLERK_PURPOSE, CLERK_PURPOSE + "      shares: [technical]\n", "sharing.vendors.clerk.shares", True),
    ("    - vendor: clerk\n", "    - vendor: clerk\n      role: recipient\n", "sharing.vendors.clerk.role", False),
    ("    - vendor: digitalocean\n      purpose: Hosting infrastructure provider for our backend servers and database.\n", "",
     "sharing.vendors.digitalocean", False),
    ("  - id: technical\n", "  - id: telemetry\n    name: Telemetry\n\n  - id: technical\n", "data_collected.telemetry", True),
])
def test_each_edit_is_one_entry_and_material_by_the_rules(repo, edit, old, new, path, material):
    edit(repo / LINKRAPI, old, new)
    entries = diff_revisions(repo).entries
    assert [(e.path, material_rule(e) is not None) for e in entries] == [(path, material)]


def test_entries_show_values_as_the_pages_do(repo, edit):
    edit(repo / LINKRAPI, CLERK_PURPOSE, CLERK_PURPOSE + "      shares: [technical]\n")
    edit(repo / LINKRAPI, "    - name: Request deletion\n", "")
    edit(repo / LINKRAPI, "  solely: true\n", "")
    entries = {e.path: e for e in diff_revisions(repo).entries}
    assert (entries["use.solely"].before, entries["use.solely"].after) == ("yes", "no")
    assert entries["sharing.vendors.clerk.shares"].after == "Technical identifiers"  # the category's name
    removed = entries["rights.items[3]"]
    assert (removed.kind, removed.words, removed.before, removed.pages) == ("removed", "right", "Request deletion",
                                                                           ("privacy",))


def test_a_group_written_for_the_first_time_lists_only_the_facts_written(repo, edit):
    block = "  response_time:\n    low: 24\n    high: 48\n    unit: hours\n    business_days: true\n    typical: true\n"
    edit(repo / LINKRAPI, block, "")
    commit(repo, "no response time")
    edit(repo / LINKRAPI, "  channels: [the contact form on our website]\n",
         "  channels: [the contact form on our website]\n  response_time: {high: 2, unit: days}\n")
    entries = diff_revisions(repo).entries  # business_days and typical stay at their default, "no"
    assert [(e.kind, e.path, e.after) for e in entries] == [("added", "contact.response_time.high", "2"),
                                                           ("added", "contact.response_time.unit", "days")]


def test_theme_and_comments_are_no_fact_change(repo, edit):
    edit(repo / LINKRAPI, 'primary: "#3949ab"', 'primary: "#000000"')
    edit(repo / LINKRAPI, "name: LinkrAPI\n", "# a comment\nname: LinkrAPI\n")
    assert diff_revisions(repo).entries == []


def test_a_brand_added_or_removed_is_one_entry(repo):
    shutil.copy(repo / LINKRAPI, repo / "content/brands/linkrapi-eu.yaml")
    (repo / "content/brands/idclinks.yaml").unlink()
    report = diff_revisions(repo)
    assert [(e.slug, e.kind, e.path) for e in report.entries] == [("idclinks", "removed", ""),
                                                                 ("linkrapi-eu", "added", "")]
    assert report.flags == []
    text = run(repo).stdout
    assert "brand: LinkrAPI (linkrapi-eu)" in text and "brand: idclinks (idclinks)" in text


def test_a_revision_without_content_has_no_brands(project):
    init(project)
    (project / "README").write_text("legal pages\n")
    git(project, "add", "README")
    git(project, "commit", "-q", "-m", "first")
    first = git(project, "rev-parse", "HEAD")
    commit(project, "facts")
    entries = diff_revisions(project, first, "HEAD").entries
    assert [(e.slug, e.kind) for e in entries] == [("idclinks", "added"), ("journeyapi", "added"),
                                                  ("linkrapi", "added")]


# --- vendors.yaml ------------------------------------------------------------------

def test_a_vendor_fact_is_a_change_for_each_brand_that_names_it(repo, edit):
    # LinkrAPI only names Midjourney (sharing.also_named, which no page lists); to have a vendor that one brand
    # lists as its own and another as an example of a group, LinkrAPI first lists Midjourney among its vendors.
    edit(repo / LINKRAPI, "  also_named: [discord, midjourney]\n", "    - vendor: midjourney\n  also_named: [discord]\n")
    commit(repo, "LinkrAPI lists Midjourney")
    edit(repo / VENDORS, "    name: Midjourney\n", "    name: Midjourney, Inc.\n")  # linkrapi; journeyapi's group
    edit(repo / VENDORS, "    name: Clerk\n", "    name: Clerk\n    locations: [United States]\n")  # linkrapi only
    report = diff_revisions(repo)
    assert [(e.slug, e.path, e.before, e.after, e.pages) for e in report.entries] == [
        ("journeyapi", "vendors.midjourney.name", "Midjourney", "Midjourney, Inc.", ("privacy", "security")),
        ("linkrapi", "vendors.clerk.locations", "", "United States", ("security",)),
        ("linkrapi", "vendors.midjourney.name", "Midjourney", "Midjourney, Inc.", ("privacy", "security"))]
    flags = {(f.slug, f.path): f.message for f in report.flags if f.kind == "not recorded"}
    assert "facts: [sharing.groups]" in flags["journeyapi", "vendors.midjourney.name"]
    assert "facts: [sharing.vendors.midjourney]" in flags["linkrapi", "vendors.midjourney.name"]


def test_a_change_naming_the_vendor_records_its_registry_facts(repo, edit):
    edit(repo / VENDORS, "    name: Clerk\n", "    name: Clerk, Inc.\n")
    edit(repo / LINKRAPI, "changes: []\n", "changes:\n  - date: 2026-05-01\n    summary: Clerk's legal name.\n"
         "    facts: [sharing.vendors.clerk]\n")
    report = diff_revisions(repo)
    assert [e.path for e in report.entries] == ["vendors.clerk.name"]
    assert report.flags == []


def test_a_vendor_no_brand_uses_is_a_note_not_a_brand_change(repo, edit):
    edit(repo / VENDORS, "  - id: bltcy\n", "  - id: acme\n    name: Acme\n    service: Anvils\n\n  - id: bltcy\n")
    report = diff_revisions(repo)
    assert (report.entries, report.notes) == ([], ["vendor added, used by no brand: Acme (acme)"])
    assert run(repo).stdout == ("No facts changed from HEAD to the working tree.\n\ncontent/vendors.yaml\n"
                                "  vendor added, used by no brand: Acme (acme)\n")


# --- flags --------------------------------------------------------------------------

def test_an_unrecorded_change_and_an_unannounced_vendor_are_flagged(repo, edit):
    scenario(repo, edit)
    report = diff_revisions(repo)
    assert {(f.kind, f.path) for f in report.flags} == {
        ("not recorded", RETENTION), ("not recorded", POSTMARK), ("material", POSTMARK)}
    messages = {(f.kind, f.path): f.message for f in report.flags}
    assert (f"add an entry to 'changes' in content/brands/linkrapi.yaml with facts: [{RETENTION}]"
            in messages["not recorded", RETENTION])
    assert "no new entry in 'changes' announces it" in messages["material", POSTMARK]
    assert "LinkrAPI states no notice period" in messages["material", POSTMARK]
    result = run(repo, "--strict")
    assert result.exit_code == 1
    assert result.stdout.count("⚠ ") == 3
    assert run(repo).exit_code == 0  # without --strict the report is only information


def test_a_recorded_material_change_with_notice_clears_every_flag(repo, edit):
    edit(repo / LINKRAPI, *NOTICE)
    commit(repo, "notice period")
    scenario(repo, edit)
    record(repo, edit)
    report = diff_revisions(repo)
    assert {e.path for e in report.entries} == {RETENTION, POSTMARK}  # the changes entry itself is no fact change
    assert report.flags == []
    assert run(repo, "--strict").exit_code == 0


@pytest.mark.parametrize("effective, material, paths, problem", [
    # an entry marked material makes every fact it covers material, the shorter retention too
    ("2026-05-10", "true", [RETENTION, POSTMARK],
     "it takes effect on 2026-05-10, before 2026-05-31, the earliest date a notice period of 30 days allows"),
    ("2026-05-31", "false", [POSTMARK], "does not say material: true"),
])
def test_a_material_change_announced_wrongly_is_flagged(repo, edit, effective, material, paths, problem):
    edit(repo / LINKRAPI, *NOTICE)
    commit(repo, "notice period")
    scenario(repo, edit)
    record(repo, edit, effective, material)
    flags = diff_revisions(repo).flags
    assert [(f.kind, f.path) for f in flags] == [("material", path) for path in paths]
    assert all(problem in f.message for f in flags)


def test_an_entry_covers_the_facts_it_names_and_those_under_them(repo, edit):
    scenario(repo, edit)
    edit(repo / LINKRAPI, "changes: []\n", "changes:\n  - date: 2026-05-01\n    summary: Shorter logs.\n"
         "    facts: [data_collected.api_logs.retention, sharing.vendors.postmark.shares, sharing.vendors.post]\n")
    assert {(f.kind, f.path) for f in diff_revisions(repo).flags} == {("not recorded", POSTMARK), ("material", POSTMARK)}


def test_an_entry_already_in_the_old_revision_records_nothing_new(repo, edit):
    edit(repo / LINKRAPI, "changes: []\n", "changes:\n  - date: 2026-01-01\n    summary: First policy.\n")
    commit(repo, "whole-policy entry")
    scenario(repo, edit)
    assert {(f.kind, f.path) for f in diff_revisions(repo).flags} >= {("not recorded", RETENTION)}
    edit(repo / LINKRAPI, "    summary: First policy.\n", "    summary: First policy.\n  - date: 2026-05-01\n"
         "    summary: Logs and Postmark.\n")  # a new entry naming no facts covers the whole policy
    assert {f.kind for f in diff_revisions(repo).flags} == {"material"}


def test_the_material_rules_are_one_table_of_known_kinds():
    assert all(kind in ("added", "removed", "changed") for _, kind, _, _ in MATERIAL_RULES)
    assert len({what for what, *_ in MATERIAL_RULES}) == len(MATERIAL_RULES)


# --- Markdown -----------------------------------------------------------------------

def test_markdown_shows_fact_text_literally_and_keeps_the_table(repo, edit):
    nasty = "a | b <b>x</b> *y* `z` costs $1 or $2"
    edit(repo / LINKRAPI, "data_collection_note: We collect only the information necessary to deliver our services.",
         f'data_collection_note: "{nasty}\\nsecond line"')
    out = run(repo, "--format", "markdown").stdout
    [row] = table_rows(out)
    assert len(row) == 5 and row[0] == "changed"
    assert "<b>" not in out and "*y*" not in out
    assert "costs <span>$</span>1" in out  # GitHub would read $1 or $ as the start of math
    after = re.search(r"<td>(.*?)</td>\s*<td>privacy</td>", markdown.markdown(out, extensions=["tables"])).group(1)
    assert html.unescape(re.sub(r"</?span>", "", after)) == nasty + " second line"


def test_no_change_is_one_line_in_both_formats(repo):
    assert run(repo, "HEAD").stdout == "No facts changed from HEAD to the working tree.\n"
    assert run(repo, "--format", "markdown").stdout == ("### Facts changed from HEAD to the working tree\n\n"
                                                        "No facts changed.\n")


# --- errors -------------------------------------------------------------------------

def test_an_unknown_revision_is_a_usage_error(repo):
    result = run(repo, "no-such-branch")
    assert result.exit_code == 2
    assert "unknown revision 'no-such-branch'" in result.stderr
    assert "Traceback" not in result.output


def test_bad_facts_at_a_revision_are_findings_named_by_the_revision(repo, edit):
    good = (repo / LINKRAPI).read_text()
    edit(repo / LINKRAPI, "name: LinkrAPI\n", "name: [LinkrAPI\n")
    commit(repo, "broken")
    (repo / LINKRAPI).write_text(good)
    result = run(repo, "HEAD")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines and all(re.match(r"HEAD:content/brands/linkrapi\.yaml:\d+:\d+: error\[", line) for line in lines)
    assert "Traceback" not in result.output


def test_outside_a_git_repository_is_a_usage_error(project, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    result = run(project)
    assert result.exit_code == 2
    assert "is not in a git repository" in result.stderr


def test_without_git_is_a_usage_error(repo, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no-git")))
    result = run(repo)
    assert result.exit_code == 2
    assert "git is not installed" in result.stderr


def test_an_option_is_not_taken_for_a_revision(repo):
    result = run(repo, "--", "--output=/tmp/x")
    assert result.exit_code == 2
    assert "is not a revision" in result.stderr


@pytest.mark.parametrize("member", ["../evil.yaml", "/etc/evil.yaml", "content/link"])
def test_an_archive_member_outside_content_is_refused(tmp_path, member):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(member)
        if member.endswith("link"):
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(UsageError, match="does not unpack it"):
        extract(buffer.getvalue(), tmp_path / "out", "HEAD")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.yaml").exists()


def test_temporary_folders_are_removed(repo, monkeypatch, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("scratch")
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    diff_revisions(repo, "HEAD", "HEAD")
    assert list(scratch.iterdir()) == []
