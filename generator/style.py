"""A brand's look: colours that stay readable, its logo, and the cookie consent banner.

Colours come from the brand's ``theme`` facts and are adjusted, never
trusted: header text, links and highlights are each moved towards black or
white until they meet WCAG AA contrast (4.5:1) on the background they sit on,
in light and dark mode alike. The consent banner is configured from the cookie
facts, so it can never disagree with the cookie policy.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from xml.etree import ElementTree

from .feeds import xml_text
from .model import Brand

# What brand-coloured text sits on in each scheme, on either engine: the page (Material: white, and slate's
# hsl(225deg 15% 14%); Zensical's slate page is darker still) and Zensical's consent buttons, tinted 5% black
# on white and 12% light grey on its slate page. Links and hovers must reach AA on every one.
BACKGROUNDS = {"default": ("#ffffff", "#f2f2f2"), "slate": ("#1e2129", "#252629")}
AA = 4.6  # WCAG AA asks 4.5:1; the margin absorbs browsers rounding colours differently
LOGO_SUFFIXES = (".svg", ".png")
LOGO_MAX_BYTES = 512 * 1024


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _mix(colour: str, towards: str, share: float) -> str:
    mixed = (round(c + (t - c) * share) for c, t in zip(_rgb(colour), _rgb(towards), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def readable(colour: str, background: str, ratio: float = AA) -> str:
    """``colour``, darkened or lightened just enough to reach ``ratio`` against ``background``."""
    towards = "#000000" if luminance(background) > 0.18 else "#ffffff"
    for step in range(21):
        candidate = _mix(colour, towards, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return towards


def readable_on(colour: str, backgrounds: tuple[str, ...]) -> str:
    """``colour``, adjusted just enough to reach AA on each of ``backgrounds`` (all light, or all dark)."""
    for background in backgrounds:
        colour = readable(colour, background)  # each step only moves further from all of them
    return colour


def text_on(background: str) -> str:
    """White or black, whichever reads better on ``background`` (one of the two always reaches 4.58:1)."""
    return "#ffffff" if contrast("#ffffff", background) >= contrast("#000000", background) else "#000000"


def brand_css(brand: Brand) -> str:
    """The CSS variables Material's 'custom' palette reads, computed from the brand's two colours."""
    primary, accent = brand.theme.primary.lower(), brand.theme.accent.lower()
    on_primary = text_on(primary)
    name = " ".join(brand.name.split()).replace("*/", "* /")  # a '*/' in the name would end the comment
    lines = [
        f"/* {name}: colours from content/brands, adjusted by legalsite to reach WCAG AA contrast. */",
        ":root > * {",
        f"  --md-primary-fg-color: {primary};",
        f"  --md-primary-fg-color--light: {_mix(primary, '#ffffff', 0.25)};",
        f"  --md-primary-fg-color--dark: {_mix(primary, '#000000', 0.25)};",
        f"  --md-primary-bg-color: {on_primary};",
        f"  --md-primary-bg-color--light: {on_primary};",
        f"  --md-accent-bg-color: {text_on(accent)};",
        "}",
    ]
    for scheme, backgrounds in BACKGROUNDS.items():
        link, hover = readable_on(primary, backgrounds), readable_on(accent, backgrounds)
        lines += [
            f':root > [data-md-color-scheme="{scheme}"][data-md-color-primary] {{',
            f"  --md-typeset-a-color: {link};",
            f"  --md-accent-fg-color: {hover};",
            f"  --md-accent-fg-color--transparent: {hover}1a;",
            "}",
        ]
    return "\n".join(lines) + "\n"


def monogram(brand: Brand) -> str:
    """A logo for a brand without one: its initial, in the header's colours."""
    primary = brand.theme.primary.lower()
    svg = ElementTree.Element("svg", xmlns=_SVG, viewBox="0 0 48 48")
    ElementTree.SubElement(svg, "rect", width="48", height="48", rx="10", fill=text_on(primary))
    text = ElementTree.SubElement(svg, "text", {"x": "24", "y": "34", "text-anchor": "middle", "font-size": "28",
                                                "font-family": "system-ui, sans-serif", "font-weight": "700",
                                                "fill": primary})
    text.text = xml_text(brand.name.strip()[:1].upper())  # ElementTree escapes it; XML cannot carry some characters
    return ElementTree.tostring(svg, encoding="unicode") + "\n"


_SVG = "http://www.w3.org/2000/svg"
# Namespaces whose elements a browser brings to life inside an SVG (an XHTML <img onerror>, a MathML link).
_LIVE_NAMESPACES = ("http://www.w3.org/1999/xhtml", "http://www.w3.org/1998/Math/MathML")
# Elements that run code, show another document or listen for events.
_ACTIVE = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "audio", "video"}
_ANIMATIONS = {"animate", "set", "animatemotion", "animatetransform", "animatecolor"}
# Attributes that load or link to an address: only a reference inside the file ("#id") is allowed.
_ADDRESSES = {"href", "src", "action", "formaction", "data", "codebase", "background", "poster", "srcset"}
# CSS that loads something, or hides what it loads: url() and the like, @import, escapes, old IE script.
_CSS_LOADS = re.compile(r"@import|\\|expression\s*\(|javascript:|-moz-binding|behavior\s*:|"
                        r"(?<![\w-])(?:-webkit-)?(?:image|image-set|cross-fade|element|-moz-element)\s*\(")
_CSS_URL = re.compile(r"(?<![\w-])(?:url|src)\s*\((?!\s*['\"]?\s*#)")


def _css_problem(css: str) -> str | None:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL).lower()
    if found := _CSS_LOADS.search(css) or _CSS_URL.search(css):
        return f"its CSS loads or hides an outside resource ({found.group().strip()})"
    return None


class _Tree(ElementTree.TreeBuilder):
    """Notes a DOCTYPE and processing instructions (<?xml-stylesheet href=...?>), wherever they are, to refuse them."""

    def __init__(self) -> None:
        super().__init__()
        self.doctype_seen = False
        self.instruction: str | None = None

    def pi(self, target, data=None):
        self.instruction = self.instruction or target
        return super().pi(target, data)

    def doctype(self, name, pubid, system) -> None:  # XMLParser calls it for <!DOCTYPE ...>
        self.doctype_seen = True


def logo_problem(path: Path) -> str | None:
    """Why a logo file cannot be published, or None. An SVG is a page of its own (open its address and its
    scripts run on the brand's site): nothing in it may run, listen, load or link outside the file."""
    if path.suffix.lower() not in LOGO_SUFFIXES:
        return "it is not an .svg or .png file"
    if not path.is_file():
        return "there is no such file"
    if path.stat().st_size > LOGO_MAX_BYTES:
        return f"it is larger than {LOGO_MAX_BYTES // 1024} KB"
    if path.suffix.lower() == ".png":
        return None if path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" else "it is not a PNG image"
    return svg_problem(path.read_bytes())


def svg_problem(data: bytes) -> str | None:
    """Why an SVG is not inert, or None: the rules of ``logo_problem``."""
    tree = _Tree()
    try:
        parser = ElementTree.XMLParser(target=tree)
        parser.feed(data)
        root = parser.close()
    except ElementTree.ParseError as exc:
        return "it has a DOCTYPE, whose entities can pull in outside files" if tree.doctype_seen \
            else f"it is not well-formed SVG ({exc})"
    if tree.doctype_seen:
        return "it has a DOCTYPE, whose entities can pull in outside files"
    if tree.instruction:
        return f"it has a processing instruction (<?{tree.instruction} ...?>), which can load a stylesheet"
    if root.tag != f"{{{_SVG}}}svg":
        return "it is not an SVG image (its root is not <svg xmlns=\"http://www.w3.org/2000/svg\">)"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        namespace, _, tag = element.tag[1:].rpartition("}") if element.tag.startswith("{") else ("", "", element.tag)
        tag = tag.lower()
        if namespace in _LIVE_NAMESPACES:
            return f"it contains a <{tag}> element of HTML or MathML"
        if tag in _ACTIVE:
            return f"it contains a <{tag}> element"
        if tag in _ANIMATIONS:
            target = element.get("attributeName", "").rsplit(":", 1)[-1].lower()
            if target in _ADDRESSES or target.startswith("on"):
                return f"its <{tag}> element changes '{element.get('attributeName')}', a link or event handler"
        if tag == "style" and (problem := _css_problem("".join(element.itertext()))):
            return problem
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1].lower()
            if name.startswith("on"):
                return f"it has an event handler ({name})"
            if name in _ADDRESSES and not value.strip().startswith("#"):
                return f"it links outside itself ({value})"
            if "javascript:" in re.sub(r"\s", "", value).lower():
                return f"it has a javascript: address ({value})"
            if problem := _css_problem(value):  # style="..." and presentation attributes: fill="url(...)"
                return problem
    return None


def consent_config(brand: Brand) -> dict | None:
    """Material's ``extra.consent`` for a brand that states some cookie is set only with consent; None otherwise.

    Only the brand's own statement (``consent_required: true``) brings the banner: legalsite never concludes
    from a category that consent is needed. Material inserts these strings into the page as HTML, so every
    fact is escaped here.
    """
    optional = [c for c in brand.cookies if c.consent_required]
    if not optional:
        return None
    name = html.escape(brand.name)
    kinds: dict[str, list[str]] = {}
    for cookie in optional:
        kinds.setdefault(cookie.category or "other", []).append(cookie.purpose)
    described = "; ".join(html.escape(f"{kind} cookies ({', '.join(purposes)})" if kind != "other"
                                      else f"cookies for {', '.join(purposes)}") for kind, purposes in kinds.items())
    text = f"With your consent, {name} also uses {described}. You can accept or reject them, and change your " \
           "choice at any time from the link at the foot of each page."
    if any(c.category == "essential" for c in brand.cookies):
        text = f"{name} uses essential cookies that its service needs. " + text
    # Unticked: consent must be given, never assumed.
    cookies = {kind: {"name": html.escape(f"{kind.capitalize()}: {', '.join(purposes)}"), "checked": False}
               for kind, purposes in kinds.items()}
    return {"title": "Cookie consent", "description": text, "cookies": cookies,
            "actions": ["accept", "reject", "manage"]}
