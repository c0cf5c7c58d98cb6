"""``legalsite report``: each declared law's requirements with their status, as Markdown, JSON and HTML.

The shipped brands' facts and accepted gaps change as the policies are worked on, so no test here keeps a list
of their gaps: the statuses are compared with what ``checks.law.status`` and ``check`` say, and a test that needs
a given state writes the facts it needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from legalsite import __version__
from legalsite.checks import run_checks
from legalsite.checks.acceptances import covers
from legalsite.checks.dates import today
from legalsite.checks.law import LAWS, status
from legalsite.cli import cli
from legalsite.load import load_bytes
from legalsite.project import load_project

EPOCH = "1774483200"  # 2026-03-26
JOURNEYAPI = "content/brands/journeyapi.yaml"
PROVISION = "Art. 13(2)(e)"  # GDPR: whether giving personal data is a statutory or contractual requirement


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def run(project: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(project), "report", *args], catch_exceptions=False)


def report_json(project: Path, *brands: str) -> dict:
    result = run(project, "--format", "json", *brands)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def law_of(data: dict, slug: str, law_id: str) -> dict:
    brand = next(b for b in data["brands"] if b["slug"] == slug)
    return next(x for x in brand["laws"] if x["id"] == law_id)


def row(law: dict, article: str) -> dict:
    (found,) = [r for r in law["requirements"] if r["article"] == article]
    return found


def rewrite(path: Path, **facts) -> None:
    """Set top-level facts of a brand file (None removes one), every other fact kept exactly as it was typed.

    Read with legalsite's own loader, which keeps each scalar the string that was typed, and written back with
    PyYAML, which quotes any string that could read as something else: the brand's facts do not change.
    """
    data = dict(load_bytes(path.read_bytes(), path.name).data)
    for name, value in facts.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")


def acceptance(facts: list[str], until: str = "2099-12-31", rule: str = "law-gdpr", **extra) -> dict:
    return {"rule": rule, "facts": facts, "reason": extra.get("reason", "The policy is being redrafted."),
            "accepted_by": extra.get("accepted_by", "Jane Doe, DPO"), "until": until}


# --- the statuses ------------------------------------------------------------------------

def test_every_shipped_brand_has_the_statuses_the_law_rules_give(project):
    """For each brand and law: status() row by row, a gap 'accepted' exactly when check accepts its finding."""
    loaded = load_project(project)
    accepted: list = []
    kept = run_checks(load_project(project), accepted=accepted)
    data = report_json(project)
    assert [b["slug"] for b in data["brands"]] == list(loaded.brands)
    assert loaded.brands, "the project ships no brand"
    for slug, brand in loaded.brands.items():
        path = loaded.brand_path(slug)
        shown = next(b for b in data["brands"] if b["slug"] == slug)
        assert (shown["name"], shown["file"], shown["jurisdictions"]) == (brand.name, path, brand.jurisdictions)
        assert [x["id"] for x in shown["laws"]] == list(LAWS)
        for law in LAWS.values():
            got = law_of(data, slug, law.id)
            expected = status(law, brand)
            places = [p for p in brand.jurisdictions if p in law.regions]
            assert got["places"] == places
            assert got["standing"] == ("declared" if expected else "does not apply" if places else "not declared")
            assert len(got["requirements"]) == len(expected)
            for (requirement, state, names), r in zip(expected, got["requirements"], strict=True):
                assert (r["article"], r["what"], r["fact"], r["page"]) == (
                    requirement.article, requirement.what, requirement.fact, requirement.page)
                assert r["laws"] == list(dict.fromkeys(name for name, _ in names))
                in_force = [g for g in brand.accepted_gaps if g.rule == law.id and g.until >= today()
                            and any(covers(f, requirement.fact) for f in g.facts)]
                assert r["status"] == ("accepted" if state == "gap" and in_force else state), (slug, r)
                # the same verdict as check: a gap is reported, an accepted gap is in the accepted findings
                if state == "gap":
                    findings = accepted if in_force else kept
                    assert any(f.path == path and f.rule == law.id and f.fact == requirement.fact
                               and requirement.what in f.message for f in findings), (slug, r)
                if r["status"] == "accepted":
                    assert r["acceptance"]["reason"] in [g.reason for g in in_force]
                else:
                    assert r["acceptance"] is None or r["acceptance"]["expired"]
            assert got["summary"] == {s: sum(r["status"] == s for r in got["requirements"])
                                      for s in data["statuses"]}


def test_a_gap_turns_given_when_the_fact_is_added(project, edit):
    before = row(law_of(report_json(project, "journeyapi"), "journeyapi", "law-gdpr"), PROVISION)
    assert before["status"] in ("gap", "accepted"), "journeyapi states 'provision' now; pick another fact"
    edit(project / JOURNEYAPI, "\njurisdictions:", "\nprovision: You must give your email address to open an "
         "account; without it we cannot provide the service.\njurisdictions:")
    after = law_of(report_json(project, "journeyapi"), "journeyapi", "law-gdpr")
    assert row(after, PROVISION)["status"] == "given"
    assert row(after, PROVISION)["acceptance"] is None
    assert "| privacy | `provision` | given |" in run(project, "journeyapi").stdout


def test_an_accepted_gap_shows_its_reason_who_and_until_when(project):
    rewrite(project / JOURNEYAPI, provision=None, accepted_gaps=[
        acceptance(["provision"], reason="The order form states it; the policy will from Q3.",
                   accepted_by="Jane Doe, DPO")])
    got = row(law_of(report_json(project, "journeyapi"), "journeyapi", "law-gdpr"), PROVISION)
    assert got["status"] == "accepted"
    assert got["acceptance"] == {"fact": "provision", "reason": "The order form states it; the policy will from Q3.",
                                 "accepted_by": "Jane Doe, DPO", "until": "2099-12-31", "expired": False}
    markdown = run(project, "journeyapi").stdout
    assert "| privacy | `provision` | **accepted** (note 1) |" in markdown
    assert ("1. The order form states it; the policy will from Q3. Accepted by Jane Doe, DPO until 2099-12-31. "
            "Facts: `provision`.") in markdown
    page = run(project, "journeyapi", "--format", "html").stdout
    assert '<span class="status s-accepted">accepted</span>' in page
    assert "The order form states it; the policy will from Q3. Accepted by Jane Doe, DPO until 2099-12-31." in page


def test_an_acceptance_covers_the_facts_under_it_and_only_its_own_rule(project):
    rewrite(project / JOURNEYAPI, provision=None, rights={"items": [{"name": "Access"}]}, accepted_gaps=[
        acceptance(["rights"]), acceptance(["provision"], rule="fact-gap")])
    law = law_of(report_json(project, "journeyapi"), "journeyapi", "law-gdpr")
    erasure = next(r for r in law["requirements"] if r["what"] == "the right to erasure")
    assert (erasure["status"], erasure["acceptance"]["fact"]) == ("accepted", "rights")
    assert row(law, PROVISION)["status"] == "gap"  # accepted under another rule: not this law's finding


def test_an_expired_acceptance_leaves_the_gap_and_says_so(project):
    rewrite(project / JOURNEYAPI, provision=None, accepted_gaps=[acceptance(["provision"], until="2026-03-25")])
    got = row(law_of(report_json(project, "journeyapi"), "journeyapi", "law-gdpr"), PROVISION)
    assert got["status"] == "gap"
    assert got["acceptance"]["expired"] is True
    markdown = run(project, "journeyapi").stdout
    assert "| privacy | `provision` | **gap** (note 1) |" in markdown
    assert "1. No longer accepted: the acceptance by Jane Doe, DPO held until 2026-03-25." in markdown


def test_not_applicable_requirements_and_laws(project):
    # No legal basis relied on: neither the legitimate interests nor the withdrawal of consent arises.
    rewrite(project / JOURNEYAPI, jurisdictions=["EEA", "UK", "US"], legal_bases=None,
            children={"minimum_age": "16", "statement": "Our service is not directed to children under 16."})
    data = report_json(project, "journeyapi")
    gdpr = law_of(data, "journeyapi", "law-gdpr")
    assert row(gdpr, "Art. 13(1)(d)")["status"] == "not applicable"
    assert row(gdpr, "Art. 13(2)(c)")["status"] == "not applicable"
    assert gdpr["summary"]["not applicable"] >= 2
    coppa = law_of(data, "journeyapi", "law-coppa")
    assert (coppa["standing"], coppa["places"], coppa["requirements"]) == ("does not apply", ["US"], [])
    assert "under 13" in coppa["condition"]
    ccpa = law_of(data, "journeyapi", "law-ccpa")
    assert (ccpa["standing"], ccpa["places"]) == ("not declared", [])
    markdown = run(project, "journeyapi").stdout
    assert "| privacy | `legal_bases` | not applicable |" in markdown
    assert "- CCPA/CPRA: not declared (jurisdictions: EEA, UK, US). Official text: [CCPA/CPRA](<https://" in markdown
    assert "- COPPA: declared (US) but does not apply to this brand: COPPA reaches" in markdown
    assert ".. " not in markdown
    page = run(project, "journeyapi", "--format", "html").stdout
    assert '<span class="status s-na">not applicable</span>' in page
    assert "CCPA/CPRA: not declared (jurisdictions: EEA, UK, US)." in page


def test_a_brand_that_declares_no_place_has_no_requirements(project):
    rewrite(project / "content/brands/linkrapi.yaml", jurisdictions=[])
    data = report_json(project, "linkrapi")
    assert [(x["standing"], x["requirements"]) for x in data["brands"][0]["laws"]] == [("not declared", [])] * 3
    assert [t["law"] for t in law_of(data, "linkrapi", "law-gdpr")["texts"]] == ["GDPR", "UK GDPR"]
    markdown = run(project, "linkrapi").stdout
    assert "- GDPR (Art. 13 and 14): not declared (jurisdictions: none)." in markdown
    assert "| LinkrAPI | not declared | not declared | not declared |" in markdown


# --- the formats ----------------------------------------------------------------------

def test_json_is_stable_and_has_the_documented_shape(project):
    result = run(project, "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert result.stdout == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert set(data) == {"brands", "date", "legalsite", "statuses"}
    assert (data["date"], data["legalsite"]) == ("2026-03-26", __version__)
    assert data["statuses"] == ["given", "gap", "accepted", "not applicable"]
    for brand in data["brands"]:
        assert set(brand) == {"slug", "name", "file", "jurisdictions", "laws"}
        for law in brand["laws"]:
            assert set(law) == {"id", "title", "standing", "places", "condition", "texts", "summary", "requirements"}
            assert law["texts"] and all(set(t) == {"law", "url"} and t["url"].startswith("https://")
                                        for t in law["texts"])
            assert set(law["summary"]) == set(data["statuses"])
            assert sum(law["summary"].values()) == len(law["requirements"])
            for r in law["requirements"]:
                assert set(r) == {"laws", "article", "what", "page", "fact", "status", "acceptance"}
                assert r["status"] in data["statuses"]
                assert r["acceptance"] is None or set(r["acceptance"]) == {
                    "fact", "reason", "accepted_by", "until", "expired"}


VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "source", "area", "base", "col", "embed", "track"})


class Tags(HTMLParser):
    """Fails on a closing tag that closes nothing open; records every tag, attribute and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.seen: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    tags.close()
    assert tags.open == [], f"never closed: {tags.open}"
    return tags


def test_html_is_one_standalone_accessible_file(project):
    page = run(project, "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    tags = parse(page)
    names = [t for t, _ in tags.seen]
    assert names.count("title") == 1 and "Compliance report, 2026-03-26" in page
    assert not {"script", "link", "img", "iframe", "object", "embed", "base", "form"} & set(names)
    assert not any(name.startswith("on") for _, attrs in tags.seen for name in attrs)  # no event handlers
    assert all(not a.get("src") for _, a in tags.seen)
    assert all(a["href"].startswith(("#", "https://")) for t, a in tags.seen if t == "a")
    assert "url(" not in page and "@import" not in page  # the inline CSS loads nothing
    assert all(a.get("scope") in ("col", "row") for t, a in tags.seen if t == "th")
    assert names.count("table") == names.count("caption") == names.count("thead")
    assert ("meta", {"name": "color-scheme", "content": "light"}) in tags.seen
    text = " ".join(tags.text)
    assert f"legalsite {__version__}" in text
    data = report_json(project)
    for brand in data["brands"]:
        for law in brand["laws"]:
            for t in law["texts"]:
                assert ("a", {"href": t["url"]}) in tags.seen
    shown = [a["class"].split()[-1] for t, a in tags.seen if t == "span" and "status" in a.get("class", "")]
    counted = sum(sum(x["summary"].values()) for b in data["brands"] for x in b["laws"])
    assert len(shown) == counted + 4  # one per requirement, and the legend's four


HOSTILE = '<script>alert("x")</script> & <b>Co</b> | `x` *y* [z](https://evil.example) \u202egnp.exe'


def test_a_hostile_brand_name_is_shown_as_text(project):
    rewrite(project / JOURNEYAPI, name=HOSTILE, accepted_gaps=[acceptance(["provision"], reason=HOSTILE,
                                                                         accepted_by="</td></tr><tr><td>")])
    page = run(project, "journeyapi", "--format", "html").stdout
    assert "<script" not in page and "<b>" not in page and "</td></tr><tr><td>" not in page
    tags = parse(page)
    assert not {"script", "b"} & {t for t, _ in tags.seen}
    text = "".join(tags.text)
    assert '<script>alert("x")</script> & <b>Co</b>' in text  # every character shown, as text
    assert "\u202e" not in page and "\\u202egnp.exe" in text  # the override is shown, not obeyed
    assert "<title>Compliance report, 2026-03-26</title>" in page
    markdown = run(project, "journeyapi").stdout
    assert "<script>" not in markdown and "\u202e" not in markdown
    assert "[z](" not in markdown and "| `x`" not in markdown  # no link, no new cell, no code span
    assert r"\<script\>alert(" in markdown and r"\| \`x\` \*y\* \[z\]" in markdown
    assert json.loads(run(project, "journeyapi", "--format", "json").stdout)["brands"][0]["name"] == HOSTILE


def test_the_same_facts_and_date_give_the_same_bytes(project):
    for fmt in ("markdown", "json", "html"):
        first, second = run(project, "--format", fmt), run(project, "--format", fmt)
        assert first.exit_code == second.exit_code == 0
        assert first.stdout == second.stdout
        assert "2026-03-26" in first.stdout
    # and in a fresh process, as CI runs it: the same bytes
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    env.pop("GITHUB_ACTIONS", None)
    fresh = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "report", "--format", "html"],
                           capture_output=True, env=env, check=False)
    assert (fresh.returncode, fresh.stderr) == (0, b"")
    assert fresh.stdout == run(project, "--format", "html").stdout.encode("utf-8")
    later = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "report"], capture_output=True,
                           env={**env, "SOURCE_DATE_EPOCH": str(int(EPOCH) + 86400)}, check=False)
    assert later.returncode == 0 and b"- Date: 2026-03-27\n" in later.stdout


def test_named_brands_only_in_the_order_named(project):
    data = report_json(project, "journeyapi", "idclinks", "journeyapi")
    assert [b["slug"] for b in data["brands"]] == ["journeyapi", "idclinks"]


def test_an_unknown_brand_is_a_usage_error(project):
    result = run(project, "journeyapi", "nosuchbrand")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("no brand named 'nosuchbrand'; the brands are: idclinks, journeyapi, linkrapi.\n")


def test_facts_that_do_not_load_are_findings_and_no_report(project):
    path = project / "content/brands/linkrapi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "bogus_fact: 1\n", encoding="utf-8")
    result = run(project, "journeyapi")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert any(line.startswith("content/brands/linkrapi.yaml:") and "error[fact-unknown] 'bogus_fact'" in line
               for line in lines)
    assert lines[-1].startswith("1 error(s), 0 warning(s) in ") and lines[-1].endswith("no report until the facts load.")


def test_out_writes_the_file_and_never_a_folder(project, tmp_path):
    out = tmp_path / "report.html"
    out.write_text("an older report", encoding="utf-8")
    result = run(project, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out}.\n"
    assert out.read_text(encoding="utf-8") == run(project, "--format", "html").stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.html")] == []  # no temporary file
    folder = tmp_path / "a-folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("kept", encoding="utf-8")
    refused = run(project, "--out", str(folder))
    assert refused.exit_code == 2
    assert "is a directory" in refused.stderr
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_out_into_a_missing_folder_is_a_usage_error(project, tmp_path):
    result = run(project, "--out", str(tmp_path / "missing" / "report.md"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_the_test_rewrite_keeps_every_fact(project):
    """The tests' rewrite() changes nothing it is not asked to: the report is the same after a no-op rewrite."""
    before = run(project, "--format", "json").stdout
    for path in sorted((project / "content/brands").glob("*.yaml")):
        rewrite(path)
    assert run(project, "--format", "json").stdout == before
