"""The engines that turn one site's inputs into a site folder: MkDocs with Material, or Zensical.

An engine is a module with ``build_site(slug, inputs, work, site)``, which builds into ``site`` or raises
BuildError; ``DISTRIBUTIONS`` names the packages its output depends on, for the cache key. Everything
before (load, check, render, inputs) and after (PDFs, validation, publish) is the same for both.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from types import ModuleType

from ... import ENGINES, __version__
from ...config import THEME_DIR, installed
from ...errors import UsageError

# What each engine needs besides legalsite's own dependencies, and how to install it.
_INSTALL = {"zensical": "pip install 'legalsite[zensical]'"}
# The packages whose versions each engine's output depends on (read without importing them).
DISTRIBUTIONS = {"mkdocs": ("mkdocs", "mkdocs-material"), "zensical": ("zensical",)}


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


@functools.cache
def _theme_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(THEME_DIR.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(THEME_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def tools(name: str) -> str:
    """legalsite's version, the engine's versions and legalsite's theme files: part of every cache key.

    Read from the installed packages' metadata: a build with nothing to build never imports the engine.
    """
    versions = installed(*DISTRIBUTIONS.get(name, ()))
    if name not in DISTRIBUTIONS or " none" in versions:
        engine(name)  # says which engine is unknown or how to install it
    return f"legalsite {__version__}; {versions}; theme {_theme_digest()}"
