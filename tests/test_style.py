"""The brand look: readable colours for any brand colour, the logo, and the consent banner from the cookie facts."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from legalsite.build import build_project
from legalsite.checks import run_checks
from legalsite.project import load_project
from legalsite.style import BACKGROUNDS, consent_config, contrast, readable, readable_on, text_on

ROOT = Path(__file__).parents[1]
LINKRAPI = "content/brands/linkrapi.yaml"
JOURNEYAPI = "content/brands/journeyapi.yaml"
# Every 17th shade of each channel: 4,096 colours from black to white.
GRID = ["#" + "".join(f"{c:02x}" for c in rgb) for rgb in itertools.product(range(0, 256, 17), repeat=3)]


def test_worked_example_of_contrast():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # WCAG's classic near miss


@pytest.mark.parametrize("scheme", sorted(BACKGROUNDS))
def test_any_brand_colour_becomes_readable_on_every_background_of_a_scheme(scheme):
    backgrounds = BACKGROUNDS[scheme]
    failures = [(c, b) for c in GRID for b in backgrounds if contrast(readable_on(c, backgrounds), b) < 4.5]
    assert not failures, failures[:5]


def test_readable_keeps_a_colour_that_already_passes():
    assert readable("#1a237e", "#ffffff") == "#1a237e"


def test_header_text_is_readable_on_any_brand_colour():
    failures = [c for c in GRID if contrast(text_on(c), c) < 4.5]
    assert not failures, failures[:5]


@pytest.mark.parametrize("slug", sorted(load_project(ROOT).brands))
def test_published_brand_css_meets_aa(slug, tmp_path):
    """Every colour pair written to assets/brand.css: header text on primary, links on each background."""
    build_project(ROOT, out=tmp_path / "site", slugs=[slug])
    css = (tmp_path / "site" / slug / "assets" / "brand.css").read_text(encoding="utf-8")
    values = dict(re.findall(r"(--md-[a-z-]+): (#[0-9a-f]{6});", css.split("[data-md-color-scheme")[0]))
    assert contrast(values["--md-primary-bg-color"], values["--md-primary-fg-color"]) >= 4.5
    for scheme, backgrounds in BACKGROUNDS.items():
        block = css.split(f'[data-md-color-scheme="{scheme}"]')[1].split("}")[0]
        for name, colour in re.findall(r"(--md-[a-z-]+): (#[0-9a-f]{6});", block):
            for background in backgrounds:
                assert contrast(colour, background) >= 4.5, (scheme, name, colour, background)


def test_consent_banner_follows_the_cookie_facts(project, edit):
    shipped = load_project(ROOT)
    for slug, brand in shipped.brands.items():
        needs = any(c.consent_required for c in brand.cookies)
        assert (consent_config(brand) is not None) == needs, slug
    # No seed says a cookie needs consent; a category alone never brings the banner (that would be a conclusion).
    assert not any(consent_config(b) for b in shipped.brands.values())
    edit(project / JOURNEYAPI, "  - purpose: basic analytics\n",
         "  - purpose: basic analytics\n    category: analytics\n")
    assert consent_config(load_project(project).brands["journeyapi"]) is None
    edit(project / JOURNEYAPI, "    category: analytics\n", "    category: analytics\n    consent_required: true\n")
    banner = consent_config(load_project(project).brands["journeyapi"])
    assert banner["cookies"] == {"analytics": {"name": "Analytics: basic analytics", "checked": False}}
    assert "basic analytics" in banner["description"]


def test_consent_banner_escapes_facts(project, edit, tmp_path):
    """Material prints the banner's strings as HTML: a cookie purpose with markup must arrive as text."""
    edit(project / JOURNEYAPI, "  - purpose: basic analytics\n",
         "  - purpose: Basic <b>analytics</b> & more\n    category: analytics\n    consent_required: true\n")
    build_project(project)
    page = (project / "site" / "journeyapi" / "privacy" / "index.html").read_text(encoding="utf-8")
    banner = page.split('data-md-component="consent"')[1].split("</form>")[0]
    assert "Basic &lt;b&gt;analytics&lt;/b&gt; &amp; more" in banner
    assert "<b>analytics</b>" not in banner
    assert 'type="checkbox" name="analytics" >' in banner or 'name="analytics" >' in banner  # not pre-ticked
    assert 'href="#__consent"' in page  # the footer link that reopens the banner


def test_a_brand_without_optional_cookies_has_no_banner(tmp_path):
    build_project(ROOT, out=tmp_path / "site", slugs=["linkrapi"])
    page = (tmp_path / "site" / "linkrapi" / "privacy" / "index.html").read_text(encoding="utf-8")
    assert 'data-md-component="consent"' not in page


SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'


def test_a_logo_is_published_and_shown(project, edit):
    (project / "content" / "brands" / "linkrapi.svg").write_text(SVG, encoding="utf-8")
    edit(project / LINKRAPI, '  accent: "#00838f"\n', '  accent: "#00838f"\n  logo: brands/linkrapi.svg\n')
    build_project(project)
    site = project / "site" / "linkrapi"
    assert (site / "assets" / "logo.svg").read_text(encoding="utf-8") == SVG
    # the header shows it: "assets/logo.svg" (MkDocs) or "./assets/logo.svg" (Zensical), from the home page
    assert re.search(r'<img src="(\./)?assets/logo\.svg"', (site / "index.html").read_text(encoding="utf-8"))


def test_without_a_logo_the_header_shows_the_initial(tmp_path):
    build_project(ROOT, out=tmp_path / "site", slugs=["idclinks"])
    assert ">I</text>" in (tmp_path / "site" / "idclinks" / "assets" / "logo.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize("svg, words", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
    ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/x.png"/></svg>', "links outside"),
    ("<svg", "not well-formed"),
], ids=["script", "onload", "outside-link", "broken"])
def test_an_unsafe_logo_is_refused(project, edit, where, svg, words):
    (project / "content" / "brands" / "linkrapi.svg").write_text(svg, encoding="utf-8")
    text = edit(project / LINKRAPI, '  accent: "#00838f"\n', '  accent: "#00838f"\n  logo: brands/linkrapi.svg\n')
    found = [f for f in run_checks(load_project(project)) if f.rule == "logo-file"]
    assert [(f.line, f.column) for f in found] == [where(text, "brands/linkrapi.svg")]
    assert words in found[0].message


def test_a_logo_outside_content_is_refused(project, edit):
    (project / "logo.svg").write_text(SVG, encoding="utf-8")
    edit(project / LINKRAPI, '  accent: "#00838f"\n', '  accent: "#00838f"\n  logo: ../logo.svg\n')
    found = [f for f in run_checks(load_project(project)) if f.rule == "logo-file"]
    assert len(found) == 1 and "outside content/" in found[0].message
