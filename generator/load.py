"""YAML → plain data with positions.

The loader reads the event stream itself instead of using ``yaml.safe_load``:
- every scalar stays the string the legal team typed (``NO``, ``1:30``, ``010``);
  the fact model decides which ones are numbers or dates, and says so when they are not;
- duplicate keys, tags and merge keys are errors, not silent overrides;
- the depth and the expanded size are bounded before any value is built,
  so an alias bomb or ``[[[[...`` cannot exhaust memory or the stack;
- every value keeps its line and column, so later stages can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import FactError, Finding

# libyaml's parser where PyYAML was built with it: the same events and marks, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_VALUES = 100_000  # after expanding aliases

# Plain scalars that mean "nothing here"; every other scalar is kept as a string.
_NULLS = {"", "~", "null", "Null", "NULL"}
# The only explicit tag allowed: it asks for what the loader does anyway.
_ALLOWED_TAGS = {None, "!", "tag:yaml.org,2002:str"}

Loc = tuple  # a path into the data: ("data_collected", 2, "retention")


@dataclass(frozen=True)
class Mark:
    """1-based line and column."""

    line: int
    column: int


@dataclass
class Document:
    """A loaded YAML file: its data and where each value and key stands in it."""

    path: str  # as shown to the user, relative to the project
    data: Any
    values: dict[Loc, Mark] = field(default_factory=dict)
    keys: dict[Loc, Mark] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)  # errors that still left usable data
    lines: list[str] = field(default_factory=list, repr=False)  # the text as written, for messages that quote it

    def mark(self, loc: Loc, *, key: bool = False) -> Mark:
        """Where ``loc`` is written, or the nearest enclosing value that is."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self.keys[loc]
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, Mark(1, 1))

    def finding(self, loc: Loc, message: str, *, rule: str, severity: str = "error", key: bool = False) -> Finding:
        m = self.mark(loc, key=key)
        return Finding(self.path, m.line, m.column, severity, rule, message)


def _mark(event: yaml.Event) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column + 1)


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_mark", "loc", "mark", "size")

    def __init__(self, container, loc, mark, anchor):
        self.container = container
        self.loc = loc
        self.mark = mark
        self.key = None  # for mappings: the key whose value comes next
        self.key_mark = None
        self.size = 1
        self.anchor = anchor


class _Abort(Exception):
    """Stop reading this file: what follows cannot be trusted."""


def load_file(path: Path, shown_as: str, *, empty_ok: bool = False) -> Document:
    """Read one YAML file; raise FactError with every problem found in it.

    ``empty_ok``: a file holding no facts (only comments) reads as an empty group, not as a mistake.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FactError([Finding(shown_as, 1, 1, "error", "file-unreadable", f"cannot read this file: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise FactError([Finding(shown_as, 1, 1, "error", "file-too-large",
                                 f"this file is {len(raw):,} bytes; fact files may be at most {MAX_BYTES:,} bytes. "
                                 "Split it or remove what does not belong in it.")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FactError([Finding(shown_as, line, col, "error", "file-encoding",
                                 "this file is not UTF-8 text; save it with UTF-8 encoding.")]) from None
    return load_text(text, shown_as, empty_ok=empty_ok)


def _python_parser_error(text: str) -> yaml.MarkedYAMLError | None:
    """PyYAML's own parser's error for text libyaml refused: its messages are the ones explained to users."""
    try:
        for _event in yaml.parse(text, Loader=yaml.SafeLoader):
            pass
    except yaml.MarkedYAMLError as exc:
        return exc
    return None


def load_text(text: str, shown_as: str, *, empty_ok: bool = False) -> Document:
    """Parse YAML text into a Document; raise FactError listing every problem."""
    doc = Document(shown_as, None, lines=text.splitlines())
    problems: list[Finding] = []
    fatal = True

    def fail(mark: Mark, rule: str, message: str, *, fatal: bool = False):
        problems.append(Finding(shown_as, mark.line, mark.column, "error", rule, message))
        if fatal:
            raise _Abort

    try:
        _read_events(yaml.parse(text, Loader=_LOADER), doc, fail)
        fatal = False  # only duplicate keys or merge keys, if anything: the data is still whole
    except _Abort:
        pass
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_finding(shown_as, _python_parser_error(text) or exc))
    if not problems and doc.data is None and empty_ok:
        doc.data = {}
    if not problems and doc.data is None:
        problems.append(Finding(shown_as, 1, 1, "error", "file-empty",
                                "this file holds no facts; fill it in or delete it."))
    if problems and (fatal or doc.data is None):
        raise FactError(problems)
    doc.problems = problems
    return doc


def _read_events(events, doc: Document, fail) -> None:
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    total = 0
    documents = 0

    def place(value, mark: Mark, size: int, anchor: str | None, new: int | None = None) -> None:
        """Put a finished value into its parent (or make it the root)."""
        nonlocal total
        total += size if new is None else new  # ``new``: how many of the ``size`` values are not counted yet
        if total > MAX_VALUES:
            fail(mark, "yaml-too-large",
                 f"this file expands to more than {MAX_VALUES:,} values (aliases that refer to aliases multiply quickly); "
                 "write the facts out plainly without '*' aliases.", fatal=True)
        if anchor is not None:
            anchors[anchor] = (value, size)
        if not stack:
            doc.data = value
            doc.values[()] = mark
            return
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.container, list):
            loc = parent.loc + (len(parent.container),)
            parent.container.append(value)
            doc.values[loc] = mark
            return
        if parent.key is None:  # this value is a key
            if not isinstance(value, str):
                fail(mark, "yaml-key", "a key must be a plain name such as 'retention', followed by a colon.", fatal=True)
            if value == "<<":
                fail(mark, "yaml-merge-key",
                     "merge keys ('<<') are not supported in fact files; write each fact out in full.")
            if value in parent.container:
                first = doc.keys[parent.loc + (value,)]
                fail(mark, "yaml-duplicate-key",
                     f"'{value}' is given twice in the same place (first on line {first.line}); "
                     "keep one and delete the other.")
                value = _Duplicate(value)
            parent.key, parent.key_mark = value, mark
            return
        key = parent.key
        parent.key = None
        if isinstance(key, _Duplicate):
            return
        loc = parent.loc + (key,)
        parent.container[key] = value
        doc.values[loc] = mark
        doc.keys[loc] = parent.key_mark

    def child_loc() -> Loc:
        if not stack:
            return ()
        parent = stack[-1]
        if isinstance(parent.container, list):
            return parent.loc + (len(parent.container),)
        if parent.key is None:
            return parent.loc + ("<key>",)
        if isinstance(parent.key, _Duplicate):  # read but dropped: its marks must not replace the kept value's
            return parent.loc + ("<duplicate>", str(parent.key))
        return parent.loc + (str(parent.key),)

    def check_tag(event) -> None:
        if getattr(event, "tag", None) not in _ALLOWED_TAGS:
            fail(_mark(event), "yaml-tag",
                 f"the tag '{str(event.tag).replace('tag:yaml.org,2002:', '!!')}' is not allowed in fact files; remove it and write the value as plain text.")

    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                fail(_mark(event), "yaml-documents",
                     "this file holds more than one YAML document ('---'); keep one document per file.", fatal=True)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                fail(_mark(event), "yaml-alias", f"the alias '*{event.anchor}' refers to no '&{event.anchor}' above it.",
                     fatal=True)
            value, size = anchors[event.anchor]
            place(value, _mark(event), size, None)
        elif isinstance(event, yaml.ScalarEvent):
            check_tag(event)
            plain = not event.style  # None from PyYAML's parser, "" from libyaml's
            value = None if plain and event.value in _NULLS and event.tag is None else event.value
            place(value, _mark(event), 1, event.anchor)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            check_tag(event)
            if len(stack) >= MAX_DEPTH:
                fail(_mark(event), "yaml-too-deep",
                     f"the facts here are nested more than {MAX_DEPTH} levels deep; fact files never need that many.",
                     fatal=True)
            if stack and isinstance(stack[-1].container, dict) and stack[-1].key is None:
                fail(_mark(event), "yaml-key", "a key must be a plain name such as 'retention', followed by a colon.",
                     fatal=True)
            container = {} if isinstance(event, yaml.MappingStartEvent) else []
            stack.append(_Frame(container, child_loc(), _mark(event), event.anchor))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            place(frame.container, frame.mark, frame.size, frame.anchor, new=1)  # its contents are counted


class _Duplicate(str):
    """A key seen twice: its value is read (to keep going) and dropped."""


def _syntax_finding(path: str, exc: yaml.MarkedYAMLError) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "this is not valid YAML").strip()
    hint = "Check the indentation and quoting on this line."
    if "quoted scalar" in (exc.context or "") and exc.context_mark:  # point at the quote, not at the end of the file
        mark = exc.context_mark
        hint = "The quote that starts here is never closed; end the text with the same quote mark."
    elif "\\t" in problem or "'\\t'" in problem or "tab" in problem:
        hint = "Indent with spaces, not tabs."
    elif "mapping values are not allowed" in problem:
        hint = "A value that contains ': ' must be put in quotes, for example title: \"Note: this\"."
    elif "could not find expected ':'" in problem:
        hint = "Each fact needs a colon after its name, for example retention: 90."
    elif "found character" in problem and "cannot start any token" in problem:
        hint = "Text that starts with a special character such as '@', '`' or '%' must be put in quotes."
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    return Finding(path, line, col, "error", "yaml-syntax", f"this is not valid YAML: {problem}. {hint}")
