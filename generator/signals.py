"""SIGTERM cleans up as Ctrl+C does, and a section that must not be cut short (the swap) is not.

Its own module, so that every command can install the handlers without importing the build.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

_deferred: list[BaseException] = []  # an interruption that arrived during an uninterrupted() section
_depth = [0]


@contextlib.contextmanager
def orderly_signals() -> Iterator[None]:
    """Within this block SIGTERM raises ``SystemExit(143)`` (128 + 15, the shell's code for "terminated") in
    the main thread, as Ctrl+C raises KeyboardInterrupt, so every ``finally`` (temporary folders, worker
    processes) runs; without it SIGTERM kills the process and leaves them behind. Both wait while an
    ``uninterrupted()`` section runs. Does nothing outside the main thread, where Python cannot set handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame) -> None:
        exc = SystemExit(128 + signum) if signum == signal.SIGTERM else KeyboardInterrupt()
        if _depth[0]:
            _deferred.append(exc)
        else:
            raise exc

    previous = {}
    for signum, usual in ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler)):
        if signal.getsignal(signum) in (usual, None) or getattr(signal.getsignal(signum), "legalsite", False):
            interrupt.legalsite = True  # a nested block (a build inside serve) may take over
            previous[signum] = signal.signal(signum, interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """A section that SIGTERM/SIGINT (under ``orderly_signals``) do not cut short; they take effect after it."""
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        if not _depth[0] and _deferred:
            exc = _deferred.pop()
            _deferred.clear()
            raise exc
