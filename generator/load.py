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

import errno
import json
import os
import re
import stat
from collections.abc import Mapping
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
    source: str = field(default="", repr=False)  # a digest of the bytes it was read from (cache.digest)

    def mark(self, loc: Loc, *, key: bool = False) -> Mark:
        """Where ``loc`` is written, or the nearest enclosing value that is."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self.keys[loc]
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, Mark(1, 1))

    def finding(self, loc: Loc, message: str, *, rule: str, severity: str = "error", key: bool = False,
                fact: str = "") -> Finding:
        m = self.mark(loc, key=key)
        return Finding(self.path, m.line, m.column, severity, rule, message, fact)


def kept(doc: Document) -> dict:
    """What the cache keeps of a document that loaded without a problem: its data and where each part is."""
    # The marks as one string each: a thousand brands' files load without building their 600 small lists each;
    # they are unpacked only for a document a finding is about.
    return {"data": doc.data,
            "values": json.dumps([[*loc, m.line, m.column] for loc, m in doc.values.items()], ensure_ascii=False),
            "keys": json.dumps([[*loc, m.line, m.column] for loc, m in doc.keys.items()], ensure_ascii=False)}


def from_kept(raw: bytes, shown_as: str, entry: dict) -> Document:
    """The document ``kept`` made of these bytes, without parsing them again (``raw`` gives the quoted lines)."""
    if not isinstance(entry["values"], str) or not isinstance(entry["keys"], str):
        raise TypeError("not kept marks")
    text = raw.decode("utf-8").removeprefix("\ufeff")
    return Document(shown_as, entry["data"], _Marks(entry["values"]), _Marks(entry["keys"]),  # type: ignore[arg-type]
                    lines=split_lines(text))


class _Marks(Mapping):
    """Kept marks, unpacked on first use: most documents of an unchanged project are never asked where a fact is."""

    def __init__(self, rows: str):
        self._rows, self._marks = rows, None

    def _unpacked(self) -> dict[Loc, Mark]:
        if self._marks is None:
            try:
                self._marks = {tuple(row[:-2]): Mark(int(row[-2]), int(row[-1])) for row in json.loads(self._rows)}
            except (ValueError, TypeError, IndexError):
                self._marks = {}  # a damaged entry: findings fall back to the top of the file
        return self._marks

    def __getitem__(self, loc):
        return self._unpacked()[loc]

    def __iter__(self):
        return iter(self._unpacked())

    def __len__(self) -> int:
        return len(self._unpacked())


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
    return load_bytes(read_bounded(path, shown_as), shown_as, empty_ok=empty_ok)


def _refuse(shown_as: str, rule: str, message: str) -> FactError:
    return FactError([Finding(shown_as, 1, 1, "error", rule, message)])


def read_bounded(path: Path, shown_as: str, limit: int | None = None) -> bytes:
    """The bytes of an ordinary file of at most ``limit`` bytes; anything else is a FactError naming the file.

    The file's kind and size are checked before it is read: a named pipe would block forever, a device
    (a link to /dev/zero) never ends, and a folder cannot be read at all.
    """
    limit = MAX_BYTES if limit is None else limit
    try:
        info = os.stat(path)  # follows a symbolic link: what matters is what it points to
    except OSError as exc:
        raise _refuse(shown_as, "file-unreadable", f"cannot read this file: {_reason(exc)}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise _refuse(shown_as, "file-kind", "this is a folder, not a file; rename or move the folder.")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(shown_as, "file-kind", f"this is {_kind(info.st_mode)}, not an ordinary file; replace it with "
                      "a text file, or remove it.")
    if info.st_size > limit:
        raise _too_large(shown_as, info.st_size, limit)
    try:
        # O_NONBLOCK: if the file was swapped for a pipe since the stat, opening it still returns at once.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _refuse(shown_as, "file-unreadable", f"cannot read this file: {_reason(exc)}.") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _refuse(shown_as, "file-kind", "this is not an ordinary file; replace it with a text file.")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _refuse(shown_as, "file-unreadable", f"cannot read this file: {_reason(exc)}.") from None
    finally:
        os.close(fd)
    if size > limit:  # it grew after the stat
        raise _too_large(shown_as, size, limit)
    return b"".join(chunks)


def _too_large(shown_as: str, size: int, limit: int) -> FactError:
    return _refuse(shown_as, "file-too-large", f"this file is {size:,} bytes; it may be at most {limit:,} bytes. "
                   "Split it or remove what does not belong in it.")


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (ask whoever manages this folder to let you read it)"
    if exc.errno == errno.ENOENT:
        return "it does not exist (a link pointing to a missing file?)"
    if exc.errno == errno.ELOOP:
        return "it is a link that points back to itself"
    return (exc.strerror or str(exc)).lower()


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def load_bytes(raw: bytes, shown_as: str, *, empty_ok: bool = False) -> Document:
    """Decode a file's bytes (UTF-8, with or without a byte-order mark) and parse them."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FactError([Finding(shown_as, line, col, "error", "file-encoding",
                                 "this file is not UTF-8 text; save it with UTF-8 encoding.")]) from None
    return load_text(text, shown_as, empty_ok=empty_ok)


# The line breaks YAML counts (str.splitlines also splits on characters YAML keeps inside a line).
_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def split_lines(text: str) -> list[str]:
    """The text's lines as YAML counts them; most files break lines with \\n alone, split the quick way."""
    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        return _BREAKS.split(text)
    return text.split("\n")


def load_text(text: str, shown_as: str, *, empty_ok: bool = False) -> Document:
    """Parse YAML text into a Document; raise FactError listing every problem."""
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the text: lines and columns ignore it
    doc = Document(shown_as, None, lines=split_lines(text))
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
        finding = _syntax_finding(shown_as, exc, doc.lines)
        # text that ran on into the broken line is a symptom of the same mistake: report the mistake once
        problems[:] = [f for f in problems if f.rule != "yaml-indentation" or f.line < finding.line]
        problems.append(finding)
    except yaml.YAMLError as exc:  # ReaderError: a character no YAML file may hold
        problems.append(_reader_finding(shown_as, exc, text))
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
            if plain and event.end_mark.line > event.start_mark.line:
                _check_folded(event, doc, fail)
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


# --- syntax errors in a lawyer's words ------------------------------------------

_KEY = re.compile(r"( *)((?:- +)*)([^\s#:'\"\[\]{}][^:#]*?) *:(?=\s|$)")  # "  - name: x" → indent, dashes, key
_NO_SPACE = re.compile(r"( *(?:- +)*)([A-Za-z_][\w-]*):(?=[^\s:/\\])")  # "name:Acme"
_LOOKS_LIKE_KEY = re.compile(r"[A-Za-z_][\w -]*:(?:\s|$)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _meaningful(lines: list[str], before: int) -> int | None:
    """The nearest line above ``before`` that holds something other than a comment."""
    for i in range(min(before, len(lines)) - 1, -1, -1):
        body = lines[i].strip()
        if body and not body.startswith("#"):
            return i
    return None


def _item(line: str) -> tuple[int, str | None]:
    """Where a line's content starts after any '- ', and the key it names (if it is 'key: ...')."""
    found = _KEY.match(line)
    if found:
        return len(found.group(1)) + len(found.group(2)), found.group(3)
    body = line.lstrip(" ")
    while body.startswith("- "):
        body = body[1:].lstrip(" ")
    return len(line) - len(body), None


def _check_folded(event: yaml.ScalarEvent, doc: Document, fail) -> None:
    """Refuse plain text that ran on over a line that looks like a list item or a fact.

    "- linkrapi.com" followed by "   - our REST API" (one space too many) is read by YAML as the single
    text "linkrapi.com - our REST API": valid, but not what was meant.
    """
    start, end = event.start_mark.line, min(event.end_mark.line, len(doc.lines) - 1)
    for row in range(start + 1, end + 1):
        line = doc.lines[row]
        body = line.lstrip(" \t")
        item = body == "-" or body.startswith(("- ", "-\t"))
        if not item and not _LOOKS_LIKE_KEY.match(body):
            continue
        text = " ".join(event.value.split())
        first = doc.lines[start]
        if item:
            like = (f"start its '-' in the same column as the item on line {start + 1} ({_spaces(_indent(first))})"
                    if first.lstrip(" ").startswith("-") else "line its '-' up with the other items of its list")
            what, fix = "a list item of its own", f"If it is a list item, {like}"
        else:
            what, fix = "a fact of its own", "If it is a fact, line it up with the facts beside it"
        fail(Mark(row + 1, len(line) - len(body) + 1), "yaml-indentation",
             f"this line is indented so that YAML reads it as more of the text on line {start + 1} "
             f"('{_clip(text)}'), not as {what}. {fix}; if it belongs to that text, put the whole text in quotes.")
        return


def _spaces(n: int) -> str:
    return "1 space" if n == 1 else f"{n} spaces"


def _clip(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."


def _syntax_finding(path: str, exc: yaml.MarkedYAMLError, lines: list[str]) -> Finding:
    """A parser error, explained: where the mistake most likely is, and what to write instead."""

    def at(row: int, col: int, message: str, rule: str = "yaml-syntax") -> Finding:
        return Finding(path, row + 1, col + 1, "error", rule, f"this is not valid YAML: {message}")

    mark = exc.problem_mark or exc.context_mark
    row, col = (mark.line, mark.column) if mark else (0, 0)
    problem, context = (exc.problem or "").strip(), (exc.context or "").strip()
    above = _meaningful(lines, row)
    near = [r for r in (row, above) if r is not None and r < len(lines)]

    for r in near:  # a tab in the indentation: YAML indents with spaces only
        lead = lines[r][: len(lines[r]) - len(lines[r].lstrip(" \t"))]
        if "\t" in lead:
            return at(r, lead.index("\t"), f"line {r + 1} is indented with a tab. Indent with spaces, not tabs.")
    if "quoted scalar" in context and exc.context_mark:
        if "escape" in problem:
            return at(row, col, "a backslash (\\) inside double quotes starts a special character. Write \\\\ for "
                      "a backslash, or put the text in single quotes instead.")
        cm = exc.context_mark  # point at the quote, not at the end of the file
        return at(cm.line, cm.column, "the quote that starts here is never closed; end the text with the same "
                  "quote mark (a quote mark inside the text is written twice in single quotes: 'it''s').")
    if "flow" in context and exc.context_mark:
        cm = exc.context_mark
        opened = lines[cm.line][cm.column: cm.column + 1] if cm.line < len(lines) else "["
        closing = {"[": "]", "{": "}"}.get(opened, "]")
        return at(cm.line, cm.column, f"the '{opened}' here opens a list that is not closed with '{closing}' on the "
                  f"same line. Close it, or, if this is text that starts with '{opened}', put it in quotes.")
    first = min(near) if near else row
    for r in range(first, row + 1):  # "name:Acme": YAML needs a space after the colon
        found = _NO_SPACE.match(lines[r]) if r < len(lines) else None
        if found:
            key, rest = found.group(2), lines[r][found.end():].strip()
            return at(r, found.end(), f"'{key}:' needs a space after the colon: write '{key}: {_clip(rest)}'.")
    if "mapping values" in problem:
        return _colon_finding(at, lines, row, col, above)
    if "<document start>" in problem and above is not None and _item(lines[above])[1] is None \
            and not lines[above].lstrip(" ").startswith("-"):  # 'name Acme', a blank line, then the facts
        return _missing_colon(at, lines, above)
    if "could not find expected ':'" in problem and exc.context_mark:
        cm = exc.context_mark
        word = lines[cm.line][cm.column:].strip() if cm.line < len(lines) else ""
        return at(cm.line, cm.column, f"'{_clip(word, 40)}' has no colon after it. Each fact needs a colon after its "
                  f"name, for example retention: 90. If this line continues the text above, indent it further "
                  "than that fact's name, or put the text in quotes.")
    if "block end" in problem or "expected key" in problem or "'-' indicator" in problem:
        return _indent_finding(at, lines, row)
    if "cannot start any token" in problem or "scanning an alias" in context or "scanning an anchor" in context \
            or "scanning a tag" in context or "scanning a block scalar" in context:
        cm = mark if "cannot start any token" in problem else (exc.context_mark or mark)
        char = lines[cm.line][cm.column: cm.column + 1] if cm.line < len(lines) else ""
        return at(cm.line, cm.column, f"text that starts with '{char}' must be put in quotes, for example "
                  f"\"{_clip(lines[cm.line][cm.column:].strip(), 40) if cm.line < len(lines) else char}\" "
                  "(in YAML '@', '`', '%', '*', '&', '!', '|' and '>' at the start of a value are special).")
    return at(row, col, "this line cannot be read. Check that it is indented with spaces like the facts beside it, "
              "and put text that holds ': ' or ' #', or starts with a special character, in quotes.")


def _colon_finding(at, lines: list[str], row: int, col: int, above: int | None) -> Finding:
    """A ': ' where YAML does not expect one: inside a value, or on a line indented too far."""
    line = lines[row] if row < len(lines) else ""
    head = _KEY.match(line)
    if head and head.end() - 1 < col:  # "title: Note: this": the value holds ': '
        key, value = head.group(3), line[head.end():].strip()
        return at(row, col, f"the text after '{key}:' contains ': ', which YAML reads as the start of another fact. "
                  f"A value that contains ': ' must be put in quotes, for example {key}: \"{_clip(value)}\".")
    start, key = _item(line)
    if above is None:
        return at(row, start, "this line cannot be read; put text that holds ': ' in quotes.")
    prev_start, prev_key = _item(lines[above])
    if prev_key is None and start <= prev_start and lines[above].lstrip(" ").startswith("-"):
        return at(row, start, f"'{key or line.strip()}' starts in the same column as the text of the list item on "
                  f"line {above + 1}, so YAML reads it as more of that text instead of as a fact of its own. Indent "
                  "it like the fact that holds the list; or, if the item is a group of facts, write its first line "
                  "as a fact too ('- name: ...').")
    if prev_key is None and start <= prev_start:  # "name Acme" above: the colon is missing there, not here
        return _missing_colon(at, lines, above)
    beside = f"'{prev_key}'" if prev_key else "the line above"
    return at(row, start, f"'{key or line.strip()}' is indented {_spaces(start)}, more than {beside} on line "
              f"{above + 1} ({_spaces(prev_start)}), so YAML reads it as more of the text on line {above + 1} instead "
              f"of as a fact of its own. Indent it {_spaces(prev_start)} to put it beside {beside}; if it belongs to "
              "that text, put the whole text in quotes.")


def _missing_colon(at, lines: list[str], row: int) -> Finding:
    """'name Acme' on ``row``, read by YAML as text that the facts after it cannot follow."""
    start, _ = _item(lines[row])
    text = lines[row][start:].strip()
    name, _, rest = text.partition(" ")
    fix = f"write '{name}: {_clip(rest.strip())}'" if rest.strip() else f"write '{name}:' and its value"
    return at(row, start, f"'{_clip(text, 40)}' has no colon, so YAML reads it as text that the facts after it "
              f"cannot follow. Each fact needs a colon after its name: {fix}.")


def _indent_finding(at, lines: list[str], row: int) -> Finding:
    """A line whose indentation matches nothing above it: say which columns would."""
    line = lines[row] if row < len(lines) else ""
    ind = _indent(line)
    levels: list[tuple[int, int, str | None, bool]] = []  # (column, line, key, is a list item)
    limit, r = len(line) + 1 if line else 10**9, row
    while (r := _meaningful(lines, r)) is not None and limit > 0:
        text = lines[r]
        dash, (start, key) = _indent(text), _item(text)
        if dash < limit:
            if text.lstrip(" ").startswith("-"):
                levels.append((dash, r, None, True))
            if (start < limit and start != dash) or not text.lstrip(" ").startswith("-"):
                levels.append((start, r, key, False))
            limit = dash
    if line.lstrip(" ").startswith("-"):
        items = [lv for lv in levels if lv[3]]
        if not items:
            return at(row, ind, "a list item ('- ') cannot stand here, among facts written 'name: value'. Put it "
                      "under the fact it belongs to (such as 'scope:'), indented 2 spaces more than that fact's name.")
        col, r, _, _ = min(items, key=lambda lv: abs(lv[0] - ind))
        return at(row, ind, f"this list item is indented {_spaces(ind)}, but the item on line {r + 1} "
                  f"{_spaces(col)}; the '-' of every item of one list starts in the same column: indent it "
                  f"{_spaces(col)}.")
    _, key = _item(line)
    facts = [lv for lv in levels if not lv[3]]
    name = f"'{key}'" if key else "this line"
    if not facts:
        return at(row, ind, f"{name} is indented {_spaces(ind)}, which lines up with nothing above it; "
                  "indent it like the facts beside it.")
    options = [f"{_spaces(c)} to put it beside '{k or lines[r].strip()}' (line {r + 1})"
               for c, r, k, _ in sorted(facts, key=lambda lv: abs(lv[0] - ind))[:2]]
    return at(row, ind, f"{name} is indented {_spaces(ind)}, which lines up with no fact above it. Indent it "
              f"{' or '.join(options)}.")


def _reader_finding(path: str, exc: yaml.YAMLError, text: str) -> Finding:
    """A character no YAML file may hold (NUL, a control character), with where it is."""
    pos = min(max(getattr(exc, "position", 0) or 0, 0), len(text))
    before = _BREAKS.split(text[:pos])
    char = getattr(exc, "character", None)
    code = f"U+{char:04X}" if isinstance(char, int) else "an invisible control character"
    return Finding(path, len(before), len(before[-1]) + 1, "error", "file-character",
                   f"this file holds the control character {code} here, which a fact file may not contain; "
                   "delete it (retype the text around it if you cannot see it).")
