"""Facts → Markdown, one page per template per brand.

Every ``{{ value }}`` passes through ``finalize``: facts are shown in words
(dates as "March 26, 2026"), and any HTML or Markdown inside a fact is escaped,
so a fact can never become markup or a link. Templates cannot opt out: the
``safe`` filter is removed. Undefined names and missing facts stop the render.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from .cache import compiled_templates
from .errors import FactError, Finding
from .model import Brand, Duration, Vendor, changed_pages, page_dates, safe_url
from .project import read_template, shown_template

if TYPE_CHECKING:
    from .project import Project

PAGE_TITLES = {"index": "Legal", "privacy": "Privacy Policy", "cookies": "Cookie Policy",
               "security": "Security", "changes": "Changes",
               # added by the build (archive.py): the list of versions, and a version's changes from the previous
               "versions": "Versions", "what-changed": "What changed"}

# Characters Python-Markdown removes meaning from with a backslash (plus '|' for tables).
_BACKSLASH = set("\\`*_{}[]()#+-.!|>")
# Characters with no backslash escape: written as character references.
_ENTITIES = {"&": "&amp;", "<": "&lt;", "~": "&#126;", "^": "&#94;", "=": "&#61;", ":": "&#58;"}
_ESCAPES = str.maketrans({c: "\\" + c for c in _BACKSLASH} | _ENTITIES)


def display(value: Any) -> str:
    """A fact in the words a page shows it with."""
    if isinstance(value, dt.date):
        return f"{value:%B} {value.day}, {value.year}"
    if isinstance(value, Duration):
        unit = value.unit[:-1] if value.amount == 1 else value.unit
        return f"{value.amount} {unit}"
    return str(value)


def md_escape(text: str) -> str:
    """Make text appear literally in Markdown: no markup, no links, no new blocks."""
    text = " ".join(text.split())  # a fact never starts a new line, so never a new block
    return text.translate(_ESCAPES)


def change_anchor(brand: Brand, index: int) -> str:
    """The id of a change's heading on the Changes page: its date, numbered when a day has several."""
    change = brand.changes[index]
    same_day = [i for i, c in enumerate(brand.changes) if c.date == change.date]
    return f"change-{change.date.isoformat()}" + (f"-{same_day.index(index) + 1}" if len(same_day) > 1 else "")



class MissingFact(jinja2.TemplateRuntimeError):
    """A template printed a fact that is not there (None)."""


def _finalize(value: Any) -> Markup:
    if isinstance(value, Markup):
        return value
    if value is None:
        raise MissingFact("the template prints a fact that this brand leaves out; "
                          "wrap the passage in {% if ... %} so it is omitted")
    return Markup(md_escape(display(value)))


def _join(items: Iterable[Any], separator: str = ", ", last: str | None = None) -> Markup:
    """Join facts escaped; ``last`` joins the final pair ("a, b and c")."""
    # Separators are the template's own words, so Markup; str.join would return plain text, which Markup's
    # "+" then escapes a second time ("a: b" shown as "a&amp;#58; b").
    parts, sep = [_finalize(i) for i in items], Markup(separator)
    if last is not None and len(parts) == 2:
        return parts[0] + Markup(" " + last.lstrip(", ")) + parts[1]  # no serial comma for two
    if last is not None and len(parts) > 2:
        return sep.join(parts[:-1]) + Markup(last) + parts[-1]
    return sep.join(parts)


def _sentence(value: Any) -> Markup:
    """A fact as a sentence: capital first letter, closing full stop."""
    text = _capitalize(value)
    if not text.rstrip("\\").endswith((".", "!", "?", ":", "&#58;")):
        text += Markup(".")
    return text


def _capitalize(value: Any) -> Markup:
    """Capital first letter; the rest as written."""
    text = _finalize(value)
    return Markup(text[:1].upper() + text[1:])


def _iso(value: dt.date) -> Markup:
    """A date as YYYY-MM-DD, for front matter."""
    return Markup(value.isoformat())


def _extract(key: str, mapping: dict) -> Any:
    """``ids|map("extract", vendors)``: look each id up."""
    return mapping[key]


def _link(text: Any, url: str) -> Markup:
    """A Markdown link to a fact's address, encoded by model.safe_url: nothing in it can end the link."""
    try:
        target = safe_url(str(url))
    except ValueError as exc:
        raise jinja2.TemplateRuntimeError(f"refusing to link to {url!r}: {exc}") from None
    return Markup(f"[{_finalize(text)}](<{target}>)")


class _TemplateLoader(jinja2.FileSystemLoader):
    """Jinja's folder loader (the first folder holding a name wins), reading each file as legalsite reads
    facts: a special file or one too large is a finding, never a hang."""

    def get_source(self, environment: jinja2.Environment, template: str):
        parts = jinja2.loaders.split_template_path(template)  # refuses '..'
        for folder in self.searchpath:
            path = Path(folder, *parts)
            if path.exists() or path.is_symlink():
                text, mtime = read_template(path), path.stat().st_mtime
                return text, str(path), lambda path=path, mtime=mtime: path.exists() and path.stat().st_mtime == mtime
        raise jinja2.TemplateNotFound(template)


def environment(template_dirs: Path | list[Path]) -> jinja2.Environment:
    """The Jinja environment every page is rendered with; a name is looked up in each folder in turn."""
    dirs = [template_dirs] if isinstance(template_dirs, Path) else template_dirs
    env = jinja2.Environment(
        loader=_TemplateLoader([str(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # makes macro output Markup, so finalize leaves it alone
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=compiled_templates("pages"),
    )
    for unsafe in ("safe", "urlize", "format", "indent", "wordwrap", "xmlattr", "tojson"):
        env.filters.pop(unsafe, None)
    env.filters.update(join=_join, sentence=_sentence, capitalize=_capitalize, link=_link, iso=_iso,
                       extract=_extract)
    return env


_environments: dict[tuple, jinja2.Environment] = {}


def _environment_for(project: Project) -> jinja2.Environment:
    """One environment per process and set of template files: a preview's rebuilds reuse compiled templates.

    Jinja recompiles a template whose file changed, but not one that a newly added override now hides,
    so the files each name resolves to are part of the key.
    """
    key = (tuple(Path(d).resolve() for d in project.template_dirs), tuple(project.templates().items()))
    if key not in _environments:
        _environments[key] = environment(list(key[0]))
    return _environments[key]


def tidy(markdown: str) -> str:
    """Put blank lines where Markdown needs them, whatever the template's whitespace.

    A paragraph right after a list item would become part of it, and a heading
    must stand apart; templates stay readable without counting newlines.
    """
    out: list[str] = []
    for line in markdown.splitlines():
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        if out and out[-1] != "":
            prev = out[-1]
            in_list = prev.startswith(("- ", "| ")) and line.startswith(prev[:2])
            if line.startswith("#") or prev.startswith("#") or (prev.startswith(("- ", "| ")) and not in_list) \
                    or (line.startswith(("- ", "| ")) and not prev.startswith(("- ", "| "))):
                out.append("")
        out.append(line.rstrip())
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def pages_for(brand: Brand) -> list[str]:
    """The pages a brand publishes: only those its facts support."""
    pages = ["index", "privacy"]
    if brand.cookies:
        pages.append("cookies")
    pages += ["security", "changes"]
    return pages


def render_brand(env: jinja2.Environment, slug: str, brand: Brand, vendors: dict[str, Vendor]) -> dict[str, str]:
    """Render every page of one brand to Markdown; raise FactError naming template, line and brand."""
    pages = pages_for(brand)
    dates = page_dates(brand, pages)
    context = {
        "brand": brand,
        "slug": slug,
        "pages": pages,
        "dates": dates,
        "changes": [(Markup(change_anchor(brand, i)), change, changed_pages(brand, change, pages))
                    for i, change in sorted(enumerate(brand.changes), key=lambda c: (c[1].date, c[0]), reverse=True)],
        "titles": PAGE_TITLES,
        "vendors": vendors,
        "categories": {c.id: c for c in brand.data_collected},
    }
    out: dict[str, str] = {}
    problems = []
    for page in pages:
        name = f"{page}.md.j2"
        try:
            out[page] = tidy(env.get_template(name).render(context, page=page, title=PAGE_TITLES[page],
                                                          updated=dates[page]))
        except jinja2.TemplateSyntaxError as exc:
            where = shown_template(Path(exc.filename)) if exc.filename else f"templates/{exc.name or name}"
            problems.append(Finding(where, exc.lineno or 1, 1, "error", "template-syntax",
                                    f"{exc.message} (while rendering the {page} page of {slug})."))
        except (jinja2.TemplateError, TypeError, AttributeError) as exc:
            template, line = _template_line(exc, env, name)
            problems.append(Finding(template, line, 1, "error", "template-undefined",
                                    f"while rendering the {page} page of brand '{slug}': {_reason(exc)}"))
    if problems:
        raise FactError(problems)
    return out


def render_project(project: Project, slugs: list[str] | None = None) -> dict[str, dict[str, str] | FactError]:
    """The pages of every brand in focus (or the FactError that stopped them), rendered once per loaded project.

    ``slugs``: these brands instead. The page rules of ``check`` and the build both read this, so a build
    renders each page once; and pages
    are kept in the project's cache by the brand's key, so an unchanged brand is not rendered again at all.
    """
    if project.rendered is None:
        project.rendered = {}
    env = None
    for slug in slugs or project.focus or project.brands:
        if slug in project.rendered:
            continue
        key = project.brand_key(slug)
        kept = project.cache.get("pages", key)
        if isinstance(kept, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in kept.items()) \
                and list(kept) == pages_for(project.brands[slug]):
            project.rendered[slug] = kept
            continue
        env = env or _environment_for(project)
        try:
            project.rendered[slug] = render_brand(env, slug, project.brands[slug], project.vendors)
            project.cache.put("pages", key, project.rendered[slug])
        except FactError as exc:
            project.rendered[slug] = exc
    return project.rendered


def _template_line(exc: BaseException, env: jinja2.Environment, fallback: str) -> tuple[str, int]:
    """The template (as findings name it) and line where rendering failed, from Jinja's rewritten traceback."""
    roots = {Path(d).resolve() for d in env.loader.searchpath}  # type: ignore[union-attr]
    found = (f"templates/{fallback}", 1)
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if path.is_absolute() and path.resolve().parent in roots and frame.lineno:
            found = (shown_template(path.resolve()), frame.lineno)
    return found


def _reason(exc: BaseException) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return (f"{exc.message}. The template reads a fact the model does not have; "
                "fix the name, or guard the passage with {% if ... is defined %}.")
    return f"{exc}."
