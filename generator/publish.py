"""Validate a staged output tree, then swap it into place atomically.

The published folder is never written into: a complete new tree is staged
beside it and exchanged with it in one rename, so a reader (or a web server)
sees either the old sites or the new ones, never half of each.
"""

from __future__ import annotations

import contextlib
import ctypes
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from pydantic import ValidationError

from .errors import BuildError
from .feeds import SCHEMAS

MARKER = ".legalsite"  # marks a folder legalsite may replace; records each brand site's input key
_MARKER_NOTE = "Built by legalsite. This folder is replaced as a whole on every build."


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
        if path.suffix in (".html", ".xml", ".json") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for folder in forbidden:
                if folder in text:
                    problems.append(f"{path.relative_to(site.parent)} contains the build folder path {folder}")
    if problems:
        raise BuildError(f"the site {site.name} failed validation: {'; '.join(problems)}. Nothing was published.")


def published_keys(out: Path) -> dict[str, str]:
    """slug → the input key of the published site of that brand, as the last build recorded it."""
    try:
        return dict(json.loads((Path(out) / MARKER).read_text(encoding="utf-8")).get("brands", {}))
    except (OSError, ValueError, AttributeError):
        return {}  # no marker, or one from an older legalsite: every brand is rebuilt


def carry_over(stage: Path, out: Path, rebuilt: list[str]) -> None:
    """Bring the brands not rebuilt this time from the published ``out`` into ``stage``.

    Files are hard-linked, not copied: published files are never changed in place (a build swaps in a
    whole new tree), so sharing them is safe and costs no copying.
    """
    out = Path(out).absolute()
    if not out.is_dir():
        return
    kept = [entry for entry in sorted(out.iterdir())
            if entry.is_dir() and entry.name not in rebuilt and not (stage / entry.name).exists()]
    if kept and sys.platform == "linux" and shutil.which("cp"):
        # GNU cp links a hundred trees in one process, several times faster than copytree's Python loop.
        done = subprocess.run(["cp", "-al", "--", *map(str, kept), str(stage)], capture_output=True, check=False)
        if done.returncode == 0:
            return
        for entry in kept:  # e.g. another filesystem: start over with copies
            shutil.rmtree(stage / entry.name, ignore_errors=True)
    for entry in kept:
        shutil.copytree(entry, stage / entry.name, symlinks=True, copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
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


def publish(stage: Path, out: Path, keys: dict[str, str] | None = None) -> None:
    """Make the complete, validated ``stage`` the new ``out`` in one step; ``keys`` are the brands' input keys."""
    out = Path(out).absolute()
    kept = {slug: key for slug, key in sorted((keys or {}).items()) if (stage / slug).is_dir()}
    (stage / MARKER).write_text(json.dumps({"note": _MARKER_NOTE, "brands": kept}, indent=2) + "\n",
                                encoding="utf-8")
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
