"""The MkDocs engine: MkDocs 1.6 with Material for MkDocs, built in-process through MkDocs' Python API."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.structure.files import File, Files
from mkdocs.theme import Theme

from ...cache import compiled_templates
from ...config import mkdocs_log
from ...errors import BuildError
from ..inputs import SiteInputs, write_files


def build_site(slug: str, inputs: SiteInputs, work: Path, site: Path) -> None:
    """Write one site's Markdown, files and config into ``work`` and build the site into ``site``."""
    docs = work / "docs"
    docs.mkdir(parents=True)
    write_files(docs, inputs.files)
    config_path = work / "mkdocs.yml"
    # MkDocs reads its config with PyYAML's unsafe loader: safe_dump writes nothing it could execute.
    config = {**inputs.config, "docs_dir": str(docs), "site_dir": str(site)}
    config_path.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
    with mkdocs_log() as messages, environ(SOURCE_DATE_EPOCH=inputs.epoch):
        try:
            build_with_shared_theme(load_config(config_file=str(config_path)))
        except (MkDocsException, OSError, yaml.YAMLError) as exc:
            detail = "; ".join(messages) or str(exc)
            raise BuildError(f"the site for brand '{slug}' did not build: {detail}. Nothing was published.") from exc
    if messages:  # strict mode should have aborted; never publish a site MkDocs complained about
        raise BuildError(f"the site for brand '{slug}' built with warnings: {'; '.join(messages)}. "
                         "Nothing was published.")
    write_files(site, inputs.beside)


# Plugins known not to change the theme's Jinja environment (on_env), so one environment can serve every brand.
_SHAREABLE_PLUGINS = {"search", "material/search"}
_theme_envs: dict[tuple, Any] = {}
_theme_files: dict[tuple, list[tuple[str, str]]] = {}


def build_with_shared_theme(config) -> None:
    """MkDocs' build, with Material's templates compiled and its 14,000 files listed once per process.

    MkDocs makes a fresh Jinja environment (recompiling every template) and walks the theme folders
    on every build; both depend only on the theme's folders and language, the same for every brand.
    """
    get_env, add_files = Theme.get_env, Files.add_files_from_theme

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
                files.append(File(path, folder, config.site_dir, config.use_directory_urls))

    if set(config.plugins) <= _SHAREABLE_PLUGINS:
        Theme.get_env = shared_env
    Files.add_files_from_theme = shared_files
    try:
        mkdocs_build(config)
    finally:
        Theme.get_env, Files.add_files_from_theme = get_env, add_files


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
