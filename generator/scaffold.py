"""What legalsite writes for people to fill in: a new project (``init``), a new brand (``new``), and a copy
of a default template to reword (``templates --copy``). Nothing here ever overwrites a file.

A new brand's file is written from the fact model, so it never lags behind it. Every fact is left empty: an empty
fact is "not given yet", and ``legalsite check`` lists exactly what is still to fill in (errors for the
required facts, warnings for the expected ones). Lists of groups (data categories, vendors, cookies...)
show the facts of one item as a commented block to copy.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from . import __version__
from .errors import UsageError
from .model import Brand, VendorRegistry, model_of
from .project import DEFAULT_TEMPLATES, SKELETON, SLUG
from .schema import HEADERS, SCHEMA_DIR, SCHEMAS, schema_text

WIDTH = 110
COLUMN = 26  # where the explanations of a list item's facts start


def init_project(root: Path) -> list[Path]:
    """Write a new project into ``root`` (made if missing): settings, an empty vendor list, the editor schemas,
    a .gitignore and a GitHub workflow. Refuse, writing nothing, if any of those files exists already."""
    files = {
        "mkdocs.yml": (SKELETON / "mkdocs.yml").read_text(encoding="utf-8"),
        "content/vendors.yaml": vendors_file(),
        **{f"{SCHEMA_DIR}/{name}.schema.json": schema_text(name) for name in SCHEMAS},
        ".gitignore": (SKELETON / "gitignore").read_text(encoding="utf-8"),
        ".github/workflows/legal-pages.yml":
            (SKELETON / "workflow.yml").read_text(encoding="utf-8").replace("LEGALSITE_VERSION", __version__),
    }
    taken = [name for name in files if (root / name).exists() or (root / name).is_symlink()]
    if taken:
        raise UsageError(f"{root / taken[0]} already exists, so this folder already holds a project (or another "
                         f"tool's files); 'legalsite init' writes nothing over a file. Run it in a new or empty folder.")
    (root / "content" / "brands").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        _write_new(root / name, text, name)
    return [root / name for name in files]


def new_brand(root: Path, slug: str) -> Path:
    """Write ``content/brands/<slug>.yaml``; refuse a bad slug or a brand that exists (never overwrite a file)."""
    if not SLUG.fullmatch(slug):
        raise UsageError(f"'{slug}' cannot name a brand: use lowercase letters, digits and '-', "
                         "starting with a letter or digit, such as 'acme' or 'acme-eu'.")
    if not (root / "content").is_dir():
        raise UsageError(f"{root.resolve()} is not a legalsite project: it has no content/ folder. Run legalsite "
                         "from the project folder or pass -C DIR, or start a project here with 'legalsite init'.")
    folder = root / "content" / "brands"
    folder.mkdir(exist_ok=True)
    return _write_new(folder / f"{slug}.yaml", scaffold(slug), f"content/brands/{slug}.yaml")


def copy_template(root: Path, name: str) -> Path:
    """Copy legalsite's default template ``name`` into ``root/templates/``, to be reworded there."""
    defaults = sorted(p.name for p in DEFAULT_TEMPLATES.glob("*.j2"))
    if name not in defaults:
        raise UsageError(f"legalsite has no template named '{name}'; the templates are: {', '.join(defaults)}.")
    (root / "templates").mkdir(exist_ok=True)
    return _write_new(root / "templates" / name, (DEFAULT_TEMPLATES / name).read_text(encoding="utf-8"),
                      f"templates/{name}")


def _write_new(path: Path, text: str, shown: str) -> Path:
    """Write a file that must not exist yet: written aside, then linked in, so an existing file is never
    replaced, even one that appeared a moment ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".new") as tmp:
        tmp.write(text)
    try:
        os.link(tmp.name, path)
    except FileExistsError:
        raise UsageError(f"{shown} already exists; legalsite never writes over a file. Edit it, or choose "
                         "another name.") from None
    finally:
        os.unlink(tmp.name)
    return path


def vendors_file() -> str:
    """A new project's content/vendors.yaml: no vendors yet, and one vendor's facts as a block to copy."""
    lines = [
        HEADERS["vendors"],
        "# Every company that processes data for one of your brands, written once; brands name them by id",
        "# under sharing.vendors. A project may start with none.",
        "",
    ]
    return "\n".join(lines + _fields(VendorRegistry, indent=0, top=True)).rstrip() + "\n"


def scaffold(slug: str) -> str:
    lines = [
        HEADERS["brand"],
        f"# The facts of the brand '{slug}'. legalsite builds its privacy, cookie and security pages from them.",
        "# Fill in each fact its policy states, after the colon. Leave a fact empty where the policy is silent:",
        "# never guess a legal fact. 'legalsite check' lists what is still missing: errors for the facts marked",
        "# Required (nothing is built until they are given), warnings for those marked Expected (the page leaves",
        "# that passage out). Text with a colon followed by a space, or starting with # or \", goes in quotes.",
        "",
    ]
    lines += _fields(Brand, indent=0, top=True)
    return "\n".join(lines).rstrip() + "\n"


def _fields(model: type[BaseModel], indent: int, *, top: bool = False, required_chain: bool = True) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for name, info in model.model_fields.items():
        inner = model_of(info.annotation)
        listed = _is_list(info.annotation)
        lines += _comment(_note(info, required_chain), pad)
        lines.append(f"{pad}{name}:")
        if inner is not None and listed:
            lines += [f"{pad}# {line}" for line in _item(inner, 2)]  # without "# ", it is the item's YAML
        elif inner is not None:
            lines += _fields(inner, indent + 2, required_chain=required_chain and info.is_required())
        if top:
            lines.append("")
    return lines


def _item(model: type[BaseModel], indent: int, *, dash: bool = True) -> list[str]:
    """One item of a list of groups, as lines to copy: "  - id:   # A short id ... Required." """
    lines: list[str] = []
    for i, (name, info) in enumerate(model.model_fields.items()):
        lead = " " * indent + ("- " if dash and i == 0 else "  " if dash else "")
        words = textwrap.wrap(_note(info, True, item=True), WIDTH - COLUMN - 6) or [""]
        lines.append(f"{lead}{name}:".ljust(COLUMN) + f"# {words[0]}")
        lines += [" " * COLUMN + f"# {more}" for more in words[1:]]
        inner = model_of(info.annotation)
        if inner is not None and not _is_list(info.annotation):
            lines += _item(inner, len(lead) + 2, dash=False)
    return lines


def _note(info, required_chain: bool, *, item: bool = False) -> str:
    """What a fact is, whether it must be given, and how to write it."""
    inner, listed = model_of(info.annotation), _is_list(info.annotation)
    words = [(info.description or "").rstrip()]
    if info.is_required():
        words.append("Required." if required_chain else "Required when this group is given.")
    elif (info.json_schema_extra or {}).get("expected"):
        words.append("Expected.")
    if (choices := _choices(info.annotation)):
        words.append(f"One of: {', '.join(choices)}.")
    if info.default not in (None, PydanticUndefined) and not listed:
        words.append(f"Left empty, it is {str(info.default).lower() if isinstance(info.default, bool) else info.default}.")
    if listed and not item:
        words.append("A list: copy the block below once per item, and remove the '# ' before each line."
                     if inner is not None else "A list: one '- ' line per item.")
    elif listed:
        words.append("A list.")
    if info.examples and not isinstance(info.examples[0], (list, dict)) and not item:
        words.append(f"For example: {_yaml_scalar(info.examples[0])}")
    return " ".join(words)


def _choices(annotation: Any) -> list[str]:
    """The words a closed list allows (a Literal, or a list of one)."""
    if getattr(annotation, "__origin__", None) is Literal:
        return [str(a) for a in annotation.__args__]
    found = [_choices(a) for a in getattr(annotation, "__args__", ())]
    return next((c for c in found if c), [])


def _yaml_scalar(value: Any) -> str:
    text = str(value)
    return f'"{text}"' if text.startswith("#") else text


def _comment(text: str, pad: str) -> list[str]:
    return [f"{pad}# {line}" for line in textwrap.wrap(text, WIDTH - len(pad) - 2)]


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list or any(
        getattr(a, "__origin__", None) is list for a in getattr(annotation, "__args__", ()))
