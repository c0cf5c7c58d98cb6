"""CI runs what the README promises: the two README commands, in the workflow and in .ci/run, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_commands_install_build_and_test():
    build, test = readme_commands()
    assert build.startswith("python3.11 -m venv") and build.endswith("legalsite check && legalsite build")
    assert test.endswith("pip install -e '.[test]' && python -m pytest")


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_runs_only_the_readme_commands():
    runs = [step["run"].strip() for job in workflow()["jobs"].values() for step in job["steps"] if "run" in step]
    assert runs == readme_commands()


def test_workflow_actions_are_pinned_by_version():
    uses = [step["uses"] for job in workflow()["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses, "the workflow uses no actions?"
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", action), f"{action} is not pinned"


def test_workflow_publishes_site_only_from_main():
    jobs = workflow()["jobs"]
    upload = [s for job in jobs.values() for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages")]
    assert upload and upload[0]["with"]["path"] == "site"
    assert "refs/heads/main" in upload[0]["if"] and "push" in upload[0]["if"]
    assert "refs/heads/main" in jobs["publish"]["if"]
    # PyYAML reads the bare key `on` as True
    assert workflow()[True]["push"]["branches"] == ["main"]


def test_ci_script_runs_both_readme_commands():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in script.splitlines()]
    for command in readme_commands():
        assert command in lines, f".ci/run does not run the README command: {command}"
    assert "set -euxo pipefail" in script
