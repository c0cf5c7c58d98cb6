"""Sites built across the CPUs: one worker process per CPU, each building its share with the chosen engine."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..errors import BuildError
from . import engines
from .inputs import SiteInputs


def build_sites(inputs: dict[str, SiteInputs], work: Path, stage: Path, jobs: int | None,
                engine: str = "mkdocs") -> None:
    """Build each site into ``stage/<path>`` with ``engine``: in this process for one site, else across the CPUs."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(inputs)))
    if jobs == 1:
        _build_chunk(list(inputs), inputs, work, stage, engine)
        return
    # fork: workers start with the project in memory and any theme already compiled here.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    slugs = list(inputs)
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),))
    try:
        chunks = [slugs[i::jobs] for i in range(jobs)]  # one chunk a worker, so each compiles the theme once
        futures = [pool.submit(_build_chunk, chunk, {s: inputs[s] for s in chunk}, work, stage, engine) for chunk in chunks]
        workers = _processes(pool)
        for future in futures:
            try:
                future.result()  # re-raises a worker's BuildError
            except BrokenProcessPool:
                raise BuildError(f"a build worker process stopped abruptly{_how_it_ended(workers)} while the sites "
                                 "were being built. Nothing was published. Run the build again; if it happens "
                                 "again, 'legalsite build --jobs 1' builds in one process and shows what went "
                                 "wrong.") from None
    except BaseException:
        # Interrupted (SIGTERM, Ctrl+C) or failed: stop the other workers now, before the caller removes the
        # staging folder they write into; shutdown() alone would let them finish their brands first.
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_start(parent: int) -> None:
    """Runs first in each worker: make it die with the build instead of outliving it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole process group; the parent stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler (inherited by fork) is not for workers
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            # PR_SET_PDEATHSIG: the kernel kills this worker when the build process dies, even by SIGKILL.
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the line above took effect
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


def _build_chunk(slugs: list[str], inputs: dict[str, SiteInputs], work: Path, stage: Path, engine: str) -> None:
    build_site = engines.engine(engine).build_site
    for slug in slugs:
        build_site(slug, inputs[slug], work / slug, stage / slug)
