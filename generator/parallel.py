"""Work spread over the CPUs: worker processes that start with the command's memory and die with it.

Checking many brands and building many sites both hand each worker one share of the work. The workers are
forked (on Linux), so they start with the project already loaded and validated; a worker that dies takes the
others down and is reported in words; Ctrl+C or SIGTERM stops them all before the caller cleans up.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .errors import LegalsiteError


def can_fork() -> bool:
    """Whether workers can start with this process's memory (Linux): otherwise each would load everything again."""
    return sys.platform == "linux"


def in_workers(task: Callable, shares: list[tuple], *, died: str, error: type[LegalsiteError],
               inherit: object = None) -> list:
    """``task(*share)`` for each share, each in a worker process of its own; the results in the shares' order.

    ``inherit``: an object the workers start with, handed to ``task`` first (``task(inherit, *share)``) without
    being copied through a pipe; forked workers only (``can_fork``). ``died``: the message raised as ``error``
    when a worker dies abruptly, "{how}" standing for how it ended. A LegalsiteError raised in a worker is
    raised here as it was.
    """
    global _inherited
    if inherit is not None:
        if not can_fork():
            raise ValueError("only forked workers inherit an object")
        task, shares = _with_inherited, [(task, *share) for share in shares]
    context = multiprocessing.get_context("fork" if can_fork() else "spawn")
    pool = ProcessPoolExecutor(len(shares), mp_context=context, initializer=_worker_start, initargs=(os.getpid(),))
    _inherited = inherit  # the workers are forked as the shares are submitted
    try:
        futures = [pool.submit(task, *share) for share in shares]
        workers = _processes(pool)
        results = []
        for future in futures:
            try:
                results.append(future.result())  # re-raises a worker's LegalsiteError
            except BrokenProcessPool:
                raise error(died.format(how=_how_it_ended(workers))) from None
        return results
    except BaseException:
        # Interrupted (SIGTERM, Ctrl+C) or failed: stop the other workers now, before the caller removes the
        # folders they write into; shutdown() alone would let them finish their share first.
        _stop_workers(pool)
        raise
    finally:
        _inherited = None
        pool.shutdown(wait=True, cancel_futures=True)


_inherited: object = None


def _with_inherited(task: Callable, *share):
    return task(_inherited, *share)


def _worker_start(parent: int) -> None:
    """Runs first in each worker: make it die with the command instead of outliving it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole process group; the parent stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler (inherited by fork) is not for workers
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            # PR_SET_PDEATHSIG: the kernel kills this worker when the parent process dies, even by SIGKILL.
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _how_it_ended(workers: list) -> str:
    """ " (pid 123, killed by SIGKILL: ...)" for the worker that ended first, if it can still be told."""
    for process in workers:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(1)
    # The pool ends the other workers with SIGTERM once one has died: look at those last.
    for process in sorted(workers, key=lambda process: process.exitcode == -signal.SIGTERM):
        with contextlib.suppress(OSError, ValueError, AssertionError):
            if process.exitcode is not None and process.exitcode < 0:
                name = signal.Signals(-process.exitcode).name
                return f" (pid {process.pid}, killed by {name}: by another program, or by the system when " \
                       "out of memory)"
            if process.exitcode:
                return f" (pid {process.pid}, exit code {process.exitcode})"
    return ""


def _processes(pool: ProcessPoolExecutor) -> list:
    return list((getattr(pool, "_processes", None) or {}).values())  # no public API lists a pool's workers


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    processes = _processes(pool)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(5)
