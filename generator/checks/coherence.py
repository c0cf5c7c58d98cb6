"""Coherence: a brand says each thing once, and a page's words find what they refer to on that page."""

from __future__ import annotations

import html
import re
import typing
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, WithJsonSchema

from ..errors import FactError, Finding
from ..load import Document
from ..model import Brand, Duration, name_fact
from ..project import Project, read_template, shown_template
from . import brands_of, rule
from .pages import _rendered, shown_facts

# --- words, sentences and claims ---------------------------------------------

_QUOTES = str.maketrans({c: '"' for c in "“”„‟″«»"} | {c: "'" for c in "‘’‚‛′`"})
_DASH = re.compile(r"\s*[-‐‑‒–—―]\s*")
# A full stop after these is not the end of a sentence.
_ABBREVIATIONS = {"e.g", "i.e", "etc", "inc", "ltd", "co", "corp", "llc", "vs", "approx", "cf", "al",
                  "mr", "mrs", "ms", "dr", "st", "u.s", "u.k", "e.u"}
_NUMBERED = {"no", "nos", "art", "sec", "para"}  # "No. 5", "Art. 6": abbreviations only before a number
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)")
_NEXT = re.compile(r"\s*(\S?)")


def normalise(text: str) -> str:
    """Text as compared: case folded, one kind of quote and dash, single spaces, no closing punctuation."""
    text = _DASH.sub("-", text.translate(_QUOTES).casefold())
    return " ".join(text.split()).rstrip(" .!?:;,")


def sentences(text: str) -> list[str]:
    """The sentences of a text, as written; "e.g.", "Stripe, Inc." and "cdn.linkrapi.com" end none."""
    found, start = [], 0
    for m in _END.finditer(text):
        # the word before the stop (from its last 20 characters: an abbreviation is short, and a long text stays fast)
        tail = text[max(start, m.start() - 20):m.start()].split()
        word = tail[-1].lstrip("(\"'“‘").casefold() if tail else ""
        following = _NEXT.match(text, m.end()).group(1)  # the first character after the stop, if any
        if m.group() == "." and (word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word)
                                 or (word in _NUMBERED and following.isdigit())):
            continue  # "e.g.", "Inc.", "No. 5" or an initial: the sentence goes on
        if following.islower():
            continue  # "approx. twice": a lower-case word goes on with the same sentence
        found.append(text[start:m.end()].strip())
        start = m.end()
    if text[start:].strip():
        found.append(text[start:].strip())
    return [s for s in found if s]


_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "thirty": 30, "sixty": 60, "ninety": 90}
_UNITS = r"(?:business[\s-]+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)|bits?|bytes?|[kmgt]b"
_NUMBER = r"\d+(?:[.,]\d+)?|" + "|".join(_NUMBERS)
# "90 days", "90-day", "24–48 hours", "256-bit", "seven years"; a dash or "to" joins a range.
_MEASURE = re.compile(rf"(?<![\w.,-])({_NUMBER})(?:\s*(?:[-–—]|to)\s*(\d+(?:[.,]\d+)?))?(?:\s+|\s*-\s*)({_UNITS})\b",
                      re.IGNORECASE)
_PERCENT = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*(?:%|percent\b|per\s+cent\b)", re.IGNORECASE)
# "AES-256", "AES 256", "TLS 1.2", "SHA256": a standard named with its number.
_STANDARD = re.compile(r"\b([A-Z]{2,6})[-\s]?(\d+(?:\.\d+)*)\b(?![-–—]?\s*(?:" + _UNITS + r")\b)")


def _number(word: str) -> str:
    return str(_NUMBERS.get(word.casefold(), word.replace(",", "")))


def claims(text: str) -> dict[str, str]:
    """The number-and-unit claims of a prose text: normalised claim ("90 day", "aes 256") → the words as written."""
    found: dict[str, str] = {}
    for m in _MEASURE.finditer(text):
        unit = " ".join(m.group(3).casefold().replace("-", " ").split()).removesuffix("s")  # "90 days" and "90-day" alike
        amount = _number(m.group(1)) + (f"-{_number(m.group(2))}" if m.group(2) else "")
        found.setdefault(f"{amount} {unit}", m.group(0))
    for m in _PERCENT.finditer(text):
        found.setdefault(f"{_number(m.group(1))} %", m.group(0))
    for m in _STANDARD.finditer(text):
        found.setdefault(f"{m.group(1).casefold()} {m.group(2)}", m.group(0))
    return found


# --- a brand's prose -----------------------------------------------------------

_LABELS = {"name", "term", "records", "duration", "logo"}  # names and labels, not statements
_HISTORY = {"changes", "theme"}  # a change's summary restates the policy on purpose; the theme is not legal text


def _is_prose(info) -> bool:
    """Free text a lawyer writes: not an id, address, colour or closed list of words, nor a reference."""
    if "ref" in (info.json_schema_extra or {}):
        return False
    metadata, text = list(info.metadata), False
    stack = [info.annotation]
    while stack:
        annotation = stack.pop()
        if annotation is str:
            text = True
        elif typing.get_origin(annotation) is typing.Literal:
            continue
        elif typing.get_origin(annotation) is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            metadata += extra
            stack.append(base)
        else:
            stack.extend(typing.get_args(annotation))
    return text and not any(isinstance(m, WithJsonSchema) for m in metadata)  # a patterned value: id, email, url


def prose(model: BaseModel, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(location, text) of every prose fact in a brand, through groups and lists; periods are structured, not prose."""
    for name, info in type(model).model_fields.items():
        if (not loc and name in _HISTORY) or name in _LABELS:
            continue
        value = getattr(model, name, None)
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            where = loc + ((name,) if index is None else (name, index))
            if isinstance(item, BaseModel) and not isinstance(item, Duration):
                yield from prose(item, where)
            elif isinstance(item, str) and _is_prose(info):
                yield where, item


def _place(doc: Document, brand: Brand, loc: tuple) -> str:
    """"the further statements of Discord tokens (data_collected.discord_tokens.details[1], line 31)"."""
    words = name_fact(loc[:-1] if isinstance(loc[-1], int) else loc, brand)[0]  # the list names its category
    return f"{words} ({_path(brand, loc)}, line {doc.mark(loc).line})"


def _path(brand: Brand, loc: tuple) -> str:
    return name_fact(loc, brand)[1]


_MIN_WORDS = 5  # shorter sentences ("Access." "We sell no data.") may recur for good reason


@rule("fact-duplicate", "warning",
      "A brand states each thing once: no sentence, and no number-and-unit claim, written in two places of its facts.")
def fact_duplicate(project: Project) -> Iterator[Finding]:
    # A fact written twice is changed in one place and not the other; the pages then contradict each other.
    for _slug, brand, doc in brands_of(project):
        facts = sorted(prose(brand), key=lambda f: (doc.mark(f[0]).line, doc.mark(f[0]).column))
        said: dict[str, tuple] = {}  # normalised sentence → where it is first written
        stated: dict[str, tuple] = {}  # normalised claim → where it is first written
        for loc, text in facts:
            repeats: set[tuple] = set()  # earlier facts this one repeats a sentence of: their claims go with it
            for sentence in dict.fromkeys(sentences(text)):
                key = normalise(sentence)
                if len(re.findall(r"\w+", key)) < _MIN_WORDS:
                    continue
                first = said.setdefault(key, loc)
                if first != loc:
                    repeats.add(first)
                    yield doc.finding(loc, f"{brand.name} says '{sentence}' twice: here ({_path(brand, loc)}) and in "
                                      f"{_place(doc, brand, first)}. Say it once: delete it here, or reword one of "
                                      "them to say something the other does not.",
                                      rule="fact-duplicate", severity="warning")
            for key, written in claims(text).items():
                first = stated.setdefault(key, loc)
                if first != loc and first not in repeats:
                    yield doc.finding(loc, f"{brand.name} states '{written}' here ({_path(brand, loc)}) and again in "
                                      f"{_place(doc, brand, first)}; a figure written twice can be changed in one "
                                      "place and not the other. State it once: delete it here, or point to the "
                                      "other statement without repeating the figure.",
                                      rule="fact-duplicate", severity="warning")


# --- vendors -------------------------------------------------------------------

# Words that add nothing to what a service is ("Used for payment processing" says "payment processing").
_FILLER = {"a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "by", "via", "with", "as", "our", "we", "us",
           "your", "its", "their", "this", "these", "is", "are", "be", "use", "used", "uses", "using", "provide",
           "provides", "provided", "provider", "service", "services", "handle", "handles", "handled", "it"}


def _words(text: str, *, filler: bool = True) -> set[str]:
    """The words of a text, plurals as singulars ("payments" is "payment"); without filler if asked."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in re.findall(r"[^\W_]+", text.casefold()) if filler or w not in _FILLER}


def repeats_service(purpose: str, service: str) -> bool:
    """Whether a purpose says nothing its vendor's service does not: the same words, or fewer, and filler."""
    return _words(purpose, filler=False) <= _words(service)


@rule("vendor-purpose-repeats", "warning", "A vendor's purpose for a brand says something its service does not already say.")
def vendor_purpose_repeats(project: Project) -> Iterator[Finding]:
    # The page prints both, side by side: "Stripe, Inc. (Payment processing): Payment processing."
    for _slug, brand, doc in brands_of(project):
        for i, use in enumerate(brand.sharing.vendors):
            vendor = project.vendors.get(use.vendor)  # an unknown id is vendor-unknown's to report
            purpose, service = getattr(use, "purpose", None), getattr(vendor, "service", None)
            if purpose and service and repeats_service(purpose, service):
                yield doc.finding(("sharing", "vendors", i, "purpose"),
                                  f"{brand.name}'s purpose for {vendor.name} repeats the vendor's service, so the page "
                                  f"would print it twice (\"{vendor.name} ({service}): {purpose}\"). Leave 'purpose' "
                                  f"out, or write what {brand.name} uses {vendor.name} for.",
                                  rule="vendor-purpose-repeats", severity="warning")


# --- pages: what a sentence refers to is on the page ----------------------------

_DATE_AT_TOP = re.compile(r"\bdate\s+(?:shown\s+|given\s+)?at\s+the\s+top\b"
                          r"|\blast[\s-]+(?:updated|revised)[\"'”’]?\s+date\b", re.IGNORECASE)
_LAST_UPDATED = re.compile(r"\blast[\s-]+(?:updated|revised)\b", re.IGNORECASE)
_THAT_DATE = re.compile(r"\bthat\s+date\b", re.IGNORECASE)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ANTECEDENT = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+"
                         rf"{_MONTH}\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\btakes?\s+effect\b|\beffective\b|\bdate\b",
                         re.IGNORECASE)
# "the following" announces a list, unless it is a time ("the following day").
_FOLLOWING = re.compile(r"\bthe\s+following\b(?!\s+(?:business\s+)?(?:day|week|month|year|hour|minute|morning|"
                        r"evening|night)s?\b)", re.IGNORECASE)
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s")
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\((?:<[^>]*>|[^)\s]*)\)")


def _plain(markdown: str) -> str:
    """A Markdown line as the words a reader sees, in their own case."""
    text = _ITEM.sub("", markdown)
    text = re.sub(r"^#+\s*", "", _LINK.sub(r"\1", text))
    text = re.sub(r"\{\s*#[^}]*\}\s*$", "", text)  # a heading's anchor
    text = re.sub(r"<[^>]+>", "", re.sub(r"(?<!\\)\*\*", "", text))
    return " ".join(html.unescape(re.sub(r"\\(.)", r"\1", text)).split())


def blocks(markdown: str) -> list[dict]:
    """The page as blocks a reader meets in order: headings, paragraphs, list items, table rows and the date line."""
    lines = markdown.splitlines()
    if lines and lines[0] == "---":  # front matter
        end = next((i for i, line in enumerate(lines[1:], 1) if line == "---"), 0)
        lines = lines[end + 1:]
    out: list[dict] = []
    current = None
    for line in lines:
        if not line.strip():
            current = None
            continue
        item = _ITEM.match(line)
        if re.match(r"#{1,6}\s", line):
            kind = "heading"
        elif line.lstrip().startswith("|"):
            kind = "row"
        elif line.lstrip().startswith('<p class="legal-dates"'):
            kind = "dates"
        elif item:
            kind = "item"
        elif current is not None and current["kind"] in ("paragraph", "item"):
            current["lines"].append(line)  # the same paragraph, or a list item's continuation
            continue
        else:
            kind = "paragraph"
        current = {"kind": kind, "lines": [line], "indent": len(item.group(1)) if item else 0}
        out.append(current)
        if kind in ("heading", "row", "dates"):
            current = None
    for block in out:
        raw = " ".join(block["lines"])
        block["raw"], block["text"] = raw, _plain(raw) if block["kind"] != "row" else ""
    return out


def _announces_list(block: dict, following: dict | None) -> bool:
    """Whether the block after an announcing sentence is a list (nested, where the sentence is itself an item)."""
    if following is None or following["kind"] not in ("item", "row"):
        return False
    return block["kind"] != "item" or (following["kind"] == "item" and following["indent"] > block["indent"])


def unshown_references(markdown: str) -> Iterator[tuple[str, str, str]]:
    """(kind, sentence, phrase) for each sentence of a page that refers to something the page does not show."""
    parts = blocks(markdown)
    dates = " ".join(b["raw"] for b in parts if b["kind"] == "dates")
    antecedent = False  # since the last heading: something "that date" can refer to
    for index, block in enumerate(parts):
        if block["kind"] == "heading":
            antecedent = bool(_ANTECEDENT.search(block["text"]) or "<time" in block["raw"])
            continue
        if block["kind"] in ("dates", "row"):
            antecedent = antecedent or "<time" in block["raw"] or bool(_ANTECEDENT.search(_plain(block["raw"])))
            continue
        said = sentences(block["text"])
        for number, sentence in enumerate(said):
            top = _DATE_AT_TOP.search(sentence)
            if top and not dates:
                yield "top", sentence, top.group()
            elif top and _LAST_UPDATED.search(top.group()) and "Last updated" not in dates:
                yield "top-updated", sentence, top.group()  # the date line gives only when the policy took effect
            that = _THAT_DATE.search(sentence)
            if that and not antecedent and not _ANTECEDENT.search(_THAT_DATE.sub(" ", sentence[:that.start()])):
                yield "that-date", sentence, that.group()
            antecedent = antecedent or bool(_ANTECEDENT.search(_THAT_DATE.sub(" ", sentence)))
            following = _FOLLOWING.search(sentence)
            last = number == len(said) - 1
            after = parts[index + 1] if index + 1 < len(parts) else None
            if sentence.endswith(":") and not (last and _announces_list(block, after)):
                yield "list", sentence, sentence
            elif following and not _announces_list(block, after):
                yield "list", sentence, following.group()
        antecedent = antecedent or "<time" in block["raw"]


def _template_line(paths: list[Path], sentence: str, phrase: str) -> tuple[Path, int]:
    """Where a template writes a sentence: the longest ending of it found on one line, Jinja tags set aside.

    The page's template is searched first, then the macros it imports; line 1 of the page's template if neither.
    """
    words = normalise(sentence).split()
    needles = [" ".join(words[i:]) for i in range(max(len(words) - 1, 1))] + [normalise(phrase)]
    sources = []
    for path in paths:
        try:
            sources.append((path, [normalise(re.sub(r"\{[{%#].*?[}%#]\}", " ", line))
                                   for line in read_template(path).splitlines()]))
        except FactError:
            continue  # template-literal-fact or the build reports a template that cannot be read
    for needle in needles:
        for path, texts in sources:
            for number, text in enumerate(texts, start=1):
                if needle and needle in text:
                    return path, number
    return paths[0], 1


_WHAT = {
    "top": "{the_page} {shows} no date: give dates.last_updated, or remove the sentence",
    "top-updated": "{the_page} {shows} no 'Last updated' date, only the date the policy took effect: give "
                   "dates.last_updated, or remove the sentence",
    "that-date": "nothing before it in its section gives a date for 'that date' to refer to: name the date (or the "
                 "event that fixes it) first, or reword the sentence",
    "list": "no list follows it on {the_page}: give the items it announces, or reword the sentence so it does not "
            "announce a list",
}


@rule("page-reference-unshown", "error",
      "A sentence that refers to something on the page (the date at the top, 'that date', 'the following' list) "
      "finds it there.", renders=True)
def page_reference_unshown(project: Project) -> Iterator[Finding]:
    # A reader told to look at the top of the page, or at "the following" list, must find it there.
    templates = project.templates()
    for slug, brand, doc, pages in _rendered(project):
        if isinstance(pages, FactError):
            continue  # reported once, by page-fact-missing
        facts = [(loc, page, normalise(words)) for loc, page, words in shown_facts(brand, slug, project.vendors)]
        found: dict[tuple, list[str]] = {}  # (where, kind, sentence) → the pages that say it
        for page, markdown in pages.items():
            for kind, sentence, phrase in unshown_references(markdown):
                key, part = normalise(sentence), normalise(phrase)
                # The fact whose words hold the sentence, or hold the phrase within it; this page's facts first.
                loc = next((loc for loc, p, words in sorted(facts, key=lambda f: f[1] != page)
                            if key in words or (words in key and part in words)), None)
                if loc is not None:
                    where = ("fact", loc)
                else:
                    paths = [templates[n] for n in (f"{page}.md.j2", "_macros.md.j2") if n in templates]
                    where = ("template", *(_template_line(paths, sentence, phrase) if paths else (None, 1)))
                found.setdefault((where, kind, sentence), []).append(page)
        for (where, kind, sentence), on in found.items():
            several = len(on) > 1
            what = _WHAT[kind].format(the_page="those pages" if several else "the page",
                                      shows="show" if several else "shows")
            said = f"{brand.name}'s {' and '.join(on)} page{'s say' if several else ' says'} '{sentence}' but {what}."
            if where[0] == "fact":
                yield doc.finding(where[1], said, rule="page-reference-unshown")
            else:
                shown = shown_template(where[1]) if where[1] else f"templates/{on[0]}.md.j2"
                yield Finding(shown, where[2], 1, "error", "page-reference-unshown",
                              f"{said[:-1]}; these words are the template's own, so change them there.")
