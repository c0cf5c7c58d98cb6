"""The engines that turn one site's inputs into a site folder: MkDocs with Material, or Zensical.

An engine is a module with ``versions()`` (what its output depends on, for the cache key) and
``build_site(slug, inputs, work, site)``, which builds into ``site`` or raises BuildError. Everything
before (load, check, render, inputs) and after (PDFs, validation, publish) is the same for both.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
from collections.abc import Iterator
from types import ModuleType

from ... import ENGINES, __version__
from ...config import THEME_DIR
from ...errors import UsageError

# What each engine needs besides legalsite's own dependencies, and how to install it.
_INSTALL = {"zensical": "pip install 'legalsite[zensical]'"}


def engine(name: str) -> ModuleType:
    """The engine module called ``name``; an engine that is not installed is a usage error saying how to install it."""
    if name not in ENGINES:
        raise UsageError(f"legalsite has no engine '{name}'; the engines are {', '.join(ENGINES)} (chosen by --engine, "
                         "else LEGALSITE_ENGINE, else 'engine:' under 'legalsite:' in mkdocs.yml).")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ImportError as exc:
        raise UsageError(f"the {ENGINES[name]} engine is not installed ({exc.name or exc}); install it with "
                         f"{_INSTALL.get(name, 'pip install legalsite')}, or build with --engine mkdocs.") from None


_theme_digest: list[str] = []


def tools(name: str) -> str:
    """legalsite's version, the engine's versions and legalsite's theme files: part of every cache key."""
    if not _theme_digest:
        digest = hashlib.sha256()
        for path in sorted(THEME_DIR.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(THEME_DIR)).encode() + b"\0" + path.read_bytes())
        _theme_digest.append(digest.hexdigest())
    return f"legalsite {__version__}; {engine(name).versions()}; theme {_theme_digest[0]}"


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
