"""CI runs what the README promises: the two README commands, in the workflow and in .ci/run, and nothing else."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from legalsite.cli import cli

ROOT = Path(__file__).parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_commands_install_build_and_test():
    build, test = readme_commands()
    assert build.startswith("python3.11 -m venv") and build.endswith("legalsite check --strict && legalsite build")
    assert test.endswith("pip install -e '.[test]' && python -m pytest")


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_runs_only_the_readme_commands_and_the_wheel_check():
    jobs = workflow()["jobs"]
    runs = {name: [step["run"].strip() for step in job.get("steps", []) if "run" in step] for name, job in jobs.items()}
    assert runs == {"build-and-test": ["sudo apt-get install -y faketime", *readme_commands()],
                    "package": ["bash .ci/wheel"], "publish": []}


def test_workflow_runs_the_commands_once_per_engine_and_publishes_one():
    from legalsite import ENGINES

    job = workflow()["jobs"]["build-and-test"]
    assert job["strategy"]["matrix"]["engine"] == list(ENGINES)
    tests = next(s for s in job["steps"] if s.get("run") == readme_commands()[1])
    assert tests["env"]["LEGALSITE_ENGINE"] == "${{ matrix.engine }}"
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["if"].startswith("matrix.engine == 'mkdocs' && ")


# Every workflow legalsite runs or writes: this repository's, and the one 'legalsite init' gives a new project.
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + [ROOT / "generator/skeleton/workflow.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_actions_are_pinned_to_commits_with_their_version(path):
    """A tag can be moved to other code; a commit cannot. The comment says which release the commit is."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    uses = [line for line in lines if re.match(r"(- )?uses:", line)]
    assert uses, "the workflow uses no actions?"
    for line in uses:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), f"not pinned: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_jobs_get_only_the_permissions_they_name_and_keep_no_git_credentials(path):
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert flow["permissions"] == {}  # nothing by default
    for name, job in flow["jobs"].items():
        assert "permissions" in job, f"job {name} does not say what it may do"
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, f"job {name} leaves the token in the checkout"


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
    assert "bash .ci/wheel" in lines  # the wheel installed with its dependencies from the index
    assert "LEGALSITE_ENGINE=zensical python -m pytest" in lines  # the suite again, on the second engine
    assert "set -euxo pipefail" in script
    assert "set -euxo pipefail" in (ROOT / ".ci" / "wheel").read_text(encoding="utf-8")


FACT_DIFF = ROOT / ".github" / "workflows" / "fact-diff.yml"


def test_fact_diff_runs_on_pull_requests_that_touch_the_facts_and_posts_one_comment():
    flow = yaml.safe_load(FACT_DIFF.read_text(encoding="utf-8"))
    assert flow[True] == {"pull_request": {"paths": ["content/**"]}}
    job = flow["jobs"]["fact-diff"]
    assert job["permissions"]["pull-requests"] == "write"
    assert next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))["with"]["fetch-depth"] == 0
    post = job["steps"][-1]["run"]
    assert post.startswith("gh pr comment") and "--edit-last --create-if-none" in post


def test_fact_diff_command_in_the_workflow_runs(project):
    """The workflow's own diff line, run against a two-commit repository, prints the markdown comment."""
    flow = yaml.safe_load(FACT_DIFF.read_text(encoding="utf-8"))
    script = next(s["run"] for s in flow["jobs"]["fact-diff"]["steps"] if "legalsite diff" in s.get("run", ""))
    line = next(part for part in script.splitlines() if part.strip().startswith("legalsite diff"))
    args = shlex.split(line.split(">", 1)[0])
    git = ["git", "-C", str(project), "-c", "user.name=CI", "-c", "user.email=ci@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    base = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    brand = project / "content/brands/linkrapi.yaml"
    brand.write_text(brand.read_text(encoding="utf-8").replace("{amount: 90, unit: days}", "{amount: 60, unit: days}"),
                     encoding="utf-8")
    subprocess.run([*git, "commit", "-qam", "shorter logs"], check=True)
    args = [base if a == "$BASE" else a for a in args]
    result = CliRunner().invoke(cli, ["-C", str(project), *args[1:]])
    assert result.exit_code == 0, result.output
    assert "LinkrAPI" in result.output and "60 days" in result.output and "|" in result.output
