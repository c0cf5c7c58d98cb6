"""Coherence rules: a brand says each thing once, and a page's words find what they refer to on that page.

The breaking edits are made to a brand of the tests' own (Acme, with its own vendor), added to a copy of the
project, so they hold whatever the shipped brands say; the rules are run on that brand alone (its focus).
"""

from __future__ import annotations

import pytest

from legalsite.checks import RULES, run_checks
from legalsite.checks.coherence import claims, normalise, repeats_service, sentences, unshown_references
from legalsite.project import load_project

ACME = "content/brands/acme.yaml"
ACME_FACTS = """\
# yaml-language-server: $schema=../../schemas/brand.schema.json
name: Acme
domain: acme.example
theme:
  primary: "#3949ab"
  accent: "#00838f"
dates:
  last_updated: 2026-05-01
scope: [acme.example]
data_collection_note: We collect what we need to run the service.
data_collected:
  - id: account
    name: Account information
    items: [email address]
    details:
      - Passwords are hashed with bcrypt and never stored in plain text.
    retention:
      period: {amount: 30, unit: days}
sharing:
  vendors:
    - vendor: acmemail
      purpose: Sends password-reset and billing emails on our behalf.
      shares: [account]
security:
  measures:
    - Backups are encrypted and kept in a second region.
rights:
  preface: Depending on where you live, you may have the following rights.
  items:
    - name: Access
  response: {amount: 30, unit: days}
changes_policy:
  statements:
    - We may update this policy from time to time.
contact:
  email: privacy@acme.example
"""
ACME_VENDOR = "  - id: acmemail\n    name: Acme Mail Ltd\n    service: Transactional email delivery\n\n"
MEASURE = "    - Backups are encrypted and kept in a second region.\n"
DETAIL = "      - Passwords are hashed with bcrypt and never stored in plain text.\n"
STATEMENT = "    - We may update this policy from time to time.\n"


@pytest.fixture
def acme(project, edit):
    """The project with the brand Acme and its vendor added; returns the project's folder."""
    edit(project / "content/vendors.yaml", "vendors:\n", "vendors:\n" + ACME_VENDOR)
    (project / ACME).write_text(ACME_FACTS, encoding="utf-8")
    return project


def findings_of(project, rule_id):
    loaded = load_project(project)
    loaded.focus = ["acme"]
    return [f for f in run_checks(loaded) if f.rule == rule_id]


def test_acme_passes_every_coherence_rule(acme):
    for rule_id in ("fact-duplicate", "vendor-purpose-repeats", "page-reference-unshown"):
        assert findings_of(acme, rule_id) == [], rule_id


def test_the_rules_are_registered_in_order():
    ids = list(RULES)
    assert ids.index("page-foreign-fact") < ids.index("fact-duplicate") < ids.index("vendor-purpose-repeats") \
        < ids.index("page-reference-unshown") < ids.index("vendor-unknown")
    assert RULES["fact-duplicate"].severity == "warning" and not RULES["fact-duplicate"].renders
    assert RULES["vendor-purpose-repeats"].severity == "warning" and not RULES["vendor-purpose-repeats"].renders
    assert RULES["page-reference-unshown"].severity == "error" and RULES["page-reference-unshown"].renders


# --- normalisation ---------------------------------------------------------------

def test_normalise_unifies_case_quotes_dashes_spaces_and_the_closing_stop():
    assert normalise("The “Last  updated” date — at the top.") == normalise('the "last updated" date - at the top')
    assert normalise("24–48 hours") == normalise("24-48 hours") == normalise("24 - 48 hours")
    assert normalise("It’s kept.") == normalise("it's kept")


@pytest.mark.parametrize("text, expected", [
    ("Tokens are stored encrypted using AES-256 (Fernet) and are never stored in plain text.",
     ["Tokens are stored encrypted using AES-256 (Fernet) and are never stored in plain text."]),
    ("We keep identifiers, e.g. IP addresses, for 90 days. They are then purged.",
     ["We keep identifiers, e.g. IP addresses, for 90 days.", "They are then purged."]),
    ("Images are served from cdn.linkrapi.com (Cloudflare R2). Links never expire!",
     ["Images are served from cdn.linkrapi.com (Cloudflare R2).", "Links never expire!"]),
    ("Encrypted with AES-256 (Fernet). Decrypted only in memory.",
     ["Encrypted with AES-256 (Fernet).", "Decrypted only in memory."]),
    ('We said "no." Then we stopped', ['We said "no."', "Then we stopped"]),
])
def test_sentences_split_where_a_reader_would(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize("one, other", [
    ("kept for 90 days", "a 90-day window"),
    ("kept for 90 days", "kept for ninety days"),
    ("encrypted with AES-256", "encrypted with AES 256"),
    ("a 256-bit key", "256 bit keys"),
    ("within 24–48 hours", "within 24-48 hours"),
    ("for 7 years", "for seven years"),
    ("within 30 business days", "a 30-business-day period"),
])
def test_the_same_claim_written_two_ways_is_one_claim(one, other):
    assert set(claims(one)) == set(claims(other)) != set()


def test_claims_are_told_apart_and_only_numbers_with_units_count():
    assert set(claims("90 days")) != set(claims("90 hours"))
    assert set(claims("TLS 1.2")) != set(claims("TLS 1.3"))
    assert claims("Cloudflare R2 serves 3 regions and our API.") == {}
    assert claims("Tokens use AES-256 (Fernet).") == {"aes 256": "AES-256"}


def test_a_purpose_repeats_its_service_only_when_it_adds_nothing():
    service = "Payment processing and subscription management"
    assert repeats_service("Payment processing and subscription management.", service)
    assert repeats_service("Used for payment processing.", service)  # fewer words and filler
    assert repeats_service("payment-processing, and subscription management", service)
    assert repeats_service("This is their payment processing.", service)
    assert not repeats_service("Processes payments for JourneyAPI credits.", service)
    assert not repeats_service("Hosting infrastructure for our backend servers and database.",
                               "Hosting infrastructure provider")


# --- page references, on a page's Markdown -------------------------------------------

DATED = '# Policy\n\n<p class="legal-dates" markdown>Last updated: <time datetime="2026-05-01">May 1, 2026</time></p>\n\n'


def kinds(markdown: str) -> list[str]:
    return [kind for kind, _sentence, _phrase in unshown_references(markdown)]


def test_the_date_at_the_top_needs_a_date_line():
    said = "## Changes\n\nCheck the last-updated date at the top.\n"
    assert kinds("# Policy\n\n" + said) == ["top"]
    assert kinds(DATED + said) == []
    effective_only = '# Policy\n\n<p class="legal-dates" markdown>Effective: <time>May 1, 2026</time></p>\n\n'
    assert kinds(effective_only + "The ‘Last updated’ date shows the latest revision.\n") == ["top-updated"]


def test_that_date_needs_a_date_earlier_in_its_section():
    assert kinds("# P\n\n## Changes\n\nContinued use after that date is acceptance.\n") == ["that-date"]
    assert kinds("# P\n\n## Changes\n\nChanges take effect in 30 days. Use after that date is acceptance.\n") == []
    assert kinds("# P\n\n## Changes\n\nThis version is effective as of May 1, 2026.\n\nAfter that date, use it.\n") == []
    # a date in an earlier section is not what the sentence points to
    assert kinds(DATED + "## Changes\n\nContinued use after that date is acceptance.\n") == ["that-date"]


def test_an_announced_list_follows():
    assert kinds("# P\n\nWe share data with the following providers.\n\n- **Clerk**: sign-in.\n") == []
    assert kinds("# P\n\nThe policies:\n\n| Policy | Date |\n| --- | --- |\n") == []
    assert kinds("# P\n\nWe share data with the following providers.\n\n## Rights\n") == ["list"]
    assert kinds("# P\n\nWe use your data to:\n\nProvide the service.\n") == ["list"]
    assert kinds("# P\n\n- We apply the following controls.\n- Backups are encrypted.\n") == ["list"]
    assert kinds("# P\n\n- We apply the following controls:\n  - Backups are encrypted.\n") == []
    assert kinds("# P\n\nWe answer on the following business day.\n") == []  # a time, not a list


# --- fact-duplicate -------------------------------------------------------------------

def test_a_sentence_written_twice_is_reported_at_the_later_place(acme, edit, where):
    text = edit(acme / ACME, MEASURE, MEASURE + DETAIL.replace("      -", "    -"))
    (finding,) = findings_of(acme, "fact-duplicate")
    assert (finding.path, finding.line) == (ACME, where(text, MEASURE)[0] + 1)
    assert finding.severity == "warning"
    assert finding.message.startswith("Acme says 'Passwords are hashed with bcrypt and never stored in plain text.' "
                                      "twice: here (security.measures[2])")
    assert f"data_collected.account.details[1], line {where(text, DETAIL)[0]}" in finding.message


def test_a_claim_written_twice_is_reported_once_at_the_later_place(acme, edit, where):
    # LinkrAPI's seed: the same cipher stated in a category's details and again among the security measures.
    edit(acme / ACME, DETAIL, DETAIL + "      - Tokens are stored encrypted using AES-256 (Fernet) and are never "
         "stored in plain text.\n")
    text = edit(acme / ACME, MEASURE, MEASURE + "    - Discord tokens are encrypted with AES-256 (Fernet) before "
                "being written to the database.\n")
    (finding,) = findings_of(acme, "fact-duplicate")
    assert (finding.path, finding.line) == (ACME, where(text, "    - Discord tokens")[0])
    assert "states 'AES-256' here (security.measures[2])" in finding.message
    assert f"data_collected.account.details[2], line {where(text, '      - Tokens are')[0]}" in finding.message


def test_a_period_written_as_90_day_and_90_days_is_one_claim(acme, edit, where):
    text = edit(acme / ACME, DETAIL, DETAIL + "      - Audit trails are kept for a 90-day window.\n")
    text = edit(acme / ACME, STATEMENT, STATEMENT + "    - Old audit trails are deleted after 90 days.\n")
    (finding,) = findings_of(acme, "fact-duplicate")
    assert finding.line == where(text, "    - Old audit trails")[0] and "'90 days'" in finding.message


def test_periods_given_as_facts_short_sentences_and_change_history_are_not_repeats(acme, edit):
    # Acme keeps accounts 30 days and answers in 30 days (two structured periods); prose may name one of them.
    edit(acme / ACME, DETAIL, DETAIL + "      - We sell no data.\n      - Deleted accounts go after 30 days.\n")
    edit(acme / ACME, MEASURE, MEASURE + "    - We sell no data.\n")
    edit(acme / ACME, "contact:\n", "changes:\n  - date: 2026-05-01\n    summary: Passwords are hashed with bcrypt "
         "and never stored in plain text.\ncontact:\n")
    assert findings_of(acme, "fact-duplicate") == []


# --- vendor-purpose-repeats --------------------------------------------------------

@pytest.mark.parametrize("purpose", ["Transactional email delivery.", "Used for transactional email delivery",
                                     "Email delivery"])
def test_a_purpose_that_repeats_the_service_is_reported(acme, edit, where, purpose):
    text = edit(acme / ACME, "purpose: Sends password-reset and billing emails on our behalf.",
                f"purpose: {purpose}")
    (finding,) = findings_of(acme, "vendor-purpose-repeats")
    assert (finding.path, finding.line) == (ACME, where(text, purpose)[0])
    assert finding.message == (
        f"Acme's purpose for Acme Mail Ltd repeats the vendor's service, so the page would print it twice "
        f"(\"Acme Mail Ltd (Transactional email delivery): {purpose}\"). Leave 'purpose' out, or write what "
        "Acme uses Acme Mail Ltd for.")


def test_a_purpose_left_out_or_an_unknown_vendor_is_not_this_rules_concern(acme, edit):
    edit(acme / ACME, "      purpose: Sends password-reset and billing emails on our behalf.\n", "")
    assert findings_of(acme, "vendor-purpose-repeats") == []
    edit(acme / ACME, "vendor: acmemail", "vendor: acmemale")
    assert findings_of(acme, "vendor-purpose-repeats") == []  # vendor-unknown reports it


# --- page-reference-unshown ---------------------------------------------------------

LAST_UPDATED = 'The "Last updated" date at the top of this page reflects the most recent revision.'


def test_the_date_at_the_top_of_a_page_without_dates_is_reported_at_the_fact(acme, edit, where):
    edit(acme / ACME, "dates:\n  last_updated: 2026-05-01\n", "")
    text = edit(acme / ACME, STATEMENT, STATEMENT + f"    - '{LAST_UPDATED}'\n")
    (finding,) = findings_of(acme, "page-reference-unshown")
    assert (finding.path, finding.line, finding.severity) == (ACME, where(text, LAST_UPDATED)[0], "error")
    assert finding.message == (f"Acme's privacy page says '{LAST_UPDATED}' but the page shows no date: give "
                               "dates.last_updated, or remove the sentence.")


def test_the_date_at_the_top_is_there_when_the_brand_gives_it(acme, edit):
    edit(acme / ACME, STATEMENT, STATEMENT + f"    - '{LAST_UPDATED}'\n")
    assert findings_of(acme, "page-reference-unshown") == []


def test_the_date_at_the_top_in_a_template_is_reported_in_the_template(acme, edit, where):
    edit(acme / ACME, "dates:\n  last_updated: 2026-05-01\n", "")
    text = edit(acme / "templates/privacy.md.j2", "## Contact\n",
                "## Contact\n\nThe date at the top of this page says when it last changed.\n")
    found = findings_of(acme, "page-reference-unshown")
    assert [(f.path, f.line) for f in found] == [("templates/privacy.md.j2", where(text, "The date at the top")[0])]
    assert found[0].message.startswith("Acme's privacy page says 'The date at the top of this page says when it "
                                       "last changed.' but the page shows no date")


def test_that_date_without_a_date_before_it_is_reported(acme, edit, where):
    sentence = "Continued use after that date means you accept the changes."
    text = edit(acme / ACME, STATEMENT, STATEMENT + f"    - {sentence}\n")
    (finding,) = findings_of(acme, "page-reference-unshown")
    assert (finding.path, finding.line) == (ACME, where(text, sentence)[0])
    assert "'that date'" in finding.message and finding.message.startswith(f"Acme's privacy page says '{sentence}'")


def test_that_date_after_the_event_that_fixes_it_passes(acme, edit):
    edit(acme / ACME, STATEMENT, STATEMENT + "    - Changes take effect when posted; continued use after that "
         "date means you accept them.\n")
    assert findings_of(acme, "page-reference-unshown") == []


def test_the_following_with_no_list_after_it_is_reported(acme, edit, where):
    text = edit(acme / ACME, "data_collection_note: We collect what we need to run the service.",
                "data_collection_note: We collect the following information.")
    (finding,) = findings_of(acme, "page-reference-unshown")
    assert (finding.path, finding.line) == (ACME, where(text, "We collect the following")[0])
    assert "no list follows it" in finding.message


def test_a_list_item_that_announces_a_list_is_reported_on_every_page_it_shows_on_once(acme, edit, where):
    text = edit(acme / ACME, MEASURE, MEASURE + '    - "We also apply these controls:"\n')
    (finding,) = findings_of(acme, "page-reference-unshown")
    assert (finding.path, finding.line) == (ACME, where(text, "We also apply")[0])
    assert finding.message.startswith("Acme's privacy and security pages say 'We also apply these controls:' but "
                                      "no list follows it on those pages")
