"""What the law asks a policy to disclose (law packs), and the gaps a legal team accepts (accepted_gaps, --strict)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from legalsite.checks import run_checks
from legalsite.checks.law import LAWS, status
from legalsite.cli import cli
from legalsite.project import load_project

JOURNEYAPI = "content/brands/journeyapi.yaml"
IDCLINKS = "content/brands/idclinks.yaml"
REQUIREMENTS = [(law, r) for law in LAWS.values() for r in law.requirements]


def check(project, *args):
    return CliRunner().invoke(cli, ["-C", str(project), "check", *args])


def findings(project, rule=None):
    return [f for f in run_checks(load_project(project)) if rule is None or f.rule == rule]


def without_acceptances(project, edit, path=JOURNEYAPI):
    """The brand file with its accepted_gaps removed: every gap is reported again."""
    text = (project / path).read_text(encoding="utf-8")
    start = text.index("\n# Gaps the legal team accepts")
    end = text.index("\n# The history of policy changes")
    edit(project / path, text[start:end], "")


# --- every requirement names its article and its official text -------------------------------

@pytest.mark.parametrize(("law", "requirement"), REQUIREMENTS,
                         ids=[f"{law.id}-{r.article}-{r.fact}-{i}" for i, (law, r) in enumerate(REQUIREMENTS)])
def test_every_requirement_cites_its_article_and_a_fact(law, requirement):
    assert re.match(r"(Art\. \d+|§ 1798\.\d+|16 CFR 312\.\d+)", requirement.article), requirement.article
    assert requirement.what and requirement.fact and requirement.page in ("privacy", "cookies", "security")
    for name, url in law.regions.values():
        assert name and url.startswith("https://"), (law.id, name, url)


def test_each_law_is_a_rule_of_check():
    from legalsite.checks import RULES

    assert {law.id for law in LAWS.values()} <= set(RULES)


# --- GDPR on the shipped brands, without their acceptances ------------------------------------

def test_journeyapi_is_told_the_art_13_disclosures_its_facts_lack(project, edit):
    without_acceptances(project, edit)
    found = findings(project, "law-gdpr")
    brand = load_project(project).brands["journeyapi"]
    gaps = [r for r, state, _ in status(LAWS["law-gdpr"], brand) if state == "gap"]
    assert gaps, "JourneyAPI's seed names no controller and no legal basis: these must be gaps"
    assert {r.fact for r in gaps} >= {"controller", "legal_bases"}
    for requirement in gaps:  # one finding per gap, naming both laws, the article and the official texts
        [hit] = [f for f in found if f.path == JOURNEYAPI and requirement.what in f.message]
        assert "GDPR and UK GDPR" in hit.message and requirement.article in hit.message
        assert "https://eur-lex.europa.eu/" in hit.message and "https://www.legislation.gov.uk/" in hit.message
        assert hit.fact == requirement.fact


def test_a_disclosure_given_is_no_longer_a_gap(project, edit):
    without_acceptances(project, edit)
    before = [f for f in findings(project, "law-gdpr") if f.fact == "provision"]
    assert before
    edit(project / JOURNEYAPI, "\njurisdictions:", "\nprovision: You need to give an email address to open an "
         "account.\njurisdictions:")
    assert [f for f in findings(project, "law-gdpr") if f.fact == "provision"] == []
    page = __import__("legalsite.render", fromlist=["render_project"]).render_project(load_project(project))
    assert "You need to give an email address to open an account" in page["journeyapi"]["privacy"]


def test_legal_basis_must_cover_each_purpose_and_consent_brings_withdrawal(project, edit):
    without_acceptances(project, edit)
    edit(project / JOURNEYAPI, "\njurisdictions:", "\nlegal_bases:\n  - purpose: Comply with applicable legal "
         "obligations.\n    basis: legal obligation\njurisdictions:")
    assert any(f.fact == "legal_bases" for f in findings(project, "law-gdpr")), "six purposes have no basis"
    brand = load_project(project).brands["journeyapi"]
    withdraw = [s for r, s, _ in status(LAWS["law-gdpr"], brand) if "withdraw" in r.what]
    assert withdraw == ["not applicable"]  # no purpose relies on consent
    edit(project / JOURNEYAPI, "    basis: legal obligation\n", "    basis: consent\n")
    brand = load_project(project).brands["journeyapi"]
    assert [s for r, s, _ in status(LAWS["law-gdpr"], brand) if "withdraw" in r.what] == ["gap"]


def test_a_brand_that_declares_no_place_is_held_to_no_law(project):
    brand = load_project(project).brands["linkrapi"]
    assert brand.jurisdictions == [] and all(status(law, brand) == [] for law in LAWS.values())


def test_a_new_brand_declaring_the_eea_fails_strict_listing_the_art_13_items(project, edit):
    assert CliRunner().invoke(cli, ["-C", str(project), "new", "acme"]).exit_code == 0
    path = project / "content/brands/acme.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in (("name", "Acme"), ("  primary", '"#1e88e5"'), ("  accent", '"#d81b60"')):
        text = re.sub(rf"^{key}:[ ]*$", f"{key}: {value}", text, count=1, flags=re.MULTILINE)
    text = re.sub(r"^jurisdictions:.*$", "jurisdictions: [EEA]", text, count=1, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")
    result = check(project, "--strict")
    assert result.exit_code == 1
    listed = [line for line in result.output.splitlines() if "[law-gdpr]" in line and "acme.yaml" in line]
    assert any("Art. 13(1)(a)" in line for line in listed) and any("Art. 13(1)(c)" in line for line in listed)
    # A policy that meets none of the law's duties is an error, not a warning.
    assert all("error[law-gdpr]" in line for line in listed)


# --- CCPA/CPRA and COPPA --------------------------------------------------------------------

def test_declaring_california_asks_for_the_ccpa_disclosures(project, edit, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01: the policy's date is within 12 months
    edit(project / JOURNEYAPI, "jurisdictions: [EEA, UK]", "jurisdictions: [EEA, UK, California]")
    found = [f for f in findings(project, "law-ccpa") if f.path == JOURNEYAPI]
    facts = {f.fact for f in found}
    assert {"sale", "sensitive_data", "non_discrimination"} <= facts
    assert "dates.last_updated" not in facts  # 2026-03-26 is within the 12 months before 2026-12-01
    assert all("CCPA/CPRA §" in f.message and "leginfo.legislature.ca.gov" in f.message for f in found)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1830000000")  # 2027-12-28: more than a year since 2026-03-26
    assert "dates.last_updated" in {f.fact for f in findings(project, "law-ccpa")}


def test_selling_needs_an_opt_out(project, edit):
    edit(project / JOURNEYAPI, "jurisdictions: [EEA, UK]", "jurisdictions: [California]\nsale:\n  sells: false\n"
         "  shares: true")
    assert any(f.fact == "sale.opt_out" for f in findings(project, "law-ccpa"))
    edit(project / JOURNEYAPI, "  shares: true", "  shares: true\n  opt_out: Use the link Do Not Sell or Share.")
    assert not any(f.fact == "sale.opt_out" for f in findings(project, "law-ccpa"))


def test_coppa_applies_to_a_us_service_open_to_children_under_13(project, edit):
    edit(project / JOURNEYAPI, "jurisdictions: [EEA, UK]", "jurisdictions: [US]")
    assert findings(project, "law-coppa") == []  # not directed at children under 13
    edit(project / JOURNEYAPI, "  minimum_age: 13\n", "  minimum_age: 8\n")
    edit(project / JOURNEYAPI, "  local_minimum_age: 16\n", "")
    found = findings(project, "law-coppa")
    assert found and all("COPPA 16 CFR 312.4(d)" in f.message for f in found)


# --- accepted gaps and the publish gate --------------------------------------------------------

def test_the_shipped_content_passes_strict_only_with_its_acceptances(project, edit):
    assert check(project, "--strict").exit_code == 0
    without_acceptances(project, edit)
    result = check(project, "--strict")
    assert result.exit_code == 1
    assert "error[contact-none]" in result.output  # no way to reach JourneyAPI is an error unless accepted


def test_an_expired_acceptance_is_an_error_and_the_gap_counts_again(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")  # 2030: every shipped acceptance has ended
    result = check(project)
    assert result.exit_code == 1
    assert "error[accepted-gap-expired]" in result.output and "error[contact-none]" in result.output


def test_an_acceptance_covers_only_its_rule_and_facts(project, edit):
    edit(project / JOURNEYAPI, "    facts: [domain, dates.effective]\n", "    facts: [domain]\n")
    found = findings(project)
    assert any(f.rule == "fact-gap" and f.fact == "dates.effective" and f.path == JOURNEYAPI for f in found)
    assert not any(f.fact == "domain" for f in found)
    edit(project / JOURNEYAPI, "    facts: [domain]\n", "    facts: [domain, dates.effectiv]\n")
    [unused] = [f for f in findings(project) if f.rule == "accepted-gap-unused"]
    assert unused.path == JOURNEYAPI and "dates.effectiv" in unused.message


def test_check_says_how_many_gaps_are_accepted(project):
    result = check(project)
    assert re.search(r"0 error\(s\), 0 warning\(s\) in .*content \((\d+) accepted gap\(s\) not shown\)\.", result.output)
