"""What the browser checks and the screenshots share: finding Chromium, serving a built site, listing its pages.

Nothing here imports Playwright, so the CLI can load this module without the
``screenshots`` extra installed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import UsageError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
INSTALL_HINT = "install Debian's chromium (apt-get install -y chromium), or set LEGALSITE_CHROMIUM to a Chromium binary"

# True once Material's JavaScript has applied the colour scheme the browser prefers
# (the palette option whose media query matches); true at once on pages without a palette.
PALETTE_SETTLED = """() => {
    const options = [...document.querySelectorAll('input[name="__palette"][data-md-color-media]')];
    const wanted = options.find(o => matchMedia(o.dataset.mdColorMedia).matches);
    return !wanted || document.body.dataset.mdColorScheme === wanted.dataset.mdColorScheme;
}"""


def find_chromium() -> str | None:
    """The Chromium to drive: $LEGALSITE_CHROMIUM, else the first known name on PATH, else None."""
    chosen = os.environ.get("LEGALSITE_CHROMIUM")
    if chosen:
        found = shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
        if found is None:
            raise UsageError(f"LEGALSITE_CHROMIUM={chosen} is not a file or a command on PATH; "
                             "point it at a Chromium binary, or unset it to use chromium from PATH.")
        return found
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def launch_chromium(playwright, chromium: str):
    """Headless ``chromium`` started through a running sync Playwright, with the flags every legalsite browser uses.

    Playwright's own errors (Chromium did not start) are left to the caller to report.
    """
    return playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])


def require_chromium() -> str:
    """The Chromium to drive, or a UsageError saying how to install one."""
    path = find_chromium()
    if path is None:
        raise UsageError(f"no Chromium found (looked for {', '.join(CHROMIUM_NAMES)} on PATH): {INSTALL_HINT}.")
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a browser closing a connection early is not worth a traceback


@contextlib.contextmanager
def serve_folder(path: Path | str) -> Iterator[str]:
    """Serve ``path`` on a free port of 127.0.0.1 in a background thread; yields the base URL (ending in /)."""
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder; run 'legalsite build' first, or pass the built site's folder.")
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name=f"serve {folder}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def site_pages(site_dir: Path | str) -> list[tuple[str, str]]:
    """Every page of every brand in a built site, as (slug, URL relative to the site): ("linkrapi", "linkrapi/privacy/").

    A brand is a folder holding an index.html; its pages are that index.html and each
    <page>/index.html beside it. 404.html, search/ and hidden names are left out.
    """
    site = Path(site_dir)
    if not site.is_dir():
        return []
    pages = []
    for brand in sorted(site.iterdir()):
        if brand.name.startswith(".") or not (brand / "index.html").is_file():
            continue
        pages.append((brand.name, f"{brand.name}/"))
        for page in sorted(brand.iterdir()):
            if page.name.startswith(".") or page.name == "search" or not (page / "index.html").is_file():
                continue
            pages.append((brand.name, f"{brand.name}/{page.name}/"))
    return pages


def page_name(relative_url: str) -> str:
    """The page a site_pages URL shows: "index" for a brand's landing page, else its folder ("privacy")."""
    parts = relative_url.strip("/").split("/")
    return parts[1] if len(parts) > 1 else "index"
