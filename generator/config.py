"""Engine settings: the project's mkdocs.yml, checked the way a build uses it, and each brand's config.

Both engines read mkdocs.yml; what they report is captured here too (``mkdocs_log``, ``zensical_build``).

``check`` (the mkdocs-config rule) and ``build`` both read the settings through ``mkdocs_settings``, so a
setting MkDocs would refuse stops ``check``, not a build halfway through.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import yaml

from . import ENGINES
from .cache import Cache, digest
from .errors import FactError, Finding
from .load import load_bytes, read_bounded
from .model import Brand
from .project import Project
from .render import PAGE_TITLES
from .style import consent_config

THEME_DIR = Path(__file__).parent / "theme"


def load_base_config(project: Project) -> dict:
    """The shared mkdocs.yml, read safely (duplicate keys refused) and with YAML's usual types.

    Raises FactError with a finding at the setting's line for anything MkDocs would refuse.
    """
    base, findings = mkdocs_settings(project)
    errors = [f for f in findings if f.is_error]
    if errors or base is None:
        raise FactError(errors)
    return copy.deepcopy(base)


class _SettingsLoader(yaml.SafeLoader):
    """YAML's usual types for values; keys stay the text typed ('on' is not True) and dates stay text,
    so the settings survive the JSON of the cache key and the YAML MkDocs reads."""

    def construct_mapping(self, node, deep=False):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_node.tag = "tag:yaml.org,2002:str"
        return super().construct_mapping(node, deep)


_SettingsLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
# (mkdocs.yml's bytes, the engine chosen for this run or by LEGALSITE_ENGINE) → what they give
_settings_checked: dict[tuple[bytes, str], tuple[dict | None, list[Finding]]] = {}


def mkdocs_settings(project: Project) -> tuple[dict | None, list[Finding]]:
    """mkdocs.yml as the base of every brand's config, and the findings that stop a build (``None`` then).

    Checked as a build uses it: the fact loader's safety checks, the shapes legalsite adds to, then
    MkDocs' own validation of a brand's config and one page through the Markdown extensions.
    """
    path = project.mkdocs_base
    try:
        raw = read_bounded(path, "mkdocs.yml")
        key = raw, project.engine or os.environ.get("LEGALSITE_ENGINE", "")
        if key not in _settings_checked:
            _settings_checked.clear()  # one mkdocs.yml per project: keep the latest only
            _settings_checked[key] = _kept_settings(project.cache, raw, project.engine, key[1])
    except FactError as exc:
        return None, list(exc.findings)
    base, findings = _settings_checked[key]
    return (copy.deepcopy(base) if base is not None else None), list(findings)


def installed(*packages: str) -> str:
    """"mkdocs 1.6.1; zensical none": the packages' versions, read from their metadata without importing them."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in packages:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} none")
    return "; ".join(found)


@functools.cache
def tool_versions() -> str:
    """The versions of what judges mkdocs.yml (MkDocs, Material, Markdown, Zensical)."""
    return installed("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "zensical")


def _kept_settings(cache: Cache, raw: bytes, engine: str | None, chosen: str) -> tuple[dict | None, list[Finding]]:
    """_check_settings' verdict, kept by the file's bytes, the engine and the tools' versions: a check or a build
    with nothing to build then never imports MkDocs."""
    key = digest("settings", raw, engine or "", chosen, tool_versions())
    entry = cache.get("settings", key)
    try:
        base, findings = entry["base"], [Finding(*row) for row in entry["findings"]]
        if not (base is None or isinstance(base, dict)) or not isinstance(entry["options"], dict):
            raise TypeError
        _options_checked.update(_options_of(entry["options"]))
        return base, findings
    except (TypeError, KeyError, ValueError):
        base, findings = _check_settings(raw, engine)
        cache.put("settings", key, {"base": base, "findings": [f.row() for f in findings],
                                    "options": dict(_options_checked)})
        return base, findings


# legalsite's own settings, under 'legalsite:' in mkdocs.yml (MkDocs never sees them): name → (default, what).
# A setting is true or false, or one of CHOICES.
OPTIONS = {
    "pdf": (False, ("publish a PDF copy of every page (needs Chromium: pip install 'legalsite[pdf]' and "
                    "apt-get install -y chromium)")),
    "versions": (True, "publish every earlier and upcoming version from git history, each at its own address"),
    "engine": ("mkdocs", ("what builds the sites: mkdocs (MkDocs with Material for MkDocs) or zensical (Zensical, "
                          "Material's successor: pip install 'legalsite[zensical]')")),
}
CHOICES = {"engine": tuple(ENGINES)}


def options(project: Project) -> dict[str, Any]:
    """legalsite's settings from mkdocs.yml's 'legalsite:' block, with their defaults (read after check passed)."""
    mkdocs_settings(project)  # reads and checks the file once; the block was taken out of it then
    return dict(_options_checked)


def _valid(name: str, value: Any) -> bool:
    return value in CHOICES[name] if name in CHOICES else isinstance(value, bool)


def _options_of(own: Any) -> dict[str, Any]:
    own = own if isinstance(own, dict) else {}
    return {name: own[name] if _valid(name, own.get(name)) else default for name, (default, _) in OPTIONS.items()}


_options_checked: dict[str, Any] = _options_of(None)  # those of the mkdocs.yml in _settings_checked


def _check_options(doc, base: dict) -> list[Finding]:
    own = base.pop("legalsite", {})
    _options_checked.clear()
    _options_checked.update(_options_of(own))
    if own is None:
        return []
    if not isinstance(own, dict):
        return [doc.finding(("legalsite",), "legalsite must be settings written 'name: value' under it, such as "
                            "'pdf: true'.", rule="mkdocs-config", key=True)]
    problems = []
    for name, value in own.items():
        if name not in OPTIONS:
            known = "; ".join(f"{n}: {what}" for n, (_, what) in OPTIONS.items())
            problems.append(doc.finding(("legalsite", name), f"legalsite has no setting '{name}'; the settings are "
                                        f"{known}.", rule="mkdocs-config", key=True))
        elif name in CHOICES and not _valid(name, value):
            problems.append(doc.finding(("legalsite", name), f"write one of {', '.join(CHOICES[name])} for {name} "
                                        f"({OPTIONS[name][1]}).", rule="mkdocs-config"))
        elif not _valid(name, value):
            problems.append(doc.finding(("legalsite", name), f"write 'true' or 'false' for {name} "
                                        f"({OPTIONS[name][1]}).", rule="mkdocs-config"))
    return problems


def _check_settings(raw: bytes, engine: str | None = None) -> tuple[dict | None, list[Finding]]:
    _options_checked.update(_options_of(None))  # until this file's own are read
    doc = load_bytes(raw, "mkdocs.yml")  # no tags, no duplicate keys, bounded; raises FactError
    if doc.problems:
        return None, doc.problems

    def at(loc: tuple, message: str) -> Finding:
        lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
        if len(lines) > 1:  # MkDocs quotes a traceback: keep its first line and the error it ends with
            message = f"{lines[0].rstrip('.')} ({lines[-1]})"
        return doc.finding(loc, f"{message.rstrip('.')}; fix or remove this setting "
                           "(see https://www.mkdocs.org/user-guide/configuration/).", rule="mkdocs-config", key=True)

    try:
        base = yaml.load(raw.decode("utf-8").removeprefix("\ufeff"), Loader=_SettingsLoader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        return None, [at((), f"MkDocs cannot read this file: {exc}")]
    if base is None:
        base = {}
    if not isinstance(base, dict):
        return None, [at((), "mkdocs.yml must hold settings written 'name: value', one a line")]
    problems = _check_options(doc, base)
    for key in ("theme", "extra", "extra_css", "markdown_extensions", "plugins"):
        if key in base and base[key] is None:  # 'extra:' with nothing after it: as if not written
            del base[key]
    theme = base.setdefault("theme", {"name": "material"})
    if isinstance(theme, str):
        theme = base["theme"] = {"name": theme}
    if not isinstance(theme, dict):
        problems.append(at(("theme",), "theme must be settings under it, starting with 'name: material'"))
    elif theme.get("name") != "material":
        problems.append(at(("theme", "name") if "name" in theme else ("theme",),
                           "legalsite's pages are built on the Material theme; write 'name: material' under theme"))
    elif "language" in theme and not _material_language(theme["language"]):
        problems.append(at(("theme", "language"), f"the Material theme has no language '{theme['language']}'; "
                           "write a language code it knows, such as 'en', 'de' or 'fr'"))
    else:
        palette = theme.get("palette")
        if palette is None:
            theme.pop("palette", None)
        elif isinstance(palette, dict):  # Material accepts one scheme written without a list
            theme["palette"] = [palette]
        elif not isinstance(palette, list) or not all(isinstance(s, dict) for s in palette):
            problems.append(at(("theme", "palette"), "theme.palette must be a list of colour schemes, each "
                               "written '- scheme: default' with its settings under it"))
    if not isinstance(base.get("extra", {}), dict):
        problems.append(at(("extra",), "extra must be settings written 'name: value' under it"))
    if not isinstance(base.get("extra_css", []), list):
        problems.append(at(("extra_css",), "extra_css must be a list of stylesheets, one '- file.css' a line"))
    edit_uri = base.get("edit_uri")
    if edit_uri and not base.get("repo_url") and not re.match(r"https?://", str(edit_uri)):
        # MkDocs accepts this in its config check, then warns on every page, which fails the build
        problems.append(at(("edit_uri",), "edit_uri is a path under repo_url, which is not set; set repo_url, "
                           "or write edit_uri as a full https:// address"))
    if problems:
        return None, problems
    problems = _mkdocs_validation(base, doc, at)
    if not problems and engine_of(_options_checked, engine) == "zensical":
        problems = _zensical_validation(base, doc, at)
    return (None if problems else base), problems


def engine_of(settings: dict[str, Any], chosen: str | None = None) -> str:
    """The engine a build uses: ``chosen`` (--engine), else LEGALSITE_ENGINE, else 'engine' in mkdocs.yml."""
    return chosen or os.environ.get("LEGALSITE_ENGINE") or settings["engine"]


def _material_language(code: Any) -> bool:
    """Whether Material ships templates for ``code`` (it fails mid-build, not in its config check, otherwise)."""
    import material

    folder = Path(material.__file__).parent / "templates" / "partials" / "languages"
    return isinstance(code, str) and re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", code) is not None \
        and (folder / f"{code}.html").is_file()


def _mkdocs_validation(base: dict, doc, at) -> list[Finding]:
    """MkDocs' own checks of a brand's config made from these settings, and one page through its extensions."""
    import markdown
    from mkdocs.config.defaults import MkDocsConfig

    sample = Brand.model_validate({"name": "Example", "theme": {"primary": "#000000", "accent": "#000000"}})
    config = brand_config(sample, ["index"], base)
    problems: list[Finding] = []

    def where(key: str) -> tuple:
        return (key,) if (key,) in doc.values else ()

    with tempfile.TemporaryDirectory(prefix="legalsite-settings-") as work, mkdocs_log() as messages:
        (Path(work) / "docs").mkdir()
        config_path = Path(work) / "mkdocs.yml"
        config.update(docs_dir=str(Path(work) / "docs"), site_dir=str(Path(work) / "site"))
        try:
            config_path.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
            json.dumps(config, sort_keys=True)  # the cache key of every build
            checked = MkDocsConfig(config_file_path=str(config_path))
            with open(config_path, encoding="utf-8") as handle:
                checked.load_file(handle)
            errors, warnings = checked.validate()
        except Exception as exc:  # noqa: BLE001  (MkDocs or PyYAML refusing a value in a way of its own)
            return [at((), f"MkDocs cannot use these settings: {exc}")]
        for key, error in [*errors, *warnings]:
            problems.append(at(where(key), f"MkDocs refuses the setting '{key}': {error}"))
        if not problems:
            try:
                markdown.Markdown(extensions=checked["markdown_extensions"],
                                  extension_configs=checked["mdx_configs"]).convert("# Title\n\nText.\n")
            except Exception as exc:  # noqa: BLE001  (an extension's own check of its options)
                problems.append(at(where("markdown_extensions"),
                                   f"a Markdown extension refuses its settings: {exc}"))
        problems += [at((), f"MkDocs warns: {m}") for m in messages if not problems]
    return problems


def _zensical_validation(base: dict, doc, at) -> list[Finding]:
    """Zensical's reading of a brand's config made from these settings: one page built with it, as a build would.

    Zensical accepts some settings MkDocs accepts only when it builds (theme.features: [null], say), so
    ``check`` tries them here rather than let a build fail on them.
    """
    try:
        import zensical  # noqa: F401  (installed with legalsite[zensical])
    except ImportError:
        where = ("legalsite", "engine") if ("legalsite", "engine") in doc.values else ()
        return [doc.finding(where, "the sites are to be built with Zensical, which is not installed; install it "
                            "with pip install 'legalsite[zensical]', or build with MkDocs (engine: mkdocs).",
                            rule="mkdocs-config")]
    sample = Brand.model_validate({"name": "Example", "theme": {"primary": "#000000", "accent": "#000000"}})
    config = {**brand_config(sample, ["index"], base), "docs_dir": "docs", "site_dir": "site"}
    with tempfile.TemporaryDirectory(prefix="legalsite-settings-") as work:
        (Path(work) / "docs").mkdir()
        (Path(work) / "docs" / "index.md").write_text("# Title\n\nText.\n", encoding="utf-8")
        config_path = Path(work) / "mkdocs.yml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
        problems = zensical_build(config_path)
    findings = []
    for problem in problems:
        field = re.search(r"\bProject\.(\w+)", problem)  # "failed to extract field Project.theme"
        key = (field[1],) if field and (field[1],) in doc.values else ()
        findings.append(at(key, f"Zensical cannot use these settings: {problem}"))
    return findings


def zensical_build(config_path: Path) -> list[str]:
    """Build with Zensical; what went wrong, as lines: the error it stopped with and each warning it printed.

    Zensical reports to the terminal (fd 1 and 2), not to Python's logging, in boxes: both are captured here
    and its warnings read back as 'file:line:col: message (the line reads: ...)'.
    """
    import zensical

    sys.stdout.flush()
    sys.stderr.flush()
    failure = None
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(1), os.dup(2)
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            zensical.build(str(config_path), {"strict": True, "clean": True})
        except Exception as exc:  # noqa: BLE001  (its Rust core raises RuntimeError; its config reader, others)
            failure = str(exc).strip() or type(exc).__name__
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
        sink.seek(0)
        report = sink.read().decode("utf-8", "replace")
    warnings = _zensical_warnings(report)
    if warnings:
        return warnings  # "Aborted because --strict flag is set" says no more than they do
    return [failure] if failure else []


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BOXED = re.compile(r"^(?:Warning|Error): (?P<message>.+)\n\s*╭─\[ (?P<where>[^\]\n]+?) \]\n(?:.*\n)*?\s*\d+ │ "
                    r"(?P<source>.*)$", re.MULTILINE)


def _zensical_warnings(report: str) -> list[str]:
    text = _ANSI.sub("", report)
    found = [f"{m['where']}: {m['message'].strip()} (the line reads: {m['source'].strip()[:200]})"
             for m in _BOXED.finditer(text)]
    if not found:  # a warning in a shape this version does not box: keep its own words
        found = [line.strip() for line in text.splitlines() if re.match(r"\s*(Warning|Error)\b", line)]
    return found


def brand_config(brand: Brand, pages: list[str], base: dict) -> dict:
    """The MkDocs config of one brand: the shared base plus the brand's name, address, navigation and look."""
    config = copy.deepcopy(base)
    config.update(
        # MkDocs and Material print site_name into HTML unescaped (<title>, header, nav; theme/main.html too),
        # and nowhere else: it goes in escaped. Material's two `site_name|e` uses are undone in main.html.
        site_name=escape(brand.name),
        nav=[{("Home" if page == "index" else PAGE_TITLES[page]): f"{page}.md"} for page in pages],
    )
    if brand.domain:
        config["site_url"] = f"https://{brand.domain}/"
    theme = config.setdefault("theme", {"name": "material"})
    theme["custom_dir"] = str(THEME_DIR)
    theme["logo"] = theme["favicon"] = logo_name(brand)
    for scheme in theme.get("palette") or [{}]:
        scheme.update(primary="custom", accent="custom")  # the colours themselves are in assets/brand.css
    config["extra_css"] = [*config.get("extra_css", []), "assets/stylesheets/legalsite.css", "assets/brand.css"]
    consent = consent_config(brand)
    if consent:
        config.setdefault("extra", {})["consent"] = consent
        config["copyright"] = '<a href="#__consent">Change cookie settings</a>'
    return config


def logo_name(brand: Brand) -> str:
    """Where a brand's logo (its own, or the generated monogram) is in its site."""
    return "assets/logo" + (Path(brand.theme.logo).suffix.lower() if brand.theme.logo else ".svg")


@contextlib.contextmanager
def mkdocs_log() -> Iterator[list[str]]:
    """Collect MkDocs' warnings instead of printing them; they become a finding or the build error's message."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("mkdocs")
    handler = Collect(logging.WARNING)
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved
