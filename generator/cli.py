"""The ``legalsite`` command: a thin layer over the library.

Exit codes: 0 ok, 1 bad facts or a failed build, 2 usage error.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
import traceback
from pathlib import Path

import click

from . import ENGINES, __version__
from .errors import FactError, Finding, LegalsiteError

# Each command imports the stages it runs when it runs: `legalsite --version` and `--help` load none of them.


def _report(func):
    """Turn legalsite errors into their messages and exit code; tracebacks only with --debug."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .signals import orderly_signals

        ctx = click.get_current_context()
        try:
            with orderly_signals():  # SIGTERM unwinds like Ctrl+C: temporary folders and workers are cleaned up
                return func(*args, **kwargs)
        except LegalsiteError as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)  # 128 + SIGINT, as a shell reports it
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception:  # a bug in legalsite, not in the facts
            if ctx.find_root().params.get("debug"):
                raise
            click.echo("legalsite: internal error (this is a bug in legalsite, not in your facts). "
                       "Run again with --debug for the details and report them.", err=True)
            click.echo("".join(traceback.format_exception_only(*sys.exc_info()[:2])).strip(), err=True)
            ctx.exit(1)

    return wrapper


def _print(findings: list[Finding]) -> None:
    for finding in findings:
        click.echo(str(finding), err=finding.is_error)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="legalsite")
@click.option("-C", "--project", "project_dirs", type=click.Path(file_okay=False, path_type=Path), multiple=True,
              help="The project folder (the one holding content/), default: this one. As with git -C, a second "
                   "-C is taken relative to the first.")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
@click.pass_context
def cli(ctx: click.Context, project_dirs: tuple[Path, ...], debug: bool) -> None:
    """Build privacy, cookie and security sites for every brand from the facts in content/.

    \b
    Example:
        legalsite check
        legalsite build
    """
    ctx.obj = Path(".").joinpath(*project_dirs)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to publish the sites (default: site/ in the project).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Brands to build at once (default: one per CPU).")
@click.option("--force", is_flag=True, help="Rebuild every brand, even those whose inputs have not changed.")
@click.option("--pdf/--no-pdf", default=None, help="Print a PDF copy of every page, or not (default: 'pdf' under "
                                                   "'legalsite:' in mkdocs.yml; off when not set). Needs Chromium.")
@click.option("--versions/--no-versions", default=None,
              help="Publish earlier and upcoming versions from git history (default: on; 'versions' under "
                   "'legalsite:' in mkdocs.yml).")
@click.option("--engine", type=click.Choice(list(ENGINES)), default=None,
              help="What builds the sites: mkdocs (MkDocs with Material) or zensical (Zensical, Material's "
                   "successor; pip install 'legalsite[zensical]'). Default: LEGALSITE_ENGINE, else 'engine' "
                   "under 'legalsite:' in mkdocs.yml, else mkdocs.")
@click.option("--shard", metavar="I/N", default=None,
              help="Build part I of N of the brands (each brand always in the same part) and publish those alone, "
                   "for one job of a CI matrix; 'legalsite merge' puts the parts together.")
@click.argument("brands", nargs=-1)
@click.pass_obj
@_report
def build(project_dir: Path, out: Path | None, jobs: int | None, force: bool, pdf: bool | None,
          versions: bool | None, engine: str | None, shard: str | None, brands: tuple[str, ...]) -> None:
    """Check the facts and build one site per brand into site/<brand>/.

    Nothing is published unless every brand builds and validates; a failed
    build leaves the previous site/ untouched. A brand whose pages, files,
    settings and tools are unchanged since its last build keeps its site.

    \b
    Examples:
        legalsite build
        legalsite build --out public linkrapi idclinks
        legalsite build --engine zensical
        legalsite build --shard 2/4 --out part-2
    """
    from .build import build_project
    from .build.shards import parse

    result = build_project(project_dir, out, list(brands), jobs=jobs, reuse=not force, pdf=pdf, versions=versions,
                           engine=engine, shard=parse(shard) if shard else None)
    for slug in result.unpublished:
        click.echo(f"{slug} is no longer in content/brands and was unpublished from {result.out}.")
    kept = [slug for slug in result.brands if slug not in result.built]
    click.echo(f"Built {len(result.built)} site(s) into {result.out} with {ENGINES[result.engine]}: "
               f"{', '.join(result.built) or 'none'}"
               + (f"; {len(kept)} unchanged, kept as published." if kept else "."))
    if result.versions or result.kept_versions:
        click.echo(f"Versions: {len(result.versions)} built"
                   + (f" ({', '.join(result.versions)})" if 0 < len(result.versions) <= 6 else "")
                   + f", {len(result.kept_versions)} kept as published.")
    if result.pdfs:
        click.echo(f"Printed {result.pdfs} PDF cop{'y' if result.pdfs == 1 else 'ies'}.")
    for note in result.notes:
        click.echo(f"History: {note}")
    if result.warnings:
        click.echo(f"{len(result.warnings)} fact(s) are not given and their passages are left out; "
                   "'legalsite check' lists them.")


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to publish the merged sites (default: site/ in the project).")
@click.argument("parts", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
@_report
def merge(project_dir: Path, out: Path | None, parts: tuple[Path, ...]) -> None:
    """Put the output folders of 'legalsite build --shard I/N' together into one site/.

    Every brand must be in exactly one part; the result is what one build of every brand publishes.

    \b
    Example:
        legalsite merge part-1 part-2 part-3 part-4
    """
    from .build.shards import merge as merge_parts
    from .project import load_project

    target = out if out is not None else project_dir / "site"
    brands = merge_parts(load_project(project_dir), list(parts), target)
    click.echo(f"Merged {len(brands)} brand site(s) from {len(parts)} part(s) into {target}.")


@cli.command()
@click.option("--list-rules", is_flag=True, help="List every rule with its severity and description, then exit.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]), default=None,
              help="'json' prints the findings for CI (shape in the README); 'github' prints GitHub Actions "
                   "annotations and the summary; 'sarif' a SARIF 2.1.0 log for code scanning. "
                   "Default: 'github' when GITHUB_ACTIONS is 'true', else 'text'.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too: every gap must be stated or accepted "
                                            "(accepted_gaps, with a reason and a date).")
@click.option("--accepted", "show_accepted", is_flag=True,
              help="Also list the accepted gaps, each with who accepted it, until when and why.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes checking brands at once, when many need checking (default: one per CPU).")
@click.pass_obj
@_report
def check(project_dir: Path, list_rules: bool, fmt: str | None, strict: bool, show_accepted: bool,
          jobs: int | None) -> None:
    """Validate the facts and report every error and gap, without building.

    Errors (exit 1) must be fixed before a build; warnings name facts the
    seed policies leave out. In GitHub Actions the findings are annotations
    on the lines of the pull request.

    \b
    Examples:
        legalsite check
        legalsite check --strict --format json > findings.json
        legalsite check --format github
        legalsite check --format sarif > legalsite.sarif
    """
    from .checks import RULES, findings_report, rules_report, run_checks
    from .checks.acceptances import accepted_by
    from .checks.report import github_annotations, sarif_report
    from .project import load_project

    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if list_rules:
        if fmt in ("json", "sarif"):
            click.echo(json.dumps(rules_report(), indent=2))
        else:
            for r in RULES.values():
                click.echo(f"{r.id:<26} {r.severity:<8} {r.description}")
        return
    accepted: list = []
    project = None
    try:
        project = load_project(project_dir)
        findings = run_checks(project, accepted=accepted, jobs=jobs)
    except FactError as exc:
        findings = exc.findings  # facts that do not load are findings too, in the same shape
    errors = sum(f.is_error for f in findings)
    shown = [(f, accepted_by(project, f)) for f in accepted] if show_accepted and project else []
    if fmt == "json":
        report = findings_report(findings)
        if show_accepted:
            report["accepted"] = [{**findings_report([f])["findings"][0], "accepted_by": e.accepted_by,
                                   "until": e.until.isoformat(), "reason": e.reason} for f, e in shown if e]
        click.echo(json.dumps(report, indent=2))
    elif fmt == "sarif":
        click.echo(json.dumps(sarif_report(findings, __version__), indent=2))
    else:
        if fmt == "github":
            for line in github_annotations(findings):
                click.echo(line)
        else:
            _print(findings)
        for finding, entry in shown:
            if entry:
                click.echo(f"{finding}".replace(f" {finding.severity}[", " accepted[", 1)
                           + f" (accepted by {entry.accepted_by} until {entry.until.isoformat()}: {entry.reason})")
        also = f" ({len(accepted)} accepted gap(s) {'listed' if shown else 'not shown'})" if accepted else ""
        click.echo(f"{errors} error(s), {len(findings) - errors} warning(s) in "
                   f"{project_dir.resolve().name}/content{also}.")
    if errors or (strict and findings):
        sys.exit(1)


@cli.command()
@click.argument("brand")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 to serve on (0 picks a free one).")
@click.pass_obj
@_report
def serve(project_dir: Path, brand: str, port: int) -> None:
    """Preview one brand on http://127.0.0.1:PORT/, rebuilding on every change.

    Edits to content/, templates/ or mkdocs.yml rebuild the site and reload
    the browser. Bad facts are printed and the last good site stays up.

    \b
    Example:
        legalsite serve linkrapi
    """
    from .serve import serve as run

    run(project_dir, brand, port=port)


@cli.command()
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 if schemas/ is missing or out of date (for CI).")
@click.pass_obj
@_report
def schema(project_dir: Path, check_only: bool) -> None:
    """Write the JSON Schema of the fact files into schemas/, for editors.

    Each fact file's first line names its schema, so VS Code (with the YAML
    extension) and JetBrains IDEs complete fact names, show what each fact
    means, and underline a misspelt fact or a wrong value as you type. Run it
    again after upgrading legalsite.

    \b
    Examples:
        legalsite schema
        legalsite schema --check
    """
    from .schema import stale_schemas, write_schemas

    if check_only:
        stale = stale_schemas(project_dir)
        for path in stale:
            click.echo(f"{path}: missing or out of date; run 'legalsite schema' and commit the result.", err=True)
        sys.exit(1 if stale else 0)
    for path in write_schemas(project_dir):
        click.echo(f"Wrote {path.relative_to(project_dir)}")


@cli.command()
@click.argument("slug")
@click.pass_obj
@_report
def new(project_dir: Path, slug: str) -> None:
    """Start a new brand: write content/brands/SLUG.yaml with every fact empty and explained.

    Fill in the facts its policy states, then run 'legalsite check': it lists
    the facts still missing. An existing file is never overwritten.

    \b
    Example:
        legalsite new acme
    """
    from .scaffold import new_brand

    path = new_brand(project_dir, slug)
    click.echo(f"Wrote {path.relative_to(project_dir)}. Fill in its facts, then run 'legalsite check' "
               "to see which are still missing.")


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
@_report
def init(project_dir: Path, directory: Path | None) -> None:
    """Start a new project in DIRECTORY (default: this folder, or the one -C names).

    Writes mkdocs.yml, content/vendors.yaml (no vendors yet), content/brands/,
    the editor schemas, a .gitignore and a GitHub workflow that checks, builds
    and publishes. Writes nothing if any of those files exists. Page templates
    come with legalsite; see 'legalsite templates' to reword one.

    \b
    Example:
        legalsite init legal-pages && cd legal-pages && legalsite new acme
    """
    from .scaffold import init_project

    root = project_dir / directory if directory is not None else project_dir
    for path in init_project(root):
        click.echo(f"Wrote {path.relative_to(project_dir)}")
    click.echo(("Next: " if directory is None else f"Next: cd {directory}, then ")
               + "add a brand with 'legalsite new SLUG', fill in its facts, then 'legalsite check' and 'legalsite build'.")


@cli.command()
@click.option("--copy", "names", multiple=True, metavar="NAME",
              help="Copy legalsite's default NAME (such as privacy.md.j2) into templates/, to reword it there.")
@click.pass_obj
@_report
def templates(project_dir: Path, names: tuple[str, ...]) -> None:
    """List the page templates and where each comes from, or copy a default to reword it.

    A file in the project's templates/ replaces legalsite's default of the
    same name for every brand; the other pages keep the defaults (and their
    fixes when legalsite is upgraded).

    \b
    Examples:
        legalsite templates
        legalsite templates --copy privacy.md.j2
    """
    from .project import DEFAULT_TEMPLATES, Project
    from .scaffold import copy_template

    for name in names:
        click.echo(f"Wrote {copy_template(project_dir, name).relative_to(project_dir)}; edit it there.")
    if not names:
        project = Project(root=project_dir, vendors={}, brands={})
        for name, path in project.templates().items():
            own = path.parent != DEFAULT_TEMPLATES
            click.echo(f"{name:<16} {'templates/' + name if own else 'default: ' + str(path)}")


@cli.command()
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The built sites to photograph (default: site/ in the project).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the PNGs (default: site-screenshots/ in the project); replaced as a whole.")
@click.option("--scheme", type=click.Choice(["light", "dark", "both"]), default="both", show_default=True,
              help="The colour scheme(s) to photograph each page in.")
@click.pass_obj
@_report
def screenshots(project_dir: Path, site_dir: Path | None, out: Path | None, scheme: str) -> None:
    """Save a full-page PNG of every page of every built brand, in light and dark.

    Does not build: run 'legalsite build' first. Needs Chromium (Debian's
    chromium package, or LEGALSITE_CHROMIUM) and pip install -e '.[screenshots]'.
    Writes OUT/<brand>/<page>-<scheme>.png.

    \b
    Examples:
        legalsite build && legalsite screenshots
        legalsite screenshots --scheme dark --out /tmp/shots
    """
    from .screenshots import SCHEMES, take_screenshots

    out = out if out is not None else project_dir / "site-screenshots"
    written = take_screenshots(site_dir if site_dir is not None else project_dir / "site", out,
                               SCHEMES if scheme == "both" else (scheme,))
    for path in written:
        click.echo(path)
    click.echo(f"Wrote {len(written)} screenshot(s) into {out}.")


@cli.command()
@click.argument("rev_a", required=False)
@click.argument("rev_b", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True,
              help="'markdown' prints a pull-request comment: one table per brand.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) when a change is not recorded or not announced.")
@click.pass_obj
@_report
def diff(project_dir: Path, rev_a: str | None, rev_b: str | None, fmt: str, strict: bool) -> None:
    """Show which facts changed between two git revisions, brand by brand.

    Compares the facts, not the YAML, and names each fact in words with the
    pages it is shown on. Flags a change that no new entry in 'changes'
    records, and a material change not announced with the notice period.
    With no revision, compares HEAD with the working tree; with one, that
    revision with the working tree.

    \b
    Examples:
        legalsite diff
        legalsite diff main
        legalsite diff v1.0 v1.1 --format markdown > comment.md
        legalsite diff origin/main --strict
    """
    from .diff import diff_revisions, to_markdown, to_text

    report = diff_revisions(project_dir, rev_a or "HEAD", rev_b)
    click.echo(to_markdown(report) if fmt == "markdown" else to_text(report), nl=False)
    if strict and report.flags:
        sys.exit(1)


@cli.command()
@click.argument("brands", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "html"]), default="markdown",
              show_default=True, help="'json' is stable (sorted keys; shape in legalsite/compliance.py); 'html' "
                                      "is one standalone file to send or print.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to FILE (replaced whole) instead of printing it.")
@click.pass_obj
@_report
def report(project_dir: Path, brands: tuple[str, ...], fmt: str, out: Path | None) -> None:
    """Report, brand by brand, what each declared law asks of the policy and whether the facts give it.

    One table per law (GDPR, CCPA/CPRA, COPPA) for the places the brand
    declares: each requirement with its article, its fact and its status,
    given, gap, accepted (with the reason, who and until when) or not
    applicable, then the counts. For the legal team, never published. It
    describes; 'legalsite check --strict' gates. Dated today, or
    SOURCE_DATE_EPOCH.

    \b
    Examples:
        legalsite report
        legalsite report journeyapi --format html --out report.html
        legalsite report --format json > compliance.json
    """
    from .compliance import compliance_report, render, write_report
    from .project import load_project

    try:
        project = load_project(project_dir)
    except FactError as exc:  # facts that do not load: the findings as check prints them, and no report
        for finding in exc.findings:
            click.echo(str(finding), err=True)  # stdout is the report's
        errors = sum(f.is_error for f in exc.findings)
        click.echo(f"{errors} error(s), {len(exc.findings) - errors} warning(s) in "
                   f"{project_dir.resolve().name}/content; no report until the facts load.", err=True)
        sys.exit(1)
    text = render(compliance_report(project, brands), fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {write_report(out, text)}.")


def main(argv: list[str] | None = None) -> int:
    """Entry point for the console script and ``python -m legalsite``."""
    # A run loads every brand's facts, tens of thousands of objects that live until it ends: collecting cycles
    # every 700 allocations re-scans them all, half the time of a check at a thousand brands. Less often.
    gc.set_threshold(100_000, 50, 100)
    try:
        cli.main(args=argv, prog_name="legalsite", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        gc.freeze()  # and none at exit either: the last collection over them all took a third of a check's time
    return 0
