"""Validate a staged output tree, then swap it into place atomically.

The published folder is never written into: a complete new tree is staged
beside it and exchanged with it in one rename, so a reader (or a web server)
sees either the old sites or the new ones, never half of each.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from collections.abc import Iterator

from .errors import BuildError

MARKER = ".legalsite"  # marks a folder legalsite may replace
_MARKER_TEXT = "Built by legalsite. This folder is replaced as a whole on every build.\n"


@contextlib.contextmanager
def staging_dir(out: Path) -> Iterator[Path]:
    """A fresh folder beside ``out`` (same filesystem, so the final rename is atomic); removed unless published."""
    out = Path(out).absolute()
    _refuse_foreign(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _refuse_foreign(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise BuildError(f"{out} exists and was not written by legalsite, so it will not be replaced; "
                         "choose another --out folder or move that one away.")


def validate_site(site: Path, pages: list[str], forbidden: list[str]) -> None:
    """Refuse a site that lacks a page, has a broken sitemap, or leaks a build folder's path."""
    problems = []
    for page in pages:
        html = site / ("index.html" if page == "index" else f"{page}/index.html")
        if not html.is_file() or html.stat().st_size == 0:
            problems.append(f"{html.relative_to(site.parent)} is missing")
    sitemap = site / "sitemap.xml"
    try:
        ElementTree.parse(sitemap)
    except (OSError, ElementTree.ParseError) as exc:
        problems.append(f"sitemap.xml is not valid XML ({exc})")
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".xml", ".json") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for folder in forbidden:
                if folder in text:
                    problems.append(f"{path.relative_to(site.parent)} contains the build folder path {folder}")
    if problems:
        raise BuildError(f"the site {site.name} failed validation: {'; '.join(problems)}. Nothing was published.")


def publish(stage: Path, out: Path, rebuilt: list[str]) -> None:
    """Make ``stage`` the new ``out``: brands not rebuilt are carried over from the current ``out``."""
    out = Path(out).absolute()
    if out.is_dir():
        for entry in sorted(out.iterdir()):
            if entry.is_dir() and entry.name not in rebuilt and not (stage / entry.name).exists():
                shutil.copytree(entry, stage / entry.name, symlinks=True)
    (stage / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    os.chmod(stage, 0o755)  # mkdtemp makes it private; a published site is meant to be read
    if not out.exists():
        os.rename(stage, out)
    elif _exchange(stage, out):
        pass  # stage now holds the old tree; the caller's cleanup removes it
    else:
        old = stage.with_name(stage.name + "-old")
        os.rename(out, old)
        os.rename(stage, out)
        shutil.rmtree(old, ignore_errors=True)
        stage.mkdir()  # the caller's cleanup expects it


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
