"""The live preview: serves one brand, rebuilds on edits, survives bad facts."""

from __future__ import annotations

import shutil
import threading
import urllib.request
from pathlib import Path

import pytest
from conftest import sample_settings, wait_for

from legalsite import serve as serve_module
from legalsite.errors import UsageError
from legalsite.serve import make_server, serve

REPO = Path(__file__).resolve().parent.parent
DEADLINE = 15  # seconds; a rebuild takes about one


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, root / name)
    (root / "mkdocs.yml").write_text(sample_settings(pdf=False), encoding="utf-8")  # a preview rebuilds often
    return root


def get(url: str) -> str:
    # A short timeout: a request that hangs means the server is waiting for a build that never succeeded.
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_until(condition, what: str):
    return wait_for(condition, what, DEADLINE, step=0.2)


def test_serves_rebuilds_and_keeps_last_good_site(project: Path, tmp_path: Path, capsys) -> None:
    server = make_server(project, "linkrapi", tmp_path / "out", port=0)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        assert server.ready.wait(DEADLINE)
        url = f"http://127.0.0.1:{server.server_port}/privacy/"
        assert f"Serving LinkrAPI on http://127.0.0.1:{server.server_port}/ (Ctrl+C to stop)" in capsys.readouterr().out

        page = get(url)
        assert "LinkrAPI" in page
        assert "contact@linkrapi.com" in page
        assert "/livereload/" in page  # MkDocs injected its reload script

        brand = project / "content/brands/linkrapi.yaml"
        good = brand.read_text(encoding="utf-8")
        assert "contact@linkrapi.com" in good
        brand.write_text(good.replace("contact@linkrapi.com", "privacy@linkrapi.com"), encoding="utf-8")
        wait_until(lambda: "privacy@linkrapi.com" in get(url), "the edited email to be served")

        capsys.readouterr()  # forget anything printed so far
        brand.write_text(good.replace("name: LinkrAPI\n", "name: LinkrAPI\n\tdomain: bad\n"), encoding="utf-8")
        err = ""

        def reported() -> bool:
            nonlocal err
            err += capsys.readouterr().err
            return "still shows the last good build" in err

        wait_until(reported, "the failed rebuild to be reported")
        tab_line = good[: good.index("name: LinkrAPI\n")].count("\n") + 2  # the line after the name
        assert f"content/brands/linkrapi.yaml:{tab_line}:1: error[yaml-syntax]" in err
        assert "Traceback" not in err
        page = get(url)
        assert "privacy@linkrapi.com" in page
        assert thread.is_alive()
    finally:
        server.shutdown(wait=True)
        thread.join(DEADLINE)
    assert not thread.is_alive()
    assert not (project / "site").exists()


def test_unknown_brand_is_refused_before_anything_starts(project: Path, monkeypatch) -> None:
    def never(*args, **kwargs):
        raise AssertionError("serve built or started a server for an unknown brand")

    monkeypatch.setattr(serve_module, "build_project", never)
    monkeypatch.setattr(serve_module, "PreviewServer", never)
    with pytest.raises(UsageError, match="no brand named 'nosuch'"):
        serve(project, "nosuch", port=0)
