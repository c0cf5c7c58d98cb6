"""The legal team's guide (docs/guide.md) runs, step by step, so it cannot go stale.

The guide is plain Markdown. Hidden comments tell this test what a reader does between the visible blocks:
- ``<!-- fresh -->``: start again from a clean copy of the project (a git repository with one commit);
- ``<!-- replace in PATH: "OLD" -->`` then a code block: the block replaces the text OLD (a JSON string) in PATH;
- ``<!-- shows PATH -->`` then a code block: the block is written in PATH exactly so.
A code block counts from the indentation of its fence, so it may sit inside a numbered step.
A ``console`` block holds commands after ``$ `` and the output they print. In the output, a line ``...``
stands for any lines, and ``...`` inside a line for any text. ``legalsite serve`` is run until it answers.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from legalsite.checks import RULES
from legalsite.cli import cli

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "guide.md"
STEP = re.compile(r"<!-- (fresh|replace in (\S+): (\".*?\")|shows (\S+)) -->\s*\n|^( *)```(\w*)\n(.*?)^\5```\n",
                  re.DOTALL | re.MULTILINE)


def steps(text: str):
    """(kind, arguments) in the order a reader meets them."""
    pending = None
    for m in STEP.finditer(text):
        line = text[: m.start()].count("\n") + 1
        if m[1] == "fresh":
            yield line, "fresh", ()
        elif m[1]:
            pending = ("replace", m[2], json.loads(m[3])) if m[2] else ("shows", m[4])
        else:  # a code block, written at the indentation of its fence (inside a numbered step, say)
            language = m[6]
            body = "".join(line[len(m[5]):] if line.strip() else "\n" for line in m[7].splitlines(keepends=True))
            if pending:
                yield line, pending[0], (*pending[1:], body)
                pending = None
            elif language == "console":
                yield line, "console", (body,)


def fresh(tmp_path: Path, n: int) -> Path:
    root = tmp_path / f"project-{n}"
    for folder in ("content", "templates", "schemas"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    git = ["git", "-C", str(root), "-c", "user.name=Guide", "-c", "user.email=guide@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "The facts as published"], check=True)
    return root


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether the output fits the guide's, with '...' for any lines (alone) or any text (in a line)."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    pattern = ".*".join(re.escape(part) for part in expected[0].split("..."))
    return re.fullmatch(pattern, actual[0]) is not None and matches(expected[1:], actual[1:])


def run_serve(root: Path, args: list[str]) -> list[str]:
    """Start the preview, fetch the page it names, stop it; the lines it printed, port shown as 8000."""
    process = subprocess.Popen([sys.executable, "-m", "legalsite", "-C", str(root), *args, "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # its first line arrives at once
    try:
        first = process.stdout.readline().rstrip("\n")
        url = re.search(r"http://127\.0\.0\.1:\d+/", first)
        assert url, first
        with urllib.request.urlopen(url[0], timeout=30) as response:
            assert response.status == 200 and b"<title>" in response.read()
        return [re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8000", first)]
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_console(root: Path, body: str, where: str) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"{where}: output before any command"
            commands[-1][1].append(line)
    for command, expected in commands:
        args = shlex.split(command)
        assert args[0] == "legalsite", f"{where}: the guide only runs legalsite commands, not {args[0]!r}"
        if args[1] == "serve":
            actual = run_serve(root, args[1:])
        else:
            result = CliRunner().invoke(cli, ["-C", str(root), *args[1:]])
            assert result.exception is None or isinstance(result.exception, SystemExit), result.output
            actual = result.output.rstrip("\n").split("\n") if result.output else []
        assert matches(expected, actual), (f"{where}: `{command}` printed:\n" + "\n".join(actual)
                                           + "\n\nthe guide says:\n" + "\n".join(expected))


def test_the_guide_runs_from_a_clean_project_to_a_new_brand(tmp_path):
    text = GUIDE.read_text(encoding="utf-8")
    root = fresh(tmp_path, 0)
    count = 0
    for line, kind, args in steps(text):
        where = f"docs/guide.md:{line}"
        if kind == "fresh":
            count += 1
            root = fresh(tmp_path, count)
        elif kind == "replace":
            path, old, new = args
            target = root / path
            current = target.read_text(encoding="utf-8")
            assert old in current, f"{where}: {path} no longer holds {old!r}"
            target.write_text(current.replace(old, new, 1), encoding="utf-8")
        elif kind == "shows":
            path, block = args
            assert block in (root / path).read_text(encoding="utf-8"), f"{where}: {path} does not read like this"
        else:
            run_console(root, args[0], where)
    built = [p for p in tmp_path.glob("project-*/site/acme/privacy/index.html")]
    assert built, "following the guide builds the new brand's pages"
    assert "Acme" in built[0].read_text(encoding="utf-8")


def test_the_guide_shows_a_finding_of_every_rule():
    """One example per rule: the id in a heading, and the finding in a console block under it."""
    text = GUIDE.read_text(encoding="utf-8")
    for rule_id in RULES:
        section = re.search(rf"^### `{re.escape(rule_id)}`[^\n]*$(.*?)(?=^### `|\Z)", text, re.MULTILINE | re.DOTALL)
        assert section, f"docs/guide.md has no section for the rule {rule_id}"
        assert f"[{rule_id}]" in section[1], f"the guide's section on {rule_id} shows none of its findings"


@pytest.mark.parametrize("text, expected", [
    ("a\nb\nc", ["a", "...", "c"]), ("a", ["a", "..."]), ("x:12: error", ["x:...: error"]),
])
def test_output_matching_understands_ellipses(text, expected):
    assert matches(expected, text.split("\n"))
    assert not matches(expected + ["z"], text.split("\n"))


def test_the_guide_lists_every_rule_that_makes_a_change_material():
    from legalsite.diff import MATERIAL_RULES

    text = GUIDE.read_text(encoding="utf-8")
    for words, *_ in MATERIAL_RULES:
        assert f"| {words} |" in text, f"docs/guide.md does not list the material change '{words}'"
