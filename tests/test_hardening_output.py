"""Output hardening (issue 12): nothing removed that legalsite did not write, the published tree follows the
facts, a symlinked output stays a link, and SIGTERM or a dead worker leaves nothing behind."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import conftest
import pytest
from click.testing import CliRunner
from conftest import ENGINE, copy_project

import legalsite.build.engines
from legalsite.build import build
from legalsite.cli import cli
from legalsite.errors import BuildError
from legalsite.project import load_project
from legalsite.publish import MARKER

REPO = Path(__file__).resolve().parents[1]
KEPT = (".site-brands", ".legalsite-cache")  # the published brand sites and the cache: made on purpose
WAIT = 20  # seconds: the longest any step of a signal test may take


def run(project: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes, every folder (None) and every link ('-> target'), by path relative to ``folder``."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}".encode()
        else:
            found[name] = path.read_bytes() if path.is_file() else None
    return found


# --- 1. nothing is removed that legalsite did not write --------------------------------------------------------

@pytest.fixture
def nested(tmp_path: Path) -> Path:
    """A project at tmp_path/work/proj with a .git folder, beside someone else's file: returns the project."""
    project = copy_project(tmp_path / "work" / "proj")
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (tmp_path / "work" / "notes.txt").write_text("someone else's notes", encoding="utf-8")
    return project


def fake_site(project: Path) -> Path:
    """Enough of a built site for screenshots to get as far as choosing its --out folder."""
    site = project / "site"
    (site / "linkrapi").mkdir(parents=True)
    (site / "linkrapi" / "index.html").write_text("<html></html>", encoding="utf-8")
    (site / MARKER).write_text("{}", encoding="utf-8")
    return site


def command(name: str, project: Path, out: Path) -> list[str]:
    if name == "build":
        return ["build", "--out", str(out)]
    return ["screenshots", "--site", str(fake_site(project)), "--out", str(out)]


def assert_refused(result, out: Path) -> None:
    assert result.exit_code == 1, result.output
    assert str(out.resolve()) in result.stderr
    assert "nothing was changed" in result.stderr and "--out" in result.stderr  # what happened and the fix
    assert "Traceback" not in result.output and "internal error" not in result.output


@pytest.mark.parametrize("name", ["build", "screenshots"])
def test_a_foreign_folder_survives_byte_for_byte(nested: Path, name: str):
    out = nested.parent / "public"
    (out / "sub").mkdir(parents=True)
    (out / "keep.txt").write_bytes(b"someone's work\x00\xff")
    (out / "sub" / "deep.bin").write_bytes(bytes(range(256)))
    before = snapshot(out)
    result = run(nested, *command(name, nested, out))
    assert_refused(result, out)
    assert f"no {MARKER} marker file" in result.stderr
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir() if "staging" in p.name] == []


@pytest.mark.parametrize("name", ["build", "screenshots"])
@pytest.mark.parametrize("where", ["project", "parent", "grandparent", "link to the project"])
def test_the_project_and_its_parents_are_refused(nested: Path, name: str, where: str):
    out = {"project": nested, "parent": nested.parent, "grandparent": nested.parent.parent,
           "link to the project": nested.parent / "out-link"}[where]
    if where == "link to the project":
        out.symlink_to(nested, target_is_directory=True)
    args = command(name, nested, out)  # screenshots' fake site is made before the snapshot
    top = nested.parent.parent
    before = snapshot(top)
    result = run(nested, *args)
    assert_refused(result, out)
    assert snapshot(top) == before


@pytest.mark.parametrize("name", ["build", "screenshots"])
def test_a_marker_does_not_make_the_project_replaceable(nested: Path, name: str):
    # A stray marker (copied along with a site, say) must not let --out delete the project or its parent.
    (nested.parent / MARKER).write_text("{}", encoding="utf-8")
    args = command(name, nested, nested.parent)
    before = snapshot(nested.parent)
    result = run(nested, *args)
    assert_refused(result, nested.parent)
    held = nested if name == "build" else nested / "site"  # screenshots know the site, inside the project
    assert f"({held.resolve()})" in result.stderr and "which replacing it with legalsite's output would delete" \
        in result.stderr
    assert snapshot(nested.parent) == before


def test_screenshots_never_replace_the_site_they_photograph(nested: Path):
    site = fake_site(nested)
    before = snapshot(site)
    result = run(nested, "screenshots", "--site", str(site), "--out", str(site))
    assert_refused(result, site)
    assert "is the site to photograph" in result.stderr
    assert snapshot(site) == before


def test_a_file_as_out_is_refused(nested: Path):
    out = nested.parent / "notes.txt"
    assert run(nested, "build", "--out", str(out)).exit_code == 2  # click refuses it first
    with pytest.raises(BuildError, match="is a file, not a folder"):
        build(load_project(nested), out)
    assert out.read_text(encoding="utf-8") == "someone else's notes"


def test_screenshots_mark_their_folder_and_replace_only_it(nested: Path, tmp_path: Path):
    pytest.importorskip("playwright.sync_api")
    if shutil.which("chromium") is None and not os.environ.get("LEGALSITE_CHROMIUM"):
        pytest.skip("no Chromium")
    site = fake_site(nested)
    out = tmp_path / "shots"
    for _ in range(2):  # the second run replaces the first run's (marked) folder
        result = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(nested), "screenshots", "--site",
                                 str(site), "--out", str(out), "--scheme", "light"],
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        assert sorted(p.name for p in out.iterdir()) == [MARKER, "linkrapi"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.name not in KEPT] == []


# --- 2. the published tree follows the facts -------------------------------------------------------------------

@pytest.mark.parametrize("force", [False, True], ids=["cached", "force"])
def test_a_brand_whose_facts_are_gone_is_unpublished(project: Path, force: bool):
    site = project / "site"
    assert run(project, "build").exit_code == 0
    assert (site / "idclinks").is_dir()
    (project / "content/brands/idclinks.yaml").unlink()
    result = run(project, "build", *(["--force"] if force else []))
    assert result.exit_code == 0, result.output
    assert "idclinks is no longer in content/brands and was unpublished" in result.stdout
    assert sorted(p.name for p in site.iterdir()) == [MARKER, "index.html", "journeyapi", "linkrapi"]
    assert "idclinks" not in (site / "index.html").read_text(encoding="utf-8")
    assert sorted(json.loads((site / MARKER).read_text(encoding="utf-8"))["brands"]) == ["journeyapi", "linkrapi"]
    again = run(project, "build")
    assert again.exit_code == 0 and "unpublished" not in again.stdout  # said once, when it happens


def test_a_partial_build_keeps_the_other_brands_and_drops_only_recorded_ones(project: Path, edit):
    site = project / "site"
    assert run(project, "build").exit_code == 0
    (site / "notes").mkdir()  # in the output, but not recorded as a brand: not legalsite's to drop
    (site / "notes" / "readme.txt").write_text("kept", encoding="utf-8")
    journey = snapshot(site / "journeyapi")
    (project / "content/brands/idclinks.yaml").unlink()
    edit(project / "content/brands/linkrapi.yaml", "email: contact@linkrapi.com", "email: privacy@linkrapi.com")
    result = run(project, "build", "linkrapi")
    assert result.exit_code == 0, result.output
    assert "Built 1 site(s)" in result.stdout
    assert "idclinks is no longer in content/brands and was unpublished" in result.stdout
    assert snapshot(site / "journeyapi") == journey
    assert (site / "notes" / "readme.txt").read_text(encoding="utf-8") == "kept"
    assert not (site / "idclinks").exists()
    assert "privacy@linkrapi.com" in (site / "linkrapi/privacy/index.html").read_text(encoding="utf-8")


# --- 3. a published tree that is a symlink keeps working --------------------------------------------------------

def test_a_symlinked_output_stays_a_link_and_is_never_missing(project: Path, edit):
    releases = project / "releases"
    (releases / "current-build").mkdir(parents=True)
    site = project / "site"
    site.symlink_to("releases/current-build", target_is_directory=True)
    build(load_project(project), site)
    assert site.is_symlink() and os.readlink(site) == "releases/current-build"
    assert (releases / "current-build" / MARKER).is_file()
    assert (releases / "current-build" / "linkrapi/privacy/index.html").is_file()

    page = site / "linkrapi/privacy/index.html"
    misses, reads, stop = [], [0], threading.Event()

    def reader() -> None:  # a web server following the link while the next build publishes
        while not stop.is_set():
            try:
                page.read_bytes()
                reads[0] += 1
            except OSError as exc:
                misses.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        edit(project / "content/brands/linkrapi.yaml", "email: contact@linkrapi.com", "email: privacy@linkrapi.com")
        for _ in range(3):
            build(load_project(project), site, ["linkrapi"], reuse=False)
    finally:
        stop.set()
        thread.join(WAIT)
    assert misses == [] and reads[0] > 0
    assert site.is_symlink() and os.readlink(site) == "releases/current-build"
    assert "privacy@linkrapi.com" in page.read_text(encoding="utf-8")
    assert sorted(p.name for p in releases.iterdir()) == [".current-build-brands", "current-build"]  # no staging left
    assert [p.name for p in project.iterdir() if p.name.startswith(".") and p.name not in KEPT] == []


def test_a_dangling_link_gets_its_target_and_a_foreign_target_is_refused(project: Path):
    site = project / "site"
    site.symlink_to("releases/next", target_is_directory=True)
    build(load_project(project), site, ["linkrapi"])
    assert site.is_symlink() and (project / "releases/next/linkrapi/index.html").is_file()

    other = project / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    site.unlink()
    site.symlink_to("other", target_is_directory=True)
    with pytest.raises(BuildError, match="not written by legalsite"):
        build(load_project(project), site)
    assert snapshot(other) == {"keep.txt": b"mine"} and site.is_symlink()


# --- 4. signals and dead workers leave nothing behind -----------------------------------------------------------

def proc_parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return None if state == "Z" else int(ppid)  # a zombie is dead, only not yet reaped


def living(parent: int | None = None, mentioning: str | None = None) -> list[int]:
    """Live processes whose parent is ``parent``, or whose command line mentions ``mentioning``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        ppid = proc_parent(int(entry.name))
        if ppid is None:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ppid == parent or (mentioning and mentioning in cmdline):
            found.append(int(entry.name))
    return found


def wait_for(condition, what: str, timeout: float = WAIT):
    return conftest.wait_for(condition, what, timeout)


def legalsite_temp(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("legalsite-"))


@pytest.fixture
def big(tmp_path: Path) -> Path:
    """A project of 60 brands, built once (about 3 s on 2 CPUs) into its site/; a forced rebuild takes as long."""
    project = copy_project(tmp_path / "big", extra_brands=57)
    assert len(build(load_project(project), project / "site", jobs=2).built) == 60
    return project


@pytest.fixture
def tmpdir_env(tmp_path: Path):
    """TMPDIR for the command, so its temporary folders can be counted; afterwards, kills any process a failed
    test left running in tmp_path (a surviving worker would go on writing there)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    yield tmp, {**os.environ, "TMPDIR": str(tmp)}
    for pid in living(mentioning=str(tmp_path)):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_build_leaves_the_old_site_and_nothing_else(big: Path, tmpdir_env, signum, code):
    tmp, env = tmpdir_env
    site = big / "site"
    before = snapshot(site)
    with open(tmp.parent / "stderr.txt", "w+", encoding="utf-8") as stderr:
        # Output to a file: an orphaned worker would hold a pipe open and hang the read.
        process = subprocess.Popen([sys.executable, "-m", "legalsite", "-C", str(big), "build", "--force", "-j", "2"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            workers = wait_for(lambda: len(w := living(parent=process.pid)) >= 2 and w, "the build's workers")
            wait_for(lambda: any(p.name.startswith(".site-staging-") for p in big.iterdir()), "the staging folder")
            wait_for(lambda: legalsite_temp(tmp), "the build's temporary folder")
            time.sleep(0.3)  # the workers are writing into the staging folder now
            process.send_signal(signum)
            assert process.wait(WAIT) == code
        finally:
            if process.poll() is None:
                process.kill()
        stderr.seek(0)
        err = stderr.read()
    assert "Traceback" not in err and "internal error" not in err, err
    assert wait_for(lambda: not [w for w in workers if proc_parent(w) is not None], "the workers to end", 5)
    assert living(parent=process.pid) == [] and living(mentioning=str(big)) == []
    assert snapshot(site) == before
    assert [p.name for p in big.iterdir() if p.name.startswith(".") and p.name not in KEPT] == []
    assert legalsite_temp(tmp) == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_workers_die_with_a_build_killed_outright(big: Path, tmpdir_env):
    # SIGKILL cannot be caught, so the staging folder stays; but no worker may go on writing into it.
    _, env = tmpdir_env
    process = subprocess.Popen([sys.executable, "-m", "legalsite", "-C", str(big), "build", "--force", "-j", "2"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers = wait_for(lambda: len(w := living(parent=process.pid)) >= 2 and w, "the build's workers")
        process.kill()
        assert process.wait(WAIT) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    assert wait_for(lambda: not [w for w in workers if proc_parent(w) is not None], "the workers to end", 5)
    assert living(mentioning=str(big)) == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_sigterm_to_serve_removes_its_folder(project: Path, tmpdir_env):
    tmp, env = tmpdir_env
    process = subprocess.Popen([sys.executable, "-m", "legalsite", "-C", str(project), "serve", "linkrapi",
                                "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: list[str] = []
        threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True).start()
        wait_for(lambda: lines and lines[0].startswith("Serving LinkrAPI"), "serve to listen")
        assert [name for name in legalsite_temp(tmp) if name.startswith("legalsite-serve-")]  # what must go
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT) == 143
    finally:
        if process.poll() is None:
            process.kill()
        _, err = process.communicate(timeout=WAIT)
    assert "Traceback" not in err, err
    assert legalsite_temp(tmp) == []
    assert living(parent=process.pid) == []
    assert not (project / "site").exists()


def test_a_killed_worker_fails_the_build_and_publishes_nothing(project: Path, monkeypatch):
    assert run(project, "build").exit_code == 0
    site = project / "site"
    before = snapshot(site)
    engine = legalsite.build.engines.engine(ENGINE)
    real, me = engine.build_site, os.getpid()

    def die_on_journeyapi(slug, *args):
        if slug == "journeyapi" and os.getpid() != me:  # in a worker, never in this test's process
            os.kill(os.getpid(), signal.SIGKILL)
        real(slug, *args)

    monkeypatch.setattr(engine, "build_site", die_on_journeyapi)
    result = run(project, "build", "--force", "-j", "2")
    assert result.exit_code == 1, result.output
    assert "a build worker process stopped abruptly" in result.stderr and "killed by SIGKILL" in result.stderr
    assert "Nothing was published." in result.stderr and "internal error" not in result.output
    assert snapshot(site) == before
    assert [p.name for p in project.iterdir() if p.name.startswith(".") and p.name not in KEPT] == []


def test_a_killed_check_worker_fails_the_build_in_words_and_publishes_nothing(tmp_path: Path, monkeypatch):
    """24 brands, so they are checked across two workers; one dies while checking linkr003's facts."""
    import legalsite.checks

    project = copy_project(tmp_path / "many", extra_brands=21)
    me = os.getpid()
    at, part = next((i, p) for i, p in enumerate(legalsite.checks.PARTS) if p.scope == "brand" and not p.renders)

    def die_on_linkr003(checked):
        if checked.focus == ["linkr003"] and os.getpid() != me:  # in a worker, never in this test's process
            os.kill(os.getpid(), signal.SIGKILL)
        return part.run(checked)

    parts = list(legalsite.checks.PARTS)
    parts[at] = dataclasses.replace(part, run=die_on_linkr003)
    monkeypatch.setattr(legalsite.checks, "PARTS", parts)
    result = run(project, "build", "-j", "2")
    assert result.exit_code == 1, result.output
    assert "a check worker process stopped abruptly" in result.stderr and "killed by SIGKILL" in result.stderr
    assert "'--jobs 1' checks in one process" in result.stderr and "internal error" not in result.output
    assert not (project / "site").exists() and not (project / ".site-brands").exists()
