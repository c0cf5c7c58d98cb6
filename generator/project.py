"""A Project: one folder's content/, templates/ and mkdocs.yml, loaded and validated as a whole.

Every file is read and validated before anything is reported, so one run
lists every problem in every file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .cache import Cache, digest, project_cache
from .errors import FactError, Finding, UsageError
from .load import Document, from_kept, kept, load_bytes, read_bounded
from .model import AcceptedGap, Brand, Vendor, VendorRegistry, model_of, name_fact

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")

# What legalsite ships: the page templates a project's templates/ overrides file by file (as MkDocs'
# custom_dir overrides a theme), and the MkDocs settings used when a project has no mkdocs.yml.
DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
SKELETON = Path(__file__).parent / "skeleton"  # what 'legalsite init' writes into a new project


class Brands(Mapping):
    """slug → a brand's facts, in slug order. Facts kept from an earlier run are validated when first read: a
    run that needs only what the cache holds about a brand (its findings, its pages, its summary) never
    validates it, so a thousand unchanged brands cost little."""

    def __init__(self) -> None:
        self._facts: dict[str, Brand] = {}
        self._later: dict[str, Callable[[], Brand]] = {}
        self._order: list[str] = []

    def add(self, slug: str, facts: Brand | Callable[[], Brand]) -> None:
        (self._facts if isinstance(facts, Brand) else self._later)[slug] = facts  # type: ignore[index]
        self._order.append(slug)

    def validated(self, slug: str) -> bool:
        return slug in self._facts

    def __getitem__(self, slug: str) -> Brand:
        if slug not in self._facts:
            self._facts[slug] = self._later.pop(slug)()  # KeyError for a brand that is not there
        return self._facts[slug]

    def __contains__(self, slug: object) -> bool:
        return slug in self._facts or slug in self._later

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


def summary(brand: Brand) -> dict:
    """What is read of a brand beyond its own pages and findings: what other brands' rules read of it (name,
    domain, email, shared facts, the vendors it uses), the gaps it accepts, and what its history is dated by
    (its changes: day it applies, day announced, summary, which of the two dates it; its own dates). Kept with
    its parsed facts."""
    return {"name": brand.name, "domain": brand.domain or "", "email": brand.contact.email or "",
            "shared": brand.shared.model_dump(mode="json"), "used": sorted(brand.vendors_named),
            "gaps": [gap.model_dump(mode="json") for gap in brand.accepted_gaps],
            # as history.py reads a change from a file: (day it applies, day announced, summary, which dates it)
            "changes": [[str(c.effective or c.date), str(c.date), c.summary, "effective" if c.effective else "date"]
                        for c in brand.changes],
            "dates": brand.dates.model_dump(mode="json", include={"effective", "last_updated"})}


# What a kept summary holds; one kept by an earlier release without all of it is worked out again.
SUMMARY = frozenset(("name", "domain", "email", "shared", "used", "gaps", "changes", "dates"))


@dataclass
class Project:
    """The facts of every brand, with the documents they came from."""

    root: Path
    vendors: dict[str, Vendor]
    brands: Mapping[str, Brand]  # slug → facts, in slug order (Brands, or a plain dict)
    documents: dict[str, Document] = field(default_factory=dict)  # "vendors" or a slug → its document
    # slug → its rendered pages (or the FactError that stopped them); filled by render.render_project
    rendered: dict | None = field(default=None, repr=False, compare=False)
    # The brands a build or preview is about: checks look at these brands only (all when None).
    focus: list[str] | None = field(default=None, compare=False)
    # Gaps in the vendors' facts the legal team accepts (content/vendors.yaml's accepted_gaps).
    vendor_gaps: list = field(default_factory=list, compare=False)
    # The engine this run builds with, when chosen for it (build --engine); checks try the settings with it.
    engine: str | None = field(default=None, compare=False)
    # Where the stages keep what they worked out, by the bytes it came from (cache.py).
    cache: Cache = field(default_factory=lambda: Cache(None), repr=False, compare=False)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)
    # slug → summary(brand), as kept with its parsed facts (so an unchanged brand need not be validated)
    summaries: dict[str, dict] = field(default_factory=dict, repr=False, compare=False)

    def summary(self, slug: str) -> dict:
        """``summary()`` of a brand: the kept one, or worked out from its facts."""
        if slug not in self.summaries:
            self.summaries[slug] = summary(self.brands[slug])
        return self.summaries[slug]

    def accepted_gaps(self, slug: str) -> list:
        """The gaps a brand accepts, without validating the rest of its facts when they are kept."""
        if isinstance(self.brands, Brands) and not self.brands.validated(slug):
            return self.once(f"gaps {slug}", lambda: self._kept_gaps(slug))
        return self.brands[slug].accepted_gaps

    def _kept_gaps(self, slug: str) -> list:
        # Written from validated facts (summary()), so built without validating them again; anything else
        # there sends us to the facts themselves.
        try:
            return [AcceptedGap.model_construct(rule=str(gap["rule"]), facts=[str(f) for f in gap["facts"]],
                                                reason=str(gap["reason"]), accepted_by=str(gap["accepted_by"]),
                                                until=dt.date.fromisoformat(gap["until"]))
                    for gap in self.summary(slug)["gaps"]]
        except (KeyError, TypeError, ValueError):
            return self.brands[slug].accepted_gaps

    def once(self, name: str, make):
        """``make()``, worked out once per loaded project (rules run brand by brand share it)."""
        if name not in self._memo:
            self._memo[name] = make()
        return self._memo[name]

    def shared_key(self) -> str:
        """A digest of every input all brands share: vendors, templates, settings, schemas and the other files
        under content/ (logos), and what each brand says that another brand's checks read (its name, domain,
        email, shared facts and the vendors it uses)."""
        return self.once("shared key", self._shared_key)

    def _shared_key(self) -> str:
        parts: list[str | bytes] = [self.documents["vendors"].source if "vendors" in self.documents else ""]
        content = self.root / "content"
        files = [*(p for d in self.template_dirs for p in sorted(d.glob("*.j2"))), self.mkdocs_base,
                 *sorted((self.root / "schemas").glob("*.json")),
                 *(p for p in sorted(content.rglob("*")) if p.parent != content / "brands" and p != content / "vendors.yaml")]
        for path in files:
            try:
                data = path.read_bytes() if path.is_file() else b"(not a file)"
            except OSError:
                data = b"(unreadable)"
            shown = path.relative_to(self.root) if path.is_relative_to(self.root) else \
                "legalsite/" + str(path.relative_to(Path(__file__).parent))  # a default: the same wherever installed
            parts += [str(shown), data]
        for slug in self.brands:
            seen = self.summary(slug)  # the accepted gaps are left out: they change no other brand's findings
            parts += [slug, json.dumps([seen[k] for k in ("name", "domain", "email", "shared", "used")],
                                       sort_keys=True)]
        return digest(*parts)

    def brand_key(self, slug: str) -> str:
        """A digest of everything a brand's own findings and pages are made from: its file and the shared inputs."""
        return digest(self.shared_key(), slug, self.documents[slug].source)

    @property
    def template_dirs(self) -> list[Path]:
        """Where page templates are looked up, the first that has a name wins: templates/, then the defaults."""
        own = self.root / "templates"
        return [own, DEFAULT_TEMPLATES] if own.is_dir() else [DEFAULT_TEMPLATES]

    def templates(self) -> dict[str, Path]:
        """Each template name → the file a build uses for it (the project's own, or legalsite's default)."""
        found: dict[str, Path] = {}
        for folder in reversed(self.template_dirs):
            found.update({path.name: path for path in folder.glob("*.j2")})
        return dict(sorted(found.items()))

    @property
    def mkdocs_base(self) -> Path:
        """The MkDocs settings every brand shares: the project's mkdocs.yml, or legalsite's default."""
        own = self.root / "mkdocs.yml"
        # anything named mkdocs.yml counts (a folder, a pipe, a broken link): reading it reports what is wrong
        return own if own.exists() or own.is_symlink() else SKELETON / "mkdocs.yml"

    def brand_path(self, slug: str) -> str:
        return f"content/brands/{slug}.yaml"

    def select(self, slugs: list[str] | tuple[str, ...] | None) -> list[str]:
        """The brands to work on: all of them, or the named ones (each must exist)."""
        if not slugs:
            return list(self.brands)
        unknown = [s for s in slugs if s not in self.brands]
        if unknown:
            known = ", ".join(self.brands) or "none"
            raise UsageError(f"no brand named {', '.join(repr(s) for s in unknown)}; the brands are: {known}.")
        return list(dict.fromkeys(slugs))


def read_template(path: Path) -> str:
    """A template's text, read as a fact file is (kind and size first: a pipe named privacy.md.j2 must not hang)."""
    shown = shown_template(path)
    try:
        return read_bounded(path, shown).decode("utf-8")
    except UnicodeDecodeError:
        raise FactError([Finding(shown, 1, 1, "error", "file-encoding",
                                 "this template is not UTF-8 text; save it with UTF-8 encoding.")]) from None


def shown_template(path: Path) -> str:
    """A template as findings name it: templates/NAME in the project, a default by its full path."""
    return str(path) if path.parent == DEFAULT_TEMPLATES else f"templates/{path.name}"


def load_project(root: Path | str = ".", cache: Cache | None = None) -> Project:
    """Load and validate every fact file under ``root/content``; raise FactError listing every problem.

    ``cache``: where parsed files are kept by their bytes (default: the project's .legalsite-cache/).

    A new project may have no vendors yet (no content/vendors.yaml, or one holding only comments) and no
    brands yet; ``check`` then says how to add one.
    """
    root = Path(root)
    content = root / "content"
    cache = project_cache(root) if cache is None else cache
    real_root = root.resolve()  # a fact file must be inside it, not a link to elsewhere
    problems: list[Finding] = []
    if not content.is_dir():
        raise UsageError(f"{root.resolve()} is not a legalsite project: it has no content/ folder. Run legalsite "
                         "from the project folder or pass -C DIR, or start a project here with 'legalsite init'.")

    documents: dict[str, Document] = {}
    registry = VendorRegistry()
    vendors_file = content / "vendors.yaml"
    if vendors_file.exists() or vendors_file.is_symlink():  # a broken link is reported, not taken as "no vendors"
        registry = _validated(VendorRegistry, vendors_file, "content/vendors.yaml", documents,
                              "vendors", problems, real_root, cache)
    brands, summaries = Brands(), {}
    for path in sorted((content / "brands").iterdir()) if (content / "brands").is_dir() else ():
        shown = f"content/brands/{path.name}"
        if path.suffix in (".yml", ".json") or (path.suffix == ".yaml" and not SLUG.fullmatch(path.stem)):
            problems.append(Finding(shown, 1, 1, "error", "brand-file-name",
                                    "brand files are named <slug>.yaml with a lowercase slug such as 'acme-eu'; "
                                    "rename this file."))
            continue
        if path.suffix != ".yaml":
            continue
        brand = _validated(Brand, path, shown, documents, path.stem, problems, real_root, cache, summaries)
        if brand is not None:
            brands.add(path.stem, brand)

    vendors: dict[str, Vendor] = {}
    if registry is not None and "vendors" in documents:
        doc = documents["vendors"]
        for index, vendor in enumerate(registry.vendors):
            if vendor.id in vendors:
                problems.append(doc.finding(("vendors", index, "id"), f"the vendor id '{vendor.id}' is used twice; "
                                            "give each vendor its own id.", rule="vendor-duplicate"))
            vendors[vendor.id] = vendor
    if problems:
        raise FactError(problems)
    return Project(root=root, vendors=vendors, brands=brands, documents=documents,
                   vendor_gaps=list(registry.accepted_gaps) if registry is not None else [], cache=cache,
                   summaries=summaries)


# (path, model) → (a digest of the file's bytes, its document, its facts, its summary): a long-running preview
# parses only the files that changed. Only files that loaded without a problem are kept.
_loaded: dict[tuple[Path, type], tuple[str, Document, Any, dict | None]] = {}


def _validated(model: type[BaseModel], path: Path, shown: str, documents: dict, key: str, problems: list,
               root: Path, cache: Cache, summaries: dict | None = None):
    """The file's facts; for a brand parsed before (in the cache), a function that validates them when called,
    its summary put in ``summaries``."""
    try:
        real = path.resolve()
        if not real.is_relative_to(root):
            raise FactError([Finding(shown, 1, 1, "error", "file-outside",
                                     "this file is a link to a file outside the project; put the file itself "
                                     "here, so the facts are kept and reviewed with the project.")])
        raw = read_bounded(path, shown)  # a pipe, device, folder or huge file is refused before reading
    except (FactError, OSError, RuntimeError) as exc:  # OSError, RuntimeError: resolving a broken or looping link
        problems.extend(exc.findings if isinstance(exc, FactError) else
                        [Finding(shown, 1, 1, "error", "file-unreadable", "this file is a link that leads nowhere; "
                                 "replace it with the file itself.")])
        return None
    source = digest("facts", model.__name__, shown, raw)  # its key here and in the project's cache
    key_in_cache = (real, model)
    cached = _loaded.get(key_in_cache)
    if cached and cached[0] == source:
        documents[key] = cached[1]
        if summaries is not None and cached[3] is not None:
            summaries[key] = cached[3]
        return cached[2]
    entry = cache.get("facts", source)
    facts, seen = None, None
    if entry is not None:
        try:  # parsed before: validated again when first read, and it must pass as it did then
            doc = from_kept(raw, shown, entry)
            if model is Brand and isinstance(entry.get("summary"), dict) and SUMMARY <= entry["summary"].keys():
                facts, seen = _Later(doc, raw), entry["summary"]
            else:
                facts = model.model_validate(doc.data)
                if model is Brand:  # kept by an earlier release without its whole summary: keep it with one
                    seen = summary(facts)
                    cache.put("facts", source, {**entry, "summary": seen})
        except (ValidationError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            entry = None  # not what a parse of these bytes gives: work it out again
    if entry is None:
        facts = _validate(model, raw, shown, documents, key, problems)
        if facts is None or documents[key].problems:
            return facts
        doc = documents[key]
        seen = summary(facts) if model is Brand else None
        cache.put("facts", source, {**kept(doc), **({"summary": seen} if seen is not None else {})})
    doc.source = source
    documents[key] = doc
    if summaries is not None and seen is not None:
        summaries[key] = seen
    _loaded[key_in_cache] = (source, doc, facts, seen)
    return facts


class _Later:
    """A kept brand's facts, validated on first call (once: a preview's next load reuses them)."""

    def __init__(self, doc: Document, raw: bytes):
        self.doc, self.raw, self.facts = doc, raw, None

    def __call__(self) -> Brand:
        if self.facts is None:
            try:
                self.facts = Brand.model_validate(self.doc.data)
            except ValidationError:  # a kept entry these bytes do not give: the bytes decide
                problems: list[Finding] = []
                self.facts = _validate(Brand, self.raw, self.doc.path, {}, "brand", problems)
                if self.facts is None:
                    raise FactError(problems) from None
        return self.facts


def _validate(model: type[BaseModel], raw: bytes, shown: str, documents: dict, key: str, problems: list):
    try:
        doc = load_bytes(raw, shown, empty_ok=model is VendorRegistry)
    except FactError as exc:
        problems.extend(exc.findings)
        return None
    documents[key] = doc
    problems.extend(doc.problems)
    if not isinstance(doc.data, dict):
        problems.append(doc.finding((), "this file must be a list of facts written as 'name: value' lines.",
                                    rule="fact-type"))
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        found = [_explain(model, doc, error) for error in exc.errors(include_url=False)]
        problems.extend(found)
        if model is Brand and all(f.rule == "fact-missing" for f in found):
            # a brand still being filled in: list its gaps too (a lower stage reaching up; see the notes)
            from .checks.gaps import brand_gaps

            problems.extend(brand_gaps(doc, model, doc.data))
        return None


# --- turning pydantic's errors into sentences a lawyer can act on ----------

_EXAMPLES = {
    "int": "a whole number such as 30",
    "date": "a date written YYYY-MM-DD, such as 2026-03-26",
    "bool": "true or false",
    "list": "a list, one '- item' per line",
    "dict": "facts written as 'name: value' lines, indented under this one",
    "str": "text, such as 'Account information'",
}


def _explain(model: type[BaseModel], doc: Document, error: dict[str, Any]) -> Finding:
    loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
    kind = error["type"]
    if kind == "extra_forbidden":  # the last part is the key as written, even if it looks like a union tag
        loc = tuple(p for p in error["loc"][:-1] if not _is_union_tag(p)) + tuple(error["loc"][-1:])
    what = _describe(model, doc, loc)
    given = error.get("input")
    if kind == "extra_forbidden":
        key = loc[-1]
        known = _known_keys(model, loc[:-1])
        near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f"did you mean '{near[0]}'?" if near else f"the facts allowed here are: {', '.join(known)}."
        return doc.finding(loc, f"'{key}' is not a fact legalsite knows here; {hint}", rule="fact-unknown", key=True)
    if kind == "missing":
        written = doc.keys.get(loc)  # "name:" with nothing after it: written, but not filled in
        if written is None:
            return doc.finding(loc[:-1], f"{what} is missing; add '{loc[-1]}:' here{_example(model, loc)}.",
                               rule="fact-missing")
        line = doc.lines[written.line - 1] if written.line <= len(doc.lines) else ""
        if re.search(rf"\b{re.escape(str(loc[-1]))}:\s+#", line):  # "primary: #3949ab" reads as a comment
            return doc.finding(loc, f"{what} is empty: in YAML an unquoted # starts a comment, so "
                               f"'{line.strip()}' has no value; put it in quotes: "
                               f"{loc[-1]}: \"#{line.split('#', 1)[1].strip()}\"", rule="fact-type", key=True)
        return doc.finding(loc, f"{what} is not filled in; write it after '{loc[-1]}:'{_example(model, loc)}.",
                           rule="fact-missing", key=True)
    if kind == "written_as":
        return doc.finding(loc, f"{what} must be {error['ctx']['expected']}; '{_short(given)}' is not.",
                           rule="fact-type")
    if kind.startswith("int") or kind == "greater_than":
        if kind == "greater_than":
            return doc.finding(loc, f"{what} must be more than {error['ctx']['gt']}; '{given}' is not.",
                               rule="fact-type")
        return doc.finding(loc, f"{what} must be {_EXAMPLES['int']}; '{_short(given)}' is not.", rule="fact-type")
    if kind.startswith("date"):
        return doc.finding(loc, f"{what} must be {_EXAMPLES['date']}; '{_short(given)}' is not.", rule="fact-type")
    if kind.startswith("bool"):
        return doc.finding(loc, f"{what} must be {_EXAMPLES['bool']}; '{_short(given)}' is not.", rule="fact-type")
    if kind in ("list_type", "dict_type", "string_type", "model_type", "model_attributes_type"):
        expected = {"list_type": "list", "dict_type": "dict", "string_type": "str"}.get(kind, "dict")
        right = _EXAMPLES[expected]
        if expected == "str" and (own := _example(model, loc)):
            right = f"text{own}"  # the field's own example: "text, for example: name: LinkrAPI"
        return doc.finding(loc, f"{what} must be {right}; found {_kind_of(given)}.", rule="fact-type")
    if kind == "too_short" and isinstance(given, list):  # a list that must name at least one thing
        least = error["ctx"]["min_length"]
        return doc.finding(loc, f"{what} must list at least {'one' if least == 1 else least}; write each on its own "
                           "'- ' line, or leave out the group it belongs to.", rule="fact-value")
    if kind == "literal_error":
        return doc.finding(loc, f"{what} must be one of {error['ctx']['expected']}; '{_short(given)}' is not.",
                           rule="fact-value")
    if kind == "value_error":
        message = str(error["ctx"].get("error", error["msg"]))
        return doc.finding(loc, f"{what}: {message}.", rule="fact-value")
    return doc.finding(loc, f"{what}: {error['msg']}.", rule="fact-value")


def _is_union_tag(part) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("function-after", "constrained-str"))


def _field_at(model: type[BaseModel], loc: tuple):
    """The (model, field name, FieldInfo) that ``loc`` points into, following nested models and lists."""
    current: Any = model
    info = None
    name = None
    for part in loc:
        if isinstance(part, int):
            continue
        sub = model_of(current)
        if sub is None or part not in sub.model_fields:
            return None, None, None
        name, info = part, sub.model_fields[part]
        current = info.annotation
    return current, name, info


def _describe(model: type[BaseModel], doc: Document, loc: tuple) -> str:
    """Name a fact in words and by its path: "the retention period of API usage logs
    (data_collected.api_logs.retention.period)"."""
    words, path = name_fact(loc, doc.data, model)
    return f"{words} ({path})" if path else words


def _example(model: type[BaseModel], loc: tuple) -> str:
    """", for example: name: LinkrAPI", from the field's own example where it has one."""
    _, name, info = _field_at(model, loc)
    if info is None or not info.examples or isinstance(info.examples[0], (list, dict)):
        return ""
    value = info.examples[0]
    shown = f'"{value}"' if isinstance(value, str) and value.startswith("#") else value
    return f", for example: {name}: {shown}"


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    target = model_of(_field_at(model, loc)[0]) if loc else model
    return sorted(target.model_fields) if target else []


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind_of(value) -> str:
    if isinstance(value, dict):
        return "a group of 'name: value' facts"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"the text '{_short(value)}'"
