"""The Zensical engine: Material's successor, reading the same mkdocs.yml, built in-process.

Zensical differs from MkDocs where this module has to care: docs_dir and site_dir must lie under the
config file's folder, it writes a .cache/ folder beside them, it reports to the terminal, not to Python's
logging (config.zensical_build captures it), and it resolves raw HTML links from the Markdown file. So each
site is built in its own work folder, its links are rewritten first, and only a site it built without a
warning is moved into place.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path

import yaml

from ...config import zensical_build
from ...errors import BuildError
from ..inputs import SiteInputs, write_files


def build_site(slug: str, inputs: SiteInputs, work: Path, site: Path) -> None:
    """Write one site's Markdown, files and config into ``work``, build it there, and move it to ``site``."""
    directory_urls = inputs.config.get("use_directory_urls", True)
    write_files(work / "docs", {name: links_from_source(name, data, directory_urls) if name.endswith(".md") else data
                                for name, data in inputs.files.items()})
    config_path = work / "mkdocs.yml"
    # Zensical reads mkdocs.yml with PyYAML too: safe_dump writes nothing it could execute.
    config = {**inputs.config, "docs_dir": "docs", "site_dir": "site"}
    config_path.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
    problems = zensical_build(config_path)
    if problems:
        raise BuildError(f"the site for brand '{slug}' did not build with Zensical: {'; '.join(problems)}. "
                         "Nothing was published.")
    site.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(work / "site", site)
    write_files(site, inputs.beside)


# A relative href or src in raw HTML: not a scheme (https:, mailto:), not from the root (/), not a fragment (#).
_RAW_LINK = re.compile(r"""(<(?:a|img|link|source|area)\b[^>]*?\s(?:href|src)\s*=\s*)(["'])"""
                       r"""(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"'<>]*)\2""", re.IGNORECASE)


def links_from_source(name: str, markdown: str, directory_urls: bool = True) -> str:
    """A page's raw HTML links, made relative to its Markdown file instead of to its address.

    legalsite's pages (and a project's own templates) write raw HTML links the way MkDocs leaves them:
    relative to the page's address (``privacy/``). Zensical resolves them from the Markdown file, as it does
    Markdown links, and would turn ``../versions/`` into ``../../versions/``; rewritten here, both engines
    publish the same href.
    """
    folder = posixpath.dirname(name)
    stem = name.removesuffix(".md")
    address = folder if posixpath.basename(stem) == "index" or not directory_urls else stem

    def rewrite(found: re.Match) -> str:
        href = found[3]
        cut = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
        path, rest = href[:cut], href[cut:]
        if not path:
            return found[0]
        target = posixpath.normpath(posixpath.join(address, path))  # from the docs folder; may climb out of it
        up = "../" * len(folder.split("/")) if folder else ""  # relpath would measure a climb against the cwd
        folder_link = path.endswith("/") or posixpath.basename(path) in (".", "..")  # 'a/..' is a folder too
        moved = posixpath.normpath(up + target) + ("/" if folder_link else "")
        return f"{found[1]}{found[2]}{moved}{rest}{found[2]}"

    return _RAW_LINK.sub(rewrite, markdown)
