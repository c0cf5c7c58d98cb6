"""Which facts changed between two revisions, brand by brand, in words a reviewer reads.

The facts are compared, not the YAML: a moved line or a new comment is no change, and a vendor
renamed in content/vendors.yaml is a change for every brand that names it. Two things a review
must catch are flagged: a change no new 'changes' entry records (its pages' "Last updated" would
not move), and a material change not announced with the brand's notice period.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

# the notice rule of 'legalsite check' (notice-period), so both name the same earliest date
from .checks.dates import _days as notice_days
from .errors import FactError, UsageError
from .history import unpack
from .model import (
    Brand,
    Change,
    Duration,
    Vendor,
    VendorRegistry,
    _item_key,
    fact_pages,
    item_label,
    model_of,
    name_fact,
)
from .project import Project, load_project
from .render import display, md_escape, pages_for

_SKIP = {(Brand, "changes"), (Brand, "theme")}  # the change log itself, and the look: no page states them
_NOUNS = {"VendorUse": "vendor", "VendorGroup": "group of providers"}  # a whole list item in words


def _in_days(period: Duration) -> float:
    return period.amount * {"hours": 1 / 24, "days": 1, "months": 30, "years": 365}[period.unit]


# When a change is material even if no 'changes' entry says so (the guide quotes this table).
# Each rule: what it is, the kind of entry, where (field names only; "[]" is one whole item of a
# list), and a test of the values before and after, or None.
MATERIAL_RULES: tuple[tuple[str, str, str, Callable[[Any, Any], bool] | None], ...] = (
    ("a vendor is added", "added", "sharing.vendors[]", None),
    ("a group of providers is added", "added", "sharing.groups[]", None),
    ("a vendor receives a further data category", "added", "sharing.vendors.shares", None),
    ("a group of providers receives a further data category", "added", "sharing.groups.shares", None),
    ("a data category is added", "added", "data_collected[]", None),
    ("a category collects further data", "added", "data_collected.items", None),
    ("a purpose is added", "added", "use.purposes", None),
    ("a category is used for a further purpose", "added", "data_collected.purposes", None),
    ("a retention period is made longer", "changed", "data_collected.retention.period",
     lambda old, new: _in_days(new) > _in_days(old)),
    ("a retention period is set where there was none", "added", "data_collected.retention.period", None),
    ("a retention period of the schedule is made longer", "changed", "retention_schedule.period",
     lambda old, new: _in_days(new) > _in_days(old)),
    ("a retention period of the schedule is set where there was none", "added", "retention_schedule.period", None),
    ("an analytics or advertising cookie is added", "added", "cookies[]",
     lambda old, new: new.category in ("analytics", "advertising")),
    ("a right is removed", "removed", "rights.items[]", None),
    ("the minimum age for children is lowered", "changed", "children.minimum_age", lambda old, new: new < old),
)


@dataclass(frozen=True)
class Entry:
    """One fact that differs between the two revisions."""

    slug: str
    kind: str  # "added", "removed" or "changed"
    path: str  # as 'changes' names facts: "data_collected.api_logs.retention.period"; "" for a whole brand
    words: str  # "the retention period of API usage logs"
    before: str  # as the pages show it; "" when there was none
    after: str
    pages: tuple[str, ...]
    where: str = field(default="", repr=False)  # field names only, what MATERIAL_RULES match
    record_as: str = field(default="", repr=False)  # the fact a 'changes' entry names to record it
    old: Any = field(default=None, repr=False, compare=False)
    new: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Flag:
    """Something a reviewer must act on: a change not recorded, or a material change not announced."""

    slug: str
    path: str
    kind: str  # "not recorded" or "material"
    message: str


@dataclass
class BrandDiff:
    slug: str
    name: str
    entries: list[Entry]
    flags: list[Flag]


@dataclass
class DiffReport:
    """What changed from ``rev_a`` to ``rev_b`` (None: the working tree)."""

    rev_a: str | None
    rev_b: str | None
    brands: list[BrandDiff]
    notes: list[str] = field(default_factory=list)  # content/vendors.yaml changes no brand sees

    @property
    def entries(self) -> list[Entry]:
        return [e for b in self.brands for e in b.entries]

    @property
    def flags(self) -> list[Flag]:
        return [f for b in self.brands for f in b.flags]


# --- the facts at a revision ----------------------------------------------------

def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH); legalsite diff reads earlier facts with git. "
                         "Install git and run again.") from None


def load_at(root: Path | str, rev: str | None) -> Project:
    """The project's facts at a git revision; ``None`` is the working tree. No content/ there: no brands."""
    root = Path(root)
    if rev is None:
        return load_project(root)
    if rev.startswith("-") or not rev.strip():
        raise UsageError(f"'{rev}' is not a revision; name a commit, branch or tag such as HEAD~1 or main.")
    where = _git(root, "rev-parse", "--show-toplevel", "--show-prefix")
    if where.returncode:
        raise UsageError(f"{root.resolve()} is not in a git repository, so there is no revision '{rev}' to compare "
                         "with; run legalsite diff in a git checkout (git init, then commit the facts).")
    top, prefix = (where.stdout.decode().splitlines() + [""])[:2]  # the project may sit in a subfolder
    top = Path(top)
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode:
        raise UsageError(f"unknown revision '{rev}': git has no commit by that name. Check it with "
                         "'git log --oneline' (a new repository needs a first commit; CI needs the full history, "
                         "e.g. fetch-depth: 0).")
    commit = found.stdout.decode().strip()
    if not _git(top, "ls-tree", "-d", commit, "--", f"{prefix}content").stdout.strip():
        return Project(root=root, vendors={}, brands={})
    archive = _git(top, "archive", "--format=tar", commit, "--", f"{prefix}content")
    if archive.returncode:
        raise UsageError(f"git could not read content/ at '{rev}': {archive.stderr.decode().strip()}")
    with tempfile.TemporaryDirectory(prefix="legalsite-diff-") as tmp:
        unpack(archive.stdout, Path(tmp), f"'{rev}'")
        there = Path(tmp, prefix)
        if not (there / "content" / "brands").is_dir():
            return Project(root=root, vendors={}, brands={})
        if not (there / "content" / "vendors.yaml").is_file():
            raise UsageError(f"at '{rev}', content/brands/ has no content/vendors.yaml beside it, so its facts "
                             "cannot be read; compare with a later revision.")
        try:
            project = load_project(there)
        except FactError as exc:  # name the revision, so nobody looks for the problem in today's files
            raise FactError(replace(f, path=f"{rev}:{f.path}") for f in exc.findings) from None
    return replace(project, root=root, documents={})


# --- comparing facts -----------------------------------------------------------

@dataclass
class _Delta:
    kind: str
    loc: tuple  # into the old facts for a removal, else into the new
    where: str
    old: Any
    new: Any
    info: FieldInfo
    item: bool = False  # a whole item of a list


def _value(parent: Any, name: str, info: FieldInfo) -> Any:
    """A field's value; a group that is not there reads as its defaults, so only written facts differ."""
    if parent is not None:
        return getattr(parent, name)
    default = info.get_default(call_default_factory=True)
    return None if info.is_required() or isinstance(default, BaseModel) else default


def _compare(model: type[BaseModel], old: Any, new: Any, lo: tuple, ln: tuple, where: str) -> Iterator[_Delta]:
    """Every difference under one group of facts, in field order."""
    for name, info in model.model_fields.items():
        a, b = _value(old, name, info), _value(new, name, info)
        if (model, name) in _SKIP or a == b:
            continue
        at = f"{where}.{name}" if where else name
        inner = model_of(info.annotation)
        if get_origin(info.annotation) is list:
            a, b = a or [], b or []
            if inner is not None:
                yield from _items(inner, a, b, lo + (name,), ln + (name,), at, info)
                continue
            before, after = Counter(a), Counter(b)  # a list of text: items in or out, order aside
            yield from (_Delta("removed", lo + (name,), at, x, None, info) for x in dict.fromkeys(a) if before[x] > after[x])
            yield from (_Delta("added", ln + (name,), at, None, x, info) for x in dict.fromkeys(b) if after[x] > before[x])
        elif inner is not None and not getattr(inner, "named_by_whole", False):
            yield from _compare(inner, a, b, lo + (name,), ln + (name,), at)
        else:  # one whole value: text, a number, a date, yes/no, a period
            kind = "added" if a is None else "removed" if b is None else "changed"
            yield _Delta(kind, (lo if kind == "removed" else ln) + (name,), at, a, b, info)


def _idents(items: list) -> list[tuple]:
    """How an item is matched across revisions: its id or vendor, else its label, else its position."""
    found = [("key", _item_key(x)) if _item_key(x) else ("label", item_label(x)) for x in items]
    counts = Counter(found)
    return [ident if ident[1] and counts[ident] == 1 else ("position", i) for i, ident in enumerate(found)]


def _items(model: type[BaseModel], a: list, b: list, lo: tuple, ln: tuple, where: str,
           info: FieldInfo) -> Iterator[_Delta]:
    ia, ib = _idents(a), _idents(b)
    for i, item in enumerate(a):
        if ia[i] not in ib:
            yield _Delta("removed", lo + (i,), where + "[]", item, None, info, item=True)
    for j, item in enumerate(b):
        if ib[j] in ia:
            i = ia.index(ib[j])
            yield from _compare(model, a[i], item, lo + (i,), ln + (j,), where)
        else:
            yield _Delta("added", ln + (j,), where + "[]", None, item, info, item=True)


@dataclass
class _Side:
    """One revision's facts, to name a fact and show a value as that revision's pages would."""

    facts: BaseModel  # the Brand, or the VendorRegistry
    vendors: dict[str, Vendor]
    categories: dict[str, str]

    def show(self, value: Any, info: FieldInfo) -> str:
        ref = (info.json_schema_extra or {}).get("ref")
        if value is None:
            return ""
        if ref in ("vendor", "provider") and value in self.vendors:
            return f"{self.vendors[value].name} ({value})"
        if ref == "category":
            return self.categories.get(value, value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, BaseModel) and not isinstance(value, Duration):
            return self.item(value)
        return display(value)

    def item(self, item: BaseModel) -> str:
        """A whole list item: "Stripe, Inc. (stripe), receives: Account information, Payment information"."""
        fields = type(item).model_fields
        if "vendor" in fields:
            text = self.show(item.vendor, fields["vendor"])
        else:
            label, key = item_label(item) or "", _item_key(item)
            text = f"{label} ({key})" if key and key != label else label
        if category := getattr(item, "category", None):
            text += f" ({category})"
        if shares := getattr(item, "shares", None):
            text += ", receives: " + ", ".join(self.show(s, fields["shares"]) for s in shares)
        if received := getattr(item, "receives", None):  # the other direction: the brand receives it
            text += ", sends us: " + ", ".join(self.show(s, fields["receives"]) for s in received)
        return text


def _side(project: Project, brand: Brand) -> _Side:
    return _Side(brand, project.vendors, {c.id: c.name for c in brand.data_collected})


def _parents(path: str) -> Iterator[str]:
    """"cookies[2].category" → "cookies[2]", "cookies"."""
    while (parent := re.sub(r"(\.[^.\[]*|\[\d+\])$", "", path)) not in (path, ""):
        yield (path := parent)


def _nearest(brand: Brand, *candidates: str) -> tuple[str, set[str]] | None:
    """The first candidate path that names a fact of the brand, with the pages that show it."""
    for candidate in candidates:
        try:
            return candidate, fact_pages(brand, candidate)
        except ValueError:
            continue
    return None


def _pages(brand: Brand, path: str, where: str) -> tuple[str, ...]:
    """The published pages that show the fact: its own, else its field's, else its nearest parent's."""
    found = _nearest(brand, path, where.replace("[]", ""), *_parents(path))
    return tuple(p for p in pages_for(brand) if p in found[1]) if found else ()


def _resolvable(brand: Brand, path: str) -> str:
    """The nearest fact at or above ``path`` that a 'changes' entry of this brand can name."""
    found = _nearest(brand, path, *_parents(path))
    return found[0] if found else path


def _uses(brand: Brand) -> set[str]:
    return {v.vendor for v in brand.sharing.vendors} | {v for g in brand.sharing.groups for v in g.includes}


def _brand_entries(slug: str, old_p: Project, new_p: Project, registries: tuple) -> list[Entry]:
    old, new = old_p.brands.get(slug), new_p.brands.get(slug)
    if old is None or new is None:  # a brand added or removed is one entry
        brand = new or old
        kind = "added" if old is None else "removed"
        text = f"{brand.name} ({slug})"
        return [Entry(slug, kind, "", "brand", text if kind == "removed" else "", text if kind == "added" else "",
                      tuple(pages_for(brand)))]
    sides = {"old": _side(old_p, old), "new": _side(new_p, new)}
    entries = []
    for d in _compare(Brand, old, new, (), (), ""):
        side, brand = (sides["old"], old) if d.kind == "removed" else (sides["new"], new)
        words, path = name_fact(d.loc, side.facts)
        if d.item:
            inner = model_of(d.info.annotation)
            words = _NOUNS.get(inner.__name__) or re.sub(r"(?<!^)(?=[A-Z])", " ", inner.__name__).lower()
        entries.append(Entry(slug, d.kind, path, words, sides["old"].show(d.old, d.info),
                             sides["new"].show(d.new, d.info), _pages(brand, path, d.where), d.where,
                             _resolvable(new, path), d.old, d.new))
    # A vendor's own facts (content/vendors.yaml), for a vendor the brand names before and after
    used = _uses(old) & _uses(new)
    own = {v.vendor for v in new.sharing.vendors}
    for j, vendor in enumerate(registries[1].vendors):
        if vendor.id not in used or vendor.id not in old_p.vendors:
            continue
        i = list(old_p.vendors).index(vendor.id)
        for d in _compare(Vendor, old_p.vendors[vendor.id], vendor, ("vendors", i), ("vendors", j), "vendors"):
            words, path = name_fact(d.loc, registries[d.kind != "removed"], VendorRegistry)
            shown = Vendor.model_fields[d.where.split(".")[1]].json_schema_extra["pages"]
            record = f"sharing.vendors.{vendor.id}" if vendor.id in own else "sharing.groups"
            entries.append(Entry(slug, d.kind, path, words, sides["old"].show(d.old, d.info),
                                 sides["new"].show(d.new, d.info),
                                 tuple(p for p in pages_for(new) if p in shown), d.where, record, d.old, d.new))
    return entries


# --- flags -----------------------------------------------------------------------

def material_rule(entry: Entry) -> str | None:
    """The rule of MATERIAL_RULES that makes an entry material, in words; None when none does."""
    for what, kind, where, test in MATERIAL_RULES:
        if entry.kind == kind and entry.where == where and (test is None or test(entry.old, entry.new)):
            return what
    return None


def _covers(fact: str, path: str) -> bool:
    return path == fact or path.startswith((fact + ".", fact + "["))


def _flags(slug: str, old: Brand, new: Brand, entries: list[Entry]) -> list[Flag]:
    known = {(c.date, c.summary) for c in old.changes}
    fresh = [c for c in new.changes if (c.date, c.summary) not in known]
    flags = []
    for e in entries:
        covering = [c for c in fresh if not c.facts or any(_covers(f, e.path) or _covers(f, e.record_as)
                                                           for f in c.facts)]
        if e.pages and not covering:
            verb = {"added": "was added to", "removed": "was removed from", "changed": "changed on"}[e.kind]
            pages = " and ".join(filter(None, [", ".join(e.pages[:-1]), e.pages[-1]]))
            flags.append(Flag(slug, e.path, "not recorded", f"{e.words} ({e.path}) {verb} the {pages} "
                              f"page{'s' * (len(e.pages) > 1)}, and no new entry in 'changes' records it: add an "
                              f"entry to 'changes' in content/brands/{slug}.yaml with facts: [{e.record_as}] so "
                              "the pages' Last updated moves."))
        rule = material_rule(e)
        change = next((c for c in covering if c.material), covering[0] if covering else None)
        if rule is None and not (change and change.material and e.pages):  # material by its entry: a page changed
            continue
        if flag := _notice_flag(slug, new, e, rule or "its entry in 'changes' says material: true", change):
            flags.append(flag)
    return flags


def _notice_flag(slug: str, brand: Brand, e: Entry, why: str, change: Change | None) -> Flag | None:
    """A material change must be announced: marked material, with an effective date after the notice period."""
    vendors = e.where in ("sharing.vendors[]", "sharing.groups[]")
    notice = (vendors and brand.sharing.change_notice) or brand.changes_policy.material_notice
    earliest = change.date + dt.timedelta(days=notice_days(notice)) if change and notice else None
    problems = []
    if change is None:
        problems.append("no new entry in 'changes' announces it; add one with material: true and an "
                        "'effective' date at least the notice period after its date")
    elif not change.material:
        problems.append(f"its entry in 'changes' ({change.date}, '{change.summary}') does not say material: true")
    if notice is None:
        problems.append(f"{brand.name} states no notice period; add changes_policy.material_notice"
                        + (" (or sharing.change_notice, for vendors)" if vendors else ""))
    if change and change.effective is None:
        problems.append("its entry in 'changes' gives no 'effective' date" +
                        (f"; the earliest allowed is {earliest}" if earliest else ""))
    elif change and earliest and change.effective < earliest:
        problems.append(f"it takes effect on {change.effective}, before {earliest}, the earliest date a notice "
                        f"period of {display(notice)} allows")
    if not problems:
        return None
    return Flag(slug, e.path, "material", f"{e.words} ({e.path}) is a material change ({why}): "
                + "; ".join(problems) + ".")


# --- the report --------------------------------------------------------------------

def _registry(project: Project) -> VendorRegistry:
    return VendorRegistry(vendors=list(project.vendors.values()))


def _vendor_notes(old: Project, new: Project) -> list[str]:
    """Changes to content/vendors.yaml that no brand shows: the vendor is used by no brand, before or after."""
    used = set().union(*map(_uses, old.brands.values()), *map(_uses, new.brands.values()))
    notes = []
    for vid in dict.fromkeys([*new.vendors, *old.vendors]):
        a, b = old.vendors.get(vid), new.vendors.get(vid)
        if vid in used or a == b:
            continue
        kind = "added" if a is None else "removed" if b is None else "changed"
        notes.append(f"vendor {kind}, used by no brand: {(b or a).name} ({vid})")
    return notes


def diff_projects(old: Project, new: Project, rev_a: str | None = "HEAD", rev_b: str | None = None) -> DiffReport:
    """Compare two loaded projects brand by brand; the revisions only label the report."""
    registries = (_registry(old), _registry(new))
    brands = []
    for slug in sorted(old.brands.keys() | new.brands.keys()):
        entries = _brand_entries(slug, old, new, registries)
        if not entries:
            continue
        both = slug in old.brands and slug in new.brands
        flags = _flags(slug, old.brands[slug], new.brands[slug], entries) if both else []
        brands.append(BrandDiff(slug, (new.brands.get(slug) or old.brands[slug]).name, entries, flags))
    return DiffReport(rev_a, rev_b, brands, _vendor_notes(old, new))


def diff_revisions(root: Path | str, rev_a: str | None = "HEAD", rev_b: str | None = None) -> DiffReport:
    """The facts that changed from ``rev_a`` to ``rev_b`` (None: the working tree)."""
    return diff_projects(load_at(root, rev_a), load_at(root, rev_b), rev_a, rev_b)


def _label(rev: str | None) -> str:
    return "the working tree" if rev is None else rev


def _summary(report: DiffReport) -> str:
    n, flags = len(report.entries), len(report.flags)
    return (f"{n} fact(s) changed in {len(report.brands)} brand(s); "
            + (f"{flags} flag(s) to resolve." if flags else "nothing flagged."))


def _line(e: Entry) -> str:
    value = f"{e.before} → {e.after}" if e.kind == "changed" else e.after or e.before
    return f"{e.words}: {value}"


def to_text(report: DiffReport) -> str:
    """The report for a terminal."""
    span = f"from {_label(report.rev_a)} to {_label(report.rev_b)}"
    if not report.brands:
        out = [f"No facts changed {span}."]
    else:
        out = [f"Facts changed {span}"]
        for b in report.brands:
            out += ["", f"{b.name} ({b.slug})"]
            for e in b.entries:
                out.append(f"  {e.kind:<8} {_line(e)}")
                out.append(f"  {'':<8} {e.path or 'the whole brand'}; pages: {', '.join(e.pages) or 'none'}")
            out += [f"  ⚠ {f.kind}: {f.message}" for f in b.flags]
    if report.notes:
        out += ["", "content/vendors.yaml"] + [f"  {note}" for note in report.notes]
    if report.brands:
        out += ["", _summary(report)]
    return "\n".join(out) + "\n"


# GitHub links "#12", "GH-12" and bare addresses, and notifies "@name", even when escaped: a word
# joiner (U+2060, invisible) after the '@', '#', 'GH-', the ':' of '://' or the 'www' keeps each plain text.
_GITHUB_REFS = re.compile(r"(?<=[@#])|(?<=\bGH-)(?=\d)|(?<=:)(?=//)|(?<=\bwww)(?=\.)", re.IGNORECASE)


def _md(text: str) -> str:
    """Literal text in GitHub's Markdown: render.md_escape, '$' kept from starting math, no mention or issue link."""
    return md_escape(_GITHUB_REFS.sub("\u2060", text)).replace("$", "<span>$</span>")


def _code(path: str) -> str:
    return f"`{path}`" if re.fullmatch(r"[\w.\[\]-]+", path) else _md(path)  # paths are ids and field names


def to_markdown(report: DiffReport) -> str:
    """The report as a pull-request comment: one table per brand, then its flags."""
    span = f"from {_md(_label(report.rev_a))} to {_md(_label(report.rev_b))}"
    out = [f"### Facts changed {span}", ""]
    if not report.brands:
        out.append("No facts changed.")
    for b in report.brands:
        out += [f"#### {_md(b.name)} ({_code(b.slug)})", "", "| change | fact | before | after | pages |",
                "| --- | --- | --- | --- | --- |"]
        for e in b.entries:
            fact = f"{_md(e.words)} ({_code(e.path)})" if e.path else _md(e.words)
            cells = [e.kind, fact, _md(e.before) or "—", _md(e.after) or "—", _md(", ".join(e.pages)) or "—"]
            out.append("| " + " | ".join(cells) + " |")
        if b.flags:
            out.append("")
            out += [f"- ⚠️ **{f.kind}**: {_md(f.message)}" for f in b.flags]
        out.append("")
    if report.notes:
        out += ["#### content/vendors.yaml", ""] + [f"- {_md(note)}" for note in report.notes] + [""]
    if report.brands:
        out.append(_md(_summary(report)))
    return "\n".join(out).rstrip("\n") + "\n"
