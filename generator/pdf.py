"""PDF copies of built pages, printed by Chromium from the same HTML, byte for byte the same on every build.

Chromium (the system's, found by ``browser.find_chromium``, driven by Playwright's
sync API) opens each built page from its file:// URL and prints it with Material's
print stylesheet. Nothing is fetched from the network: every request that is not
for a file:// URL is refused. Before printing, a style sheet adds CSS page margin
boxes so every page of the PDF says whose document it is, which version, where it
is published and which page of how many it is.

Two prints of one page differ only in the dates Chromium writes into the PDF's
information dictionary (``/CreationDate`` and ``/ModDate``): they are rewritten to
the build date at 00:00:00 UTC, in place and at the same length, so the
cross-reference offsets stay valid. A PDF is written aside and renamed over its
target, so a reader never sees half of one.

Nothing here imports Playwright until a PdfPrinter is made, so this module loads
without the ``pdf`` extra installed.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from .browser import CHROMIUM_NAMES, INSTALL_HINT, find_chromium, launch_chromium
from .errors import BuildError

# The first Chromium that prints CSS page margin boxes (@bottom-left and the like).
MIN_CHROMIUM = 131
PDF_INSTALL_HINT = ("PDF copies need Playwright and Chromium: pip install 'legalsite[pdf]', and "
                    f"{INSTALL_HINT}; or build without PDF copies: legalsite build --no-pdf")

# Characters written as CSS hex escapes inside a string literal: the quote and the backslash (which would end
# the string or start an escape), every control character (a raw newline ends a CSS string: a bad-string token
# drops the declaration), NUL and lone surrogates (which CSS reads as U+FFFD anyway), the two Unicode line
# separators, and < > & (so the style sheet is safe even if it is ever written inside an HTML <style>).
_CSS_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f"\\\\<>&\u2028\u2029\ud800-\udfff]')

# The page margin boxes: small grey text below the page's own text. The footer's left box has two lines,
# "brand · title · version" and the address; the right box the page number.
_MARGIN_BOX = ("vertical-align: top; padding-top: 0.6cm; color: #666; font-size: 7.5pt; line-height: 1.3;\n"
               "    font-family: -apple-system, BlinkMacSystemFont, Helvetica, Arial, sans-serif;")
_PAGE_CSS = """@page {{
  margin: 2cm 2cm 2.4cm;
  @bottom-left {{
    content: {label} "\\a " {address};
    white-space: pre-line;
    {box}
  }}
  @bottom-right {{
    content: counter(page) " / " counter(pages);
    white-space: nowrap;
    {box}
  }}
}}
"""

# In the information dictionary a key starts a line (or follows "<<"); its value is a literal string.
# Inside another string a "(" would be escaped ("\("), so a title cannot fake a date key.
_INFO_REF = re.compile(rb"/Info\s+(\d+)\s+(\d+)\s+R")
_DATE_KEY = re.compile(rb"(?<=[\r\n<])/(CreationDate|ModDate)\s?\((D:\d{14}[^()\\\r\n]*)\)")


@dataclass
class PdfPage:
    """One built page to print, and what its page margins say about it."""

    html: Path     # the built page: <site>/<slug>/<page>/index.html (or <site>/<slug>/index.html)
    pdf: Path      # where to write its PDF
    title: str     # "Privacy Policy"
    brand: str     # the brand's name, as readers know it
    version: str   # "Version of 23 December 2026", or "Current version"
    address: str   # the page's public URL, or its path when the site has no URL


def pdf_name(slug: str, page: str, version_id: str | None) -> str:
    """The download name of a page's PDF: ``linkrapi-privacy-2026-12-23.pdf``, or ``linkrapi-privacy.pdf``.

    Each part is lowercased and every run of characters other than a-z and 0-9 becomes one "-",
    so the name is safe on every file system and in a URL.
    """
    parts = [_name_part(slug), _name_part(page)]
    if not all(parts):
        raise ValueError(f"a PDF name needs a brand slug and a page name (got {slug!r}, {page!r})")
    if version_id and (version := _name_part(version_id)):
        parts.append(version)
    return "-".join(parts) + ".pdf"


def _name_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def css_string(text: str) -> str:
    """``text`` as a double-quoted CSS string literal that reads back as ``text`` and nothing can end early.

    Unsafe characters become hex escapes followed by one space (``"`` is ``\\22 ``), which the
    CSS tokenizer consumes as part of the escape. NUL and lone surrogates become U+FFFD, as CSS reads them.
    """
    def escape(found: re.Match[str]) -> str:
        code = ord(found.group())
        if code == 0 or 0xD800 <= code <= 0xDFFF:
            code = 0xFFFD
        return f"\\{code:x} "

    return '"' + _CSS_UNSAFE.sub(escape, text) + '"'


def page_css(page: PdfPage) -> str:
    """The style sheet that puts ``page``'s brand, title, version, address and page numbers on every printed page.

    The footer's first line is "brand · title · version", its second the address; a line break
    (or any other run of white space) within a value is shown as one space.
    """
    label = " · ".join(_one_line(text) for text in (page.brand, page.title, page.version))
    return _PAGE_CSS.format(label=css_string(label), address=css_string(_one_line(page.address)), box=_MARGIN_BOX)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def pdf_date(day: datetime.date) -> bytes:
    """``day`` at 00:00:00 UTC as a PDF date: ``D:20261223000000+00'00'``."""
    return f"D:{day.year:04d}{day.month:02d}{day.day:02d}000000+00'00'".encode("ascii")


def set_pdf_dates(data: bytes, day: datetime.date) -> bytes:
    """``data`` with the information dictionary's /CreationDate and /ModDate set to ``day`` at 00:00 UTC.

    Each date is rewritten only where it has the length of the new one (Chromium's
    ``D:YYYYMMDDHHmmSS+00'00'``), so every byte offset in the file stays valid. A PDF whose
    information dictionary or dates are not found as Chromium writes them is returned unchanged.
    """
    refs = _INFO_REF.findall(data)
    if not refs:
        return data
    number, generation = refs[-1]  # the last trailer's: the newest, were the file ever updated
    objects = list(re.finditer(rb"(?<![0-9])" + number + rb"\s+" + generation + rb"\s+obj\b", data))
    if not objects:
        return data
    start = objects[-1].end()
    end = data.find(b"endobj", start)
    if end < 0:
        return data
    wanted = pdf_date(day)
    out = bytearray(data)
    for found in _DATE_KEY.finditer(data, start, end):
        if len(found.group(2)) == len(wanted):
            out[found.start(2):found.end(2)] = wanted
    assert len(out) == len(data), "a PDF date was rewritten at another length"
    return bytes(out)


_NODE_ID = re.compile(rb"/ID \(node([0-9]{8})\)")
_NODE_STRING = re.compile(rb"\(node([0-9]{8})\)")
_ID_LEAF = re.compile(rb"/Limits \[\(node[0-9]{8}\) \(node[0-9]{8}\)\]\s*/Names \[((?:\(node[0-9]{8}\) [0-9]+ [0-9]+ R ?)+)\]")
_ID_PAIR = re.compile(rb"\(node([0-9]{8})\) ([0-9]+ [0-9]+ R)")


def number_node_ids(data: bytes) -> bytes:
    """``data`` with the ids Chromium gives tagged table cells (``/ID (node00000898)``) numbered 1, 2, 3... in
    the order the cells appear. Chromium draws them from a counter of its renderer's DOM nodes, so they vary
    with what was printed before and with the order it asks for them.

    Lengths are kept, so every byte offset stays valid; /Headers references follow, and the ID tree's leaf
    is sorted again by the new ids. A file whose ID tree has more than one leaf is returned unchanged."""
    order = list(dict.fromkeys(_NODE_ID.findall(data)))
    leaves = list(_ID_LEAF.finditer(data))
    if not order or len(leaves) != 1:
        return data
    new = {old: f"{rank:08d}".encode("ascii") for rank, old in enumerate(order, start=1)}
    out = bytearray(_NODE_STRING.sub(lambda m: b"(node" + new.get(m.group(1), m.group(1)) + b")", data))
    leaf = leaves[0]  # same place, same length: only the numbers changed
    pairs = sorted(_ID_PAIR.findall(bytes(out[leaf.start(1):leaf.end(1)])))
    names = b" ".join(b"(node" + key + b") " + ref for key, ref in pairs)
    limits = b"/Limits [(node" + pairs[0][0] + b") (node" + pairs[-1][0] + b")]"
    head = bytes(out[leaf.start():leaf.start(1)])
    head = re.sub(rb"/Limits \[[^\]]*\]", lambda _: limits, head, count=1)
    trailing = leaf.end(1) - leaf.start(1) - len(names)  # the space after the last pair, if Chromium wrote one
    out[leaf.start():leaf.end(1)] = head + names + b" " * trailing
    assert len(out) == len(data), "a node id was rewritten at another length"
    return bytes(out)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: into a new file beside it, then renamed over it (0666 less the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# Links in a PDF are absolute: a relative link would become this build folder's file:// path (which differs
# from folder to folder, and names the machine's folders). Relative links point at the page's public address;
# a site without one (no domain) keeps them as text. Links within the page stay PDF destinations.
PUBLIC_LINKS = """(address) => {
    const base = /^https?:\\/\\//i.test(address) ? address : null;
    for (const a of document.querySelectorAll('a[href]')) {
        const raw = a.getAttribute('href');
        if (raw.startsWith('#')) continue;
        if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^file:/i.test(raw)) continue;
        if (base) a.setAttribute('href', new URL(raw, base).href);
        else a.removeAttribute('href');
    }
}"""


class PdfPrinter:
    """One headless Chromium, one context and one tab that print built pages to PDF.

    >>> with PdfPrinter() as printer:                                   # doctest: +SKIP
    ...     printer.print([PdfPage(...), ...], build_date=datetime.date(2026, 12, 23))

    Playwright runs on a thread of its own: its sync API refuses to start on a thread that
    already runs an asyncio loop or another sync Playwright (a caller's, or a test's browser).

    Making a printer raises a BuildError saying how to install what is missing when Playwright or
    Chromium is not there; starting it, when Chromium does not start or is too old to print page
    margins; printing, when a page cannot be printed or written.
    """

    def __init__(self, chromium: str | None = None, timeout: float = 30.0):
        """Find Playwright and Chromium (``chromium``, else ``browser.find_chromium()``); start nothing yet.

        A BuildError here, before a build starts, says how to install what is missing.
        """
        try:
            from playwright.sync_api import Error as PlaywrightError
        except ImportError:
            raise BuildError(f"Playwright is not installed. {PDF_INSTALL_HINT}.") from None
        self._error: type[BaseException] = PlaywrightError
        found = chromium or find_chromium()
        if found is None:
            raise BuildError(f"no Chromium found (looked for {', '.join(CHROMIUM_NAMES)} on PATH). "
                             f"{PDF_INSTALL_HINT}.")
        self._chromium: str = found
        self._timeout_ms = timeout * 1000
        self._worker: ThreadPoolExecutor | None = None
        self._manager = self._browser = self._tab = None

    def __enter__(self) -> Self:
        """Start Chromium (a BuildError if it does not start, or is too old), with one context and one tab."""
        if self._worker is not None:
            raise RuntimeError("this PdfPrinter is already started")
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="legalsite-pdf")
        try:
            self._run(self._start, self._chromium)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def print(self, pages: Iterable[PdfPage], build_date: datetime.date) -> None:
        """Write each page's PDF to its ``pdf`` path, dated ``build_date``."""
        if self._tab is None:
            raise RuntimeError("PdfPrinter.print is called inside 'with PdfPrinter() as printer:'")
        for page in pages:
            self._run(self._print_one, page, build_date)

    def close(self) -> None:
        """Stop Chromium and Playwright (also done on leaving the with block)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            try:
                worker.submit(self._stop).result()
            finally:
                worker.shutdown()

    def _run(self, function, *args):
        """``function(*args)`` on the Playwright thread; its result, or its exception raised here."""
        return self._worker.submit(function, *args).result()

    # --- on the Playwright thread ---------------------------------------------------

    def _start(self, chromium: str) -> None:
        from playwright.sync_api import sync_playwright

        try:
            self._manager = sync_playwright()
            playwright = self._manager.start()
            self._browser = launch_chromium(playwright, chromium)
            version = self._browser.version
            if int(version.split(".")[0]) < MIN_CHROMIUM:
                raise BuildError(f"Chromium {version} at {chromium} is too old to print page footers "
                                 f"(it needs {MIN_CHROMIUM} or later). {PDF_INSTALL_HINT}.")
            # Light colours, as on paper; no script (a page prints by its print stylesheet, and scripts touching
            # the page would vary the ids of tagged table cells), no service worker, nothing from the network.
            context = self._browser.new_context(color_scheme="light", service_workers="block", java_script_enabled=False)
            context.set_default_timeout(self._timeout_ms)
            context.route("**/*", _local_only)
            self._tab = context.new_page()
        except (self._error, OSError, ValueError) as exc:
            raise BuildError(f"Chromium at {chromium} did not start ({_first_line(exc)}). {PDF_INSTALL_HINT}.") from None

    def _stop(self) -> None:
        browser, manager = self._browser, self._manager
        self._tab = self._browser = self._manager = None
        # Either may be gone already (Ctrl+C reaches Chromium and Playwright's driver too).
        with contextlib.suppress(self._error):
            if browser is not None:
                browser.close()
        with contextlib.suppress(self._error):
            if manager is not None:
                manager.__exit__(None, None, None)

    def _print_one(self, page: PdfPage, build_date: datetime.date) -> None:
        html = Path(page.html)
        if not html.is_file():
            raise BuildError(f"cannot print {html} to PDF: there is no such file.")
        tab = self._tab
        try:
            tab.goto(html.resolve().as_uri(), wait_until="load")
            tab.evaluate("() => document.fonts.ready.then(() => true)")
            tab.evaluate(PUBLIC_LINKS, page.address)
            # Not add_style_tag: it waits for the style's load event, which a page without script never fires.
            tab.evaluate("css => document.head.appendChild(Object.assign(document.createElement('style'), "
                         "{textContent: css}))", page_css(page))
            data = tab.pdf(format="A4", prefer_css_page_size=True, print_background=True,
                           display_header_footer=False, tagged=True, outline=True)
        except self._error as exc:
            raise BuildError(f"Chromium could not print {html} to PDF ({_first_line(exc)}).") from None
        try:
            write_atomically(Path(page.pdf), number_node_ids(set_pdf_dates(data, build_date)))
        except OSError as exc:
            raise BuildError(f"could not write {page.pdf}: {exc.strerror or exc}.") from None


def _local_only(route) -> None:
    """Let file:// requests through; refuse every other one, so printing never reaches the network."""
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort("blockedbyclient")
