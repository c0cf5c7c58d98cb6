"""A folder of intermediate results, so a run does work in proportion to what changed.

Each stage keeps what it worked out (a file's parsed facts, a brand's findings, its rendered pages) under a
key made from the bytes of everything that produced it, in ``.legalsite-cache/`` beside ``content/``. The
folder is never published, holds JSON only (never code), and may be deleted at any time: every entry can be
worked out again, and a build without it writes the same bytes. An entry that is corrupt, truncated or not
the one its key names is ignored and worked out again, never trusted.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from . import __version__

FOLDER = ".legalsite-cache"
_KEEP_DAYS = 30  # an entry no run has written for this long is removed by tidy()


def digest(*parts: str | bytes) -> str:
    """One key from several parts, each kept apart from the next (so "ab","c" and "a","bc" differ)."""
    h = hashlib.blake2b(__version__.encode(), digest_size=20)
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """Entries by kind and key; ``Cache(None)`` keeps nothing (``build --force``, or a folder not writable)."""

    def __init__(self, folder: Path | None, *, read: bool = True):
        self.folder = folder
        self.read = read  # False: work everything out again, but still keep it for the next run

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}.json"

    def get(self, kind: str, key: str) -> Any | None:
        """The value kept under ``key``, or None when there is none or it cannot be trusted."""
        if self.folder is None or not self.read:
            return None
        try:
            raw = self._path(kind, key).read_bytes()
            header, _, body = raw.partition(b"\n")
            head = json.loads(header)
            if head != {"key": key, "kind": kind, "digest": hashlib.sha256(body).hexdigest()}:
                return None  # another entry's file, or bytes changed since it was written
            return json.loads(body)
        except (OSError, ValueError, TypeError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Keep ``value`` (JSON data); a cache that cannot be written is simply not kept."""
        if self.folder is None:
            return
        try:
            body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            return  # not JSON data (a setting holding bytes, say): worked out again next time
        header = json.dumps({"key": key, "kind": kind, "digest": hashlib.sha256(body).hexdigest()})
        path = self._path(kind, key)
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True)
                # Never committed, never backed up (https://bford.info/cachedir/): it can always be made again.
                (self.folder / ".gitignore").write_text("# Made by legalsite; safe to delete.\n*\n", encoding="utf-8")
                (self.folder / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                                                          "# legalsite's cache: safe to delete.\n", encoding="utf-8")
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written beside and renamed into place: a reader (another build, a killed run) never sees half.
            with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".", suffix=".tmp", delete=False) as f:
                f.write(header.encode() + b"\n" + body)
            os.replace(f.name, path)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(f.name)

    def tidy(self) -> None:
        """Remove entries no run has written for a month, at most once a day."""
        if self.folder is None:
            return
        stamp = self.folder / "tidied"
        now = time.time()
        with contextlib.suppress(OSError):
            if now - stamp.stat().st_mtime < 86400:
                return
        with contextlib.suppress(OSError):
            for path in self.folder.glob("*/*/*"):
                if now - path.stat().st_mtime > _KEEP_DAYS * 86400:
                    path.unlink()
            stamp.touch()


@functools.cache
def compiled_templates(purpose: str):
    """A Jinja bytecode cache for one environment's compiled templates (``purpose`` names its settings).

    Compiled templates are Python code, so they are not kept in the project's folder with the JSON entries:
    Jinja keeps them in a folder of the user's own (made private, its owner checked), as Python keeps
    ``__pycache__``; a template whose source changed is compiled again.
    """
    import jinja2

    class Salted(jinja2.FileSystemBytecodeCache):
        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return super().get_cache_key(f"{__version__}|{jinja2.__version__}|{purpose}|{name}", filename)

    try:
        return Salted()
    except (OSError, RuntimeError):  # no private temporary folder to be had: compile every time
        return None


def project_cache(root: Path, *, read: bool = True) -> Cache:
    """The project's cache folder; none when LEGALSITE_CACHE=off."""
    if os.environ.get("LEGALSITE_CACHE", "").lower() in ("0", "off", "no", "false"):
        return Cache(None)
    return Cache(Path(root) / FOLDER, read=read)
