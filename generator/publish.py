"""Validate a staged output tree, then swap it into place atomically.

The published folder is never written into: a complete new tree is staged
beside it and exchanged with it in one rename, so a reader (or a web server)
sees either the old sites or the new ones, never half of each.

Only a folder that is missing, empty, or carries legalsite's marker file is
ever replaced (``build --out`` and ``screenshots --out`` share this code), and
never the project's own folder or a folder that contains it.

Each brand's site is written once into a folder of its own beside ``out`` (``.site-brands/<slug>.<id>``)
and ``out/<slug>`` is a relative symbolic link to it: a new tree links the brands that did not change
instead of copying them, so publishing one changed brand costs the same whether there are ten brands or
a thousand. Web servers, ``tar -h``, ``rsync -L`` and GitHub Pages' upload follow the links; copy the
output with ``cp -rL``. A folder is removed from ``.site-brands/`` once no published tree links to it.

An output that is a symbolic link (``site -> releases/current-build``, a common
way to point a web server at a release) stays a link: the new tree is staged
beside the link's target and exchanged with the target, so the link keeps
pointing at the same path, which holds the new sites. The old tree is removed
only because it carried the marker (or was empty).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree import ElementTree

from pydantic import ValidationError

from .errors import BuildError
from .feeds import SCHEMAS
from .history import build_day
from .signals import uninterrupted
from .wellknown import GPC_JSON, SECURITY_TXT, validate_gpc_json, validate_security_txt

MARKER = ".legalsite"  # marks a folder legalsite may replace; records each brand site's input key
STORE = "-brands"  # ".site-brands": the brand sites a published "site" links to
_MARKER_NOTE = "Built by legalsite. This folder is replaced as a whole on every build."


class ForeignFolderError(BuildError):
    """The output folder is not legalsite's to replace (exit 1, as any refused build)."""


def output_path(out: Path | str) -> Path:
    """Where an output really is: absolute, without ``..``, and a symbolic link followed to its target."""
    return Path(out).resolve()


@contextlib.contextmanager
def staging_dir(out: Path, protect: dict[str, Path] | None = None) -> Iterator[Path]:
    """A fresh folder beside ``out`` (same filesystem, so the final rename is atomic); removed unless published.

    Refuses, before creating anything, an ``out`` legalsite may not replace (see ``check_replaceable``).
    """
    out = output_path(out)
    check_replaceable(out, protect)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def check_replaceable(out: Path | str, protect: dict[str, Path] | None = None) -> None:
    """Refuse an output that is not legalsite's: a file, a non-empty folder without the marker, or ``protect``.

    ``protect`` names folders ({"the project": root}) that ``out`` must neither be nor contain, marker or
    not: replacing ``out`` would delete them.
    """
    out = output_path(out)
    for label, folder in (protect or {}).items():
        folder = output_path(folder)
        if out == folder or out in folder.parents:
            held = f"is {label}" if out == folder else f"contains {label} ({folder})"
            raise ForeignFolderError(f"{out} {held}, which replacing it with legalsite's output would delete; "
                                     "nothing was changed. Choose another --out folder, a new or empty one "
                                     f"that does not hold {label}.")
    if out.exists() and not out.is_dir():
        raise ForeignFolderError(f"{out} is a file, not a folder, so legalsite will not replace it; nothing was "
                                 "changed. Choose another --out folder, or move that file away.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ForeignFolderError(
            f"{out} is not empty and has no {MARKER} marker file, so it was not written by legalsite and will not "
            "be replaced (legalsite replaces its output as a whole); nothing was changed. Choose another --out "
            "folder (a new or empty one), or move that one away.")


def validate_site(site: Path, pages: list[str], forbidden: list[str], day: dt.date | None = None) -> None:
    """Refuse a site that lacks a page, has a broken sitemap, a security.txt or gpc.json that breaks its
    specification (on ``day``, the build day), or leaks a build folder's path."""
    problems = []
    checks = {SECURITY_TXT: lambda text: validate_security_txt(text, day or build_day()),
              GPC_JSON: validate_gpc_json}
    for name, validate in checks.items():
        if (site / name).is_file():
            problems += [f"{name}: {problem}" for problem in validate((site / name).read_text(encoding="utf-8"))]
    for page in pages:
        html = site / ("index.html" if page == "index" else f"{page}/index.html")
        if not html.is_file() or html.stat().st_size == 0:
            problems.append(f"{html.relative_to(site.parent)} is missing")
    for name in ("sitemap.xml", "changes.xml"):
        try:
            ElementTree.parse(site / name)
        except (OSError, ElementTree.ParseError) as exc:
            problems.append(f"{name} is not valid XML ({exc})")
    for name, model in SCHEMAS.items():
        try:
            model.model_validate_json((site / f"{name}.json").read_bytes())
        except (OSError, ValidationError) as exc:
            problems.append(f"{name}.json does not match its schema ({exc})")
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".xml", ".json", ".pdf", ".txt") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for folder in forbidden:
                if folder in text:
                    problems.append(f"{path.relative_to(site.parent)} contains the build folder path {folder}")
    if problems:
        raise BuildError(f"the site {site.name} failed validation: {'; '.join(problems)}. Nothing was published.")


def published_keys(out: Path, kind: str = "brands") -> dict[str, str]:
    """slug → the input key of the published site of that brand, as the last build recorded it
    (``kind="versions"``: "<slug>/versions/<day>" → the key of that version's site)."""
    try:
        return dict(json.loads((Path(out) / MARKER).read_text(encoding="utf-8")).get(kind, {}))
    except (OSError, ValueError, AttributeError):
        return {}  # no marker, or one from an older legalsite: every brand is rebuilt


def carry_over(stage: Path, out: Path, rebuilt: list[str], brands: Iterable[str] | None = None) -> list[str]:
    """Bring the brands not rebuilt this time from the published ``out`` into ``stage``; returns those dropped.

    A brand the marker records as published but not among ``brands`` (its fact file is gone) is dropped, so
    the published tree follows the facts; folders the marker does not record are not legalsite's to drop.
    A brand published as a link into the store is linked again (one link, however many files); one published
    as a folder (by legalsite 0.5 and earlier) has its files hard-linked: published files are never changed
    in place, so sharing them is safe and costs no copying.
    """
    out = output_path(out)
    if not out.is_dir():
        return []
    gone = set(published_keys(out)) - set(brands) if brands is not None else set()
    dropped = sorted(entry.name for entry in out.iterdir() if entry.is_dir() and entry.name in gone)
    kept = [entry for entry in sorted(out.iterdir())
            if entry.is_dir() and entry.name not in rebuilt and entry.name not in gone
            and not (stage / entry.name).exists()]
    folders, store = [], store_path(out).name
    for entry in kept:
        target = os.readlink(entry) if entry.is_symlink() else ""
        if _in_store(store, target):
            try:  # the same link, linked again: no new inode (making a thousand symlinks can take a second)
                os.link(entry, stage / entry.name, follow_symlinks=False)
            except OSError:
                os.symlink(target, stage / entry.name)
        else:
            folders.append(entry)
    if folders and sys.platform == "linux" and shutil.which("cp"):
        # GNU cp links a hundred trees in one process, several times faster than copytree's Python loop.
        done = subprocess.run(["cp", "-al", "--", *map(str, folders), str(stage)], capture_output=True, check=False)
        if done.returncode == 0:
            return dropped
        for entry in folders:  # e.g. another filesystem: start over with copies
            shutil.rmtree(stage / entry.name, ignore_errors=True)
    for entry in folders:
        shutil.copytree(entry, stage / entry.name, symlinks=True, copy_function=link_or_copy)
    return dropped


def store_path(out: Path) -> Path:
    """The folder beside ``out`` that holds its brand sites (``site`` → ``.site-brands``)."""
    out = output_path(out)
    return out.parent / f".{out.name}{STORE}"


def _in_store(store: str, target: str) -> bool:
    """Whether a link's target is a brand folder in the store named ``store``, as ``store_brands`` writes them."""
    parts = Path(target).parts
    return len(parts) == 3 and parts[0] == ".." and parts[1] == store and "." in parts[2]


def store_brands(stage: Path, out: Path, slugs: Iterable[str]) -> None:
    """Move each brand site built in ``stage`` into the store beside ``out`` and link it from ``stage``.

    The store is made, marked, on first use; a folder of that name legalsite did not write is refused.
    Where links cannot be made (some filesystems), the site stays a folder in the tree.
    """
    store = store_path(out)
    if store.is_dir() and any(store.iterdir()) and not (store / MARKER).is_file():
        raise ForeignFolderError(f"{store} is not empty and has no {MARKER} marker file, so it was not written by "
                                 "legalsite, which keeps the brand sites of "
                                 f"{output_path(out).name}/ there; nothing was changed. Move that folder away.")
    if not (store / MARKER).is_file():
        store.mkdir(exist_ok=True)
        (store / ".gitignore").write_text("# Made by legalsite: the brand sites the folder beside it links to.\n*\n",
                                          encoding="utf-8")
        write_marker(store, note="Built by legalsite: the brand sites the folder beside it links to. Folders no "
                     "published site links to are removed on the next build.")
    for slug in slugs:
        site = stage / slug
        if site.is_symlink() or not site.is_dir():
            continue
        home = Path(tempfile.mkdtemp(prefix=f"{slug}.", dir=store))
        os.chmod(home, 0o755)  # mkdtemp makes it private; a published site is meant to be read
        os.rename(site, home)  # onto the empty folder: same filesystem, one step
        try:
            os.symlink(os.path.join("..", store.name, home.name), site, target_is_directory=True)
        except OSError:
            os.rename(home, site)


def tidy_store(out: Path) -> None:
    """Remove the store's brand folders that the published ``out`` no longer links to."""
    out, store = output_path(out), store_path(out)
    if not (store / MARKER).is_file():
        return
    linked = {Path(os.readlink(entry)).name for entry in out.iterdir() if entry.is_symlink()} \
        if out.is_dir() else set()
    for entry in store.iterdir():
        if entry.is_dir() and not entry.is_symlink() and entry.name not in linked:
            shutil.rmtree(entry, ignore_errors=True)


def carry_over_versions(stage: Path, out: Path, keep: list[str], rebuild: list[str], drop: list[str]) -> None:
    """Version sites (``<slug>/versions/<day>``) inside the staged brand folders: those kept are linked in from
    ``out`` where their brand was rebuilt; those to rebuild, and those no longer in history, are cleared."""
    out = output_path(out)
    for path in [*rebuild, *drop]:
        shutil.rmtree(stage / path, ignore_errors=True)
    for path in keep:
        if not (stage / path).exists() and (out / path).is_dir():
            (stage / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(out / path, stage / path, symlinks=True, copy_function=link_or_copy)


def link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def write_brand_index(stage: Path, names: dict[str, str]) -> None:
    """``site/index.html``: a plain page that lists the brand sites present, for previews."""
    items = "\n".join(f'      <li><a href="{html.escape(slug)}/">{html.escape(name)}</a></li>'
                      for slug, name in names.items() if (stage / slug / "index.html").is_file())
    (stage / "index.html").write_text(_INDEX.replace("{items}", items), encoding="utf-8")


_INDEX = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <link rel="icon" href="data:,">
    <title>Legal sites</title>
    <style>
      :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
      body { max-width: 40rem; margin: 3rem auto; padding: 0 1rem; background: #fff; color: #1a1a1a; }
      a { color: #1a4fd6; }
      @media (prefers-color-scheme: dark) {
        body { background: #1e2129; color: #e3e4e8; }
        a { color: #9db8ff; }
      }
      li { margin: .25rem 0; }
    </style>
  </head>
  <body>
    <main>
      <h1>Legal sites</h1>
      <p>One site per brand, built by legalsite from the facts in content/.</p>
      <ul>
{items}
      </ul>
    </main>
  </body>
</html>
"""


def publish(stage: Path, out: Path, keys: dict[str, str] | None = None, versions: dict[str, str] | None = None,
            sources: dict[str, str] | None = None) -> None:
    """Make the complete, validated ``stage`` the new ``out`` in one step; ``keys`` are the brands' input keys,
    ``versions`` those of the version sites, ``sources`` what each brand's sites were made from.

    The brand sites built into ``stage`` move into the store first; the store's folders the new tree does not
    link to are removed after the swap.
    """
    kept = {slug: key for slug, key in sorted((keys or {}).items()) if (stage / slug).is_dir()}
    store_brands(stage, out, kept)
    record = {"brands": kept}
    if versions:
        record["versions"] = {path: key for path, key in sorted(versions.items()) if (stage / path).is_dir()}
    if sources:
        record["sources"] = {slug: key for slug, key in sorted(sources.items()) if slug in kept}
    write_marker(stage, record)
    swap_in(stage, out)
    tidy_store(out)


def write_marker(folder: Path, record: dict | None = None, note: str = _MARKER_NOTE) -> None:
    """Mark ``folder`` as legalsite's, so a later run may replace it; ``record`` is kept in the marker."""
    (Path(folder) / MARKER).write_text(json.dumps({"note": note, **(record or {})}, indent=2) + "\n",
                                       encoding="utf-8")


def swap_in(stage: Path, out: Path, protect: dict[str, Path] | None = None) -> None:
    """Put ``stage`` where ``out`` is in one rename (``out`` followed if it is a symbolic link).

    Afterwards ``stage`` holds the old tree (or nothing) and is the caller's to remove. ``out`` is checked
    again first, in case a foreign folder appeared there while the new tree was being made; and
    SIGTERM/SIGINT wait until the swap is done, so an interrupted run never leaves ``out`` missing.
    """
    out = output_path(out)
    with uninterrupted():
        check_replaceable(out, protect)
        os.chmod(stage, 0o755)  # mkdtemp makes it private; a published site is meant to be read
        if not out.exists():
            os.rename(stage, out)
        elif _exchange(stage, out):
            pass  # stage now holds the old tree; the caller's cleanup removes it
        else:
            old = stage.with_name(stage.name + "-old")
            os.rename(out, old)
            os.rename(stage, out)
            os.rename(old, stage)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
