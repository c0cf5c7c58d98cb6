"""The YAML loader: strings stay strings, and every unsafe or ambiguous construct is a finding with a position."""

from __future__ import annotations

import pytest

from legalsite import load
from legalsite.errors import FactError, Finding
from legalsite.load import MAX_BYTES, MAX_DEPTH, MAX_VALUES, Mark, load_file, load_text


def findings(text: str) -> list[Finding]:
    """Every finding for ``text``: raised (fatal) or kept on the document (the data was still whole)."""
    try:
        return load_text(text, "x.yaml").problems
    except FactError as exc:
        return exc.findings


def only(text: str) -> Finding:
    found = findings(text)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def fatal(text: str) -> Finding:
    """The single finding of a file that cannot be used at all."""
    with pytest.raises(FactError) as info:
        load_text(text, "x.yaml")
    assert len(info.value.findings) == 1, info.value
    return info.value.findings[0]


def at(finding: Finding, line: int, column: int, rule: str, *words: str) -> None:
    assert (finding.path, finding.line, finding.column, finding.rule, finding.severity) == \
           ("x.yaml", line, column, rule, "error"), str(finding)
    for word in words:
        assert word in finding.message, str(finding)


# --- every scalar stays the text that was typed --------------------------------

@pytest.mark.parametrize("typed", ["NO", "no", "yes", "On", "true", "1:30", "010", "0x1F", "0o17", "1e3", "1_000",
                                   ".inf", "-.NaN", "2026-03-26", "2026-03-26T10:00:00Z", "12.50", "+5"])
def test_plain_scalars_stay_the_exact_string(typed):
    doc = load_text(f"value: {typed}\nlist: [{typed}]\nblock:\n  - {typed}\n", "x.yaml")
    assert doc.problems == []
    assert doc.data == {"value": typed, "list": [typed], "block": [typed]}
    assert type(doc.data["value"]) is str


@pytest.mark.parametrize("written, value", [("'NO'", "NO"), ('"010"', "010"), ("'1:30'", "1:30"), ('"yes"', "yes"),
                                            ("'~'", "~"), ('"null"', "null"), ("''", ""), ('"0x1F"', "0x1F"),
                                            ("!!str 3", "3"), ("! 2026-03-26", "2026-03-26")])
def test_quoted_scalars_stay_the_exact_string(written, value):
    doc = load_text(f"value: {written}\n", "x.yaml")
    assert doc.problems == []
    assert doc.data == {"value": value}
    assert type(doc.data["value"]) is str


def test_tilde_null_and_empty_are_none():
    doc = load_text("a: ~\nb:\nc: null\nd: NULL\nlist: [~, x]\n", "x.yaml")
    assert doc.data == {"a": None, "b": None, "c": None, "d": None, "list": [None, "x"]}


def test_every_value_and_key_keeps_its_position():
    doc = load_text("name: Acme\nitems:\n  - id: one\n    size: 010\n", "x.yaml")
    assert doc.mark(("name",)) == Mark(1, 7)
    assert doc.mark(("name",), key=True) == Mark(1, 1)
    assert doc.mark(("items", 0)) == Mark(3, 5)
    assert doc.mark(("items", 0, "size")) == Mark(4, 11)
    assert doc.mark(("items", 0, "size"), key=True) == Mark(4, 5)


# --- duplicate keys ----------------------------------------------------------

def test_duplicate_key_is_reported_at_the_second_key_and_names_the_first_line():
    doc = load_text("a: 1\nb: 2\na: 3\n", "x.yaml")
    [finding] = doc.problems
    at(finding, 3, 1, "yaml-duplicate-key", "'a'", "twice", "first on line 1")
    assert doc.data == {"a": "1", "b": "2"}  # the first stays; nothing is silently overridden


def test_nested_duplicate_key():
    at(only("outer:\n  inner:\n    keep: 1\n    other: 2\n    keep: 3\n"), 5, 5, "yaml-duplicate-key",
       "'keep'", "first on line 3")


def test_duplicates_in_two_mappings_are_both_reported_in_one_run():
    text = "x:\n  a: 1\n  a: 2\nitems:\n  - b: 1\n    c: 2\n    b: 3\n"
    found = findings(text)
    assert [(f.line, f.column, f.rule) for f in found] == [(3, 3, "yaml-duplicate-key"), (7, 5, "yaml-duplicate-key")]
    assert "first on line 2" in found[0].message and "first on line 5" in found[1].message


def test_a_dropped_duplicate_does_not_move_the_marks_of_the_kept_value():
    text = "rights:\n  response: {amount: ninety, unit: days}\n  response: {amount: 30, unit: days}\n"
    doc = load_text(text, "x.yaml")
    assert doc.data == {"rights": {"response": {"amount": "ninety", "unit": "days"}}}
    # a later error about the kept 'ninety' must point at line 2, where it is written
    assert doc.mark(("rights", "response", "amount")) == Mark(2, 22)
    assert doc.mark(("rights", "response", "amount"), key=True) == Mark(2, 14)


# --- tags --------------------------------------------------------------------

@pytest.mark.parametrize("text, tag", [('a: !!python/object/apply:os.system ["x"]\n', "!!python/object/apply:os.system"),
                                       ("a: !!int 3\n", "!!int"),
                                       ("a: !custom x\n", "!custom"),
                                       ("a: !!map {b: c}\n", "!!map")])
def test_tags_are_refused(text, tag):
    at(only(text), 1, 4, "yaml-tag", f"'{tag}'", "not allowed")


def test_a_python_tag_executes_nothing(tmp_path):
    target = tmp_path / "pwned"
    text = f'a: !!python/object/apply:os.system ["touch {target}"]\nb: !!python/object/new:pathlib.Path ["{target}"]\n'
    found = findings(text)
    assert [f.rule for f in found] == ["yaml-tag", "yaml-tag"]
    assert not target.exists()


def test_a_tagged_value_is_not_converted():
    doc = load_text("a: !!int 3\n", "x.yaml")
    assert doc.data == {"a": "3"} and type(doc.data["a"]) is str


# --- size and depth bounds -----------------------------------------------------

def _alias_bomb(levels: int) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_it_expands():
    # 9**30 values could never be built: the loader can only answer by counting, not expanding.
    # Line 5 (l4) holds about 66,000 values; the first '*l4' on line 6 passes the bound, and the loader stops
    # right there, at line 6 column 10, without reading the 24 lines that follow.
    at(fatal(_alias_bomb(30)), 6, 10, "yaml-too-large", f"{MAX_VALUES:,}", "alias")


def test_a_large_file_without_aliases_is_counted_once(monkeypatch):
    monkeypatch.setattr(load, "MAX_VALUES", 1_000)
    # 900 values nested 4 deep are about 900 values, not 900 per level of nesting
    text = "a:\n  b:\n    c:\n" + "      - x\n" * 900
    assert len(load_text(text, "x.yaml").data["a"]["b"]["c"]) == 900
    assert fatal("a:\n  b:\n    c:\n" + "      - x\n" * 1_000).rule == "yaml-too-large"


def test_small_alias_works():
    doc = load_text("a: &x [one, two]\nb: *x\n", "x.yaml")
    assert doc.problems == []
    assert doc.data == {"a": ["one", "two"], "b": ["one", "two"]}


def test_unknown_alias_is_reported():
    at(fatal("a: 1\nb: *nope\n"), 2, 4, "yaml-alias", "'*nope'")


def test_flow_nesting_beyond_max_depth_is_refused_without_recursion():
    text = "[" * 1000 + "]" * 1000
    at(fatal(text), 1, MAX_DEPTH + 1, "yaml-too-deep", f"{MAX_DEPTH} levels")


def test_block_nesting_beyond_max_depth_is_refused():
    text = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "x\n"
    finding = fatal(text)
    assert finding.rule == "yaml-too-deep"
    # the mapping that is one too deep starts at the key k{MAX_DEPTH}
    assert (finding.line, finding.column) == (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)


def test_nesting_at_max_depth_is_allowed():
    doc = load_text("[" * MAX_DEPTH + "x" + "]" * MAX_DEPTH, "x.yaml")
    depth, value = 0, doc.data
    while isinstance(value, list):
        depth, value = depth + 1, value[0]
    assert (depth, value) == (MAX_DEPTH, "x")


# --- syntax errors -------------------------------------------------------------

def test_tab_indentation():
    at(fatal("a:\n\tb: c\n"), 2, 1, "yaml-syntax", "not valid YAML", "Indent with spaces, not tabs.")


def test_colon_space_inside_a_value():
    at(fatal("title: ok\na: b: c\n"), 2, 5, "yaml-syntax", "contains ': '", "put in quotes")


def test_unclosed_quote_points_at_the_opening_quote():
    at(fatal('a: ok\nb: "open\nc: d\n'), 2, 4, "yaml-syntax", "quote", "never closed")
    at(fatal("a: 'open\n---\nb: c\n"), 1, 4, "yaml-syntax", "never closed")


def test_special_character_at_start_of_a_value():
    at(fatal("a: @handle\n"), 1, 4, "yaml-syntax", "'@'", "must be put in quotes")


def test_key_that_is_not_text():
    at(fatal("[a, b]: 1\n"), 1, 1, "yaml-key", "plain name")


# --- whole-file problems ---------------------------------------------------------

def test_more_than_one_document():
    at(fatal("a: 1\n---\nb: 2\n"), 2, 1, "yaml-documents", "more than one YAML document")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
def test_empty_file(text):
    at(fatal(text), 1, 1, "file-empty", "no facts")


def test_merge_key_is_refused():
    text = "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n"
    at(only(text), 3, 3, "yaml-merge-key", "'<<'", "not supported")


def test_non_utf8_file(tmp_path):
    path = tmp_path / "brand.yaml"
    path.write_bytes(b"name: ok\ncity: M" + b"\xfcnchen\n")  # Latin-1 'ü'
    with pytest.raises(FactError) as info:
        load_file(path, "content/brands/brand.yaml")
    [finding] = info.value.findings
    assert (finding.path, finding.line, finding.column, finding.rule) == ("content/brands/brand.yaml", 2, 8,
                                                                          "file-encoding")
    assert "UTF-8" in finding.message


def test_file_over_max_bytes(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: b\n" + b"#" * (MAX_BYTES - 5) + b"\n")
    assert path.stat().st_size == MAX_BYTES + 1
    with pytest.raises(FactError) as info:
        load_file(path, "big.yaml")
    [finding] = info.value.findings
    assert (finding.line, finding.column, finding.rule) == (1, 1, "file-too-large")
    assert f"{MAX_BYTES:,} bytes" in finding.message


def test_file_of_exactly_max_bytes_loads(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "MAX_BYTES", 100)  # the same comparison as at 1,000,000, without parsing a megabyte
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: b\n" + b"#" * 94 + b"\n")
    assert path.stat().st_size == 100
    assert load_file(path, "big.yaml").data == {"a": "b"}
    path.write_bytes(b"a: b\n" + b"#" * 95 + b"\n")
    with pytest.raises(FactError, match="file-too-large"):
        load_file(path, "big.yaml")


def test_missing_file(tmp_path):
    with pytest.raises(FactError) as info:
        load_file(tmp_path / "gone.yaml", "gone.yaml")
    assert [(f.path, f.rule) for f in info.value.findings] == [("gone.yaml", "file-unreadable")]


def test_load_file_reads_utf8(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("city: München\nzip: 010\n", encoding="utf-8")
    doc = load_file(path, "ok.yaml")
    assert (doc.path, doc.data) == ("ok.yaml", {"city": "München", "zip": "010"})


# --- Document.mark -------------------------------------------------------------

def test_mark_falls_back_to_the_nearest_parent():
    doc = load_text("top: 1\na:\n  b:\n    - c\n", "x.yaml")
    assert doc.mark(("a", "b", 0)) == Mark(4, 7)
    assert doc.mark(("a", "b", 5, "z")) == doc.mark(("a", "b")) == Mark(4, 5)
    assert doc.mark(("a", "missing")) == doc.mark(("a",)) == Mark(3, 3)
    assert doc.mark(("missing",)) == doc.mark(()) == Mark(1, 1)
    # a key that is not written falls back to where its parent's value is
    assert doc.mark(("a", "missing"), key=True) == Mark(3, 3)
    finding = doc.finding(("a", "b", 9), "gone", rule="demo")
    assert str(finding) == "x.yaml:4:5: error[demo] gone"


def test_limits_are_the_documented_ones():
    # the messages above quote these numbers; a change should be deliberate
    assert (load.MAX_BYTES, load.MAX_DEPTH, load.MAX_VALUES) == (1_000_000, 32, 100_000)
