"""Full-page PNGs of every page of every built brand, in light and dark, for reviewing a change by eye.

The pages are served over HTTP on 127.0.0.1 (Material's scripts do not all run
from file:// URLs) and opened in headless Chromium through Playwright. Each
colour scheme gets a fresh browser context that prefers it, so Material picks
the scheme from its palette's media queries, as for a first-time visitor.
The cookie consent banner is hidden so it does not cover the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .browser import (
    PALETTE_SETTLED,
    page_name,
    require_chromium,
    serve_folder,
    site_pages,
)
from .errors import UsageError
from .publish import (
    check_replaceable,
    staging_dir,
    swap_in,
    write_marker,
)
from .signals import orderly_signals

SCHEMES = ("light", "dark")
HIDE_CONSENT = "[data-md-component=consent] { display: none !important; }"
_MARKER_NOTE = "Written by legalsite screenshots. This folder is replaced as a whole on every run."


def take_screenshots(site_dir: Path | str, out_dir: Path | str, schemes: Iterable[str] = SCHEMES,
                     width: int = 1280) -> list[Path]:
    """Write ``out_dir/<slug>/<page>-<scheme>.png`` for every page (and ``out_dir/index-<scheme>.png`` for
    the site's own index.html, if any); returns the files written, inside ``out_dir``.

    The PNGs go to a fresh folder beside ``out_dir`` that replaces it only once every
    one is written: a failed run leaves the previous screenshots as they were. As with
    ``build --out``, only a folder legalsite wrote (marked) or an empty one is replaced,
    and never ``site_dir`` or a folder containing it.
    """
    site, out = Path(site_dir), Path(out_dir)
    schemes = list(schemes)
    unknown = [s for s in schemes if s not in SCHEMES]
    if unknown or not schemes:
        raise UsageError(f"colour schemes {schemes}: give light, dark or both.")
    pages = [(f"{slug}/{page_name(url)}", url) for slug, url in site_pages(site)]
    if not pages:
        raise UsageError(f"{site} holds no built brand sites; run 'legalsite build' first, or pass --site DIR.")
    if (site / "index.html").is_file():
        pages.insert(0, ("index", ""))
    protect = {"the site to photograph": site}
    check_replaceable(out, protect)  # before Chromium is even looked for: a refusal needs no browser
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UsageError("screenshots need Playwright: pip install -e '.[screenshots]' "
                         "(it drives the system's Chromium; no browser download is needed).") from None
    chromium = require_chromium()

    written: list[Path] = []
    with orderly_signals(), staging_dir(out, protect) as stage:  # SIGTERM removes the stage too
        with serve_folder(site) as base, sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            except PlaywrightError as exc:
                raise UsageError(f"Chromium at {chromium} did not start ({str(exc).splitlines()[0]}); "
                                 "install Debian's chromium, or set LEGALSITE_CHROMIUM.") from None
            try:
                for scheme in schemes:
                    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
                    tab = context.new_page()
                    for name, url in pages:
                        tab.goto(base + url, wait_until="load")
                        tab.wait_for_function(PALETTE_SETTLED, timeout=10_000)
                        tab.add_style_tag(content=HIDE_CONSENT)
                        target = stage / f"{name}-{scheme}.png"
                        target.parent.mkdir(parents=True, exist_ok=True)
                        tab.screenshot(path=str(target), full_page=True, animations="disabled")
                        written.append(out / target.relative_to(stage))
                    context.close()
            finally:
                browser.close()
        write_marker(stage, note=_MARKER_NOTE)
        swap_in(stage, out, protect)
    return written

