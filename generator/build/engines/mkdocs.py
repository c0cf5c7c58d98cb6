"""The MkDocs engine: MkDocs 1.6 with Material for MkDocs, built in-process through MkDocs' Python API."""

from __future__ import annotations

import contextlib
import copy
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs import utils as mkdocs_utils
from mkdocs.commands import build as mkdocs_commands
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, MkDocsException
from mkdocs.structure.files import File, Files, file_sort_key, set_exclusions
from mkdocs.theme import Theme

from ...cache import compiled_templates
from ...config import mkdocs_log
from ...errors import BuildError
from ..inputs import SiteInputs, write_files

log = logging.getLogger("mkdocs.config")  # where load_config reports, so mkdocs_log collects it


def build_site(slug: str, inputs: SiteInputs, work: Path, site: Path) -> None:
    """Build one site into ``site`` from its pages and files (``work``: its docs folder, empty unless a plugin of
    the project's may read it)."""
    docs = work / "docs"
    docs.mkdir(parents=True)
    config = {**inputs.config, "docs_dir": str(docs), "site_dir": str(site)}
    with mkdocs_log() as messages, environ(SOURCE_DATE_EPOCH=inputs.epoch), themes_listed_once():
        try:
            config = site_config(config, work / "mkdocs.yml")
            in_memory = shareable(config)
            if not in_memory:
                write_files(docs, inputs.files)
            build_with_shared_theme(config, inputs.files if in_memory else None)
        except (MkDocsException, OSError) as exc:
            detail = "; ".join(messages) or str(exc)
            raise BuildError(f"the site for brand '{slug}' did not build: {detail}. Nothing was published.") from exc
    if messages:  # strict mode should have aborted; never publish a site MkDocs complained about
        raise BuildError(f"the site for brand '{slug}' built with warnings: {'; '.join(messages)}. "
                         "Nothing was published.")
    write_files(site, inputs.beside)


def site_config(values: dict, path: Path) -> MkDocsConfig:
    """MkDocs' config for ``values``, validated as ``load_config`` validates a file at ``path``.

    Handed over as data, not written out and parsed again (a tenth of a site's build): no YAML is read, so
    none can execute. A deep copy, as validating changes the values and brands share the base settings.
    """
    config = MkDocsConfig(config_file_path=str(path))
    config.load_dict(copy.deepcopy(values))
    errors, warnings = config.validate()
    for name, message in warnings:
        log.warning(f"Config value '{name}': {message}")
    for name, message in errors:
        log.error(f"Config value '{name}': {message}")
    if errors or (config.strict and warnings):
        raise Abort("Aborted with a configuration error!")
    return config


@contextlib.contextmanager
def themes_listed_once() -> Iterator[None]:
    """MkDocs lists the installed themes' entry points (a scan of every package's metadata) on every config it
    validates, and clears its own cache of them each time: list them once per process instead."""
    get_themes = mkdocs_utils.get_themes

    def listed():
        if not _themes:
            _themes.update(get_themes())
        return _themes

    listed.cache_clear = lambda: None  # type: ignore[attr-defined]  (called by mkdocs.theme.Theme)
    mkdocs_utils.get_themes = listed
    try:
        yield
    finally:
        mkdocs_utils.get_themes = get_themes


_themes: dict[str, Any] = {}
# Plugins known not to change the theme's Jinja environment (on_env) nor to read the docs folder themselves, so
# one environment can serve every brand and the pages can be handed over in memory.
_SHAREABLE_PLUGINS = {"search", "material/search"}
_theme_envs: dict[tuple, Any] = {}
_theme_files: dict[tuple, list[tuple[str, str]]] = {}
_theme_bytes: dict[tuple, bytes] = {}


def shareable(config: MkDocsConfig) -> bool:
    return set(config.plugins) <= _SHAREABLE_PLUGINS


def build_with_shared_theme(config: MkDocsConfig, docs: dict[str, str | bytes] | None = None) -> None:
    """MkDocs' build, with Material's templates compiled and its 14,000 files listed once per process.

    MkDocs makes a fresh Jinja environment (recompiling every template) and walks the theme folders
    on every build; both depend only on the theme's folders and language, the same for every brand.
    ``docs``: the pages and files, handed over in memory rather than written to the docs folder and read back
    (with the theme's own files, a third of the files a site's build opened), for a config that is ``shareable``.
    """
    get_env, add_files, get_files = Theme.get_env, Files.add_files_from_theme, mkdocs_commands.get_files

    def shared_env(theme: Theme):
        key = (tuple(theme.dirs), str(theme.locale))
        if key not in _theme_envs:
            _theme_envs[key] = get_env(theme)
            _theme_envs[key].bytecode_cache = compiled_templates("mkdocs theme")  # templates compiled once per machine
        return _theme_envs[key]

    def shared_files(files: Files, env, config) -> None:
        key = (tuple(config.theme.dirs), tuple(config.theme.static_templates))
        if key not in _theme_files:
            probe = Files([])
            add_files(probe, env, config)
            _theme_files[key] = [(f.src_uri, f.src_dir) for f in probe]
        for path, folder in _theme_files[key]:
            if files.get_file_from_path(path) is None:  # a docs file of that name wins, as in MkDocs
                file = File(path, folder, config.site_dir, config.use_directory_urls)
                if docs is not None:  # read once per process, not once per brand (serve: again once edited)
                    seen = os.stat(file.abs_src_path)
                    key = (file.abs_src_path, seen.st_mtime_ns, seen.st_size)
                    if key not in _theme_bytes:
                        _theme_bytes[key] = file.content_bytes
                    file.content_bytes = _theme_bytes[key]
                files.append(file)

    def files_in_memory(config: MkDocsConfig) -> Files:
        # In the order get_files walks a docs folder (file_sort_key), so pages and the search index keep theirs.
        files = Files(sorted((File.generated(config, name, content=data) for name, data in docs.items()),
                             key=file_sort_key))
        set_exclusions(files, config)
        return files

    if shareable(config):
        Theme.get_env = shared_env
    Files.add_files_from_theme = shared_files
    if docs is not None:
        mkdocs_commands.get_files = files_in_memory
    try:
        mkdocs_build(config)
    finally:
        Theme.get_env, Files.add_files_from_theme, mkdocs_commands.get_files = get_env, add_files, get_files


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
