"""The fact model and the project loader: every bad fact is one finding, at the place where it is written."""

from __future__ import annotations

import shutil

import pytest
from pydantic import BaseModel

from legalsite import model
from legalsite.errors import FactError, Finding
from legalsite.project import load_project

LINKRAPI = "content/brands/linkrapi.yaml"
IDCLINKS = "content/brands/idclinks.yaml"
VENDORS = "content/vendors.yaml"


def failures(root) -> list[Finding]:
    with pytest.raises(FactError) as info:
        load_project(root)
    return info.value.findings


def the_finding(root) -> Finding:
    """The one error; a brand that only lacks required facts also lists its gaps (warnings), as check does."""
    found = [f for f in failures(root) if f.is_error]
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def assert_at(finding: Finding, path: str, position: tuple[int, int], rule: str, *words: str) -> None:
    assert (finding.path, (finding.line, finding.column), finding.rule, finding.severity) == \
           (path, position, rule, "error"), str(finding)
    for word in words:
        assert word in finding.message, str(finding)


# --- the shipped facts ------------------------------------------------------------

def test_shipped_content_loads(project):
    loaded = load_project(project)
    assert list(loaded.brands) == ["idclinks", "journeyapi", "linkrapi"]
    assert loaded.brands["linkrapi"].name == "LinkrAPI"
    assert set(loaded.documents) == {"vendors", "idclinks", "journeyapi", "linkrapi"}
    assert all(not doc.problems for doc in loaded.documents.values())


def test_every_vendor_a_brand_names_exists(project):
    loaded = load_project(project)
    named = {(slug, use.vendor) for slug, brand in loaded.brands.items() for use in brand.sharing.vendors}
    named |= {(slug, vendor) for slug, brand in loaded.brands.items()
              for group in brand.sharing.groups for vendor in group.includes}
    named |= {(slug, vendor) for slug, brand in loaded.brands.items() for vendor in brand.sharing.also_named}
    named |= {(slug, who) for slug, brand in loaded.brands.items()
              for cookie in brand.cookies for who in (cookie.provider, cookie.managed_by) if who not in (None, slug)}
    assert named, "no brand names a vendor: this test would prove nothing"
    assert {(slug, vendor) for slug, vendor in named if vendor not in loaded.vendors} == set()


# --- one bad fact, one finding at its place ------------------------------------------

def test_unknown_key_suggests_the_near_miss(project, edit, where):
    text = edit(project / LINKRAPI, "    retention:\n      applies_to: API",
                "    retension:\n      applies_to: API")
    assert_at(the_finding(project), LINKRAPI, where(text, "retension:"), "fact-unknown",
              "'retension'", "did you mean 'retention'?")


def test_unknown_key_without_a_near_miss_lists_the_allowed_keys(project, edit, where):
    text = edit(project / LINKRAPI, "    purpose: authentication\n", "    purpose: authentication\n    zzz: 1\n")
    assert_at(the_finding(project), LINKRAPI, where(text, "zzz:"), "fact-unknown",
              "'zzz'", "category, consent_required, duration, managed_by, name, provider, purpose, storage")


def test_unknown_key_that_looks_like_an_index_is_reported_not_crashing(project, edit, where):
    text = edit(project / LINKRAPI, "contact:\n", "contact:\n  e[mail]: x\n")
    assert_at(the_finding(project), LINKRAPI, where(text, "e[mail]"), "fact-unknown", "'e[mail]'")
    edit(project / LINKRAPI, "  e[mail]: x\n", "")
    text = edit(project / LINKRAPI, "name: LinkrAPI\n", "name: LinkrAPI\nfoo[1]: x\n")
    assert_at(the_finding(project), LINKRAPI, where(text, "foo[1]"), "fact-unknown", "'foo[1]'")


def test_text_where_a_number_is_needed(project, edit, where):
    text = edit(project / LINKRAPI, "{amount: 90, unit: days}", "{amount: ninety, unit: days}")
    assert_at(the_finding(project), LINKRAPI, where(text, "ninety"), "fact-type",
              "whole number", "'ninety' is not",
              "the retention period of API usage logs (data_collected.api_logs.retention.period.amount)")


def test_zero_where_a_count_is_needed(project, edit, where):
    text = edit(project / LINKRAPI, "  minimum_age: 18", "  minimum_age: 0")
    assert_at(the_finding(project), LINKRAPI, where(text, "minimum_age: 0", len("minimum_age: ")), "fact-type",
              "more than 0")


# Each: one wrong value (file, text, replacement), where its finding must point (text and offset), the rule, and
# words the message must hold.
@pytest.mark.parametrize("path, old, new, at, rule, words", [
    (LINKRAPI, "name: LinkrAPI", "name: [Linkr, API]", ("[Linkr", 0), "fact-type", ["must be text", "found a list"]),
    (IDCLINKS, "last_updated: 2026-05-01", "last_updated: March 26", ("March 26", 0), "fact-type",
     ["YYYY-MM-DD", "'March 26' is not"]),
    (LINKRAPI, "    business_days: true", "    business_days: maybe", ("maybe", 0), "fact-type",
     ["true or false", "'maybe'"]),
    # a missing fact is reported where the group that lacks it is written: the theme's first remaining line
    (LINKRAPI, '  primary: "#3949ab"\n', "", ('accent: "#00838f"', 0), "fact-missing",
     ["main colour", "add 'primary:' here"]),
    (LINKRAPI, "category: essential", "category: necessary", ("category: necessary", 10), "fact-value",
     ["must be one of", "'essential'", "'necessary' is not"]),
], ids=["list", "date", "yes-no", "missing", "outside-list"])
def test_a_wrong_value_is_one_finding_where_it_is_written(project, edit, where, path, old, new, at, rule, words):
    text = edit(project / path, old, new)
    assert_at(the_finding(project), path, where(text, *at), rule, *words)


@pytest.mark.parametrize("typed", ["0", "1767225600", "2026-05-01T00:00:00", "2026-5-1"])
def test_a_date_must_be_written_yyyy_mm_dd(project, edit, where, typed):
    text = edit(project / IDCLINKS, "last_updated: 2026-05-01", f"last_updated: '{typed}'")
    assert_at(the_finding(project), IDCLINKS, where(text, f"'{typed}'"), "fact-type", "YYYY-MM-DD")


@pytest.mark.parametrize("typed", ["1_000", "+5", "90.0", "' 90'"])
def test_a_number_must_be_plain_digits(project, edit, where, typed):
    text = edit(project / LINKRAPI, "period: {amount: 90,", f"period: {{amount: {typed},")
    assert_at(the_finding(project), LINKRAPI, where(text, typed), "fact-type", "whole number")


def test_a_required_fact_left_empty_is_not_filled_in(project, edit, where):
    text = edit(project / LINKRAPI, "    - name: Access\n", "    - name:\n")
    finding = the_finding(project)
    assert finding.rule == "fact-missing" and "None" not in finding.message
    assert "is not filled in; write it after 'name:'" in finding.message
    assert (finding.path, finding.line) == (LINKRAPI, where(text, "- name:\n")[0])


def test_an_optional_fact_left_empty_is_not_given(project, edit):
    """An empty line means "not given yet": the same as leaving the line out, for a text, a list or a group."""
    from legalsite.project import load_project

    before = load_project(project).brands["linkrapi"]
    edit(project / LINKRAPI, "scope:\n", "retention_summary:\nintroduction:\ntransfers:\n  statements:\nscope:\n")
    after = load_project(project).brands["linkrapi"]
    assert after.introduction == [] and after.transfers is None and after.retention_summary is None
    assert before.scope == after.scope


@pytest.mark.parametrize("path, old, new, bad, words", [
    (LINKRAPI, "  email: contact@linkrapi.com", "  email: contact-at-linkrapi.com", "contact-at-linkrapi.com",
     ["is not an email address", "privacy@example.com"]),
    (LINKRAPI, "domain: linkrapi.com", "domain: https://linkrapi.com", "https://linkrapi.com",
     ["is not a domain name", "example.com"]),
    (LINKRAPI, "domain: linkrapi.com", "domain: Linkr API", "Linkr API", ["is not a domain name"]),
    # unquoted, '#3949ab' would be a comment; a colour name is refused with the quoted form to copy
    (LINKRAPI, 'primary: "#3949ab"', "primary: indigo", "indigo", ["is not a colour", '"#3949ab", in quotes']),
    (VENDORS, "privacy_policy: https://stripe.com/privacy", "privacy_policy: http://stripe.com/privacy",
     "http://stripe.com/privacy", ["is not an https:// or mailto: address"]),
], ids=["email", "domain-url", "domain-space", "colour", "url-http"])
def test_bad_email_domain_or_url(project, edit, where, path, old, new, bad, words):
    text = edit(project / path, old, new)
    assert_at(the_finding(project), path, where(text, bad), "fact-value", f"'{bad}'", *words)


def test_blank_text(project, edit, where):
    text = edit(project / LINKRAPI, "name: LinkrAPI", "name: ' '")
    assert_at(the_finding(project), LINKRAPI, where(text, "' '"), "fact-value", "blank")


def test_a_file_that_is_not_a_group_of_facts(project):
    (project / LINKRAPI).write_text("- just\n- a list\n", encoding="utf-8")
    assert_at(the_finding(project), LINKRAPI, (1, 1), "fact-type", "'name: value'")


# --- every problem in one run -------------------------------------------------------

def test_errors_in_several_files_are_all_reported_together(project, edit, where):
    linkr = edit(project / LINKRAPI, "{amount: 90, unit: days}", "{amount: ninety, unit: days}")
    idc = edit(project / IDCLINKS, "last_updated: 2026-05-01", "last_updated: March 26")
    vendors = edit(project / VENDORS, "privacy_policy: https://stripe.com/privacy",
                   "privacy_policy: http://stripe.com/privacy")
    linkr = edit(project / LINKRAPI, "category: essential", "category: necessary")
    found = failures(project)
    assert [(f.path, (f.line, f.column), f.rule) for f in found] == sorted([
        (IDCLINKS, where(idc, "March 26"), "fact-type"),
        (LINKRAPI, where(linkr, "ninety"), "fact-type"),
        (LINKRAPI, where(linkr, "category: necessary", 10), "fact-value"),
        (VENDORS, where(vendors, "http://stripe"), "fact-value"),
    ])


def test_yaml_problems_and_fact_errors_in_one_file_are_reported_together(project, edit, where):
    text = edit(project / LINKRAPI, "  minimum_age: 18\n", "  minimum_age: 18\n  minimum_age: 19\n")
    text = edit(project / LINKRAPI, "{amount: 90, unit: days}", "{amount: ninety, unit: days}")
    found = failures(project)
    assert [(f.path, (f.line, f.column), f.rule) for f in found] == [
        (LINKRAPI, where(text, "ninety"), "fact-type"),
        (LINKRAPI, where(text, "minimum_age: 19"), "yaml-duplicate-key"),
    ]


def test_a_file_that_is_not_yaml_does_not_hide_the_others(project, edit, where):
    (project / IDCLINKS).write_text("name: idclinks\n\tdomain: x\n", encoding="utf-8")
    text = edit(project / LINKRAPI, "category: essential", "category: necessary")
    found = failures(project)
    assert [(f.path, f.line, f.rule) for f in found] == [(IDCLINKS, 2, "yaml-syntax"),
                                                         (LINKRAPI, where(text, "category: necessary", 10)[0], "fact-value")]


def test_a_vendor_id_used_twice(project, edit, where):
    text = edit(project / VENDORS, "  - id: bltcy", "  - id: stripe")
    line, column = where(text, "id: stripe\n    name: BLTCY", len("id: "))
    assert_at(the_finding(project), VENDORS, (line, column), "vendor-duplicate", "'stripe'", "used twice")


# --- values arrive as typed ---------------------------------------------------------

def test_text_fields_keep_what_was_typed(project, edit):
    edit(project / LINKRAPI, "  - our dashboard", "  - 010")
    edit(project / LINKRAPI, "channels: [the contact form on our website]", "channels: [NO, '1:30', 2026-03-26]")
    brand = load_project(project).brands["linkrapi"]
    assert brand.scope == ["linkrapi.com", "our REST API", "010"]
    assert brand.contact.channels == ["NO", "1:30", "2026-03-26"]


def test_numbers_and_dates_are_converted_where_the_model_asks(project, edit):
    edit(project / LINKRAPI, "{amount: 90, unit: days}", "{amount: 090, unit: days}")
    edit(project / LINKRAPI, "name: LinkrAPI\n", "name: LinkrAPI\ndates:\n  last_updated: 2026-03-26\n")
    brand = load_project(project).brands["linkrapi"]
    category = next(c for c in brand.data_collected if c.id == "api_logs")
    assert category.retention.period.amount == 90
    assert str(brand.dates.last_updated) == "2026-03-26"


# --- the model documents itself -----------------------------------------------------

def _model_classes() -> list[type[BaseModel]]:
    return [obj for obj in vars(model).values()
            if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == model.__name__]


def test_every_field_of_every_model_has_a_description():
    classes = _model_classes()
    assert model.Brand in classes and model.Vendor in classes and len(classes) > 10
    undocumented = [f"{cls.__name__}.{name}" for cls in classes for name, info in cls.model_fields.items()
                    if not (info.description or "").strip()]
    assert undocumented == []
    assert sum(len(cls.model_fields) for cls in classes) > 50


def test_models_refuse_unknown_keys():
    refusing = [cls.__name__ for cls in _model_classes() if cls.model_config.get("extra") != "forbid"]
    assert refusing == []


# --- brand file names ------------------------------------------------------------

@pytest.mark.parametrize("name", ["Acme.yaml", "acme.yml", "acme_eu.yaml", "-acme.yaml"])
def test_a_badly_named_brand_file(project, name):
    shutil.copy(project / LINKRAPI, project / "content" / "brands" / name)
    assert_at(the_finding(project), f"content/brands/{name}", (1, 1), "brand-file-name", "<slug>.yaml", "rename")


def test_other_files_in_the_brands_folder_are_ignored(project):
    (project / "content" / "brands" / "README.md").write_text("notes\n", encoding="utf-8")
    assert list(load_project(project).brands) == ["idclinks", "journeyapi", "linkrapi"]


def test_a_well_named_new_brand_is_loaded(project):
    shutil.copy(project / LINKRAPI, project / "content" / "brands" / "acme-eu.yaml")
    assert "acme-eu" in load_project(project).brands


def test_a_reloaded_project_sees_an_edit_of_the_same_size(project, edit):
    """The preview keeps parsed files in memory; an edit that keeps the file's size must still be seen."""
    assert load_project(project).brands["linkrapi"].contact.email == "contact@linkrapi.com"
    edit(project / LINKRAPI, "email: contact@linkrapi.com", "email: contakt@linkrapi.com")
    assert load_project(project).brands["linkrapi"].contact.email == "contakt@linkrapi.com"


def test_an_unquoted_colour_is_explained_as_a_comment(project, edit, where):
    text = edit(project / LINKRAPI, '  primary: "#3949ab"', "  primary: #3949ab")
    finding = the_finding(project)
    assert (finding.path, finding.line, finding.rule) == (LINKRAPI, where(text, "primary: #")[0], "fact-type")
    assert "unquoted # starts a comment" in finding.message and 'primary: "#3949ab"' in finding.message
