"""Robustness: whatever is written into a fact file or mkdocs.yml, legalsite answers with findings, never a crash.

The two property tests write arbitrary values into every field of a one-brand project (the fields are found
by walking the fact models, so a new field is covered without editing this file) or into mkdocs.yml, then run
``legalsite check`` and, when it passes, ``legalsite build`` in-process. They assert: check exits 0, or 1 with
every error at file:line:col; never an internal error, an exception or a hang; and a project check accepts
builds. The CI profile (tests/conftest.py) runs a fixed set of examples in about a minute; for a deeper,
randomised search run

    HYPOTHESIS_PROFILE=long python -m pytest -p no:cacheprovider tests/test_robustness.py

The other tests pin single cases: indentation mistakes explained in words, the byte-order mark, special
files instead of fact files, and dates at the edges of the calendar.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import socket
import stat
import tempfile
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import sample_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legalsite.cli import cli
from legalsite.errors import FactError
from legalsite.load import MAX_BYTES, load_file, load_text
from legalsite.model import Brand, Duration, Vendor, model_of
from legalsite.schema import HEADERS

REPO = Path(__file__).resolve().parents[1]
FINDING = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning)\[[\w-]+\] \S")
SECONDS_PER_EXAMPLE = 30  # a generous bound: check takes well under a second, a build about 0.3 s

# A brand whose facts all hold together, so a single changed value reaches the checks, rendering and the build.
VENDORS = {"vendors": [{"id": "stripe", "name": "Stripe, Inc.", "service": "Payments",
                        "website": "https://stripe.com", "locations": ["United States"]}]}
BRAND = {
    "name": "Acme", "domain": "acme.com", "theme": {"primary": "#3949ab", "accent": "#00838f"},
    "dates": {"last_updated": "2020-01-01", "effective": "2020-01-01"},
    "scope": ["acme.com"],
    "definitions": [{"term": "Customers", "meaning": "people who buy from us"}],
    "data_collected": [{"id": "logs", "name": "Logs", "items": ["IP address"], "purposes": ["security"],
                        "retention": {"period": {"amount": "30", "unit": "days"}}}],
    "use": {"purposes": ["to run the service"]},
    "sharing": {"vendors": [{"vendor": "stripe", "purpose": "taking card payments for orders", "shares": ["logs"]}]},
    "contact": {"email": "privacy@acme.com"},
    "cookies": [{"name": "sid", "provider": "acme", "purpose": "keeping you signed in", "category": "essential",
                 "duration": "session"}],
    "security": {"measures": ["encryption"]},
    "rights": {"items": [{"name": "Access"}], "response": {"amount": "30", "unit": "days"}},
    "children": {"minimum_age": "16"},
    "changes_policy": {"material_notice": {"amount": "30", "unit": "days"}},
    "changes": [{"date": "2020-01-01", "summary": "First version.", "material": "true", "effective": "2020-03-01"}],
    "related_policies": [{"name": "Terms", "purpose": "the terms of service", "url": "https://acme.com/terms"}],
}


# --- the fields, found by walking the models -------------------------------------------------------------

def field_paths(model, prefix: tuple = ()) -> dict[tuple, Any]:
    """Every place a value can be written, with its type: each field, each list's first item, and the fields
    inside both."""
    paths = {}
    for name, info in model.model_fields.items():
        path, annotation = prefix + (name,), _bare(info.annotation)
        paths[path] = annotation
        item = _bare(typing.get_args(annotation)[0]) if typing.get_origin(annotation) is list else None
        if item is not None:
            paths[path + (0,)] = item
        inner = model_of(annotation)
        if inner is not None:
            paths |= field_paths(inner, path + (0,) if item is not None else path)
    return paths


def _bare(annotation: Any) -> Any:
    """``X`` from ``X | None`` and ``Annotated[X, ...]``."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif type(None) in typing.get_args(annotation) and typing.get_origin(annotation) is not typing.Literal:
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            return annotation


BRAND_PATHS = field_paths(Brand)
VENDOR_PATHS = {("vendors", 0) + p: a for p, a in field_paths(Vendor).items()}


def put(data: Any, path: tuple, value: Any) -> Any:
    """``data`` with ``value`` at ``path``, making the groups and lists on the way."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(data) if isinstance(data, list) else []
        if not items:
            items.append({} if rest else None)
        items[0] = put(items[0], rest, value)
        return items
    group = dict(data) if isinstance(data, dict) else {}
    group[head] = put(group.get(head), rest, value)
    return group


# --- arbitrary values ---------------------------------------------------------------------------------------

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # control characters and NUL included
words = st.sampled_from(["stripe", "logs", "acme", "privacy", "cookies", "security", "EEA", "UK", "US", "years",
                         "days", "hours", "analytics", "cookie", "local storage", "recipient", "true", "no", "~",
                         "#3949ab", "acme.com", "https://acme.com/x", "privacy@acme.com", "brands/logo.svg",
                         "data_collected.logs.retention", "sharing.vendors", "- item", "a: b", "'", '"', "\\",
                         "{{ brand.name }}", "<script>alert(1)</script>", "**bold**"]) | st.builds(lambda n: "x" * n, st.just(20_000))
dates = st.sampled_from(["0001-01-01", "9999-12-31", "2023-02-29", "2100-02-29", "2024-02-29", "0000-00-00",
                         "2026-13-01", "1970-01-01", "2020-01-01"]) | st.dates().map(str)
numbers = st.sampled_from([10**30, 10**9, -1, 0, 1, 13, 16, 2**63, -(2**63), "9" * 5000]) | st.integers() | \
    st.floats()
periods = st.fixed_dictionaries({"amount": numbers | st.sampled_from(["1e3", "1_000", "+5", "90.0", "ninety"]),
                                 "unit": st.sampled_from(["years", "months", "days", "hours", "weeks", ""])})
scalars = texts | words | dates | numbers | st.booleans() | st.none()
values = st.recursive(scalars | periods,
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts | words, inner, max_size=3),
                      max_leaves=8)


def plausible(annotation: Any) -> st.SearchStrategy:
    """Values of the field's own type, at its edges: these get past validation to the checks and the build."""
    annotation = _bare(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return st.sampled_from([str(a) for a in args])
    if origin is list:
        return st.lists(plausible(args[0]), max_size=3)
    if annotation is bool:
        return st.sampled_from(["true", "false"])
    if annotation is int:
        return st.sampled_from(["1", "13", "16", "30", "0", "999999999", str(10**30), "9" * 5000])
    if annotation is dt.date:
        return dates
    if annotation is Duration:
        return periods | st.fixed_dictionaries({"amount": st.sampled_from(["1", "30", str(10**9), str(10**30)]),
                                                "unit": st.sampled_from(["years", "days", "hours", "months"])})
    if model_of(annotation) is not None:
        return values
    return words | st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40) | texts


def edit_of(paths: dict[tuple, Any]) -> st.SearchStrategy:
    """(place, value): a value of the field's type, or anything at all."""
    return st.sampled_from(sorted(paths, key=str)).flatmap(
        lambda path: st.tuples(st.just(path), st.one_of(plausible(paths[path]), plausible(paths[path]), values)))


# --- running the CLI with a time bound ----------------------------------------------------------------------

@contextlib.contextmanager
def time_bound(seconds: int):
    """Fail an example that takes longer than ``seconds`` (a hang) instead of waiting forever."""

    def expired(signum, frame):
        raise TimeoutError(f"this example took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(root: Path, *args: str):
    # --debug: an internal error raises here, so hypothesis sees (and shrinks) the exception itself
    return CliRunner().invoke(cli, ["--debug", "-C", str(root), *args], catch_exceptions=False)


def assert_findings_only(result) -> None:
    """Exit 1 with every error a finding at file:line:col; no internal error, no traceback."""
    out = result.output
    assert "internal error" not in out and "Traceback" not in out, out
    assert result.exit_code == 1, out
    errors = [line for line in out.splitlines() if "error[" in line]
    assert errors, out
    for line in errors:
        assert FINDING.match(line), f"not a finding at file:line:col: {line!r}"


def check_then_build(root: Path) -> None:
    with time_bound(SECONDS_PER_EXAMPLE):
        checked = run(root, "check")
        if checked.exit_code != 0:
            assert_findings_only(checked)
            return
        built = run(root, "build", "--out", str(root / "site"))
    assert built.exit_code == 0, f"check passed but build failed:\n{built.output}"


def write_project(root: Path, brand: dict, vendors: dict, mkdocs: str | None = None) -> None:
    (root / "content" / "brands").mkdir(parents=True, exist_ok=True)
    dump = lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (root / "content" / "vendors.yaml").write_text(HEADERS["vendors"] + "\n" + dump(vendors), encoding="utf-8")
    (root / "content" / "brands" / "acme.yaml").write_text(HEADERS["brand"] + "\n" + dump(brand), encoding="utf-8")
    (root / "mkdocs.yml").write_text(mkdocs if mkdocs is not None else sample_settings(pdf=False),
                                     encoding="utf-8")


def test_the_base_project_builds(tmp_path):
    """The properties start from a project that passes: each example changes only what it writes."""
    write_project(tmp_path, BRAND, VENDORS)
    checked = run(tmp_path, "check")
    assert checked.exit_code == 0, checked.output
    assert run(tmp_path, "build", "--out", str(tmp_path / "site")).exit_code == 0


def test_every_field_is_reached():
    """The walk finds nested models, list items and the vendor's fields (not a hand-kept list)."""
    assert ("data_collected", 0, "retention", "period", "amount") in BRAND_PATHS
    assert ("changes", 0, "date") in BRAND_PATHS and ("vendors", 0, "website") in VENDOR_PATHS
    assert len(BRAND_PATHS) > 100 and BRAND_PATHS[("changes", 0, "date")] is dt.date


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(edits=st.lists(edit_of(BRAND_PATHS | VENDOR_PATHS), min_size=1, max_size=3),
       raw=st.one_of(st.none(), st.none(), st.none(), st.tuples(st.sampled_from(["name", "domain", "scope"]),
                                                                   words | texts)))
def test_any_value_in_any_fact_gives_findings_or_a_site(edits, raw):
    brand, vendors = BRAND, VENDORS
    for path, value in edits:
        if path[0] == "vendors":
            vendors = put(vendors, path, value)
        else:
            brand = put(brand, path, value)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, brand, vendors)
        if raw is not None:  # text typed straight into the file, unquoted: the YAML parser's mistakes too
            key, text = raw
            path = root / "content" / "brands" / "acme.yaml"
            lines = path.read_text("utf-8").splitlines()
            lines = [f"{key}: {text}" if line.startswith(f"{key}:") else line for line in lines]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        check_then_build(root)


SETTINGS = yaml.safe_load(sample_settings(pdf=False))  # each example that builds would start Chromium
SETTING_PATHS = [("theme",), ("theme", "name"), ("theme", "palette"), ("theme", "palette", 0),
                 ("theme", "palette", 0, "scheme"), ("theme", "features"), ("theme", "language"), ("theme", "font"),
                 ("theme", "logo"), ("markdown_extensions",), ("markdown_extensions", 0),
                 ("markdown_extensions", 3, "toc"), ("plugins",), ("plugins", 0), ("nav",), ("strict",), ("extra",),
                 ("extra", "consent"), ("extra_css",), ("use_directory_urls",), ("validation",),
                 ("validation", "links"), ("not_a_setting",), ("site_name",), ("copyright",), ("exclude_docs",),
                 ("not_in_nav",), ("hooks",), ("INHERIT",), ("docs_dir",), ("site_url",), ("repo_url",),
                 ("edit_uri",), ("watch",), ("extra_javascript",), ("draft_docs",)]
RAW_SETTINGS = ["theme: !!python/object/apply:os.system ['true']\n", "!!python/name:os.system\n",
                "theme: material\n", "\ufeffstrict: true\ntheme:\n  name: material\n", "", "# only a comment\n",
                "- a\n- b\n", "just text\n", "theme:\n  name: material\n  palette:\n    scheme: slate\n",
                "extra: " + "x" * (MAX_BYTES + 10) + "\n", "a: &a [*a]\n", "theme: {name: material\n"]


# A quarter of the profile's examples: each one validates MkDocs' settings, and most then build a site.
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          max_examples=max(10, settings.default.max_examples // 4))
@given(edits=st.lists(st.tuples(st.sampled_from(SETTING_PATHS), values), min_size=1, max_size=2),
       raw=st.none() | st.sampled_from(RAW_SETTINGS))
def test_any_value_in_mkdocs_yml_gives_findings_or_a_site(edits, raw):
    settings_ = SETTINGS
    for path, value in edits:
        settings_ = put(settings_, path, value)
    text = raw if raw is not None else yaml.safe_dump(settings_, allow_unicode=True, sort_keys=False)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, BRAND, VENDORS, mkdocs=text)
        check_then_build(root)


# --- YAML that does what it looks like: indentation mistakes in words ----------------------------------------

def _only(text: str):
    try:
        found = load_text(text, "x.yaml").problems
    except FactError as exc:
        found = exc.findings
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


@pytest.mark.parametrize("text, line, column, words", [
    # the case: one space too many folds a list item into the item above it
    ("scope:\n  - linkrapi.com\n   - our REST API\n  - our dashboard\n", 3, 4,
     ["more of the text on line 2", "'linkrapi.com - our REST API'", "same column", "2 spaces", "quotes"]),
    ("scope:\n- a\n  - b\n", 3, 3, ["more of the text on line 2", "list item", "quotes"]),
    # a key one space too far, and one too little
    ("theme:\n  primary: x\n   accent: y\n", 3, 4, ["'accent' is indented 3 spaces", "Indent it 2 spaces", "'primary'"]),
    ("theme:\n  primary: x\n accent: y\n", 3, 2, ["'accent' is indented 1 space,", "2 spaces", "'primary'", "0 spaces"]),
    ("data:\n  - id: a\n   name: b\n", 3, 4, ["'name' is indented 3 spaces", "4 spaces to put it beside 'id'"]),
    # a list item under a key, indented unlike the item above it
    ("name: x\nscope:\n   - a\n  - b\n", 4, 3, ["list item is indented 2 spaces", "line 3 3 spaces", "indent it 3"]),
    ("a: b\n- c\n", 2, 1, ["list item", "cannot stand here", "under the fact it belongs to"]),
    ("a:\n\tb: c\n", 2, 1, ["tab", "Indent with spaces, not tabs."]),
    ("name:Acme\ndomain: x\n", 1, 6, ["needs a space after the colon", "'name: Acme'"]),
    ('a: ok\nb: "open\nc: d\n', 2, 4, ["quote", "never closed"]),
    ("title: Note: this\n", 1, 12, ["contains ': '", 'title: "Note: this"']),
    ("theme:\n  primary: x\n  accent\n", 3, 3, ["'accent' has no colon", "accent"]),
    # the colon missing on the line above the one YAML stops at
    ("# Acme\nname Acme Ltd\ndomain: x\n", 2, 1, ["'name Acme Ltd' has no colon", "write 'name: Acme Ltd'"]),
    ("theme:\n  primary x\n  accent: y\n", 2, 3, ["'primary x' has no colon", "write 'primary: x'"]),
    ("name Acme\n\n# The domain.\ndomain:\n", 1, 1, ["'name Acme' has no colon", "write 'name: Acme'"]),
    ("scope:\n  - our dashboard\n    name: x\n", 3, 5, [("'name' starts in the same column as the text of the "
                                                       "list item on line 2"), "'- name: ...'"]),
    ("a: [b, c\nd: e\n", 1, 4, ["'['", "not closed with ']'"]),
    ("name: ok\nb: a\x00b\n", 2, 5, ["control character U+0000", "delete it"]),
])
def test_common_yaml_mistakes_are_explained_in_words(text, line, column, words):
    finding = _only(text)
    assert (finding.line, finding.column) == (line, column), str(finding)
    for word in words:
        assert word in finding.message, str(finding)
    for jargon in ("<block end>", "block mapping", "block sequence", "expected key", "'?'", "scanning"):
        assert jargon not in finding.message, str(finding)


def test_a_folded_list_item_fails_check_at_its_line(tmp_path):
    write_project(tmp_path, BRAND, VENDORS)
    path = tmp_path / "content" / "brands" / "acme.yaml"
    text = path.read_text("utf-8").replace("scope:\n- acme.com\n", "scope:\n- acme.com\n - our REST API\n")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(" - our REST API") + 1
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert f"content/brands/acme.yaml:{line}:2: error[yaml-indentation]" in result.output


# --- the byte-order mark ----------------------------------------------------------------------------------

def test_a_byte_order_mark_is_as_if_absent(tmp_path):
    write_project(tmp_path, BRAND, VENDORS)
    assert run(tmp_path, "schema").exit_code == 0
    for path in (tmp_path / "content" / "brands" / "acme.yaml", tmp_path / "content" / "vendors.yaml",
                 tmp_path / "mkdocs.yml"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = run(tmp_path, "check")
    assert result.exit_code == 0, result.output
    assert "editor-schema" not in result.output, result.output
    with pytest.raises(FactError) as caught:  # columns on line 1 count from after the mark
        load_text("\ufeffname: [x\n", "x.yaml")
    assert (caught.value.findings[0].line, caught.value.findings[0].column) == (1, 7)
    assert load_text("\ufeffname: x\n", "x.yaml").mark(("name",)).column == 7


# --- files that are not files -----------------------------------------------------------------------------

def _special(kind: str, path: Path, tmp: Path) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    elif kind == "folder":
        path.mkdir()
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "outside":
        (tmp / "elsewhere.yaml").write_text("name: x\n", encoding="utf-8")
        path.symlink_to(tmp / "elsewhere.yaml")
    elif kind == "broken-link":
        path.symlink_to(tmp / "missing.yaml")
    elif kind == "huge":
        with open(path, "wb") as handle:
            handle.truncate(50 * MAX_BYTES)  # sparse: huge, but costs no disk
    elif kind == "unreadable":
        path.write_text("name: x\n", encoding="utf-8")
        path.chmod(0)


KINDS = {"fifo": "named pipe", "socket": "socket", "folder": "folder", "dev-zero": ("device", "outside the project"),
         "outside": "outside the project", "broken-link": "link", "huge": "at most", "unreadable": "permission"}


# mkdocs.yml is settings, not facts: a shared one may live elsewhere, so a link outside the project is fine.
SPECIAL = [(kind, name) for name in ("content/brands/acme.yaml", "content/vendors.yaml", "mkdocs.yml")
           for kind in KINDS if (kind, name) != ("outside", "mkdocs.yml")]


@pytest.mark.parametrize("kind, name", SPECIAL)
def test_a_special_file_is_a_finding_not_a_hang(tmp_path, monkeypatch, kind, name):
    project = tmp_path / "p"
    project.mkdir()
    write_project(project, BRAND, VENDORS)
    _special(kind, project / name, tmp_path)
    if kind == "unreadable" and os.geteuid() == 0:  # root reads any file: the system refuses it instead
        refused = (project / name).resolve()
        real_open = os.open

        def deny(path, *args, **kwargs):
            if Path(path).resolve() == refused:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", deny)
    with time_bound(20):
        result = CliRunner().invoke(cli, ["-C", str(project), "check"])
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    line = next(line for line in result.output.splitlines() if line.startswith(f"{name}:1:1: error["))
    words = KINDS[kind] if isinstance(KINDS[kind], tuple) else (KINDS[kind],)
    assert any(word in line for word in words), line


def test_load_file_refuses_special_files_before_reading(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    with time_bound(10), pytest.raises(FactError, match="named pipe"):
        load_file(tmp_path / "pipe.yaml", "pipe.yaml")
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.yaml").st_mode)


# --- dates and periods at the edges of the calendar -------------------------------------------------------

def _check_with(tmp_path, **changes) -> str:
    brand = BRAND
    for path, value in changes.items():
        brand = put(brand, tuple(int(p) if p.isdigit() else p for p in path.split("__")), value)
    write_project(tmp_path, brand, VENDORS)
    result = run(tmp_path, "check")
    assert "internal error" not in result.output, result.output
    return result.output


def test_a_notice_period_past_the_last_date_is_a_finding(tmp_path):
    out = _check_with(tmp_path, changes_policy__material_notice={"amount": "999", "unit": "years"},
                      changes__0__date="9999-12-01", changes__0__effective="9999-12-31",
                      dates__last_updated="9999-12-31", dates__effective="9999-12-31")
    assert "error[notice-period]" in out and "9999-12-31" in out and "no date the calendar holds" in out


@pytest.mark.parametrize("amount, unit", [(str(10**9), "years"), (str(10**30), "years"), ("9000000", "hours")])
def test_an_endless_period_is_a_finding(tmp_path, amount, unit):
    out = _check_with(tmp_path, changes_policy__material_notice={"amount": amount, "unit": unit})
    assert "error[fact-value]" in out and "more than 1,000 years" in out, out


@pytest.mark.parametrize("date, fine", [("2023-02-29", False), ("2100-02-29", False), ("2024-02-29", True),
                                        ("0001-01-01", True)])
def test_leap_days_and_the_first_date(tmp_path, date, fine):
    out = _check_with(tmp_path, changes__0__date=date)
    assert ("changes[1].date" in out or "changes.[1]" in out or "error[fact-type]" in out) != fine, out
