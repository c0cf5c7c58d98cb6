"""Live preview of one brand: MkDocs' live-reload server over a private build folder.

The brand is built with the same library call as ``legalsite build``, into a
temporary folder that is removed on exit, never into the project's site/.
Edits to content/, templates/ or mkdocs.yml rebuild it and reload the browser;
facts that do not build are printed and the last good site stays up.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import click
from mkdocs.livereload import LiveReloadServer

from .build import build_project
from .errors import LegalsiteError, UsageError
from .project import load_project
from .signals import orderly_signals

WATCHED = ("content", "templates", "mkdocs.yml")


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server that announces itself once it listens and watches."""

    def __init__(self, builder, host: str, port: int, root: Path, name: str) -> None:
        # MkDocs polls for changes every 0.5 s; a tenth of that keeps save-to-page under half a second,
        # and stat()ing a few hundred fact files that often costs next to nothing.
        super().__init__(builder=builder, host=host, port=port, root=str(root), polling_interval=0.05)
        self.build_delay = 0.05  # MkDocs waits this long for a burst of saves to end before rebuilding
        self.name = name
        self.ready = threading.Event()

    def server_bind(self) -> None:
        try:
            super().server_bind()
        except OSError as exc:  # a busy port is the user's to change, not a bug in legalsite
            host, port = self.server_address[:2]
            raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port, "
                             "or --port 0 for any free one.") from exc

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        # serve() starts this thread after binding (a port of 0 is known only then) and after the watcher
        # took its first snapshot (an edit made before that would never trigger a rebuild).
        self.url = f"http://{self.server_address[0]}:{self.server_port}/"
        click.echo(f"Serving {self.name} on {self.url} (Ctrl+C to stop)")
        self.ready.set()
        super().serve_forever(poll_interval)


def make_server(project_dir: Path, slug: str, out: Path, *, port: int = 8000,
                host: str = "127.0.0.1") -> PreviewServer:
    """Build ``slug`` into ``out`` and return a server for ``out/slug`` that watches the project.

    An unknown brand or a failed first build raises before any socket is bound;
    call ``serve()`` on the result to listen, ``shutdown()`` to stop.
    """
    project_dir = Path(project_dir)
    project = load_project(project_dir)
    project.select([slug])
    build_project(project_dir, out=out, slugs=[slug])

    def rebuild() -> None:
        try:
            build_project(project_dir, out=out, slugs=[slug])
        except LegalsiteError as exc:
            # Raising here would make MkDocs print a traceback and hold every request until a build succeeds;
            # returning keeps the last published site up, since a failed build publishes nothing.
            for line in exc.lines():
                click.echo(line, err=True)
            click.echo("The preview still shows the last good build; fix the above and save again.", err=True)

    server = PreviewServer(rebuild, host, port, out / slug, project.brands[slug].name)
    for name in WATCHED:
        server.watch(str(project_dir / name))
    return server


def serve(project_dir: Path, slug: str, *, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Preview brand ``slug`` on http://host:port/ until Ctrl+C, rebuilding whenever its sources change.

    SIGTERM ends it as Ctrl+C does, removing the temporary folder, but exits 143 (SystemExit) so a
    supervisor can tell it was stopped.
    """
    with orderly_signals(), tempfile.TemporaryDirectory(prefix="legalsite-serve-") as tmp:
        # out is a folder inside tmp so that publish's staging folder, made beside out, is private too.
        server = make_server(project_dir, slug, Path(tmp) / "site", port=port, host=host)
        try:
            server.serve()  # rebuilds run on this thread, so Ctrl+C lands here
        except KeyboardInterrupt:
            pass  # Ctrl+C is how a preview ends
        finally:
            server.shutdown()
