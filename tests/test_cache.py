"""Work in proportion to the change: the cache, publishing by reference, and building in parts.

Every shortcut must leave the output exactly as a cold build writes it: the tests compare bytes with a
build that had no cache, no published site and no parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import files_in

from legalsite.build import build
from legalsite.build.shards import brands_in, part_of
from legalsite.cache import FOLDER
from legalsite.checks import run_checks
from legalsite.project import load_project
from legalsite.publish import MARKER, store_path


def run(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """legalsite in a fresh process, as a user runs it."""
    result = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), *args], capture_output=True,
                            text=True, timeout=300, check=False, env={**os.environ, **(env or {})})
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result


def entries(project: Path) -> list[Path]:
    return sorted(p for p in (project / FOLDER).glob("*/*/*.json"))


def cold(project: Path, out: Path) -> dict:
    """The output of a build with no cache and no published site."""
    shutil.rmtree(project / FOLDER, ignore_errors=True)
    run(project, "build", "--no-versions", "--out", str(out), env={"LEGALSITE_CACHE": "off"})
    assert not (project / FOLDER).exists()
    return files_in(out)


@pytest.fixture(autouse=True)
def build_day(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def test_every_kind_of_entry_is_kept_and_a_second_run_reads_them(project):
    first = run(project, "check")
    kinds = {p.parent.parent.name for p in entries(project)}
    assert kinds == {"facts", "findings", "pages", "settings"}
    again = run(project, "check")
    assert again.stdout == first.stdout
    # A check that found everything kept imports neither MkDocs nor Material: nothing to try.
    script = (f"import sys\nfrom legalsite.cli import main\nmain(['-C', {str(project)!r}, 'check'])\n"
              "print(sorted(m for m in ('mkdocs', 'material', 'markdown') if m in sys.modules))")
    probe = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert probe.stdout.strip().splitlines()[-1] == "[]", probe.stderr


def test_corrupt_and_foreign_entries_are_ignored_and_made_again(project, tmp_path):
    expected = cold(project, tmp_path / "cold")
    run(project, "build", "--no-versions")  # fills the cache
    kept = entries(project)
    assert len(kept) > 10
    # Every way an entry can be wrong: cut short, a flipped byte, another entry's file, a valid entry whose
    # digest matches but whose value is not what its kind holds, and an empty file.
    for i, path in enumerate(kept):
        data = path.read_bytes()
        header, _, body = data.partition(b"\n")
        damaged = [data[: len(data) // 2], data[:-3] + bytes([data[-3] ^ 1]) + data[-2:],
                   kept[(i + 1) % len(kept)].read_bytes(),
                   header.replace(json.loads(header)["digest"].encode(),
                                  hashlib.sha256(b'[["x"]]').hexdigest().encode()) + b'\n[["x"]]',
                   b""][i % 5]
        path.write_bytes(damaged)
    shutil.rmtree(project / "site")
    shutil.rmtree(store_path(project / "site"), ignore_errors=True)
    result = run(project, "build", "--no-versions")
    assert result.returncode == 0, result.stderr
    assert files_in(project / "site") == expected
    # Each damaged entry was worked out again and written back whole.
    again = {p: p.read_bytes() for p in entries(project)}
    for path in kept:
        header, _, body = again[path].partition(b"\n")
        assert json.loads(header)["digest"] == hashlib.sha256(body).hexdigest()


def test_deleting_the_cache_changes_nothing_in_the_output(project, tmp_path, edit):
    # A warm cache that has seen several versions of a brand, then a build from it...
    run(project, "build", "--no-versions")
    brand = project / "content" / "brands" / "linkrapi.yaml"
    edit(brand, "email: contact@linkrapi.com", "email: privacy@linkrapi.com")
    run(project, "build", "--no-versions")
    warm = files_in(project / "site")
    assert b"privacy@linkrapi.com" in warm["linkrapi/privacy/index.html"]
    # ... writes what a build without the cache writes, byte for byte, marker included.
    assert cold(project, tmp_path / "cold") == warm


@pytest.mark.parametrize("change", [
    ("linkrapi", "email: contact@linkrapi.com", "email: privacy@linkrapi.com"),  # read by other brands' checks
    ("journeyapi", "name: JourneyAPI", "name: LinkrAPI"),  # another brand's name on this brand's pages
    ("idclinks", "amount: 30", "amount: 31"),  # read by this brand's rules only
    ("vendors", "name: Stripe", "name: Stripe Payments"),  # shared by every brand
])
def test_findings_from_the_cache_equal_findings_worked_out_afresh(project, edit, change):
    file, old, new = change
    run_checks(load_project(project))  # the cache holds the findings before the change
    path = project / "content" / ("vendors.yaml" if file == "vendors" else f"brands/{file}.yaml")
    if old not in path.read_text(encoding="utf-8"):
        pytest.skip(f"{old!r} is not in the shipped {file} facts")  # the sample facts changed: pick another edit
    edit(path, old, new)
    from legalsite.cache import Cache

    assert run_checks(load_project(project)) == run_checks(load_project(project, Cache(None)))


def test_a_changed_brand_is_published_by_one_link_and_the_others_are_not_touched(project, edit):
    site = project / "site"
    run(project, "build", "--no-versions")
    links = {p.name: os.readlink(p) for p in site.iterdir() if p.is_symlink()}
    assert sorted(links) == ["idclinks", "journeyapi", "linkrapi"]
    inodes = {p: p.stat().st_ino for p in (store_path(site)).rglob("*") if p.is_file()}
    edit(project / "content/brands/linkrapi.yaml", "email: contact@linkrapi.com", "email: privacy@linkrapi.com")
    result = run(project, "build", "--no-versions")
    assert "Built 1 site(s)" in result.stdout
    after = {p.name: os.readlink(p) for p in site.iterdir() if p.is_symlink()}
    assert {slug for slug in after if after[slug] != links[slug]} == {"linkrapi"}
    # The unchanged brands' files are the very same files; the old linkrapi folder is gone from the store.
    old = (site / links["linkrapi"]).resolve()
    assert not old.exists()
    assert all(p.stat().st_ino == ino for p, ino in inodes.items() if not p.is_relative_to(old))
    assert sorted(p.name for p in store_path(site).iterdir() if p.is_dir()) == sorted(Path(t).name for t in after.values())


def test_a_folder_in_the_store_place_that_legalsite_did_not_write_is_refused(project):
    foreign = store_path(project / "site")
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    result = run(project, "build", "--no-versions")
    assert result.returncode == 1 and "no .legalsite marker" in result.stderr and str(foreign) in result.stderr
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine" and not (project / "site").exists()


def test_each_brand_is_always_in_the_same_part_and_in_exactly_one():
    slugs = [f"brand-{i}" for i in range(200)]
    for total in (1, 2, 3, 7):
        parts = [part_of(slug, total) for slug in slugs]
        assert parts == [part_of(slug, total) for slug in slugs] and set(parts) == set(range(1, total + 1))


def test_parts_built_apart_merge_into_the_bytes_of_one_build(project, tmp_path):
    whole = cold(project, tmp_path / "whole")
    total = 4  # the sample's three brands fall in parts 2 and 4: parts 1 and 3 hold none, and merge all the same
    loaded = load_project(project)
    assert [bool(brands_in(loaded, part, total)) for part in range(1, total + 1)] == [False, True, False, True]
    parts = []
    for part in range(1, total + 1):
        out = tmp_path / f"part-{part}"
        result = run(project, "build", "--no-versions", "--shard", f"{part}/{total}", "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert sorted(p.name for p in out.iterdir() if p.is_dir()) == brands_in(loaded, part, total)
        # As CI moves them: an artifact holds files, not links (upload-artifact follows them).
        moved = tmp_path / "artifacts" / f"part-{part}"
        shutil.copytree(out, moved, symlinks=False)
        parts.append(str(moved))
    result = run(project, "merge", *parts, "--out", str(tmp_path / "merged"))
    assert result.returncode == 0, result.stderr
    assert files_in(tmp_path / "merged") == whole
    # A part missing stops the merge, and publishes nothing.
    result = run(project, "merge", parts[1], "--out", str(tmp_path / "half"))
    assert result.returncode == 1 and "missing" in result.stderr and not (tmp_path / "half").exists()
    # A part given twice names the brand that is in two parts.
    result = run(project, "merge", *parts, parts[1], "--out", str(tmp_path / "twice"))
    assert result.returncode == 1 and "is in two parts" in result.stderr


@pytest.mark.parametrize("shard", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_shard_that_is_not_part_of_a_whole_is_refused_in_words(project, shard):
    result = subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "build", "--shard", shard],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and "such as 2/4" in result.stderr and "Traceback" not in result.stderr


def test_the_marker_of_a_build_is_the_marker_of_the_merged_parts(project, tmp_path):
    build(load_project(project), tmp_path / "one", versions=False)
    record = json.loads((tmp_path / "one" / MARKER).read_text(encoding="utf-8"))
    assert set(record) == {"note", "brands", "sources"} and set(record["sources"]) == set(record["brands"])


def test_the_published_site_archives_as_github_pages_uploads_it(project, tmp_path):
    """actions/upload-pages-artifact runs tar with --dereference --hard-dereference: the brand links become
    folders of files, and Pages refuses an archive that still holds a link."""
    run(project, "build", "--no-versions")
    archive = tmp_path / "artifact.tar"
    subprocess.run(["tar", "--dereference", "--hard-dereference", "--directory", str(project / "site"), "-cf",
                    str(archive), "--exclude=.[^/]*", "."], check=True)
    listing = subprocess.run(["tar", "-tvf", str(archive)], capture_output=True, text=True, check=True).stdout
    assert not [line for line in listing.splitlines() if line[0] in "lh"]  # no symbolic or hard links
    names = {line.split()[-1] for line in listing.splitlines()}
    assert {f"./{slug}/privacy/index.html" for slug in ("linkrapi", "journeyapi", "idclinks")} <= names


def test_a_check_of_unchanged_brands_validates_none_of_their_facts(project, monkeypatch, edit):
    import legalsite.project as stage

    run_checks(load_project(project))  # fills the cache
    # A retention period: read by idclinks' own rules only (an email would be read by the others' too).
    edit(project / "content/brands/idclinks.yaml", "amount: 30", "amount: 31")
    monkeypatch.setattr(stage, "_loaded", {})  # as a new process: nothing in memory
    loaded = load_project(project)
    found = run_checks(loaded)
    assert [slug for slug in loaded.brands if loaded.brands.validated(slug)] == ["idclinks"]  # the changed one
    from legalsite.cache import Cache

    assert found == run_checks(load_project(project, Cache(None)))


def test_a_summary_kept_by_an_earlier_release_is_worked_out_again(project):
    """0.6 kept a brand's summary without its changes and dates (what history reads): such an entry's facts
    are validated and the entry kept again whole; the history is the one worked out without a cache."""
    import legalsite.project
    from legalsite.cache import Cache, project_cache
    from legalsite.history import find_history

    def load(cache):
        legalsite.project._loaded.clear()  # what this process loaded before: a new command's start
        return load_project(project, cache)

    load(project_cache(project))  # fills the cache
    cache = Cache(project / FOLDER)
    for path in entries(project):
        if path.parent.parent.name == "facts":
            entry = cache.get("facts", path.stem)
            if isinstance(entry, dict) and "summary" in entry:
                cache.put("facts", path.stem, {**entry, "summary": {k: v for k, v in entry["summary"].items()
                                                                    if k not in ("changes", "dates")}})
    old = load(project_cache(project))
    assert all(old.brands.validated(slug) for slug in old.brands)  # nothing trusted from the older summary
    again = load(project_cache(project))
    assert not any(again.brands.validated(slug) for slug in again.brands)  # kept whole this time
    assert find_history(again).versions == find_history(load(Cache(None))).versions
    assert not any(again.brands.validated(slug) for slug in again.brands)  # history read the summaries
