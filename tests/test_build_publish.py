"""Building and publishing: reproducible, all-or-nothing, and never over someone else's folder."""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ENGINE_FILES, break_engine, files_in, need_program

from legalsite.build import build
from legalsite.errors import BuildError, FactError
from legalsite.project import load_project
from legalsite.publish import MARKER


def snapshot(folder: Path) -> dict[str, bytes]:
    return files_in(folder)


def test_two_builds_in_different_folders_and_seconds_are_byte_identical(project: Path, tmp_path_factory,
                                                                           monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = tmp_path_factory.mktemp("a") / "deep" / "site"
    second = tmp_path_factory.mktemp("b") / "site"
    build(load_project(project), first)
    time.sleep(1.1)  # a clock-derived timestamp (gzip mtime, sitemap date) would now differ
    build(load_project(project), second)
    a, b = snapshot(first), snapshot(second)
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []
    assert any(name.endswith(ENGINE_FILES["search index"]) for name in a)


def test_two_builds_from_the_command_line_in_different_folders_on_different_days_are_byte_identical(
        project: Path, tmp_path_factory):
    """The engine and legalsite read the clock only through the build day, which decides nothing here (no
    version is pending): a fresh `legalsite build` under two fake clocks, five weeks apart, writes the same bytes."""
    faketime = need_program("faketime", "apt-get install -y faketime")
    env = {name: value for name, value in os.environ.items() if name != "SOURCE_DATE_EPOCH"}
    env["DONT_FAKE_MONOTONIC"] = "1"  # a day is the wall clock; a faked monotonic clock stalls Zensical's timers
    outs = []
    for day, folder in (("2027-01-05 09:00:00", "a/deep"), ("2027-02-09 17:30:00", "b")):
        clock = subprocess.run([faketime, day, sys.executable, "-c", "import datetime; print(datetime.date.today())"],
                               env=env, capture_output=True, text=True, check=True)
        assert clock.stdout.strip() == day[:10]  # the fake clock reaches Python (and the engine, in the same process)
        outs.append(tmp_path_factory.mktemp(folder.replace("/", "-")) / folder / "site")
        built = subprocess.run([faketime, day, sys.executable, "-m", "legalsite", "-C", str(project), "build",
                                "--out", str(outs[-1])], env=env, capture_output=True, text=True, timeout=300,
                               check=False)
        assert built.returncode == 0, built.stderr
    a, b = snapshot(outs[0]), snapshot(outs[1])
    assert a.keys() == b.keys() and len(a) > 50
    assert [name for name in a if a[name] != b[name]] == []


def test_legalsite_installed_in_another_folder_builds_the_same_bytes_marker_included(project: Path, tmp_path: Path,
                                                                                     monkeypatch):
    """Two installs differ in where legalsite's theme folder is (a clone with its .venv inside it, in CI and on a
    laptop): the sites, and the keys the marker records, must not say where."""
    import shutil

    import legalsite.config

    build(load_project(project), tmp_path / "here")
    elsewhere = shutil.copytree(legalsite.config.THEME_DIR, tmp_path / "install" / "theme")
    monkeypatch.setattr(legalsite.config, "THEME_DIR", elsewhere)
    build(load_project(project), tmp_path / "there")
    here, there = snapshot(tmp_path / "here"), snapshot(tmp_path / "there")
    assert MARKER in here and here.keys() == there.keys()
    assert [name for name in here if here[name] != there[name]] == []


def test_source_date_epoch_is_honoured(project: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    build(load_project(project), project / "site", ["linkrapi"])
    if "gzip sitemap" not in ENGINE_FILES:  # Zensical writes no clock-derived bytes at all
        assert list((project / "site/linkrapi").rglob("*.gz")) == []
        return
    header = (project / "site/linkrapi/sitemap.xml.gz").read_bytes()[:10]
    # MkDocs stamps the day of the build date (midnight UTC) into the gzip header.
    assert struct.unpack("<I", header[4:8])[0] == 1800000000 - 1800000000 % 86400
    assert gzip.decompress((project / "site/linkrapi/sitemap.xml.gz").read_bytes()) == \
        (project / "site/linkrapi/sitemap.xml").read_bytes()


def test_a_brand_that_fails_in_the_engine_publishes_nothing(project: Path, monkeypatch):
    out = project / "site"
    build(load_project(project), out)
    before = snapshot(out)
    # The engine refuses the last brand, after the others were already built into the staging folder.
    break_engine(monkeypatch, "linkrapi", "Aborted with 1 warnings in strict mode!")
    with pytest.raises(BuildError) as caught:
        build(load_project(project), out, reuse=False)
    assert "linkrapi" in str(caught.value) and "strict mode" in str(caught.value)
    assert snapshot(out) == before
    assert [p.name for p in project.iterdir() if "staging" in p.name] == []


def test_building_one_brand_keeps_the_others(project: Path, edit):
    out = project / "site"
    build(load_project(project), out)
    before = snapshot(out)
    edit(project / "content/brands/linkrapi.yaml", "email: contact@linkrapi.com", "email: privacy@linkrapi.com")
    build(load_project(project), out, ["linkrapi"])
    after = snapshot(out)
    changed = {name.split("/")[0] for name in after if after[name] != before.get(name)}
    assert changed == {"linkrapi", MARKER}  # the marker records linkrapi's new input key
    assert "privacy@linkrapi.com" in (out / "linkrapi/privacy/index.html").read_text(encoding="utf-8")


def test_a_parallel_cached_build_equals_a_cold_serial_build(project: Path, edit, tmp_path_factory):
    cold = tmp_path_factory.mktemp("cold") / "site"
    build(load_project(project), cold, jobs=1, reuse=False)
    warm = project / "site"
    build(load_project(project), warm, jobs=2)
    # an edit and its undo, each rebuilding one brand in the cached tree
    edit(project / "content/brands/idclinks.yaml", "email: sales@idclinks.com", "email: legal@idclinks.com")
    assert build(load_project(project), warm, jobs=2).built == ["idclinks"]
    edit(project / "content/brands/idclinks.yaml", "email: legal@idclinks.com", "email: sales@idclinks.com")
    assert build(load_project(project), warm, jobs=2).built == ["idclinks"]
    a, b = snapshot(cold), snapshot(warm)
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def test_changing_one_brand_rebuilds_only_that_brand(project: Path, edit):
    out = project / "site"
    assert build(load_project(project), out).built == ["idclinks", "journeyapi", "linkrapi"]
    untouched = out / "journeyapi" / "privacy" / "index.html"
    inode = untouched.stat().st_ino
    assert build(load_project(project), out).built == []  # nothing changed: nothing rebuilt
    edit(project / "content/brands/linkrapi.yaml", "email: contact@linkrapi.com", "email: privacy@linkrapi.com")
    assert build(load_project(project), out).built == ["linkrapi"]
    assert untouched.stat().st_ino == inode  # the same file, carried over, not rebuilt
    assert "privacy@linkrapi.com" in (out / "linkrapi/privacy/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("path, old, new, rebuilt", [
    # a vendor's name shows on the pages of the brands that use it, and only theirs
    ("content/vendors.yaml", "name: Freemius\n", "name: Freemius Ltd\n", ["linkrapi"]),
    ("templates/security.md.j2", "# {{ title }}", "# {{ title }} at {{ brand.name }}",
     ["idclinks", "journeyapi", "linkrapi"]),
    ("mkdocs.yml", "language: en", "language: en\n  direction: ltr", ["idclinks", "journeyapi", "linkrapi"]),
], ids=["vendor", "template", "mkdocs.yml"])
def test_a_shared_input_rebuilds_the_brands_it_reaches(project: Path, edit, path, old, new, rebuilt):
    out = project / "site"
    build(load_project(project), out)
    edit(project / path, old, new)
    assert build(load_project(project), out).built == rebuilt


def test_reuse_false_rebuilds_everything(project: Path):
    out = project / "site"
    build(load_project(project), out)
    assert build(load_project(project), out, reuse=False).built == ["idclinks", "journeyapi", "linkrapi"]


def test_a_folder_legalsite_did_not_write_is_never_replaced(project: Path):
    out = project / "public"
    out.mkdir()
    (out / "keep.txt").write_text("someone's work", encoding="utf-8")
    with pytest.raises(BuildError, match="not written by legalsite"):
        build(load_project(project), out)
    assert snapshot(out) == {"keep.txt": b"someone's work"}


def test_published_tree_is_marked_and_complete(project: Path):
    out = project / "site"
    build(load_project(project), out)
    assert (out / MARKER).is_file()
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "idclinks", "index.html", "journeyapi", "linkrapi"]
    assert (out / "linkrapi/privacy/index.html").is_file()


@pytest.mark.parametrize("extra, rule", [("strict: false\n", "yaml-duplicate-key"),
                                         ("extra: !!python/name:os.system\n", "yaml-tag")])
def test_the_shared_mkdocs_config_is_read_safely(project: Path, extra: str, rule: str):
    with open(project / "mkdocs.yml", "a", encoding="utf-8") as config:
        config.write(extra)
    with pytest.raises(FactError) as caught:
        build(load_project(project), project / "site")
    assert [(f.path, f.rule) for f in caught.value.findings] == [("mkdocs.yml", rule)]
    assert not (project / "site").exists()
