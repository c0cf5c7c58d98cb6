"""Each rule: a minimal breaking edit that it reports at the right file and line, and the shipped content it passes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import copy_project

import legalsite.checks
from legalsite.cache import Cache
from legalsite.checks import RULES, run_checks
from legalsite.cli import cli
from legalsite.parallel import can_fork
from legalsite.project import load_project
from legalsite.render import render_project

LINKRAPI = "content/brands/linkrapi.yaml"
IDCLINKS = "content/brands/idclinks.yaml"
JOURNEYAPI = "content/brands/journeyapi.yaml"

# rule id → (file, text to replace, replacement, text whose position the finding must carry)
BREAKS = {
    "vendor-unknown": (LINKRAPI, "  - vendor: clerk\n", "  - vendor: okta\n", "okta"),
    "category-unknown": (LINKRAPI, "kept_as: api_logs", "kept_as: api_log", "api_log\n"),
    "category-duplicate": (LINKRAPI, "  - id: technical\n", "  - id: payment\n", "payment\n    name: Technical"),
    "cookie-provider-unknown": (LINKRAPI, "    managed_by: clerk\n", "    managed_by: stripe\n", "stripe"),
    "template-literal-fact": ("templates/privacy.md.j2", "## Contact\n",
                              "## Contact\n\nWe answer within 30 days at help@example.com.\n", "30 days"),
    "promise-missing-page": (IDCLINKS, "list_page: security", "list_page: cookies", "list_page: cookies"),
    # the shipped idclinks already breaks promise-unkept (on its security page); this moves the claim
    # the shipped idclinks accepts its unkept promise (the seed names no subprocessor); undo the acceptance
    "promise-unkept": (IDCLINKS, "  - rule: promise-unkept\n", "  - rule: promise-unkep\n", "list_page: security"),
    "date-order": (IDCLINKS, "last_updated: 2026-05-01", "last_updated: 2099-05-01", "2099"),
    "notice-period": (JOURNEYAPI, "changes: []\n", "changes:\n  - date: 2026-03-26\n    summary: Shorter logs\n"
                      "    material: true\n    effective: 2026-04-01\n", "effective: 2026-04-01"),
    "email-domain": (IDCLINKS, "email: sales@idclinks.com", "email: sales@gmail.com", "sales@gmail.com"),
    "age-jurisdiction": (JOURNEYAPI, "minimum_age: 13", "minimum_age: 12", "12\n"),
    "page-fact-missing": ("templates/privacy.md.j2", "{% if security.limits %}\n{{ security.limits|sentence }}\n\n",
                          "{% if security.limits %}\n\n", "limits: No method"),
    "page-foreign-fact": (LINKRAPI, "  - our dashboard\n", "  - our dashboard, like JourneyAPI\n", "our dashboard, like"),
    "shared-fact-mismatch": (LINKRAPI, "theme:\n", "shared:\n  parent_company: Linkr Holdings Ltd\ntheme:\n",
                             "Linkr Holdings"),
    "change-fact-unknown": (JOURNEYAPI, "changes: []\n", "changes:\n  - date: 2026-03-26\n    summary: Shorter logs\n"
                            "    facts: [data_collected.api_log.retention]\n", "data_collected.api_log"),
    "logo-file": (LINKRAPI, '  accent: "#00838f"\n', '  accent: "#00838f"\n  logo: brands/linkrapi.svg\n',
                  "brands/linkrapi.svg"),
    "editor-schema": (LINKRAPI, "# yaml-language-server: $schema=../../schemas/brand.schema.json\n", "",
                      "# LinkrAPI"),
    "mkdocs-config": ("mkdocs.yml", "strict: true", "strict: 7", "strict: 7"),
    "fact-duplicate": (LINKRAPI, "  measures:\n", ("  measures:\n    - Backups are kept for 14 days in a second region.\n"
                       "    - Restores are possible for 14 days after an incident.\n"), "Restores are possible"),
    "vendor-purpose-repeats": (JOURNEYAPI, "    - vendor: stripe\n", ("    - vendor: stripe\n"
                               "      purpose: Payment processing and subscription management.\n"), "purpose: Payment"),
    "page-reference-unshown": (LINKRAPI, "changes_policy:\n  statements:\n", ("changes_policy:\n  statements:\n"
                               "    - Continued use after that date means you accept the changes.\n"), "Continued use after"),
    "law-gdpr": (LINKRAPI, "changes: []\n", "changes: []\njurisdictions: [EEA]\n", "jurisdictions: [EEA]"),
    "law-ccpa": (LINKRAPI, "changes: []\n", "changes: []\njurisdictions: [California]\n", "jurisdictions: [Cal"),
    "law-coppa": (LINKRAPI, "changes: []\n", "changes: []\njurisdictions: [US]\n", "jurisdictions: [US]"),
    "contact-none": (LINKRAPI, "  email: contact@linkrapi.com\n  channels: [the contact form on our website]\n", "",
                     "name: LinkrAPI"),
    "accepted-gap-expired": (JOURNEYAPI, "    until: 2027-12-31\n", "    until: 2026-01-01\n", "until: 2026-01-01"),
    "accepted-gap-unused": (JOURNEYAPI, "    facts: [domain, dates.effective]\n", "    facts: [domain, dates.effectiv]\n",
                            "dates.effectiv]"),
    "security-txt-expires": (LINKRAPI, "  summary: We take the security", ("  disclosure:\n    contact: "
                             "[security@linkrapi.com]\n    expires: 2026-01-01\n  summary: We take the security"),
                             "2026-01-01"),
    "vendor-unused": ("content/vendors.yaml", "vendors:\n", "vendors:\n  - id: okta\n    name: Okta\n"
                      "    service: Identity\n", "okta"),
}
# Edits some rules need before the breaking one (a mismatch needs a second brand stating the fact).
SETUP = {
    "law-coppa": (LINKRAPI, "  minimum_age: 18\n", "  minimum_age: 10\n"),  # COPPA reaches services open to under-13s
    "shared-fact-mismatch": (IDCLINKS, "theme:\n", "shared:\n  parent_company: Linkr Group\ntheme:\n"),
}
# Warnings the shipped content raises because a seed is silent (README, "Known gaps"), and the edit that clears each.


def findings_of(project, rule_id):
    return [f for f in run_checks(load_project(project)) if f.rule == rule_id]


def test_every_rule_has_a_breaking_fixture_here():
    # brand-none is broken by removing every brand file, not by an edit: tests/test_defaults.py
    assert set(RULES) - {"fact-gap", "brand-none"} == set(BREAKS)


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_rule_reports_the_broken_fact_at_its_line(project, edit, where, rule_id):
    if rule_id in SETUP:
        edit(project / SETUP[rule_id][0], *SETUP[rule_id][1:])
    path, old, new, needle = BREAKS[rule_id]
    text = edit(project / path, old, new)
    if rule_id == "page-fact-missing":  # a template that drops a fact is reported at the fact
        path, text = JOURNEYAPI, (project / JOURNEYAPI).read_text(encoding="utf-8")
    found = findings_of(project, rule_id)
    assert found, f"{rule_id} said nothing about {new!r}"
    line, column = where(text, needle)
    assert any(f.path == path and f.line == line for f in found), [str(f) for f in found]
    assert all(f.severity == RULES[rule_id].severity for f in found)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_passes_the_shipped_content(project, rule_id):
    # The seeds' real gaps are each accepted in the brand files, with the reason (the README's "Known gaps").
    assert findings_of(project, rule_id) == []


def test_fact_gap_names_brand_page_and_fact(project, edit, where):
    text = edit(project / IDCLINKS, "  last_updated: 2026-05-01\n", "  effective: 2026-05-01\n")
    gaps = [f for f in findings_of(project, "fact-gap") if "last revised" in f.message and f.path == IDCLINKS]
    assert len(gaps) == 1
    assert gaps[0].path == IDCLINKS and gaps[0].line == where(text, "effective: 2026")[0]
    assert gaps[0].message.startswith("idclinks, privacy page: the date the whole policy was last revised")
    assert "Add 'last_updated:'" in gaps[0].message


def gaps_and_accepted(project):
    accepted: list = []
    found = run_checks(load_project(project), accepted=accepted)
    return [f.message for f in found + accepted if f.rule == "fact-gap"]


def test_fact_gap_goes_away_when_the_fact_is_given(project, edit):
    before = gaps_and_accepted(project)
    assert any("JourneyAPI, cookies page: the name of the cookie" in m and "session management" in m for m in before)
    edit(project / "content/brands/journeyapi.yaml", "  - purpose: session management\n",
         "  - purpose: session management\n    name: session\n")
    after = gaps_and_accepted(project)
    assert len(after) == len(before) - 1


def test_template_lint_ignores_comments_but_not_text(project, edit):
    edit(project / "templates/index.md.j2", "{% import", "{# e.g. 'within 30 days' or Stripe #}\n{% import")
    assert findings_of(project, "template-literal-fact") == []
    edit(project / "templates/index.md.j2", "The pages that", "Clerk and the pages that")
    (finding,) = findings_of(project, "template-literal-fact")
    assert finding.path == "templates/index.md.j2" and "Clerk" in finding.message


def test_check_json_is_the_documented_shape(project, edit):
    edit(project / LINKRAPI, "  - vendor: digitalocean\n", "  - vendor: okta\n")
    result = CliRunner().invoke(cli, ["-C", str(project), "check", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"version", "errors", "warnings", "findings"}
    assert report["errors"] == 1 and report["warnings"] == len(report["findings"]) - 1
    (error,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert error["rule"] == "vendor-unknown" and error["path"] == LINKRAPI
    assert set(error) == {"path", "line", "column", "severity", "rule", "message"}


def test_check_json_reports_facts_that_do_not_load(project, edit):
    edit(project / LINKRAPI, '  primary: "#3949ab"\n', '  primay: "#3949ab"\n')
    result = CliRunner().invoke(cli, ["-C", str(project), "check", "--format", "json"])
    assert result.exit_code == 1
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert {"fact-unknown", "fact-missing"} <= rules


def test_strict_fails_on_warnings_and_plain_check_does_not(project, edit):
    assert CliRunner().invoke(cli, ["-C", str(project), "check", "--strict"]).exit_code == 0  # all accepted
    edit(project / IDCLINKS, "    facts: [dates.effective]\n", "    facts: [scope]\n")  # the missing date is a gap again
    assert CliRunner().invoke(cli, ["-C", str(project), "check"]).exit_code == 0
    assert CliRunner().invoke(cli, ["-C", str(project), "check", "--strict"]).exit_code == 1


def test_list_rules_as_json(project):
    result = CliRunner().invoke(cli, ["-C", str(project), "check", "--list-rules", "--format", "json"])
    assert [r["id"] for r in json.loads(result.stdout)] == list(RULES)


def test_shared_facts_that_agree_pass_and_show(project, edit):
    for path in (LINKRAPI, IDCLINKS):
        edit(project / path, "theme:\n", "shared:\n  parent_company: Example Group Ltd\ntheme:\n")
    assert findings_of(project, "shared-fact-mismatch") == []
    edit(project / JOURNEYAPI, "theme:\n", "shared:\n  parent_company: Example Group Limited\ntheme:\n")
    found = findings_of(project, "shared-fact-mismatch")
    assert {f.path for f in found} == {LINKRAPI, IDCLINKS, JOURNEYAPI}
    assert any("Example Group Limited" in f.message and f.path == LINKRAPI for f in found)


def test_an_address_shows_on_its_page_as_the_link_it_becomes(project, edit):
    """The page links an address percent-encoded; page-fact-missing compares with that, not with the raw text.

    Found by the long escaping property run: a related policy's https address with a backtick and accents
    was accepted by the model, shown encoded, and then refused by check as missing from the page.
    """
    edit(project / JOURNEYAPI, "  - name: Takedown Policy\n",
         "  - name: Takedown Policy\n    url: https://example.com/`code`ë/take(down)\n")
    assert findings_of(project, "page-fact-missing") == []
    pages = render_project(load_project(project))["journeyapi"]
    assert "https://example.com/%60code%60%C3%AB/take%28down%29" in pages["privacy"]


# --- many brands: checked across processes --------------------------------------------------------------------

@pytest.mark.parametrize("broken", [False, True])
def test_brands_checked_across_processes_give_what_one_process_gives(tmp_path, monkeypatch, broken):
    """24 brands, so two workers get 12 each; with an error in one brand, the pages are not rendered at all."""
    project = copy_project(tmp_path / "many", extra_brands=21)
    shutil.rmtree(project / "schemas")  # a finding about every fact file
    path = project / "content/brands/linkr003.yaml"  # a finding about one brand's pages, or an error in its facts
    old, new = ("vendor: ", "vendor: x") if broken else ("  - our dashboard\n", "  - our dashboard, like JourneyAPI\n")
    assert old in path.read_text(encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    shares = []
    real = legalsite.checks.in_workers
    monkeypatch.setattr(legalsite.checks, "in_workers",
                        lambda task, given, **kw: shares.append([s for s, _ in given]) or real(task, given, **kw))
    alone = load_project(project, Cache(None))
    one = run_checks(alone, jobs=1)
    assert shares == []
    split = load_project(project, Cache(None))
    two = run_checks(split, jobs=2)
    assert two == one and sum(f.rule == "editor-schema" for f in one) == 25  # each brand, and the vendors
    assert {f.rule for f in one if "linkr003" in f.path} >= {"vendor-unknown" if broken else "page-foreign-fact"}
    if can_fork():  # the facts' rules across two workers, then the pages' rules (only if nothing stops rendering)
        assert [sorted(s for share in part for s in share) for part in shares] == [sorted(split.brands)] * (1 + (not broken))
        assert all(len(share) == 12 for part in shares for share in part)
    assert split.rendered == alone.rendered and len(split.rendered or {}) == (0 if broken else 24)


def test_check_jobs_from_the_command_line_prints_the_same_findings(tmp_path):
    project = copy_project(tmp_path / "many", extra_brands=21)
    shutil.rmtree(project / "schemas")  # a warning about every fact file
    outputs = [subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "check", "--jobs", jobs],
                              capture_output=True, text=True, env={**os.environ, "LEGALSITE_CACHE": "off"}, check=False)
               for jobs in ("1", "2")]
    assert [o.returncode for o in outputs] == [0, 0], outputs[1].stderr
    assert outputs[0].stdout == outputs[1].stdout and outputs[0].stdout.count("warning[editor-schema]") == 25
