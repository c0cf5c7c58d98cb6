"""legalsite as another company gets it: the wheel built from a clean checkout, installed (not editable) in a
fresh environment, run in folders far from this repository.

The fresh environment borrows the test environment's dependencies through a .pth path line, so these tests
run offline; its own site-packages come first, and the .pth files of the borrowed folder (this checkout's
editable install among them) are not run, so ``legalsite`` can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import files_in

from legalsite import __version__
from legalsite.model import Brand

REPO = Path(__file__).resolve().parents[1]
SAMPLE = ("content", "schemas", "templates", "mkdocs.yml")  # the sample project, without the tool's source
EPOCH = "1796083200"  # 2026-12-01: one build date, so two builds can be compared byte for byte


def _checkout_files() -> list[str]:
    """The files a clean clone has (plus new files not yet committed, so a test run sees the change)."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard"], check=True,
                            capture_output=True, text=True).stdout.splitlines()
    return [name for name in listed if (REPO / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built without network from a copy of the checkout's files (no build/ or egg-info leftovers)."""
    clone = tmp_path_factory.mktemp("clone")
    for name in _checkout_files():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, clone / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-q", "-w", str(out), str(clone)], check=True, capture_output=True)
    (built,) = out.glob("legalsite-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """A fresh virtual environment holding only the wheel; returns its bin/ folder."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, capture_output=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", SOURCE_DATE_EPOCH=EPOCH)
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([str(bin_dir / "legalsite"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)


def test_the_wheel_holds_every_module_and_data_file_of_the_source_folder(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    source = [name for name in _checkout_files() if name.startswith("generator/")]
    assert len(source) > 30  # the whole package, not a handful of files
    missing = [name for name in source if "legalsite/" + name.removeprefix("generator/") not in names]
    assert missing == []
    assert f"legalsite-{__version__}.dist-info/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"legalsite-{__version__}.dist-info/METADATA").decode()
    assert f"Version: {__version__}\n" in metadata and "License-Expression: MIT" in metadata
    assert not any(name.startswith(("generator/", "tests/", "content/")) for name in names)


def test_the_installed_command_runs_from_the_wheel_not_from_this_checkout(installed: Path, tmp_path: Path):
    where = subprocess.run([str(installed / "python"), "-c", "import legalsite; print(legalsite.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(installed.parent) and not Path(where).is_relative_to(REPO)
    result = run(installed, tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"legalsite, version {__version__}"


def test_the_sample_project_builds_from_the_wheel_as_it_does_from_the_checkout(installed: Path, tmp_path: Path):
    project = tmp_path / "sample"
    for name in SAMPLE:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, project / name)
    assert not (project / "generator").exists()
    check = run(installed, project, "check")
    assert check.returncode == 0, check.stderr
    build = run(installed, project, "build")
    assert build.returncode == 0, build.stderr
    # The same facts and build date give the same pages as the editable install in this checkout.
    editable = tmp_path / "editable"
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    subprocess.run([sys.executable, "-m", "legalsite", "-C", str(project), "build", "--out", str(editable)],
                   env=env, check=True, capture_output=True)
    brands = sorted(p.stem for p in (project / "content/brands").glob("*.yaml"))
    for slug in brands:
        assert (project / "site" / slug / "privacy/index.html").is_file()
        assert _files(project / "site" / slug) == _files(editable / slug), slug


def _files(folder: Path) -> dict[str, bytes]:
    return files_in(folder)


def _fill_required(path: Path, facts: dict[str, str]) -> None:
    """Write each 'name:' left empty by 'legalsite new' with a value, as a legal team does in an editor."""
    text = path.read_text(encoding="utf-8")
    for key, value in facts.items():
        empty = f"{key}:\n"
        assert empty in text, key
        text = text.replace(empty, f"{key}: {value}\n", 1)
    path.write_text(text, encoding="utf-8")


def test_a_new_company_starts_from_an_empty_folder(installed: Path, tmp_path: Path):
    folder = tmp_path / "acme-legal"
    folder.mkdir()
    assert run(installed, folder, "init").returncode == 0
    first = run(installed, folder, "check")
    assert first.returncode == 1 and "legalsite new SLUG" in first.stderr and "[brand-none]" in first.stderr
    assert run(installed, folder, "new", "acme").returncode == 0
    # The required facts are the ones the model says are required: name and the two colours.
    required = [name for name, info in Brand.model_fields.items() if info.is_required()]
    assert required == ["name", "theme"]
    _fill_required(folder / "content/brands/acme.yaml",
                   {"name": "Acme Widgets", "primary": '"#3949ab"', "accent": '"#00838f"'})
    # and a way to reach the brand: a privacy page without one is not published (contact-none)
    _fill_required(folder / "content/brands/acme.yaml", {"domain": "acme.example", "  email": "privacy@acme.example"})
    check = run(installed, folder, "check")
    assert check.returncode == 0, check.stderr
    build = run(installed, folder, "build")
    assert build.returncode == 0, build.stderr
    page = (folder / "site/acme/privacy/index.html").read_text(encoding="utf-8")
    assert "<title>Privacy Policy - Acme Widgets</title>" in page
    # init refuses to write over the project it made, and names the file.
    again = run(installed, folder, "init")
    assert again.returncode == 2 and "mkdocs.yml already exists" in again.stderr


def test_the_new_project_workflow_installs_the_release_that_wrote_it(installed: Path, tmp_path: Path):
    assert run(installed, tmp_path, "init").returncode == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/legal-pages.yml").read_text(encoding="utf-8"))
    assert workflow["jobs"]["build"]["env"]["LEGALSITE"] == f"legalsite[zensical]=={__version__}"
