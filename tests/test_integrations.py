"""legalsite in other tools: GitHub Actions annotations, SARIF, the pre-commit hook and the composite action."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from legalsite import __version__
from legalsite.checks import RULES, github_annotations, sarif_report
from legalsite.cli import cli
from legalsite.errors import Finding

ROOT = Path(__file__).resolve().parents[1]
LINKRAPI = "content/brands/linkrapi.yaml"
BIN = str(Path(sys.executable).parent)  # the venv's bin, where pip put the legalsite script
# the text format's finding line: path:line:col: severity[rule] message
TEXT_FINDING = re.compile(r"^(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning)"
                          r"\[(?P<rule>[a-z-]+)\] (?P<message>.*)$")
SUMMARY = re.compile(r"^\d+ error\(s\), \d+ warning\(s\) in ")
# an edit that breaks one rule (vendor-unknown, an error) and leaves the facts loadable
UNKNOWN_VENDOR = ("  - vendor: digitalocean", "  - vendor: digital-ocean")
# a fact value that tries to end the annotation early and start a command of its own
HOSTILE = '"digital\\n::error file=evil.yaml,line=1::pwned, 100% done %0A\\r::warning::x"'


def run(project: Path, *args: str, **env: str | None):
    """The CLI in this process; ``env`` overrides the environment (None removes a variable)."""
    env.setdefault("GITHUB_ACTIONS", None)  # the suite may itself run in GitHub Actions
    return CliRunner(env=env).invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def environment(**overrides: str | None) -> dict[str, str]:
    """This process's environment with the venv's bin first on PATH, for a fresh process."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    env.pop("GITHUB_ACTIONS", None)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def legalsite(env: dict[str, str]) -> str:
    found = shutil.which("legalsite", path=env["PATH"])
    assert found and Path(found).parent == Path(BIN), f"legalsite is not installed in the venv ({found})"
    return found


def text_findings(result) -> list[dict]:
    """Each finding of a text-format run, as its parts (both streams, in file order)."""
    lines = result.stderr.splitlines() + result.stdout.splitlines()[:-1]
    parsed = [TEXT_FINDING.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed) if not m]
    return sorted((m.groupdict() for m in parsed), key=lambda f: (f["path"], int(f["line"]), int(f["col"]),
                                                                     f["severity"], f["rule"], f["message"]))


# --- how the GitHub Actions runner reads a workflow command ------------------------------------------------
# Mirrors actions/runner ActionCommand.TryParseV2: `::name key=value,key=value::data`, properties end at the
# first `::`, pairs are split on `,` and then on the first `=`; escapes are undone %0D, %0A, (%3A, %2C,) %25
# last. A message can start a command only at the start of a line.

def runner_unescape(value: str, property_value: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if property_value else [])
    for escaped, token in pairs + [("%25", "%")]:
        value = value.replace(escaped, token)
    return value


def runner_parse(line: str) -> tuple[str, dict[str, str], str]:
    line = line.lstrip()
    assert line.startswith("::"), line
    end = line.index("::", 2)
    info, data = line[2:end], line[end + 2:]
    name, _, props = info.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, sep, value = pair.partition("=")
        if sep and value:
            properties[key] = runner_unescape(value, property_value=True)
    return name, properties, runner_unescape(data, property_value=False)


def runner_lines(output: str) -> list[str]:
    """Lines as the runner reads a step's output (.NET ReadLine: \\n, \\r and \\r\\n end a line)."""
    return re.split(r"\r\n|\r|\n", output.removesuffix("\n"))


def read_back(finding: Finding) -> tuple[str, dict[str, str], str]:
    return (finding.severity, {"file": finding.path, "line": str(finding.line), "col": str(finding.column),
                               "title": f"legalsite {finding.rule}"}, finding.message)


# --- check --format github ---------------------------------------------------------------------------------

def test_github_format_annotates_what_text_format_reports(project, edit):
    edit(project / LINKRAPI, *UNKNOWN_VENDOR)
    text = run(project, "check", "--format", "text")
    github = run(project, "check", "--format", "github")
    assert text.exit_code == github.exit_code == 1
    assert github.stderr == ""  # annotations and summary both go to stdout, where the runner reads commands

    # the broken fact: exactly the line GitHub needs, with the place the text format names
    [unknown] = [f for f in text_findings(text) if f["rule"] == "vendor-unknown"]
    assert unknown["path"] == LINKRAPI and "'digital-ocean'" in unknown["message"]
    assert "%" not in unknown["message"] and "\r" not in unknown["message"]
    expected = (f"::error file={unknown['path']},line={unknown['line']},col={unknown['col']},"
                f"title=legalsite vendor-unknown::{unknown['message']}")
    lines = github.stdout.splitlines()
    assert expected in lines

    # every finding, one annotation each, then the text format's summary line
    assert lines[-1] == text.stdout.splitlines()[-1] and SUMMARY.match(lines[-1])
    annotations = [runner_parse(line) for line in lines[:-1]]  # in file order, like the text format
    assert [(p["file"], p["line"], p["col"], sev, p["title"], msg) for sev, p, msg in annotations] == [
        (f["path"], f["line"], f["col"], f["severity"], f"legalsite {f['rule']}", f["message"])
        for f in text_findings(text)]


def test_github_format_on_the_shipped_content_is_warnings_and_exit_0(project, edit):
    # Without IDCLINKS' acceptance of its missing effective date, that gap is a warning again.
    edit(project / "content/brands/idclinks.yaml", "    facts: [dates.effective]\n", "    facts: [scope]\n")
    result = run(project, "check", "--format", "github")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:-1] and all(line.startswith("::warning file=content/") for line in lines[:-1])
    assert lines[-1].startswith("0 error(s), ")
    assert run(project, "check", "--format", "github", "--strict").exit_code == 1  # exit codes as in text mode


def test_a_hostile_fact_value_stays_inside_its_annotation(project, edit):
    edit(project / LINKRAPI, UNKNOWN_VENDOR[0], f"  - vendor: {HOSTILE}")
    reported = json.loads(run(project, "check", "--format", "json").stdout)["findings"]
    assert any("::error file=evil.yaml" in f["message"] for f in reported), "the edit no longer reaches a message"
    result = run(project, "check", "--format", "github")
    assert result.exit_code == 1
    *annotations, summary = runner_lines(result.stdout)
    assert SUMMARY.match(summary)
    assert len(annotations) == len(reported)  # no finding became two commands
    assert [runner_parse(line) for line in annotations] == [
        read_back(Finding(f["path"], f["line"], f["column"], f["severity"], f["rule"], f["message"]))
        for f in reported]


def test_a_folder_finding_still_names_its_file(project):
    for brand in (project / "content" / "brands").glob("*.yaml"):
        brand.unlink()
    result = run(project, "check", "--format", "github")
    assert result.exit_code == 1
    assert any(line.startswith("::error file=content/brands,line=1,col=1,title=legalsite brand-none::")
               for line in result.stdout.splitlines()), result.stdout


@pytest.mark.parametrize(("path", "rule", "message"), [
    ("content/brands/linkrapi.yaml", "vendor-unknown", "plain"),
    ("content/brands", "brand-none", "a folder, not a file"),
    ("a,b:c.yaml", "x", "commas, colons: fine"),
    ("content/x.yaml", "r", "line one\n::error file=evil.yaml::pwned"),
    ("content/x.yaml", "r", "CR\r::warning::x and CRLF\r\n::error::y"),
    ("content/x.yaml", "r", "percent 100% and a fake escape %0A and %25 and %"),
    ("evil.yaml::error file=x", "r::s,t=u", "::"),
    ("p%0A\n,:=", "a\nb", ""),
])
@pytest.mark.parametrize("severity", ["error", "warning"])
def test_annotation_escaping_cases(path, rule, message, severity):
    finding = Finding(path, 3, 7, severity, rule, message)
    [line] = github_annotations([finding])
    assert len(runner_lines(line)) == 1
    assert line.startswith(f"::{severity} file=")
    assert runner_parse(line) == read_back(finding)


def test_annotation_escapes_exactly_like_the_actions_toolkit():
    [line] = github_annotations([Finding("a:b,c%d\ne", 1, 2, "warning", "x,y", "50% a:b,c\r\n::d")])
    assert line == "::warning file=a%3Ab%2Cc%25d%0Ae,line=1,col=2,title=legalsite x%2Cy::50%25 a:b,c%0D%0A::d"


@settings(derandomize=True, max_examples=300, deadline=None)
@given(path=st.text(min_size=1), rule=st.text(), message=st.text(),
       severity=st.sampled_from(["error", "warning"]),
       line=st.integers(1, 10**6), column=st.integers(1, 10**4))
def test_any_finding_is_one_command_that_reads_back_exactly(path, rule, message, severity, line, column):
    finding = Finding(path, line, column, severity, rule, message)
    [annotation] = github_annotations([finding])
    assert "\n" not in annotation and "\r" not in annotation
    assert annotation.startswith(f"::{severity} file=")
    assert runner_parse(annotation) == read_back(finding)


# --- the default format ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("github_actions", "fmt"), [("true", "github"), (None, "text"), ("false", "text")])
def test_the_default_format_follows_github_actions_in_a_fresh_process(project, edit, github_actions, fmt):
    edit(project / LINKRAPI, *UNKNOWN_VENDOR)
    env = environment(GITHUB_ACTIONS=github_actions)
    result = subprocess.run([legalsite(env), "check"], cwd=project, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 1, result.stderr
    *findings, summary = result.stdout.splitlines()
    assert SUMMARY.match(summary)
    if fmt == "github":
        assert result.stderr == ""
        assert any(line.startswith(f"::error file={LINKRAPI},") for line in findings)
        assert all(line.startswith(("::error file=", "::warning file=")) for line in findings)
    else:
        assert result.stderr.startswith(f"{LINKRAPI}:") and "error[vendor-unknown]" in result.stderr
        assert not any(line.startswith("::") for line in result.stdout.splitlines())


def test_an_explicit_format_wins_over_github_actions(project, edit):
    edit(project / "content/brands/idclinks.yaml", "    facts: [dates.effective]\n", "    facts: [scope]\n")
    result = run(project, "check", "--format", "text", GITHUB_ACTIONS="true")
    assert result.exit_code == 0
    assert not result.stdout.startswith("::") and TEXT_FINDING.match(result.stdout.splitlines()[0])


def test_list_rules_in_the_new_formats(project):
    as_text = run(project, "check", "--list-rules", "--format", "github")
    assert [line.split()[0] for line in as_text.stdout.splitlines()] == list(RULES)
    as_json = run(project, "check", "--list-rules", "--format", "sarif")
    assert [r["id"] for r in json.loads(as_json.stdout)] == list(RULES)


# --- check --format sarif ----------------------------------------------------------------------------------

def sarif_of(project: Path) -> tuple[int, dict]:
    result = run(project, "check", "--format", "sarif")
    return result.exit_code, json.loads(result.stdout)


def test_sarif_has_every_rule_and_each_finding_where_text_puts_it(project, edit):
    edit(project / LINKRAPI, *UNKNOWN_VENDOR)
    text = run(project, "check", "--format", "text")
    code, log = sarif_of(project)
    assert code == text.exit_code == 1

    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and log["version"] == "2.1.0"
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("legalsite", __version__)
    assert "informationUri" not in driver
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    for r in rules:
        assert r["shortDescription"]["text"] == RULES[r["id"]].description
        assert r["defaultConfiguration"]["level"] == RULES[r["id"]].severity

    results = sarif_run["results"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == RULES[result["ruleId"]].severity
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        uri = artifact["uri"]
        assert not uri.startswith("/") and ":" not in uri and ".." not in uri.split("/")
        assert (project / uri).exists()  # relative to the project root
    got = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            str(r["locations"][0]["physicalLocation"]["region"]["startLine"]),
            str(r["locations"][0]["physicalLocation"]["region"]["startColumn"]),
            r["level"], r["ruleId"], r["message"]["text"]) for r in results]
    assert got == [(f["path"], f["line"], f["col"], f["severity"], f["rule"], f["message"])
                   for f in text_findings(text)]
    assert any(r["ruleId"] == "vendor-unknown" and r["level"] == "error" for r in results)
    assert sarif_of(project) == (code, log)  # the same facts give the same log


def test_sarif_of_facts_that_do_not_load(project, edit):
    edit(project / LINKRAPI, "    retention:\n      applies_to: API", "    retension:\n      applies_to: API")
    code, log = sarif_of(project)
    assert code == 1
    [result] = log["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("fact-unknown", "error")
    assert "ruleIndex" not in result  # loading is not a registered rule; ruleId alone names it
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == LINKRAPI


def test_sarif_report_is_sorted():
    findings = [Finding("b.yaml", 1, 1, "warning", "fact-gap", "b"), Finding("a.yaml", 9, 2, "error", "x", "a")]
    log = sarif_report(findings, "1.2.3")
    assert [r["message"]["text"] for r in log["runs"][0]["results"]] == ["a", "b"]
    assert log == sarif_report(list(reversed(findings)), "1.2.3")


# --- the pre-commit hook -----------------------------------------------------------------------------------

def hook() -> dict:
    from pre_commit.clientlib import load_manifest

    [only] = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))  # pre-commit's own validator
    return only


def test_pre_commit_manifest_is_valid_and_runs_check_once():
    h = hook()
    assert (h["id"], h["entry"], h["language"], h["pass_filenames"]) == (
        "legalsite-check", "legalsite check", "python", False)
    assert h["name"] and h["description"]
    files = re.compile(h["files"])  # pre-commit matches with search
    for path in ("content/brands/linkrapi.yaml", "content/vendors.yaml", "templates/privacy.md.j2", "mkdocs.yml"):
        assert files.search(path), path
    for path in ("README.md", "docs/mkdocs.yml", "mkdocs.yml.bak", "generator/templates/privacy.md.j2"):
        assert not files.search(path), path


def test_pre_commit_entry_fails_on_a_broken_fact_and_passes_the_sample(project, edit, where):
    entry = shlex.split(hook()["entry"])
    env = environment()
    entry[0] = legalsite(env)

    result = subprocess.run(entry, cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

    text = edit(project / LINKRAPI, *UNKNOWN_VENDOR)
    line, column = where(text, "digital-ocean")
    result = subprocess.run(entry, cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert f"{LINKRAPI}:{line}:{column}: error[vendor-unknown]" in result.stderr


# --- the composite action ----------------------------------------------------------------------------------

def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def steps() -> list[dict]:
    return action()["runs"]["steps"]


def step_running(command: str) -> dict:
    [found] = [s for s in steps() if command in s.get("run", "")]
    return found


def test_action_inputs_outputs_and_steps():
    spec = action()
    assert spec["name"] == "legalsite" and spec["runs"]["using"] == "composite"
    assert {name: i["default"] for name, i in spec["inputs"].items()} == {
        "project": ".", "python-version": "3.11", "upload-pages": "false"}
    assert spec["outputs"]["site"]["value"] == "${{ steps.build.outputs.site }}"

    install = step_running("pip install")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH[pdf,zensical]"' in install["run"] and "$RUNNER_TEMP/" in install["run"]
    assert '>> "$GITHUB_PATH"' in install["run"]
    for command in ("legalsite check --strict --format github", "legalsite build"):
        assert step_running(command)["working-directory"] == "${{ inputs.project }}"
    assert step_running("legalsite build")["id"] == "build"

    [setup] = [s for s in steps() if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    [upload] = [s for s in steps() if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["if"] == "inputs.upload-pages == 'true'"
    assert upload["with"]["path"] == "${{ inputs.project }}/site"


def test_action_pins_every_action_to_a_commit_with_its_version():
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if re.match(r"^\s*(- )?\s*uses:", line)]
    assert len(lines) == len([s for s in steps() if "uses" in s]) == 2
    for line in lines:
        assert re.fullmatch(r"\s*(- )?\s*uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line
    assert "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0" in text
    assert "actions/upload-pages-artifact@fc324d3547104276b827a68afc52ff2a11cc49c9 # v5.0.0" in text


def test_action_run_scripts_have_no_expressions_and_a_shell():
    runs = [s for s in steps() if "run" in s]
    assert len(runs) == 3
    for s in runs:
        assert "${{" not in s["run"], s["run"]  # values reach a script through env: only (no script injection)
        assert s["shell"] == "bash"


def run_step(step: dict, cwd: Path, tmp: Path) -> subprocess.CompletedProcess:
    """A run step as the runner runs it: its script in a file, `bash --noprofile --norc -eo pipefail FILE`."""
    script = tmp / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    env = environment(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(tmp / "output"), RUNNER_TEMP=str(tmp),
                      **step.get("env", {}))
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_action_check_and_build_steps_run_on_the_sample_project(project, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runner")
    (tmp / "output").touch()
    assert shutil.which("bash")

    check = run_step(step_running("legalsite check --strict --format github"), project, tmp)
    assert check.returncode == 0, check.stdout + check.stderr
    *annotations, summary = check.stdout.splitlines()
    assert all(line.startswith("::warning file=content/") for line in annotations) and SUMMARY.match(summary)

    build = run_step(step_running("legalsite build"), project, tmp)
    assert build.returncode == 0, build.stdout + build.stderr
    assert (project / "site" / "linkrapi" / "privacy" / "index.html").is_file()
    [output] = (tmp / "output").read_text(encoding="utf-8").splitlines()
    key, _, value = output.partition("=")
    assert key == "site" and Path(value).resolve() == (project / "site").resolve()


def test_action_check_step_fails_on_a_broken_fact(project, edit, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runner")
    edit(project / LINKRAPI, *UNKNOWN_VENDOR)
    check = run_step(step_running("legalsite check --strict --format github"), project, tmp)
    assert check.returncode == 1
    assert f"::error file={LINKRAPI}," in check.stdout
